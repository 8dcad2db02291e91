"""HTTPCycle: framing, request bodies, disconnects, timeouts and errors,
driven message by message (no network).  Sanic's own server
(``sanic/http/http1.py``) is the reference for every expectation."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import sys
import weakref
from typing import Any

import pytest
from sanic import HTTPResponse, Request, Sanic, response
from sanic.exceptions import ServerError, ServiceUnavailable

from sanic_asgi import _http, _supervisor
from tests.asgi_driver import FakeServer, wait_for

pytestmark = pytest.mark.timeout(20)


# --------------------------------------------------------------------------- #
# Framing (Http.http1_response_header)
# --------------------------------------------------------------------------- #
async def test_one_block_body_gets_content_length(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("hello")

    conn = await server.request("GET", "/")
    assert conn.status == 200
    assert conn.header("content-length") == "5"
    assert conn.header("transfer-encoding") is None
    assert conn.body == b"hello"
    # One start, one final body message: nothing streamed.
    assert conn.types == ["http.response.start", "http.response.body"]
    assert conn.sent[1]["more_body"] is False


async def test_empty_body_gets_content_length_zero(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.empty(status=200)

    conn = await server.request("GET", "/")
    assert conn.status == 200
    assert conn.header("content-length") == "0"
    assert conn.body == b""


async def test_head_gets_get_content_length_and_no_body(app: Sanic, server: FakeServer) -> None:
    @app.route("/", methods=["GET", "HEAD"])
    async def index(request: Request) -> Any:
        return response.text("hello world")

    get = await server.request("GET", "/")
    head = await server.request("HEAD", "/")
    assert head.status == 200
    assert head.header("content-length") == get.header("content-length") == "11"
    assert head.body == b""


async def test_head_of_a_streamed_response_sends_no_body(app: Sanic, server: FakeServer) -> None:
    @app.route("/", methods=["GET", "HEAD"])
    async def index(request: Request) -> None:
        res = await request.respond(headers={"content-length": "6"})
        await res.send(b"abc")
        await res.send(b"def")
        await res.eof()

    conn = await server.request("HEAD", "/")
    assert conn.status == 200
    assert conn.header("content-length") == "6"
    assert conn.body == b""


async def test_head_of_a_chunked_response_sends_no_body(app: Sanic, server: FakeServer) -> None:
    @app.route("/", methods=["GET", "HEAD"])
    async def index(request: Request) -> None:
        res = await request.respond()
        await res.send(b"abc")
        await res.eof()

    conn = await server.request("HEAD", "/")
    assert conn.status == 200
    assert conn.body == b""


@pytest.mark.parametrize("status", [204, 304])
async def test_bodyless_status_drops_body_and_warns(
    app: Sanic, server: FakeServer, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("should not be sent", status=status)

    with caplog.at_level(logging.WARNING):
        conn = await server.request("GET", "/")
    assert conn.status == status
    assert conn.body == b""
    assert conn.header("content-length") is None
    assert f"A {status} response may only have headers, no body" in caplog.text


async def test_204_without_body_does_not_warn(app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.empty()

    with caplog.at_level(logging.WARNING):
        conn = await server.request("GET", "/")
    assert conn.status == 204
    assert "may only have headers" not in caplog.text


async def test_streamed_response_with_declared_length(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> None:
        res = await request.respond(headers={"content-length": "6"}, content_type="text/plain")
        await res.send(b"abc")
        await res.send(b"")  # empty chunks are not messages
        await res.send(b"def")
        await res.eof()

    conn = await server.request("GET", "/")
    assert conn.header("content-length") == "6"
    assert conn.body == b"abcdef"
    bodies = [m for m in conn.sent if m["type"] == "http.response.body"]
    assert [m["body"] for m in bodies] == [b"abc", b"def"]
    assert bodies[-1]["more_body"] is False


async def test_streamed_response_with_declared_length_in_many_chunks(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> None:
        res = await request.respond(headers={"content-length": "9"})
        for part in (b"abc", b"", b"def", b"ghi"):
            await res.send(part)
        # The declared length is reached: the body ended with the last chunk.

    conn = await server.request("GET", "/")
    bodies = [(m["body"], m["more_body"]) for m in conn.sent[1:]]
    assert bodies == [(b"abc", True), (b"def", True), (b"ghi", False)]


async def test_streamed_response_too_big_in_later_chunk(
    app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    finished = []

    @app.get("/")
    async def index(request: Request) -> None:
        res = await request.respond(headers={"content-length": "4"})
        await res.send(b"abc")
        try:
            await res.send(b"def")
        except ServerError as exc:
            finished.append(str(exc))
            raise

    conn = server.http("GET", "/").push({"type": "http.request"})
    # The body cannot be finished: the error reaches the server, which aborts.
    # (As in Http.http1, ending the response then fails too: "smaller than".)
    with pytest.raises(ServerError, match="content-length"):
        await conn.finish()
    assert finished == ["Response was bigger than content-length"]
    assert conn.body == b"abc"
    assert not conn.checker.complete
    assert "Response was bigger than content-length" in caplog.text


async def test_streamed_response_too_big_in_first_chunk_becomes_500(app: Sanic, server: FakeServer) -> None:
    # Nothing has been sent when the first chunk is already too big: an
    # error page can still replace the response.
    @app.get("/")
    async def index(request: Request) -> None:
        res = await request.respond(headers={"content-length": "3"})
        await res.send(b"abcdef")

    conn = await server.request("GET", "/")
    assert conn.status == 500
    assert b"abcdef" not in conn.body


async def test_streamed_response_too_small(app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    @app.get("/")
    async def index(request: Request) -> None:
        res = await request.respond(headers={"content-length": "10"})
        await res.send(b"abc")
        await res.eof()

    conn = server.http("GET", "/").push({"type": "http.request"})
    with pytest.raises(ServerError, match="smaller than content-length"):
        await conn.finish()
    assert conn.body == b"abc"
    # The last body message was never sent with more_body=False.
    assert conn.sent[-1]["more_body"] is True
    assert not conn.checker.complete
    assert "A previous response has at least partially been sent" in caplog.text


async def test_unknown_length_streams_without_transfer_encoding(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> None:
        # Sanic apps sometimes set this themselves; chunking is the server's job.
        res = await request.respond(headers={"Transfer-Encoding": "chunked"})
        await res.send(b"one,")
        await res.send(b"")  # not a message (an empty chunk would end HTTP/1.1 chunking)
        await res.send(b"two")
        await res.eof()

    conn = await server.request("GET", "/")
    assert conn.header("content-length") is None
    assert conn.header("transfer-encoding") is None
    assert conn.body == b"one,two"
    assert [m.get("more_body") for m in conn.sent[1:]] == [True, True, False]


async def test_handler_that_streams_and_returns_is_ended(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> None:
        res = await request.respond()
        await res.send(b"partial")
        # no eof(): Sanic ends the response once the handler returns

    conn = await server.request("GET", "/")
    assert conn.body == b"partial"


async def test_response_stream_helper(app: Sanic, server: FakeServer) -> None:
    async def produce(res: Any) -> None:
        await res.write("a")
        await res.write("b")

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.ResponseStream(produce, content_type="text/plain")

    conn = await server.request("GET", "/")
    assert conn.body == b"ab"


async def test_multiple_set_cookie_and_lowercase_names(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        res = response.text("ok", headers={"X-Custom-Header": "Value"})
        res.add_cookie("a", "1", secure=False)
        res.add_cookie("b", "2", secure=False)
        return res

    conn = await server.request("GET", "/")
    cookies = conn.header_list("set-cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith("a=1")
    assert cookies[1].startswith("b=2")
    assert conn.header("x-custom-header") == "Value"
    assert all(name == name.lower() for name, _ in conn.headers)


async def test_invalid_status_becomes_500(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("x", status=101)

    conn = await server.request("GET", "/")
    assert conn.status == 500


# --------------------------------------------------------------------------- #
# Request body (Http.read and the REQUEST_MAX_SIZE checks)
# --------------------------------------------------------------------------- #
async def test_body_in_one_message(app: Sanic, server: FakeServer) -> None:
    @app.post("/")
    async def echo(request: Request) -> Any:
        return response.raw(request.body)

    conn = await server.request("POST", "/", b"payload")
    assert conn.body == b"payload"


@pytest.mark.parametrize(
    "chunks",
    [
        [b"ab", b"cd", b"ef"],  # the last message carries data and more_body=False
        [b"ab", b"cd", b""],  # an empty final message ends the body
        [b"", b"abcdef"],
    ],
)
async def test_body_in_several_messages(app: Sanic, server: FakeServer, chunks: list[bytes]) -> None:
    @app.post("/")
    async def echo(request: Request) -> Any:
        return response.raw(request.body)

    conn = await server.request("POST", "/", chunks=chunks)
    assert conn.body == b"".join(chunks)


async def test_http2_body_without_framing_headers_is_read(app: Sanic, server: FakeServer) -> None:
    @app.post("/")
    async def echo(request: Request) -> Any:
        return response.raw(request.body)

    conn = server.http("POST", "/", http_version="2")
    conn.push({"type": "http.request", "body": b"h2 body", "more_body": False})
    await conn.finish()
    assert conn.body == b"h2 body"


async def test_stream_handler_gets_chunks_as_they_arrive(app: Sanic, server: FakeServer) -> None:
    @app.post("/", stream=True)
    async def upload(request: Request) -> None:
        res = await request.respond(content_type="text/plain")
        while True:
            chunk = await request.stream.read()  # type: ignore[union-attr]
            if chunk is None:
                break
            await res.send(chunk.upper())
        await res.eof()

    conn = server.http("POST", "/", headers=[(b"transfer-encoding", b"chunked")])
    conn.start()
    conn.push({"type": "http.request", "body": b"first", "more_body": True})
    assert (await conn.next_message())["type"] == "http.response.start"
    # The first chunk is answered before the second exists: no buffering.
    assert (await conn.next_message())["body"] == b"FIRST"
    conn.push({"type": "http.request", "body": b"second", "more_body": False})
    assert (await conn.next_message())["body"] == b"SECOND"
    await conn.finish()
    assert conn.body == b"FIRSTSECOND"
    conn.checker.assert_complete()


async def test_stream_handler_async_iteration(app: Sanic, server: FakeServer) -> None:
    @app.post("/", stream=True)
    async def upload(request: Request) -> Any:
        parts = [chunk async for chunk in request.stream]  # type: ignore[union-attr]
        return response.json([p.decode() for p in parts])

    conn = await server.request("POST", "/", chunks=[b"a", b"", b"b"])
    assert conn.body == b'["a","b"]'


async def test_max_size_by_content_length_refused_before_reading(app: Sanic, server: FakeServer) -> None:
    app.config.REQUEST_MAX_SIZE = 100
    called = []

    @app.post("/")
    async def index(request: Request) -> Any:
        called.append(True)
        return response.text("no")

    conn = server.http("POST", "/", headers=[(b"content-length", b"101")])
    conn.push({"type": "http.request", "body": b"x" * 101})
    await conn.finish()
    assert conn.status == 413
    assert conn.receive_calls == 0, "the body must not be read"
    assert not called


async def test_max_size_without_content_length(app: Sanic, server: FakeServer) -> None:
    app.config.REQUEST_MAX_SIZE = 100

    @app.post("/")
    async def index(request: Request) -> Any:
        return response.text("no")

    conn = await server.request("POST", "/", chunks=[b"x" * 60, b"x" * 60, b"x" * 60])
    assert conn.status == 413
    # Refused as soon as the limit was crossed, not after the whole body.
    assert conn.receive_calls == 2


async def test_body_at_exactly_max_size_is_accepted(app: Sanic, server: FakeServer) -> None:
    app.config.REQUEST_MAX_SIZE = 100

    @app.post("/")
    async def index(request: Request) -> Any:
        return response.raw(request.body)

    assert (await server.request("POST", "/", b"x" * 100)).status == 200
    assert (await server.request("POST", "/", chunks=[b"x" * 50, b"x" * 50])).status == 200


async def test_stream_handler_lifts_max_size(app: Sanic, server: FakeServer) -> None:
    # Sanic: "Streaming handler: lift the size limit" (app.handle_request).
    app.config.REQUEST_MAX_SIZE = 100

    @app.post("/", stream=True)
    async def upload(request: Request) -> Any:
        size = 0
        while (chunk := await request.stream.read()) is not None:  # type: ignore[union-attr]
            size += len(chunk)
        return response.text(str(size))

    conn = await server.request("POST", "/", chunks=[b"x" * 80] * 4)
    assert conn.status == 200
    assert conn.body == b"320"


@pytest.mark.parametrize("value", [b"abc", b"-1", b""])
async def test_unreadable_content_length_reads_the_messages(app: Sanic, server: FakeServer, value: bytes) -> None:
    # A declaration that declares nothing: the body is read from the messages
    # (and counted against REQUEST_MAX_SIZE), not dropped.
    @app.post("/")
    async def index(request: Request) -> Any:
        return response.raw(request.body)

    conn = server.http("POST", "/", headers=[(b"content-length", value)])
    conn.push({"type": "http.request", "body": b"kept", "more_body": False})
    await conn.finish()
    assert (conn.status, conn.body) == (200, b"kept")


# --------------------------------------------------------------------------- #
# Request bodies in scopes without framing headers (Mangum, test clients,
# proxies): the http.request messages are the contract, not the headers.
# --------------------------------------------------------------------------- #
def _echo_routes(app: Sanic) -> None:
    @app.route("/echo", methods=["GET", "POST", "PUT"], ignore_body=False)
    async def echo(request: Request) -> Any:
        return response.raw(request.body, headers={"x-method": request.method})


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
@pytest.mark.parametrize(
    "chunks",
    [[b"one message"], [b"se", b"ver", b"al"], [b"", b"late", b""], [b""], [b"\x00\xff" * 40000]],
    ids=["one", "several", "empty-first-and-last", "empty", "binary-80k"],
)
@pytest.mark.parametrize("http_version", ["1.1", "1.0", "2"])
async def test_body_without_framing_headers_is_read(
    app: Sanic, server: FakeServer, method: str, chunks: list[bytes], http_version: str
) -> None:
    _echo_routes(app)
    conn = server.http(method, "/echo", http_version=http_version)
    for index, chunk in enumerate(chunks):
        conn.push({"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1})
    await conn.finish()
    conn.checker.assert_complete()
    assert (conn.status, conn.header("x-method"), conn.body) == (200, method, b"".join(chunks))


async def test_json_body_without_framing_headers(app: Sanic, server: FakeServer) -> None:
    @app.post("/")
    async def index(request: Request) -> Any:
        return response.json({"got": request.json})

    conn = server.http("POST", "/", headers=[(b"content-type", b"application/json")])
    conn.push({"type": "http.request", "body": b'{"a": [1, 2]}', "more_body": False})
    await conn.finish()
    assert conn.body == b'{"got":{"a":[1,2]}}'


async def test_max_size_applies_to_bodies_without_framing_headers(app: Sanic, server: FakeServer) -> None:
    app.config.REQUEST_MAX_SIZE = 100  # Sanic's head limit is this small too: the head is 19 bytes
    _echo_routes(app)
    conn = server.http("POST", "/echo")
    conn.push(*({"type": "http.request", "body": b"x" * 60, "more_body": True} for _ in range(3)))
    await conn.finish()
    assert conn.status == 413
    assert conn.receive_calls == 2  # refused when the limit was crossed


async def test_stream_route_without_framing_headers(app: Sanic, server: FakeServer) -> None:
    @app.post("/", stream=True)
    async def upload(request: Request) -> None:
        res = await request.respond(content_type="text/plain")
        while (chunk := await request.stream.read()) is not None:  # type: ignore[union-attr]
            await res.send(chunk.upper())
        await res.eof()

    conn = server.http("POST", "/")
    conn.start()
    conn.push({"type": "http.request", "body": b"first", "more_body": True})
    assert (await conn.next_message())["type"] == "http.response.start"
    assert (await conn.next_message())["body"] == b"FIRST"
    conn.push({"type": "http.request", "body": b"second", "more_body": False})
    assert (await conn.next_message())["body"] == b"SECOND"
    await conn.finish()
    assert conn.body == b"FIRSTSECOND"


async def test_disconnect_is_seen_without_framing_headers(app: Sanic, server: FakeServer, no_leaked_tasks: Any) -> None:
    # A streaming handler that never reads the body: the first message is
    # read ahead to learn that no body follows, then the watcher sees the
    # client leave and the handler is cancelled, as on Sanic's server.
    cancelled = asyncio.Event()

    @app.get("/events")
    async def events(request: Request) -> None:
        res = await request.respond(content_type="text/event-stream")
        try:
            while True:
                await res.send(b"data: tick\n\n")
                await asyncio.sleep(0.01)  # an event stream's pace: the behaviour under test
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with no_leaked_tasks():
        conn = server.http("GET", "/events")
        conn.push({"type": "http.request", "body": b"", "more_body": False})
        conn.start()
        assert (await conn.next_message())["type"] == "http.response.start"
        await conn.next_message()
        conn.disconnect()
        await conn.finish()
        await asyncio.wait_for(cancelled.wait(), 5)


async def test_get_body_is_not_read(app: Sanic, server: FakeServer) -> None:
    # GET routes ignore the body (route.extra.ignore_body): nothing is pulled.
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    conn = server.http("GET", "/", headers=[(b"content-length", b"5")])
    conn.push({"type": "http.request", "body": b"12345"})
    await conn.finish()
    assert conn.status == 200
    assert conn.receive_calls == 0


async def test_stream_handler_that_never_reads(app: Sanic, server: FakeServer) -> None:
    @app.post("/", stream=True)
    async def upload(request: Request) -> Any:
        return response.text("not interested")

    conn = server.http("POST", "/", headers=[(b"content-length", b"5")])
    conn.push({"type": "http.request", "body": b"12345"})
    await conn.finish()
    assert conn.body == b"not interested"
    assert conn.receive_calls == 0


@pytest.mark.parametrize("message", [{"type": "http.response.start"}, {"no": "type"}, {"type": None}])
async def test_unexpected_message_while_reading(
    app: Sanic, server: FakeServer, message: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    @app.post("/")
    async def index(request: Request) -> Any:
        return response.text("x")

    conn = server.http("POST", "/", headers=[(b"content-length", b"3")]).push(message)
    await conn.finish()
    # A server error surfaces as a 500, with UnexpectedMessage in Sanic's log.
    assert conn.status == 500
    assert "UnexpectedMessage" in caplog.text


# --------------------------------------------------------------------------- #
# Disconnects (HttpProtocol.connection_lost)
# --------------------------------------------------------------------------- #
async def test_disconnect_while_handler_runs(app: Sanic, server: FakeServer, no_leaked_tasks: Any) -> None:
    entered = asyncio.Event()
    events: list[str] = []

    @app.get("/")
    async def slow(request: Request) -> Any:
        entered.set()
        try:
            await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        finally:
            events.append("finally")
        return response.text("too late")

    await server.request("GET", "/ready", complete=False)  # start the app first
    async with no_leaked_tasks():
        conn = server.http("GET", "/").push({"type": "http.request"})
        conn.start()
        await asyncio.wait_for(entered.wait(), 5)
        conn.disconnect()
        await conn.finish()
    assert events == ["cancelled", "finally"]
    assert conn.sent == []


async def test_disconnect_while_streaming(app: Sanic, server: FakeServer, no_leaked_tasks: Any) -> None:
    events: list[str] = []

    @app.get("/")
    async def stream(request: Request) -> None:
        res = await request.respond()
        try:
            await res.send(b"first")
            await asyncio.Event().wait()
            await res.send(b"never")
        finally:
            events.append("finally")

    await server.request("GET", "/warmup", complete=False)
    async with no_leaked_tasks():
        conn = server.http("GET", "/").push({"type": "http.request"})
        conn.start()
        await conn.next_message()
        assert (await conn.next_message())["body"] == b"first"
        conn.disconnect()
        await conn.finish()
    assert events == ["finally"]
    assert conn.types == ["http.response.start", "http.response.body"]
    assert conn.sent[-1]["more_body"] is True


async def test_disconnect_while_reading_body(app: Sanic, server: FakeServer, no_leaked_tasks: Any) -> None:
    events: list[str] = []

    @app.post("/", stream=True)
    async def upload(request: Request) -> Any:
        try:
            while await request.stream.read() is not None:  # type: ignore[union-attr]
                pass
        finally:
            events.append("finally")
        return response.text("too late")

    await server.request("GET", "/warmup", complete=False)
    async with no_leaked_tasks():
        conn = server.http("POST", "/", headers=[(b"transfer-encoding", b"chunked")])
        conn.push({"type": "http.request", "body": b"part", "more_body": True}, {"type": "http.disconnect"})
        await conn.finish()
    assert events == ["finally"]
    assert conn.sent == []
    assert conn.asgi.runtime.inflight == 0


async def test_send_failing_with_oserror_is_a_disconnect(app: Sanic, server: FakeServer) -> None:
    # ASGI 2.4: send() on a closed connection raises an OSError subclass.
    events: list[str] = []

    @app.get("/")
    async def stream(request: Request) -> None:
        res = await request.respond()
        try:
            await res.send(b"first")
            server_conn.send_error = ConnectionResetError()
            await res.send(b"second")
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    server_conn = server.http("GET", "/").push({"type": "http.request"})
    await server_conn.finish()
    assert events == ["cancelled"]
    assert server_conn.body == b"first"


async def test_send_failing_while_sending_the_error_page(app: Sanic, server: FakeServer) -> None:
    # The client vanished just as the handler failed: the error page cannot be
    # sent, and the request ends quietly (the client is gone).
    @app.get("/")
    async def broken(request: Request) -> Any:
        server_conn.send_error = BrokenPipeError()
        raise ValueError("fails with nobody listening")

    server_conn = server.http("GET", "/").push({"type": "http.request"})
    await server_conn.finish()
    assert server_conn.sent == []
    assert server.asgi.runtime.inflight == 0


async def test_handler_that_ignores_the_disconnect_cannot_send(app: Sanic, server: FakeServer) -> None:
    outcome: list[str] = []

    @app.post("/", stream=True)
    async def stubborn(request: Request) -> Any:
        try:
            await request.stream.read()  # type: ignore[union-attr]
            await request.stream.read()  # type: ignore[union-attr]
        except asyncio.CancelledError:
            outcome.append("disconnected")
        try:
            return response.text("anyone there?")
        finally:
            outcome.append("returned")

    conn = server.http("POST", "/", headers=[(b"transfer-encoding", b"chunked")])
    conn.push({"type": "http.request", "body": b"x", "more_body": True}, {"type": "http.disconnect"})
    await conn.finish()
    assert outcome == ["disconnected", "returned"]
    assert conn.sent == []


async def test_handler_error_after_disconnect_is_not_answered(app: Sanic, server: FakeServer) -> None:
    @app.post("/", stream=True)
    async def stubborn(request: Request) -> Any:
        try:
            while await request.stream.read() is not None:  # type: ignore[union-attr]
                pass
        except asyncio.CancelledError:
            raise ValueError("turned the disconnect into an error") from None
        return response.text("never")

    conn = server.http("POST", "/", headers=[(b"transfer-encoding", b"chunked")])
    conn.push({"type": "http.request", "body": b"x", "more_body": True}, {"type": "http.disconnect"})
    await conn.finish()
    assert conn.sent == []


async def test_disconnect_after_response_is_harmless(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("done")

    conn = server.http("GET", "/").push({"type": "http.request"}, {"type": "http.disconnect"})
    await conn.finish()
    assert conn.body == b"done"
    conn.checker.assert_complete()


async def test_disconnect_is_access_logged(app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    app.config.ACCESS_LOG = True
    server = serve(app)
    entered = asyncio.Event()

    @app.get("/")
    async def slow(request: Request) -> Any:
        entered.set()
        await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test

    with caplog.at_level(logging.INFO):
        conn = server.http("GET", "/").push({"type": "http.request"})
        conn.start()
        await asyncio.wait_for(entered.wait(), 5)
        conn.disconnect()
        await conn.finish()
    assert "stopped. Transport is closed." in caplog.text
    assert any(getattr(r, "byte", None) == "DISCONNECTED" for r in caplog.records)


@pytest.fixture(params=["inline", "task"])
def handler_strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the handler runs: in the server's task (Python 3.11+, Task.uncancel)
    or in a task of its own (before 3.11, _run_in_task), both tested on any
    Python (the task one also by the CI leg on 3.10)."""
    if request.param == "inline" and sys.version_info < (3, 11):
        pytest.skip("the handler runs in the server's task from Python 3.11 (Task.uncancel)")
    inline = request.param == "inline"
    monkeypatch.setattr(_supervisor, "INLINE", inline)
    monkeypatch.setattr(_http, "run_handler", _supervisor._run_inline if inline else _supervisor._run_in_task)
    return str(request.param)


async def test_server_cancelling_the_request_propagates(app: Sanic, server: FakeServer, handler_strategy: str) -> None:
    entered = asyncio.Event()
    events: list[str] = []

    @app.get("/")
    async def slow(request: Request) -> Any:
        entered.set()
        try:
            await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test
        finally:
            events.append("finally")

    conn = server.http("GET", "/").push({"type": "http.request"})
    task = conn.start()
    await asyncio.wait_for(entered.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events == ["finally"]
    assert conn.sent == []
    assert server.asgi.runtime.inflight == 0


async def test_the_server_ending_a_started_stream_is_one_info_line(
    app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    # uvicorn past its graceful timeout with an SSE stream open: it cancels
    # the call.  Sanic's server closes the transport and logs one INFO line;
    # the adapter logs that line and ends the call with the body unfinished
    # (the server then drops the connection), instead of raising the server's
    # own cancellation back at it (which uvicorn logs as an ERROR traceback).
    streaming = asyncio.Event()

    @app.get("/events")
    async def events(request: Request) -> None:
        stream = await request.respond(content_type="text/event-stream")
        await stream.send("data: first\n\n")
        streaming.set()
        await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test

    conn = server.http("GET", "/events").push({"type": "http.request"})
    task = asyncio.ensure_future(_after_the_app(conn))
    await asyncio.wait_for(streaming.wait(), 5)
    with caplog.at_level(logging.INFO, logger="sanic.root"):
        task.cancel()
        cancelling, after = await task
    assert (cancelling, after) == (0, "server code ran on")  # taken back: the server's code goes on
    assert [m.get("more_body") for m in conn.sent if m["type"] == "http.response.body"] == [True]
    stopped = [r for r in caplog.records if "stopped. Transport is closed." in r.getMessage()]
    assert len(stopped) == 1
    assert stopped[0].levelno == logging.INFO
    assert "GET http://" in stopped[0].getMessage()
    assert "/events" in stopped[0].getMessage()
    assert server.asgi.runtime.inflight == 0


async def _after_the_app(conn: Any) -> tuple[int, str]:
    """Run the app as a server task does, then go on in that task: what the
    server's own code sees after the app returned (3.11+: cancelling(), and
    whether its next await is cancelled)."""
    await conn.asgi(conn.scope, conn._receive, conn._send)
    task = asyncio.current_task()
    assert task is not None
    cancelling = task.cancelling() if sys.version_info >= (3, 11) else 0
    await asyncio.sleep(0.01)  # a real await of the server's code: is it cancelled?
    return cancelling, "server code ran on"


def _waiting_route(app: Sanic, *, swallow: bool) -> asyncio.Event:
    """GET / waits; with ``swallow`` it catches the cancellation and answers."""
    entered = asyncio.Event()

    @app.get("/")
    async def waiting(request: Request) -> Any:
        entered.set()
        try:
            await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test
        except asyncio.CancelledError:
            if not swallow:
                raise
        return response.text("late but here")

    return entered


@pytest.mark.parametrize("swallow", [False, True], ids=["handler-cancelled", "handler-swallows"])
async def test_a_disconnect_never_cancels_the_servers_code(
    app: Sanic, server: FakeServer, swallow: bool, handler_strategy: str
) -> None:
    entered = _waiting_route(app, swallow=swallow)
    conn = server.http("GET", "/").push({"type": "http.request"})
    task = asyncio.create_task(_after_the_app(conn))
    await asyncio.wait_for(entered.wait(), 5)
    conn.disconnect()
    assert await asyncio.wait_for(task, 5) == (0, "server code ran on")
    assert conn.sent == []  # even the swallowing handler's answer: the client is gone


@pytest.mark.parametrize(
    ("swallow", "answer"),
    [(False, (503, b"")), (True, (200, b"late but here"))],
    ids=["handler-cancelled", "handler-swallows"],
)
async def test_a_response_timeout_never_cancels_the_servers_code(
    app: Sanic, server: FakeServer, swallow: bool, answer: tuple[int, bytes]
) -> None:
    app.config.RESPONSE_TIMEOUT = 0.2
    _waiting_route(app, swallow=swallow)
    conn = server.http("GET", "/").push({"type": "http.request"})
    assert await asyncio.wait_for(_after_the_app(conn), 5) == (0, "server code ran on")
    assert conn.status == answer[0]
    if answer[1]:
        assert conn.body == answer[1]


async def test_the_server_cancelling_during_our_own_cancel_still_propagates(
    app: Sanic, server: FakeServer, handler_strategy: str
) -> None:
    entered = _waiting_route(app, swallow=False)
    conn = server.http("GET", "/").push({"type": "http.request"})
    task = conn.start()
    await asyncio.wait_for(entered.wait(), 5)
    conn.disconnect()
    await asyncio.sleep(0)  # the watcher reads the disconnect and cancels the handler
    task.cancel()  # and the server cancels the request as well
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert server.asgi.runtime.inflight == 0


# --------------------------------------------------------------------------- #
# RESPONSE_TIMEOUT (HttpProtocol.check_timeouts)
# --------------------------------------------------------------------------- #
async def test_response_timeout_answers_503(app: Sanic, server: FakeServer, no_leaked_tasks: Any) -> None:
    app.config.RESPONSE_TIMEOUT = 0.2
    events: list[str] = []

    @app.get("/")
    async def slow(request: Request) -> Any:
        try:
            await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test
        finally:
            events.append("finally")
        return response.text("too late")

    async with no_leaked_tasks():
        conn = await server.request("GET", "/", timeout=10)
    assert conn.status == 503
    assert b"Response Timeout" in conn.body
    assert events == ["finally"]


async def test_response_timeout_is_reset_by_activity(app: Sanic, server: FakeServer) -> None:
    # An idle timer, not a deadline: ten sends 0.05 s apart outlast a 0.4 s
    # timeout (generous margins; the assertion is only "not cut off").
    app.config.RESPONSE_TIMEOUT = 0.4

    @app.get("/")
    async def trickle(request: Request) -> None:
        res = await request.respond()
        for _ in range(10):
            await res.send(b".")
            await asyncio.sleep(0.05)  # the trickle is the behaviour under test
        await res.eof()

    conn = await server.request("GET", "/", timeout=10)
    assert conn.body == b"." * 10


async def test_response_timeout_after_start_aborts(
    app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    app.config.RESPONSE_TIMEOUT = 0.2

    @app.get("/")
    async def stall(request: Request) -> None:
        res = await request.respond()
        await res.send(b"begun")
        await asyncio.sleep(30)  # a handler that waits (slow, hanging or idle): the behaviour under test

    conn = server.http("GET", "/").push({"type": "http.request"})
    with pytest.raises(ServiceUnavailable):
        await conn.finish(10)
    assert conn.body == b"begun"
    assert not conn.checker.complete


# --------------------------------------------------------------------------- #
# Errors (Http.error_response)
# --------------------------------------------------------------------------- #
async def test_handler_error_becomes_error_page(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def broken(request: Request) -> Any:
        raise ValueError("boom")

    conn = await server.request("GET", "/")
    assert conn.status == 500
    assert b"Internal Server Error" in conn.body


async def test_app_exception_handler_is_used(app: Sanic, server: FakeServer) -> None:
    @app.exception(ValueError)
    async def on_value_error(request: Request, exc: Exception) -> Any:
        return response.text(f"handled: {exc}", status=422)

    @app.get("/")
    async def broken(request: Request) -> Any:
        raise ValueError("boom")

    conn = await server.request("GET", "/")
    assert conn.status == 422
    assert conn.body == b"handled: boom"


async def test_exception_handler_returning_nothing_gives_500(app: Sanic, server: FakeServer) -> None:
    @app.exception(ValueError)
    async def on_value_error(request: Request, exc: Exception) -> None:
        return None

    @app.get("/")
    async def broken(request: Request) -> Any:
        raise ValueError("boom")

    conn = await server.request("GET", "/")
    assert conn.status == 500


async def test_handler_returning_nothing_gives_500(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def nothing(request: Request) -> None:
        return None

    conn = await server.request("GET", "/")
    assert conn.status == 500


async def test_handler_error_after_response_start_aborts(
    app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Sanic's handle_request catches the handler's exception and, the
    # response having started, only logs it; Http.http1 would then end the
    # chunked body cleanly.  The adapter hears of it through the
    # http.lifecycle.exception signal and raises it to the server instead,
    # which aborts the connection: a truncated body never looks complete.
    @app.get("/")
    async def broken(request: Request) -> None:
        res = await request.respond()
        await res.send(b"half")
        raise ValueError("midway")

    conn = server.http("GET", "/").push({"type": "http.request"})
    with pytest.raises(ValueError, match="midway"):
        await conn.finish()
    assert conn.sent[-1] == {"type": "http.response.body", "body": b"half", "more_body": True}
    assert "A previous response has at least partially been sent" in caplog.text


async def test_error_reaching_the_adapter_after_start_propagates(
    app: Sanic, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    # An error the adapter itself sees once the body has begun (here: the
    # final send of a body that is short of its content-length) cannot become
    # an error page: it is logged and raised so that the server aborts.
    @app.get("/")
    async def short(request: Request) -> None:
        res = await request.respond(headers={"content-length": "8"})
        await res.send(b"half")

    conn = server.http("GET", "/").push({"type": "http.request"})
    with pytest.raises(ServerError, match="smaller than content-length"):
        await conn.finish()
    assert conn.body == b"half"
    assert not conn.checker.complete
    assert "A previous response has at least partially been sent" in caplog.text


async def test_cancelled_error_raised_by_handler_uses_exception_handler(app: Sanic, server: FakeServer) -> None:
    @app.exception(asyncio.CancelledError)
    async def on_cancel(request: Request, exc: BaseException) -> Any:
        return response.text("handler gave up", status=503)

    @app.get("/")
    async def gives_up(request: Request) -> Any:
        raise asyncio.CancelledError()

    conn = await server.request("GET", "/")
    assert conn.status == 503
    assert conn.body == b"handler gave up"


async def test_error_in_exception_handler(app: Sanic, server: FakeServer) -> None:
    @app.exception(ValueError)
    async def on_value_error(request: Request, exc: Exception) -> Any:
        raise RuntimeError("handler broken too")

    @app.get("/")
    async def broken(request: Request) -> Any:
        raise ValueError("boom")

    conn = await server.request("GET", "/")
    assert conn.status == 500


async def test_not_found(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    conn = await server.request("GET", "/nowhere")
    assert conn.status == 404


async def test_bad_url_answers_400(app: Sanic, server: FakeServer) -> None:
    conn = await server.request("GET", "/a b", raw_path=b"/a b")
    assert conn.status == 400


async def test_too_long_url_answers_413_as_its_head_is_too_large(app: Sanic, server: FakeServer) -> None:
    # Sanic's URITooLong (414, over 65,535 bytes) is unreachable on its own
    # server: the head limit (16 KiB at most) refuses such a head first.
    long_path = "/" + "a" * 70_000
    conn = await server.request("GET", long_path)
    assert conn.status == 413
    assert "Request header exceeds the size limit" in conn.text


async def test_websocket_route_over_plain_http_answers_426(app: Sanic, server: FakeServer) -> None:
    @app.websocket("/ws")
    async def ws_handler(request: Request, ws: Any) -> None:
        await ws.send("never")

    conn = await server.request("GET", "/ws")
    assert conn.status == 426
    assert conn.header("upgrade") == "websocket"


# --------------------------------------------------------------------------- #
# Access log (Http.log_response)
# --------------------------------------------------------------------------- #
async def test_access_log(app: Sanic, serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    app.config.ACCESS_LOG = True
    server = serve(app)

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("hi")

    @app.get("/stream")
    async def stream(request: Request) -> None:
        res = await request.respond()
        await res.send(b"x")

    with caplog.at_level(logging.INFO, logger="sanic.access"):
        await server.request("GET", "/")
        await server.request("GET", "/stream")
    records = [r for r in caplog.records if r.name == "sanic.access"]
    assert [(r.status, r.request) for r in records] == [  # type: ignore[attr-defined]
        (200, "GET http://testserver/"),
        (200, "GET http://testserver/stream"),
    ]
    assert records[0].byte == 2  # type: ignore[attr-defined]
    assert records[1].byte == "chunked"  # type: ignore[attr-defined]
    assert records[0].host == "127.0.0.1:51000"  # type: ignore[attr-defined]


async def test_request_stream_is_released_after_the_request(app: Sanic, server: FakeServer) -> None:
    seen: list[Request] = []

    @app.get("/")
    async def index(request: Request) -> Any:
        seen.append(request)
        return response.text("ok")

    await server.request("GET", "/")
    # Http.http1 breaks the request <-> stream cycle the same way.
    assert seen[0].stream is None


async def test_the_response_is_freed_while_the_request_lives_on(app: Sanic, server: FakeServer) -> None:
    """A request can outlive its ASGI call (a background task holding it):
    what it holds stays alive with it.  ``request.transport`` is the cycle,
    and the cycle lets go of the response."""
    seen: list[Request] = []
    sent: list[weakref.ref[Any]] = []

    class Response(HTTPResponse):  # Sanic's have __slots__ without __weakref__
        pass

    @app.get("/")
    async def index(request: Request) -> Any:
        seen.append(request)
        res = Response(b"x" * 10_000)
        sent.append(weakref.ref(res))
        return res

    conn = await server.request("GET", "/")
    assert conn.body == b"x" * 10_000
    gc.collect()
    assert sent[0]() is None
    assert seen[0].transport.get_extra_info("peername") == conn.scope["client"]


@pytest.mark.parametrize("path", ["/block", "/stream", "/sized", "/head"])
async def test_the_last_send_does_not_hand_the_request_to_the_server(app: Sanic, server: FakeServer, path: str) -> None:
    """An HTTP/1 server arms its keep-alive timer while the last body message
    goes out (uvicorn: ``loop.call_later``), and the timer keeps a copy of the
    task's context.  ``Request.get_current()`` is cleared in that copy, so
    the request is freed while the connection idles; the handler still
    finds it once the send is over."""
    after: list[bool] = []

    @app.route("/block", methods=["GET", "HEAD"])
    async def block(request: Request) -> None:
        res = await request.respond(content_type="text/plain")
        await res.send("all", end_stream=True)
        after.append(Request.get_current() is request)

    @app.get("/stream")
    async def stream(request: Request) -> None:
        res = await request.respond(content_type="text/plain")
        await res.send("a")
        await res.send("b", end_stream=True)
        after.append(Request.get_current() is request)

    @app.get("/sized")
    async def sized(request: Request) -> None:
        res = await request.respond(headers={"content-length": "2"})
        await res.send("a")
        await res.send("b")
        after.append(Request.get_current() is request)

    contexts: list[contextvars.Context] = []
    method = "HEAD" if path == "/head" else "GET"
    conn = server.http(method, "/block" if path == "/head" else path)
    deliver = conn._send

    async def send(message: dict[str, Any]) -> None:
        await deliver(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            contexts.append(contextvars.copy_context())

    conn._send = send  # type: ignore[method-assign]
    conn.push({"type": "http.request", "body": b"", "more_body": False})
    task = conn.start()
    await conn.finish()
    assert len(contexts) == 1
    assert not [value for value in contexts[0].values() if isinstance(value, Request)]
    assert after == [True]
    # The request is freed once the task (and its own context) is gone.
    del task
    conn.task = None
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Request) and o.app is app]


async def test_transport_api(app: Sanic, server: FakeServer) -> None:
    seen: dict[str, Any] = {}

    @app.get("/")
    async def index(request: Request) -> Any:
        transport = request.transport
        seen["peername"] = transport.get_extra_info("peername")
        seen["sockname"] = transport.get_extra_info("sockname")
        seen["ssl"] = transport.get_extra_info("sslcontext")
        seen["other"] = transport.get_extra_info("socket", "default")
        seen["closing"] = transport.is_closing()
        seen["protocol"] = transport.get_protocol() is transport
        return response.text("ok")

    await server.request("GET", "/")
    assert seen == {
        "peername": ("127.0.0.1", 51000),
        "sockname": ("127.0.0.1", 8123),
        "ssl": False,
        "other": "default",
        "closing": False,
        "protocol": True,
    }


async def test_concurrent_requests_are_independent(app: Sanic, server: FakeServer) -> None:
    gate = asyncio.Event()

    @app.get("/<n:int>")
    async def numbered(request: Request, n: int) -> Any:
        await gate.wait()
        return response.text(str(n))

    conns = [server.http("GET", f"/{n}").push({"type": "http.request"}) for n in range(5)]
    for conn in conns:
        conn.start()
    await wait_for(lambda: server.asgi.runtime.inflight == 5)
    gate.set()
    for conn in conns:
        await conn.finish()
    assert [c.body for c in conns] == [b"0", b"1", b"2", b"3", b"4"]


async def test_handler_keeps_one_task_from_its_first_line(app: Sanic, server: FakeServer) -> None:
    # A handler's first step and the rest run in the same task: anyio cancel
    # scopes and asyncio.timeout() remember the task they were entered in.
    anyio = pytest.importorskip("anyio")

    @app.get("/")
    async def scoped(request: Request) -> Any:
        first = asyncio.current_task()
        with anyio.fail_after(5):
            await asyncio.sleep(0.01)  # a real suspension inside the cancel scope
        return response.text(str(first is asyncio.current_task()))

    conn = await server.request("GET", "/")
    assert conn.status == 200
    assert conn.body == b"True"


async def test_keep_alive_off_answers_connection_close(app: Sanic, server: FakeServer) -> None:
    # Sanic's server closes every connection when KEEP_ALIVE is False and says
    # so in the response; HTTP/1 ASGI servers honour the header.
    app.config.KEEP_ALIVE = False

    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    conn = await server.request("GET", "/")
    assert conn.status == 200
    assert (b"connection", b"close") in conn.headers
