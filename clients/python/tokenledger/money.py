"""Money on the wire: decimal strings of US dollars with up to nine decimals, never floats."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Optional, Union

#: What the client takes as an amount of dollars: a Decimal, a decimal string or an int. Never a float.
MoneyLike = Union[Decimal, str, int]
#: What the client takes as a time: an aware datetime (sent in UTC), a date (its midnight UTC) or an ISO 8601 string.
TimeLike = Union[datetime, date, str]

NANODOLLAR = Decimal("0.000000001")


def to_decimal(value: MoneyLike) -> Decimal:
    """An amount as a Decimal; a float (or bool) is refused, since it cannot carry dollars exactly."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"money must be a Decimal, a decimal string or an int, not {type(value).__name__} ({value!r})")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {value!r}") from None
    else:
        raise TypeError(f"money must be a Decimal, a decimal string or an int, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return result


def money_text(value: MoneyLike) -> str:
    """The wire form of an amount: plain decimal notation, at most nine decimals (finer is refused, not rounded)."""
    amount = to_decimal(value)
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -9:
        quantized = amount.quantize(NANODOLLAR)
        if quantized != amount:
            raise ValueError(f"{value!r} has more than nine decimals (the ledger counts nanodollars)")
        amount = quantized
    text = format(amount, "f")
    return text


def parse_money(text: object) -> Decimal:
    """A money field of an answer as a Decimal."""
    if not isinstance(text, str):
        raise ValueError(f"expected a decimal string, got {text!r}")
    return Decimal(text)


def parse_optional_money(text: object) -> Optional[Decimal]:
    return None if text is None else parse_money(text)


def time_text(value: TimeLike) -> str:
    """The wire form of a time (UTC ISO 8601)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a naive datetime is ambiguous: give one with a time zone (UTC)")
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def parse_time(text: object) -> datetime:
    """An answer's time (``2026-12-05T12:58:52.625Z`` or a date) as an aware datetime in UTC."""
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 time, got {text!r}")
    value = text[:-1] + "+00:00" if text.endswith("Z") else text
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def parse_optional_time(text: object) -> Optional[datetime]:
    return None if text is None else parse_time(text)
