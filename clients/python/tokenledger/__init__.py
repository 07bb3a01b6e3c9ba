"""A typed Python client of the TokenLedger service (`tokenledger serve`).

Money is ``decimal.Decimal`` in and out (the wire carries decimal strings; floats are refused).
Every write carries an ``Idempotency-Key`` so that a retry never records anything twice.
"""

from .client import AsyncClient, Client, new_idempotency_key
from .errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InsufficientFunds,
    LimitExceeded,
    NotFound,
    ProblemError,
    Refused,
    TokenLedgerError,
    TooLarge,
    TransportError,
    Unauthorized,
    Unavailable,
)
from .models import (
    Account,
    Balance,
    ChargeBatchReceipt,
    ChargeReceipt,
    ChargeRequest,
    CreditReceipt,
    Health,
    Lot,
    PriceEntry,
    PriceSetResult,
    RechargeAttempt,
    Reservation,
    SettleReceipt,
    TokenRates,
    VerifyReport,
    price_in_force,
)
from .money import MoneyLike, TimeLike, money_text

__version__ = "0.1.0"

__all__ = [
    "AsyncClient",
    "Client",
    "new_idempotency_key",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "InsufficientFunds",
    "LimitExceeded",
    "NotFound",
    "ProblemError",
    "Refused",
    "TokenLedgerError",
    "TooLarge",
    "TransportError",
    "Unauthorized",
    "Unavailable",
    "Account",
    "Balance",
    "ChargeBatchReceipt",
    "ChargeReceipt",
    "ChargeRequest",
    "CreditReceipt",
    "Health",
    "Lot",
    "PriceEntry",
    "PriceSetResult",
    "RechargeAttempt",
    "Reservation",
    "SettleReceipt",
    "TokenRates",
    "VerifyReport",
    "price_in_force",
    "MoneyLike",
    "TimeLike",
    "money_text",
]
