"""One HTTP request: ASGI scope/receive/send <-> Sanic Request/handle_request.

Theory of operation
-------------------

Sanic's handlers talk to the connection through two objects hanging off the
request: ``request.transport`` (peer addresses, the ASGI scope) and
``request.stream`` (``respond()``, ``send()``, ``read()``, ``stage``).  On
Sanic's own server these are the asyncio transport and ``sanic.http.Http``.
Here one ``HTTPCycle`` plays both parts for one ASGI ``http`` scope, and it
copies ``Http``'s rules where they decide what the client sees:

* ``request.stream`` - the request body, ``respond()``, ``send()``,
  ``stage`` - is ``_stream``'s ``RequestStream``, which ``HTTPCycle`` extends:
  the stage, the response's framing and its messages are described there.
* The request body comes from the ``http.request`` messages whatever the
  headers say (``body_framing``): only a declared ``content-length``, or an
  HTTP/1 server that parsed the request off the wire, lets a request without
  framing headers skip them.  ``REQUEST_MAX_SIZE`` is checked against
  ``content-length`` before anything is read.
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
"""

from __future__ import annotations

import asyncio
from time import monotonic, perf_counter
from typing import TYPE_CHECKING, Any

from sanic.exceptions import PayloadTooLarge, SanicException, ServerError, ServiceUnavailable
from sanic.log import logger

from ._access_log import log_disconnect
from ._exceptions import MalformedScope
from ._framing import body_framing, framing_headers, read_headers
from ._generations._names import HTTP_VERSION_1, RequestCancelled
from ._generations._names import Stage as Stage  # re-exported: _runtime imports it from here
from ._request import prefixed_request_class
from ._request_head import RequestHead, delivered_target, head_size, rebuild_head
from ._scope import headers_from_scope, scope_method, target_from_scope
from ._stream import RequestStream
from ._supervisor import DISCONNECT, TIMEOUT, run_handler

if TYPE_CHECKING:
    from sanic import Request

    from ._runtime import AppRuntime
    from ._types import Receive, SanicApp, Scope, Send

__all__ = ["HTTPCycle"]

# Stage members as globals: read on every request (a global costs less than a class attribute).
_HANDLER, _RESPONSE, _IDLE = Stage.HANDLER, Stage.RESPONSE, Stage.IDLE


class HTTPCycle(RequestStream):
    """The ``request.transport`` and ``request.stream`` of one ASGI request:
    builds Sanic's Request from the scope and runs the handler; what the
    handler reads and sends through ``request.stream`` is ``RequestStream``'s.

    Hooks for a cycle of another Sanic generation (``_http_legacy``), the
    methods a subclass may override: ``build_request`` and
    ``build_empty_request`` (the Request from the scope, or a stand-in for an
    error page), ``handle`` (run the handler and send its response),
    ``answer_error`` (an error page, or abort), and ``too_large_message``.
    """

    # Read by Sanic: request.protocol.version (Request.stream_id).
    version = HTTP_VERSION_1
    __slots__ = ("app", "failed_after_start", "request", "runtime", "scope", "started", "supervisor")

    def __init__(self, runtime: AppRuntime, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.runtime = runtime
        self.app: SanicApp = runtime.app
        self.asgi_receive = receive
        self._send = send
        self.request = None
        self.response = None
        self.stage = _IDLE
        self.request_body = False
        self.request_max_size = runtime.request_max_size
        self.request_bytes = 0
        self.send = self._send_start
        self.conn_info = None
        self.head_only = False
        # Made for a handler still running after its first step (_supervisor).
        self.supervisor = None
        # When the last body chunk arrived or a message went out (RESPONSE_TIMEOUT is idle time).
        self.last_io = 0.0
        self._bytes_left = 0
        self._chunked = False
        self.count_body = True
        self.started = None
        self._disconnected = False
        # An exception Sanic's handle_exception saw after the response had
        # started (set by the runtime's http.lifecycle.exception signal).
        self.failed_after_start: BaseException | None = None
        # Whether read() has started (a read-ahead must not wait beside it).
        self.reading_body = False
        # Response trailers, once a handler asked for them (sanic_asgi.response_trailers).
        self.trailers = None
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
            rest = run_handler(self, self.handle(request))
            if rest is not None:
                await rest
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
        except KeyError:
            method = scope_method(scope)  # raises MalformedScope, saying what the scope holds
        if method.__class__ is not str:
            method = scope_method(scope)
        version: str = scope.get("http_version", "1.1")
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
            if self.runtime.log_disconnects:
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
