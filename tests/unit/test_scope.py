"""Scope -> request target, headers and connection info; root_path handling."""

from __future__ import annotations

from typing import Any

import pytest
from sanic import Request, Sanic, response

from sanic_asgi import MalformedScope
from sanic_asgi._scope import headers_from_scope, route_path, scope_method, target_from_scope
from tests.asgi_driver import FakeServer

pytestmark = pytest.mark.timeout(20)


# --------------------------------------------------------------------------- #
# route_path / target_from_scope
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/api/items", "/api", "/items"),
        ("/api", "/api", "/"),
        ("/api/", "/api", "/"),
        ("/apiary", "/api", "/apiary"),  # a prefix only at a segment boundary
        ("/other", "/api", "/other"),  # servers that leave the prefix out of path
        ("/items", "", "/items"),
    ],
)
def test_route_path(path: str, root_path: str, expected: str) -> None:
    assert route_path({"path": path, "root_path": root_path}) == expected


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"path": "/a", "raw_path": b"/a", "query_string": b""}, b"/a"),
        ({"path": "/a", "raw_path": b"/a", "query_string": b"x=1&y=2"}, b"/a?x=1&y=2"),
        # httpx's ASGITransport puts the query into raw_path as well
        ({"path": "/a", "raw_path": b"/a?x=1", "query_string": b"x=1"}, b"/a?x=1"),
        # raw_path keeps percent-encoding; path is decoded
        ({"path": "/a b/ü", "raw_path": b"/a%20b/%C3%BC"}, b"/a%20b/%C3%BC"),
        # raw_path is optional: the decoded path is re-encoded
        ({"path": "/a b/ü"}, b"/a%20b/%C3%BC"),
        ({"path": "/keep:@!$&'()*+,;=-._~"}, b"/keep:@!$&'()*+,;=-._~"),
        ({"path": "/a", "raw_path": None, "query_string": b"q"}, b"/a?q"),
        # root_path stripping, from raw_path and from path
        ({"path": "/api/x", "raw_path": b"/api/x", "root_path": "/api"}, b"/x"),
        ({"path": "/api", "raw_path": b"/api", "root_path": "/api"}, b"/"),
        ({"path": "/apix", "raw_path": b"/apix", "root_path": "/api"}, b"/apix"),
        ({"path": "/api/x", "root_path": "/api"}, b"/x"),
        ({"path": "/x", "raw_path": b"/x", "root_path": "/api"}, b"/x"),
    ],
)
def test_target_from_scope(scope: dict[str, Any], expected: bytes) -> None:
    assert target_from_scope(scope) == expected


@pytest.mark.parametrize(
    "scope",
    [
        {},  # no path at all
        {"path": None},
        {"path": "/a", "raw_path": "not bytes"},
        {"path": "/a", "raw_path": b"/a", "query_string": "not bytes"},
        {"path": "/a", "raw_path": b"/a", "root_path": b"bytes"},
    ],
)
def test_target_from_malformed_scope(scope: dict[str, Any]) -> None:
    with pytest.raises(MalformedScope, match=r"expected scope\['path'\] \(str\)") as info:
        target_from_scope(scope)
    # The message shows what arrived.
    assert "got path=" in str(info.value)


def test_headers_from_scope() -> None:
    scope = {"headers": [(b"Host", b"example.com"), (b"X-Raw", b"caf\xe9"), (b"x-utf8", "é".encode())]}
    assert headers_from_scope(scope) == [
        ("host", "example.com"),
        # Sanic's parser: UTF-8 with surrogateescape, names lowercased
        ("x-raw", "caf\udce9"),
        ("x-utf8", "é"),
    ]
    assert headers_from_scope({}) == []


@pytest.mark.parametrize(
    "headers",
    [
        [("host", "example.com")],  # str, not bytes
        [(b"host",)],
        [b"host: example.com"],
        42,
    ],
)
def test_headers_from_malformed_scope(headers: Any) -> None:
    expected = r"expected scope\['headers'\] as an iterable of \[name, value\] byte pairs"
    with pytest.raises(MalformedScope, match=expected):
        headers_from_scope({"headers": headers})


# --------------------------------------------------------------------------- #
# Malformed http scopes through ASGIApp
# --------------------------------------------------------------------------- #
def add_echo(app: Sanic) -> None:
    @app.route("/<path:path>", methods=["GET", "POST"])
    async def echo(request: Request, path: str) -> Any:
        return response.json(
            {
                "path": request.path,
                "route": path,
                "query": request.query_string,
                "args": {k: v for k, v in request.args.items()},
                "url": request.url,
            }
        )

    @app.get("/")
    async def root(request: Request) -> Any:
        return response.json({"path": request.path, "url": request.url})


@pytest.mark.parametrize(("missing", "named"), [("method", "'method'")])
async def test_http_scope_missing_method(app: Sanic, server: FakeServer, missing: str, named: str) -> None:
    add_echo(app)
    conn = server.http("GET", "/x")
    del conn.scope[missing]
    with pytest.raises(MalformedScope, match=f"http scope has no {named} key") as info:
        await conn.finish()
    # ...and lists what the scope did have.
    assert "keys: " in str(info.value)
    assert "path" in str(info.value)
    assert conn.sent == []
    assert server.asgi.runtime.inflight == 0


async def test_http_scope_missing_path(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.http("GET", "/x")
    del conn.scope["path"]
    del conn.scope["raw_path"]
    with pytest.raises(MalformedScope, match="got path=None"):
        await conn.finish()
    assert conn.sent == []


async def test_http_scope_headers_not_bytes(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.http("GET", "/x", headers=[("x-str", "value")])  # type: ignore[list-item]
    with pytest.raises(MalformedScope, match="x-str"):
        await conn.finish()
    assert conn.sent == []


async def test_websocket_scope_malformed_is_denied(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.websocket("/x", http_response=True, headers=[("x-str", "value")])  # type: ignore[list-item]
    await conn.finish()
    assert conn.status == 400
    assert b"expected scope['headers']" in conn.body


# --------------------------------------------------------------------------- #
# Paths and query strings as handlers see them
# --------------------------------------------------------------------------- #
async def test_query_string(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = await server.request("GET", "/items", query_string=b"a=1&b=two&a=3&e=%C3%A9")
    data = _json(conn.body)
    assert data["query"] == "a=1&b=two&a=3&e=%C3%A9"
    assert data["args"] == {"a": ["1", "3"], "b": ["two"], "e": ["é"]}
    assert data["url"] == "http://testserver/items?a=1&b=two&a=3&e=%C3%A9"


async def test_root_path_is_stripped(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = await server.request("GET", "/api/items/1", root_path="/api")
    data = _json(conn.body)
    assert data["path"] == "/items/1"
    assert data["route"] == "items/1"


async def test_root_path_prefix_only_at_segment_boundary(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = await server.request("GET", "/apiary", root_path="/api")
    assert _json(conn.body)["path"] == "/apiary"


async def test_root_path_itself_is_the_root(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = await server.request("GET", "/api", root_path="/api")
    assert _json(conn.body)["path"] == "/"


async def test_missing_raw_path(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.http("GET", "/caf é")
    del conn.scope["raw_path"]
    conn.push({"type": "http.request"})
    await conn.finish()
    data = _json(conn.body)
    # As on Sanic's server, request.path is the (percent-encoded) target.
    assert data["path"] == "/caf%20%C3%A9"
    assert data["route"] == "caf%20%C3%A9"
    assert data["url"] == "http://testserver/caf%20%C3%A9"


async def test_url_for_includes_root_path(app: Sanic, server: FakeServer) -> None:
    @app.get("/items/<n:int>", name="item")
    async def item(request: Request, n: int) -> Any:
        return response.text(request.url_for("item", n=n + 1))

    prefixed = await server.request("GET", "/api/items/1", root_path="/api")
    assert prefixed.text == "http://testserver/api/items/2"
    plain = await server.request("GET", "/items/1")
    assert plain.text == "http://testserver/items/2"


async def test_url_for_with_server_name_carrying_the_prefix(app: Sanic, server: FakeServer) -> None:
    app.config.SERVER_NAME = "http://shop.example/api"

    @app.get("/items/<n:int>", name="item")
    async def item(request: Request, n: int) -> Any:
        return response.text(request.url_for("item", n=n))

    conn = await server.request("GET", "/api/items/1", root_path="/api")
    assert conn.text == "http://shop.example/api/items/1"


# --------------------------------------------------------------------------- #
# Connection info (request.ip, request.scheme, ...)
# --------------------------------------------------------------------------- #
def add_conn_info(app: Sanic) -> None:
    @app.get("/info")
    async def info(request: Request) -> Any:
        ci = request.conn_info
        assert ci is not None
        return response.json(
            {
                "ip": request.ip,
                "port": request.port,
                "scheme": request.scheme,
                "server_name": ci.server_name,
                "ssl": ci.ssl,
                "server": ci.server,
                "server_port": ci.server_port,
                "client": ci.client,
                "client_port": ci.client_port,
                "peername": list(ci.peername) if ci.peername else None,
            }
        )


async def test_conn_info_plain_http(app: Sanic, server: FakeServer) -> None:
    add_conn_info(app)
    data = _json((await server.request("GET", "/info")).body)
    assert data == {
        "ip": "127.0.0.1",
        "port": 51000,
        "scheme": "http",
        "server_name": "",
        "ssl": False,
        "server": "127.0.0.1:8123",
        "server_port": 8123,
        "client": "127.0.0.1",
        "client_port": 51000,
        "peername": ["127.0.0.1", 51000],
    }


async def test_conn_info_https_default_port_and_tls_extension(app: Sanic, server: FakeServer) -> None:
    add_conn_info(app)
    conn = await server.request(
        "GET",
        "/info",
        scheme="https",
        server=("10.0.0.1", 443),
        extensions={"tls": {"server_name": "shop.example", "tls_version": 0x0304}},
    )
    data = _json(conn.body)
    assert data["scheme"] == "https"
    assert data["ssl"] is True
    assert data["server"] == "10.0.0.1"  # default port left out, as Sanic's ConnInfo
    assert data["server_name"] == "shop.example"


async def test_conn_info_tls_extension_with_http_scheme(app: Sanic, server: FakeServer) -> None:
    add_conn_info(app)
    conn = await server.request("GET", "/info", extensions={"tls": {"server_name": None}})
    data = _json(conn.body)
    assert data["ssl"] is True
    assert data["server_name"] == ""


async def test_conn_info_ipv6(app: Sanic, server: FakeServer) -> None:
    add_conn_info(app)
    conn = await server.request("GET", "/info", client=("::1", 40000), server=("::1", 80))
    data = _json(conn.body)
    assert data["ip"] == "::1"
    assert data["client"] == "[::1]"
    assert data["server"] == "[::1]"


async def test_conn_info_unix_socket_and_no_client(app: Sanic, server: FakeServer) -> None:
    add_conn_info(app)
    conn = await server.request("GET", "/info", client=None, server=("/tmp/app.sock", None))
    data = _json(conn.body)
    assert data["ip"] == ""
    assert data["server"] == "/tmp/app.sock"
    assert data["server_port"] == 0
    assert data["peername"] is None


async def test_transport_without_client_or_server(app: Sanic, server: FakeServer) -> None:
    seen: list[Any] = []

    @app.get("/")
    async def index(request: Request) -> Any:
        seen.append(request.transport.get_extra_info("peername", "none"))
        seen.append(request.transport.get_extra_info("sockname", "none"))
        return response.text("ok")

    conn = server.http("GET", "/").push({"type": "http.request"})
    del conn.scope["client"]
    del conn.scope["server"]
    await conn.finish()
    assert seen == ["none", "none"]


def _json(body: bytes) -> Any:
    import json

    return json.loads(body)


def test_scope_method_is_read_by_both_http_cycles() -> None:
    """One check for HTTPCycle and the callback generation's LegacyHTTPCycle."""
    assert scope_method({"type": "http", "method": "GET"}) == "GET"
    with pytest.raises(MalformedScope, match=r"scope\['method'\] must be a str, got b'GET'"):
        scope_method({"type": "http", "method": b"GET"})
    with pytest.raises(MalformedScope, match="http scope has no 'method' key: type='http', keys: path, type"):
        scope_method({"type": "http", "path": "/"})
