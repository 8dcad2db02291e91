"""sanic_asgi._request_head: the head's size, its limit, and request.head rebuilt."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sanic import Request, Sanic, response
from sanic.exceptions import PayloadTooLarge

from sanic_asgi import ASGIApp
from sanic_asgi._framing import head_line_size, read_headers
from sanic_asgi._request_head import (
    RequestHead,
    delivered_target,
    head_size,
    rebuild_head,
)
from tests.asgi_driver import FakeServer

pytestmark = pytest.mark.timeout(20)

_names = itertools.count()

SCOPES: list[dict[str, Any]] = [
    {"method": "GET", "raw_path": b"/", "query_string": b"", "http_version": "1.1", "headers": []},
    {
        "method": "POST",
        "raw_path": b"/a%20b/c",
        "query_string": b"x=1&y=%C3%A9",
        "http_version": "1.0",
        "headers": [(b"host", b"example.com"), (b"x-long", b"v" * 300), (b"x-utf8", "é".encode())],
    },
    {"method": "GET", "path": "/é", "query_string": b"q", "http_version": "2", "headers": [(b"host", b"h")]},
    # httpx's ASGITransport: the query in raw_path too
    {"method": "GET", "raw_path": b"/p?q=1", "query_string": b"q=1", "http_version": "1.1", "headers": []},
]


@pytest.mark.parametrize("scope", SCOPES)
def test_head_size_is_the_length_of_the_rebuilt_head(scope: dict[str, Any]) -> None:
    target = delivered_target(scope)
    line = head_line_size(scope["method"], target, scope["http_version"])
    headers, size, _, _ = read_headers(scope["headers"], line)
    assert size == head_size(scope["method"], target, scope["http_version"], headers)
    assert size == len(rebuild_head(scope))


def test_rebuilt_head_is_what_sanics_parser_keeps() -> None:
    scope = SCOPES[1]
    assert rebuild_head(scope) == (
        b"POST /a%20b/c?x=1&y=%C3%A9 HTTP/1.0\r\nhost: example.com\r\nx-long: " + b"v" * 300 + b"\r\nx-utf8: \xc3\xa9"
    )
    assert delivered_target(SCOPES[2]) == b"/%C3%A9?q"
    assert delivered_target(SCOPES[3]) == b"/p?q=1"


def test_request_head_behaves_as_its_bytes() -> None:
    scope = SCOPES[1]
    built = rebuild_head(scope)
    head = RequestHead(scope)
    assert not hasattr(head, "_bytes")  # nothing built until read
    assert bool(head)
    assert not hasattr(head, "_bytes")
    assert len(head) == len(built)
    assert head == built
    assert built == head
    assert head == built
    assert hash(head) == hash(built)
    assert bytes(head) is bytes(head)  # built once
    assert head.split(b"\r\n", 1) == built.split(b"\r\n", 1)
    assert head.decode() == built.decode()
    assert head.startswith(b"POST ")
    assert b"host: example.com" in head
    assert head[:4] == b"POST"
    assert list(head)[:1] == [ord("P")]
    assert head + b"\r\n\r\n" == built + b"\r\n\r\n"
    assert b">" + head == b">" + built
    assert repr(head) == repr(built)
    assert head * 2 == built * 2
    assert head < built + b"!"
    assert head >= built
    with pytest.raises(AttributeError):
        head.no_such_method  # noqa: B018
    with pytest.raises(AttributeError):
        head.__no_such_dunder__  # noqa: B018


def _app(**config: Any) -> Sanic[Any, Any]:
    app = Sanic(f"head_{next(_names)}")
    app.config.update(config)
    seen: dict[str, Any] = {}
    app.ctx.seen = seen

    @app.route("/echo", methods=["GET", "POST", "HEAD"])
    async def echo(request: Request) -> Any:
        seen.update(head=bytes(request.head), line=request.request_line, raw=request.raw_headers)
        return response.text("ok")

    @app.websocket("/ws")
    async def ws(request: Request, socket: Any) -> None:
        seen.update(head=bytes(request.head))
        await socket.close()

    return app


async def test_request_head_raw_headers_and_request_line() -> None:
    app = _app()
    server = FakeServer(ASGIApp(app))
    conn = await server.request("GET", "/echo", query_string=b"a=1", headers=[(b"x-one", b"1")])
    assert conn.status == 200
    seen = app.ctx.seen
    assert seen["line"] == b"GET /echo?a=1 HTTP/1.1"
    assert seen["raw"] == b"host: testserver\r\nx-one: 1"
    assert seen["head"] == seen["line"] + b"\r\n" + seen["raw"]


def _padding(total: int, fixed: int) -> list[tuple[bytes, bytes]]:
    """One header that makes a GET /echo head exactly ``total`` bytes long."""
    return [(b"x-pad", b"p" * (total - fixed - len(b"\r\nx-pad: ")))]


_FIXED = len(b"GET /echo HTTP/1.1\r\nhost: testserver")


@pytest.mark.parametrize(("size", "status"), [(8191, 200), (8192, 413)])
async def test_the_default_limit_is_sanics_8_kib(size: int, status: int) -> None:
    app = _app()
    conn = await FakeServer(ASGIApp(app)).request("GET", "/echo", headers=_padding(size, _FIXED))
    assert conn.status == status
    if status == 200:
        assert len(app.ctx.seen["head"]) == size
    else:
        assert "Request header exceeds the size limit" in conn.text
        assert not app.ctx.seen


@pytest.mark.parametrize(
    ("config", "limit"),
    [
        ({"REQUEST_MAX_HEADER_SIZE": 1000}, 1000),
        ({"REQUEST_BUFFER_SIZE": 4096 + 700}, 700),
        ({"REQUEST_MAX_SIZE": 600}, 600),
        ({"REQUEST_MAX_HEADER_SIZE": 100_000}, 16_384),  # Http.HEADER_CEILING
    ],
)
async def test_the_limit_is_computed_from_the_apps_config(config: dict[str, int], limit: int) -> None:
    server = FakeServer(ASGIApp(_app(**config)))
    assert (await server.request("GET", "/echo", headers=_padding(limit - 1, _FIXED))).status == 200
    assert (await server.request("GET", "/echo", headers=_padding(limit, _FIXED))).status == 413


async def test_many_small_headers_and_a_long_target_count_too() -> None:
    server = FakeServer(ASGIApp(_app(REQUEST_MAX_HEADER_SIZE=1000)))
    many = [(b"x-h%d" % i, b"v") for i in range(100)]
    assert (await server.request("GET", "/echo", headers=many)).status == 413
    assert (await server.request("GET", "/echo", query_string=b"q=" + b"a" * 1000)).status == 413


async def test_the_apps_error_handler_answers_a_refused_head() -> None:
    app = _app(REQUEST_MAX_SIZE=1)
    seen_requests: list[Any] = []

    @app.exception(PayloadTooLarge)
    def too_large(request: Request, exception: Exception) -> Any:
        seen_requests.append((request.method, request.path, str(exception)))
        return response.text("from the error handler", 413)

    server = FakeServer(ASGIApp(app))
    conn = await server.request("GET", "/echo")
    assert (conn.status, conn.text) == (413, "from the error handler")
    # As Http.create_empty_request: the target is not read from a refused head.
    assert seen_requests == [("NONE", "*", "Request header exceeds the size limit")]
    head = await server.request("HEAD", "/echo")
    assert head.status == 413
    assert head.body == b""


async def test_an_oversized_websocket_upgrade_is_refused_with_413() -> None:
    app = _app(REQUEST_MAX_HEADER_SIZE=500)
    server = FakeServer(ASGIApp(app))
    conn = server.websocket("/ws", headers=[(b"x-pad", b"p" * 600)], http_response=True)
    await conn.finish()
    assert conn.status == 413
    assert b"Request header exceeds the size limit" in conn.body
    assert not app.ctx.seen
    plain = server.websocket("/ws", headers=[(b"x-pad", b"p" * 600)])
    await plain.finish()
    assert plain.types[-1] == "websocket.close"
    small = server.websocket("/ws")
    await small.finish()
    assert app.ctx.seen["head"].startswith(b"GET /ws HTTP/1.1\r\nhost: testserver\r\n")
