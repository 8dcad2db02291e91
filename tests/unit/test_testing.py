"""sanic_asgi.testing: TestClient, AsyncTestClient, LifespanDriver, ASGIWebSocket,
and the sanic-testing compatible SanicTestClient / SanicASGITestClient."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import httpx
import pytest
from sanic import Request, Sanic, Websocket, response
from sanic.response import ResponseStream
from websockets.exceptions import InvalidStatus

from sanic_asgi import ASGIApp, lifespan_state
from sanic_asgi.testing import (
    AsyncTestClient,
    LifespanDriver,
    SanicASGITestClient,
    SanicTestClient,
    TestClient,
    TestingResponse,
    free_port,
)
from sanic_asgi.testing._servers import ServerLikeASGITransport

REAL_SERVERS = [
    pytest.param(name, marks=pytest.mark.skipif(importlib.util.find_spec(name) is None, reason=f"{name} missing"))
    for name in ("uvicorn", "hypercorn")
]
ALL_SERVERS = [pytest.param("inprocess"), *REAL_SERVERS]


class ListenerFailed(Exception):
    pass


def build(app: Sanic[Any, Any], events: list[str] | None = None) -> Sanic[Any, Any]:
    """Routes and listeners most tests use."""
    record = events if events is not None else []

    @app.before_server_start
    async def before(app: Sanic[Any, Any]) -> None:
        record.append("before_server_start")

    @app.after_server_stop
    async def after(app: Sanic[Any, Any]) -> None:
        record.append("after_server_stop")

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.json({"path": request.path, "args": dict(request.args), "debug": request.app.debug})

    @app.post("/echo")
    async def echo(request: Request) -> Any:
        return response.raw(request.body, content_type="application/octet-stream")

    @app.get("/host")
    async def host(request: Request) -> Any:
        return response.text(request.host)

    @app.get("/stream")
    async def stream(request: Request) -> Any:
        async def write(r: Any) -> None:
            await r.write("a")
            await r.write("b")

        return ResponseStream(write, content_type="text/plain")

    @app.websocket("/ws")
    async def ws_echo(request: Request, ws: Websocket) -> None:
        async for message in ws:
            await ws.send(message)

    return app


# --------------------------------------------------------------------------- #
# TestClient (Starlette's) and AsyncTestClient
# --------------------------------------------------------------------------- #
def test_test_client_runs_lifespan_http_and_websocket(app: Sanic[Any, Any]) -> None:
    events: list[str] = []
    build(app, events)
    with TestClient(app) as client:
        assert isinstance(client.asgi, ASGIApp)
        assert events == ["before_server_start"]
        reply = client.get("/", params={"q": "1"})
        assert reply.status_code == 200
        assert reply.json() == {"path": "/", "args": {"q": ["1"]}, "debug": False}
        with client.websocket_connect("/ws") as ws:
            ws.send_text("hello")
            assert ws.receive_text() == "hello"
    assert events == ["before_server_start", "after_server_stop"]


def test_test_client_takes_any_asgi_app(app: Sanic[Any, Any]) -> None:
    asgi = ASGIApp(build(app))
    with TestClient(asgi) as client:
        assert client.asgi is asgi
        assert client.post("/echo", content=b"xyz").content == b"xyz"


async def test_async_test_client(app: Sanic[Any, Any]) -> None:
    events: list[str] = []
    build(app, events)

    @app.before_server_start
    async def put_state(app: Sanic[Any, Any]) -> None:
        lifespan_state(app)["greeting"] = "hi"

    @app.get("/state")
    async def state(request: Request) -> Any:
        return response.text(lifespan_state(request)["greeting"])

    async with AsyncTestClient(app) as client:
        assert events == ["before_server_start"]
        assert (await client.get("/state")).text == "hi"
        assert client.state["greeting"] == "hi"
        reply = await client.get("/stream")
        assert reply.text == "ab"
        async with client.websocket_connect("/ws") as ws:
            await ws.send("one")
            assert await ws.recv() == "one"
            await ws.send(b"two")
            assert await ws.recv() == b"two"
    assert events == ["before_server_start", "after_server_stop"]


async def test_async_test_client_websocket_refused(app: Sanic[Any, Any]) -> None:
    build(app)
    async with AsyncTestClient(app) as client:
        with pytest.raises(InvalidStatus) as refused:
            async with client.websocket_connect("/no-such-route"):
                pass
    assert refused.value.response.status_code == 404


async def test_async_test_client_lifespan_off_starts_lazily(app: Sanic[Any, Any]) -> None:
    events: list[str] = []
    build(app, events)
    async with AsyncTestClient(app, lifespan="off") as client:
        assert events == []
        assert (await client.get("/")).status_code == 200
        assert events == ["before_server_start"]
    await client.asgi.runtime.stop()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- #
# LifespanDriver
# --------------------------------------------------------------------------- #
async def test_lifespan_driver_raises_the_listener_error(app: Sanic[Any, Any]) -> None:
    @app.before_server_start
    async def broken(app: Sanic[Any, Any]) -> None:
        raise ListenerFailed("no database")

    with pytest.raises(ListenerFailed, match="no database"):
        async with LifespanDriver(ASGIApp(app)):
            pass


async def test_lifespan_driver_without_lifespan_support() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None  # returns at once: lifespan not supported

    async with LifespanDriver(app) as driver:
        assert driver.supported is False


# --------------------------------------------------------------------------- #
# ServerLikeASGITransport: what a server answers when the app raises
# --------------------------------------------------------------------------- #
async def test_app_error_before_response_is_a_500() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async with httpx.AsyncClient(transport=ServerLikeASGITransport(app), base_url="http://test") as client:
        assert (await client.get("/")).status_code == 500


async def test_app_error_after_response_start_drops_the_connection() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
        await send({"type": "http.response.body", "body": b"12345", "more_body": True})
        raise RuntimeError("boom")

    async with httpx.AsyncClient(transport=ServerLikeASGITransport(app), base_url="http://test") as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/")


# --------------------------------------------------------------------------- #
# SanicTestClient: sanic-testing's call shapes
# --------------------------------------------------------------------------- #
@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", ALL_SERVERS)
def test_sanic_test_client_call_shapes(app: Sanic[Any, Any], server: str) -> None:
    events: list[str] = []
    client = SanicTestClient(build(app, events), server=server)

    request, reply = client.get("/", params={"a": "b"})
    assert isinstance(request, Request)
    assert request.args == {"a": ["b"]}
    assert isinstance(reply, TestingResponse)
    assert reply.status == reply.status_code == 200
    assert reply.json == {"path": "/", "args": {"a": ["b"]}, "debug": False}
    assert reply.content_type == "application/json"
    assert events == ["before_server_start", "after_server_stop"]  # one start/stop per call

    request, reply = client.post("/echo", content=b"body", gather_request=False)
    assert request is None
    assert reply.body == b"body"

    _, reply = client.get("/", debug=True)
    assert reply.json["debug"] is True

    _, reply = client.get("/stream")
    assert reply.text == "ab"
    assert reply.headers["transfer-encoding"] == "chunked"

    _, reply = client.request("/echo", http_method="post", content=b"via request()")
    assert reply.body == b"via request()"

    async def talk(ws: Any) -> None:
        await ws.send("one")
        await ws.recv()
        await ws.send("two")
        await ws.recv()

    _, proxy = client.websocket("/ws", mimic=talk)
    assert proxy.opened is True
    assert proxy.client_sent == ["one", "two", ""]
    assert proxy.client_received == ["one", "two"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", ALL_SERVERS)
def test_sanic_test_client_raises_startup_errors(app: Sanic[Any, Any], server: str) -> None:
    build(app)

    @app.before_server_start
    async def broken(app: Sanic[Any, Any]) -> None:
        raise ListenerFailed("no database")

    with pytest.raises(ListenerFailed, match="no database"):
        SanicTestClient(app, server=server).get("/")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", REAL_SERVERS)
def test_sanic_test_client_fixed_port_is_only_named(app: Sanic[Any, Any], server: str) -> None:
    # The port is named in URLs and the Host header; the server itself is
    # bound to a free port, so tests never compete for a fixed one.
    port = free_port()
    client = SanicTestClient(build(app), port=port, server=server)
    request, reply = client.get("/host")
    assert reply.text == f"127.0.0.1:{port}"
    assert request is not None
    assert request.transport.scope["server"][0] == "127.0.0.1"  # served on a real socket


def test_sanic_test_client_works_inside_a_running_loop(app: Sanic[Any, Any]) -> None:
    client = SanicTestClient(build(app))

    async def inside() -> Any:
        return client.get("/")  # sync call from a coroutine: served from a worker thread

    _, reply = asyncio.run(inside())
    assert reply.status == 200


def test_sanic_test_client_rejects_unknown_servers(app: Sanic[Any, Any]) -> None:
    with pytest.raises(ValueError, match="server must be one of"):
        SanicTestClient(app, server="gunicorn")


# --------------------------------------------------------------------------- #
# SanicASGITestClient
# --------------------------------------------------------------------------- #
@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", ALL_SERVERS)
async def test_sanic_asgi_test_client(app: Sanic[Any, Any], server: str) -> None:
    events: list[str] = []
    build(app, events)

    @app.get("/cookie")
    async def cookie(request: Request) -> Any:
        reply = response.text("ok")
        reply.add_cookie("flavour", "oat")
        return reply

    before = Sanic.__dict__["__call__"]
    client = SanicASGITestClient(app, server=server)
    request, reply = await client.get("/host")
    assert isinstance(request, Request)
    assert reply.text == "mockserver:1234"  # the Host of sanic-testing's base URL, on every server
    assert events == ["before_server_start", "after_server_stop"]

    _, reply = await client.get("/cookie")
    assert [(c.name, c.domain) for c in reply.cookies.jar] == [("flavour", "mockserver.local")]

    async def talk(ws: Any) -> None:
        await ws.send("ping")
        await ws.recv()

    _, proxy = await client.websocket("/ws", mimic=talk)
    assert proxy.client_received == ["ping"]
    assert proxy["opened"] is True  # sanic-testing's ASGI client returns {"opened": True}
    assert Sanic.__dict__["__call__"] is before  # Sanic itself is not patched


# --------------------------------------------------------------------------- #
# Adapter behaviour seen through the clients
# --------------------------------------------------------------------------- #
@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", ALL_SERVERS)
def test_websocket_access_log_lines(app: Sanic[Any, Any], server: str, caplog: pytest.LogCaptureFixture) -> None:
    # Sanic's WebSocketProtocol.log_websocket: OPEN after the handshake, CLOSE
    # with the code of the side that closed first.
    app.config.ACCESS_LOG = True

    @app.websocket("/once")
    async def once(request: Request, ws: Websocket) -> None:
        await ws.send(await ws.recv())

    async def talk(ws: Any) -> None:
        await ws.send("x")
        await ws.recv()

    with caplog.at_level("INFO", logger="sanic.access"):
        SanicTestClient(app, server=server).websocket("/once", mimic=talk)
    lines = [(r.getMessage(), r.status, r.byte, r.request) for r in caplog.records if r.name == "sanic.access"]
    assert [line[:3] for line in lines] == [("OPEN", "", ""), ("CLOSE", 1000, "NORMAL from server")]
    assert lines[0][3].endswith("/once")


# --------------------------------------------------------------------------- #
# What the clients print, and ReusableClient
# --------------------------------------------------------------------------- #
@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", ALL_SERVERS)
def test_no_server_banner_in_process(app: Sanic[Any, Any], server: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="sanic.root"):
        _, reply = SanicTestClient(build(app), server=server).get("/")
    assert reply.status == 200
    banner = [record for record in caplog.records if "Goin' Fast" in record.getMessage()]
    # A real server is announced as Sanic's own is; in-process nothing listens.
    assert len(banner) == (0 if server == "inprocess" else 1)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", ALL_SERVERS)
def test_reusable_client_keeps_the_app_up(app: Sanic[Any, Any], server: str) -> None:
    from sanic_asgi.testing import ReusableClient

    events: list[str] = []
    client = ReusableClient(build(app, events), port=8123, server=server)
    for _ in range(2):  # started twice, as sanic-testing's client can be
        with client:
            request, reply = client.get("/host")
            assert reply.text == "127.0.0.1:8123"  # a named port is kept in URLs
            assert request is not None
            assert type(request.transport).__module__ == "sanic_asgi._http"
            _, reply = client.post("/echo", content=b"abc")
            assert reply.body == b"abc"
            _, ws = client.websocket("/ws", mimic=_say_hi)
            assert ws.client_received == ["hi"]
    assert events == ["before_server_start", "after_server_stop"] * 2
    with pytest.raises(RuntimeError, match=r"call run\(\)"):
        client.get("/")


async def _say_hi(ws: Any) -> None:
    await ws.send("hi")
    await ws.recv()
