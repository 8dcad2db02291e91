"""AppRuntime: Sanic's start/stop sequence, settings, drain, background tasks,
and the ``sync_handlers`` option."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import pytest
from sanic import Request, Sanic, response

from sanic_asgi import ASGIApp, ConfigurationError
from sanic_asgi._runtime import AppRuntime, RuntimeState
from sanic_asgi._signals import _on_websocket_handler_exception
from tests.asgi_driver import FakeServer, wait_for

pytestmark = pytest.mark.timeout(20)


def add_index(app: Sanic) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")


async def test_start_and_stop_are_idempotent(app: Sanic) -> None:
    add_index(app)
    runtime = AppRuntime(app)
    assert runtime.state is RuntimeState.STOPPED
    await runtime.stop()  # nothing to stop
    await runtime.start()
    assert runtime.state is RuntimeState.STARTED
    assert runtime.serving
    await runtime.start()  # already started
    await runtime.ensure_started()
    await runtime.stop()
    assert runtime.state is RuntimeState.STOPPED
    assert not runtime.serving
    assert not app.state.is_started


async def test_listener_styles(app: Sanic) -> None:
    calls: list[str] = []

    @app.main_process_start
    def sync_listener(app: Sanic) -> None:
        calls.append("sync")

    @app.main_process_ready
    async def old_style(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        assert loop is asyncio.get_running_loop()
        calls.append("app+loop")

    @app.main_process_stop
    async def async_listener(app: Sanic) -> None:
        calls.append("async")

    add_index(app)
    runtime = AppRuntime(app)
    await runtime.start()
    await runtime.stop()
    assert calls == ["sync", "app+loop", "async"]


async def test_config_set_by_listeners_is_honoured(app: Sanic, server: FakeServer) -> None:
    # Sanic's HttpProtocol reads these per connection, i.e. after every
    # startup listener has run.
    @app.before_server_start
    async def configure(app: Sanic) -> None:
        app.config.REQUEST_MAX_SIZE = 100

    @app.after_server_start
    async def configure_more(app: Sanic) -> None:
        app.config.ACCESS_LOG = True

    @app.post("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    conn = await server.request("POST", "/", b"x" * 101)
    assert conn.status == 413
    assert server.asgi.runtime.access_log is True


async def test_startup_failure_resets_the_app(app: Sanic) -> None:
    add_index(app)
    attempts: list[int] = []

    @app.after_server_start
    async def broken_once(app: Sanic) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("nope")

    runtime = AppRuntime(app)
    with pytest.raises(RuntimeError, match="nope"):
        await runtime.start()
    assert runtime.state is RuntimeState.FAILED
    assert not app.state.is_started
    # start() undid its own work: stop() has nothing to dispatch (the signal
    # router is reset) and only settles the state.
    await runtime.stop()
    assert runtime.state is RuntimeState.STOPPED
    # ...and the app can be started again.
    await runtime.start()
    assert runtime.state is RuntimeState.STARTED
    await runtime.stop()


async def test_restart_outside_test_mode(app: Sanic, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sanic's TouchUp rewrites Sanic's class methods from their source; outside
    # test mode it cannot run twice in a process (the rewritten methods have no
    # source).  Restarts and second apps must start without it, as Sanic's
    # secondary apps do.  (The first start runs in test mode, so that Sanic
    # keeps the original methods for the other tests.)
    add_index(app)
    server = FakeServer(ASGIApp(app))
    life = await server.startup()
    await server.shutdown(life)
    monkeypatch.setattr(Sanic, "test_mode", False)
    for _ in range(2):
        life = await server.startup()
        assert life.sent == [{"type": "lifespan.startup.complete"}]
        assert (await server.request("GET", "/")).status == 200
        await server.shutdown(life)
    assert app.state.primary is True


async def test_failure_before_router_finalization(app: Sanic) -> None:
    add_index(app)

    @app.main_process_start
    async def broken(app: Sanic) -> None:
        raise RuntimeError("too early")

    runtime = AppRuntime(app)
    with pytest.raises(RuntimeError, match="too early"):
        await runtime.start()
    assert runtime.state is RuntimeState.FAILED


@pytest.mark.parametrize(
    ("env", "warns"),
    [({"WEB_CONCURRENCY": "4"}, True), ({"WEB_CONCURRENCY": "1"}, False), ({"WEB_CONCURRENCY": "many"}, False)],
)
async def test_main_process_listeners_warn_under_several_workers(
    app: Sanic, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, env: dict[str, str], warns: bool
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    @app.main_process_start
    async def once(app: Sanic) -> None:
        pass

    add_index(app)
    runtime = AppRuntime(app)
    await runtime.start()
    await runtime.stop()
    assert ("run once per worker under ASGI" in caplog.text) is warns


@pytest.mark.parametrize("hint", ["multiprocessing", "gunicorn"])
async def test_worker_warning_from_process_hints(
    app: Sanic, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, hint: str
) -> None:
    import multiprocessing
    import sys

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    if hint == "multiprocessing":
        monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    else:
        monkeypatch.setitem(sys.modules, "gunicorn.arbiter", object())  # type: ignore[arg-type]

    @app.main_process_stop
    async def once(app: Sanic) -> None:
        pass

    add_index(app)
    runtime = AppRuntime(app)
    await runtime.start()
    await runtime.stop()
    assert "main_process_stop listener(s)" in caplog.text


async def test_no_worker_warning_without_main_process_listeners(
    app: Sanic, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    add_index(app)
    runtime = AppRuntime(app)
    await runtime.start()
    await runtime.stop()
    assert "run once per worker" not in caplog.text


async def test_signal_handler_installed_once_across_restarts(app: Sanic, server: FakeServer) -> None:
    @app.websocket("/ws")
    async def ws_handler(request: Request, ws: Any) -> None:
        raise ValueError("fails")

    for _ in range(2):
        life = await server.startup()
        conn = server.websocket("/ws")
        await conn.finish()
        assert conn.sent[-1]["code"] == 1011
        await server.shutdown(life)
    registered = [getattr(s, "handler", None) for s in getattr(app, "_future_signals", ())]
    assert registered.count(_on_websocket_handler_exception) == 1


async def test_drain_with_nothing_in_flight_is_immediate(app: Sanic) -> None:
    runtime = AppRuntime(app, graceful_shutdown_timeout=30)
    await asyncio.wait_for(runtime.drain(), 5)


# --------------------------------------------------------------------------- #
# Background tasks (app.add_task) on shutdown
# --------------------------------------------------------------------------- #
async def test_background_task_finishing_within_grace_period(app: Sanic, serve: Any) -> None:
    done: list[str] = []

    async def job() -> None:
        await asyncio.sleep(0.05)  # a job still running at shutdown: the behaviour under test
        done.append("job")

    @app.after_server_start
    async def schedule(app: Sanic) -> None:
        app.add_task(job(), name="quick_job")

    add_index(app)
    server = serve(app, graceful_shutdown_timeout=10)
    life = await server.startup()
    assert [t.get_name() for t in server.asgi.background_tasks] == ["quick_job"]
    assert await server.shutdown(life) == {"type": "lifespan.shutdown.complete"}
    assert done == ["job"]
    assert server.asgi.background_tasks == []


async def test_background_task_cancelled_after_grace_period(
    app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    @app.after_server_start
    async def schedule(app: Sanic) -> None:
        app.add_task(forever())  # unnamed: found through the loop

    add_index(app)
    server = serve(app, graceful_shutdown_timeout=0.1)
    life = await server.startup()
    await asyncio.sleep(0)
    assert len(server.asgi.background_tasks) == 1
    assert await server.shutdown(life) == {"type": "lifespan.shutdown.complete"}
    assert events == ["cancelled"]
    assert "Cancelling 1 background task(s)" in caplog.text


async def test_zero_grace_period_cancels_at_once(app: Sanic, serve: Any) -> None:
    @app.after_server_start
    async def schedule(app: Sanic) -> None:
        app.add_task(asyncio.sleep(30), name="sleeper")  # still running at shutdown: cancelled at once

    add_index(app)
    server = serve(app, graceful_shutdown_timeout=0)
    life = await server.startup()
    await server.shutdown(life)
    assert server.asgi.background_tasks == []


# --------------------------------------------------------------------------- #
# sync_handlers
# --------------------------------------------------------------------------- #
def test_bad_sync_handlers_mode(app: Sanic) -> None:
    with pytest.raises(ConfigurationError, match="sync_handlers must be 'loop' or 'thread'; got 'process'"):
        ASGIApp(app, sync_handlers="process")  # type: ignore[arg-type]


@pytest.mark.parametrize(("mode", "in_main"), [("loop", True), ("thread", False)])
async def test_sync_handlers(app: Sanic, serve: Any, mode: str, in_main: bool) -> None:
    seen: list[Any] = []

    @app.get("/sync")
    def sync_handler(request: Request) -> Any:
        seen.append(threading.current_thread() is threading.main_thread())
        seen.append(Request.get_current() is request)
        return response.text("sync")

    @app.get("/async")
    async def async_handler(request: Request) -> Any:
        seen.append(threading.current_thread() is threading.main_thread())
        return response.text("async")

    server = serve(app, sync_handlers=mode)
    assert (await server.request("GET", "/sync")).body == b"sync"
    assert (await server.request("GET", "/async")).body == b"async"
    assert seen == [in_main, True, True]


async def test_thread_mode_leaves_the_route_handler_alone_across_starts(app: Sanic, serve: Any) -> None:
    @app.get("/sync")
    def sync_handler(request: Request) -> Any:
        on_loop = threading.current_thread() is threading.main_thread()
        return response.json({"same": request.route.handler is sync_handler, "on_loop": on_loop})

    def route_handler() -> Any:
        return next(r.handler for r in app.router.routes if r.name == f"{app.name}.sync_handler")

    server = serve(app, sync_handlers="thread")
    for _ in range(2):
        life = await server.startup()
        assert route_handler() is sync_handler
        assert json.loads((await server.request("GET", "/sync")).body) == {"same": True, "on_loop": False}
        await server.shutdown(life)
        assert route_handler() is sync_handler


async def test_blocking_sync_handler_does_not_stall_the_loop(app: Sanic, serve: Any) -> None:
    release = threading.Event()

    @app.get("/block")
    def block(request: Request) -> Any:
        release.wait(10)
        return response.text("unblocked")

    @app.get("/ping")
    async def ping(request: Request) -> Any:
        return response.text("pong")

    server = serve(app, sync_handlers="thread")
    blocked = server.http("GET", "/block").push({"type": "http.request"})
    blocked.start()
    await wait_for(lambda: server.asgi.runtime.inflight == 1)
    assert (await server.request("GET", "/ping")).body == b"pong"
    release.set()
    await blocked.finish()
    assert blocked.body == b"unblocked"


async def test_logging_to_caplog_works(app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    # Guard for the other tests: Sanic's loggers propagate to the root logger.
    add_index(app)
    with caplog.at_level(logging.INFO, logger="sanic_asgi"):
        await server.request("GET", "/")
    assert "starting" in caplog.text


async def test_thread_mode_leaves_views_and_async_callables_alone(app: Sanic, serve: Any) -> None:
    from sanic.views import HTTPMethodView

    class ItemView(HTTPMethodView):
        def get(self, request: Request) -> Any:
            return response.text(str(threading.current_thread() is threading.main_thread()))

    class AsyncCallable:
        async def __call__(self, request: Request) -> Any:
            return response.text("callable")

    app.add_route(ItemView.as_view(), "/view")
    app.add_route(AsyncCallable(), "/callable", name="callable")

    @app.get("/returns-coroutine")
    def returns_coroutine(request: Request) -> Any:
        async def later() -> Any:
            return response.text("awaited")

        return later()

    server = serve(app, sync_handlers="thread")
    # Class-based views decide for themselves: their sync methods stay on the loop.
    assert (await server.request("GET", "/view")).body == b"True"
    assert (await server.request("GET", "/callable")).body == b"callable"
    assert (await server.request("GET", "/returns-coroutine")).body == b"awaited"


async def test_sanic_extensions_load_before_main_process_start(app: Sanic, serve: Any) -> None:
    # Sanic.serve() (22.12+) runs setup_ext(app) before main_process_start, so
    # sanic-ext's own main-process listeners run on the first start too.
    pytest.importorskip("sanic_ext")
    seen: list[bool] = []

    @app.main_process_start
    def loaded(app: Sanic) -> None:
        seen.append(getattr(app, "_ext", None) is not None)

    server = serve(app)
    life = await server.startup()
    await server.shutdown(life)
    assert seen == [True]


# --------------------------------------------------------------------------- #
# One state (RuntimeState and its diagram)
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("lifespan", [True, False], ids=["lifespan", "lazy"])
async def test_the_state_listeners_run_in(app: Sanic, server: FakeServer, lifespan: bool) -> None:
    seen: list[tuple[str, RuntimeState, bool]] = []
    runtime = server.asgi.runtime

    def note(event: str) -> None:
        seen.append((event, runtime.state, runtime.serving))

    @app.before_server_start
    async def before_start(app: Sanic) -> None:
        note("before_server_start")

    @app.before_server_stop
    async def before_stop(app: Sanic) -> None:
        note("before_server_stop")

    @app.after_server_stop
    async def after_stop(app: Sanic) -> None:
        note("after_server_stop")

    add_index(app)
    if lifespan:
        life = await server.startup()
        assert (await server.request("GET", "/")).status == 200
        note("served")
        await server.shutdown(life)
    else:
        assert (await server.request("GET", "/")).status == 200
        note("served")
        await runtime.stop()
    note("stopped")
    assert seen == [
        ("before_server_start", RuntimeState.STARTING if lifespan else RuntimeState.STARTING_LAZILY, False),
        ("served", RuntimeState.STARTED, True),
        ("before_server_stop", RuntimeState.DRAINING, True),
        ("after_server_stop", RuntimeState.STOPPING, False),
        ("stopped", RuntimeState.STOPPED, False),
    ]


async def test_startup_error_is_kept_until_a_good_start(app: Sanic) -> None:
    fail = [True]

    @app.before_server_start
    async def flaky(app: Sanic) -> None:
        if fail[0]:
            raise RuntimeError("no database")

    runtime = AppRuntime(app)
    with pytest.raises(RuntimeError, match="no database"):
        await runtime.start()
    assert runtime.state is RuntimeState.FAILED
    assert isinstance(runtime.startup_error, RuntimeError)
    await runtime.stop()
    assert runtime.state is RuntimeState.STOPPED
    fail[0] = False
    await runtime.start()
    assert runtime.startup_error is None
    await runtime.stop()
