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
* Once the body has ended, a watcher task waits on ``receive()`` for
  ``http.disconnect`` and cancels the request task, as Sanic's
  ``connection_lost`` cancels its connection task (HTTP/2 and 3, and scopes
  with no framing headers, announce no body, so there the first
  ``http.request`` is read ahead to learn whether the body has already
  ended).  The handler runs in the server's
  own task (Python 3.11+; a task of its own before, where a cancellation
  cannot be taken back), as Sanic's run in its connection task, and the
  cancellation is taken back once handled (``run``).
  ``RESPONSE_TIMEOUT`` is an
  idle timer reset by every body chunk and send, as Sanic's
  ``check_timeouts``; it cancels the same way and answers 503.  Neither can
  act while a step of the handler runs, and most handlers finish in their
  first step, so both are set up only for a handler still running after it
  (``run`` takes that first step by hand and looks).
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
import sys
import types
from collections.abc import Coroutine, Generator, Mapping
from time import monotonic, perf_counter
from typing import TYPE_CHECKING, Any, Callable

from sanic.exceptions import PayloadTooLarge, SanicException, ServerError, ServiceUnavailable
from sanic.log import access_logger, error_logger, logger

from ._exceptions import MalformedScope, UnexpectedMessage
from ._framing import body_framing, framing_headers, read_headers
from ._generations._names import HTTP_VERSION_1, RequestCancelled
from ._generations._names import Stage as Stage  # re-exported: _runtime imports it from here
from ._head import HEAD_ENCODERS, head_encoder
from ._request import prefixed_request_class
from ._request_head import RequestHead, delivered_target, head_size, rebuild_head
from ._scope import headers_from_scope, target_from_scope

if TYPE_CHECKING:
    from sanic import Request
    from sanic.compat import Header
    from sanic.models.server_types import ConnInfo
    from sanic.response import BaseHTTPResponse

    from ._runtime import AppRuntime
    from ._types import Message, Receive, SanicApp, Scope, Send

__all__ = ["HTTPCycle"]

_DISCONNECT = "disconnect"
_TIMEOUT = "timeout"
# The messages that may end a response body (pathsend: ASGI extension).
_BODY_ENDS = ("http.response.body", "http.response.pathsend")

SendFunc = Callable[[bytes, bool], Coroutine[Any, Any, None]]
# Stage members as globals: read on every request (a global costs less than a class attribute).
_HANDLER, _RESPONSE, _IDLE = Stage.HANDLER, Stage.RESPONSE, Stage.IDLE


class HTTPCycle:
    """The ``request.transport`` and ``request.stream`` of one ASGI request."""

    # Read by Sanic: request.protocol.version (Request.stream_id).
    version = HTTP_VERSION_1
    # The PayloadTooLarge message of Sanic's HTTP/1 class for a body over REQUEST_MAX_SIZE.
    too_large_message = "Request body exceeds the size limit"

    __slots__ = (
        "_bytes_left",
        "_cancel_reason",
        "_chunked",
        "_count_body",
        "_disconnected",
        "_last_io",
        "_peek",
        "_perft0",
        "_reading_body",
        "_receive",
        "_send",
        "_server_cancelled",
        "_stepped",
        "_task",
        "_timer",
        "_trailers_declared",
        "_watcher",
        "app",
        "conn_info",
        "failed_after_start",
        "head_only",
        "request",
        "request_body",
        "request_bytes",
        "request_max_size",
        "response",
        "runtime",
        "scope",
        "send",
        "stage",
        "trailers",
    )

    def __init__(self, runtime: AppRuntime, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.runtime = runtime
        self.app: SanicApp = runtime.app
        self._receive = receive
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
        self._task: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._cancel_reason: str | None = None
        self._last_io = 0.0
        self._bytes_left = 0
        self._chunked = False
        self._count_body = True
        self._perft0: float | None = None
        self._disconnected = False
        # An exception Sanic's handle_exception saw after the response had
        # started (set by the runtime's http.lifecycle.exception signal).
        self.failed_after_start: BaseException | None = None
        self._peek: asyncio.Task[Message] | None = None
        self._reading_body = False
        # Whether the handler's first step is over (_after_first_step ran).
        self._stepped = False
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
                request = self._make_request()
            except (MalformedScope, UnicodeError):
                raise
            except Exception as exc:  # BadURL, URITooLong: Sanic answers 400/414; a head too large 413
                # Sanic's parser refuses a head before it reads the target in it.
                self._make_empty_request(b"*" if exc.__class__ is PayloadTooLarge else None)
                self.stage = Stage.HANDLER
                await self._error_response(exc)
                return
            self._last_io = monotonic()
            if not _INLINE:
                await self._run_in_task(request)
                return
            # Python 3.11+: the handler runs in the server's own task, as
            # Sanic's handlers run in its connection task (no task per
            # request).  A disconnect or a timeout cancels this task only
            # while _handle runs (_task is set just for that span): the task
            # is then suspended inside it, so the CancelledError is raised
            # there, and the cancellation is taken back (Task.uncancel) once
            # handled, so the server's code after us never sees it.  A
            # cancellation that is not ours (the server's) leaves
            # cancelling() above zero and goes on up.
            #
            # Neither can act while a step of the handler runs, and most
            # handlers finish in their first step, so that step is taken by
            # hand: only a handler still running after it gets the watcher
            # and the RESPONSE_TIMEOUT timer (and the task looked up).
            handling = self._handle(request)
            try:
                yielded = handling.send(None)
            except StopIteration:
                return
            task = self._task = asyncio.current_task()
            assert task is not None
            self._after_first_step()
            try:
                await _resume(handling, yielded)
            except asyncio.CancelledError:
                # Raised from the error page's own send, or a server's cancel.
                if self._cancel_reason is not None:
                    self._cancel_reason = None
                    task.uncancel()
                if not self._disconnected or task.cancelling() > 0:
                    raise
            finally:
                self._task = None
                if self._cancel_reason is not None:
                    # Ours, and the handler swallowed it.
                    self._cancel_reason = None
                    task.uncancel()
        finally:
            if self._timer is not None or self._watcher is not None or self._peek is not None:
                self._stop_helpers()
            # Break the request <-> stream cycle (Http.http1 does the same), so
            # the request's objects are freed by refcount, not the cyclic GC.
            # request.transport is this object too, so let go of the request
            # (it keeps its transport: request.ip, lifespan_state(request))
            # and of the response: a request can outlive the call (uvicorn's
            # keep-alive timer keeps a copy of this task's context, and in it
            # Request.get_current()'s value, while the connection idles).
            made = self.request
            if made is not None:
                made.stream = None
                if self.response is not None:
                    self.response.stream = None
                    self.response = None
                self.request = None
            self._task = None
            runtime.inflight -= 1
            if not runtime.inflight and runtime.drained is not None:
                runtime.drained.set()

    async def _run_in_task(self, request: Request) -> None:
        """Before Python 3.11 a cancellation cannot be taken back
        (``Task.uncancel``), so the handler runs in a task of its own: a
        disconnect or a timeout cancels that task, never the server's.  The
        watcher and the timer are looked after once the task has taken its
        first step.

        The task is waited for (``asyncio.wait``, which never raises the
        task's own cancellation), so a CancelledError here is the server's
        (its shutdown, a lost connection): ``_server_cancelled`` records it,
        what ``Task.cancelling()`` tells from 3.11, and it is forwarded into
        the handler.  The call then ends as the handler's task ends, as on
        3.11: cancelled (the cancellation goes on up), or normally when the
        cancellation was handled (a started stream, ended with one INFO
        line)."""
        # Set here, not in __init__: only this path reads it (3.11+ pays nothing).
        self._server_cancelled = False
        loop = asyncio.get_running_loop()
        task = self._task = loop.create_task(self._handle(request))
        loop.call_soon(self._after_first_step)
        try:
            await asyncio.wait((task,))
        except asyncio.CancelledError:
            if task.done():
                raise
            self._server_cancelled = True
            task.cancel()
            await asyncio.wait((task,))
        else:
            if task.cancelled() and self._disconnected:
                return  # ended by our cancel: the expected end when the client is gone
        task.result()  # its CancelledError, or its error, goes on up

    async def _handle(self, request: Request) -> None:
        self.stage = _HANDLER
        if self.runtime.access_log:
            self._perft0 = perf_counter()
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
            await self._on_cancelled(exc)
        except Exception as exc:
            await self._error_response(exc)
        if self.failed_after_start is not None and self.stage is Stage.RESPONSE:
            # Raised to the server, which aborts the connection, so that a
            # truncated body cannot pass for a complete one.
            raise self.failed_after_start

    def _make_request(self) -> Request:
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
        self.request_bytes, self.request_body = body_framing(length, chunked, version, self._receive)
        self._count_body = not self.request_bytes
        return request

    def _make_empty_request(self, url_bytes: bytes | None = None) -> None:
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

    async def _on_cancelled(self, exc: asyncio.CancelledError) -> None:
        reason = self._cancel_reason
        if reason is not None:
            self._cancel_reason = None
            task = self._task
            if task is not None and _INLINE:
                task.uncancel()
            if self._cancelled_by_server():
                raise exc  # the server cancelled the request too
        if reason == _DISCONNECT or self._disconnected:
            request = self.request
            logger.info(
                f"Request: {request.method if request else '?'} {request.url if request else '?'} "
                "stopped. Transport is closed."
            )
            if self.runtime.access_log:
                self._log_disconnect()
            return
        if reason is None and self._cancelled_by_server():
            if self.stage is _RESPONSE and self._task is not None:
                # The server gave up on a response that had started (an SSE
                # stream open at shutdown, past its graceful timeout).  Sanic's
                # server closes the transport there and logs one INFO line;
                # the same here: the line, and the call ends with the body
                # unfinished, so the server drops the connection (the client
                # sees a cut stream, not a complete one).  Raising would only
                # make the server log its own cancellation as an ERROR
                # traceback; the response cannot change any more.
                if _INLINE:
                    self._task.uncancel()
                request = self.request
                logger.info(
                    f"Request: {request.method if request else '?'} {request.url if request else '?'} "
                    "stopped. Transport is closed."
                )
                return
            raise exc  # the server cancelled the request: do not swallow it
        error: BaseException = ServiceUnavailable("Response Timeout") if reason == _TIMEOUT else exc
        await self._error_response(error, request_middleware=reason is None)

    async def _error_response(self, exc: BaseException, *, request_middleware: bool = True) -> None:
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
        self._reading_body = True
        while self.request_body:
            if self.request_bytes > self.request_max_size:
                raise PayloadTooLarge(self.too_large_message)
            if self._peek is not None:
                message = await asyncio.shield(self._peek)
                self._peek = None
            else:
                message = await self._receive()
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
                    if self._stepped:  # else _after_first_step starts it
                        self._start_watcher()
                if body:
                    self._last_io = monotonic()
                    if self._count_body:  # no content-length: count what arrives
                        self.request_bytes += len(body)
                        if self.request_bytes > self.request_max_size:
                            raise PayloadTooLarge(self.too_large_message)
                    return body
            elif kind == "http.disconnect":
                self._mark_disconnected()
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
        """``Http.http1_response_header`` for ASGI."""
        res = self.response
        assert res is not None
        if not data and getattr(res, "body", None):
            data, end_stream = res.body, True  # type: ignore[assignment]
        status = res.status
        if not isinstance(status, int) or status < 200:
            raise RuntimeError(f"Invalid response status {status!r}")
        headers = res.headers
        size = len(data)
        send: SendFunc | None
        # content-length of a body sent in one block: added to the head as
        # bytes (Sanic sets it in res.headers, which costs more per request).
        length: int | None = None
        if status == 204 or status == 304:  # has_message_body (1xx refused above)
            send = None
            if data or not end_stream or "content-length" in headers or "transfer-encoding" in headers:
                data, size, end_stream = b"", 0, True
                headers.pop("content-length", None)
                headers.pop("transfer-encoding", None)
                logger.warning(
                    f"Message body set in response on {self.request.path}. "  # type: ignore[union-attr]
                    f"A {status} response may only have headers, no body."
                )
        elif self.head_only and "content-length" in headers:
            send = None
        elif end_stream:
            headers.popall("content-length", None)
            length = size
            send = None
        elif "content-length" in headers:
            self._bytes_left = int(headers["content-length"]) - size
            if self._bytes_left < 0:
                # Http.http1_response_header writes this chunk anyway; under
                # ASGI nothing has gone out yet, so an error page still can.
                raise ServerError("Response was bigger than content-length")
            send = self._send_fixed
        else:
            headers.pop("transfer-encoding", None)  # the server chunks
            self._chunked = True
            send = self._send_chunked
        if self.head_only:
            data = b""
            send = self._send_head_ignored
        runtime = self.runtime
        if not runtime.keep_alive and self.scope.get("http_version") in ("1.0", "1.1"):
            # KEEP_ALIVE=False: Sanic's server answers "connection: close" and
            # closes; HTTP/1 servers (uvicorn, hypercorn) honour the header.
            headers["connection"] = "close"
        self.send = send

        if runtime.access_log:
            self._log_response(length)
        # res.processed_headers with lowercased names (_head: the same pairs, cheaper).
        start_headers = (HEAD_ENCODERS.get(res.__class__) or head_encoder(res.__class__))(res)
        if length is not None:
            start_headers.append((b"content-length", b"%d" % length))
        start: Message = {"type": "http.response.start", "status": status, "headers": start_headers}
        if self.trailers is not None or self._disconnected:
            if self.trailers is not None:
                start["trailers"] = True
            await self._asgi_send(start)
            self.stage = Stage.IDLE if end_stream else Stage.RESPONSE
            if end_stream or data:
                await self._asgi_send({"type": "http.response.body", "body": data, "more_body": not end_stream})
            return
        # The common case, _asgi_send inlined (this runs on every response).
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
                    if current is not None and token is not None:
                        current.reset(token)
                return
            self.stage = _RESPONSE
            if data:
                await self._send({"type": "http.response.body", "body": data, "more_body": True})
        except OSError:
            self._mark_disconnected()
            raise RequestCancelled() from None
        self._last_io = monotonic()

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
            self._mark_disconnected()
            raise RequestCancelled() from None
        finally:
            if current is not None and token is not None:
                current.reset(token)
        self._last_io = monotonic()
        if self.trailers is not None and message["type"] in _BODY_ENDS and not message.get("more_body"):
            trailers, self.trailers = self.trailers, None
            headers = [(str(k).lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in trailers.items()]
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

    # ------------------------------------------------------------------ #
    # Disconnects and timeouts
    # ------------------------------------------------------------------ #
    def _mark_disconnected(self) -> None:
        self._disconnected = True
        if self.conn_info is not None:
            self.conn_info.lost = True

    def _start_watcher(self) -> None:
        task = self._task
        if self._watcher is None and task is not None and not task.done():
            self._watcher = asyncio.get_running_loop().create_task(self._watch_disconnect())

    async def _watch_disconnect(self) -> None:
        """After the body: wait for ``http.disconnect`` and cancel the request."""
        while True:
            message = await self._receive()
            if not isinstance(message, Mapping):
                # A server error, in a task nobody awaits: log it and stop
                # watching rather than end the task with an exception.
                error_logger.error(f"{UnexpectedMessage.__name__}: expected 'http.disconnect', got {message!r:.200}")
                return
            if message.get("type") == "http.disconnect":
                break
        self._mark_disconnected()
        task = self._task
        if task is not None and not task.done() and self.stage is not Stage.IDLE:
            self._cancel_reason = _DISCONNECT
            task.cancel()

    def _after_first_step(self) -> None:
        self._stepped = True
        task = self._task
        if task is None or task.done():
            return
        if not self.request_body:
            self._start_watcher()
        elif self._body_unannounced() and not self._reading_body:
            # (Not once read() has started: two receive() calls must never wait at once.)
            self._peek = asyncio.get_running_loop().create_task(self._peek_first_message())
        self._arm_timer()

    def _body_unannounced(self) -> bool:
        """No framing header: a body may follow, or not (HTTP/2 and 3, and
        scopes built by adapters and test clients)."""
        request = self.request
        if request is None:
            return False
        headers = request.headers
        return "content-length" not in headers and "transfer-encoding" not in headers

    async def _peek_first_message(self) -> Message:
        """Without framing headers (HTTP/2 and 3, adapters' scopes) whether a
        body follows shows only in the first ``http.request`` (END_STREAM).  Read it ahead for ``read()``: if the
        request has no body after all, the disconnect watcher can start now
        (else a streaming handler that never reads the body, an SSE stream,
        would never learn that its client left)."""
        message = await self._receive()
        kind = message.get("type")
        if kind == "http.request" and not message.get("more_body", False) and not message.get("body"):
            self.request_body = False
            self._start_watcher()
        elif kind == "http.disconnect":
            self._mark_disconnected()
            task = self._task
            if task is not None and not task.done() and self.stage is not Stage.IDLE:
                self._cancel_reason = _DISCONNECT
                task.cancel()
        return message

    def _arm_timer(self) -> None:
        """Start the RESPONSE_TIMEOUT idle timer, counting from ``_last_io``."""
        timeout = self.runtime.response_timeout
        if timeout and timeout > 0:
            delay = max(0.0, timeout - (monotonic() - self._last_io))
            self._timer = asyncio.get_running_loop().call_later(delay, self._check_timeout)

    def _check_timeout(self) -> None:
        self._timer = None
        task = self._task
        if task is None or task.done() or self.stage is Stage.IDLE:
            return
        timeout = self.runtime.response_timeout
        idle = monotonic() - self._last_io
        if idle < timeout:
            self._timer = asyncio.get_running_loop().call_later(timeout - idle, self._check_timeout)
            return
        logger.debug("Response Timeout. Closing connection.")
        self._cancel_reason = _TIMEOUT
        task.cancel()

    def _stop_helpers(self) -> None:
        """The request is over: stop the timer, the watcher and a read-ahead."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        watcher = self._watcher
        if watcher is not None:
            self._watcher = None
            if not watcher.done():
                watcher.cancel()
        peek, self._peek = self._peek, None
        if peek is not None and not peek.done():
            peek.cancel()

    # ------------------------------------------------------------------ #
    # Access log, as sanic.http.Http.log_response / HttpProtocol.log_disconnect
    # ------------------------------------------------------------------ #
    def _log_response(self, length: int | None = None) -> None:
        req, res = self.request, self.response
        assert req is not None
        assert res is not None
        if self._chunked:
            byte: Any = "chunked"
        else:
            byte = res.headers.get("content-length", 0) if length is None else length
        extra = {
            "status": getattr(res, "status", 0),
            "byte": byte,
            "host": self._host_for_log(req),
            "request": f"{req.method} {req.url}",
            "duration": f" {1000 * (perf_counter() - self._perft0):.1f}ms" if self._perft0 is not None else "",
        }
        access_logger.info("", extra=extra)

    def _cancelled_by_server(self) -> bool:
        """Was the handler cancelled by the server (its shutdown, a lost
        connection), rather than by us (a disconnect, RESPONSE_TIMEOUT) or
        by a handler raising CancelledError itself?"""
        if _INLINE:
            task = self._task
            return task is not None and task.cancelling() > 0
        return self._server_cancelled

    def _log_disconnect(self) -> None:
        req, res = self.request, self.response
        extra = {
            "status": res.status if res else str(self.stage),
            "byte": "DISCONNECTED",
            "host": self._host_for_log(req) if req else f"{id(self):X}"[-5:-1] + "unx",
            "request": f"{req.method} {req.url}" if req else "nil",
            "duration": "",
        }
        access_logger.info("", extra=extra)

    def _host_for_log(self, req: Request) -> str:
        ip = req.remote_addr or req.ip  # Request.client_ip (23.6+) is this
        return f"{ip}:{req.port}" if ip else f"{id(self):X}"[-5:-1] + "unx"


# Task.uncancel() (3.11+) lets a handler run inline in the server's task.
_INLINE = sys.version_info >= (3, 11)


@types.coroutine
def _resume(coro: Coroutine[Any, Any, None], yielded: Any) -> Generator[Any, Any, None]:
    """Await ``coro`` from where a step taken by hand (``coro.send(None)``,
    which returned ``yielded``) left it: what ``await coro`` would have done
    from the start.  What the task throws in (a cancellation) goes into
    ``coro``."""
    while True:
        try:
            yield yielded
        except BaseException as exc:
            try:
                yielded = coro.throw(exc)
            except StopIteration:
                return
        else:
            yield from coro
            return


def _describe(scope: Scope) -> str:
    keys = ", ".join(sorted(map(str, scope)))
    return f"type={scope.get('type')!r}, keys: {keys}"
