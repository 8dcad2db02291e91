"""``request.stream`` of one ASGI request: the request body from
``receive()``, the response to ``send()``.

Sanic's handlers and responses use ``request.stream`` as they use
``sanic.http.Http`` on Sanic's own server: ``read()`` and ``async for`` for
the request body, ``respond()`` and ``send()`` for the response, ``stage``.
``RequestStream`` is that part of the cycle; ``HTTPCycle`` (``_http``), which
builds the Request and runs the handler, is a ``RequestStream`` and sets its
slots in its own ``__init__`` (one ``__init__`` per request, not two).  It
copies ``Http``'s rules where they decide what the client sees:

* ``stage`` follows ``sanic.http.Stage``: HANDLER while the handler may still
  respond, RESPONSE once ``http.response.start`` went out, IDLE when the final
  body message is sent, FAILED on a second ``respond()``.  Sanic's error
  handling reads it to decide whether an error page can still be sent.
* Framing is ``Http.http1_response_header``'s, decided by ``_framing``'s pure
  functions: a body sent in one block gets a ``content-length``; 1xx/204/304
  never carry a body; HEAD answers carry the GET's headers and no body; a
  streamed body with a declared length is checked against it.  Chunking
  itself is the server's job, so no ``transfer-encoding`` header is sent.
* The request body is pulled from ``receive()`` only when Sanic asks for it
  (``read()``): that is the backpressure.  ``REQUEST_MAX_SIZE`` is checked
  against the bytes seen so far for bodies of unknown length (``HTTPCycle``
  checks a declared ``content-length`` before anything is read).
* Messages the cycle's framing does not build - those of an ASGI response
  object a handler returned (``_responses``), server push, early hints,
  pathsend (``_extensions``) - go out through ``send_message``, which moves
  ``stage`` as ``_send_start`` does.  Trailers a handler asked for
  (``response_trailers``) follow the final body message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from time import monotonic
from typing import TYPE_CHECKING, Any, Callable

from sanic.exceptions import PayloadTooLarge, ServerError
from sanic.log import logger

from ._access_log import log_response
from ._exceptions import UnexpectedMessage
from ._framing import ResponseFraming, has_connection_header, response_framing
from ._generations._names import RequestCancelled, Stage
from ._generations._processed_headers import HEAD_ENCODERS, head_encoder
from ._headers import encode_pairs

if TYPE_CHECKING:
    from sanic import Request
    from sanic.compat import Header
    from sanic.models.server_types import ConnInfo
    from sanic.response import BaseHTTPResponse

    from ._runtime import AppRuntime
    from ._supervisor import Supervisor
    from ._types import Message, Receive, Scope, Send

__all__ = ["RequestStream"]

# The messages that may end a response body (pathsend: ASGI extension).
_BODY_ENDS = ("http.response.body", "http.response.pathsend")

SendFunc = Callable[[bytes, bool], Coroutine[Any, Any, None]]
# Stage members as globals: read on every request (a global costs less than a class attribute).
_HANDLER, _RESPONSE, _IDLE = Stage.HANDLER, Stage.RESPONSE, Stage.IDLE
_WHOLE, _STREAMED, _FIXED = ResponseFraming.WHOLE, ResponseFraming.STREAMED, ResponseFraming.FIXED


class RequestStream:
    """What Sanic calls ``request.stream``: the request body and the response
    of one ASGI request, and ``stage``.  The base of ``HTTPCycle``."""

    # The PayloadTooLarge message of Sanic's HTTP/1 class for a body over REQUEST_MAX_SIZE.
    too_large_message = "Request body exceeds the size limit"

    __slots__ = (
        "_bytes_left",
        "_chunked",
        "_disconnected",
        "_send",
        "_trailers_declared",
        "asgi_receive",
        "conn_info",
        "count_body",
        "head_only",
        "last_io",
        "reading_body",
        "request_body",
        "request_bytes",
        "request_max_size",
        "response",
        "send",
        "stage",
        "trailers",
    )
    # The stream's state, set by HTTPCycle.__init__; what each slot holds is said there.
    _bytes_left: int
    _chunked: bool
    _disconnected: bool
    _send: Send
    _trailers_declared: bool
    asgi_receive: Receive
    conn_info: ConnInfo | None
    count_body: bool
    head_only: bool
    last_io: float
    reading_body: bool
    request_body: bool
    request_bytes: int
    request_max_size: float
    response: BaseHTTPResponse | None
    send: SendFunc | None
    stage: Stage
    trailers: Header | None
    # HTTPCycle's, read here.
    request: Request | None
    runtime: AppRuntime
    scope: Scope
    started: float | None
    supervisor: Supervisor | None

    # ------------------------------------------------------------------ #
    # Request body (Stream API)
    # ------------------------------------------------------------------ #
    async def read(self) -> bytes | None:
        """Read the next chunk of the request body, or None at its end."""
        try:
            return await self._next_chunk()
        except StopAsyncIteration:
            return None

    async def _next_chunk(self) -> bytes:
        """The next non-empty chunk of the request body; StopAsyncIteration
        at its end (``read()`` and ``async for`` share it)."""
        self.reading_body = True
        while self.request_body:
            if self.request_bytes > self.request_max_size:
                raise PayloadTooLarge(self.too_large_message)
            supervisor = self.supervisor
            if supervisor is not None and supervisor.peek is not None:
                message = await asyncio.shield(supervisor.peek)
                supervisor.peek = None
            else:
                message = await self.asgi_receive()
            try:
                kind = message["type"]
            except (TypeError, KeyError):
                raise UnexpectedMessage(
                    f"expected an http.request message from receive(), got {message!r:.200}"
                ) from None
            if kind == "http.request":
                body: bytes = message.get("body", b"")
                if not isinstance(body, (bytes, bytearray)):
                    raise UnexpectedMessage(f"http.request body must be bytes, got {type(body).__name__}")
                if not message.get("more_body", False):
                    self.request_body = False
                    if self.supervisor is not None:
                        self.supervisor.start_watcher()
                if body:
                    self.last_io = monotonic()
                    if self.count_body:  # no content-length: count what arrives
                        self.request_bytes += len(body)
                        if self.request_bytes > self.request_max_size:
                            raise PayloadTooLarge(self.too_large_message)
                    return body
            elif kind == "http.disconnect":
                self.mark_disconnected()
                raise RequestCancelled()
            else:
                raise UnexpectedMessage(f"expected 'http.request' or 'http.disconnect' from receive(), got {kind!r}")
        raise StopAsyncIteration

    # ``async for data in request.stream`` (Request.receive_body): the cycle
    # is its own iterator, which costs less per body than an async
    # generator, and an ended body stops it without a coroutine.
    def __aiter__(self) -> RequestStream:
        return self

    def __anext__(self) -> Coroutine[Any, Any, bytes]:
        if not self.request_body:
            raise StopAsyncIteration
        return self._next_chunk()

    # ------------------------------------------------------------------ #
    # Response (Stream API)
    # ------------------------------------------------------------------ #
    def respond(self, response: BaseHTTPResponse) -> BaseHTTPResponse:
        if self.stage is not Stage.HANDLER:
            self.stage = Stage.FAILED
            raise RuntimeError("Response already started")
        if self.response is not None:
            self.response.stream = None
        self.response, response.stream = response, self  # type: ignore[assignment]
        return response

    async def _send_start(self, data: bytes, end_stream: bool) -> None:
        """``Http.http1_response_header`` for ASGI: the response's framing
        (``_framing.response_framing``), then its head and first data."""
        res = self.response
        assert res is not None
        if not data and getattr(res, "body", None):
            data, end_stream = res.body, True  # type: ignore[assignment]
        headers = res.headers
        framing = response_framing(res.status, end_stream, data, headers, self.head_only)
        # content-length of a body sent in one block: added to the head as
        # bytes (Sanic sets it in res.headers, which costs more per request).
        length: int | None = None
        if framing is _WHOLE:
            headers.popall("content-length", None)
            length = len(data)
            self.send = None
        else:
            data, end_stream = self._frame_body(framing, res, data, end_stream)
        if self.head_only:
            data = b""
            self.send = self._send_head_ignored
        runtime = self.runtime
        if not runtime.keep_alive and has_connection_header(self.scope.get("http_version")):
            headers["connection"] = "close"
        if runtime.access_log:
            self._log_response(length)
        # res.processed_headers with lowercased names (_processed_headers: the same pairs, cheaper).
        start_headers = (HEAD_ENCODERS.get(res.__class__) or head_encoder(res.__class__))(res)
        if length is not None:
            start_headers.append((b"content-length", b"%d" % length))
        start: Message = {"type": "http.response.start", "status": res.status, "headers": start_headers}
        if self.trailers is not None or self._disconnected:
            await self._send_head_checked(start, data, end_stream)
            return
        # The common case: _asgi_send's work for the two messages in one go
        # (two calls of it cost 4,000 instructions per request).
        try:
            await self._send(start)
            if end_stream:
                self.stage = _IDLE
                # The last message, with Request.get_current() cleared: see _asgi_send.
                current = runtime.current_request
                token = None if current is None else current.set(None)
                try:
                    await self._send({"type": "http.response.body", "body": data, "more_body": False})
                finally:
                    if token is not None:
                        current.reset(token)  # type: ignore[union-attr]
                return
            self.stage = _RESPONSE
            if data:
                await self._send({"type": "http.response.body", "body": data, "more_body": True})
        except OSError:
            self.mark_disconnected()
            raise RequestCancelled() from None
        self.last_io = monotonic()

    async def _send_head_checked(self, start: Message, data: bytes, end_stream: bool) -> None:
        """The head and first data through ``_asgi_send``: with trailers
        declared, or once the client is gone."""
        if self.trailers is not None:
            start["trailers"] = True
        await self._asgi_send(start)
        self.stage = _IDLE if end_stream else _RESPONSE
        if end_stream or data:
            await self._asgi_send({"type": "http.response.body", "body": data, "more_body": not end_stream})

    def _frame_body(
        self, framing: ResponseFraming, res: BaseHTTPResponse, data: bytes, end_stream: bool
    ) -> tuple[bytes, bool]:
        """Set up the sends after the head for a body not sent in one block;
        the data and end of the first send (a 204/304 drops its body)."""
        headers = res.headers
        send: SendFunc | None = None
        if framing is _STREAMED:
            headers.pop("transfer-encoding", None)  # the server chunks
            self._chunked = True
            send = self._send_chunked
        elif framing is _FIXED:
            self._bytes_left = int(headers["content-length"]) - len(data)
            if self._bytes_left < 0:
                # Http.http1_response_header writes this chunk anyway; under
                # ASGI nothing has gone out yet, so an error page still can.
                raise ServerError("Response was bigger than content-length")
            send = self._send_fixed
        elif framing is ResponseFraming.NO_BODY_DROPPED:
            data, end_stream = b"", True
            headers.pop("content-length", None)
            headers.pop("transfer-encoding", None)
            logger.warning(
                f"Message body set in response on {self.request.path}. "  # type: ignore[union-attr]
                f"A {res.status} response may only have headers, no body."
            )
        self.send = send
        return data, end_stream

    async def _send_fixed(self, data: bytes, end_stream: bool) -> None:
        bytes_left = self._bytes_left - len(data)
        if bytes_left < 0:
            raise ServerError("Response was bigger than content-length")
        if bytes_left == 0:
            self.send = None
            self.stage = Stage.IDLE
            await self._asgi_send({"type": "http.response.body", "body": data, "more_body": False})
        else:
            if end_stream:
                raise ServerError("Response was smaller than content-length")
            if data:
                await self._asgi_send({"type": "http.response.body", "body": data, "more_body": True})
        self._bytes_left = bytes_left

    async def _send_chunked(self, data: bytes, end_stream: bool) -> None:
        if end_stream:
            self.send = None
            self.stage = Stage.IDLE
            await self._asgi_send({"type": "http.response.body", "body": data, "more_body": False})
        elif data:
            await self._asgi_send({"type": "http.response.body", "body": data, "more_body": True})

    async def _send_head_ignored(self, data: bytes, end_stream: bool) -> None:
        # Sanic's Http.head_response_ignored: a HEAD answer's body is dropped,
        # and so is anything sent after a head that already ended it.
        if end_stream:
            self.send = None
            if self.stage is not _IDLE:
                self.stage = _IDLE
                await self._asgi_send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _asgi_send(self, message: Message) -> None:
        if self._disconnected:
            raise RequestCancelled()
        # The response's last messages go out with Request.get_current()'s
        # context variable cleared, and it is set back once they are handed
        # over.  An HTTP/1 server arms its keep-alive timer in that send
        # (uvicorn: loop.call_later), and a timer keeps a copy of the task's
        # context: holding the request, it would keep the request, its
        # headers and this cycle alive for as long as the connection idles.
        current = self.runtime.current_request if self.stage is _IDLE else None
        token = None if current is None else current.set(None)
        try:
            await self._send(message)
        except OSError:
            # ASGI 2.4: send() on a closed connection raises an OSError.
            self.mark_disconnected()
            raise RequestCancelled() from None
        finally:
            if current is not None and token is not None:
                current.reset(token)
        self.last_io = monotonic()
        if self.trailers is not None and message["type"] in _BODY_ENDS and not message.get("more_body"):
            trailers, self.trailers = self.trailers, None
            headers = encode_pairs(trailers.items())
            await self._asgi_send({"type": "http.response.trailers", "headers": headers, "more_trailers": False})

    async def send_message(self, message: Message) -> None:
        """Send an ASGI message made outside the cycle's own framing: those
        of an ASGI response object a handler returned (``_responses``),
        extension messages (push, early hints), a pathsend after the head.
        ``stage`` follows them as it follows ``_send_start``."""
        kind = message.get("type")
        ends = False
        if kind == "http.response.start":
            if self.stage is not Stage.HANDLER:
                self.stage = Stage.FAILED
                raise RuntimeError("Response already started")
            headers = message.get("headers", ())
            self._chunked = not any(bytes(name).lower() == b"content-length" for name, _ in headers)
            self._trailers_declared = bool(message.get("trailers", False))
            self.stage = Stage.RESPONSE
            if self.runtime.access_log and self.response is not None:
                self._log_response()
        elif kind in ("http.response.body", "http.response.pathsend"):
            ends = not message.get("more_body", False) and not self._trailers_declared
        elif kind == "http.response.trailers":
            ends = not message.get("more_trailers", False)
        if ends:
            # Complete once handed to the server, as in _send_fixed and
            # _send_chunked: a client that leaves while the server is still
            # writing it must not cancel what runs after the response
            # (Starlette background tasks).
            self.send = None
            self.stage = Stage.IDLE
        await self._asgi_send(message)

    def mark_disconnected(self) -> None:
        """The client has left (``http.disconnect``, or a send that failed)."""
        self._disconnected = True
        if self.conn_info is not None:
            self.conn_info.lost = True

    def body_unannounced(self) -> bool:
        """No framing header: a body may follow, or not (HTTP/2 and 3, and
        scopes built by adapters and test clients)."""
        request = self.request
        if request is None:
            return False
        headers = request.headers
        return "content-length" not in headers and "transfer-encoding" not in headers

    def _log_response(self, length: int | None = None) -> None:
        req, res = self.request, self.response
        assert req is not None
        assert res is not None
        log_response(req, res, self, chunked=self._chunked, length=length, started=self.started)
