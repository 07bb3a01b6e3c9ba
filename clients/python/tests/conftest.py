from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_server import LedgerServer, start_ledger  # noqa: E402


@pytest.fixture(scope="session")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerServer]:
    server = start_ledger(tmp_path_factory.mktemp("ledger"), ["limited-co"])
    try:
        yield server
    finally:
        server.stop()
