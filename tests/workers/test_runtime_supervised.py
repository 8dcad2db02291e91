"""In a worker of Sanic's manager (``app.multiplexer`` set, as
``workers.serve_worker`` sets it), the runtime leaves the main-process
listeners to the supervisor and runs the server listeners as always."""

from __future__ import annotations

import itertools
from multiprocessing import Pipe
from typing import Any

import pytest
from sanic import Sanic
from sanic.worker.multiplexer import WorkerMultiplexer

from sanic_asgi._runtime import AppRuntime

pytestmark = pytest.mark.timeout(20)

_numbers = itertools.count()


def recording_app() -> tuple[Sanic[Any, Any], list[str]]:
    app = Sanic(f"supervised_{next(_numbers)}")
    calls: list[str] = []
    for event in (
        "main_process_start",
        "before_server_start",
        "after_server_start",
        "main_process_ready",
        "before_server_stop",
        "after_server_stop",
        "main_process_stop",
    ):

        async def listener(app: Sanic[Any, Any], event: str = event) -> None:
            calls.append(event)

        app.register_listener(listener, event)
    return app, calls


@pytest.mark.parametrize("supervised", [True, False], ids=["worker of Sanic's manager", "alone"])
async def test_main_process_listeners_are_the_supervisors(supervised: bool) -> None:
    app, calls = recording_app()
    if supervised:
        _, publisher = Pipe(True)
        app.multiplexer = WorkerMultiplexer(publisher, {})
    runtime = AppRuntime(app)
    await runtime.start()
    await runtime.stop()
    server = ["before_server_start", "after_server_start", "before_server_stop", "after_server_stop"]
    if supervised:
        assert calls == server
    else:
        assert calls == ["main_process_start", *server[:2], "main_process_ready", *server[2:], "main_process_stop"]
