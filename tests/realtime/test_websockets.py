"""Websockets through real servers, with the ``websockets`` client on the other end.

Sanic's own server (``sanic/server/websockets/impl.py``) is the reference for
every expectation here; the basic handshake cases (echo, subprotocol choice,
close from the app, 1011, 426) live in ``tests/conformance``.  This module
goes further: the rest of the handler-side interface (``async for``,
``recv(timeout)``, ``recv_burst``, ``ping``/``pong``, the exceptions on a
closed connection), message sizes and fragments, many sockets at once, how a
client's close or abort reaches the handler, and a refusal before accept.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.realtime.conftest import Served, new_key

pytestmark = pytest.mark.timeout(60)

MiB = 1 << 20
NO_AITER = "the websocket object has no __aiter__: `async for message in ws` raises TypeError"
# hypercorn puts both keys in websocket.receive ({"bytes": b"..", "text": None})
# and native recv() returns message["text"]: every binary message reads as None.
BINARY_AS_NONE = "binary messages read as None: recv() returns message['text'], which hypercorn sets to None"
HYPERCORN = ("hypercorn-h11", "hypercorn-h2")

# What a server cannot carry, whatever the app does (measured with a bare ASGI
# app): daphne (autobahn) drops empty messages the app sends, drops close
# reasons both ways, refuses close codes other than 1000 and 3000-4999 (the
# adapter then closes with 1000) and has no websocket.http.response; granian
# reports no reason in websocket.disconnect and 1005 for a dropped connection,
# as uvicorn's wsproto implementation does; hypercorn reports every client
# close as 1006 with no reason (hypercorn/protocol/ws_stream.py, StreamClosed).
NO_EMPTY_MESSAGES = {"daphne"}
NO_REASON_TO_APP = {"daphne", "granian", "gunicorn-asgi"}
NO_REASON_TO_CLIENT = {"daphne"}
CLIENT_CLOSE_CODE = {"hypercorn-h11": 1006, "hypercorn-h2": 1006}
ABORT_CODE = {"uvicorn-h11": 1005, "granian": 1005}
NO_HTTP_RESPONSE_EXTENSION = {"daphne", "gunicorn-asgi"}


def code_seen_by_client(served: Served, code: int) -> int:
    if served.kind.id == "daphne" and not (code == 1000 or 3000 <= code <= 4999):
        return 1000
    return code


async def recv(ws: Any, timeout: float = 5.0) -> Any:
    return await asyncio.wait_for(ws.recv(), timeout)


async def closed_with(ws: Any, timeout: float = 5.0) -> tuple[int | None, str | None]:
    """Wait for the server to close ``ws``; the close code and reason it sent."""
    try:
        while True:
            await recv(ws, timeout)
    except ConnectionClosed:
        pass
    rcvd = ws.protocol.close_rcvd
    return (rcvd.code, rcvd.reason) if rcvd is not None else (None, None)


# --------------------------------------------------------------------------- #
# The handler-side interface
# --------------------------------------------------------------------------- #
@pytest.mark.native_gap(NO_AITER)
async def test_async_for_keeps_text_and_bytes_apart(served: Served) -> None:
    async with served.ws("/ws/echo") as ws:
        await ws.send("héllo ✓")
        assert await recv(ws) == "héllo ✓"
        await ws.send(b"\x00\xff binary")
        assert await recv(ws) == b"\x00\xff binary"
        if served.kind.id not in NO_EMPTY_MESSAGES:
            await ws.send("")
            assert await recv(ws) == ""
            await ws.send(b"")
            assert await recv(ws) == b""


@pytest.mark.native_gap("recv(timeout) ignores the timeout and waits for a message (Sanic's returns None)")
async def test_recv_timeout_returns_none(served: Served) -> None:
    async with served.ws("/ws/recv-timeout") as ws:
        assert await recv(ws, served.patience) == "timeout:None"
        await ws.send("late")
        assert await recv(ws) == "got:late"


@pytest.mark.native_gap("the websocket object has no recv_burst()")
async def test_recv_burst_collects_what_arrived(served: Served) -> None:
    async with served.ws("/ws/burst") as ws:
        await ws.send("first")
        assert await recv(ws) == "send-more"
        for message in ("b", "c", "end"):
            await ws.send(message)
        assert await recv(ws) == "first|b|c|end"


@pytest.mark.native_gap("the websocket object has no ping()/pong()")
async def test_ping_and_pong_do_not_fail(served: Served) -> None:
    # ASGI has no ping frames: ping() resolves at once, the server keeps the
    # connection alive; code written for Sanic's server keeps working.
    async with served.ws("/ws/ping") as ws:
        assert await recv(ws) == "ping-ok"


@pytest.mark.native_gap("the websocket object has no .subprotocol and no __aiter__")
async def test_blueprint_websocket_negotiates_subprotocol(served: Served) -> None:
    async with served.ws("/bp/chat", subprotocols=["chat.v1", "other"]) as ws:
        assert ws.subprotocol == "chat.v1"
        await ws.send("hi")
        assert await recv(ws) == "chat.v1:hi"


# --------------------------------------------------------------------------- #
# Sizes, fragments, many sockets
# --------------------------------------------------------------------------- #
async def echo_once(served: Served, data: str | bytes) -> str | bytes:
    async with served.ws("/ws/echo-recv", max_size=None) as ws:
        await ws.send(data)
        return await recv(ws, 20)  # type: ignore[no-any-return]


# WEBSOCKET_MAX_SIZE defaults to 1 MiB: a message of exactly that size passes.
@pytest.mark.native_gap(BINARY_AS_NONE, servers=HYPERCORN)
async def test_one_mib_binary_message(served: Served) -> None:
    data = bytes(range(256)) * (MiB // 256)
    assert await echo_once(served, data) == data


async def test_one_mib_text_message(served: Served) -> None:
    data = "é" * (MiB // 2)  # 1 MiB of UTF-8
    echoed = await echo_once(served, data)
    assert isinstance(echoed, str)
    assert echoed == data


@pytest.mark.native_gap("WEBSOCKET_MAX_SIZE is not enforced: an oversized message is delivered, no 1009 close")
async def test_message_over_websocket_max_size_closes_1009(served: Served) -> None:
    if served.kind.id == "daphne":
        pytest.skip("daphne drops a connection whose message is over its own 1 MiB limit before the app sees it")
    async with served.ws("/ws/echo-recv", max_size=None) as ws:
        await ws.send(b"x" * (MiB + 1))
        code, _ = await closed_with(ws, served.patience)
    assert code == code_seen_by_client(served, 1009)


@pytest.mark.native_gap(BINARY_AS_NONE, servers=HYPERCORN)
async def test_fragmented_messages_from_the_client(served: Served) -> None:
    async with served.ws("/ws/echo-recv") as ws:
        await ws.send(["frag-one|", "frag-two|", "frag-three"])
        assert await recv(ws) == "frag-one|frag-two|frag-three"
        await ws.send([b"\x01" * 70000, b"\x02" * 70000])
        assert await recv(ws) == b"\x01" * 70000 + b"\x02" * 70000


@pytest.mark.native_gap(BINARY_AS_NONE, servers=HYPERCORN)
@pytest.mark.timeout(90)
async def test_a_hundred_concurrent_sockets(served: Served) -> None:
    count = 100
    opened = asyncio.Event()
    ready = 0

    async def client(i: int) -> list[Any]:
        nonlocal ready
        async with served.ws("/ws/echo-recv", open_timeout=30) as ws:
            ready += 1
            if ready == count:
                opened.set()
            # Every socket is open before any talks: the handlers run side by side.
            await asyncio.wait_for(opened.wait(), 30)
            got = []
            for round_ in range(3):
                await ws.send(f"{i}:{round_}")
                got.append(await recv(ws, 20))
            await ws.send(bytes([i]))
            got.append(await recv(ws, 20))
            return got

    results = await asyncio.gather(*(client(i) for i in range(count)))
    assert results == [[f"{i}:0", f"{i}:1", f"{i}:2", bytes([i])] for i in range(count)]


# --------------------------------------------------------------------------- #
# Closing: who closes, and what each side sees
# --------------------------------------------------------------------------- #
@pytest.mark.native_gap(
    "recv() returns None when the client goes away (Sanic's raises CancelledError), and the handler has no close code"
)
@pytest.mark.parametrize("how", ["close-4002", "abort"])
async def test_client_going_away_ends_the_handler(served: Served, how: str) -> None:
    key = new_key()
    async with served.ws(f"/ws/observe/{key}") as ws:
        await ws.send("hello")
        assert await recv(ws) == "ok"
        if how == "abort":
            ws.transport.abort()  # TCP gone, no close frame
        else:
            await ws.close(4002, "client leaving")
    events = await served.await_events(key, lambda e: any(str(x).startswith("finally") for x in e))
    kind_id = served.kind.id
    if how == "abort":
        expected_close = f"finally:{ABORT_CODE.get(kind_id, 1006)}:"
    elif kind_id in CLIENT_CLOSE_CODE:
        expected_close = f"finally:{CLIENT_CLOSE_CODE[kind_id]}:"
    elif kind_id in NO_REASON_TO_APP:
        expected_close = "finally:4002:"
    else:
        expected_close = "finally:4002:client leaving"
    # As on Sanic's server: a close while the handler waits in recv() raises
    # CancelledError there, and the handler ends quietly.
    assert events == ["hello", "cancelled", expected_close]


@pytest.mark.native_gap("close() sends nothing: the peer gets the server's 1000 and send() still works after close()")
async def test_app_close_reaches_client_and_send_after_it_raises(served: Served) -> None:
    key = new_key()
    async with served.ws(f"/ws/after-close/{key}") as ws:
        code, reason = await closed_with(ws)
    assert code == 4003
    assert reason == ("" if served.kind.id in NO_REASON_TO_CLIENT else "app is done")
    assert await served.await_events(key, bool) == ["send:WebsocketClosed"]


@pytest.mark.native_gap("the websocket object has no wait_for_connection_lost()")
async def test_recv_and_send_after_the_peer_left_raise_websocket_closed(served: Served) -> None:
    key = new_key()
    async with served.ws(f"/ws/peer-gone/{key}") as ws:
        assert await recv(ws) == "ready"
    events = await served.await_events(key, lambda e: len(e) >= 3, served.patience)
    assert events == ["lost:True", "recv:WebsocketClosed", "send:WebsocketClosed"]


# hypercorn closes with 1011 itself when an app returns without a close.
@pytest.mark.native_gap(
    "a handler that raises leaves the close to the server: 1000, not 1011",
    servers=("uvicorn-h11", "uvicorn-httptools", "granian"),
)
async def test_handler_error_closes_1011_and_is_logged(served: Served) -> None:
    mark = served.log_mark()
    async with served.ws("/ws/fail-after-send") as ws:
        assert await recv(ws) == "about to fail"
        code, _ = await closed_with(ws)
    assert code == code_seen_by_client(served, 1011)
    log = served.process.wait_for_log("failed on purpose", mark)
    assert "ValueError: realtime websocket handler failed on purpose" in log


# --------------------------------------------------------------------------- #
# Refusing the handshake
# --------------------------------------------------------------------------- #
@pytest.mark.native_gap(
    "a middleware response before accept is sent as http.response.* on a websocket scope",
    servers=("uvicorn-h11", "uvicorn-httptools", *HYPERCORN),  # granian takes those as a refusal
)
async def test_middleware_refusal_before_accept(served: Served) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with served.ws("/ws/private"):
            pass
    res = refused.value.response
    assert res.status_code == 403
    if served.kind.id not in NO_HTTP_RESPONSE_EXTENSION:
        assert res.body == b"forbidden: token required"
    async with served.ws("/ws/private?token=letmein") as ws:
        assert await recv(ws) == "welcome"
