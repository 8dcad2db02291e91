"""Websockets through every server: Sanic's ``ws`` interface over ASGI.

Sanic's own server is the reference (``sanic/server/websockets/impl.py``):
subprotocols negotiated by the ``websockets`` library, ``close(code,
reason)`` reaching the peer, 1011 when the handler raises, and 426 for a
plain HTTP request to a websocket route.  The client is the ``websockets``
library's synchronous one; uvicorn runs its ``wsproto`` implementation for
uvicorn-h11 and its ``websockets`` one for uvicorn-httptools.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus, NegotiationError
from websockets.server import ServerProtocol
from websockets.sync.client import ClientConnection, connect

from tests._servers import HOST

from .conftest import Served, new_key, require

SERVER_SUBPROTOCOLS = ["chat.v2", "chat.v1"]


# What each server tells the app when the client closes with (4002, "bye"):
# the ASGI websocket.disconnect event carries "code" and, since spec 2.3,
# "reason"; not every server fills them in.
CLIENT_CLOSE_AS_SEEN_BY_THE_APP = {
    "uvicorn-h11": "4002:bye",
    "uvicorn-httptools": "4002:bye",
    # hypercorn 0.18 reports 1000/1006 by its own state, never the peer's code.
    "hypercorn-h11": "1006:",
    "hypercorn-h2": "1006:",
    # granian 2.8, daphne 4.2 and gunicorn 27 pass the code but not the reason.
    "granian": "4002:",
    "daphne": "4002:",
    "gunicorn-asgi": "4002:",
}


@contextmanager
def websocket(server: Served, path: str, **kwargs: Any) -> Iterator[ClientConnection]:
    require(server.kind, "websockets")
    if server.ssl_context is not None:
        # A context of its own: httpx adds "h2" to the ALPN list of the
        # context it is given, and a websocket handshake needs HTTP/1.1.
        context = ssl.create_default_context(cafile=str(server.process.tls.cert))  # type: ignore[union-attr]
        context.set_alpn_protocols(["http/1.1"])
        kwargs.setdefault("ssl", context)
    with connect(server.ws_url + path, open_timeout=10, close_timeout=5, **kwargs) as ws:
        yield ws


# hypercorn sends binary messages as {"bytes": ..., "text": None}: native
# ASGI's recv() returns message["text"], None, and the echo loop ends.
@pytest.mark.native_gap(
    "a binary message arrives as None when the server also sends 'text': None",
    servers=("hypercorn-h11", "hypercorn-h2"),
)
def test_echo_text_and_bytes(server: Served) -> None:
    with websocket(server, "/ws/echo") as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "hello"
        ws.send(b"\x00\x01binary")
        assert ws.recv(timeout=5) == b"\x00\x01binary"
        ws.send("é" * 5000)
        assert ws.recv(timeout=5) == "é" * 5000


@pytest.mark.parametrize("offered", [["chat.v1", "chat.v2"], ["chat.v1"]])
@pytest.mark.native_gap("the ws object has no .subprotocol attribute (AttributeError in the handler)")
def test_subprotocol_negotiation(server: Served, offered: list[str]) -> None:
    expected = ServerProtocol(subprotocols=SERVER_SUBPROTOCOLS).select_subprotocol(offered)  # type: ignore[arg-type]
    with websocket(server, "/ws/subprotocol", subprotocols=offered) as ws:  # type: ignore[arg-type]
        assert ws.subprotocol == expected
        assert ws.recv(timeout=5) == f"subprotocol={expected}"


@pytest.mark.parametrize("offered", [["other"], None], ids=["mismatch", "none-offered"])
@pytest.mark.native_gap("a handshake offering none of the route's subprotocols is accepted (Sanic answers 400)")
def test_subprotocol_negotiation_failure_is_refused(server: Served, offered: list[str] | None) -> None:
    """websockets 16 (the negotiation Sanic's server runs) refuses a client
    that offers none of the route's subprotocols, or none at all."""
    with pytest.raises(NegotiationError):
        ServerProtocol(subprotocols=SERVER_SUBPROTOCOLS).select_subprotocol(offered or [])  # type: ignore[arg-type]
    with pytest.raises(InvalidStatus) as info, websocket(server, "/ws/subprotocol", subprotocols=offered):  # type: ignore[arg-type]
        pass
    # 400 as on Sanic's server where the server lets the app answer the
    # handshake (websocket.http.response); a plain 403 otherwise.
    assert info.value.response.status_code in (400, 403)


@pytest.mark.native_gap("ws.close(code, reason) does nothing: the peer sees the server's own close")
def test_close_code_and_reason_from_the_app(server: Served) -> None:
    with websocket(server, "/ws/close") as ws:
        ws.send("close please")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 4001
        # daphne (autobahn) sends the code without the reason.
        assert ws.close_reason == ("" if server.kind.id == "daphne" else "closed by the app")


def test_close_from_the_client_ends_the_handler(server: Served) -> None:
    key = new_key()
    with websocket(server, f"/ws/observe/{key}") as ws:
        ws.send("first")
        assert ws.recv(timeout=5) == "ok"
        ws.close(4002, "bye")
    events = server.wait_events(key, lambda e: any(str(x).startswith("closed:") for x in e))
    assert events[0] == "first"
    assert events[-1].startswith("closed:")
    if server.impl == "ours":
        # WebSocketConnection.close_code/close_reason: what the server says
        # the client sent.
        assert events[-1] == f"closed:{CLIENT_CLOSE_AS_SEEN_BY_THE_APP[server.kind.id]}"


# hypercorn and gunicorn close with 1011 themselves when the app ends without a close.
@pytest.mark.native_gap(
    "a handler that raises does not close with 1011", not_on=("hypercorn-h11", "hypercorn-h2", "gunicorn-asgi")
)
def test_handler_exception_closes_with_1011(server: Served) -> None:
    if server.kind.id == "daphne":
        pytest.skip("daphne only sends the close codes 1000 and 3000-4999 (no 1011)")
    with websocket(server, "/ws/raise") as ws:
        ws.send("go")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 1011


@pytest.mark.native_gap("a plain HTTP GET to a websocket route is a 400 'Improper websocket connection', not 426")
def test_plain_http_to_a_websocket_route_is_426(server: Served) -> None:
    response = server.get("/ws/echo")
    assert response.status_code == 426
    if not server.kind.http2:  # HTTP/2 forbids the connection-specific Upgrade header
        assert response.headers.get("upgrade", "").lower() == "websocket"


@pytest.mark.native_gap(
    "request.scheme is 'ws' over TLS (no 'ssl_object' on the mock transport)", servers=("hypercorn-h2",)
)
def test_connection_info_over_websocket(server: Served) -> None:
    with websocket(server, "/ws/info") as ws:
        scheme, ip, port, path, url = str(ws.recv(timeout=5)).split("|")
        assert scheme == server.kind.ws_scheme
        assert ip == HOST
        assert int(port) == ws.local_address[1]
        assert path == "/ws/info"
        assert url == f"{server.kind.ws_scheme}://{HOST}:{server.port}/items/7"


@pytest.mark.native_gap("routes on raw_path, which still carries the root_path prefix")
def test_websocket_under_root_path(prefixed_server: Served) -> None:
    with websocket(prefixed_server, "/ws/info") as ws:
        scheme, _, _, path, url = str(ws.recv(timeout=5)).split("|")
        assert path == "/ws/info"
        assert url == f"{scheme}://{HOST}:{prefixed_server.port}/api/items/7"
