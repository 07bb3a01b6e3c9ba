"""The service's answers as dataclasses; money as Decimal, times as aware datetimes (UTC)."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .money import (
    NANODOLLAR,
    TimeLike,
    parse_money,
    parse_optional_money,
    parse_time,
)

_MILLION = Decimal(1_000_000)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _optional_int(value: Any) -> Optional[int]:
    return None if value is None else _int(value)


@dataclass(frozen=True)
class Health:
    status: str
    ledger: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Health":
        return cls(status=str(d["status"]), ledger=str(d["ledger"]))


@dataclass(frozen=True)
class Account:
    account: str
    balance_usd: Decimal
    max_purchase_usd: Decimal
    overdraft_usd: Decimal
    created_at: datetime
    replayed: bool = field(default=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "Account":
        return cls(
            account=str(d["account"]),
            balance_usd=parse_money(d["balance_usd"]),
            max_purchase_usd=parse_money(d["max_purchase_usd"]),
            overdraft_usd=parse_money(d["overdraft_usd"]),
            created_at=parse_time(d["created_at"]),
            replayed=replayed,
        )


@dataclass(frozen=True)
class CreditReceipt:
    """A purchase, grant or recharge recorded."""

    id: str
    kind: str
    account: str
    amount_usd: Decimal
    balance_usd: Decimal
    repaid_usd: Decimal
    at: datetime
    expires_at: datetime
    #: True when this is the original answer replayed for a retry with the same idempotency key.
    replayed: bool = field(default=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "CreditReceipt":
        return cls(
            id=str(d["id"]),
            kind=str(d["kind"]),
            account=str(d["account"]),
            amount_usd=parse_money(d["amount_usd"]),
            balance_usd=parse_money(d["balance_usd"]),
            repaid_usd=parse_money(d["repaid_usd"]),
            at=parse_time(d["at"]),
            expires_at=parse_time(d["expires_at"]),
            replayed=replayed,
        )


@dataclass(frozen=True)
class RechargeAttempt:
    amount_usd: Decimal
    status: str
    balance_usd: Decimal
    failure: Optional[str] = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "RechargeAttempt":
        return cls(
            amount_usd=parse_money(d["amount_usd"]),
            status=str(d["status"]),
            balance_usd=parse_money(d["balance_usd"]),
            failure=d.get("failure"),
        )


@dataclass(frozen=True)
class ChargeReceipt:
    id: str
    account: str
    model: str
    tier: str
    input_tokens: int
    cached_tokens: int
    cache_write_tokens: int
    output_tokens: int
    cost_usd: Decimal
    balance_usd: Decimal
    overdraft_usd: Decimal
    at: datetime
    price_effective_from: datetime
    alerts: List[str]
    recharge: Optional[RechargeAttempt] = None
    replayed: bool = field(default=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "ChargeReceipt":
        recharge = d.get("recharge")
        return cls(
            id=str(d["id"]),
            account=str(d["account"]),
            model=str(d["model"]),
            tier=str(d["tier"]),
            input_tokens=_int(d["input_tokens"]),
            cached_tokens=_int(d["cached_tokens"]),
            cache_write_tokens=_int(d["cache_write_tokens"]),
            output_tokens=_int(d["output_tokens"]),
            cost_usd=parse_money(d["cost_usd"]),
            balance_usd=parse_money(d["balance_usd"]),
            overdraft_usd=parse_money(d["overdraft_usd"]),
            at=parse_time(d["at"]),
            price_effective_from=parse_time(d["price_effective_from"]),
            alerts=[str(a) for a in d.get("alerts") or []],
            recharge=RechargeAttempt.from_json(recharge) if isinstance(recharge, Mapping) else None,
            replayed=replayed,
        )


@dataclass(frozen=True)
class ChargeRequest:
    """One charge of a batch (``Client.charge_batch``); ``id`` is generated when not given."""

    account: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_tokens: Optional[int] = None
    cache_write_tokens: Optional[int] = None
    tier: Optional[str] = None
    requests: Optional[int] = None
    project: Optional[str] = None
    api_key: Optional[str] = None
    user: Optional[str] = None
    id: Optional[str] = None
    at: Optional[TimeLike] = None
    enforce: Optional[bool] = None


@dataclass(frozen=True)
class ChargeBatchReceipt:
    charges: List[ChargeReceipt]
    cost_usd: Decimal

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "ChargeBatchReceipt":
        return cls(charges=[ChargeReceipt.from_json(c) for c in d["charges"]], cost_usd=parse_money(d["cost_usd"]))


@dataclass(frozen=True)
class Reservation:
    id: str
    account: str
    model: str
    tier: str
    input_tokens: int
    max_output_tokens: int
    hold_usd: Decimal
    status: str
    created_at: datetime
    expires_at: datetime
    available_usd: Decimal
    closed_by: Optional[str] = None
    replayed: bool = field(default=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "Reservation":
        return cls(
            id=str(d["id"]),
            account=str(d["account"]),
            model=str(d["model"]),
            tier=str(d["tier"]),
            input_tokens=_int(d["input_tokens"]),
            max_output_tokens=_int(d["max_output_tokens"]),
            hold_usd=parse_money(d["hold_usd"]),
            status=str(d["status"]),
            created_at=parse_time(d["created_at"]),
            expires_at=parse_time(d["expires_at"]),
            available_usd=parse_money(d["available_usd"]),
            closed_by=d.get("closed_by"),
            replayed=replayed,
        )


@dataclass(frozen=True)
class SettleReceipt:
    id: str
    reservation: str
    hold_usd: Decimal
    released_usd: Decimal
    beyond_hold_usd: Decimal
    charge: ChargeReceipt
    replayed: bool = field(default=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "SettleReceipt":
        return cls(
            id=str(d["id"]),
            reservation=str(d["reservation"]),
            hold_usd=parse_money(d["hold_usd"]),
            released_usd=parse_money(d["released_usd"]),
            beyond_hold_usd=parse_money(d["beyond_hold_usd"]),
            charge=ChargeReceipt.from_json(d["charge"]),
            replayed=replayed,
        )


@dataclass(frozen=True)
class Lot:
    kind: str
    remaining_usd: Decimal
    original_usd: Decimal
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Lot":
        return cls(
            kind=str(d["kind"]),
            remaining_usd=parse_money(d["remaining_usd"]),
            original_usd=parse_money(d["original_usd"]),
            created_at=parse_time(d["created_at"]),
            expires_at=parse_time(d["expires_at"]),
        )


@dataclass(frozen=True)
class Balance:
    account: str
    at: datetime
    balance_usd: Decimal
    available_usd: Decimal
    reserved_usd: Decimal
    overdraft_allowance_usd: Decimal
    lots: List[Lot]
    tier: str
    month_to_date_usd: Decimal
    expired_now_usd: Decimal
    monthly_usage_limit_usd: Optional[Decimal] = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "Balance":
        return cls(
            account=str(d["account"]),
            at=parse_time(d["at"]),
            balance_usd=parse_money(d["balance_usd"]),
            available_usd=parse_money(d["available_usd"]),
            reserved_usd=parse_money(d["reserved_usd"]),
            overdraft_allowance_usd=parse_money(d["overdraft_allowance_usd"]),
            lots=[Lot.from_json(lot) for lot in d.get("lots") or []],
            tier=str(d["tier"]),
            month_to_date_usd=parse_money(d["month_to_date_usd"]),
            expired_now_usd=parse_money(d["expired_now_usd"]),
            monthly_usage_limit_usd=parse_optional_money(d.get("monthly_usage_limit_usd")),
        )


@dataclass(frozen=True)
class TokenRates:
    """A tier's prices in USD per million tokens."""

    input_usd_per_million: Decimal
    cached_input_usd_per_million: Decimal
    cache_write_usd_per_million: Decimal
    output_usd_per_million: Decimal

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "TokenRates":
        return cls(
            input_usd_per_million=parse_money(d["input_usd_per_million"]),
            cached_input_usd_per_million=parse_money(d["cached_input_usd_per_million"]),
            cache_write_usd_per_million=parse_money(d["cache_write_usd_per_million"]),
            output_usd_per_million=parse_money(d["output_usd_per_million"]),
        )

    def cost(self, input_tokens: int, output_tokens: int, cached_tokens: int = 0, cache_write_tokens: int = 0) -> Decimal:
        """What the ledger charges for this usage, exactly as it does: uncached input (input − cached −
        cache write), cached, cache-write and output tokens each at their price, summed exactly and
        rounded once to nanodollars, half to even."""
        uncached = input_tokens - cached_tokens - cache_write_tokens
        if uncached < 0:
            raise ValueError("cached and cache-write tokens exceed the input tokens")
        with decimal.localcontext() as ctx:
            ctx.prec = 60
            total = (
                uncached * self.input_usd_per_million
                + cached_tokens * self.cached_input_usd_per_million
                + cache_write_tokens * self.cache_write_usd_per_million
                + output_tokens * self.output_usd_per_million
            ) / _MILLION
            return total.quantize(NANODOLLAR, rounding=decimal.ROUND_HALF_EVEN)


@dataclass(frozen=True)
class PriceEntry:
    model: str
    effective_from: datetime
    source: str
    tiers: Dict[str, TokenRates]
    max_input_tokens: Optional[int] = None
    max_output_tokens: Optional[int] = None
    long_context_threshold_tokens: Optional[int] = None
    long_context_tiers: Dict[str, TokenRates] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "PriceEntry":
        return cls(
            model=str(d["model"]),
            effective_from=parse_time(d["effective_from"]),
            source=str(d["source"]),
            tiers={k: TokenRates.from_json(v) for k, v in (d.get("tiers") or {}).items()},
            max_input_tokens=_optional_int(d.get("max_input_tokens")),
            max_output_tokens=_optional_int(d.get("max_output_tokens")),
            long_context_threshold_tokens=_optional_int(d.get("long_context_threshold_tokens")),
            long_context_tiers={k: TokenRates.from_json(v) for k, v in (d.get("long_context_tiers") or {}).items()},
        )

    def rates(self, tier: str = "default", input_tokens: int = 0) -> TokenRates:
        """The rates a request of this tier with this many input tokens is billed at (long-context band included)."""
        threshold = self.long_context_threshold_tokens
        if threshold is not None and input_tokens > threshold and tier in self.long_context_tiers:
            return self.long_context_tiers[tier]
        try:
            return self.tiers[tier]
        except KeyError:
            raise KeyError(f"{self.model} has no price for tier {tier!r}") from None


def price_in_force(entries: Sequence[PriceEntry], model: str, at: datetime) -> Optional[PriceEntry]:
    """The entry of ``model`` in force at ``at``: the latest whose ``effective_from`` is not after it."""
    best: Optional[PriceEntry] = None
    for entry in entries:
        if entry.model == model and entry.effective_from <= at:
            if best is None or entry.effective_from > best.effective_from:
                best = entry
    return best


@dataclass(frozen=True)
class PriceSetResult:
    added: bool
    price: PriceEntry
    replayed: bool = field(default=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "PriceSetResult":
        return cls(added=bool(d["added"]), price=PriceEntry.from_json(d["price"]), replayed=replayed)


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    transfers: int
    accounts: int
    charges: int
    problems: List[str]

    @classmethod
    def from_json(cls, d: Mapping[str, Any], replayed: bool = False) -> "VerifyReport":
        return cls(
            ok=bool(d["ok"]),
            transfers=_int(d["transfers"]),
            accounts=_int(d["accounts"]),
            charges=_int(d["charges"]),
            problems=[str(p) for p in d.get("problems") or []],
        )
