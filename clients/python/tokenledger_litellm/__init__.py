"""A LiteLLM proxy hook that bills every request to a TokenLedger account.

Load it from the proxy's ``config.yaml``::

    litellm_settings:
      callbacks: tokenledger_litellm.hook.proxy_handler_instance

Before the model is called, ``async_pre_call_hook`` reserves on the request's account its input
tokens (LiteLLM's token counter) plus its ``max_tokens`` (or a default, which it then sets on the
request) at the model's price in force, priced by the ledger; a refusal becomes the proxy's error
answer (402 when the credit is gone, 429 past a hard limit) and the model is never called. Once the
model answers, the reservation is settled with the usage the model reported (priced by the ledger);
when the call fails, it is voided. Configuration is read from the environment (see ``Settings``).
"""

from .hook import AccountNotMapped, Settings, TokenLedgerHook

__all__ = ["AccountNotMapped", "Settings", "TokenLedgerHook"]
