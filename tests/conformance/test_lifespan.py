"""Points 1 and 2: Sanic's listeners on the ASGI lifespan, and lazy start
for servers without one.

Each test here starts a process of its own: the listener order is read from a
file after the server has stopped, and a failing listener stops the server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests._servers import Options, ServerKind
from tests.asgi_driver import poll
from tests.conformance.apps.lifespan import SANIC_SERVER_ORDER

from .conftest import Served, Spawner, require


def read_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines() if path.exists() else []


@pytest.mark.native_gap("main_process_start/ready/stop listeners never run")
def test_listener_order(kind: ServerKind, impl: str, spawn: Spawner, tmp_path: Path) -> None:
    require(kind, "lifespan")
    record = tmp_path / "order.txt"
    served = spawn(kind, impl, "lifespan", env={"CONFORMANCE_RECORD": str(record)})
    assert served.get("/record").text == "recorded"
    served.stop()
    assert read_lines(record) == SANIC_SERVER_ORDER


@pytest.mark.parametrize("event", ["before_server_start", "after_server_start"])
def test_startup_failure_stops_the_server(
    kind: ServerKind, impl: str, spawn: Spawner, tmp_path: Path, event: str
) -> None:
    check_startup_failure(kind, impl, spawn, tmp_path, event)


@pytest.mark.native_gap("main_process_start listeners never run, so one that raises cannot fail startup")
def test_main_process_start_failure_stops_the_server(
    kind: ServerKind, impl: str, spawn: Spawner, tmp_path: Path
) -> None:
    check_startup_failure(kind, impl, spawn, tmp_path, "main_process_start")


def check_startup_failure(kind: ServerKind, impl: str, spawn: Spawner, tmp_path: Path, event: str) -> None:
    require(kind, "lifespan")
    record = tmp_path / "order.txt"
    env = {"CONFORMANCE_RECORD": str(record), "CONFORMANCE_FAIL": event}
    served = spawn(kind, impl, "lifespan", env=env, wait=False)
    # The first listener to run shows whether the failing one ran at all
    # (native ASGI never runs main_process_start: fail now, not at a timeout).
    poll(lambda: bool(read_lines(record)) or not served.process.running, bool, 20)
    if event == "main_process_start":
        assert read_lines(record)[:1] == ["main_process_start"]
    status = served.process.wait_exit(20)
    log = served.process.log()
    assert status is not None, f"{kind.id} kept running after a failed startup:\n{log[-2000:]}"
    if kind.id.startswith("uvicorn"):
        assert status == 3, log[-2000:]  # uvicorn's STARTUP_FAILURE
    elif kind.id == "granian":
        assert status == 1, log[-2000:]
    elif kind.id == "gunicorn-asgi":
        assert status == 3, log[-2000:]  # gunicorn's WORKER_BOOT_ERROR
    # hypercorn 0.18 exits 0 even when its worker failed (the worker's status
    # is lost in run.py's second _join_exited): its status is not checked.
    text = f"RuntimeError: listener exploded in {event}" if impl == "ours" else f"listener exploded in {event}"
    assert server_report(kind, text) in log, log[-3000:]
    if impl == "ours":
        assert "main_process_ready" not in read_lines(record)


def server_report(kind: ServerKind, message: str) -> str:
    """How each server logs the message of lifespan.startup.failed."""
    if kind.id.startswith("uvicorn"):
        return f"ERROR:    {message}"
    if kind.id.startswith("hypercorn"):
        return f"Lifespan failure in startup. '{message}'"
    if kind.id == "granian":
        return f"[ERROR] {message}"
    if kind.id == "gunicorn-asgi":
        return f"[ERROR] ASGI lifespan startup failed: Lifespan startup failed: {message}"
    raise AssertionError(f"{kind.id}: no lifespan")


def test_shutdown_failure_is_reported(kind: ServerKind, impl: str, spawn: Spawner, tmp_path: Path) -> None:
    require(kind, "lifespan")
    record = tmp_path / "order.txt"
    env = {"CONFORMANCE_RECORD": str(record), "CONFORMANCE_FAIL": "after_server_stop"}
    served = spawn(kind, impl, "lifespan", env=env)
    assert served.get("/record").status_code == 200
    served.stop()
    log = served.process.log()
    assert "listener exploded in after_server_stop" in log
    lines = read_lines(record)
    # The listeners after the failing one still ran.
    assert "after_server_stop:second" in lines
    if impl == "ours":
        assert lines[-1] == "main_process_stop"


@pytest.mark.native_gap("listeners cannot reach the lifespan state, and lifespan_state(request) has no runtime")
def test_lifespan_state_reaches_handlers(server: Served) -> None:
    body = server.get("/state").json()
    assert body["started"] is True
    assert body["lifespan_state"] == {"answer": 42}
    if server.kind.lifespan:
        # The server's own state dict, copied into every request scope.
        assert body["scope_state"] == {"answer": 42}


# ---------------------------------------------------------------------------
# No lifespan: lazy start
# ---------------------------------------------------------------------------
def no_lifespan_options(kind: ServerKind) -> Options:
    if kind.lifespan and not kind.lifespan_off:
        pytest.skip(f"{kind.id} always runs the lifespan protocol")
    return Options(lifespan=False)


@pytest.mark.native_gap("without lifespan events Sanic's startup never runs: every request is a 500")
async def test_lazy_start_once_under_concurrent_first_requests(kind: ServerKind, impl: str, spawn: Spawner) -> None:
    served = spawn(kind, impl, "basic", options=no_lifespan_options(kind))
    mark = served.log_mark()
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        responses = await asyncio.gather(*(client.get(f"/items/{i}") for i in range(12)))
    assert [r.status_code for r in responses] == [200] * 12
    assert [r.json()["item"] for r in responses] == list(range(12))
    listeners = served.events("listeners")
    assert sorted(listeners) == ["after_server_start", "before_server_start", "main_process_start"]
    assert "Exception in ASGI application" not in served.log_since(mark)
    state = served.get("/state").json()
    assert state["lifespan_state"] == {"answer": 42}
