"""TokenLedgerHook: LiteLLM ``CustomLogger`` that reserves, settles and voids against `tokenledger serve`.

Signatures are those of LiteLLM 1.108 (``litellm.integrations.custom_logger.CustomLogger``):
``async_pre_call_hook(user_api_key_dict, cache, data, call_type)``,
``async_post_call_success_hook(data, user_api_key_dict, response)``,
``async_post_call_failure_hook(request_data, original_exception, user_api_key_dict, traceback_str=None)``,
``async_log_success_event(kwargs, response_obj, start_time, end_time)`` and
``async_log_failure_event(kwargs, response_obj, start_time, end_time)``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from fastapi import HTTPException
from litellm.integrations.custom_logger import CustomLogger

from tokenledger import AsyncClient, PriceEntry, ProblemError, TokenLedgerError

logger = logging.getLogger("tokenledger_litellm")

#: The metadata key (virtual key, team, or request metadata) that names the TokenLedger account.
ACCOUNT_METADATA_KEY = "tokenledger_account"
#: Where the hook keeps the reservation's id in the request's metadata.
RESERVATION_METADATA_KEY = "tokenledger_reservation"

#: Refusal code → the status the proxy answers.
REFUSAL_STATUS: Dict[str, int] = {
    "insufficient_balance": 402,
    "hard_limit": 429,
    "tier_too_low": 403,
    "context_window_exceeded": 400,
    "unknown_model": 400,
    "unknown_account": 403,
    "account_forbidden": 403,
}

#: The calls the hook bills: chat and text completions.
BILLED_CALL_TYPES = frozenset({"completion", "acompletion", "text_completion", "atext_completion"})


class AccountNotMapped(Exception):
    """No account could be found for the request (the proxy answers 403 ``account_not_mapped``)."""


def _status_for(ledger_status: int) -> int:
    """The proxy's status for a ledger problem without a specific mapping: the ledger's own failures
    (401/403: the hook's key; 5xx) are 503 for the caller, other refusals keep their status."""
    if ledger_status in (401, 403) or ledger_status >= 500:
        return 503
    return ledger_status


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass
class Settings:
    """The hook's configuration, from the environment:

    - ``TOKENLEDGER_URL`` (default ``http://127.0.0.1:8080``) and ``TOKENLEDGER_API_KEY`` (a gateway key);
    - ``TOKENLEDGER_ACCOUNT_SOURCES``: where the account is looked up, in order, comma-separated, from
      ``key`` (the virtual key's metadata ``tokenledger_account``), ``team`` (the team's metadata),
      ``header`` (the request header ``TOKENLEDGER_ACCOUNT_HEADER``, default ``x-tokenledger-account``),
      ``user`` (the request's OpenAI ``user`` field); default ``key,team,header,user``. Header and user are
      chosen by the caller: with untrusted callers set ``key,team``;
    - ``TOKENLEDGER_DEFAULT_ACCOUNT``: the account when none is found (default: none, the request is refused 403);
    - ``TOKENLEDGER_MODEL_MAP``: JSON object from the proxy's model name to the ledger's (default: the same name);
    - ``TOKENLEDGER_DEFAULT_MAX_TOKENS`` (default 1024): reserved and set as ``max_tokens`` on a request
      that gives none, capped at the model's maximum output in the ledger's price book;
    - ``TOKENLEDGER_RESERVATION_SECONDS`` (default 600): how long a hold lasts unless settled or voided;
    - ``TOKENLEDGER_PRICE_CACHE_SECONDS`` (default 60): how long the model's price entry (read for its
      maximum output) is kept;
    - ``TOKENLEDGER_UNBILLED_CALLS``: ``refuse`` (default) or ``allow`` the calls the hook does not bill
      (anything but chat and text completions: embeddings, images, the Responses API…). Refused, they
      answer 403 ``call_type_not_billed``: prepaid credit fails closed.
    """

    url: str = "http://127.0.0.1:8080"
    api_key: Optional[str] = None
    account_sources: Tuple[str, ...] = ("key", "team", "header", "user")
    account_header: str = "x-tokenledger-account"
    default_account: Optional[str] = None
    model_map: Dict[str, str] = field(default_factory=dict)
    default_max_tokens: int = 1024
    reservation_seconds: int = 600
    price_cache_seconds: float = 60.0
    allow_unbilled_calls: bool = False

    @classmethod
    def from_env(cls) -> "Settings":
        sources = tuple(s.strip() for s in os.environ.get("TOKENLEDGER_ACCOUNT_SOURCES", "key,team,header,user").split(",") if s.strip())
        unknown = set(sources) - {"key", "team", "header", "user"}
        if unknown:
            raise ValueError(f"TOKENLEDGER_ACCOUNT_SOURCES: unknown sources {sorted(unknown)}")
        model_map = json.loads(os.environ.get("TOKENLEDGER_MODEL_MAP", "{}"))
        if not isinstance(model_map, dict):
            raise ValueError("TOKENLEDGER_MODEL_MAP is a JSON object")
        return cls(
            url=os.environ.get("TOKENLEDGER_URL", "http://127.0.0.1:8080"),
            api_key=os.environ.get("TOKENLEDGER_API_KEY"),
            account_sources=sources,
            account_header=os.environ.get("TOKENLEDGER_ACCOUNT_HEADER", "x-tokenledger-account").lower(),
            default_account=os.environ.get("TOKENLEDGER_DEFAULT_ACCOUNT") or None,
            model_map={str(k): str(v) for k, v in model_map.items()},
            default_max_tokens=_env_int("TOKENLEDGER_DEFAULT_MAX_TOKENS", 1024),
            reservation_seconds=_env_int("TOKENLEDGER_RESERVATION_SECONDS", 600),
            price_cache_seconds=float(os.environ.get("TOKENLEDGER_PRICE_CACHE_SECONDS", "60")),
            allow_unbilled_calls=os.environ.get("TOKENLEDGER_UNBILLED_CALLS", "refuse").lower() == "allow",
        )


def _metadata(data: Mapping[str, Any]) -> Dict[str, Any]:
    for name in ("metadata", "litellm_metadata"):
        value = data.get(name)
        if isinstance(value, dict):
            return value
    return {}


def _usage_counts(usage: Any) -> Optional[Tuple[int, int, int, int]]:
    """(input, output, cached, cache write) tokens of a LiteLLM ``Usage`` (object or dict)."""
    if usage is None:
        return None

    def get(obj: Any, name: str) -> Any:
        return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)

    prompt = get(usage, "prompt_tokens")
    completion = get(usage, "completion_tokens")
    if prompt is None or completion is None:
        return None
    details = get(usage, "prompt_tokens_details")
    cached = (get(details, "cached_tokens") if details is not None else None) or 0
    cache_write = get(usage, "cache_creation_input_tokens") or 0
    prompt, completion, cached, cache_write = int(prompt), int(completion), int(cached), int(cache_write)
    # Never more cached and cache-write tokens than input tokens (the ledger refuses that).
    cached = min(cached, prompt)
    cache_write = min(cache_write, prompt - cached)
    return prompt, completion, cached, cache_write


class TokenLedgerHook(CustomLogger):
    """Reserve before the call, settle with the real usage after it, void when it fails."""

    def __init__(self, settings: Optional[Settings] = None, client: Optional[AsyncClient] = None) -> None:
        super().__init__()
        self.settings = settings or Settings.from_env()
        self._client = client
        self._client_loop: Optional[asyncio.AbstractEventLoop] = None
        self._prices: Dict[str, Tuple[float, Optional[PriceEntry]]] = {}
        # litellm_call_id → reservation id, for events whose metadata lost it.
        self._by_call: Dict[str, str] = {}

    # the ledger

    def client(self) -> AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or (self._client_loop is not None and self._client_loop is not loop):
            self._client = AsyncClient(self.settings.url, self.settings.api_key, timeout=10.0, retries=3)
            self._client_loop = loop
        return self._client

    async def price_entry(self, model: str) -> Optional[PriceEntry]:
        """The model's entry in force (for its maximum output), cached for ``price_cache_seconds``."""
        now = time.monotonic()
        cached = self._prices.get(model)
        if cached is not None and now - cached[0] < self.settings.price_cache_seconds:
            return cached[1]
        try:
            entry: Optional[PriceEntry] = await self.client().price(model)
        except ProblemError as error:
            if error.code != "unknown_model":
                raise
            entry = None
        self._prices[model] = (now, entry)
        return entry

    # mapping

    def account_for(self, user_api_key_dict: Any, data: Mapping[str, Any]) -> str:
        for source in self.settings.account_sources:
            value: Any = None
            if source == "key":
                value = (getattr(user_api_key_dict, "metadata", None) or {}).get(ACCOUNT_METADATA_KEY)
            elif source == "team":
                value = (getattr(user_api_key_dict, "team_metadata", None) or {}).get(ACCOUNT_METADATA_KEY)
            elif source == "header":
                headers = (data.get("proxy_server_request") or {}).get("headers") or {}
                value = next((v for k, v in headers.items() if k.lower() == self.settings.account_header), None)
            elif source == "user":
                value = data.get("user")
            if isinstance(value, str) and value:
                return value
        if self.settings.default_account:
            return self.settings.default_account
        raise AccountNotMapped(
            f"no TokenLedger account for this request (looked in: {', '.join(self.settings.account_sources)}; "
            f"set the virtual key's metadata {ACCOUNT_METADATA_KEY!r})"
        )

    def ledger_model(self, data: Mapping[str, Any]) -> str:
        model = str(data.get("model") or "")
        return self.settings.model_map.get(model, model)

    @staticmethod
    def input_tokens(data: Mapping[str, Any]) -> int:
        import litellm

        model = str(data.get("model") or "")
        if data.get("messages") is not None:
            return int(litellm.token_counter(model=model, messages=data["messages"]))
        prompt = data.get("prompt")
        if isinstance(prompt, list):
            prompt = "".join(str(p) for p in prompt)
        return int(litellm.token_counter(model=model, text=str(prompt or "")))

    # hooks

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Dict[str, Any], call_type: Any) -> Optional[Dict[str, Any]]:
        # Only this hook names the reservation: a caller's metadata may not point at another request's hold.
        for name in ("metadata", "litellm_metadata"):
            if isinstance(data.get(name), dict):
                data[name].pop(RESERVATION_METADATA_KEY, None)
        if str(call_type) not in BILLED_CALL_TYPES:
            if self.settings.allow_unbilled_calls:
                return data
            raise HTTPException(
                status_code=403,
                detail={"error": f"TokenLedger does not bill {call_type} calls on this proxy", "code": "call_type_not_billed"},
            )
        try:
            account = self.account_for(user_api_key_dict, data)
        except AccountNotMapped as error:
            raise HTTPException(status_code=403, detail={"error": str(error), "code": "account_not_mapped"}) from None
        model = self.ledger_model(data)
        input_tokens: Optional[int] = None
        max_tokens: Any = None
        try:
            max_tokens = data.get("max_completion_tokens") or data.get("max_tokens")
            if max_tokens is None:
                max_tokens = self.settings.default_max_tokens
                entry = await self.price_entry(model)
                if entry is not None and entry.max_output_tokens is not None:
                    max_tokens = min(max_tokens, entry.max_output_tokens)
                # The model may not write more than was reserved.
                data["max_tokens"] = max_tokens
            input_tokens = self.input_tokens(data)
            # n choices (best_of for text completions) may each write max_tokens.
            choices = max(int(data.get("n") or 1), int(data.get("best_of") or 1))
            reservation = await self.client().reserve(
                account,
                model,
                input_tokens,
                int(max_tokens) * choices,
                user=data.get("user") if isinstance(data.get("user"), str) else None,
                expires_in_seconds=self.settings.reservation_seconds,
                idempotency_key=f"litellm-{uuid.uuid4().hex}",
            )
        except ProblemError as error:
            status = REFUSAL_STATUS.get(error.code) or _status_for(error.status)
            detail: Dict[str, Any] = {"error": f"TokenLedger refused the request: {error.detail}", "code": error.code, "account": account, "model": model}
            if status != 503:
                detail.update(input_tokens=input_tokens, max_output_tokens=max_tokens)
            raise HTTPException(status_code=status, detail=detail) from None
        except TokenLedgerError as error:
            logger.error("TokenLedger unreachable, request refused: %s", error)
            raise HTTPException(status_code=503, detail={"error": "the billing ledger is unavailable", "code": "ledger_unavailable"}) from None
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else None
        if metadata is None:
            metadata = data.get("litellm_metadata") if isinstance(data.get("litellm_metadata"), dict) else None
        if metadata is None:
            metadata = data.setdefault("metadata", {})
        metadata[RESERVATION_METADATA_KEY] = reservation.id
        call_id = data.get("litellm_call_id")
        if isinstance(call_id, str):
            self._by_call[call_id] = reservation.id
        return data

    def _reservation_of(self, data: Mapping[str, Any]) -> Optional[str]:
        reservation = _metadata(data).get(RESERVATION_METADATA_KEY)
        if reservation is None:
            params = data.get("litellm_params")
            if isinstance(params, Mapping):
                reservation = _metadata(params).get(RESERVATION_METADATA_KEY)
        if reservation is None:
            call_id = data.get("litellm_call_id")
            if isinstance(call_id, str):
                reservation = self._by_call.get(call_id)
        return reservation if isinstance(reservation, str) else None

    def _forget(self, data: Mapping[str, Any]) -> None:
        call_id = data.get("litellm_call_id")
        if isinstance(call_id, str):
            self._by_call.pop(call_id, None)

    async def _settle(self, data: Mapping[str, Any], response: Any) -> None:
        reservation = self._reservation_of(data)
        if reservation is None:
            return
        counts = _usage_counts(getattr(response, "usage", None) if not isinstance(response, Mapping) else response.get("usage"))
        if counts is None:
            logger.error("TokenLedger: no usage in the response; reservation %s left to expire", reservation)
            return
        prompt, completion, cached, cache_write = counts
        # The settle's key is the reservation's id: settling again (the other success hook) is a replay.
        await self.client().settle(reservation, prompt, completion, cached_tokens=cached or None, cache_write_tokens=cache_write or None)

    async def _void(self, data: Mapping[str, Any]) -> None:
        reservation = self._reservation_of(data)
        if reservation is None:
            return
        try:
            await self.client().void(reservation)
        except ProblemError as error:
            if error.code not in ("reservation_settled", "reservation_voided", "reservation_expired"):
                raise

    async def async_post_call_success_hook(self, data: Dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        # Settled here, before the proxy answers, so that the ledger has the charge when the client gets its answer.
        try:
            await self._settle(data, response)
        except TokenLedgerError as error:
            logger.error("TokenLedger settle failed (retried by the success event): %s", error)
        return None

    async def async_log_success_event(self, kwargs: Dict[str, Any], response_obj: Any, start_time: Any, end_time: Any) -> None:
        # Streaming answers (and any the post-call hook missed) are settled here; a second settle is a replay.
        try:
            await self._settle(kwargs, response_obj)
        except TokenLedgerError as error:
            logger.error("TokenLedger settle failed: %s", error)
        finally:
            self._forget(kwargs)

    async def async_post_call_failure_hook(
        self, request_data: Dict[str, Any], original_exception: Exception, user_api_key_dict: Any, traceback_str: Optional[str] = None
    ) -> Any:
        try:
            await self._void(request_data)
        except TokenLedgerError as error:
            logger.error("TokenLedger void failed: %s", error)
        return None

    async def async_log_failure_event(self, kwargs: Dict[str, Any], response_obj: Any, start_time: Any, end_time: Any) -> None:
        try:
            await self._void(kwargs)
        except TokenLedgerError as error:
            logger.error("TokenLedger void failed: %s", error)
        finally:
            self._forget(kwargs)


proxy_handler_instance = TokenLedgerHook()
