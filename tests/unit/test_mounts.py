"""ASGI apps mounted beside Sanic: ``ASGIApp(app, mounts={...})``
(``sanic_asgi._mounts``): validation, matching, the scope a mounted app
gets, HTTPException answers, and the mounted apps' lifespans."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic import Request, Sanic, response
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sanic_asgi import ASGIApp, ConfigurationError, LifespanFailure, lifespan_state
from sanic_asgi._mounts import MountTable
from tests.asgi_driver import FakeServer

pytestmark = pytest.mark.timeout(20)


async def echo_scope(scope: Any, receive: Any, send: Any) -> None:
    """A raw ASGI app answering with the parts of its scope that mounts set
    (and without lifespan support)."""
    if scope["type"] == "lifespan":
        return
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": scope["root_path"]})
        await send({"type": "websocket.close", "code": 1000})
        return
    keys = ("path", "root_path", "app_root_path", "path_params")
    body = json.dumps({k: scope.get(k) for k in keys} | {"router": "router" in scope, "state": scope.get("state")})
    data = body.encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(data))]})
    await send({"type": "http.response.body", "body": data})


# --------------------------------------------------------------------------- #
# Validation
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    ("mounts", "error"),
    [
        ("/static", "mounts must map path prefixes to ASGI apps"),
        (42, "mounts must map path prefixes to ASGI apps"),
        ([("/a",)], r"mounts entries must be \(prefix, app\) pairs"),
        ({b"/a": echo_scope}, "a mount prefix must be a str"),
        ({"static": echo_scope}, "must start with '/'"),
        ({"/items/<id>": echo_scope}, "a literal path, without parameters or query"),
        ({"/a?b": echo_scope}, "a literal path"),
        ({"/": echo_scope}, "a mount at '/' would take every request"),
        ({"/a": "not an app"}, r"mounts\['/a'\] is not an ASGI application"),
        ([("/a", echo_scope), ("/a/", echo_scope)], "two mounts at '/a'"),
    ],
)
def test_bad_mounts(app: Sanic, mounts: Any, error: str) -> None:
    with pytest.raises(ConfigurationError, match=error):
        ASGIApp(app, mounts=mounts)


def test_mount_table() -> None:
    table = MountTable([("/a", echo_scope), ("/a/b/", echo_scope)])
    assert bool(table)
    assert not MountTable(None)
    assert repr(table).startswith("{'/a': ")
    assert [p.prefix for p in table.points] == ["/a", "/a/b"]  # trailing slash dropped

    def matched(path: str, root_path: str = "") -> str | None:
        found = table.match({"type": "http", "path": path, "root_path": root_path})
        return found[1]["root_path"] if found else None

    assert matched("/a/b/c") == "/a/b"  # longest prefix wins
    assert matched("/a/x") == "/a"
    assert matched("/a") == "/a"
    assert matched("/ab") is None
    assert matched("/other") is None
    assert matched("/api/a/x", root_path="/api") == "/api/a"


# --------------------------------------------------------------------------- #
# Serving
# --------------------------------------------------------------------------- #
def add_sanic_routes(app: Sanic) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("sanic")

    @app.get("/legacy/shadowed")
    async def shadowed(request: Request) -> Any:
        return response.text("unreachable")


async def test_requests_under_a_prefix_go_to_the_mount(
    app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/legacy": echo_scope})
    life = await server.startup()
    assert "Sanic route /legacy/shadowed" in caplog.text  # warned at startup
    assert (await server.request("GET", "/")).body == b"sanic"
    mounted = json.loads((await server.request("GET", "/legacy/shadowed", router=object())).body)
    assert mounted == {
        "path": "/legacy/shadowed",  # unchanged, as Starlette's Mount
        "root_path": "/legacy",
        "app_root_path": "/legacy",
        "path_params": {},
        "router": False,  # an outer router key is dropped
        "state": {},  # the lifespan state, shared
    }
    assert server.asgi.runtime.inflight == 0
    await server.shutdown(life)


async def test_mounted_app_gets_the_state_on_lazy_start(app: Sanic, serve: Any) -> None:
    @app.before_server_start
    async def setup(app: Sanic) -> None:
        lifespan_state(app)["answer"] = 42

    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/legacy": echo_scope})
    conn = server.http("GET", "/legacy/x").push({"type": "http.request"})
    del conn.scope["root_path"]
    await conn.finish()
    assert json.loads(conn.body)["state"] == {"answer": 42}


async def test_websocket_to_a_mount(app: Sanic, serve: Any) -> None:
    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/legacy": echo_scope})
    conn = server.websocket("/legacy/ws")
    await conn.finish()
    assert conn.ws.sent_messages == ["/legacy"]


async def test_http_exception_from_a_bare_static_files(app: Sanic, serve: Any, tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hi there")
    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/static": StaticFiles(directory=tmp_path)})
    found = await server.request("GET", "/static/hello.txt")
    assert found.body == b"hi there"
    missing = await server.request("GET", "/static/nope.txt")
    assert missing.status == 404
    assert missing.body == b"Not Found"
    wrong_method = await server.request("POST", "/static/hello.txt")
    assert wrong_method.status == 405
    # As a Starlette app around it answers: the Allow header is there from the
    # Starlettes that send it (1.7, the last for Python 3.10, sends none).
    around = Starlette(routes=[Mount("/static", StaticFiles(directory=tmp_path))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=around), base_url="http://testserver") as client:
        starlettes = await client.post("/static/hello.txt")
    assert starlettes.status_code == 405
    assert wrong_method.header("allow") == starlettes.headers.get("allow")


async def test_http_exception_headers_are_sent(app: Sanic, serve: Any) -> None:
    async def refusing(scope: Any, receive: Any, send: Any) -> None:
        raise HTTPException(405, headers={"Allow": "GET, HEAD"})

    server: FakeServer = serve(app, mounts={"/m": refusing})
    conn = await server.request("POST", "/m")
    assert conn.status == 405
    assert conn.header("allow") == "GET, HEAD"


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (HTTPException(418, "teapot"), 418, b"teapot"),
        (HTTPException(204), 204, b""),
    ],
)
async def test_http_exceptions_are_answered(app: Sanic, serve: Any, exc: Exception, status: int, body: bytes) -> None:
    async def raising(scope: Any, receive: Any, send: Any) -> None:
        raise exc

    server: FakeServer = serve(app, mounts={"/m": raising})
    conn = await server.request("GET", "/m")
    assert conn.status == status
    assert conn.body == body


async def test_other_errors_from_a_mount_propagate(app: Sanic, serve: Any) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise ValueError("mounted app bug")

    async def late(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise HTTPException(500, "after the start")

    server: FakeServer = serve(app, mounts={"/broken": broken, "/late": late})
    with pytest.raises(ValueError, match="mounted app bug"):
        await server.request("GET", "/broken")
    with pytest.raises(HTTPException):
        await server.request("GET", "/late", complete=False)
    assert server.asgi.runtime.inflight == 0


# --------------------------------------------------------------------------- #
# Lifespans of mounted apps
# --------------------------------------------------------------------------- #
def starlette_app(log: list[str], name: str, *, fail_startup: bool = False, fail_shutdown: bool = False) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        log.append(f"{name} startup")
        if fail_startup:
            raise RuntimeError(f"{name} cannot start")
        yield {f"{name}_resource": True}
        log.append(f"{name} shutdown")
        if fail_shutdown:
            raise RuntimeError(f"{name} cannot stop")

    async def state(request: Any) -> JSONResponse:
        return JSONResponse(sorted(request.state._state))

    return Starlette(routes=[Route("/state", state)], lifespan=lifespan)


async def test_mounted_lifespans_run_around_sanic_listeners(app: Sanic, serve: Any) -> None:
    log: list[str] = []

    @app.before_server_start
    async def start(app: Sanic) -> None:
        log.append("sanic before_server_start")

    @app.after_server_stop
    async def stop(app: Sanic) -> None:
        log.append("sanic after_server_stop")

    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/one": starlette_app(log, "one"), "/two": starlette_app(log, "two")})
    state: dict[str, Any] = {}
    life = await server.startup(state=state)
    assert life.sent == [{"type": "lifespan.startup.complete"}]
    conn = await server.request("GET", "/one/state", state=dict(state))
    assert json.loads(conn.body) == ["one_resource", "two_resource"]  # one shared state
    assert await server.shutdown(life) == {"type": "lifespan.shutdown.complete"}
    assert log == [
        "one startup",
        "two startup",
        "sanic before_server_start",
        "sanic after_server_stop",
        "two shutdown",
        "one shutdown",
    ]


async def test_mounted_startup_failure_fails_the_whole(app: Sanic, serve: Any) -> None:
    log: list[str] = []
    add_sanic_routes(app)
    mounts = {"/ok": starlette_app(log, "ok"), "/bad": starlette_app(log, "bad", fail_startup=True)}
    server: FakeServer = serve(app, mounts=mounts)
    life = server.lifespan().push({"type": "lifespan.startup"})
    with pytest.raises(LifespanFailure):  # reported, then re-raised
        await life.finish()
    failed = life.sent[0]
    assert failed["type"] == "lifespan.startup.failed"
    assert "the app mounted at '/bad' failed to start" in failed["message"]
    assert "bad cannot start" in failed["message"]
    # The mount that had started was shut down again.
    assert log == ["ok startup", "bad startup", "ok shutdown"]


async def test_mounted_shutdown_failure(app: Sanic, serve: Any) -> None:
    log: list[str] = []
    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/m": starlette_app(log, "m", fail_shutdown=True)})
    life = await server.startup()
    with pytest.raises(LifespanFailure):
        await server.shutdown(life)
    answer = life.sent[-1]
    assert answer["type"] == "lifespan.shutdown.failed"
    assert "the app mounted at '/m'" in answer["message"]


async def test_mount_without_lifespan_support(app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def http_only(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http", "no lifespan here"
        await echo_scope(scope, receive, send)

    async def silent(scope: Any, receive: Any, send: Any) -> None:
        return None  # returns without a word

    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/a": http_only, "/b": silent})
    with caplog.at_level("INFO"):
        life = await server.startup()
    assert life.sent == [{"type": "lifespan.startup.complete"}]
    assert "The app mounted at '/a' does not support ASGI lifespan (AssertionError" in caplog.text
    assert "The app mounted at '/b' does not support ASGI lifespan" in caplog.text
    assert (await server.request("GET", "/a/x")).status == 200
    assert await server.shutdown(life) == {"type": "lifespan.shutdown.complete"}


async def test_mount_answering_lifespan_wrongly(app: Sanic, serve: Any) -> None:
    async def confused(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/c": confused})
    life = server.lifespan().push({"type": "lifespan.startup"})
    with pytest.raises(LifespanFailure):
        await life.finish()
    assert "sent 'lifespan.shutdown.complete' in answer to lifespan.startup" in life.sent[0]["message"]


async def test_mount_raising_during_shutdown(app: Sanic, serve: Any) -> None:
    async def crashes_on_shutdown(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        raise RuntimeError("crash on the way out")

    add_sanic_routes(app)
    server: FakeServer = serve(app, mounts={"/c": crashes_on_shutdown})
    life = await server.startup()
    with pytest.raises(LifespanFailure):
        await server.shutdown(life)
    answer = life.sent[-1]
    assert answer["type"] == "lifespan.shutdown.failed"
    assert "raised during shutdown: RuntimeError: crash on the way out" in answer["message"]
