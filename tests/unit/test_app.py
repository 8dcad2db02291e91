"""ASGIApp: options, scope dispatch, lazy start, lifespan modes, lifespan_state()."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sanic import Request, Sanic, response

import sanic_asgi
from sanic_asgi import ASGIApp, ConfigurationError, MalformedScope, UnsupportedScope, lifespan_state
from sanic_asgi._runtime import RuntimeState
from tests.asgi_driver import FakeServer, wait_for

pytestmark = pytest.mark.timeout(20)


def add_index(app: Sanic) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")


# --------------------------------------------------------------------------- #
# Options
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("mode", ["auto", "on", "off"])
def test_lifespan_modes_accepted(app: Sanic, mode: str) -> None:
    asgi = ASGIApp(app, lifespan=mode)  # type: ignore[arg-type]
    assert asgi.lifespan == mode
    assert repr(asgi) == f"ASGIApp({app.name!r}, lifespan={mode!r})"


@pytest.mark.parametrize("mode", ["true", "", None, True, "ON"])
def test_bad_lifespan_mode(app: Sanic, mode: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"lifespan must be one of 'auto', 'on', 'off'; got") as info:
        ASGIApp(app, lifespan=mode)
    assert repr(mode) in str(info.value)


@pytest.mark.parametrize("timeout", [0, 0.5, 15])
def test_graceful_shutdown_timeout_accepted(app: Sanic, timeout: float) -> None:
    asgi = ASGIApp(app, graceful_shutdown_timeout=timeout)
    assert asgi.runtime.graceful_shutdown_timeout == timeout


def test_graceful_shutdown_timeout_defaults_to_config(app: Sanic) -> None:
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 7
    assert ASGIApp(app).runtime.graceful_shutdown_timeout == 7.0


@pytest.mark.parametrize("timeout", [-1, "5", True, [], object()])
def test_bad_graceful_shutdown_timeout(app: Sanic, timeout: Any) -> None:
    with pytest.raises(ConfigurationError, match="graceful_shutdown_timeout must be a number of seconds >= 0"):
        ASGIApp(app, graceful_shutdown_timeout=timeout)


@pytest.mark.parametrize("thing", [object(), None, "app", lambda scope, receive, send: None])
def test_not_a_sanic_app(thing: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"ASGIApp expects a sanic\.Sanic application, got \w+"):
        ASGIApp(thing)


def test_configuration_error_is_a_value_error(app: Sanic) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the base class is the point
        ASGIApp(app, lifespan="maybe")  # type: ignore[arg-type]


def test_public_names() -> None:
    for name in sanic_asgi.__all__:
        assert getattr(sanic_asgi, name) is not None
    assert isinstance(sanic_asgi.__version__, str)


# --------------------------------------------------------------------------- #
# Scope dispatch
# --------------------------------------------------------------------------- #
async def _noop_receive() -> dict[str, Any]:
    raise AssertionError("receive() must not be called")


async def _noop_send(message: Any) -> None:
    raise AssertionError(f"send() must not be called: {message!r}")


@pytest.mark.parametrize("kind", ["webtransport", "HTTP", "", None, ["http"], {"http": 1}])
@pytest.mark.parametrize("started", [False, True], ids=["stopped", "started"])
async def test_unsupported_scope_type(server: FakeServer, kind: Any, started: bool) -> None:
    # Started with the server's state, a scope takes the direct path to its cycle.
    life = await server.startup(state={}) if started else None
    with pytest.raises(UnsupportedScope, match="'http', 'websocket' and 'lifespan'") as info:
        await server.asgi({"type": kind}, _noop_receive, _noop_send)
    assert repr(kind) in str(info.value)
    if life is not None:
        await server.shutdown(life)


@pytest.mark.parametrize("scope", [{}, {"method": "GET", "path": "/"}, None, "http", 42])
async def test_scope_without_type(server: FakeServer, scope: Any) -> None:
    with pytest.raises(MalformedScope, match="expected a scope mapping with a 'type' key, got") as info:
        await server.asgi(scope, _noop_receive, _noop_send)
    assert repr(scope)[:20] in str(info.value)


async def test_scope_errors_are_protocol_errors(server: FakeServer) -> None:
    with pytest.raises(sanic_asgi.ProtocolError):
        await server.asgi({"type": "mystery"}, _noop_receive, _noop_send)


# --------------------------------------------------------------------------- #
# Lazy start (servers without lifespan) and lifespan modes
# --------------------------------------------------------------------------- #
async def test_lazy_start_runs_listeners_before_first_request(app: Sanic, server: FakeServer) -> None:
    events: list[str] = []

    @app.before_server_start
    async def before(app: Sanic) -> None:
        events.append("before_server_start")

    @app.after_server_start
    async def after(app: Sanic) -> None:
        events.append("after_server_start")

    @app.get("/")
    async def index(request: Request) -> Any:
        events.append("handler")
        return response.text("ok")

    await server.request("GET", "/")
    await server.request("GET", "/")
    assert events == ["before_server_start", "after_server_start", "handler", "handler"]
    assert server.asgi.runtime.state is RuntimeState.STARTED


async def test_lazy_start_happens_once_under_concurrent_first_requests(app: Sanic, server: FakeServer) -> None:
    starts: list[int] = []

    @app.before_server_start
    async def slow_start(app: Sanic) -> None:
        starts.append(1)
        await asyncio.sleep(0.05)  # let the other requests pile up behind us

    add_index(app)
    conns = [server.http("GET", "/").push({"type": "http.request"}) for _ in range(8)]
    for conn in conns:
        conn.start()
    for conn in conns:
        await conn.finish()
    assert starts == [1]
    assert [conn.status for conn in conns] == [200] * len(conns)


async def test_lazy_start_failure_answers_503_and_logs(
    app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    @app.before_server_start
    async def broken(app: Sanic) -> None:
        raise RuntimeError("database is down")

    add_index(app)
    conn = await server.request("GET", "/")
    assert conn.status == 503
    assert conn.body == b"Service Unavailable"
    assert "failed to start; answering 503" in caplog.text
    assert "database is down" in caplog.text


async def test_lazy_start_failure_closes_websocket_1011(app: Sanic, server: FakeServer) -> None:
    @app.before_server_start
    async def broken(app: Sanic) -> None:
        raise RuntimeError("database is down")

    @app.websocket("/ws")
    async def ws_handler(request: Request, ws: Any) -> None:
        await ws.send("never")

    conn = server.websocket("/ws")
    await conn.finish()
    assert conn.sent == [{"type": "websocket.close", "code": 1011, "reason": "Service Unavailable"}]


async def test_lifespan_on_refuses_requests_without_startup(
    app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    add_index(app)

    @app.websocket("/ws")
    async def ws_handler(request: Request, ws: Any) -> None:
        await ws.send("never")

    server = serve(app, lifespan="on")
    conn = await server.request("GET", "/")
    assert conn.status == 503
    assert "lifespan='on'" in caplog.text
    ws = server.websocket("/ws")
    await ws.finish()
    assert ws.ws.close_code == 1011
    assert server.asgi.runtime.state is RuntimeState.STOPPED


async def test_lifespan_on_serves_after_startup(app: Sanic, serve: Any) -> None:
    add_index(app)
    server = serve(app, lifespan="on")
    life = await server.startup()
    assert life.sent[-1]["type"] == "lifespan.startup.complete"
    conn = await server.request("GET", "/")
    assert conn.status == 200
    await server.shutdown(life)


async def test_lifespan_off_ignores_lifespan_and_starts_lazily(app: Sanic, serve: Any) -> None:
    events: list[str] = []

    @app.before_server_start
    async def before(app: Sanic) -> None:
        events.append("start")

    add_index(app)
    server = serve(app, lifespan="off")
    life = server.lifespan()
    await life.finish()
    # Returned at once, without a message and without reading one.
    assert life.sent == []
    assert life.receive_calls == 0
    assert events == []
    assert (await server.request("GET", "/")).status == 200
    assert events == ["start"]


async def test_requests_during_lifespan_startup_get_503(app: Sanic, server: FakeServer) -> None:
    release = asyncio.Event()

    @app.before_server_start
    async def slow(app: Sanic) -> None:
        await release.wait()

    add_index(app)
    life = server.lifespan().push({"type": "lifespan.startup"})
    life.start()
    await wait_for(lambda: server.asgi.runtime.state is RuntimeState.STARTING)
    conn = await server.request("GET", "/")
    assert conn.status == 503
    release.set()
    assert (await life.next_message())["type"] == "lifespan.startup.complete"
    assert (await server.request("GET", "/")).status == 200
    await server.shutdown(life)


# --------------------------------------------------------------------------- #
# lifespan_state()
# --------------------------------------------------------------------------- #
async def test_lifespan_state_from_app_and_request_under_lifespan(app: Sanic, server: FakeServer) -> None:
    seen: list[Any] = []

    @app.before_server_start
    async def setup(app: Sanic) -> None:
        lifespan_state(app)["pool"] = "the pool"

    @app.get("/")
    async def index(request: Request) -> Any:
        seen.append(lifespan_state(request))
        return response.text(lifespan_state(request)["pool"])

    state: dict[str, Any] = {}
    life = await server.startup(state=state)
    assert server.asgi.state is state
    # The server copies the state into every request scope (a shallow copy).
    conn = await server.request("GET", "/", state=dict(state))
    assert conn.body == b"the pool"
    assert seen[0] == {"pool": "the pool"}
    await server.shutdown(life)


async def test_lifespan_state_without_lifespan(app: Sanic, server: FakeServer) -> None:
    @app.before_server_start
    async def setup(app: Sanic) -> None:
        lifespan_state(app)["answer"] = 42

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.json(lifespan_state(request))

    conn = await server.request("GET", "/")
    assert conn.body == b'{"answer":42}'


def test_lifespan_state_of_an_app_not_served_is_its_ctx(app: Sanic) -> None:
    other = Sanic(app.name + "_other")
    lifespan_state(other)["pool"] = "the pool"
    assert other.ctx.pool == "the pool"
    assert lifespan_state(other) is vars(other.ctx)


def test_lifespan_state_of_a_request_not_served_by_the_adapter_is_its_apps_ctx() -> None:
    other = Sanic("lifespan_state_foreign")
    request = Request(b"/", {}, "1.1", "GET", None, other)  # type: ignore[arg-type]
    assert lifespan_state(request) is vars(other.ctx)


def test_lifespan_state_without_a_ctx_namespace_says_what_to_do() -> None:
    class Slotted:
        __slots__ = ()

    other = Sanic("lifespan_state_slotted", ctx=Slotted())
    with pytest.raises(LookupError, match=r"is not served by a sanic_asgi\.ASGIApp and has no app\.ctx namespace"):
        lifespan_state(other)


def test_lifespan_state_on_sanics_own_server() -> None:
    # The same listener and handler on Sanic's own server (sanic-testing runs it on a socket).
    pytest.importorskip("sanic_testing")
    app = Sanic("lifespan_state_sanic_server")

    @app.before_server_start
    async def open_pool(app: Sanic) -> None:
        lifespan_state(app)["pool"] = "the pool"

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text(lifespan_state(request)["pool"])

    _, answer = app.test_client.get("/")
    assert answer.status == 200
    assert answer.text == "the pool"


async def test_lazy_start_logs_once(app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    add_index(app)
    with caplog.at_level(logging.INFO, logger="sanic_asgi"):
        await server.request("GET", "/")
        await server.request("GET", "/")
    assert caplog.text.count("No lifespan startup seen; starting") == 1


# --------------------------------------------------------------------------- #
# One Sanic app, two ASGIApp objects
# --------------------------------------------------------------------------- #
async def test_a_second_asgiapp_serving_the_same_app_is_a_configuration_error(
    app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    starts: list[str] = []

    @app.before_server_start
    async def started(app: Sanic) -> None:
        starts.append("start")

    add_index(app)
    first, second = serve(app), serve(app)
    assert (await first.request("GET", "/")).status == 200
    caplog.clear()
    conn = await second.request("GET", "/")
    # A clear message, without a traceback, and a plain 500: not the 503 and
    # FinalizationError traceback of starting the app a second time.
    assert (conn.status, conn.body) == (500, b"Internal Server Error")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is None
    message = errors[0].getMessage()
    assert f"Sanic app {app.name!r} is already served by another sanic_asgi.ASGIApp" in message
    assert "Create ASGIApp(app) once" in message
    # The first one is untouched: it still serves, its listeners ran once.
    assert second.asgi.runtime.state is RuntimeState.STOPPED
    assert (await first.request("GET", "/")).status == 200
    assert starts == ["start"]
    # Once the first has stopped, the second may serve the app.
    await first.asgi.runtime.stop()
    assert (await second.request("GET", "/")).status == 200
    assert starts == ["start", "start"]


async def test_a_second_asgiapp_fails_its_lifespan_startup_with_the_reason(app: Sanic, serve: Any) -> None:
    add_index(app)
    first, second = serve(app), serve(app)
    life = await first.startup()
    failed = second.lifespan().push({"type": "lifespan.startup"})
    with pytest.raises(ConfigurationError, match=r"already served by another sanic_asgi\.ASGIApp"):
        await failed.finish()
    assert failed.sent[-1]["type"] == "lifespan.startup.failed"
    assert "ConfigurationError: Sanic app" in failed.sent[-1]["message"]
    assert (await first.request("GET", "/")).status == 200
    await first.shutdown(life)


async def test_two_asgiapps_for_one_app_answer_lifespan_state_for_their_own(app: Sanic, serve: Any) -> None:
    answers: list[Any] = []

    @app.before_server_start
    async def setup(app: Sanic) -> None:
        answers.append(lifespan_state(app))

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.json({"app": lifespan_state(request.app), "request": lifespan_state(request)})

    first, second = serve(app), serve(app)  # the second built last
    first_state: dict[str, Any] = {"server": "first"}
    life = await first.startup(state=first_state)
    assert answers == [first_state]
    assert lifespan_state(app) is first_state
    conn = await first.request("GET", "/", state=dict(first_state))
    assert conn.body == b'{"app":{"server":"first"},"request":{"server":"first"}}'
    await first.shutdown(life)
    # Served by none now: the app's own namespace, not a runtime's leftover dict.
    assert lifespan_state(app) is vars(app.ctx)
    second_state: dict[str, Any] = {"server": "second"}
    life = await second.startup(state=second_state)
    assert answers == [first_state, second_state]
    assert lifespan_state(app) is second_state
    assert first.asgi.state == {}
    assert second.asgi.state is second_state
    await second.shutdown(life)


@pytest.mark.parametrize("lifespan", [True, False], ids=["lifespan", "lazy"])
async def test_an_asgiapp_and_its_app_are_collected_after_use(lifespan: bool) -> None:
    import gc
    import weakref

    from sanic.router import Router

    class Marker:
        pass

    app = Sanic(f"collected_{'lifespan' if lifespan else 'lazy'}")
    # Sanic Extensions' OpenAPI store is a process-wide singleton that keeps
    # every app's handlers, on Sanic's own server too.
    app.config.AUTO_EXTEND = False
    add_index(app)
    marker = Marker()
    app.ctx.marker = marker  # Sanic apps cannot be weakly referenced; their ctx's contents can
    asgi = ASGIApp(app)
    server = FakeServer(asgi)
    life = await server.startup() if lifespan else None
    assert (await server.request("GET", "/")).status == 200
    if life is not None:
        await server.shutdown(life)
    # Lazily started and never stopped: the server just went away.
    refs = weakref.ref(asgi), weakref.ref(marker)
    # What Sanic keeps of every app, on its own server too: its registry of
    # app names and Router.get's lru_cache (keyed by router).
    Sanic.unregister_app(app)
    Router.get.cache_clear()  # type: ignore[attr-defined]
    del app, asgi, server, life, marker
    gc.collect()
    assert [ref() for ref in refs] == [None, None]
