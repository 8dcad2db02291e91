"""Point 4: what a handler learns about the connection, and proxy settings.

On Sanic's server ``request.ip``/``port`` come from the socket's peer,
``conn_info.server``/``server_port`` from its local address, ``scheme`` from
TLS; here they come from ``scope["client"]``, ``scope["server"]`` and
``scope["scheme"]``.  ``server_name``/``server_port`` are Sanic's own
derivation from the Host header, identical on both.
"""

from __future__ import annotations

import pytest

from tests._servers import HOST

from .conftest import Served


def test_hello(server: Served) -> None:
    response = server.get("/hello")
    assert response.status_code == 200
    assert response.text == "Hello, world"
    assert response.http_version == ("HTTP/2" if server.kind.http2 else "HTTP/1.1")


def test_routing_and_path_parameters(server: Served) -> None:
    response = server.get("/items/12")
    assert response.json() == {"item": 12, "path": "/items/12"}
    assert server.get("/nowhere").status_code == 404


@pytest.mark.native_gap("conn_info.server/server_port stay empty: Sanic's ConnInfo asks the transport for 'sockname'")
def test_peer_and_local_address(server: Served) -> None:
    with server.client() as client:
        info = client.get("/info?a=1").json()
    scheme = server.kind.scheme
    assert info["ip"] == HOST
    assert isinstance(info["port"], int)
    assert info["port"] > 0
    assert info["port"] != server.port
    assert info["scheme"] == scheme
    assert info["url"] == f"{scheme}://{HOST}:{server.port}/info?a=1"
    assert info["server_name"] == HOST
    assert info["server_port"] == server.port
    conn = info["conn_info"]
    assert conn["client_ip"] == HOST
    assert conn["client_port"] == info["port"]
    assert conn["peername"] == [HOST, info["port"]]
    assert conn["ssl"] is server.kind.tls
    assert conn["server_port"] == server.port
    assert conn["server"] == f"{HOST}:{server.port}"


def test_forwarded_headers_not_trusted_by_default(server: Served) -> None:
    """Without FORWARDED_SECRET / REAL_IP_HEADER / PROXIES_COUNT, Sanic
    ignores X-Forwarded-For, X-Real-IP and Forwarded."""
    headers = {
        "x-forwarded-for": "203.0.113.9",
        "x-real-ip": "203.0.113.10",
        "forwarded": "for=203.0.113.11;proto=https;secret=s3cret",
        "x-forwarded-proto": "https",
    }
    info = server.get("/info", headers=headers).json()
    assert info["client_ip"] == HOST
    assert info["remote_addr"] == ""
    assert info["forwarded"] == {}


@pytest.mark.native_gap(
    "request.scheme is 'http' over TLS: Sanic's ConnInfo asks for 'ssl_object', the ASGI mock transport has none",
    servers=("hypercorn-h2",),
)
def test_scheme_from_scope(server: Served) -> None:
    info = server.get("/info", headers={"x-forwarded-proto": "https"}).json()
    assert info["scheme"] == server.kind.scheme
    assert info["conn_info"]["ssl"] is server.kind.tls


def test_forwarded_secret(tuned_server: Served) -> None:
    info = tuned_server.get(
        "/info", headers={"forwarded": "for=203.0.113.11;proto=https;host=shop.example;secret=s3cret"}
    ).json()
    assert info["remote_addr"] == "203.0.113.11"
    assert info["client_ip"] == "203.0.113.11"
    assert info["ip"] == HOST
    assert info["scheme"] == "https"
    assert info["host"] == "shop.example"
    assert info["url"] == "https://shop.example/info"


def test_forwarded_with_a_wrong_secret_is_ignored(tuned_server: Served) -> None:
    info = tuned_server.get("/info", headers={"forwarded": "for=203.0.113.11;secret=wrong"}).json()
    assert info["remote_addr"] == ""
    assert info["client_ip"] == HOST


def test_real_ip_header(tuned_server: Served) -> None:
    info = tuned_server.get("/info", headers={"x-real-ip": "203.0.113.10"}).json()
    assert info["remote_addr"] == "203.0.113.10"
    assert info["client_ip"] == "203.0.113.10"


def test_proxies_count(tuned_server: Served) -> None:
    """PROXIES_COUNT=1: the last X-Forwarded-For entry is the client."""
    info = tuned_server.get(
        "/info", headers={"x-forwarded-for": "198.51.100.1, 203.0.113.9", "x-forwarded-proto": "https"}
    ).json()
    assert info["remote_addr"] == "203.0.113.9"
    assert info["scheme"] == "https"
