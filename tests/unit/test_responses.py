"""Responses across the Sanic/ASGI line (``sanic_asgi._responses``): ASGI
response objects returned by Sanic handlers, ``as_asgi()`` and
``file_response()``."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from sanic import Request, Sanic, response
from sanic.exceptions import ServerError
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse

from sanic_asgi import as_asgi, file_response
from sanic_asgi._responses import ASGIResponse, is_asgi_response
from tests.asgi_checker import HTTPChecker
from tests.asgi_driver import FakeServer

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def server(app: Sanic, serve: Any) -> FakeServer:
    """The app behind ``ASGIApp(app, asgi_responses=True)``."""
    return serve(app, asgi_responses=True)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- #
# ASGI response objects from handlers
# --------------------------------------------------------------------------- #
async def test_starlette_response_from_a_handler(app: Sanic, server: FakeServer) -> None:
    @app.on_response
    async def decorate(request: Request, res: Any) -> None:
        res.headers["x-from-sanic"] = "yes"
        res.headers["content-type"] = "text/x-replaced"

    @app.get("/")
    async def index(request: Request) -> Any:
        return JSONResponse({"ok": True}, status_code=201)

    conn = await server.request("GET", "/")
    assert conn.status == 201
    assert conn.body == b'{"ok":true}'
    assert conn.header("x-from-sanic") == "yes"
    # Response middleware replaces headers of the same name.
    assert conn.header("content-type") == "text/x-replaced"


async def test_middleware_may_change_status_and_add_cookies(app: Sanic, server: FakeServer) -> None:
    @app.on_response
    async def decorate(request: Request, res: Any) -> None:
        res.status = 202
        res.add_cookie("seen", "1", secure=False)

    @app.get("/")
    async def index(request: Request) -> Any:
        res = PlainTextResponse("hi")
        res.set_cookie("own", "2")
        return res

    conn = await server.request("GET", "/")
    assert conn.status == 202
    cookies = conn.header_list("set-cookie")
    assert len(cookies) == 2


async def test_streaming_response_with_background_task(app: Sanic, server: FakeServer) -> None:
    done: list[str] = []

    async def chunks() -> Any:
        for part in (b"a", b"b", b"c"):
            yield part

    async def after() -> None:
        done.append("background")

    @app.get("/")
    async def index(request: Request) -> Any:
        return StreamingResponse(chunks(), media_type="text/plain", background=BackgroundTask(after))

    conn = await server.request("GET", "/")
    assert conn.body == b"abc"
    assert conn.header("content-length") is None
    assert done == ["background"]


async def test_raw_asgi_callable_from_a_handler(app: Sanic, server: FakeServer) -> None:
    async def raw(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"3")]})
        await send({"type": "http.response.body", "body": b"raw"})

    @app.get("/")
    def index(request: Request) -> Any:
        return raw

    conn = await server.request("GET", "/")
    assert conn.body == b"raw"


async def test_asgi_response_reads_a_streamed_body(app: Sanic, server: FakeServer) -> None:
    async def echo(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    @app.post("/", stream=True)
    async def index(request: Request) -> Any:
        return echo

    conn = await server.request("POST", "/", chunks=[b"one,", b"two"])
    assert conn.body == b"one,two"


async def test_asgi_responses_are_off_by_default_with_one_hint(
    app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return PlainTextResponse("not converted")

    default = serve(app)
    with caplog.at_level(logging.WARNING, logger="sanic_asgi"):
        assert (await default.request("GET", "/")).status == 500  # Sanic: "Invalid response type"
        assert (await default.request("GET", "/")).status == 500
    hints = [r.getMessage() for r in caplog.records if r.name == "sanic_asgi"]
    assert len(hints) == 1, hints
    assert hints[0].startswith("A route handler returned a response Sanic cannot send (<starlette.responses.")
    assert hints[0].endswith("serve the app with ASGIApp(app, asgi_responses=True)")


def test_bad_asgi_responses_option(app: Sanic) -> None:
    from sanic_asgi import ASGIApp, ConfigurationError

    with pytest.raises(ConfigurationError, match="asgi_responses must be True or False"):
        ASGIApp(app, asgi_responses="yes")  # type: ignore[arg-type]


def test_is_asgi_response() -> None:
    async def coroutine_app(scope: Any, receive: Any, send: Any) -> None: ...

    assert is_asgi_response(PlainTextResponse("x"))
    assert is_asgi_response(coroutine_app)
    for value in (None, "text", b"bytes", {"a": 1}, response.text("x"), object(), print):
        assert not is_asgi_response(value)


async def test_asgi_response_outside_the_adapter() -> None:
    wrapped = ASGIResponse(PlainTextResponse("x", status_code=203))
    assert wrapped.status == 203
    assert "PlainTextResponse" in repr(wrapped)
    with pytest.raises(ServerError, match="can only be sent when the app is served by"):
        await wrapped.send()


async def test_asgi_response_cannot_be_written_to(app: Sanic, server: FakeServer) -> None:
    outcome: list[str] = []

    @app.on_response
    async def write_more(request: Request, res: Any) -> None:
        if isinstance(res, ASGIResponse):
            await res.send()  # the object runs once: sends the whole response
            await res.send()  # a second end is a no-op
            try:
                await res.send(b"extra")
            except ServerError as exc:
                outcome.append(str(exc))

    @app.get("/")
    async def index(request: Request) -> Any:
        return PlainTextResponse("x")

    await server.request("GET", "/")
    assert outcome == ["An ASGI response object sends its own body; it cannot be written to"]


# --------------------------------------------------------------------------- #
# as_asgi(): Sanic responses as ASGI apps
# --------------------------------------------------------------------------- #
async def call(app: Any, method: str = "GET") -> HTTPChecker:
    checker = HTTPChecker({"method": method})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: dict[str, Any]) -> None:
        checker.on_send(message)

    await app({"type": "http", "method": method}, receive, send)
    checker.assert_complete()
    return checker


async def test_as_asgi_http_response() -> None:
    res = response.json({"a": 1}, headers={"X-Thing": "1"})
    res.add_cookie("c", "v", secure=False)
    app = as_asgi(res)
    assert "as_asgi" in repr(app)
    sent = await call(app)
    assert sent.status == 200
    assert sent.body == b'{"a":1}'
    headers = dict(sent.headers)
    assert headers[b"content-length"] == b"7"
    assert headers[b"x-thing"] == b"1"
    assert b"set-cookie" in headers
    # It can be sent again (the response is not consumed), e.g. for HEAD.
    head = await call(app, "HEAD")
    assert head.body == b""


async def test_as_asgi_bodyless_status() -> None:
    sent = await call(as_asgi(response.text("dropped", status=304)))
    assert sent.status == 304
    assert sent.body == b""
    assert b"content-length" not in dict(sent.headers)


async def test_as_asgi_response_stream() -> None:
    async def produce(res: Any) -> None:
        assert res.status == 200
        await res.write("a")
        await res.send(b"b")
        await res.write(None)

    stream = response.ResponseStream(produce, content_type="text/plain", headers={"Transfer-Encoding": "chunked"})
    sent = await call(as_asgi(stream))
    assert sent.body == b"ab"
    assert dict(sent.headers)[b"content-type"] == b"text/plain"
    head = await call(as_asgi(response.ResponseStream(produce, content_type="text/plain")), "HEAD")
    assert head.body == b""


async def test_as_asgi_empty_response_stream() -> None:
    async def produce(res: Any) -> None:
        return None

    sent = await call(as_asgi(response.ResponseStream(produce)))
    assert sent.status == 200
    assert sent.body == b""


async def test_as_asgi_misuse() -> None:
    with pytest.raises(TypeError, match="takes a Sanic response"):
        as_asgi("text")  # type: ignore[arg-type]
    app = as_asgi(response.text("x"))
    with pytest.raises(TypeError, match="can only answer an 'http' scope, not 'websocket'"):
        await app({"type": "websocket"}, None, None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- #
# file_response()
# --------------------------------------------------------------------------- #
DATA = b"0123456789" * 10


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_bytes(DATA)
    return path


def add_file_routes(app: Sanic, path: Path) -> None:
    @app.route("/file", methods=["GET", "HEAD"])
    async def file(request: Request) -> Any:
        return await file_response(path, chunk_size=30, filename=request.args.get("name"))

    @app.get("/typed")
    async def typed(request: Request) -> Any:
        return await file_response(str(path), mime_type="application/x-custom", headers={"x-extra": "1"})

    @app.get("/missing")
    async def missing(request: Request) -> Any:
        return await file_response(path.parent / "nope.txt")

    @app.get("/directory")
    async def directory(request: Request) -> Any:
        return await file_response(path.parent)

    @app.get("/empty-status")
    async def empty_status(request: Request) -> Any:
        return await file_response(path, status=204)


async def test_file_response_streams_in_chunks(app: Sanic, server: FakeServer, data_file: Path) -> None:
    add_file_routes(app, data_file)
    conn = await server.request("GET", "/file")
    assert conn.status == 200
    assert conn.body == DATA
    assert conn.header("content-length") == "100"
    assert conn.header("content-type") == "text/plain; charset=utf-8"
    assert conn.header("last-modified")
    assert conn.header("content-disposition") is None
    assert len([m for m in conn.sent if m["type"] == "http.response.body"]) >= 4


async def test_file_response_headers(app: Sanic, server: FakeServer, data_file: Path) -> None:
    add_file_routes(app, data_file)
    named = await server.request("GET", "/file", query_string=b"name=report.csv")
    assert named.header("content-disposition") == 'attachment; filename="report.csv"'
    assert named.header("content-type") == "text/csv; charset=utf-8"
    typed = await server.request("GET", "/typed")
    assert typed.header("content-type") == "application/x-custom"
    assert typed.header("x-extra") == "1"


async def test_file_response_with_pathsend(app: Sanic, server: FakeServer, data_file: Path) -> None:
    add_file_routes(app, data_file)
    conn = await server.request("GET", "/file", extensions={"http.response.pathsend": {}})
    assert conn.types == ["http.response.start", "http.response.pathsend"]
    assert conn.sent[1]["path"] == str(data_file)  # tmp_path is absolute
    assert conn.header("content-length") == "100"


async def test_file_response_head_and_bodyless(app: Sanic, server: FakeServer, data_file: Path) -> None:
    add_file_routes(app, data_file)
    head = await server.request("HEAD", "/file")
    assert head.body == b""
    assert head.header("content-length") == "100"
    empty = await server.request("GET", "/empty-status")
    assert empty.status == 204
    assert empty.body == b""


@pytest.mark.parametrize("path", ["/missing", "/directory"])
async def test_file_response_errors(app: Sanic, server: FakeServer, data_file: Path, path: str) -> None:
    add_file_routes(app, data_file)
    conn = await server.request("GET", path)
    assert conn.status == 500


async def test_file_response_guesses_types(tmp_path: Path) -> None:
    for name, expected in [("a.png", "image/png"), ("a.unknownext", "application/octet-stream")]:
        path = tmp_path / name
        path.write_bytes(b"x")
        res = await file_response(path)
        assert res.content_type == expected


async def test_file_response_cannot_be_written_to(app: Sanic, server: FakeServer, data_file: Path) -> None:
    outcome: list[str] = []

    @app.get("/")
    async def index(request: Request) -> None:
        res = await file_response(data_file)
        await request.respond(res)
        await res.send()
        await res.send()  # ended already: a no-op
        try:
            await res.send(b"more")
        except ServerError as exc:
            outcome.append(str(exc))

    conn = await server.request("GET", "/")
    assert conn.body == DATA
    assert outcome == ["A file response sends its own body; it cannot be written to"]


async def test_file_response_unconnected(data_file: Path) -> None:
    from sanic.exceptions import SanicException

    res = await file_response(data_file)
    with pytest.raises(SanicException, match="No stream is connected"):
        await res.send()


def test_module_level_names() -> None:
    # Both helpers are public API.
    import sanic_asgi

    assert sanic_asgi.as_asgi is as_asgi
    assert sanic_asgi.file_response is file_response
    assert asyncio.iscoroutinefunction(file_response)
