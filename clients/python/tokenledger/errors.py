"""The client's exceptions: one hierarchy, each carrying the service's RFC 9457 problem.

    TokenLedgerError                    every error of this package
    ├── TransportError                  no HTTP answer (connection refused or reset, timeout)
    └── ProblemError                    the service answered a problem (status, code, detail, field, index)
        ├── BadRequest                  400: malformed input (``field`` names it)
        ├── Unauthorized                401: no key, an unknown or revoked one
        │   └── Forbidden               403: the key's role or account does not allow it
        ├── NotFound                    404: unknown account, model, reservation
        ├── Conflict                    409: ``id_conflict``, ``account_exists``, ``reservation_settled``…
        ├── TooLarge                    413
        ├── Refused                     422: a rule refused it
        │   ├── InsufficientFunds       ``insufficient_balance``
        │   └── LimitExceeded           ``hard_limit``, ``tier_too_low``
        └── Unavailable                 503: disk full, read-only, locked, ``busy`` (``retry_after``), stopping
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type


class TokenLedgerError(Exception):
    """Every error this package raises."""


class TransportError(TokenLedgerError):
    """The request got no HTTP answer (connection refused or reset, timeout)."""


class ProblemError(TokenLedgerError):
    """The service answered an RFC 9457 problem (``application/problem+json``)."""

    status: int
    code: str
    detail: str
    title: str
    type: str
    field: Optional[str]
    index: Optional[int]
    retry_after: Optional[float]

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str = "",
        type: str = "about:blank",
        field: Optional[str] = None,
        index: Optional[int] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title
        self.type = type
        self.field = field
        self.index = index
        self.retry_after = retry_after
        where = ""
        if field is not None:
            where += f" (field {field})"
        if index is not None:
            where += f" (charge {index})"
        super().__init__(f"{status} {code}: {detail}{where}")


class BadRequest(ProblemError):
    """400: malformed input; nothing was written."""


class Unauthorized(ProblemError):
    """401 (and, as the subclass Forbidden, 403): the key is missing, unknown, revoked or not allowed."""


class Forbidden(Unauthorized):
    """403: the key's role (``role_forbidden``) or account (``account_forbidden``) does not allow it."""


class NotFound(ProblemError):
    """404: an unknown account, model, reservation or key."""


class Conflict(ProblemError):
    """409: the id was used with other content (``id_conflict``), the thing exists, or a reservation is closed."""


class TooLarge(ProblemError):
    """413: the body is larger than the service takes."""


class Refused(ProblemError):
    """422: a rule refused the request (balance, limits, tier, context window, minimum…); nothing was written."""


class InsufficientFunds(Refused):
    """422 ``insufficient_balance``: the available balance cannot cover it."""


class LimitExceeded(Refused):
    """422 ``hard_limit`` or ``tier_too_low``: a spending limit or the usage tier refuses it."""


class Unavailable(ProblemError):
    """503: the ledger cannot be written now, the queue is full (``busy``) or the service is stopping."""


_BY_STATUS: Dict[int, Type[ProblemError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: TooLarge,
    422: Refused,
    503: Unavailable,
}

_BY_CODE: Dict[str, Type[ProblemError]] = {
    "insufficient_balance": InsufficientFunds,
    "hard_limit": LimitExceeded,
    "tier_too_low": LimitExceeded,
}


def problem_error(status: int, body: bytes, headers: Optional[Dict[str, str]] = None) -> ProblemError:
    """The exception for an error answer: its problem's fields, or a generic one when the body is no problem."""
    document: Any = None
    try:
        document = json.loads(body.decode("utf-8")) if body else None
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict):
        text = body.decode("utf-8", "replace").strip()[:500]
        document = {"code": f"http_{status}", "detail": text or f"HTTP {status} without a problem document"}
    code = str(document.get("code") or f"http_{status}")
    retry_after: Optional[float] = None
    if headers is not None:
        value = headers.get("retry-after")
        if value is not None:
            try:
                retry_after = float(value)
            except ValueError:
                retry_after = None
    cls = _BY_CODE.get(code) if status == 422 else None
    if cls is None:
        cls = _BY_STATUS.get(status, ProblemError)
    index = document.get("index")
    field = document.get("field")
    return cls(
        int(document.get("status") or status),
        code,
        str(document.get("detail") or ""),
        title=str(document.get("title") or ""),
        type=str(document.get("type") or "about:blank"),
        field=str(field) if field is not None else None,
        index=int(index) if isinstance(index, int) else None,
        retry_after=retry_after,
    )
