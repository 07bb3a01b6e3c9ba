"""A real LiteLLM proxy (PyPI, pinned in requirements-test.txt) with the TokenLedger hook loaded from
its config.yaml, mock models (``mock_response`` with fixed usage: no network), and a real
`tokenledger serve`: requests driven concurrently until the account runs dry."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
import yaml

from ledger_server import LedgerServer
from tokenledger import Client, TokenRates

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
MASTER_KEY = "sk-tokenledger-test-master"
LEDGER_MODEL = "tl-mock"
CREDIT = Decimal("5.00")
MAX_TOKENS = 400
PROMPT = [{"role": "user", "content": "Summarise the ledger's credit rules in one line."}]
#: proxy model → (prompt, completion, cached) tokens its mock answer reports.
MOCK_USAGE: Dict[str, Tuple[int, int, int]] = {"tl-mock-a": (20, 300, 0), "tl-mock-b": (45, 120, 10)}
WORKERS = 8
DRIVE_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mock_answer(model: str, usage: Tuple[int, int, int]) -> Dict[str, Any]:
    prompt, completion, cached = usage
    return {
        "id": f"chatcmpl-{model}",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": f"A mocked answer from {model}."}}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


def proxy_config() -> Dict[str, Any]:
    models: List[Dict[str, Any]] = [
        {
            "model_name": name,
            "litellm_params": {"model": f"openai/{name}", "api_key": "sk-not-used", "mock_response": mock_answer(name, usage)},
        }
        for name, usage in MOCK_USAGE.items()
    ]
    # A model whose call fails (the hook must void its hold), and one the ledger has no price for.
    models.append({"model_name": "tl-mock-fail", "litellm_params": {"model": "openai/tl-mock-fail", "api_key": "sk-not-used", "mock_response": "litellm.InternalServerError"}})
    # A streamed answer: LiteLLM's mock streams a text answer (it cannot stream one with set usage) and
    # counts its usage; the hook settles it from the success event.
    models.append(
        {"model_name": "tl-mock-stream", "litellm_params": {"model": "openai/tl-mock-stream", "api_key": "sk-not-used", "mock_response": "A streamed mock answer, a few words long."}}
    )
    models.append({"model_name": "tl-unpriced", "litellm_params": {"model": "openai/tl-unpriced", "api_key": "sk-not-used", "mock_response": "never"}})
    return {
        "model_list": models,
        "litellm_settings": {
            "callbacks": ["tokenledger_litellm.hook.proxy_handler_instance", "litellm_counter.counter"],
            "num_retries": 0,
        },
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY},
    }


def litellm_command() -> List[str]:
    """The `litellm` command of the Python running the tests (a virtualenv's first), else the one on PATH."""
    candidate = Path(sys.executable).parent / "litellm"
    executable = str(candidate) if candidate.exists() else shutil.which("litellm")
    if executable is None:
        raise RuntimeError("no `litellm` command: pip install -r clients/python/requirements-test.txt")
    return [executable]


@dataclass
class Proxy:
    url: str
    folder: Path
    calls_file: Path
    process: "subprocess.Popen[bytes]"

    def calls(self, kind: str) -> int:
        if not self.calls_file.exists():
            return 0
        return sum(1 for line in self.calls_file.read_text().splitlines() if line.split(" ", 1)[0] == kind)


@pytest.fixture(scope="module")
def proxy(ledger: LedgerServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    with Client(ledger.url, ledger.keys["admin"]) as admin:
        admin.set_price(
            LEDGER_MODEL, "100", "1000", cached_input_usd_per_million="10", effective_from="2020-01-01", max_input_tokens=100_000, max_output_tokens=4096
        )
    folder = tmp_path_factory.mktemp("litellm")
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(proxy_config(), sort_keys=False))
    calls_file = folder / "calls.txt"
    port = free_port()
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(PACKAGE_ROOT), str(TESTS), env.get("PYTHONPATH", "")]),
        TOKENLEDGER_URL=ledger.url,
        TOKENLEDGER_API_KEY=ledger.keys["gateway"],
        TOKENLEDGER_MODEL_MAP='{"tl-mock-a": "tl-mock", "tl-mock-b": "tl-mock", "tl-mock-fail": "tl-mock", "tl-mock-stream": "tl-mock"}',
        TOKENLEDGER_DEFAULT_MAX_TOKENS=str(MAX_TOKENS),
        TOKENLEDGER_TEST_CALLS=str(calls_file),
        LITELLM_LOCAL_MODEL_COST_MAP="True",  # no network: LiteLLM's bundled price map
        LITELLM_LOG="ERROR",
    )
    log = open(folder / "proxy.log", "wb")
    process = subprocess.Popen(
        [*litellm_command(), "--config", str(config), "--host", "127.0.0.1", "--port", str(port), "--num_workers", "1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=folder,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"litellm exited {process.returncode}:\n{(folder / 'proxy.log').read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/health/liveliness", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"litellm did not start in 90 s:\n{(folder / 'proxy.log').read_text()[-4000:]}")
            time.sleep(0.2)
        yield Proxy(url, folder, calls_file, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def funded_account(ledger: LedgerServer, credit: Decimal = CREDIT) -> str:
    name = f"litellm-{uuid.uuid4().hex[:8]}"
    with Client(ledger.url, ledger.keys["admin"]) as admin:
        admin.create_account(name)
        admin.purchase(name, credit)
    return name


def chat(http: httpx.Client, proxy: Proxy, account: Optional[str], model: str, max_tokens: Optional[int] = MAX_TOKENS) -> httpx.Response:
    body: Dict[str, Any] = {"model": model, "messages": PROMPT}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    headers = {"Authorization": f"Bearer {MASTER_KEY}"}
    if account is not None:
        headers["X-TokenLedger-Account"] = account
    return http.post(f"{proxy.url}/v1/chat/completions", json=body, headers=headers, timeout=30)


def refusal(response: httpx.Response) -> Dict[str, Any]:
    error = response.json()["error"]
    fields = error.get("provider_specific_fields") or {}
    assert isinstance(fields, dict), error
    return fields


def test_requests_until_the_account_runs_dry(ledger: LedgerServer, proxy: Proxy) -> None:
    account = funded_account(ledger)
    admin = Client(ledger.url, ledger.keys["admin"])
    rates: TokenRates = admin.price(LEDGER_MODEL).rates()
    calls_before = proxy.calls("model_call")
    gate_before = proxy.calls("refused_at_gate")

    lock = threading.Lock()
    admitted: List[Tuple[str, Dict[str, Any]]] = []  # (proxy model, usage the proxy returned)
    refused: List[Dict[str, Any]] = []
    unexpected: List[str] = []
    violations: List[str] = []
    dry = threading.Event()
    done = threading.Event()
    end = time.monotonic() + DRIVE_SECONDS

    def monitor() -> None:
        with Client(ledger.url, ledger.keys["reader"]) as reader:
            while not done.is_set():
                balance = reader.balance(account)
                if balance.balance_usd < 0 or balance.available_usd < 0:
                    violations.append(f"balance {balance.balance_usd} available {balance.available_usd}")
                time.sleep(0.01)

    def worker(index: int) -> None:
        with httpx.Client() as http, Client(ledger.url, ledger.keys["reader"]) as reader:
            n = 0
            while not dry.is_set() and time.monotonic() < end:
                model = "tl-mock-a" if (index + n) % 2 == 0 else "tl-mock-b"
                # Half the workers send max_tokens; the others rely on the hook's default (the same 400).
                response = chat(http, proxy, account, model, MAX_TOKENS if index % 2 == 0 else None)
                n += 1
                if response.status_code == 200:
                    with lock:
                        admitted.append((model, response.json()["usage"]))
                elif response.status_code == 402:
                    fields = refusal(response)
                    with lock:
                        refused.append(fields)
                    assert fields["code"] == "insufficient_balance", fields
                    hold = rates.cost(int(fields["input_tokens"]), int(fields["max_output_tokens"]))
                    # Dry once the balance (holds aside) cannot cover the hold; otherwise other requests'
                    # holds were in the way, and they will be settled or voided: try again.
                    if reader.balance(account).balance_usd < hold:
                        dry.set()
                else:
                    with lock:
                        unexpected.append(f"{response.status_code} {response.text[:500]}")
                    return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    watcher = threading.Thread(target=monitor)
    started = time.monotonic()
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DRIVE_SECONDS + 30)
    done.set()
    watcher.join(10)
    elapsed = time.monotonic() - started

    assert not unexpected, unexpected
    assert dry.is_set(), f"the account did not run dry in {DRIVE_SECONDS} s ({len(admitted)} admitted)"
    assert not violations, violations[:5]
    assert refused and all(r["code"] == "insufficient_balance" and r["account"] == account for r in refused)
    assert {int(r["max_output_tokens"]) for r in refused} == {MAX_TOKENS}

    # The usage each admitted answer carried is the mock's, and the ledger charged exactly that at its price.
    expected = Decimal(0)
    for model, usage in admitted:
        prompt, completion, cached = MOCK_USAGE[model]
        assert (usage["prompt_tokens"], usage["completion_tokens"]) == (prompt, completion)
        expected += rates.cost(usage["prompt_tokens"], usage["completion_tokens"], cached_tokens=(usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    balance = admin.balance(account)
    assert balance.reserved_usd == 0, "every hold was settled or voided"
    assert balance.balance_usd >= 0, "no request admitted past the balance"
    assert CREDIT - balance.balance_usd == expected, f"ledger charged {CREDIT - balance.balance_usd}, the proxy's usage costs {expected}"
    largest_hold = max(rates.cost(int(r["input_tokens"]), int(r["max_output_tokens"])) for r in refused)
    assert balance.balance_usd < largest_hold, "dry: no hold fits in what is left"
    # Enough requests to make it meaningful: at least the credit over the dearest answer's cost.
    dearest = max(rates.cost(p, c, cached_tokens=k) for p, c, k in MOCK_USAGE.values())
    assert len(admitted) >= int(CREDIT / dearest) - 1

    # The ledger's own record (the monthly report): one request per admitted call, the proxy's tokens, the same cost.
    month = balance.at.strftime("%Y-%m")
    report = httpx.get(
        f"{ledger.url}/v1/reports/monthly",
        params={"account": account, "month": month},
        headers={"Authorization": f"Bearer {ledger.keys['reader']}"},
    ).json()
    total = report["total"]
    assert total["requests"] == len(admitted)
    assert total["input_tokens"] == sum(u["prompt_tokens"] for _, u in admitted)
    assert total["output_tokens"] == sum(u["completion_tokens"] for _, u in admitted)
    assert total["cached_tokens"] == sum(MOCK_USAGE[m][2] for m, _ in admitted)
    assert Decimal(total["cost_usd"]) == expected

    # Refused requests never reached the model: only admitted ones were called.
    assert proxy.calls("model_call") - calls_before == len(admitted)
    assert proxy.calls("refused_at_gate") - gate_before == len(refused)

    # Still dry: one more request is refused, and nothing changed.
    with httpx.Client() as http:
        last = chat(http, proxy, account, "tl-mock-a")
    assert last.status_code == 402 and refusal(last)["code"] == "insufficient_balance"
    assert admin.balance(account).balance_usd == balance.balance_usd
    assert admin.verify().ok
    admin.close()
    print(f"\n{len(admitted)} admitted, {len(refused)} refused by {WORKERS} clients in {elapsed:.1f} s; charged {expected}")


def test_a_failed_call_voids_its_hold_and_refusals_name_their_cause(ledger: LedgerServer, proxy: Proxy) -> None:
    account = funded_account(ledger)
    with Client(ledger.url, ledger.keys["admin"]) as admin, httpx.Client() as http:
        failed = chat(http, proxy, account, "tl-mock-fail")
        assert failed.status_code >= 500, failed.text
        deadline = time.monotonic() + 10
        while admin.balance(account).reserved_usd != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        balance = admin.balance(account)
        assert (balance.balance_usd, balance.reserved_usd) == (CREDIT, Decimal(0)), "the hold was voided, nothing charged"

        unmapped = chat(http, proxy, None, "tl-mock-a")
        assert unmapped.status_code == 403 and refusal(unmapped)["code"] == "account_not_mapped"
        unknown = chat(http, proxy, "no-such-account", "tl-mock-a")
        assert unknown.status_code == 403 and refusal(unknown)["code"] == "unknown_account"
        unpriced = chat(http, proxy, account, "tl-unpriced")
        assert unpriced.status_code == 400 and refusal(unpriced)["code"] == "unknown_model"
        too_long = chat(http, proxy, account, "tl-mock-a", max_tokens=100_000)
        assert too_long.status_code == 400 and refusal(too_long)["code"] == "context_window_exceeded"
        assert admin.balance(account).balance_usd == CREDIT

        ok = chat(http, proxy, account, "tl-mock-b", max_tokens=None)
        assert ok.status_code == 200, ok.text
        rates = admin.price(LEDGER_MODEL).rates()
        assert admin.balance(account).balance_usd == CREDIT - rates.cost(45, 120, cached_tokens=10)


def test_a_streamed_answer_is_settled_with_its_usage(ledger: LedgerServer, proxy: Proxy) -> None:
    account = funded_account(ledger)
    body = {"model": "tl-mock-stream", "messages": PROMPT, "max_tokens": 100, "stream": True, "stream_options": {"include_usage": True}}
    headers = {"Authorization": f"Bearer {MASTER_KEY}", "X-TokenLedger-Account": account}
    usage: Optional[Dict[str, Any]] = None
    with httpx.stream("POST", f"{proxy.url}/v1/chat/completions", json=body, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: {"):
                chunk = json.loads(line[len("data: ") :])
                if chunk.get("usage"):
                    usage = chunk["usage"]
    assert usage is not None and usage["completion_tokens"] > 0
    with Client(ledger.url, ledger.keys["admin"]) as admin:
        rates = admin.price(LEDGER_MODEL).rates()
        deadline = time.monotonic() + 10  # settled by the success event, after the stream ends
        while admin.balance(account).reserved_usd != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        balance = admin.balance(account)
        assert balance.reserved_usd == 0
        assert CREDIT - balance.balance_usd == rates.cost(usage["prompt_tokens"], usage["completion_tokens"])
