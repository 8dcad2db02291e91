"""One HTTP request: ASGI scope/receive/send <-> Sanic Request/handle_request.

Theory of operation
-------------------

Sanic's handlers talk to the connection through two objects hanging off the
request: ``request.transport`` (peer addresses, the ASGI scope) and
``request.stream`` (``respond()``, ``send()``, ``read()``, ``stage``).  On
Sanic's own server these are the asyncio transport and ``sanic.http.Http``.
Here one ``HTTPCycle`` plays both parts for one ASGI ``http`` scope, and it
copies ``Http``'s rules where they decide what the client sees:

* ``stage`` follows ``sanic.http.Stage``: HANDLER while the handler may still
  respond, RESPONSE once ``http.response.start`` went out, IDLE when the final
  body message is sent, FAILED on a second ``respond()``.  Sanic's error
  handling reads it to decide whether an error page can still be sent.
* Framing is ``Http.http1_response_header``'s: a body sent in one block gets a
  ``content-length``; 1xx/204/304 never carry a body; HEAD answers carry the
  GET's headers and no body; a streamed body with a declared length is checked
  against it.  Chunking itself is the server's job, so no
  ``transfer-encoding`` header is sent.
* The request body is pulled from ``receive()`` only when Sanic asks for it
  (``read()``): that is the backpressure.  It comes from the ``http.request``
  messages whatever the headers say (``body_framing``): only a declared
  ``content-length``, or an HTTP/1 server that parsed the request off the
  wire, lets a request without framing headers skip them.  ``REQUEST_MAX_SIZE``
  is checked against ``content-length`` before anything is read, and against
  the bytes seen so far for bodies of unknown length.
* The client leaving (``http.disconnect``) and ``RESPONSE_TIMEOUT`` cancel
  the handler as Sanic's ``connection_lost`` and ``check_timeouts`` cancel
  its connection task; a timeout answers 503.  ``_supervisor`` watches for
  both, for a handler still running after its first step, and picks how the
  handler runs (in the server's task on Python 3.11+).
* Framing decisions are pure functions (``_framing``); the access log lines
  are ``_access_log``'s; every header pair is encoded by ``_headers``' codec.
* After ``http.response.start`` has gone out an error cannot become an error
  page: Sanic logs it, and the exception is re-raised so that the server
  aborts the connection instead of ending a truncated body as if complete.
  (Sanic's own ``handle_request`` swallows such an error and its server then
  ends the chunked body cleanly; the adapter learns of it through Sanic's
  ``http.lifecycle.exception`` signal and aborts instead.)
* Messages the cycle's framing does not build - those of an ASGI response
  object a handler returned (``_responses``), server push, early hints,
  pathsend (``_extensions``) - go out through ``send_message``, which moves
  ``stage`` as ``_send_start`` does.  Trailers a handler asked for
  (``response_trailers``) follow the final body message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from time import monotonic, perf_counter
from typing import TYPE_CHECKING, Any, Callable

from sanic.exceptions import PayloadTooLarge, SanicException, ServerError, ServiceUnavailable
from sanic.log import logger

from ._access_log import log_disconnect, log_response
from ._exceptions import MalformedScope, UnexpectedMessage
from ._framing import (
    ResponseFraming,
    body_framing,
    framing_headers,
    has_connection_header,
    read_headers,
    response_framing,
)
from ._generations._names import HTTP_VERSION_1, RequestCancelled
from ._generations._names import Stage as Stage  # re-exported: _runtime imports it from here
from ._generations._processed_headers import HEAD_ENCODERS, head_encoder
from ._headers import encode_pairs
from ._request import prefixed_request_class
from ._request_head import RequestHead, delivered_target, head_size, rebuild_head
from ._scope import headers_from_scope, target_from_scope
from ._supervisor import DISCONNECT, TIMEOUT, Supervisor, run_handler

if TYPE_CHECKING:
    from sanic import Request
    from sanic.compat import Header
    from sanic.models.server_types import ConnInfo
    from sanic.response import BaseHTTPResponse

    from ._runtime import AppRuntime
    from ._types import Message, Receive, SanicApp, Scope, Send

__all__ = ["HTTPCycle"]

# The messages that may end a response body (pathsend: ASGI extension).
_BODY_ENDS = ("http.response.body", "http.response.pathsend")

SendFunc = Callable[[bytes, bool], Coroutine[Any, Any, None]]
# Stage members as globals: read on every request (a global costs less than a class attribute).
_HANDLER, _RESPONSE, _IDLE = Stage.HANDLER, Stage.RESPONSE, Stage.IDLE
_WHOLE, _STREAMED, _FIXED = ResponseFraming.WHOLE, ResponseFraming.STREAMED, ResponseFraming.FIXED


class HTTPCycle:
    """The ``request.transport`` and ``request.stream`` of one ASGI request.

    Hooks for a cycle of another Sanic generation (``_http_legacy``), the
    methods a subclass may override: ``build_request`` and
    ``build_empty_request`` (the Request from the scope, or a stand-in for an
    error page), ``handle`` (run the handler and send its response),
    ``answer_error`` (an error page, or abort), and ``too_large_message``.
    """

    # Read by Sanic: request.protocol.version (Request.stream_id).
    version = HTTP_VERSION_1
    # The PayloadTooLarge message of Sanic's HTTP/1 class for a body over REQUEST_MAX_SIZE.
    too_large_message = "Request body exceeds the size limit"

    __slots__ = (
        "_bytes_left",
        "_chunked",
        "_disconnected",
        "_send",
        "_trailers_declared",
        "app",
        "asgi_receive",
        "conn_info",
        "count_body",
        "failed_after_start",
        "head_only",
        "last_io",
        "reading_body",
        "request",
        "request_body",
        "request_bytes",
        "request_max_size",
        "response",
        "runtime",
        "scope",
        "send",
        "stage",
        "started",
        "supervisor",
        "trailers",
    )

    def __init__(self, runtime: AppRuntime, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.runtime = runtime
        self.app: SanicApp = runtime.app
        self.asgi_receive = receive
        self._send = send
        self.request: Request | None = None
        self.response: BaseHTTPResponse | None = None
        self.stage = _IDLE
        self.request_body = False
        self.request_max_size: float = runtime.request_max_size
        self.request_bytes = 0
        self.send: SendFunc | None = self._send_start
        self.conn_info: ConnInfo | None = None
        self.head_only = False
        # Made for a handler still running after its first step (_supervisor).
        self.supervisor: Supervisor | None = None
        # When the last body chunk arrived or a message went out (RESPONSE_TIMEOUT is idle time).
        self.last_io = 0.0
        self._bytes_left = 0
        self._chunked = False
        self.count_body = True
        self.started: float | None = None
        self._disconnected = False
        # An exception Sanic's handle_exception saw after the response had
        # started (set by the runtime's http.lifecycle.exception signal).
        self.failed_after_start: BaseException | None = None
        # Whether read() has started (a read-ahead must not wait beside it).
        self.reading_body = False
        # Response trailers, once a handler asked for them (sanic_asgi.response_trailers).
        self.trailers: Header | None = None
        self._trailers_declared = False

    @property
    def extensions(self) -> dict[str, Any]:
        """The scope's ``extensions``: what the server offers beyond the base protocol."""
        return self.scope.get("extensions") or {}

    # ------------------------------------------------------------------ #
    # Transport API (what Sanic reads from request.transport)
    # ------------------------------------------------------------------ #
    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return self.scope.get("client") or default
        if name == "sockname":
            return self.scope.get("server") or default
        if name == "sslcontext":
            return self.scope.get("scheme") in ("https", "wss")
        return default

    def get_protocol(self) -> HTTPCycle:
        return self

    def get_websocket_connection(self) -> Any:
        # A plain HTTP request reached a websocket route.  Sanic's server
        # answers as the websockets library does: 426 Upgrade Required.
        raise SanicException(
            "Failed to open a WebSocket connection: missing Connection header.\n\n"
            "You cannot access a WebSocket server directly with a browser. "
            "You need a WebSocket client.\n",
            status_code=426,
            headers={"upgrade": "websocket"},
        )

    def is_closing(self) -> bool:
        return self._disconnected

    # ------------------------------------------------------------------ #
    # Running the request
    # ------------------------------------------------------------------ #
    async def run(self) -> None:
        runtime = self.runtime
        runtime.inflight += 1  # AppRuntime.request_started/_finished, inline: every request runs them
        try:
            try:
                request = self.build_request()
            except (MalformedScope, UnicodeError):
                raise
            except Exception as exc:  # BadURL, URITooLong: Sanic answers 400/414; a head too large 413
                # Sanic's parser refuses a head before it reads the target in it.
                self.build_empty_request(b"*" if exc.__class__ is PayloadTooLarge else None)
                self.stage = Stage.HANDLER
                await self.answer_error(exc)
                return
            self.last_io = monotonic()
            # The handler, supervised if it runs past its first step: see _supervisor.
            await run_handler(self, self.handle(request))
        finally:
            # Break the request <-> stream cycle (Http.http1 does the same), so
            # the request's objects are freed by refcount, not the cyclic GC.
            # request.transport is this object too, so let go of the request
            # (it keeps its transport: request.ip, lifespan_state(request))
            # and of the response: a request can outlive the call (uvicorn's
            # keep-alive timer keeps a copy of this task's context, and in it
            # Request.get_current()'s value, while the connection idles).
            if self.supervisor is not None:
                self.supervisor = None  # it points back at this cycle
            made = self.request
            if made is not None:
                made.stream = None
                if self.response is not None:
                    self.response.stream = None
                    self.response = None
                self.request = None
            runtime.inflight -= 1
            if not runtime.inflight and runtime.drained is not None:
                runtime.drained.set()

    async def handle(self, request: Request) -> None:
        self.stage = _HANDLER
        if self.runtime.access_log:
            self.started = perf_counter()
        try:
            # Sanic's HTTP/1 parser fires this once the Request exists
            # (Http.http1_request_header); on Sanic's server TouchUp removes
            # the call when no handler is registered, hence the check.
            if self.runtime.request_signal:
                await self.app.dispatch("http.lifecycle.request", inline=True, context={"request": request})
            await self.runtime.handle_request(request)
            stage = self.stage
            if stage is _IDLE:
                pass
            elif self.failed_after_start is not None and stage is _RESPONSE:
                # The handler raised mid-body; Sanic logged it (handle_exception)
                # and would end the body cleanly.  Abort instead: see below.
                pass
            elif stage is _HANDLER:
                raise ServerError("Handler produced no response")
            elif stage is _RESPONSE and self.response is not None:
                await self.response.send(end_stream=True)
        except asyncio.CancelledError as exc:
            await self.handle_cancelled(exc)
        except Exception as exc:
            await self.answer_error(exc)
        if self.failed_after_start is not None and self.stage is Stage.RESPONSE:
            # Raised to the server, which aborts the connection, so that a
            # truncated body cannot pass for a complete one.
            raise self.failed_after_start

    def build_request(self) -> Request:
        scope = self.scope
        try:
            method: str = scope["method"]
            version: str = scope.get("http_version", "1.1")
        except KeyError as exc:
            raise MalformedScope(f"http scope has no {exc.args[0]!r} key: {_describe(scope)}") from None
        if method.__class__ is not str and not isinstance(method, str):
            raise MalformedScope(f"scope['method'] must be a str, got {method!r:.100}")
        # The common scope inline (this runs on every request); anything
        # else through _scope's functions, which also word the errors.
        raw_path = scope.get("raw_path")
        root_path = scope.get("root_path")
        query = scope.get("query_string", b"")
        url_bytes: bytes
        target: bytes  # as delivered, for the head (root path included)
        if (
            raw_path.__class__ is bytes
            and raw_path
            and not root_path
            and query.__class__ is bytes
            and b"?" not in raw_path
        ):
            url_bytes = target = raw_path + b"?" + query if query else raw_path
        else:
            url_bytes = target_from_scope(scope)
            target = delivered_target(scope)
        raw = scope.get("headers")
        headers: list[tuple[str, str]]
        try:
            if raw.__class__ is not list:
                raise TypeError
            # The request line's bytes: METHOD SP target SP HTTP/version (_framing.head_line_size).
            headers, head_bytes, length, chunked = read_headers(raw, len(method) + len(target) + len(version) + 7)
        except Exception:
            headers = headers_from_scope(scope)
            head_bytes = head_size(method, target, version, headers)
            length, chunked = framing_headers(headers)
        # Set before the Request is built, as Http.http1_request_header does:
        # the error page for a target Sanic refuses (BadURL) obeys HEAD too,
        # and so does a refused head (an ASGI answer to HEAD has no body).
        self.head_only = method == "HEAD"
        runtime = self.runtime
        if head_bytes >= runtime.head_max_size:
            raise PayloadTooLarge(runtime.head_too_large)
        request_class = runtime.request_class
        if root_path:
            request_class = prefixed_request_class(request_class)
        app = self.app
        # request.head: built when read (_request_head), but as bytes up front
        # for TRACE, whose answer echoes it: before Python 3.12 a lazy object
        # cannot stand where C code wants a bytes buffer (b"".startswith()).
        head: RequestHead | bytes = RequestHead(scope) if method != "TRACE" else rebuild_head(scope)
        if runtime.plain_request:
            request = request_class(url_bytes, headers, version, method, self, app, head)  # type: ignore[arg-type]
        else:
            request = runtime.generation.make_request(
                request_class, url_bytes, headers, version, method, self, app, head
            )
        runtime.set_current_request(request)
        self.request = request
        request.stream = self  # type: ignore[assignment]
        self.conn_info = request.conn_info = runtime.conn_info_class(scope)
        self.request_bytes, self.request_body = body_framing(length, chunked, version, self.asgi_receive)
        self.count_body = not self.request_bytes
        return request

    def build_empty_request(self, url_bytes: bytes | None = None) -> None:
        """Sanic's ``Http.create_empty_request``: a stand-in for error pages
        when the scope's target could not be made into a Request."""
        if url_bytes is None:
            raw = self.scope.get("raw_path") or str(self.scope.get("path", "*")).encode("utf-8", "surrogateescape")
            url_bytes = raw.decode("ascii", "backslashreplace").encode("ascii")[:1024] or b"*"
        try:
            request = self.runtime.generation.make_request(
                self.runtime.request_class, url_bytes, [], "1.1", "NONE", self, self.app
            )
        except Exception:
            request = self.runtime.generation.make_request(
                self.runtime.request_class, b"*", [], "1.1", "NONE", self, self.app
            )
        request.stream = self  # type: ignore[assignment]
        request.conn_info = self.runtime.conn_info_class(self.scope)
        self.request = request

    async def handle_cancelled(self, exc: asyncio.CancelledError) -> None:
        supervisor = self.supervisor
        reason = None if supervisor is None else supervisor.reason
        if reason is not None and supervisor is not None and supervisor.take_back():
            raise exc  # the server cancelled the request too
        if reason == DISCONNECT or self._disconnected:
            self._log_stopped()
            if self.runtime.access_log:
                log_disconnect(self.request, self.response, self.stage, self)
            return
        if reason is None and supervisor is not None and supervisor.server_cancelled():
            if self.stage is _RESPONSE and supervisor.task is not None:
                # The server gave up on a response that had started (an SSE
                # stream open at shutdown, past its graceful timeout).  Sanic's
                # server closes the transport there and logs one INFO line;
                # the same here: the line, and the call ends with the body
                # unfinished, so the server drops the connection (the client
                # sees a cut stream, not a complete one).  Raising would only
                # make the server log its own cancellation as an ERROR
                # traceback; the response cannot change any more.
                supervisor.forget_server_cancel()
                self._log_stopped()
                return
            raise exc  # the server cancelled the request: do not swallow it
        error: BaseException = ServiceUnavailable("Response Timeout") if reason == TIMEOUT else exc
        await self.answer_error(error, request_middleware=reason is None)

    def _log_stopped(self) -> None:
        request = self.request
        logger.info(
            f"Request: {request.method if request else '?'} {request.url if request else '?'} "
            "stopped. Transport is closed."
        )

    async def answer_error(self, exc: BaseException, *, request_middleware: bool = True) -> None:
        """``Http.error_response``: an error page while one can still be sent,
        else log and abort the connection."""
        request = self.request
        assert request is not None
        if self._disconnected:
            # Nobody to answer (Sanic's server tries, and its send fails).
            logger.debug(f"Not answering {request.method} {request.path} with an error page: the client is gone")
            return
        if isinstance(exc, (ServiceUnavailable, RequestCancelled)):
            request_middleware = False
        started = self.stage is not Stage.HANDLER
        try:
            await self.runtime.generation.handle_exception(self.app, request, exc, request_middleware)
        except asyncio.CancelledError:
            raise
        except Exception as second:
            await self.runtime.generation.handle_exception(self.app, request, second, False)
        if started and self.stage is not Stage.IDLE and not self._disconnected:
            # Sanic has logged it; the body is incomplete: make the server
            # drop the connection rather than end the body cleanly.
            raise exc

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
    def __aiter__(self) -> HTTPCycle:
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


def _describe(scope: Scope) -> str:
    keys = ", ".join(sorted(map(str, scope)))
    return f"type={scope.get('type')!r}, keys: {keys}"
