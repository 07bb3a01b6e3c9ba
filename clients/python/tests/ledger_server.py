"""Starts a real `tokenledger serve` for the tests: a temporary ledger, keys made with the CLI, a free loopback port."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import httpx

REPOSITORY = Path(__file__).resolve().parents[3]


def tokenledger_binary() -> Path:
    """``$TOKENLEDGER_BIN`` if set, else the debug build under the repository (CI runs `swift build` first)."""
    configured = os.environ.get("TOKENLEDGER_BIN")
    path = Path(configured) if configured else REPOSITORY / ".build" / "debug" / "tokenledger"
    if not path.is_file() or not os.access(path, os.X_OK):
        raise RuntimeError(f"no tokenledger binary at {path}: run `swift build` or set TOKENLEDGER_BIN")
    return path


@dataclass
class LedgerServer:
    binary: Path
    folder: Path
    database: Path = field(init=False)
    process: Optional["subprocess.Popen[bytes]"] = None
    url: str = ""
    keys: Dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.database = self.folder / "ledger.sqlite"

    def cli(self, *args: str) -> str:
        """Runs the CLI on the test ledger (JSON output) and returns its stdout; fails on a non-zero exit."""
        result = subprocess.run(
            [str(self.binary), "--db", str(self.database), "--format", "json", *args],
            capture_output=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"tokenledger {' '.join(args)} exited {result.returncode}: {result.stderr.decode()} {result.stdout.decode()}")
        return result.stdout.decode()

    def create_key(self, role: str, account: Optional[str] = None) -> str:
        args: List[str] = ["keys", "create", "--role", role]
        if account is not None:
            args += ["--account", account]
        return str(json.loads(self.cli(*args))["secret"])

    def start(self) -> None:
        log = open(self.folder / "serve.out", "wb")
        errors = open(self.folder / "serve.err", "wb")
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--db", str(self.database), "--host", "127.0.0.1", "--port", "0"],
            stdout=log,
            stderr=errors,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        port = None
        while time.monotonic() < deadline:
            text = (self.folder / "serve.out").read_text(errors="replace")
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            if match:
                port = int(match.group(1))
                break
            if self.process.poll() is not None:
                raise RuntimeError(f"tokenledger serve exited {self.process.returncode}: {(self.folder / 'serve.err').read_text()}")
            time.sleep(0.05)
        if port is None:
            self.stop()
            raise RuntimeError("tokenledger serve did not listen within 30 s")
        self.url = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("tokenledger serve did not answer /healthz within 30 s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def start_ledger(folder: Path, accounts: List[str]) -> LedgerServer:
    """A ledger with the default price book, ``accounts`` created, an admin, gateway and reader key,
    and for the first account a gateway and a reader key limited to it (``gateway:<account>``, ``reader:<account>``); served and healthy."""
    server = LedgerServer(tokenledger_binary(), folder)
    server.cli("init")
    for account in accounts:
        server.cli("account", "create", account)
    for role in ("admin", "gateway", "reader"):
        server.keys[role] = server.create_key(role)
    for account in accounts[:1]:
        server.keys[f"gateway:{account}"] = server.create_key("gateway", account)
        server.keys[f"reader:{account}"] = server.create_key("reader", account)
    server.start()
    return server
