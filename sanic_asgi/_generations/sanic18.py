"""Sanic 18.12 - 20.12: the callback generation.

Before Sanic 21.3 a handler's response did not go through ``request.stream``:
the server called ``app.handle_request(request, write_callback,
stream_callback)``, and Sanic handed the finished response to one of the two
callbacks - ``write_callback(response)`` (synchronous) for a whole response,
``await stream_callback(response)`` for a ``StreamingHTTPResponse``, whose
``streaming_fn`` then writes through ``response.protocol.push_data()`` and
``drain()``.  The request body was read by the server before the handler ran
(``request.body`` is bytes) except on ``stream=True`` routes, which read
``request.stream``.  Listeners were a dict of four lists called
``listener(app, loop)`` (stop listeners in reverse order), and the websocket
handshake was the server protocol's ``websocket_handshake(request,
subprotocols)``.  Errors never left ``handle_request``: Sanic turned them into
``app.error_handler.response(request, exc)`` itself.

The HTTP cycle below is the current ``HTTPCycle`` with those entry points:
the class is picked once, when ``ASGIApp`` is built, so the current
generation's hot path has no version test in it.  Websockets run through the
current ``WebSocketCycle`` with this generation's hooks (``Generation``'s
``websocket_*`` and ``call_websocket_handler``).  Sanic's server sets
``app.is_running`` while it serves (``app.loop`` and ``app.add_task`` read
it), and so does ``startup`` here; ``app.asgi`` stays False, because with it
set Sanic 19.12/20.12 expect their *own* ASGI objects (their websocket
handler calls ``get_websocket_connection()`` on an already-accepted socket)
instead of the server protocol's handshake that the cycles implement.

What differs inside the group is small: before 19.6 ``Request`` takes no
``app``; 18.12's ``StreamingHTTPResponse`` always writes chunked framing
(19.3+ obey ``response.chunked``); 20.6 adds ``request.conn_info`` (before,
the peer is read from ``transport.get_extra_info``, and requests are of the
app's own class, as on Sanic's server).
"""

from __future__ import annotations

import asyncio
from inspect import isawaitable
from time import perf_counter
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sanic.exceptions import PayloadTooLarge, ServerError

try:  # Sanic 19.3 - 20.12: a stream route's request.stream
    from sanic.request import StreamBuffer  # type: ignore[attr-defined]
except ImportError:  # 18.12: an asyncio.Queue, read through the cycle's get(); 21.3+: request.stream is the cycle
    StreamBuffer = None
from sanic.log import error_logger, logger

from .._exceptions import MalformedScope
from .._framing import body_framing, framing_headers
from .._http import HTTPCycle
from .._request import prefixed_request_class
from .._request_head import delivered_target, head_size
from .._scope import headers_from_scope, target_from_scope
from ._base import Generation, WebSocketDenial
from ._names import Header, ResponseStream, Stage, has_message_body

if TYPE_CHECKING:
    from sanic import Request

    from .._types import Message, SanicApp, Scope

__all__ = ["LegacyConnInfo", "LegacyHTTPCycle", "Sanic18", "Sanic19", "Sanic20"]

# Sanic's server event name for each (concern, action), and whether the
# listeners run in reverse registration order (app.run's _helper).
_LISTENERS = {
    ("init", "before"): ("before_server_start", False),
    ("init", "after"): ("after_server_start", False),
    ("shutdown", "before"): ("before_server_stop", True),
    ("shutdown", "after"): ("after_server_stop", True),
}


class LegacyConnInfo:
    """``request.conn_info`` from the scope (``sanic.server.ConnInfo`` of 20.12)."""

    __slots__ = (
        "client",
        "client_ip",
        "client_port",
        "ctx",
        "lost",
        "peername",
        "server",
        "server_port",
        "sockname",
        "ssl",
    )

    def __init__(self, scope: Scope) -> None:
        self.ctx = SimpleNamespace()
        self.lost = False
        self.ssl = scope.get("scheme") in ("https", "wss")
        self.server = self.client = self.client_ip = ""
        self.server_port = self.client_port = 0
        self.peername: Any = None
        self.sockname: Any = None
        server = scope.get("server")
        if server:
            host, port = server[0], _port(server[1])
            self.sockname = (host, port)
            if port is None:
                self.server = host
            else:
                self.server = f"[{host}]" if ":" in host else host
                self.server_port = port
                if port != (443 if self.ssl else 80):
                    self.server = f"{self.server}:{port}"
        client = scope.get("client")
        if client:
            host, port = client[0], _port(client[1])
            self.peername = (host, port)
            self.client = self.client_ip = host
            self.client_port = port or 0


def _port(port: Any) -> Any:
    return int(port) if isinstance(port, str) and port.isdigit() else port


def response_headers(response: Any, length: int | None) -> list[tuple[bytes, bytes]]:
    """ASGI headers of a pre-21.3 response, as its ``output()`` framed them:
    its headers (cookies are ``Set-Cookie`` entries holding ``Cookie``
    objects), ``content-type`` from the attribute, and a ``content-length``."""
    headers: list[tuple[bytes, bytes]] = []
    for name, value in response.headers.items():
        raw = (
            value.encode("utf-8")
            if not isinstance(value, str) and hasattr(value, "encode")
            else str(value).encode("latin-1")
        )
        headers.append((str(getattr(name, "name", name)).lower().encode("latin-1"), raw))
    names = {name for name, _ in headers}
    content_type = getattr(response, "content_type", None)
    if content_type and b"content-type" not in names:
        headers.append((b"content-type", str(content_type).encode("latin-1")))
    if length is not None and b"content-length" not in names:
        headers.append((b"content-length", b"%d" % length))
    if getattr(response, "status", None) in (304, 412):
        # output(): remove_entity_headers() for the strong cache validators
        from sanic.helpers import is_entity_header

        allowed = (b"content-location", b"expires")
        headers = [(n, v) for n, v in headers if n in allowed or not is_entity_header(n.decode("latin-1"))]
    return headers


class _Done:
    """An awaitable that is already done (``push_data`` is awaited from 19.12
    on, called and dropped on 18.12: both must work)."""

    __slots__ = ()

    def __await__(self) -> Any:
        return iter(())


_DONE = _Done()


class StreamWriter:
    """``response.protocol`` of a ``StreamingHTTPResponse``: ``push_data`` and
    ``drain`` become ``http.response.body`` messages."""

    __slots__ = ("_buffer", "cycle", "dechunk")

    def __init__(self, cycle: LegacyHTTPCycle, dechunk: bool) -> None:
        self.cycle = cycle
        self.dechunk = dechunk
        self._buffer: list[bytes] = []

    def push_data(self, data: bytes) -> _Done:
        if self.dechunk:  # b"%x\r\n%b\r\n": keep the payload
            data = data[data.index(b"\r\n") + 2 : -2]
        if data:
            self._buffer.append(data)
        return _DONE

    async def drain(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            if not self.cycle.head_only:
                await self.cycle.send_message({"type": "http.response.body", "body": data, "more_body": True})


class LegacyHTTPCycle(HTTPCycle):
    """``HTTPCycle`` driven through Sanic's pre-21.3 response callbacks."""

    __slots__ = ("legacy_response",)
    too_large_message = "Payload Too Large"  # the server protocol's message

    def _make_request(self) -> Request:
        scope = self.scope
        try:
            method: str = scope["method"]
            version: str = scope.get("http_version", "1.1")
        except KeyError as exc:
            raise MalformedScope(f"http scope has no {exc.args[0]!r} key") from None
        if not isinstance(method, str):
            raise MalformedScope(f"scope['method'] must be a str, got {method!r:.100}")
        self.head_only = method == "HEAD"
        runtime = self.runtime
        request_class = runtime.request_class
        if scope.get("root_path"):
            request_class = prefixed_request_class(request_class)
        headers = headers_from_scope(scope)
        if head_size(method, delivered_target(scope), version, headers) >= runtime.head_max_size:
            raise PayloadTooLarge(runtime.head_too_large)
        request = runtime.generation.make_request(
            request_class, target_from_scope(scope), headers, version, method, self, self.app
        )
        self.request = request
        request.stream = self  # type: ignore[assignment]
        self.conn_info = _set_conn_info(request, runtime.conn_info_class(scope))
        self.request_bytes, self.request_body = body_framing(*framing_headers(headers), version, self._receive)
        self._count_body = not self.request_bytes
        self.legacy_response = None
        return request

    def _make_empty_request(self, url_bytes: bytes | None = None) -> None:
        request = self.runtime.generation.make_request(
            self.runtime.request_class, url_bytes or b"/", [], "1.1", "NONE", self, self.app
        )
        request.stream = self  # type: ignore[assignment]
        _set_conn_info(request, self.runtime.conn_info_class(self.scope))
        self.request = request
        self.legacy_response = None

    async def get(self) -> bytes | None:
        """18.12's ``request.stream`` is an ``asyncio.Queue``: ``get()`` reads."""
        return await self.read()

    def _write_callback(self, response: Any) -> None:
        self.legacy_response = response

    async def _stream_callback(self, response: Any) -> None:
        self.legacy_response = response

    async def _pump(self, buffer: Any) -> None:
        """Feed the body into a stream route's ``StreamBuffer``, then None, as
        Sanic's server did from its ``on_body`` / ``on_message_complete``."""
        while True:
            chunk = await self.read()
            await buffer.put(chunk)
            if chunk is None:
                return

    async def _handle(self, request: Request) -> None:
        pump: asyncio.Future[None] | None = None
        self.stage = Stage.HANDLER
        self._perft0 = perf_counter()
        try:
            stream_route = _is_stream_route(self.app, request)
            if not stream_route:
                # As Sanic's pre-21.3 server: only a stream route gets a
                # request.stream (its StreamBuffer); other handlers see None.
                request.stream = None
            elif StreamBuffer is not None:  # 19.12 / 20.12 (18.12 reads the cycle's get())
                buffer = StreamBuffer(self.app.config.REQUEST_BUFFER_QUEUE_SIZE)
                request.stream = buffer
                pump = asyncio.ensure_future(self._pump(buffer))
            legacy_request = _any(request)
            if not stream_route and hasattr(legacy_request, "body_push"):
                # 19.12 / 20.12: the server pushed each chunk, then body_finish()
                while self.request_body and (chunk := await self.read()) is not None:
                    legacy_request.body_push(chunk)
                legacy_request.body_finish()
            elif self.request_body and not stream_route:  # 18.12: one body
                chunks = []
                while (chunk := await self.read()) is not None:
                    chunks.append(chunk)
                request.body = b"".join(chunks)
            try:
                await self.app.handle_request(request, self._write_callback, self._stream_callback)  # type: ignore[call-arg]
            finally:
                if pump is not None:
                    pump.cancel()
            response, self.legacy_response = self.legacy_response, None
            if response is not None:
                if getattr(response, "status", None) is None:
                    # Sanic's server failed on response.output() and wrote
                    # the error page of a ServerError (its write_response).
                    logger.error(
                        "Invalid response object for url %s, Expected Type: HTTPResponse, Actual Type: %s",
                        request.url,
                        type(response),
                    )
                    raise ServerError("Invalid response type")
                await self.send_legacy(response)
            if self.stage is Stage.HANDLER:
                raise ServerError("Handler produced no response")
        except asyncio.CancelledError as exc:
            await self._on_cancelled(exc)
        except Exception as exc:
            await self._error_response(exc)

    async def _error_response(self, exc: BaseException, *, request_middleware: bool = True) -> None:
        """The error page Sanic's pre-21.3 server wrote: ``error_handler.response``."""
        request = self.request
        assert request is not None
        if self._disconnected:
            return
        if self.stage is not Stage.HANDLER:
            error_logger.error("Error while streaming a response", exc_info=exc)
            raise exc
        response = self.app.error_handler.response(request, exc)
        if isawaitable(response):
            response = await response
        await self.send_legacy(response)

    async def send_legacy(self, response: Any) -> None:
        status = response.status
        if isinstance(response, ResponseStream):
            response = _any(response)  # the pre-21.3 StreamingHTTPResponse
            headers = response_headers(response, None)
            dechunk = not hasattr(response, "chunked")  # 18.12: always chunked framing
            if dechunk or response.chunked:
                # get_headers(): chunked framing drops a Content-Length header,
                # so the ASGI server frames the body (chunked on HTTP/1.1).
                headers = [(n, v) for n, v in headers if n != b"content-length"]
            await self.send_message({"type": "http.response.start", "status": status, "headers": headers})
            if not dechunk:
                response.chunked = False
            response.protocol = StreamWriter(self, dechunk)
            try:
                await response.streaming_fn(response)
                await response.protocol.drain()
            finally:
                response.protocol = None
            await self.send_message({"type": "http.response.body", "body": b"", "more_body": False})
            return
        body = response.body or b""
        if not has_message_body(status):
            body, length = b"", None
        else:
            length = len(body)
        start: Message = {
            "type": "http.response.start",
            "status": status,
            "headers": response_headers(response, length),
        }
        await self.send_message(start)
        await self.send_message({"type": "http.response.body", "body": b"" if self.head_only else body})


def _any(value: Any) -> Any:
    return value


def _set_conn_info(request: Request, conn_info: Any) -> Any:
    """``request.conn_info`` where the request class has it (20.12); 18.12 and
    19.12 read the peer from ``request.transport`` and keep the app's class."""
    if hasattr(type(request), "conn_info"):
        request.conn_info = conn_info
    return conn_info


def _is_stream_route(app: SanicApp, request: Request) -> bool:
    """A ``stream=True`` route reads ``request.stream`` itself."""
    try:
        return bool(app.router.is_stream_handler(request))  # type: ignore[attr-defined]
    except Exception:  # no such route: Sanic answers 404 without the body
        return False


class Sanic18(Generation):
    """Sanic 18.12 and 19.3: ``Request`` takes no ``app``."""

    name = "sanic18"
    http_cycle = LegacyHTTPCycle
    handler_calls = False  # handle_request(request, write_callback, stream_callback) before 21.3
    conn_info_class = LegacyConnInfo
    # The upgrade request goes to the handler as it is: a head of
    # REQUEST_MAX_SIZE (100 MB) never reaches an app through an ASGI server,
    # and this release's PayloadTooLarge answer is the HTTP cycle's.
    websocket_head_limit = False
    websocket_request_stream = False

    def make_request(
        self,
        request_class: type[Request],
        url_bytes: bytes,
        headers: list[tuple[str, str]],
        version: str,
        method: str,
        transport: Any,
        app: SanicApp,
        head: Any = b"",  # a Request has no head before 21.3
    ) -> Request:
        cls: Any = request_class
        request = cls(url_bytes, Header(headers), version, method, transport)
        request.app = app
        return request  # type: ignore[no-any-return]

    def head_limit(self, config: Any) -> tuple[float, str]:
        # HttpProtocol.data_received (18.12-20.12) counts every byte read,
        # the head's closing CRLF CRLF included, against REQUEST_MAX_SIZE.
        return config.REQUEST_MAX_SIZE - 3, "Payload Too Large"

    def setup_logging(self, app: SanicApp) -> None:
        return None

    async def startup(self, app: SanicApp) -> None:
        # As app.run(): the app is "running" while served (app.loop reads it).
        app.asgi = False
        app.is_running = True

    async def server_event(self, app: SanicApp, concern: str, action: str) -> None:
        event, reverse = _LISTENERS[(concern, action)]
        listeners = list(app.listeners.get(event, ()))
        if reverse:
            listeners.reverse()
        loop = asyncio.get_running_loop()
        for listener in listeners:
            call: Any = listener
            result = call(app, loop)
            if isawaitable(result):
                await result

    async def process_event(self, app: SanicApp, event: str) -> None:
        return None  # no main-process listeners before Sanic 21.3

    def background_tasks(self, app: SanicApp) -> list[asyncio.Task[Any]]:
        return []  # app.add_task kept no registry before 21.12

    def purge_tasks(self, app: SanicApp) -> None:
        return None

    def is_started(self, app: SanicApp) -> bool:
        return bool(getattr(app, "is_running", False))

    def reset(self, app: SanicApp) -> None:
        app.is_running = False

    def websocket_conn_info(self, request: Request, conn_info: Any) -> Any:
        return _set_conn_info(request, conn_info)

    async def call_websocket_handler(self, app: SanicApp, request: Request) -> WebSocketDenial | None:
        # handle_request(request, write_callback, stream_callback): a route
        # that refuses the handshake, or no websocket route at all (404),
        # hands its response to a callback instead of sending it.
        returned: list[Any] = []

        async def stream_callback(response: Any) -> None:
            returned.append(response)

        await app.handle_request(request, returned.append, stream_callback)  # type: ignore[call-arg]
        response = returned[-1] if returned else None
        if response is None:  # a websocket route returns None, and Sanic writes that too
            return None
        body = b"" if isinstance(response, ResponseStream) else (response.body or b"")
        return response.status, body, response_headers(response, None)


class Sanic19(Sanic18):
    """Sanic 19.6 - 20.3: ``Request`` takes the app."""

    name = "sanic19"

    def make_request(
        self,
        request_class: type[Request],
        url_bytes: bytes,
        headers: list[tuple[str, str]],
        version: str,
        method: str,
        transport: Any,
        app: SanicApp,
        head: Any = b"",
    ) -> Request:
        cls: Any = request_class
        return cls(url_bytes, Header(headers), version, method, transport, app)  # type: ignore[no-any-return]


class Sanic20(Sanic19):
    """Sanic 20.6 - 20.12: ``request.conn_info``."""

    name = "sanic20"
