"""WebSocketCycle and WebSocketConnection, message by message.

Sanic's own server (``sanic/server/websockets/impl.py``) is the reference:
``recv`` returns str/bytes/None, raises ``WebsocketClosed`` after the close,
and a peer close while ``recv`` waits ends the handler quietly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pytest
from sanic import Request, Sanic, response
from sanic.exceptions import ServerError, Unauthorized, WebsocketClosed

from sanic_asgi import UnexpectedMessage, WebSocketConnection
from tests.asgi_driver import Connection, FakeServer, settle, wait_for

pytestmark = pytest.mark.timeout(20)


def receive_text(text: str) -> dict[str, Any]:
    return {"type": "websocket.receive", "text": text}


def receive_bytes(data: bytes) -> dict[str, Any]:
    return {"type": "websocket.receive", "bytes": data}


def add_echo(app: Sanic, path: str = "/ws", **options: Any) -> list[Any]:
    """An echo route; returns the list it appends its events to."""
    events: list[Any] = []

    @app.websocket(path, **options)
    async def echo(request: Request, ws: Any) -> None:
        events.append(("subprotocol", ws.subprotocol))
        try:
            while True:
                message = await ws.recv()
                events.append(message)
                await ws.send(message)
        finally:
            events.append("finally")

    return events


async def open_ws(conn: Connection) -> dict[str, Any]:
    conn.start()
    message = await conn.next_message()
    assert message["type"] == "websocket.accept", message
    return message


# --------------------------------------------------------------------------- #
# Handshake
# --------------------------------------------------------------------------- #
async def test_echo_text_and_bytes(app: Sanic, server: FakeServer, no_leaked_tasks: Any) -> None:
    events = add_echo(app)
    async with no_leaked_tasks():
        conn = server.websocket("/ws")
        accept = await open_ws(conn)
        assert accept["subprotocol"] is None
        conn.push(receive_text("héllo"))
        assert await conn.next_message() == {"type": "websocket.send", "text": "héllo"}
        conn.push(receive_bytes(b"\x00\x01"))
        assert await conn.next_message() == {"type": "websocket.send", "bytes": b"\x00\x01"}
        conn.disconnect(1000)
        await conn.finish()
    assert events == [("subprotocol", None), "héllo", b"\x00\x01", "finally"]
    # The peer closed: nothing is sent after its close.
    assert conn.types == ["websocket.accept", "websocket.send", "websocket.send"]


@pytest.mark.parametrize(
    ("offered", "selected"),
    [
        # websockets' ServerProtocol.select_subprotocol, as on Sanic's server:
        # the first of the *server's* list that the client offers.
        (["superchat", "chat"], "chat"),
        (["other", "superchat"], "superchat"),
    ],
)
async def test_subprotocol_negotiation(
    app: Sanic, server: FakeServer, offered: list[str], selected: str | None
) -> None:
    add_echo(app, subprotocols=["chat", "superchat"])
    conn = server.websocket("/ws", subprotocols=offered)
    accept = await open_ws(conn)
    assert accept["subprotocol"] == selected
    conn.disconnect()
    await conn.finish()


@pytest.mark.parametrize("offered", [[], ["unknown"]])
async def test_subprotocol_negotiation_failure_is_a_400_denial(
    app: Sanic, server: FakeServer, offered: list[str]
) -> None:
    # websockets refuses the handshake when the route requires subprotocols
    # and the client offers none of them; Sanic's server answers 400.
    add_echo(app, subprotocols=["chat"])
    conn = server.websocket("/ws", subprotocols=offered, http_response=True)
    await conn.finish()
    assert conn.status == 400
    assert b"Failed to open a WebSocket connection" in conn.body
    conn.checker.assert_complete()


async def test_route_without_subprotocols_ignores_offers(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.websocket("/ws", subprotocols=["chat"])
    accept = await open_ws(conn)
    assert accept["subprotocol"] is None
    conn.disconnect()
    await conn.finish()


async def test_disconnect_before_connect_returns_quietly(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.websocket("/ws", connect=False)
    conn.push({"type": "websocket.disconnect", "code": 1006})
    await conn.finish()
    assert conn.sent == []


async def test_first_message_must_be_connect(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.websocket("/ws", connect=False)
    conn.push(receive_text("too early"))
    with pytest.raises(UnexpectedMessage, match=r"expected 'websocket\.connect' as the first message, got"):
        await conn.finish()


# --------------------------------------------------------------------------- #
# Denial before accept
# --------------------------------------------------------------------------- #
def add_auth(app: Sanic) -> None:
    @app.on_request
    async def auth(request: Request) -> Any:
        if "token" not in request.args:
            return response.text("go away", status=403, headers={"X-Reason": "no token"})
        return None


async def test_denial_with_http_response_extension(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    add_auth(app)
    conn = server.websocket("/ws", http_response=True)
    await conn.finish()
    assert conn.types == ["websocket.http.response.start", "websocket.http.response.body"]
    assert conn.status == 403
    assert conn.body == b"go away"
    assert conn.header("content-length") == "7"
    assert conn.header("x-reason") == "no token"
    conn.checker.assert_complete()


async def test_denial_without_extension_is_a_plain_close(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    add_auth(app)
    conn = server.websocket("/ws")
    await conn.finish()
    # The server answers the handshake with 403.
    assert conn.types == ["websocket.close"]
    conn.checker.assert_complete()


async def test_accepted_when_middleware_lets_it_through(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    add_auth(app)
    conn = server.websocket("/ws", query_string=b"token=1")
    await open_ws(conn)
    conn.disconnect()
    await conn.finish()


async def test_exception_before_accept_is_a_denial(app: Sanic, server: FakeServer) -> None:
    add_echo(app)

    @app.on_request
    async def auth(request: Request) -> None:
        raise Unauthorized("who are you?")

    conn = server.websocket("/ws", http_response=True)
    await conn.finish()
    assert conn.status == 401
    assert b"who are you?" in conn.body


async def test_unknown_route_is_a_404_denial(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.websocket("/nowhere", http_response=True)
    await conn.finish()
    assert conn.status == 404


async def test_bad_url_is_a_400_denial(app: Sanic, server: FakeServer) -> None:
    add_echo(app)
    conn = server.websocket("/a b", http_response=True)
    await conn.finish()
    assert conn.status == 400


async def test_http_route_streamed_to_a_websocket_client(app: Sanic, server: FakeServer) -> None:
    # A websocket request that reaches a plain HTTP route gets that route's
    # answer as the (streamed) denial response.
    @app.get("/plain")
    async def plain(request: Request) -> None:
        res = await request.respond(content_type="text/plain")
        await res.send(b"part")
        await res.send(b"s")
        await res.eof()

    conn = server.websocket("/plain", http_response=True)
    await conn.finish()
    assert conn.status == 200
    assert conn.body == b"parts"
    assert conn.header("content-length") is None
    conn.checker.assert_complete()

    plain_close = server.websocket("/plain")
    await plain_close.finish()
    assert plain_close.types == ["websocket.close"]


# --------------------------------------------------------------------------- #
# recv / send semantics (WebsocketImplProtocol)
# --------------------------------------------------------------------------- #
async def test_recv_timeout_returns_none(app: Sanic, server: FakeServer) -> None:
    results: list[Any] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        results.append(await ws.recv(timeout=0.05))
        results.append(await ws.recv(timeout=0))
        results.append(await ws.recv(timeout=5))

    conn = server.websocket("/ws")
    await open_ws(conn)
    await wait_for(lambda: len(results) == 2)
    conn.push(receive_text("late"))
    await conn.finish()
    assert results == [None, None, "late"]
    assert conn.ws.close_code == 1000


async def test_recv_with_zero_timeout_returns_queued_message(app: Sanic, server: FakeServer) -> None:
    results: list[Any] = []
    ready = asyncio.Event()

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await ready.wait()
        results.append(await ws.recv(timeout=0))

    conn = server.websocket("/ws")
    await open_ws(conn)
    conn.push(receive_text("queued"))
    await wait_for(lambda: len(conn.received) == 2)
    await settle()  # let the reader task queue it
    ready.set()
    await conn.finish()
    assert results == ["queued"]


async def test_recv_after_close_raises_websocket_closed(app: Sanic, server: FakeServer) -> None:
    outcome: list[Any] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await ws.close()
        try:
            await ws.recv()
        except WebsocketClosed as exc:
            outcome.append(exc)
        try:
            await ws.send("x")
        except WebsocketClosed as exc:
            outcome.append(exc)

    conn = server.websocket("/ws")
    await conn.finish()
    assert [type(e) for e in outcome] == [WebsocketClosed, WebsocketClosed]
    assert conn.types == ["websocket.accept", "websocket.close"]


async def test_messages_received_before_close_can_still_be_read(app: Sanic, server: FakeServer) -> None:
    got: list[Any] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await ws.wait_for_connection_lost()
        got.append(await ws.recv())
        with pytest.raises(WebsocketClosed):
            await ws.recv()

    conn = server.websocket("/ws")
    await open_ws(conn)
    conn.push(receive_text("last words"))
    conn.disconnect(1001, "going away")
    await conn.finish()
    assert got == ["last words"]


async def test_client_close_while_recv_pending_ends_handler(
    app: Sanic, server: FakeServer, no_leaked_tasks: Any
) -> None:
    events: list[str] = []
    seen: list[Any] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        try:
            await ws.recv()
            events.append("recv returned")
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        finally:
            events.append("finally")
            seen.append((ws.close_code, ws.close_reason))

    async with no_leaked_tasks():
        conn = server.websocket("/ws")
        await open_ws(conn)
        await settle()  # the handler is in recv()
        conn.disconnect(4000, "client left")
        await conn.finish()
    assert events == ["cancelled", "finally"]
    assert seen == [(4000, "client left")]
    assert conn.types == ["websocket.accept"]
    assert server.asgi.runtime.inflight == 0


async def test_close_code_and_reason_reach_the_peer(app: Sanic, server: FakeServer) -> None:
    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await ws.send("bye soon")
        await ws.close(4001, "custom reason")
        await ws.close(1000, "second close is a no-op")

    conn = server.websocket("/ws")
    await conn.finish()
    assert conn.sent[-1] == {"type": "websocket.close", "code": 4001, "reason": "custom reason"}
    assert conn.types.count("websocket.close") == 1


async def test_handler_return_closes_1000(app: Sanic, server: FakeServer) -> None:
    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await ws.send("hi")

    conn = server.websocket("/ws")
    await conn.finish()
    assert conn.sent[-1] == {"type": "websocket.close", "code": 1000, "reason": ""}


async def test_handler_exception_closes_1011(app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await ws.send("about to fail")
        raise ValueError("handler bug")

    conn = server.websocket("/ws")
    await conn.finish()
    assert conn.sent[-1]["type"] == "websocket.close"
    assert conn.sent[-1]["code"] == 1011
    assert "handler bug" in caplog.text


async def test_handler_raising_cancelled_error_closes_1000(app: Sanic, server: FakeServer) -> None:
    # Sanic treats a cancelled handler as ended (end_connection(1000)).
    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        raise asyncio.CancelledError()

    conn = server.websocket("/ws")
    await conn.finish()
    assert conn.sent[-1] == {"type": "websocket.close", "code": 1000, "reason": ""}


async def test_server_cancelling_the_connection_ends_the_handler(app: Sanic, server: FakeServer) -> None:
    # Sanic's _websocket_handler treats a cancelled handler as ended and
    # closes with 1000 (end_connection); the connection then ends cleanly.
    events: list[str] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        try:
            await ws.recv()
        finally:
            events.append("finally")

    conn = server.websocket("/ws")
    await open_ws(conn)
    await settle()  # the handler is in recv()
    assert conn.task is not None
    conn.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await conn.task
    assert events == ["finally"]
    assert conn.sent[-1] == {"type": "websocket.close", "code": 1000, "reason": ""}
    assert server.asgi.runtime.inflight == 0


async def test_max_size_closes_1009(app: Sanic, server: FakeServer) -> None:
    app.config.WEBSOCKET_MAX_SIZE = 8
    events = add_echo(app)
    conn = server.websocket("/ws")
    await open_ws(conn)
    conn.push(receive_text("12345678"))
    assert await conn.next_message() == {"type": "websocket.send", "text": "12345678"}
    conn.push(receive_bytes(b"123456789"))
    await conn.finish()
    assert conn.sent[-1] == {"type": "websocket.close", "code": 1009, "reason": "message too big"}
    assert events[-1] == "finally"


async def test_send_rules(app: Sanic, server: FakeServer) -> None:
    errors: dict[str, type[BaseException]] = {}

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        for label, payload in [("dict", {"a": 1}), ("list", ["a", "b"]), ("int", 42)]:
            try:
                await ws.send(payload)
            except Exception as exc:
                errors[label] = type(exc)
        await ws.send(bytearray(b"ba"))
        await ws.send(memoryview(b"mv"))

    conn = server.websocket("/ws")
    await conn.finish()
    assert errors == {"dict": TypeError, "list": NotImplementedError, "int": TypeError}
    assert conn.ws.sent_messages == [b"ba", b"mv"]


async def test_send_before_accept_is_refused() -> None:
    async def send(message: Any) -> None:
        raise AssertionError("must not send")

    async def receive() -> Any:
        raise AssertionError("must not receive")

    ws = WebSocketConnection(send, receive)
    with pytest.raises(ServerError, match="before it is accepted"):
        await ws.send("early")


async def test_send_failing_with_oserror_closes(app: Sanic, server: FakeServer) -> None:
    outcome: list[Any] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        conn.send_error = ConnectionResetError()
        try:
            await ws.send("into the void")
        except WebsocketClosed:
            outcome.append((ws.close_code, "closed"))

    conn = server.websocket("/ws")
    await conn.finish()
    assert outcome == [(1006, "closed")]


async def test_ping_pong_and_helpers(app: Sanic, server: FakeServer) -> None:
    results: dict[str, Any] = {}

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        waiter = await ws.ping()
        results["ping_done"] = waiter.done()
        results["pong"] = await ws.pong()
        results["connection"] = ws.connection is ws
        results["lost_quickly"] = await ws.wait_for_connection_lost(timeout=0.01)
        await settle()  # let both messages arrive
        results["burst"] = list(await ws.recv_burst())
        results["streamed"] = [part async for part in ws.recv_streaming()]
        results["iterated"] = []
        async for message in ws:
            results["iterated"].append(message)

    conn = server.websocket("/ws")
    await open_ws(conn)
    conn.push(receive_text("a"), receive_text("b"))
    await wait_for(lambda: "burst" in results)
    conn.push(receive_text("c"), receive_text("d"), receive_bytes(b"e"))
    await wait_for(lambda: len(results.get("iterated", [])) == 2)
    conn.disconnect()
    await conn.finish()
    assert results == {
        "ping_done": True,
        "pong": None,
        "connection": True,
        "lost_quickly": False,
        "burst": ["a", "b"],
        "streamed": ["c"],
        "iterated": ["d", b"e"],
    }


async def test_ping_after_close_raises(app: Sanic, server: FakeServer) -> None:
    outcome: list[type[BaseException]] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await ws.close()
        try:
            await ws.ping()
        except WebsocketClosed as exc:
            outcome.append(type(exc))

    await server.websocket("/ws").finish()
    assert outcome == [WebsocketClosed]


async def test_concurrent_recv_is_refused(app: Sanic, server: FakeServer) -> None:
    outcome: list[Any] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        first = asyncio.ensure_future(ws.recv())
        await settle()  # the first recv() is waiting
        try:
            await ws.recv()
        except ServerError as exc:
            outcome.append(str(exc))
        outcome.append(await first)

    conn = server.websocket("/ws")
    await open_ws(conn)
    await wait_for(lambda: len(outcome) == 1)
    conn.push(receive_text("for the first"))
    await conn.finish()
    assert "already waiting for the next message" in outcome[0]
    assert outcome[1] == "for the first"


async def test_reader_stops_at_max_queue_until_the_handler_receives(app: Sanic, server: FakeServer) -> None:
    """Backpressure, as websockets' ``max_queue``: 32 unread messages, and
    the reader holds the 33rd and stops calling receive() until recv()
    makes room."""
    got: list[Any] = []
    go = asyncio.Event()
    burst = asyncio.Event()

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await go.wait()
        got.append(await ws.recv())
        await burst.wait()
        got.extend(await ws.recv_burst())
        while len(got) < 40:
            got.append(await ws.recv())

    conn = server.websocket("/ws")
    await open_ws(conn)
    conn.push(*(receive_text(str(n)) for n in range(40)))
    # websocket.connect, 32 queued, the 33rd held.
    await wait_for(lambda: conn.receive_calls == 34)
    await settle()  # and no more
    assert conn.receive_calls == 34
    go.set()
    # One received: the held one queued, the next held.
    await wait_for(lambda: conn.receive_calls == 35)
    await settle()  # and no more
    assert (len(got), conn.receive_calls) == (1, 35)
    burst.set()  # recv_burst empties the inbox and makes room too
    await wait_for(lambda: len(got) == 40)
    await conn.finish()
    assert got == [str(n) for n in range(40)]


async def test_wait_for_connection_lost_after_the_close(app: Sanic, server: FakeServer) -> None:
    results: list[bool] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        results.append(await ws.wait_for_connection_lost(timeout=0.01))
        await ws.close()
        results.append(await ws.wait_for_connection_lost(timeout=0))

    await server.websocket("/ws").finish()
    assert results == [False, True]


async def test_recv_burst_stops_at_close(app: Sanic, server: FakeServer) -> None:
    results: list[Any] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        await ws.wait_for_connection_lost()
        results.append(list(await ws.recv_burst()))
        try:
            await ws.recv_burst()
        except WebsocketClosed:  # as Sanic's: a poll loop ends after the close
            results.append("WebsocketClosed")

    conn = server.websocket("/ws")
    await open_ws(conn)
    conn.push(receive_text("x"))
    conn.disconnect()
    await conn.finish()
    assert results == [["x"], "WebsocketClosed"]


async def test_unexpected_message_while_open(app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    closed: list[Any] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        try:
            await ws.recv()
        finally:
            closed.append(ws.close_code)

    conn = server.websocket("/ws")
    await open_ws(conn)
    with caplog.at_level(logging.ERROR):
        conn.push({"type": "websocket.connect"})
        await conn.finish()
    assert closed == [1006]
    assert "Error reading from the ASGI websocket" in caplog.text


async def test_end_and_fail_connection(app: Sanic, server: FakeServer) -> None:
    # Sanic calls end_connection()/fail_connection() when it cancels a
    # handler; the cycle sends the pending close once the handler returned.
    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        assert ws.fail_connection() is True

    conn = server.websocket("/ws")
    await conn.finish()
    assert conn.sent[-1] == {"type": "websocket.close", "code": 1011, "reason": ""}

    @app.websocket("/ws2")
    async def handler2(request: Request, ws: Any) -> None:
        ws.end_connection(4002, "ended")

    conn2 = server.websocket("/ws2")
    await conn2.finish()
    assert conn2.sent[-1] == {"type": "websocket.close", "code": 4002, "reason": "ended"}


async def test_request_details_over_websocket(app: Sanic, server: FakeServer) -> None:
    seen: dict[str, Any] = {}

    @app.websocket("/ws/<name>")
    async def handler(request: Request, ws: Any, name: str) -> None:
        transport = request.transport
        seen.update(
            name=name,
            scheme=request.scheme,
            ip=request.ip,
            args=dict(request.args),
            peer=transport.get_extra_info("peername"),
            sock=transport.get_extra_info("sockname"),
            ssl=transport.get_extra_info("sslcontext"),
            other=transport.get_extra_info("nothing", "dflt"),
            protocol=transport.get_protocol() is transport,
            closing=transport.is_closing(),
        )

    conn = server.websocket("/ws/bob", scheme="wss", query_string=b"a=1")
    await conn.finish()
    assert seen == {
        "name": "bob",
        "scheme": "wss",
        "ip": "127.0.0.1",
        "args": {"a": ["1"]},
        "peer": ("127.0.0.1", 51000),
        "sock": ("127.0.0.1", 8123),
        "ssl": True,
        "other": "dflt",
        "protocol": True,
        "closing": False,
    }


async def test_websocket_under_root_path(app: Sanic, server: FakeServer) -> None:
    seen: list[str] = []

    @app.websocket("/ws", name="ws")
    async def handler(request: Request, ws: Any) -> None:
        seen.append(request.path)
        seen.append(request.url_for("ws"))

    conn = server.websocket("/api/ws", root_path="/api")
    await conn.finish()
    assert seen[0] == "/ws"
    assert seen[1].endswith("/api/ws")


async def test_the_connection_state_from_connecting_to_closed(app: Sanic, server: FakeServer) -> None:
    from sanic_asgi._websocket import WebSocketState

    seen: list[tuple[str, WebSocketState, bool]] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        seen.append(("in handler", ws.state, request.transport.is_closing()))
        await ws.close(4000, "done")
        seen.append(("closed", ws.state, request.transport.is_closing()))

    conn = server.websocket("/ws")
    await conn.finish()
    # Sanic accepts before it calls the handler; the handler's close reaches the server.
    assert seen == [("in handler", WebSocketState.OPEN, False), ("closed", WebSocketState.CLOSED, True)]
    assert conn.sent[-1] == {"type": "websocket.close", "code": 4000, "reason": "done"}


async def test_a_connection_before_accept_is_connecting() -> None:
    from sanic_asgi._websocket import WebSocketState

    async def send(message: Any) -> None:
        raise AssertionError("must not send")

    async def receive() -> Any:
        raise AssertionError("must not receive")

    ws = WebSocketConnection(send, receive)
    assert ws.state is WebSocketState.CONNECTING
    await ws.close()  # nothing to close before the handshake
    assert ws.state is WebSocketState.CONNECTING


@pytest.mark.parametrize("access_log", [False, True], ids=["access-log-off", "access-log-on"])
async def test_request_url_is_read_at_the_handshake(app: Sanic, server: FakeServer, access_log: bool) -> None:
    # Sanic 24+'s WebSocketProtocol.websocket_handshake reads request.url (which
    # caches the forwarded info) for its access log whether or not the log is
    # on: forwarded headers a handler sets afterwards change nothing (Sanic's
    # own test_ws_handlers.py::test_request_url).
    from sanic_asgi._generations._names import WEBSOCKET_ACCESS_LOG

    app.config.ACCESS_LOG = access_log
    app.config.FORWARDED_SECRET = "proxy"
    urls: list[str] = []

    @app.websocket("/ws")
    async def handler(request: Request, ws: Any) -> None:
        request.headers["forwarded"] = "for=[2001:db8::1];proto=https;host=example.com;by=proxy"
        urls.append(request.url)

    conn = server.websocket("/ws")
    await open_ws(conn)
    await conn.finish()
    expected = "ws://testserver/ws" if WEBSOCKET_ACCESS_LOG else "wss://example.com/ws"
    assert urls == [expected]
