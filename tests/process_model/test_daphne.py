"""daphne started by itself (``daphne module:asgi``, no lifespan): when it
stops, Sanic's shutdown runs before daphne cancels what is left
(sanic_asgi._daphne), so a request in flight is answered."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests._servers import KINDS, ServerProcess

DAPHNE = next(kind for kind in KINDS if kind.id == "daphne")


def _wait_for_line(path: Path, word: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and any(line.split()[0] == word for line in path.read_text().splitlines()):
            return
        time.sleep(0.05)


@pytest.mark.timeout(60)
def test_sigterm_runs_the_shutdown_and_drains(tmp_path: Path) -> None:
    if DAPHNE.missing():
        pytest.skip("daphne is not installed")
    events_file = tmp_path / "events"
    process = ServerProcess(
        DAPHNE,
        "tests.process_model.apps.listeners:asgi",
        tmp_path / "server.log",
        env={"SANIC_ASGI_TEST_EVENTS": str(events_file)},
    )
    answers: list[httpx.Response | BaseException] = []

    def held() -> None:
        try:
            with httpx.Client(base_url=process.url, timeout=20) as client:
                answers.append(client.get("/held"))
        except BaseException as exc:  # reported by the assertion below
            answers.append(exc)

    client = threading.Thread(target=held)
    try:
        process.start()
        client.start()
        _wait_for_line(events_file, "held")
    finally:
        status = process.stop()
        client.join(20)
    assert status == 0, process.log()
    assert len(answers) == 1, process.log()
    assert isinstance(answers[0], httpx.Response), (answers, process.log())
    assert answers[0].json() == {"released": True}
    events = [line.split() for line in events_file.read_text().splitlines()]
    assert [event for event, *_ in events] == [
        "main_process_start",
        "before_server_start",
        "after_server_start",
        "main_process_ready",
        "held",
        "before_server_stop",
        "after_server_stop",
        "main_process_stop",
    ], process.log()
    assert len({pid for _, pid, *_ in events}) == 1
