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

The HTTP cycle for these entry points is ``sanic_asgi._http_legacy``'s
(``response_callbacks``), picked once, when ``ASGIApp`` is built, so the
current generation's hot path has no version test in it.  Websockets run
through the current ``WebSocketCycle`` with this generation's hooks
(``Generation``'s ``websocket_*`` and ``call_websocket_handler``).  Sanic's server sets
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
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .._headers import encode_name, encode_value
from ._base import Generation, WebSocketDenial
from ._names import Header, ResponseStream

if TYPE_CHECKING:
    from sanic import Request

    from .._types import SanicApp, Scope

__all__ = [
    "LegacyConnInfo",
    "Sanic18",
    "Sanic19",
    "Sanic20",
    "response_headers",
    "set_conn_info",
]

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
        # A Cookie of 18.12-20.12 encodes itself (its output(): value.encode("utf-8")).
        raw = value.encode("utf-8") if not isinstance(value, str) and hasattr(value, "encode") else encode_value(value)
        headers.append((encode_name(getattr(name, "name", name)), raw))
    names = {name for name, _ in headers}
    content_type = getattr(response, "content_type", None)
    if content_type and b"content-type" not in names:
        headers.append((b"content-type", encode_value(content_type)))
    if length is not None and b"content-length" not in names:
        headers.append((b"content-length", b"%d" % length))
    if getattr(response, "status", None) in (304, 412):
        # output(): remove_entity_headers() for the strong cache validators
        from sanic.helpers import is_entity_header

        allowed = (b"content-location", b"expires")
        headers = [(n, v) for n, v in headers if n in allowed or not is_entity_header(n.decode("latin-1"))]
    return headers


def set_conn_info(request: Request, conn_info: Any) -> Any:
    """``request.conn_info`` where the request class has it (20.12); 18.12 and
    19.12 read the peer from ``request.transport`` and keep the app's class."""
    if hasattr(type(request), "conn_info"):
        request.conn_info = conn_info
    return conn_info


class Sanic18(Generation):
    """Sanic 18.12 and 19.3: ``Request`` takes no ``app``."""

    name = "sanic18"
    response_callbacks = True
    handler_calls = False  # handle_request(request, write_callback, stream_callback) before 21.3
    access_log_lines = False
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
        return set_conn_info(request, conn_info)

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
