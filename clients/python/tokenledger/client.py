"""Synchronous and asynchronous clients of `tokenledger serve` (httpx)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Sequence, TypeVar
from urllib.parse import quote

import httpx

from .errors import NotFound, TransportError, Unavailable, problem_error
from .models import (
    Account,
    Balance,
    ChargeBatchReceipt,
    ChargeReceipt,
    ChargeRequest,
    CreditReceipt,
    Health,
    PriceEntry,
    PriceSetResult,
    Reservation,
    SettleReceipt,
    VerifyReport,
    price_in_force,
)
from .money import MoneyLike, TimeLike, money_text, parse_time, time_text

__all__ = ["Client", "AsyncClient", "new_idempotency_key"]

T = TypeVar("T")

USER_AGENT = "tokenledger-python/0.1.0"


def new_idempotency_key() -> str:
    """A fresh idempotency key (what the client sends when the caller gives none)."""
    return f"py-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class _Op(Generic[T]):
    method: str
    path: str
    parse: Callable[[Any, bool], T]
    body: Optional[Dict[str, Any]] = None
    params: Optional[Dict[str, str]] = None
    idempotency_key: Optional[str] = None


def _segment(value: str) -> str:
    if not value:
        raise ValueError("an account or reservation name may not be empty")
    return quote(value, safe="")


def _put(body: Dict[str, Any], name: str, value: Any, convert: Optional[Callable[[Any], Any]] = None) -> None:
    if value is not None:
        body[name] = convert(value) if convert is not None else value


def _tokens(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"token counts are integers, not {type(value).__name__}")
    if value < 0:
        raise ValueError("token counts are not negative")
    return value


def _list(key: str, item: Callable[[Any], T]) -> Callable[[Any, bool], List[T]]:
    return lambda d, _replayed: [item(x) for x in d[key]]


# The operations: each builds one request and says how to read its answer. Client and AsyncClient run them.


def _health() -> _Op[Health]:
    return _Op("GET", "/healthz", lambda d, _r: Health.from_json(d))


def _create_account(
    account: str,
    max_purchase_usd: Optional[MoneyLike],
    overdraft_usd: Optional[MoneyLike],
    at: Optional[TimeLike],
    idempotency_key: Optional[str],
) -> _Op[Account]:
    body: Dict[str, Any] = {"account": account}
    _put(body, "max_purchase_usd", max_purchase_usd, money_text)
    _put(body, "overdraft_usd", overdraft_usd, money_text)
    _put(body, "at", at, time_text)
    return _Op("POST", "/v1/accounts", Account.from_json, body, None, idempotency_key or new_idempotency_key())


def _credit(kind: str, account: str, amount_usd: MoneyLike, extra: Dict[str, Any], idempotency_key: Optional[str]) -> _Op[CreditReceipt]:
    body: Dict[str, Any] = {"amount_usd": money_text(amount_usd)}
    body.update(extra)
    path = f"/v1/accounts/{_segment(account)}/{kind}"
    return _Op("POST", path, CreditReceipt.from_json, body, None, idempotency_key or new_idempotency_key())


def _charge_body(c: ChargeRequest) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "account": c.account,
        "model": c.model,
        "input_tokens": _tokens(c.input_tokens),
        "output_tokens": _tokens(c.output_tokens),
    }
    _put(body, "cached_tokens", c.cached_tokens, _tokens)
    _put(body, "cache_write_tokens", c.cache_write_tokens, _tokens)
    _put(body, "tier", c.tier)
    _put(body, "requests", c.requests)
    _put(body, "project", c.project)
    _put(body, "api_key", c.api_key)
    _put(body, "user", c.user)
    _put(body, "id", c.id)
    _put(body, "at", c.at, time_text)
    _put(body, "enforce", c.enforce)
    return body


def _charge(c: ChargeRequest, idempotency_key: Optional[str]) -> _Op[ChargeReceipt]:
    key = idempotency_key or c.id or new_idempotency_key()
    return _Op("POST", "/v1/charges", ChargeReceipt.from_json, _charge_body(c), None, key)


def _charge_batch(charges: Sequence[ChargeRequest]) -> _Op[ChargeBatchReceipt]:
    if not charges:
        raise ValueError("a batch has at least one charge")
    # The batch route takes no Idempotency-Key: each charge's `id` is its key, so every charge gets one.
    items = [_charge_body(c) for c in charges]
    for item in items:
        item.setdefault("id", new_idempotency_key())
    return _Op("POST", "/v1/charges/batch", ChargeBatchReceipt.from_json, {"charges": items})


def _reserve(
    account: str,
    model: str,
    input_tokens: int,
    max_output_tokens: int,
    tier: Optional[str],
    project: Optional[str],
    api_key: Optional[str],
    user: Optional[str],
    at: Optional[TimeLike],
    expires_in_seconds: Optional[int],
    idempotency_key: Optional[str],
) -> _Op[Reservation]:
    body: Dict[str, Any] = {
        "account": account,
        "model": model,
        "input_tokens": _tokens(input_tokens),
        "max_output_tokens": _tokens(max_output_tokens),
    }
    _put(body, "tier", tier)
    _put(body, "project", project)
    _put(body, "api_key", api_key)
    _put(body, "user", user)
    _put(body, "at", at, time_text)
    _put(body, "expires_in_seconds", expires_in_seconds)
    return _Op("POST", "/v1/reservations", Reservation.from_json, body, None, idempotency_key or new_idempotency_key())


def _settle(
    reservation: str,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: Optional[int],
    cache_write_tokens: Optional[int],
    at: Optional[TimeLike],
    idempotency_key: Optional[str],
) -> _Op[SettleReceipt]:
    body: Dict[str, Any] = {"input_tokens": _tokens(input_tokens), "output_tokens": _tokens(output_tokens)}
    _put(body, "cached_tokens", cached_tokens, _tokens)
    _put(body, "cache_write_tokens", cache_write_tokens, _tokens)
    _put(body, "at", at, time_text)
    # Default key: the reservation's id (the service's own default), so settling again is a replay.
    key = idempotency_key or reservation
    return _Op("POST", f"/v1/reservations/{_segment(reservation)}/settle", SettleReceipt.from_json, body, None, key)


def _void(reservation: str, at: Optional[TimeLike], idempotency_key: Optional[str]) -> _Op[Reservation]:
    # Always a JSON body: the service answers 400 bad_input to a void without one, though openapi.yaml
    # makes the body optional (and the README shows `curl -X POST …/void` without one).
    body: Dict[str, Any] = {}
    _put(body, "at", at, time_text)
    key = idempotency_key or reservation
    return _Op("POST", f"/v1/reservations/{_segment(reservation)}/void", Reservation.from_json, body, None, key)


def _set_price(
    model: str,
    input_usd_per_million: MoneyLike,
    output_usd_per_million: MoneyLike,
    effective_from: Optional[TimeLike],
    max_input_tokens: Optional[int],
    max_output_tokens: Optional[int],
    rates: Mapping[str, Optional[MoneyLike]],
) -> _Op[PriceSetResult]:
    body: Dict[str, Any] = {
        "model": model,
        "input_usd_per_million": money_text(input_usd_per_million),
        "output_usd_per_million": money_text(output_usd_per_million),
    }
    for name, value in rates.items():
        _put(body, name, value, money_text)
    _put(body, "max_input_tokens", max_input_tokens)
    _put(body, "max_output_tokens", max_output_tokens)
    _put(body, "effective_from", effective_from, time_text)
    # No Idempotency-Key: a price entry is idempotent by its content (the same entry answers added: false).
    return _Op("POST", "/v1/prices", PriceSetResult.from_json, body)


def _price_rates(
    cached_input_usd_per_million: Optional[MoneyLike],
    cache_write_usd_per_million: Optional[MoneyLike],
    flex_input_usd_per_million: Optional[MoneyLike],
    flex_output_usd_per_million: Optional[MoneyLike],
    batch_input_usd_per_million: Optional[MoneyLike],
    batch_output_usd_per_million: Optional[MoneyLike],
    priority_input_usd_per_million: Optional[MoneyLike],
    priority_output_usd_per_million: Optional[MoneyLike],
) -> Dict[str, Optional[MoneyLike]]:
    return {
        "cached_input_usd_per_million": cached_input_usd_per_million,
        "cache_write_usd_per_million": cache_write_usd_per_million,
        "flex_input_usd_per_million": flex_input_usd_per_million,
        "flex_output_usd_per_million": flex_output_usd_per_million,
        "batch_input_usd_per_million": batch_input_usd_per_million,
        "batch_output_usd_per_million": batch_output_usd_per_million,
        "priority_input_usd_per_million": priority_input_usd_per_million,
        "priority_output_usd_per_million": priority_output_usd_per_million,
    }


def _pick_price(entries: List[PriceEntry], model: str, at: Optional[TimeLike]) -> PriceEntry:
    when = parse_time(time_text(at)) if at is not None else datetime.now(timezone.utc)
    entry = price_in_force(entries, model, when)
    if entry is None:
        raise NotFound(404, "unknown_model", f"no price for {model} in force at {when.isoformat()}", field="model")
    return entry


class _Base:
    def __init__(self, base_url: str, api_key: Optional[str], retries: int, backoff: float) -> None:
        if retries < 0:
            raise ValueError("retries is not negative")
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._headers: Dict[str, str] = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def _request_args(self, op: _Op[Any]) -> Dict[str, Any]:
        headers: Dict[str, str] = {}
        content: Optional[bytes] = None
        if op.body is not None:
            content = json.dumps(op.body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if op.idempotency_key is not None:
            headers["Idempotency-Key"] = op.idempotency_key
        return {"method": op.method, "url": op.path, "content": content, "params": op.params, "headers": headers}

    @staticmethod
    def _answer(op: _Op[T], response: httpx.Response) -> T:
        if response.status_code in (200, 201):
            document = json.loads(response.content, parse_float=Decimal)
            replayed = response.headers.get("idempotent-replayed", "").lower() == "true"
            return op.parse(document, replayed)
        raise problem_error(response.status_code, response.content, dict(response.headers))

    def _delay(self, attempt: int, error: Exception) -> Optional[float]:
        """Seconds to wait before trying again, or None to give up. Every request is safe to send
        again (reads; writes with an idempotency key; price entries, idempotent by content)."""
        if attempt >= self.retries:
            return None
        if isinstance(error, Unavailable):
            if error.code != "busy":
                return None
            return min(error.retry_after if error.retry_after is not None else self.backoff, 2.0)
        return self.backoff * float(1 << attempt)



class Client(_Base):
    """A synchronous client of `tokenledger serve`.

    Every write sends an ``Idempotency-Key``: the one you pass, else a generated one (settle and void
    default to the reservation's id). The client retries a request that got no answer or ``503 busy``
    up to ``retries`` times with the same key, so a retry never records anything twice: the service
    answers the original response (``replayed`` is then True). Errors raise ``tokenledger.errors``
    exceptions carrying the problem's ``status``, ``code``, ``detail`` and ``field``.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8080",
        api_key: Optional[str] = None,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.1,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        super().__init__(base_url, api_key, retries, backoff)
        self._http = httpx.Client(base_url=self.base_url, headers=self._headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, op: _Op[T]) -> T:
        attempt = 0
        while True:
            try:
                try:
                    response = self._http.request(**self._request_args(op))
                except httpx.TransportError as error:
                    raise TransportError(f"{op.method} {op.path}: {error!r}") from error
                return self._answer(op, response)
            except (TransportError, Unavailable) as error:
                delay = self._delay(attempt, error)
                if delay is None:
                    raise
                time.sleep(delay)
                attempt += 1

    # service

    def health(self) -> Health:
        """``GET /healthz``: whether the service is up."""
        return self._run(_health())

    def verify(self) -> VerifyReport:
        """``GET /v1/verify``: proves the books balance (admin or reader, not limited to an account)."""
        return self._run(_Op("GET", "/v1/verify", VerifyReport.from_json))

    # accounts

    def create_account(
        self,
        account: str,
        *,
        max_purchase_usd: Optional[MoneyLike] = None,
        overdraft_usd: Optional[MoneyLike] = None,
        at: Optional[TimeLike] = None,
        idempotency_key: Optional[str] = None,
    ) -> Account:
        return self._run(_create_account(account, max_purchase_usd, overdraft_usd, at, idempotency_key))

    def list_accounts(self) -> List[Account]:
        return self._run(_Op("GET", "/v1/accounts", _list("accounts", Account.from_json)))

    def get_account(self, account: str) -> Account:
        return self._run(_Op("GET", f"/v1/accounts/{_segment(account)}", Account.from_json))

    def balance(self, account: str, *, at: Optional[TimeLike] = None) -> Balance:
        params = {"at": time_text(at)} if at is not None else None
        return self._run(_Op("GET", f"/v1/accounts/{_segment(account)}/balance", Balance.from_json, None, params))

    # credits

    def purchase(self, account: str, amount_usd: MoneyLike, *, at: Optional[TimeLike] = None, idempotency_key: Optional[str] = None) -> CreditReceipt:
        """A card top-up (whole cents, at least $5.00; admin keys)."""
        extra: Dict[str, Any] = {}
        _put(extra, "at", at, time_text)
        return self._run(_credit("purchases", account, amount_usd, extra, idempotency_key))

    def grant(
        self,
        account: str,
        amount_usd: MoneyLike,
        *,
        expires_at: Optional[TimeLike] = None,
        at: Optional[TimeLike] = None,
        idempotency_key: Optional[str] = None,
    ) -> CreditReceipt:
        """Free or promotional credit (admin keys)."""
        extra: Dict[str, Any] = {}
        _put(extra, "expires_at", expires_at, time_text)
        _put(extra, "at", at, time_text)
        return self._run(_credit("grants", account, amount_usd, extra, idempotency_key))

    # charges

    def charge(
        self,
        account: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        *,
        cached_tokens: Optional[int] = None,
        cache_write_tokens: Optional[int] = None,
        tier: Optional[str] = None,
        requests: Optional[int] = None,
        project: Optional[str] = None,
        api_key: Optional[str] = None,
        user: Optional[str] = None,
        at: Optional[TimeLike] = None,
        enforce: Optional[bool] = None,
        idempotency_key: Optional[str] = None,
    ) -> ChargeReceipt:
        """Records one request's usage; ``idempotency_key`` is the request's id."""
        request = ChargeRequest(
            account, model, input_tokens, output_tokens, cached_tokens, cache_write_tokens, tier, requests, project, api_key, user, None, at, enforce
        )
        return self._run(_charge(request, idempotency_key))

    def charge_batch(self, charges: Sequence[ChargeRequest]) -> ChargeBatchReceipt:
        """Up to 10,000 charges in one transaction, all or nothing; a charge without ``id`` gets a generated one."""
        return self._run(_charge_batch(charges))

    # reservations

    def reserve(
        self,
        account: str,
        model: str,
        input_tokens: int,
        max_output_tokens: int,
        *,
        tier: Optional[str] = None,
        project: Optional[str] = None,
        api_key: Optional[str] = None,
        user: Optional[str] = None,
        at: Optional[TimeLike] = None,
        expires_in_seconds: Optional[int] = None,
        idempotency_key: Optional[str] = None,
    ) -> Reservation:
        """Holds the most the request can cost (priced by the service at the price in force);
        ``idempotency_key`` becomes the reservation's id."""
        return self._run(
            _reserve(account, model, input_tokens, max_output_tokens, tier, project, api_key, user, at, expires_in_seconds, idempotency_key)
        )

    def get_reservation(self, reservation: str) -> Reservation:
        return self._run(_Op("GET", f"/v1/reservations/{_segment(reservation)}", Reservation.from_json))

    def settle(
        self,
        reservation: str,
        input_tokens: int,
        output_tokens: int,
        *,
        cached_tokens: Optional[int] = None,
        cache_write_tokens: Optional[int] = None,
        at: Optional[TimeLike] = None,
        idempotency_key: Optional[str] = None,
    ) -> SettleReceipt:
        """Charges the actual usage (priced by the service) and releases the rest of the hold."""
        return self._run(_settle(reservation, input_tokens, output_tokens, cached_tokens, cache_write_tokens, at, idempotency_key))

    def void(self, reservation: str, *, at: Optional[TimeLike] = None, idempotency_key: Optional[str] = None) -> Reservation:
        """Releases the whole hold (the request was not served)."""
        return self._run(_void(reservation, at, idempotency_key))

    # prices

    def list_prices(self, model: Optional[str] = None) -> List[PriceEntry]:
        params = {"model": model} if model is not None else None
        return self._run(_Op("GET", "/v1/prices", _list("prices", PriceEntry.from_json), None, params))

    def price(self, model: str, *, at: Optional[TimeLike] = None) -> PriceEntry:
        """The entry of ``model`` in force at ``at`` (default now); NotFound when there is none."""
        return _pick_price(self.list_prices(model), model, at)

    def set_price(
        self,
        model: str,
        input_usd_per_million: MoneyLike,
        output_usd_per_million: MoneyLike,
        *,
        effective_from: Optional[TimeLike] = None,
        max_input_tokens: Optional[int] = None,
        max_output_tokens: Optional[int] = None,
        cached_input_usd_per_million: Optional[MoneyLike] = None,
        cache_write_usd_per_million: Optional[MoneyLike] = None,
        flex_input_usd_per_million: Optional[MoneyLike] = None,
        flex_output_usd_per_million: Optional[MoneyLike] = None,
        batch_input_usd_per_million: Optional[MoneyLike] = None,
        batch_output_usd_per_million: Optional[MoneyLike] = None,
        priority_input_usd_per_million: Optional[MoneyLike] = None,
        priority_output_usd_per_million: Optional[MoneyLike] = None,
    ) -> PriceSetResult:
        """Adds a price entry (admin keys not limited to an account); the same entry again answers ``added`` False."""
        rates = _price_rates(
            cached_input_usd_per_million,
            cache_write_usd_per_million,
            flex_input_usd_per_million,
            flex_output_usd_per_million,
            batch_input_usd_per_million,
            batch_output_usd_per_million,
            priority_input_usd_per_million,
            priority_output_usd_per_million,
        )
        return self._run(_set_price(model, input_usd_per_million, output_usd_per_million, effective_from, max_input_tokens, max_output_tokens, rates))


class AsyncClient(_Base):
    """The asynchronous twin of ``Client`` (``httpx.AsyncClient``): the same methods, awaited."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8080",
        api_key: Optional[str] = None,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.1,
        transport: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        super().__init__(base_url, api_key, retries, backoff)
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=self._headers, timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _run(self, op: _Op[T]) -> T:
        attempt = 0
        while True:
            try:
                try:
                    response = await self._http.request(**self._request_args(op))
                except httpx.TransportError as error:
                    raise TransportError(f"{op.method} {op.path}: {error!r}") from error
                return self._answer(op, response)
            except (TransportError, Unavailable) as error:
                delay = self._delay(attempt, error)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                attempt += 1

    async def health(self) -> Health:
        return await self._run(_health())

    async def verify(self) -> VerifyReport:
        return await self._run(_Op("GET", "/v1/verify", VerifyReport.from_json))

    async def create_account(
        self,
        account: str,
        *,
        max_purchase_usd: Optional[MoneyLike] = None,
        overdraft_usd: Optional[MoneyLike] = None,
        at: Optional[TimeLike] = None,
        idempotency_key: Optional[str] = None,
    ) -> Account:
        return await self._run(_create_account(account, max_purchase_usd, overdraft_usd, at, idempotency_key))

    async def list_accounts(self) -> List[Account]:
        return await self._run(_Op("GET", "/v1/accounts", _list("accounts", Account.from_json)))

    async def get_account(self, account: str) -> Account:
        return await self._run(_Op("GET", f"/v1/accounts/{_segment(account)}", Account.from_json))

    async def balance(self, account: str, *, at: Optional[TimeLike] = None) -> Balance:
        params = {"at": time_text(at)} if at is not None else None
        return await self._run(_Op("GET", f"/v1/accounts/{_segment(account)}/balance", Balance.from_json, None, params))

    async def purchase(self, account: str, amount_usd: MoneyLike, *, at: Optional[TimeLike] = None, idempotency_key: Optional[str] = None) -> CreditReceipt:
        extra: Dict[str, Any] = {}
        _put(extra, "at", at, time_text)
        return await self._run(_credit("purchases", account, amount_usd, extra, idempotency_key))

    async def grant(
        self,
        account: str,
        amount_usd: MoneyLike,
        *,
        expires_at: Optional[TimeLike] = None,
        at: Optional[TimeLike] = None,
        idempotency_key: Optional[str] = None,
    ) -> CreditReceipt:
        extra: Dict[str, Any] = {}
        _put(extra, "expires_at", expires_at, time_text)
        _put(extra, "at", at, time_text)
        return await self._run(_credit("grants", account, amount_usd, extra, idempotency_key))

    async def charge(
        self,
        account: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        *,
        cached_tokens: Optional[int] = None,
        cache_write_tokens: Optional[int] = None,
        tier: Optional[str] = None,
        requests: Optional[int] = None,
        project: Optional[str] = None,
        api_key: Optional[str] = None,
        user: Optional[str] = None,
        at: Optional[TimeLike] = None,
        enforce: Optional[bool] = None,
        idempotency_key: Optional[str] = None,
    ) -> ChargeReceipt:
        request = ChargeRequest(
            account, model, input_tokens, output_tokens, cached_tokens, cache_write_tokens, tier, requests, project, api_key, user, None, at, enforce
        )
        return await self._run(_charge(request, idempotency_key))

    async def charge_batch(self, charges: Sequence[ChargeRequest]) -> ChargeBatchReceipt:
        return await self._run(_charge_batch(charges))

    async def reserve(
        self,
        account: str,
        model: str,
        input_tokens: int,
        max_output_tokens: int,
        *,
        tier: Optional[str] = None,
        project: Optional[str] = None,
        api_key: Optional[str] = None,
        user: Optional[str] = None,
        at: Optional[TimeLike] = None,
        expires_in_seconds: Optional[int] = None,
        idempotency_key: Optional[str] = None,
    ) -> Reservation:
        return await self._run(
            _reserve(account, model, input_tokens, max_output_tokens, tier, project, api_key, user, at, expires_in_seconds, idempotency_key)
        )

    async def get_reservation(self, reservation: str) -> Reservation:
        return await self._run(_Op("GET", f"/v1/reservations/{_segment(reservation)}", Reservation.from_json))

    async def settle(
        self,
        reservation: str,
        input_tokens: int,
        output_tokens: int,
        *,
        cached_tokens: Optional[int] = None,
        cache_write_tokens: Optional[int] = None,
        at: Optional[TimeLike] = None,
        idempotency_key: Optional[str] = None,
    ) -> SettleReceipt:
        return await self._run(_settle(reservation, input_tokens, output_tokens, cached_tokens, cache_write_tokens, at, idempotency_key))

    async def void(self, reservation: str, *, at: Optional[TimeLike] = None, idempotency_key: Optional[str] = None) -> Reservation:
        return await self._run(_void(reservation, at, idempotency_key))

    async def list_prices(self, model: Optional[str] = None) -> List[PriceEntry]:
        params = {"model": model} if model is not None else None
        return await self._run(_Op("GET", "/v1/prices", _list("prices", PriceEntry.from_json), None, params))

    async def price(self, model: str, *, at: Optional[TimeLike] = None) -> PriceEntry:
        return _pick_price(await self.list_prices(model), model, at)

    async def set_price(
        self,
        model: str,
        input_usd_per_million: MoneyLike,
        output_usd_per_million: MoneyLike,
        *,
        effective_from: Optional[TimeLike] = None,
        max_input_tokens: Optional[int] = None,
        max_output_tokens: Optional[int] = None,
        cached_input_usd_per_million: Optional[MoneyLike] = None,
        cache_write_usd_per_million: Optional[MoneyLike] = None,
        flex_input_usd_per_million: Optional[MoneyLike] = None,
        flex_output_usd_per_million: Optional[MoneyLike] = None,
        batch_input_usd_per_million: Optional[MoneyLike] = None,
        batch_output_usd_per_million: Optional[MoneyLike] = None,
        priority_input_usd_per_million: Optional[MoneyLike] = None,
        priority_output_usd_per_million: Optional[MoneyLike] = None,
    ) -> PriceSetResult:
        rates = _price_rates(
            cached_input_usd_per_million,
            cache_write_usd_per_million,
            flex_input_usd_per_million,
            flex_output_usd_per_million,
            batch_input_usd_per_million,
            batch_output_usd_per_million,
            priority_input_usd_per_million,
            priority_output_usd_per_million,
        )
        return await self._run(
            _set_price(model, input_usd_per_million, output_usd_per_million, effective_from, max_input_tokens, max_output_tokens, rates)
        )
