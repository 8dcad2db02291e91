"""sanic_asgi._client_loop: the loop a sync test client runs a request in is
left set as Sanic's ``app.run()`` leaves its loop, and keeps real time when
the test freezes ``time.monotonic``."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from sanic import Request, Sanic, response

from sanic_asgi._client_loop import new_client_loop, run_in_new_loop
from sanic_asgi.testing import ReusableClient, SanicTestClient

REAL_SERVERS = [
    pytest.param(name, marks=pytest.mark.skipif(importlib.util.find_spec(name) is None, reason=f"{name} missing"))
    for name in ("uvicorn", "hypercorn")
]


@pytest.fixture
def thread_loop_state() -> Iterator[None]:
    """Put the thread's loop back as it was: these tests leave one set."""
    policy = asyncio.get_event_loop_policy()
    local = getattr(policy, "_local", None)
    saved = (getattr(local, "_loop", None), getattr(local, "_set_called", None))
    yield
    if local is not None:
        local._loop, local._set_called = saved


def _current_loop() -> asyncio.AbstractEventLoop:
    # What code such as sanic-jwt's calls after a client call.
    return asyncio.get_event_loop_policy().get_event_loop()


def hello(app: Sanic[Any, Any]) -> Sanic[Any, Any]:
    @app.get("/")
    async def index(request: Request) -> Any:
        await asyncio.sleep(0.001)  # a timer: stays in the future if the loop clock is frozen
        return response.text("hi")

    return app


@pytest.mark.usefixtures("thread_loop_state")
def test_the_loop_is_left_set_as_sanic_testing_leaves_it(app: Sanic[Any, Any]) -> None:
    sanic_testing = pytest.importorskip("sanic_testing.testing")
    hello(app)
    _, reply = sanic_testing.SanicTestClient(hello(Sanic(f"{app.name}_own"))).get("/")
    assert reply.status == 200
    theirs = _current_loop()
    assert theirs.is_closed()  # app.run() closed it and left it set

    _, reply = SanicTestClient(app).get("/")
    assert reply.status == 200
    ours = _current_loop()
    assert ours is not theirs
    assert ours.is_closed()


@pytest.mark.usefixtures("thread_loop_state")
def test_run_in_new_loop_sets_a_new_loop_and_leaves_it_set() -> None:
    async def which() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    first = run_in_new_loop(which)
    assert _current_loop() is first
    second = run_in_new_loop(which)
    assert second is not first
    assert _current_loop() is second
    assert first.is_closed()
    assert second.is_closed()


def test_a_client_loop_keeps_real_time_when_monotonic_is_frozen() -> None:
    loop = new_client_loop()
    try:
        with mock.patch("time.monotonic", return_value=1000.0):
            assert time.monotonic() == 1000.0
            start = loop.time()
            fired = threading.Event()
            loop.call_later(0.01, fired.set)
            loop.run_until_complete(asyncio.sleep(0.02))  # the loop's timers are under test
            assert fired.is_set()
            assert loop.time() > start
    finally:
        loop.close()


@pytest.fixture
def asyncio_loops() -> Iterator[None]:
    """asyncio's own loops, whose clock is time.monotonic (once Sanic's own
    server has run, the policy is uvloop's, whose clock does not freeze)."""
    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    yield
    asyncio.set_event_loop_policy(policy)


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("thread_loop_state", "asyncio_loops")
@pytest.mark.parametrize("server", ["inprocess", *REAL_SERVERS])
def test_clients_work_under_a_frozen_clock(app: Sanic[Any, Any], server: str) -> None:
    # uvicorn's shutdown sleeps 0.1 s: on a loop whose clock is
    # time.monotonic, frozen, that sleep never ends (the test times out).
    hello(app)
    with mock.patch("time.monotonic", return_value=1000.0):
        _, reply = SanicTestClient(app, server=server).get("/")
        assert reply.text == "hi"
        with ReusableClient(app, server=server) as client:
            _, reply = client.get("/")
        assert reply.text == "hi"
