"""LifespanCycle: the lifespan state machine against Sanic's listeners."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sanic import Request, Sanic, response

from sanic_asgi import LifespanFailure, UnexpectedMessage
from sanic_asgi._runtime import RuntimeState
from tests.asgi_driver import FakeServer, wait_for

pytestmark = pytest.mark.timeout(20)


def record_listeners(app: Sanic) -> list[str]:
    events: list[str] = []
    for event in (
        "main_process_start",
        "before_server_start",
        "after_server_start",
        "main_process_ready",
        "before_server_stop",
        "after_server_stop",
        "main_process_stop",
    ):

        async def listener(app: Sanic, event: str = event) -> None:
            events.append(event)

        app.register_listener(listener, event)

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    return events


async def test_startup_and_shutdown_complete(app: Sanic, server: FakeServer) -> None:
    events = record_listeners(app)
    life = await server.startup()
    assert life.sent == [{"type": "lifespan.startup.complete"}]
    assert events == ["main_process_start", "before_server_start", "after_server_start", "main_process_ready"]
    assert (await server.request("GET", "/")).status == 200
    assert await server.shutdown(life) == {"type": "lifespan.shutdown.complete"}
    assert events[4:] == ["before_server_stop", "after_server_stop", "main_process_stop"]
    assert server.asgi.runtime.state is RuntimeState.STOPPED


async def test_startup_failure_reports_the_error(
    app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    @app.before_server_start
    async def broken(app: Sanic) -> None:
        raise RuntimeError("cannot reach the database")

    life = server.lifespan().push({"type": "lifespan.startup"})
    # Reported, then re-raised (as Starlette does) so drivers do not wait.
    with pytest.raises(RuntimeError, match="cannot reach the database"):
        await life.finish()
    assert life.sent == [{"type": "lifespan.startup.failed", "message": "RuntimeError: cannot reach the database"}]
    assert life.lifespan.finished
    # Logged with its traceback, as uvicorn/Starlette do.
    assert "failed to start" in caplog.text
    assert "Traceback" in caplog.text
    assert server.asgi.runtime.state is RuntimeState.FAILED


async def test_startup_failure_without_text(app: Sanic, server: FakeServer) -> None:
    @app.after_server_start
    async def broken(app: Sanic) -> None:
        raise LookupError

    life = server.lifespan().push({"type": "lifespan.startup"})
    with pytest.raises(LookupError):
        await life.finish()
    assert life.sent == [{"type": "lifespan.startup.failed", "message": "LookupError"}]


async def test_startup_base_exception_is_reported_and_reraised(app: Sanic, server: FakeServer) -> None:
    class Stop(BaseException):
        pass

    @app.before_server_start
    async def broken(app: Sanic) -> None:
        raise Stop("halt")

    life = server.lifespan().push({"type": "lifespan.startup"})
    with pytest.raises(Stop):
        await life.finish()
    assert life.sent == [{"type": "lifespan.startup.failed", "message": "Stop: halt"}]


async def test_startup_can_be_retried_after_failure(app: Sanic, server: FakeServer) -> None:
    attempts: list[int] = []

    @app.before_server_start
    async def flaky(app: Sanic) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    failed = server.lifespan().push({"type": "lifespan.startup"})
    with pytest.raises(RuntimeError, match="first attempt fails"):
        await failed.finish()
    assert failed.sent[0]["type"] == "lifespan.startup.failed"
    life = await server.startup()
    assert life.sent == [{"type": "lifespan.startup.complete"}]
    assert (await server.request("GET", "/")).status == 200
    await server.shutdown(life)


async def test_shutdown_failure_reports_the_error_and_runs_the_rest(
    app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    events = record_listeners(app)

    @app.before_server_stop
    async def broken(app: Sanic) -> None:
        raise RuntimeError("flush failed")

    life = await server.startup()
    with pytest.raises(RuntimeError, match="flush failed"):
        await server.shutdown(life)
    assert life.sent[-1] == {"type": "lifespan.shutdown.failed", "message": "RuntimeError: flush failed"}
    # The later listeners still ran, and the app was reset.
    assert events[-2:] == ["after_server_stop", "main_process_stop"]
    assert server.asgi.runtime.state is RuntimeState.STOPPED
    assert "Error during ASGI lifespan shutdown" in caplog.text


async def test_shutdown_base_exception_is_reported_and_reraised(app: Sanic, server: FakeServer) -> None:
    class Stop(BaseException):
        pass

    @app.after_server_stop
    async def broken(app: Sanic) -> None:
        raise Stop()

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    life = await server.startup()
    life.push({"type": "lifespan.shutdown"})
    with pytest.raises(Stop):
        await life.finish()
    assert life.sent[-1] == {"type": "lifespan.shutdown.failed", "message": "Stop"}


@pytest.mark.parametrize(
    ("messages", "state"),
    [
        ([{"type": "lifespan.shutdown"}], "waiting"),
        ([{"type": "lifespan.startup"}, {"type": "lifespan.startup"}], "started"),
        ([{"type": "http.request"}], "waiting"),
        ([{"type": "lifespan.startup"}, {"type": "lifespan.sleep"}], "started"),
        ([{"no": "type"}], "waiting"),
    ],
)
async def test_out_of_order_messages(
    app: Sanic, server: FakeServer, messages: list[dict[str, Any]], state: str
) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    life = server.lifespan().push(*messages)
    with pytest.raises(UnexpectedMessage, match=f"in lifespan state '{state}', got") as info:
        await life.finish()
    expected = "'lifespan.startup'" if state == "waiting" else "'lifespan.shutdown'"
    assert f"expected {expected}" in str(info.value)
    last = messages[-1].get("type") or messages[-1]
    assert repr(last) in str(info.value) or str(last) in str(info.value)


async def test_non_mapping_message(server: FakeServer) -> None:
    life = server.lifespan().push("lifespan.startup")  # type: ignore[arg-type]
    with pytest.raises(UnexpectedMessage, match=r"lifespan\.startup"):
        await life.finish()


async def test_restart_twice(app: Sanic, server: FakeServer) -> None:
    events = record_listeners(app)
    for _ in range(3):
        life = await server.startup()
        assert life.sent == [{"type": "lifespan.startup.complete"}]
        assert (await server.request("GET", "/")).status == 200
        assert await server.shutdown(life) == {"type": "lifespan.shutdown.complete"}
    assert events.count("before_server_start") == 3
    assert events.count("after_server_stop") == 3


async def test_restart_with_a_new_asgi_app(app: Sanic, serve: Any) -> None:
    # A reloader or a test suite may wrap the same Sanic app again.
    record_listeners(app)
    for _ in range(2):
        server = serve(app)
        life = await server.startup()
        assert life.sent == [{"type": "lifespan.startup.complete"}]
        assert (await server.request("GET", "/")).status == 200
        await server.shutdown(life)


async def test_lifespan_state_dict_is_adopted(app: Sanic, server: FakeServer) -> None:
    from sanic_asgi import lifespan_state

    @app.before_server_start
    async def setup(app: Sanic) -> None:
        lifespan_state(app)["ready"] = True

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    state: dict[str, Any] = {}
    life = await server.startup(state=state)
    assert state == {"ready": True}
    await server.shutdown(life)
    # Shutdown forgets it, so a restart starts from a clean slate.
    assert server.asgi.state == {}


async def test_shutdown_drains_requests_in_flight(app: Sanic, serve: Any) -> None:
    release = asyncio.Event()
    events: list[str] = []

    @app.get("/slow")
    async def slow(request: Request) -> Any:
        await release.wait()
        events.append("handler done")
        return response.text("done")

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("still serving")

    @app.after_server_stop
    async def after(app: Sanic) -> None:
        events.append("after_server_stop")

    server = serve(app, graceful_shutdown_timeout=10)
    life = await server.startup()
    slow_conn = server.http("GET", "/slow").push({"type": "http.request"})
    slow_conn.start()
    await wait_for(lambda: server.asgi.runtime.inflight == 1)
    life.push({"type": "lifespan.shutdown"})
    await wait_for(lambda: server.asgi.runtime.state is RuntimeState.DRAINING)
    # While the drain waits, new requests are still served (as open
    # connections are on Sanic's server).
    assert (await server.request("GET", "/")).body == b"still serving"
    release.set()
    await slow_conn.finish()
    assert (await life.next_message()) == {"type": "lifespan.shutdown.complete"}
    await life.finish()
    assert events == ["handler done", "after_server_stop"]
    assert slow_conn.body == b"done"


async def test_shutdown_grace_period_expires(app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    @app.get("/stuck")
    async def stuck(request: Request) -> Any:
        await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test

    server = serve(app, graceful_shutdown_timeout=0.1)
    life = await server.startup()
    conn = server.http("GET", "/stuck").push({"type": "http.request"})
    conn.start()
    await wait_for(lambda: server.asgi.runtime.inflight == 1)
    assert await server.shutdown(life) == {"type": "lifespan.shutdown.complete"}
    assert "still in flight after the 0.1s grace period" in caplog.text
    conn.task.cancel()  # type: ignore[union-attr]
    with pytest.raises(asyncio.CancelledError):
        await conn.task  # type: ignore[misc]


def test_lifespan_failure_is_exported() -> None:
    # LifespanFailure is part of the public tree even though the cycle
    # reports listener errors to the server rather than raising them.
    assert issubclass(LifespanFailure, Exception)
