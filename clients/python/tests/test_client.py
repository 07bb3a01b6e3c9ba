"""The Python client against a real `tokenledger serve` (see conftest.py)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import List

import httpx
import pytest

from ledger_server import LedgerServer
from tokenledger import (
    AsyncClient,
    BadRequest,
    ChargeRequest,
    Client,
    Conflict,
    Forbidden,
    InsufficientFunds,
    NotFound,
    ProblemError,
    Refused,
    TokenLedgerError,
    TransportError,
    Unauthorized,
    money_text,
)


def fresh(prefix: str = "acct") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def admin(ledger: LedgerServer):
    with Client(ledger.url, ledger.keys["admin"]) as client:
        yield client


@pytest.fixture
def gateway(ledger: LedgerServer):
    with Client(ledger.url, ledger.keys["gateway"]) as client:
        yield client


@pytest.fixture
def funded(admin: Client) -> str:
    """An account with $20.00 of purchased credit."""
    name = fresh()
    admin.create_account(name)
    admin.purchase(name, Decimal("20.00"))
    return name


def test_health(ledger: LedgerServer) -> None:
    with Client(ledger.url) as anonymous:  # /healthz needs no key
        health = anonymous.health()
    assert health.status == "ok"
    assert health.ledger.endswith("ledger.sqlite")


def test_money_is_decimal_never_float() -> None:
    assert money_text(Decimal("19.9965")) == "19.9965"
    assert money_text("5") == "5"
    assert money_text(Decimal("1E+2")) == "100"
    assert money_text(Decimal("0.0000000010")) == "0.000000001"
    with pytest.raises(TypeError):
        money_text(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        money_text(Decimal("0.0000000001"))  # finer than a nanodollar: refused, not rounded
    with pytest.raises(ValueError):
        money_text("NaN")


def test_accounts_create_list_show(admin: Client) -> None:
    name = fresh()
    created = admin.create_account(name, max_purchase_usd=Decimal("500"), overdraft_usd="2.50", idempotency_key=f"acct-{name}")
    assert created.account == name
    assert created.balance_usd == Decimal("0")
    assert isinstance(created.balance_usd, Decimal)
    assert created.max_purchase_usd == Decimal("500")
    assert created.overdraft_usd == Decimal("2.5")
    assert not created.replayed
    again = admin.create_account(name, max_purchase_usd=Decimal("500"), overdraft_usd="2.50", idempotency_key=f"acct-{name}")
    assert again == created
    with pytest.raises(Conflict) as conflict:
        admin.create_account(name, max_purchase_usd=Decimal("600"))
    assert conflict.value.status == 409 and conflict.value.code == "account_exists"
    assert admin.get_account(name) == created
    assert name in [a.account for a in admin.list_accounts()]
    with pytest.raises(NotFound) as missing:
        admin.get_account(fresh("nobody"))
    assert missing.value.status == 404 and missing.value.code == "unknown_account"


def test_purchase_grant_and_balance(admin: Client) -> None:
    name = fresh()
    admin.create_account(name)
    paid = admin.purchase(name, Decimal("12.34"), idempotency_key=f"pay-{name}")
    assert (paid.kind, paid.id, paid.account) == ("purchase", f"pay-{name}", name)
    assert paid.amount_usd == Decimal("12.34") and paid.balance_usd == Decimal("12.34")
    expires = datetime.now(timezone.utc) + timedelta(days=30)
    granted = admin.grant(name, "0.000000007", expires_at=expires)
    assert granted.kind == "grant" and granted.amount_usd == Decimal("0.000000007")
    assert granted.balance_usd == Decimal("12.340000007")
    assert abs((granted.expires_at - expires).total_seconds()) < 1
    balance = admin.balance(name)
    assert balance.balance_usd == Decimal("12.340000007")
    assert balance.available_usd == Decimal("12.340000007")
    assert balance.reserved_usd == Decimal("0")
    assert sorted(lot.kind for lot in balance.lots) == ["grant", "purchase"]
    assert sum((lot.remaining_usd for lot in balance.lots), Decimal(0)) == balance.balance_usd


def test_idempotent_retry_returns_the_original_and_another_body_conflicts(admin: Client) -> None:
    name = fresh()
    admin.create_account(name)
    first = admin.purchase(name, Decimal("10.00"), idempotency_key="same-key-" + name)
    retry = admin.purchase(name, Decimal("10.00"), idempotency_key="same-key-" + name)
    assert retry.replayed and not first.replayed
    assert retry == first
    assert admin.balance(name).balance_usd == Decimal("10")  # recorded once
    with pytest.raises(Conflict) as conflict:
        admin.purchase(name, Decimal("11.00"), idempotency_key="same-key-" + name)
    error = conflict.value
    assert (error.status, error.code) == (409, "id_conflict")
    assert error.detail
    assert admin.balance(name).balance_usd == Decimal("10")


def test_a_lost_answer_is_retried_with_the_same_key_and_charged_once(ledger: LedgerServer, admin: Client, funded: str) -> None:
    """The first attempt reaches the service but its answer is lost; the client sends it again with the same
    Idempotency-Key and gets the original receipt back: one charge, not two."""
    keys: List[str] = []
    real = httpx.HTTPTransport()

    class LosesFirstAnswer(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            keys.append(request.headers["Idempotency-Key"])
            response = real.handle_request(request)
            if len(keys) == 1:
                response.read()
                raise httpx.ReadError("connection reset after the request was sent")
            return response

    with Client(ledger.url, ledger.keys["gateway"], transport=LosesFirstAnswer()) as flaky:
        receipt = flaky.charge(funded, "gpt-4o-mini", 1000, 100)
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0].startswith("py-")
    assert receipt.replayed and receipt.id == keys[0]
    assert admin.balance(funded).balance_usd == Decimal("20") - receipt.cost_usd

    with Client(ledger.url, ledger.keys["gateway"], retries=0, transport=LosesFirstAnswer()) as no_retries:
        keys.clear()
        with pytest.raises(TransportError):
            no_retries.charge(funded, "gpt-4o-mini", 1000, 100)


def test_charge_is_priced_exactly_at_the_ledger_price(admin: Client, gateway: Client, funded: str) -> None:
    price = gateway.price("gpt-4o")
    rates = price.rates("default", 1234)
    receipt = gateway.charge(funded, "gpt-4o", 1234, 567, cached_tokens=200, project="search", user="u1", idempotency_key=f"c-{funded}")
    assert receipt.id == f"c-{funded}"
    assert receipt.cost_usd == rates.cost(1234, 567, cached_tokens=200)
    assert receipt.cost_usd > 0
    assert receipt.price_effective_from == price.effective_from
    assert receipt.balance_usd == Decimal("20") - receipt.cost_usd
    replay = gateway.charge(funded, "gpt-4o", 1234, 567, cached_tokens=200, project="search", user="u1", idempotency_key=f"c-{funded}")
    assert replay.replayed and replay == receipt
    with pytest.raises(Conflict) as conflict:
        gateway.charge(funded, "gpt-4o", 1234, 568, cached_tokens=200, project="search", user="u1", idempotency_key=f"c-{funded}")
    assert conflict.value.code == "id_conflict"
    assert admin.balance(funded).balance_usd == receipt.balance_usd


def test_charge_refusals_carry_their_codes(admin: Client, gateway: Client) -> None:
    name = fresh()
    admin.create_account(name)
    with pytest.raises(InsufficientFunds) as refused:
        gateway.charge(name, "gpt-4o", 1000, 1000, enforce=True)
    assert isinstance(refused.value, Refused)
    assert (refused.value.status, refused.value.code) == (422, "insufficient_balance")
    with pytest.raises(NotFound) as unknown:
        gateway.charge(name, "no-such-model", 1, 1)
    assert unknown.value.code == "unknown_model"
    with pytest.raises(NotFound) as nobody:
        gateway.charge(fresh("nobody"), "gpt-4o", 1, 1)
    assert nobody.value.code == "unknown_account"
    # A plain charge records usage past the balance (overdraft).
    overdrawn = gateway.charge(name, "gpt-4o", 1000, 1000)
    assert overdrawn.balance_usd == -overdrawn.cost_usd
    assert overdrawn.overdraft_usd == overdrawn.cost_usd


def test_bad_input_names_the_field(admin: Client) -> None:
    name = fresh()
    admin.create_account(name)
    with pytest.raises(BadRequest) as bad:
        admin.purchase(name, Decimal("5.00"), at="not a time")
    assert (bad.value.status, bad.value.code, bad.value.field) == (400, "bad_input", "at")
    with pytest.raises(BadRequest) as negative:
        admin.purchase(name, "-5")
    assert negative.value.code == "amount_not_positive"
    with pytest.raises(ProblemError) as small:
        admin.purchase(name, Decimal("1.00"))  # below the $5.00 minimum
    assert small.value.status == 422 and small.value.code == "below_minimum"


def test_charge_batch_all_or_nothing(admin: Client, gateway: Client, funded: str) -> None:
    rates = gateway.price("gpt-4o-mini").rates()
    batch = gateway.charge_batch(
        [
            ChargeRequest(funded, "gpt-4o-mini", 500, 20, id=f"b1-{funded}"),
            ChargeRequest(funded, "gpt-4o-mini", 700, 30),
        ]
    )
    assert [c.input_tokens for c in batch.charges] == [500, 700]
    assert batch.charges[0].id == f"b1-{funded}" and batch.charges[1].id.startswith("py-")
    assert batch.cost_usd == rates.cost(500, 20) + rates.cost(700, 30)
    assert batch.cost_usd == sum((c.cost_usd for c in batch.charges), Decimal(0))
    after = admin.balance(funded).balance_usd
    with pytest.raises(NotFound) as refused:
        gateway.charge_batch([ChargeRequest(funded, "gpt-4o-mini", 1, 1), ChargeRequest(funded, "no-such-model", 1, 1)])
    assert refused.value.code == "unknown_model" and refused.value.index == 1
    assert admin.balance(funded).balance_usd == after  # nothing of the refused batch was recorded
    with pytest.raises(ValueError):
        gateway.charge_batch([])


def test_reserve_settle_void(admin: Client, gateway: Client, funded: str) -> None:
    rates = gateway.price("gpt-4o").rates()
    hold = gateway.reserve(funded, "gpt-4o", 1200, 800, idempotency_key=f"r1-{funded}")
    assert (hold.id, hold.status, hold.account) == (f"r1-{funded}", "open", funded)
    assert hold.hold_usd == rates.cost(1200, 800)
    assert hold.available_usd == Decimal("20") - hold.hold_usd
    assert gateway.reserve(funded, "gpt-4o", 1200, 800, idempotency_key=f"r1-{funded}").replayed
    assert admin.balance(funded).reserved_usd == hold.hold_usd
    assert gateway.get_reservation(hold.id).status == "open"

    settled = gateway.settle(hold.id, 1180, 412)
    assert settled.reservation == hold.id and settled.id == hold.id  # the default key: the reservation's id
    assert settled.charge.cost_usd == rates.cost(1180, 412)
    assert settled.released_usd == hold.hold_usd - settled.charge.cost_usd
    assert settled.beyond_hold_usd == Decimal(0)
    again = gateway.settle(hold.id, 1180, 412)
    assert again.replayed and again == settled
    with pytest.raises(Conflict) as other_usage:
        gateway.settle(hold.id, 1180, 413, idempotency_key=f"s2-{funded}")
    assert other_usage.value.code == "reservation_settled"
    with pytest.raises(Conflict) as void_settled:
        gateway.void(hold.id, idempotency_key=f"v-{funded}")
    assert void_settled.value.code == "reservation_settled"
    closed = gateway.get_reservation(hold.id)
    assert closed.status == "settled" and closed.closed_by == hold.id

    second = gateway.reserve(funded, "gpt-4o", 100, 100)
    assert second.id.startswith("py-")
    voided = gateway.void(second.id)
    assert voided.status == "voided" and voided.closed_by == second.id
    assert gateway.void(second.id).replayed
    with pytest.raises(Conflict) as settle_voided:
        gateway.settle(second.id, 100, 100)
    assert settle_voided.value.code in ("reservation_voided", "id_conflict")
    balance = admin.balance(funded)
    assert balance.reserved_usd == Decimal(0)
    assert balance.balance_usd == Decimal("20") - settled.charge.cost_usd
    with pytest.raises(NotFound) as unknown:
        gateway.settle(fresh("r"), 1, 1)
    assert unknown.value.code == "unknown_reservation"


def test_reserve_refused_past_the_available_balance(admin: Client, gateway: Client) -> None:
    name = fresh()
    admin.create_account(name)
    admin.purchase(name, Decimal("5.00"))
    model = fresh("dear")
    admin.set_price(model, "1000", "1000", effective_from="2020-01-01")
    rates = gateway.price(model).rates()
    big = gateway.reserve(name, model, 1500, 1500)
    assert big.hold_usd == rates.cost(1500, 1500) == Decimal("3")
    with pytest.raises(InsufficientFunds) as refused:
        gateway.reserve(name, model, 1500, 1500)
    assert (refused.value.status, refused.value.code) == (422, "insufficient_balance")
    assert gateway.balance(name).available_usd == Decimal("2")
    gateway.void(big.id)
    assert gateway.reserve(name, model, 1500, 1500).status == "open"  # decided again after the release
    with pytest.raises(Refused) as too_long:
        gateway.reserve(name, "gpt-4o-mini", 1_000_000, 10)
    assert too_long.value.code == "context_window_exceeded"


def test_prices_list_and_set(admin: Client, gateway: Client) -> None:
    model = fresh("model")
    result = admin.set_price(
        model, Decimal("1.25"), "10", cached_input_usd_per_million="0.125", effective_from="2026-01-01", max_input_tokens=1000, max_output_tokens=500
    )
    assert result.added and result.price.model == model
    rates = result.price.tiers["default"]
    assert (rates.input_usd_per_million, rates.cached_input_usd_per_million, rates.output_usd_per_million) == (
        Decimal("1.25"),
        Decimal("0.125"),
        Decimal("10"),
    )
    same = admin.set_price(
        model, Decimal("1.25"), "10", cached_input_usd_per_million="0.125", effective_from="2026-01-01", max_input_tokens=1000, max_output_tokens=500
    )
    assert not same.added and same.replayed
    with pytest.raises(Conflict) as exists:
        admin.set_price(model, "2", "10", effective_from="2026-01-01")
    assert exists.value.code == "price_exists"
    admin.set_price(model, "2", "20", effective_from="2026-06-01")
    entries = gateway.list_prices(model)
    assert [e.effective_from.date().isoformat() for e in entries] == ["2026-01-01", "2026-06-01"]
    assert gateway.price(model, at="2026-03-01").tiers["default"].input_usd_per_million == Decimal("1.25")
    assert gateway.price(model, at="2026-07-01").tiers["default"].input_usd_per_million == Decimal("2")
    with pytest.raises(NotFound):
        gateway.price(model, at="2025-01-01")
    assert len({e.model for e in gateway.list_prices()}) > 1
    with pytest.raises(Forbidden) as forbidden:
        gateway.set_price(model, "3", "30", effective_from="2026-09-01")
    assert forbidden.value.code == "role_forbidden"


def test_verify(ledger: LedgerServer, admin: Client, gateway: Client) -> None:
    report = admin.verify()
    assert report.ok and report.problems == [] and report.accounts >= 1
    with Client(ledger.url, ledger.keys["reader"]) as reader:
        assert reader.verify().ok
    with pytest.raises(Forbidden) as forbidden:
        gateway.verify()
    assert forbidden.value.status == 403 and forbidden.value.code == "role_forbidden"


def test_a_gateway_key_cannot_purchase(gateway: Client, funded: str) -> None:
    with pytest.raises(Forbidden) as forbidden:
        gateway.purchase(funded, Decimal("5.00"))
    error = forbidden.value
    assert isinstance(error, Unauthorized) and isinstance(error, TokenLedgerError)
    assert (error.status, error.code) == (403, "role_forbidden")
    with pytest.raises(Forbidden):
        gateway.grant(funded, Decimal("5.00"))
    with pytest.raises(Forbidden):
        gateway.create_account(fresh())


def test_an_account_limited_key_cannot_see_another_account(ledger: LedgerServer, admin: Client, funded: str) -> None:
    admin.purchase("limited-co", Decimal("5.00"), idempotency_key="limited-co-topup")
    with Client(ledger.url, ledger.keys["reader:limited-co"]) as limited_reader:
        assert [a.account for a in limited_reader.list_accounts()] == ["limited-co"]
        with pytest.raises(Forbidden) as whole_ledger:
            limited_reader.verify()
        assert whole_ledger.value.code == "account_forbidden"
    with Client(ledger.url, ledger.keys["gateway:limited-co"]) as limited:
        with pytest.raises(Forbidden) as listing:
            limited.list_accounts()  # listing accounts is for admin and reader keys
        assert listing.value.code == "role_forbidden"
        assert limited.get_account("limited-co").account == "limited-co"
        assert limited.balance("limited-co").account == "limited-co"
        assert limited.charge("limited-co", "gpt-4o-mini", 10, 10).account == "limited-co"
        for call in (
            lambda: limited.get_account(funded),
            lambda: limited.balance(funded),
            lambda: limited.charge(funded, "gpt-4o-mini", 10, 10),
            lambda: limited.reserve(funded, "gpt-4o-mini", 10, 10),
        ):
            with pytest.raises(Forbidden) as forbidden:
                call()
            assert (forbidden.value.status, forbidden.value.code) == (403, "account_forbidden")
        assert limited.list_prices("gpt-4o-mini")  # prices are open to it


def test_unauthorized(ledger: LedgerServer) -> None:
    for key in (None, "tlk_" + "A" * 43):
        with Client(ledger.url, key) as client:
            with pytest.raises(Unauthorized) as denied:
                client.list_accounts()
            assert not isinstance(denied.value, Forbidden)
            assert (denied.value.status, denied.value.code) == (401, "unauthorized")


def test_transport_error_when_nothing_listens() -> None:
    with Client("http://127.0.0.1:9", "tlk_x", retries=1, backoff=0.01, timeout=2) as client:
        with pytest.raises(TransportError):
            client.health()


def test_async_client(ledger: LedgerServer) -> None:
    async def flow() -> None:
        async with AsyncClient(ledger.url, ledger.keys["admin"]) as admin, AsyncClient(ledger.url, ledger.keys["gateway"]) as gateway:
            assert (await admin.health()).status == "ok"
            name = fresh("async")
            await admin.create_account(name)
            assert (await admin.get_account(name)).account == name
            assert name in [a.account for a in await admin.list_accounts()]
            await admin.purchase(name, Decimal("5.00"))
            await admin.grant(name, Decimal("1.5"))
            rates = (await gateway.price("gpt-4o-mini")).rates()
            holds = await asyncio.gather(*(gateway.reserve(name, "gpt-4o-mini", 1000, 500) for _ in range(8)))
            settles = await asyncio.gather(*(gateway.settle(h.id, 1000, 250) for h in holds[:4]))
            await asyncio.gather(*(gateway.void(h.id) for h in holds[4:]))
            charge = await gateway.charge(name, "gpt-4o-mini", 10, 10)
            batch = await gateway.charge_batch([ChargeRequest(name, "gpt-4o-mini", 1, 1)])
            spent = sum((s.charge.cost_usd for s in settles), Decimal(0)) + charge.cost_usd + batch.cost_usd
            assert spent == 4 * rates.cost(1000, 250) + rates.cost(10, 10) + rates.cost(1, 1)
            balance = await gateway.balance(name)
            assert balance.balance_usd == Decimal("6.5") - spent and balance.reserved_usd == 0
            assert (await gateway.get_reservation(holds[0].id)).status == "settled"
            assert (await admin.verify()).ok
            with pytest.raises(Conflict):
                await admin.purchase(name, Decimal("6.00"), idempotency_key=holds[0].id + "-p") and await admin.purchase(
                    name, Decimal("7.00"), idempotency_key=holds[0].id + "-p"
                )
            model = fresh("amodel")
            assert (await admin.set_price(model, "1", "2", effective_from="2026-01-01")).added
            assert [e.model for e in await admin.list_prices(model)] == [model]

    asyncio.run(flow())
