"""The hook's methods called in-process (no proxy) against the real ledger: the account mapping from a
virtual key's metadata (which the proxy test cannot use: virtual keys need the proxy's database),
the default max_tokens set on the request, the hold, the settle and the void."""

from __future__ import annotations

import asyncio
import os
import uuid
from decimal import Decimal

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
from fastapi import HTTPException  # noqa: E402
from litellm.proxy._types import UserAPIKeyAuth  # noqa: E402

from ledger_server import LedgerServer  # noqa: E402
from tokenledger import AsyncClient, Client  # noqa: E402
from tokenledger_litellm import Settings, TokenLedgerHook  # noqa: E402
from tokenledger_litellm.hook import RESERVATION_METADATA_KEY, _usage_counts  # noqa: E402

MESSAGES = [{"role": "user", "content": "How many tokens is this sentence, give or take?"}]


def account_with(ledger: LedgerServer, credit: str) -> str:
    name = f"hook-{uuid.uuid4().hex[:8]}"
    with Client(ledger.url, ledger.keys["admin"]) as admin:
        admin.create_account(name)
        admin.purchase(name, Decimal(credit))
    return name


def test_account_sources_in_order() -> None:
    hook = TokenLedgerHook(Settings(account_sources=("key", "team", "header", "user")))
    key = UserAPIKeyAuth(metadata={"tokenledger_account": "from-key"}, team_metadata={"tokenledger_account": "from-team"})
    data = {"user": "from-user", "proxy_server_request": {"headers": {"X-TokenLedger-Account": "from-header"}}}
    assert hook.account_for(key, data) == "from-key"
    assert hook.account_for(UserAPIKeyAuth(team_metadata={"tokenledger_account": "from-team"}), data) == "from-team"
    assert hook.account_for(UserAPIKeyAuth(), data) == "from-header"
    assert hook.account_for(UserAPIKeyAuth(), {"user": "from-user"}) == "from-user"
    strict = TokenLedgerHook(Settings(account_sources=("key", "team")))
    with pytest.raises(Exception) as unmapped:
        strict.account_for(UserAPIKeyAuth(), data)  # the caller's header and user are not trusted here
    assert "tokenledger_account" in str(unmapped.value)
    assert TokenLedgerHook(Settings(account_sources=("key",), default_account="house")).account_for(UserAPIKeyAuth(), data) == "house"


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENLEDGER_ACCOUNT_SOURCES", "key,team")
    monkeypatch.setenv("TOKENLEDGER_MODEL_MAP", '{"alias": "gpt-4o"}')
    monkeypatch.setenv("TOKENLEDGER_DEFAULT_MAX_TOKENS", "256")
    monkeypatch.setenv("TOKENLEDGER_UNBILLED_CALLS", "allow")
    settings = Settings.from_env()
    assert settings.allow_unbilled_calls
    assert settings.account_sources == ("key", "team")
    assert settings.model_map == {"alias": "gpt-4o"}
    assert settings.default_max_tokens == 256
    monkeypatch.setenv("TOKENLEDGER_ACCOUNT_SOURCES", "key,cookie")
    with pytest.raises(ValueError):
        Settings.from_env()


def test_usage_counts() -> None:
    usage = litellm.Usage(prompt_tokens=100, completion_tokens=7, total_tokens=107, prompt_tokens_details={"cached_tokens": 40})
    assert _usage_counts(usage) == (100, 7, 40, 0)
    assert _usage_counts({"prompt_tokens": 5, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 9}}) == (5, 1, 5, 0)
    assert _usage_counts({"prompt_tokens": 10, "completion_tokens": 1, "cache_creation_input_tokens": 4}) == (10, 1, 0, 4)
    assert _usage_counts(None) is None


def test_pre_call_reserves_then_success_settles_and_failure_voids(ledger: LedgerServer) -> None:
    account = account_with(ledger, "5.00")

    async def flow() -> None:
        hook = TokenLedgerHook(Settings(url=ledger.url, api_key=ledger.keys["gateway"], default_max_tokens=300))
        key = UserAPIKeyAuth(metadata={"tokenledger_account": account})
        async with AsyncClient(ledger.url, ledger.keys["admin"]) as admin:
            rates = (await admin.price("gpt-4o-mini")).rates()
            counted = litellm.token_counter(model="gpt-4o-mini", messages=MESSAGES)

            data = {"model": "gpt-4o-mini", "messages": MESSAGES, "metadata": {}}
            data = await hook.async_pre_call_hook(key, None, data, "completion")
            assert data["max_tokens"] == 300  # no max_tokens: the default, set on the request
            reservation = await admin.get_reservation(data["metadata"][RESERVATION_METADATA_KEY])
            assert (reservation.account, reservation.input_tokens, reservation.max_output_tokens) == (account, counted, 300)
            assert reservation.hold_usd == rates.cost(counted, 300)

            response = litellm.ModelResponse(usage=litellm.Usage(prompt_tokens=counted, completion_tokens=120, total_tokens=counted + 120))
            await hook.async_post_call_success_hook(data, key, response)
            await hook.async_log_success_event({"litellm_params": {"metadata": data["metadata"]}}, response, None, None)  # a replay
            settled = await admin.get_reservation(reservation.id)
            assert settled.status == "settled"
            balance = await admin.balance(account)
            assert balance.balance_usd == Decimal("5") - rates.cost(counted, 120) and balance.reserved_usd == 0

            # A caller's metadata cannot name another request's hold; n choices hold n times max_tokens.
            failing = {"model": "gpt-4o-mini", "messages": MESSAGES, "max_tokens": 50, "n": 3, "metadata": {RESERVATION_METADATA_KEY: reservation.id}}
            failing = await hook.async_pre_call_hook(key, None, failing, "completion")
            assert failing["max_tokens"] == 50
            assert failing["metadata"][RESERVATION_METADATA_KEY] != reservation.id
            assert (await admin.get_reservation(failing["metadata"][RESERVATION_METADATA_KEY])).max_output_tokens == 150
            await hook.async_post_call_failure_hook(failing, RuntimeError("provider down"), key)
            await hook.async_log_failure_event({"litellm_params": {"metadata": failing["metadata"]}}, None, None, None)
            assert (await admin.get_reservation(failing["metadata"][RESERVATION_METADATA_KEY])).status == "voided"
            assert (await admin.balance(account)).balance_usd == balance.balance_usd

            # Other call types (embeddings…) are refused, or pass untouched when allowed.
            other = {"model": "text-embedding-3-small", "input": ["x"]}
            with pytest.raises(HTTPException) as unbilled:
                await hook.async_pre_call_hook(key, None, dict(other), "aembedding")
            assert unbilled.value.status_code == 403 and unbilled.value.detail["code"] == "call_type_not_billed"
            lenient = TokenLedgerHook(Settings(url=ledger.url, api_key=ledger.keys["gateway"], allow_unbilled_calls=True))
            assert await lenient.async_pre_call_hook(key, None, dict(other), "aembedding") == other

            with pytest.raises(HTTPException) as refused:
                await hook.async_pre_call_hook(key, None, {"model": "gpt-4o-mini", "messages": MESSAGES, "max_tokens": 100_000, "metadata": {}}, "completion")
            assert refused.value.status_code == 400 and refused.value.detail["code"] == "context_window_exceeded"

        unreachable = TokenLedgerHook(Settings(url="http://127.0.0.1:9", api_key="tlk_x"))
        with pytest.raises(HTTPException) as down:
            await unreachable.async_pre_call_hook(key, None, {"model": "gpt-4o-mini", "messages": MESSAGES, "max_tokens": 5}, "completion")
        assert down.value.status_code == 503 and down.value.detail["code"] == "ledger_unavailable"

    asyncio.run(flow())


def test_refused_when_the_credit_is_gone(ledger: LedgerServer) -> None:
    account = account_with(ledger, "5.00")

    async def flow() -> None:
        hook = TokenLedgerHook(Settings(url=ledger.url, api_key=ledger.keys["gateway"]))
        key = UserAPIKeyAuth(metadata={"tokenledger_account": account})
        # gpt-4o: 16,000 output tokens hold $0.16 and more; $5.00 covers 31 such holds at most.
        holds = 0
        with pytest.raises(HTTPException) as refused:
            for _ in range(100):
                await hook.async_pre_call_hook(key, None, {"model": "gpt-4o", "messages": MESSAGES, "max_tokens": 16_000, "metadata": {}}, "completion")
                holds += 1
        assert refused.value.status_code == 402
        assert refused.value.detail["code"] == "insufficient_balance" and refused.value.detail["account"] == account
        async with AsyncClient(ledger.url, ledger.keys["admin"]) as admin:
            balance = await admin.balance(account)
            rates = (await admin.price("gpt-4o")).rates()
            hold = rates.cost(refused.value.detail["input_tokens"], 16_000)
            assert holds == int(Decimal("5") / hold)
            assert balance.reserved_usd == holds * hold and balance.available_usd >= 0 and balance.available_usd < hold

    asyncio.run(flow())
