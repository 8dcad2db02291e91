"""The ecosystem features in-process (no server): option validation, the
mount table, mounted lifespans, and the helpers' no-op behaviour."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sanic import Request, Sanic, response
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse

import sanic_asgi
from sanic_asgi import ASGIApp, ConfigurationError, LifespanFailure
from sanic_asgi._mounts import MountTable
from tests.ecosystem.apps.common import STATIC

_names = itertools.count()


@pytest.fixture
def app(sanic_test_mode: None) -> Sanic[Any, Any]:
    return Sanic(f"eco_{next(_names)}")


async def noop_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = f"{scope['root_path']}|{scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def client(asgi: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(asgi) as manager:
        transport = httpx.ASGITransport(manager.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


# -- option validation -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"middleware": 3}, "middleware must be a list"),
        ({"middleware": [42]}, "middleware[0] must be Middleware(cls, ...) or a callable"),
        ({"middleware": [Middleware(GZipMiddleware, no_such_option=1)]}, "middleware[0] (GZipMiddleware) could not"),
        ({"middleware": [lambda app: None]}, "returned None, not an ASGI application"),
        ({"mounts": "/static"}, "mounts must map path prefixes"),
        ({"mounts": {"static": noop_app}}, "must start with '/'"),
        ({"mounts": {"/": noop_app}}, "a mount at '/' would take every request"),
        ({"mounts": {"/items/{id}": noop_app}}, "literal path"),
        ({"mounts": {"/a": noop_app, "/a/": noop_app}}, "two mounts at '/a'"),
        ({"mounts": {"/a": "not an app"}}, "is not an ASGI application"),
        ({"asgi_responses": "yes"}, "asgi_responses must be True or False"),
    ],
)
def test_invalid_options(app: Sanic[Any, Any], options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        ASGIApp(app, **options)
    assert message in str(info.value)


def test_middleware_order_outermost_first(app: Sanic[Any, Any]) -> None:
    built: list[str] = []

    def named(name: str) -> Any:
        def factory(inner: Any) -> Any:
            built.append(name)
            return inner

        return factory

    ASGIApp(app, middleware=[named("outer"), named("inner")])
    assert built == ["inner", "outer"]  # built inside out, so "outer" wraps "inner"


# -- the mount table ---------------------------------------------------------------------
def test_mount_scope_matches_starlette_mount() -> None:
    table = MountTable({"/api": noop_app, "/api/v2": noop_app})
    scope = {"type": "http", "path": "/outer/api/v2/x", "raw_path": b"/outer/api/v2/x", "root_path": "/outer"}
    scope["router"] = object()
    point, child = table.match(scope)  # type: ignore[misc]
    assert point.prefix == "/api/v2"
    assert child["root_path"] == child["app_root_path"] == "/outer/api/v2"
    assert child["path"] == "/outer/api/v2/x"
    assert child["raw_path"] == b"/outer/api/v2/x"
    assert child["path_params"] == {}
    assert "router" not in child
    assert scope["root_path"] == "/outer"  # the server's scope is not changed


@pytest.mark.parametrize(
    ("path", "prefix"),
    [("/api", "/api"), ("/api/", "/api"), ("/api/v2", "/api/v2"), ("/api/v2x", "/api"), ("/apix", None), ("/", None)],
)
def test_mount_prefix_boundaries(path: str, prefix: str | None) -> None:
    found = MountTable({"/api": noop_app, "/api/v2/": noop_app}).match({"type": "http", "path": path})
    assert (found[0].prefix if found else None) == prefix


async def test_shadowed_route_warning(app: Sanic[Any, Any], caplog: pytest.LogCaptureFixture) -> None:
    @app.get("/api/inside/<name>")
    async def inside(request: Request, name: str) -> Any:
        return response.text(name)

    @app.get("/apix")
    async def outside(request: Request) -> Any:
        return response.text("sanic")

    asgi = ASGIApp(app, mounts={"/api": noop_app})
    with caplog.at_level(logging.WARNING, logger="sanic.error"):
        async with client(asgi) as http:
            assert (await http.get("/api/inside/x")).text == "/api|/api/inside/x"
            assert (await http.get("/apix")).text == "sanic"
    warnings = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert warnings == [
        f"Sanic route /api/inside/<name:str> of {app.name!r} is unreachable: "
        "requests under '/api' go to the app mounted there"
    ]


# -- mounted lifespans -------------------------------------------------------------------
def lifespan_app(log: list[str], name: str, *, fail: str | None = None, fail_shutdown: bool = False) -> Starlette:
    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, str]]:
        log.append(f"{name} startup")
        if fail:
            raise RuntimeError(fail)
        yield {name: "state"}
        log.append(f"{name} shutdown")
        if fail_shutdown:
            raise RuntimeError(f"{name} cannot stop")

    return Starlette(lifespan=lifespan)


async def test_mounted_lifespans_order_and_state(app: Sanic[Any, Any]) -> None:
    log: list[str] = []

    @app.before_server_start
    async def listener(app: Sanic[Any, Any]) -> None:
        log.append(f"sanic startup sees {sorted(sanic_asgi.lifespan_state(app))}")

    @app.after_server_stop
    async def stopped(app: Sanic[Any, Any]) -> None:
        log.append("sanic shutdown")

    asgi = ASGIApp(app, mounts={"/a": lifespan_app(log, "a"), "/b": lifespan_app(log, "b"), "/c": noop_app})
    async with LifespanManager(asgi):
        pass
    assert log == [
        "a startup",
        "b startup",
        "sanic startup sees ['a', 'b']",
        "sanic shutdown",
        "b shutdown",
        "a shutdown",
    ]


async def test_mounted_startup_failure_fails_startup_and_stops_the_others(app: Sanic[Any, Any]) -> None:
    log: list[str] = []
    asgi = ASGIApp(app, mounts={"/a": lifespan_app(log, "a"), "/b": lifespan_app(log, "b", fail="no database")})
    with pytest.raises(LifespanFailure, match="the app mounted at '/b' failed to start") as info:
        await asgi.runtime.start()
    assert "no database" in str(info.value)
    assert log == ["a startup", "b startup", "a shutdown"]


async def test_mounted_shutdown_failure_is_reported(app: Sanic[Any, Any]) -> None:
    log: list[str] = []
    asgi = ASGIApp(app, mounts={"/a": lifespan_app(log, "a", fail_shutdown=True)})
    runtime = asgi.runtime
    await runtime.start()
    with pytest.raises(LifespanFailure, match="the app mounted at '/a' failed to shut down"):
        await runtime.stop()
    assert log == ["a startup", "a shutdown"]


async def test_lazy_start_starts_mounted_apps(app: Sanic[Any, Any]) -> None:
    log: list[str] = []

    async def read_state(request: Any) -> PlainTextResponse:
        return PlainTextResponse(request.state.a)

    child = lifespan_app(log, "a")
    child.add_route("/state", read_state)
    asgi = ASGIApp(app, mounts={"/a": child})
    transport = httpx.ASGITransport(asgi)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await http.get("/a/state")).text == "state"  # no lifespan events: started lazily
    await asgi.runtime.stop()
    assert log == ["a startup", "a shutdown"]


# -- helpers without extensions ------------------------------------------------------------
async def test_helpers_are_no_ops_without_extensions(app: Sanic[Any, Any]) -> None:
    results: dict[str, Any] = {}

    @app.get("/")
    async def index(request: Request) -> Any:
        results["extensions"] = dict(sanic_asgi.asgi_extensions(request))
        results["push"] = await sanic_asgi.push(request, "/x")
        results["hints"] = await sanic_asgi.early_hints(request, "</x>; rel=preload")
        results["trailers"] = sanic_asgi.response_trailers(request)
        return response.text("ok")

    async with client(ASGIApp(app)) as http:
        assert (await http.get("/")).text == "ok"
    assert results == {"extensions": {}, "push": False, "hints": False, "trailers": None}


async def test_trailers_must_be_declared_before_the_response(app: Sanic[Any, Any]) -> None:
    sent: list[dict[str, Any]] = []
    errors: list[str] = []

    @app.get("/")
    async def index(request: Request) -> Any:
        first = sanic_asgi.response_trailers(request)
        assert first is not None
        assert sanic_asgi.response_trailers(request) is first
        first["x-sum"] = "1"
        out = await request.respond()
        await out.send("body")
        await out.eof()

    @app.get("/late")
    async def late(request: Request) -> Any:
        out = await request.respond()
        await out.send("x")
        try:
            sanic_asgi.response_trailers(request)
        except RuntimeError as exc:
            errors.append(str(exc))
        await out.eof()

    asgi = ASGIApp(app)
    async with LifespanManager(asgi):
        for path in ("/", "/late"):
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "2",
                "method": "GET",
                "scheme": "https",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "headers": [(b"host", b"testserver"), (b"te", b"trailers")],
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 443),
                "extensions": {"http.response.trailers": {}},
            }
            messages = iter([{"type": "http.request", "body": b"", "more_body": False}])

            async def receive(messages: Any = messages) -> dict[str, Any]:
                return next(messages, {"type": "http.disconnect"})

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)

            await asgi(scope, receive, send)
    kinds = [m["type"] for m in sent]
    assert kinds[:3] == ["http.response.start", "http.response.body", "http.response.body"]
    assert sent[0]["trailers"] is True
    assert sent[3] == {"type": "http.response.trailers", "headers": [(b"x-sum", b"1")], "more_trailers": False}
    assert errors == ["response_trailers() must be called before the response starts"]


# -- responses ----------------------------------------------------------------------------
async def test_file_response_streams_without_pathsend(app: Sanic[Any, Any]) -> None:
    @app.get("/file")
    async def file(request: Request) -> Any:
        return await sanic_asgi.file_response(STATIC / "alphabet.txt", chunk_size=100, filename="abc.txt")

    @app.route("/head", methods=["HEAD"])
    async def head(request: Request) -> Any:
        return await sanic_asgi.file_response(STATIC / "alphabet.txt")

    async with client(ASGIApp(app)) as http:
        got = await http.get("/file")
        assert got.content == (STATIC / "alphabet.txt").read_bytes()
        assert got.headers["content-type"] == "text/plain; charset=utf-8"
        assert got.headers["content-disposition"] == 'attachment; filename="abc.txt"'
        assert "last-modified" in got.headers
        headed = await http.head("/head")
        assert headed.headers["content-length"] == str(len(got.content))
        assert headed.content == b""


async def test_asgi_responses_are_switched_on(app: Sanic[Any, Any]) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return PlainTextResponse("starlette")

    async with client(ASGIApp(app)) as http:
        assert (await http.get("/")).status_code == 500  # Sanic: "Invalid response type"
    async with client(ASGIApp(app, asgi_responses=True)) as http:
        assert (await http.get("/")).text == "starlette"


def test_as_asgi_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="as_asgi\\(\\) takes a Sanic response"):
        sanic_asgi.as_asgi(PlainTextResponse("x"))  # type: ignore[arg-type]


async def test_tls_extension_feeds_conn_info(app: Sanic[Any, Any]) -> None:
    """No server tested here sends the ``tls`` extension (see test_extensions);
    when one does, conn_info takes SNI from it and handlers can read the rest."""
    seen: dict[str, Any] = {}

    @app.get("/")
    async def index(request: Request) -> Any:
        seen["ssl"] = request.conn_info.ssl if request.conn_info else None
        seen["server_name"] = request.conn_info.server_name if request.conn_info else None
        seen["tls"] = sanic_asgi.asgi_extensions(request).get("tls")
        return response.text("ok")

    tls = {"server_cert": None, "client_cert_chain": [], "tls_version": 0x0304, "server_name": "shop.example"}
    sent: list[dict[str, Any]] = []
    asgi = ASGIApp(app)
    await asgi.runtime.start()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",  # the extension alone says TLS
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(b"host", b"shop.example")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 443),
        "extensions": {"tls": tls},
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asgi(scope, receive, send)
    await asgi.runtime.stop()
    assert sent[0]["status"] == 200
    assert seen == {"ssl": True, "server_name": "shop.example", "tls": tls}
