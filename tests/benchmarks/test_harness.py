"""The benchmark harness drives every candidate (a smoke test, no timings).

The regression guard itself is ``python -m benchmarks.guard`` (callgrind,
about a minute); these tests only make sure that the in-process driver still
serves every scenario for every candidate, so the guard cannot rot silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.apps import CANDIDATES
from benchmarks.guard import main as guard_main
from benchmarks.inproc import SCENARIOS, http_response_size, ws_client_frame, ws_frame_size

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("candidate", CANDIDATES)
def test_every_scenario_is_served(candidate: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.inproc", candidate, "--requests", "3", "--warmup", "1"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["scenario"] for line in lines] == list(SCENARIOS)
    assert all(line["response_bytes"] > 0 for line in lines)


def test_response_size_parsing() -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n"
    assert http_response_size(head + b"ab") == 0
    assert http_response_size(head + b"abc") == len(head) + 3
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n"
    assert http_response_size(chunked) == 0
    assert http_response_size(chunked + b"0\r\n\r\n") == len(chunked) + 5
    frame = ws_client_frame(b"hi")
    assert frame[1] & 0x80  # masked, as a client must send it
    assert ws_frame_size(b"\x81\x02hi") == 4


def test_guard_update_needs_a_reason() -> None:
    with pytest.raises(SystemExit):
        guard_main(["--update"])
