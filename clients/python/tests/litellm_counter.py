"""A LiteLLM callback for the proxy test: appends a line to $TOKENLEDGER_TEST_CALLS for each call that
reaches the (mock) model, each request refused at the proxy's gate, and each success, so the test can count them."""

from __future__ import annotations

import os
from typing import Any

from litellm.integrations.custom_logger import CustomLogger


def _write(kind: str, kwargs: Any) -> None:
    path = os.environ.get("TOKENLEDGER_TEST_CALLS")
    if not path:
        return
    call_id = kwargs.get("litellm_call_id") if isinstance(kwargs, dict) else None
    with open(path, "a", encoding="utf-8") as file:
        file.write(f"{kind} {call_id}\n")


class CallCounter(CustomLogger):
    def log_pre_api_call(self, model: Any, messages: Any, kwargs: Any) -> None:
        # The proxy also logs a request its gate refused (a pre-call hook raising), marked as having
        # made no upstream call; the mock provider's own pre-call log has no such mark.
        if isinstance(kwargs, dict) and kwargs.get("litellm_no_upstream_llm_call"):
            _write("refused_at_gate", kwargs)
        else:
            _write("model_call", kwargs)

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        _write("success", kwargs)


counter = CallCounter()
