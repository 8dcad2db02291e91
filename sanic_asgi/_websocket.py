r"""One websocket connection: an ASGI ``websocket`` scope <-> a Sanic ws handler.

Sanic's ``app._websocket_handler`` (ASGI mode) asks the request's transport for
the connection (``get_websocket_connection()``), awaits ``accept(subprotocols)``
and hands the object to the route handler.  ``WebSocketConnection`` is that
object, with the interface of Sanic's own ``WebsocketImplProtocol``
(``sanic/server/websockets/impl.py``) and the same behaviour at the edges:

* ``recv(timeout)`` returns ``str`` for text and ``bytes`` for binary, ``None``
  when the timeout passes; if the peer closes while it waits it raises
  ``asyncio.CancelledError`` (Sanic's server cancels ``recv`` on a close frame,
  which ends the handler quietly); a ``recv``/``recv_burst`` that starts after
  the close raises ``WebsocketClosed`` once the messages that arrived before
  it have been read (Sanic's drops those).
* ``send`` after close raises ``WebsocketClosed``; a dict raises ``TypeError``.
* ``close(code, reason)`` reaches the peer as an ASGI ``websocket.close``
  (as ``1000`` where the server refuses the code: daphne sends only 1000 and
  3000-4999).  The reader stops before it, since granian holds a close back
  while a ``receive()`` is pending.
* Subprotocols are negotiated by the ``websockets`` library's own
  ``ServerProtocol.select_subprotocol``, the code Sanic's server runs, so the
  outcome matches the installed ``websockets`` release.
* ASGI gives applications no ping frames: keepalive pings are the server's
  job (uvicorn ``--ws-ping-interval``, hypercorn ``websocket_ping_interval``).
  ``ping()`` therefore returns an already-resolved future and ``pong()`` does
  nothing, so code written for Sanic's server keeps running.

A connection's state is one ``WebSocketState``::

    CONNECTING --accept()--> OPEN --close() by the app--> CLOSING --close sent--> CLOSED
                               \--websocket.disconnect, or a send that failed------^

``WebSocketCycle`` (the request's transport and stream) makes the connection
with what it needs (the ASGI send/receive, the offered subprotocols, the
request, the size limit) and reads it back only through ``state``,
``handler_failed()`` and ``finish()``; the connection tells the cycle of the
handshake through the ``accepted`` callback.

Incoming messages are read by one task per connection into a bounded inbox
(``max_queue``, as websockets' own), so ``recv(timeout)`` never cancels the
server's ``receive()`` halfway through a message.  The inbox is a list and two
futures, not an ``asyncio.Queue``: a queue holds four deques (its items, two
waiter lists and an ``Event``), 3 KiB per open websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Union

from sanic.exceptions import PayloadTooLarge, SanicException, ServerError

from ._access_log import log_websocket, peer_for_log
from ._exceptions import UnexpectedMessage
from ._generations._names import (
    CLIENT_FIRST_SUBPROTOCOL,
    WEBSOCKET_ACCESS_LOG,
    Stage,
    WebsocketClosed,
    websockets_logger,
)
from ._generations._processed_headers import response_head
from ._request import prefixed_request_class
from ._request_head import RequestHead, delivered_target, head_size
from ._scope import headers_from_scope, target_from_scope

if TYPE_CHECKING:
    from sanic import Request
    from sanic.response import BaseHTTPResponse

    from ._runtime import AppRuntime
    from ._types import Message, Receive, Scope, Send

__all__ = ["WebSocketConnection", "WebSocketCycle", "WebSocketState", "log_websocket_access"]

Data = Union[str, bytes]


class WebSocketState(enum.Enum):
    """A connection's state (the diagram in the module docstring)."""

    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


_CONNECTING, _OPEN, _CLOSING, _CLOSED = WebSocketState
# Close-code names in Sanic's websocket access log lines.
_CLOSE_NAMES = {1000: "NORMAL", 1001: "GOING AWAY", 1005: "NO STATUS", 1006: "ABNORMAL", 1011: "SERVER ERR"}
_MAX_QUEUE = 32


def _select_subprotocol(available: Sequence[str], offered: Sequence[str]) -> str | None:
    """Negotiate as Sanic's server does: through websockets' ServerProtocol."""
    if CLIENT_FIRST_SUBPROTOCOL:  # Sanic 18.12 - 21.6's own handshake code
        return next((p for p in offered if p in available), None)
    try:
        from websockets.server import ServerProtocol
    except ImportError:  # websockets 10 (Sanic 21.12 / 22.12): the same rule, under its old name
        from websockets.server import ServerConnection

        connection: Any = ServerConnection(subprotocols=list(available))
        return connection.select_subprotocol(list(offered), list(available))  # type: ignore[no-any-return]

    protocol = ServerProtocol(subprotocols=list(available))  # type: ignore[arg-type]
    return protocol.select_subprotocol(list(offered))  # type: ignore[arg-type]


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class WebSocketConnection:
    """The ``ws`` object a Sanic websocket handler receives under ASGI."""

    def __init__(
        self,
        send: Send,
        receive: Receive,
        *,
        offered: Sequence[str] = (),
        request: Request | None = None,
        max_size: int | None = None,
        access_log: bool = False,
        accepted: Callable[[], None] | None = None,
    ) -> None:
        self._send_asgi = send
        self._receive = receive
        self._offered = list(offered)  # the scope's "subprotocols"
        self._request = request
        self._max_size = max_size  # WEBSOCKET_MAX_SIZE
        self._access_log = access_log
        self._accepted = accepted
        self._state = _CONNECTING
        # end_connection()/fail_connection(): the close the cycle sends once
        # the handler has returned.
        self._pending_close: tuple[int, str] | None = None
        # Messages read and not yet received; None (after the messages) wakes
        # a recv() waiting when the connection closes.  At most _MAX_QUEUE:
        # then the reader waits for room (_room).
        self._inbox: list[Data | None] = []
        self._arrived: asyncio.Future[None] | None = None  # a recv() waits for a message
        self._room: asyncio.Future[None] | None = None  # the reader waits for room
        self._receiving = False  # a recv() is running
        self._reader: asyncio.Task[None] | None = None
        self._subprotocol: str | None = None
        self.close_code: int | None = None
        self.close_reason: str = ""
        self._closed: asyncio.Event | None = None  # made by wait_for_connection_lost
        self._failed_with: int | None = None
        # Access log (Sanic's WebSocketProtocol.log_websocket): the URL and
        # peer noted at the handshake ("": no log); who closed first decides
        # the CLOSE line.
        self._log_url = ""
        self._log_peer = ""
        self._closed_by_peer: bool | None = None

    # -- handshake -------------------------------------------------------
    async def accept(self, subprotocols: Sequence[str] | None = None) -> None:
        selected: str | None = None
        if subprotocols is not None:
            try:
                selected = _select_subprotocol(list(subprotocols), self._offered)
            except Exception as exc:  # websockets.exceptions.NegotiationError
                raise SanicException(f"Failed to open a WebSocket connection: {exc}.\n", status_code=400) from None
        message: Message = {"type": "websocket.accept", "subprotocol": selected}
        await self._send_asgi(message)
        self._subprotocol = selected
        self._state = _OPEN
        if self._accepted is not None:
            self._accepted()
        self._reader = asyncio.get_running_loop().create_task(self._read())
        # As Sanic's WebSocketProtocol.websocket_handshake: the URL and peer
        # are read now (request.url caches the forwarded info) and logged.
        # Before Sanic 24.x its server neither logged websockets nor read the
        # URL here, so a handler could still change the forwarded headers.
        # The URL is read whether or not the access log is on, as there.
        request = self._request
        if request is not None and WEBSOCKET_ACCESS_LOG:
            self._log_url = request.url
            if self._access_log:
                self._log_peer = peer_for_log(request, self)
                log_websocket_access("OPEN", self._log_url, self._log_peer)

    @property
    def subprotocol(self) -> str | None:
        return self._subprotocol

    @property
    def state(self) -> WebSocketState:
        return self._state

    @property
    def connection(self) -> WebSocketConnection:  # Sanic 21.x name for self
        return self

    # -- incoming --------------------------------------------------------
    async def _read(self) -> None:
        max_size = self._max_size
        try:
            while True:
                message = await self._receive()
                kind = message.get("type")
                if kind == "websocket.receive":
                    data: Data | None = message.get("text")
                    if data is None:
                        data = message.get("bytes") or b""
                    if max_size and len(data) > max_size:
                        websockets_logger.debug("Websocket message over WEBSOCKET_MAX_SIZE; closing 1009")
                        await self.close(1009, "message too big")
                        self._connection_lost(1009, "message too big")
                        return
                    while len(self._inbox) >= _MAX_QUEUE:
                        self._room = asyncio.get_running_loop().create_future()
                        try:
                            await self._room
                        finally:
                            self._room = None
                    self._inbox.append(data)
                    _wake(self._arrived)
                elif kind == "websocket.disconnect":
                    self._connection_lost(message.get("code", 1005), message.get("reason") or "")
                    return
                else:
                    raise UnexpectedMessage(
                        f"expected 'websocket.receive' or 'websocket.disconnect' from receive(), got {kind!r}"
                    )
        except asyncio.CancelledError:
            raise
        except Exception:
            websockets_logger.exception("Error reading from the ASGI websocket")
            self._connection_lost(1006, "")

    def _connection_lost(self, code: int, reason: str) -> None:
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            self._closed_by_peer = True
        self._closed_now()

    def _closed_now(self) -> None:
        self._state = _CLOSED
        if self._closed is not None:
            self._closed.set()
        # Wake a recv() that is waiting: it raises CancelledError, as on
        # Sanic's server.  Only then: a recv() that starts after the close
        # must raise WebsocketClosed (once what did arrive has been read).
        if self._arrived is not None and not self._arrived.done():
            self._inbox.append(None)
            self._arrived.set_result(None)

    async def recv(self, timeout: float | None = None) -> Data | None:
        if self._receiving:
            raise ServerError("cannot call recv while another task is already waiting for the next message")
        self._receiving = True
        try:
            inbox = self._inbox
            if not inbox:
                if self._state is _CLOSED:
                    raise WebsocketClosed("Cannot receive from websocket interface after it is closed.")
                if timeout is not None and timeout <= 0:
                    return None
                arrived = self._arrived = asyncio.get_running_loop().create_future()
                try:
                    if timeout is None:
                        await arrived
                    else:
                        # wait_for cancels only the future; a message that
                        # arrives meanwhile stays in the inbox.
                        await asyncio.wait_for(arrived, timeout)
                except asyncio.TimeoutError:
                    return None
                finally:
                    self._arrived = None
            data = inbox.pop(0)
            _wake(self._room)
            if data is None:
                raise asyncio.CancelledError()
            return data
        finally:
            self._receiving = False

    async def recv_burst(self, max_recv: int = 256) -> Sequence[Data]:
        """Messages that have arrived since the last call, without waiting."""
        inbox = self._inbox
        if self._state is _CLOSED and not inbox:
            raise WebsocketClosed("Cannot receive from websocket interface after it is closed.")
        messages: list[Data] = []
        while len(messages) < max_recv and inbox and inbox[0] is not None:
            messages.append(inbox.pop(0))  # type: ignore[arg-type]
        if messages:
            _wake(self._room)
        return messages

    async def recv_streaming(self) -> AsyncIterator[Data]:
        """ASGI delivers whole messages: the stream is one chunk."""
        data = await self.recv()
        if data is not None:
            yield data

    async def __aiter__(self) -> AsyncIterator[Data]:
        while True:
            data = await self.recv()
            if data is not None:
                yield data

    # -- outgoing --------------------------------------------------------
    async def send(self, message: Data | Iterable[Data]) -> None:
        if self._state in (_CLOSED, _CLOSING):
            raise WebsocketClosed("Cannot write to websocket interface after it is closed.")
        if self._state is _CONNECTING:
            raise ServerError("Cannot write to websocket interface before it is accepted.")
        if isinstance(message, str):
            out: Message = {"type": "websocket.send", "text": message}
        elif isinstance(message, (bytes, bytearray, memoryview)):
            out = {"type": "websocket.send", "bytes": bytes(message)}
        elif isinstance(message, Mapping):
            raise TypeError("data is a dict-like object")
        elif isinstance(message, Iterable):
            raise NotImplementedError("Fragmented websocket messages are not supported.")
        else:
            raise TypeError("Websocket data must be bytes, str.")
        try:
            await self._send_asgi(out)
        except OSError:
            self._connection_lost(1006, "")
            raise WebsocketClosed("Cannot write to websocket interface after it is closed.") from None

    async def ping(self, data: Data | None = None) -> asyncio.Future[None]:
        if self._state in (_CLOSED, _CLOSING):
            raise WebsocketClosed("Cannot send a ping when the websocket interface is closed.")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def pong(self, data: Data = b"") -> None:
        return None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self._state is not _OPEN:
            return
        if self._failed_with is not None:
            code, reason = self._failed_with, reason or "Internal server error"
        elif self._pending_close is not None:
            # end_connection()/fail_connection() closed it first: on Sanic's
            # server their close frame went out at once, so theirs is the code.
            code, reason = self._pending_close
        self._state = _CLOSING
        # Stop reading first: granian (2.x) holds a websocket.close back while
        # a receive() is pending.  What the peer sends after our close is
        # not for the app (the server completes the closing handshake).
        await self._stop_reading()
        try:
            await self._send_asgi({"type": "websocket.close", "code": code, "reason": reason})
        except OSError:
            pass
        except Exception:
            if code == 1000:
                raise
            # daphne (autobahn) sends only 1000 and 3000-4999 and raises for
            # any other code (1009, 1011): close anyway, with 1000.
            websockets_logger.debug("The server refused close code %s; closing with 1000", code, exc_info=True)
            with contextlib.suppress(OSError):
                await self._send_asgi({"type": "websocket.close", "code": 1000, "reason": reason})
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            self._closed_by_peer = False
        self._closed_now()  # a recv() in another task: wake it

    def end_connection(self, code: int = 1000, reason: str = "") -> None:
        """Sanic calls this (not ``close``) when the handler was cancelled;
        the cycle sends the close frame once the handler has returned."""
        if self._state is _OPEN:
            self._pending_close = (code, reason)

    def fail_connection(self, code: int = 1006, reason: str = "") -> bool:
        self.end_connection(1011 if code == 1006 else code, reason)
        return True

    async def wait_for_connection_lost(self, timeout: float | None = None) -> bool:
        if self._state is _CLOSED:
            return True
        if self._closed is None:
            self._closed = asyncio.Event()
        try:
            await asyncio.wait_for(self._closed.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def handler_failed(self) -> None:
        """The handler raised (Sanic's ``websocket.handler.exception`` signal):
        the close Sanic sends next carries 1011."""
        self._failed_with = 1011

    async def _stop_reading(self) -> None:
        reader = self._reader
        if reader is not None and not reader.done() and reader is not asyncio.current_task():
            reader.cancel()
            # wait() neither raises the reader's outcome nor swallows a
            # cancellation of the caller.
            await asyncio.wait([reader])

    async def finish(self) -> None:
        """The handler has returned and the close is sent: stop reading and
        write the access log's CLOSE line (the cycle calls this last)."""
        reader = self._reader
        if reader is not None and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        if self._log_url and self._access_log:
            log_websocket_access(
                "CLOSE", self._log_url, self._log_peer, (self.close_code, self.close_reason, self._closed_by_peer)
            )


def log_websocket_access(
    event: str, url: str, peer: str, close: tuple[int | None, str, bool | None] | None = None
) -> None:
    """``WebSocketProtocol.log_websocket``: an OPEN line after the handshake
    and a CLOSE line (CLOSE_ABN for 1006) at the end, with the close code and
    reason of the side that closed first (``close``: code, reason, closed by
    the peer).  Under ASGI the server completes the closing handshake, so the
    other side is taken to have answered with the same code."""
    status: Any = ""
    side = ""
    if close is not None:
        code, reason, by_peer = close
        code = 1006 if code is None else code
        if code == 1006:
            event = "CLOSE_ABN"
        desc = repr(reason[:256]) if reason else _CLOSE_NAMES.get(code, "")
        status = code
        side = f"{desc} from client" if by_peer or code == 1006 else f"{desc} from server"
    log_websocket(event, status=status, close=side, host=peer, url=url)


class WebSocketCycle:
    """The ``request.transport`` and ``request.stream`` of one ASGI websocket."""

    __slots__ = (
        "_denial_status",
        "_receive",
        "_send",
        "app",
        "conn_info",
        "connection",
        "request",
        "request_body",
        "request_max_size",
        "response",
        "runtime",
        "scope",
        "send",
        "stage",
    )

    def __init__(self, runtime: AppRuntime, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.runtime = runtime
        self.app = runtime.app
        self._receive = receive
        self._send = send
        self.request: Request | None = None
        self.response: BaseHTTPResponse | None = None
        self.stage = Stage.IDLE
        self.request_body = False
        self.request_max_size = runtime.request_max_size
        self.send: Any = self._send_denial
        self.conn_info: Any = None
        self.connection: WebSocketConnection | None = None
        self._denial_status: int | None = None

    # -- transport API --------------------------------------------------
    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return self.scope.get("client") or default
        if name == "sockname":
            return self.scope.get("server") or default
        if name == "sslcontext":
            return self.scope.get("scheme") == "wss"
        return default

    def get_protocol(self) -> WebSocketCycle:
        return self

    def get_websocket_connection(self) -> WebSocketConnection:
        if self.connection is None:
            self.connection = WebSocketConnection(
                self._send,
                self._receive,
                offered=self.scope.get("subprotocols") or (),
                request=self.request,
                max_size=self.runtime.websocket_max_size,
                access_log=self.runtime.access_log,
                accepted=self._accepted,
            )
        return self.connection

    async def websocket_handshake(self, request: Request, subprotocols: Any = None) -> WebSocketConnection:
        """The server protocol's handshake, which Sanic's websocket handler
        awaits before 21.9 when ``app.asgi`` is False (Sanic 18.12 - 21.6)."""
        ws = self.get_websocket_connection()
        await ws.accept(subprotocols)
        return ws

    def is_closing(self) -> bool:
        return self.connection is not None and self.connection.state is _CLOSED

    def _accepted(self) -> None:
        self.stage = Stage.RESPONSE

    # -- running ----------------------------------------------------------
    async def run(self) -> None:
        message = await self._receive()
        kind = message.get("type") if isinstance(message, Mapping) else None
        if kind != "websocket.connect":
            if kind == "websocket.disconnect":
                return
            got = repr(kind) if isinstance(message, Mapping) else f"{message!r:.200}"
            raise UnexpectedMessage(f"expected 'websocket.connect' as the first message, got {got}")
        runtime = self.runtime
        runtime.request_started()
        try:
            request = await self._make_request()
            if request is not None:
                await self._handle(request)
        finally:
            if self.request is not None:
                self.request.stream = None
            runtime.request_finished()

    async def _make_request(self) -> Request | None:
        """The upgrade request as Sanic's server makes it, or None when it was
        refused (the denial is sent)."""
        runtime, scope = self.runtime, self.scope
        try:
            request_class = runtime.request_class
            if scope.get("root_path"):
                request_class = prefixed_request_class(request_class)
            headers = headers_from_scope(scope)
            # Sanic reads the upgrade request with its HTTP/1 parser, so
            # the same head limit applies (HTTP/2's extended CONNECT too).
            if runtime.generation.websocket_head_limit:
                version = str(scope.get("http_version", "1.1"))
                if head_size("GET", delivered_target(scope), version, headers) >= runtime.head_max_size:
                    await self._refuse_head()
                    return None
            return runtime.generation.make_request(
                request_class, target_from_scope(scope), headers, "1.1", "GET", self, self.app, RequestHead(scope)
            )
        except Exception as exc:
            await self._deny(400, str(exc).encode())
            return None

    async def _handle(self, request: Request) -> None:
        runtime = self.runtime
        generation = runtime.generation
        runtime.set_current_request(request)
        self.request = request
        request.stream = self if generation.websocket_request_stream else None  # type: ignore[assignment]
        self.conn_info = generation.websocket_conn_info(request, runtime.conn_info_class(self.scope))
        self.stage = Stage.HANDLER
        # Sanic's server says so (HttpProtocol.check_timeouts) while a
        # websocket runs; no request/response timeout applies here either.
        websockets_logger.debug("Handling websocket. Timeouts disabled.")
        try:
            denial = await generation.call_websocket_handler(self.app, request)
        except asyncio.CancelledError:
            if self.connection is None or self.connection.state is not _CLOSED:
                raise
        except Exception as exc:
            await generation.handle_exception(self.app, request, exc, True)
        else:
            if denial is not None and (self.connection is None or self.connection.state is _CONNECTING):
                # A response the handler returned before the handshake (Sanic
                # before 21.3 hands it back instead of sending it).
                self._denial_status, body, headers = denial
                await self._deny(self._denial_status, body, headers)
                return
        await self._end()

    async def _refuse_head(self) -> None:
        """A head over Sanic's limit: ``PayloadTooLarge`` through the app's
        error handler with an empty request (``Http.create_empty_request``),
        its answer sent as the denial response."""
        request = self.runtime.generation.make_request(
            self.runtime.request_class, b"*", [], "1.1", "NONE", self, self.app
        )
        self.request = request
        request.stream = self  # type: ignore[assignment]
        self.conn_info = request.conn_info = self.runtime.conn_info_class(self.scope)
        self.stage = Stage.HANDLER
        await self.runtime.generation.handle_exception(
            self.app, request, PayloadTooLarge(self.runtime.head_too_large), True
        )
        await self._end()

    async def _end(self) -> None:
        ws = self.connection
        if ws is None or ws.state is _CONNECTING:
            if self.stage is Stage.HANDLER and self._denial_status is None:
                # Not a websocket route, and nothing answered: plain close (403).
                await self._send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        await ws.close()  # with end_connection()'s code, if it came first; once OPEN only
        await ws.finish()

    # -- denial: an HTTP response before accept -----------------------------
    def respond(self, response: BaseHTTPResponse) -> BaseHTTPResponse:
        if self.stage is not Stage.HANDLER:
            self.stage = Stage.FAILED
            raise RuntimeError("Response already started")
        self.response, response.stream = response, self  # type: ignore[assignment]
        return response

    async def _send_denial(self, data: bytes, end_stream: bool) -> None:
        response = self.response
        assert response is not None
        body = (response.body or b"") + data if self._denial_status is None else data
        if self._denial_status is None:
            self._denial_status = response.status
            self.stage = Stage.RESPONSE
            await self._deny(response.status, body, response_head(response), final=end_stream)
            if end_stream:
                self.send = None
                self.stage = Stage.IDLE
            return
        if self._supports_http_response():
            await self._send({"type": "websocket.http.response.body", "body": body, "more_body": not end_stream})
        if end_stream:
            self.send = None
            self.stage = Stage.IDLE

    def _supports_http_response(self) -> bool:
        return "websocket.http.response" in (self.scope.get("extensions") or {})

    async def _deny(
        self, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None, *, final: bool = True
    ) -> None:
        """Refuse the handshake: with an HTTP response where the server has the
        ``websocket.http.response`` extension, else with a plain close (the
        server answers 403)."""
        if self._supports_http_response():
            headers = [(k.lower(), v) for k, v in headers or () if k.lower() != b"content-length"]
            if final:
                headers.append((b"content-length", str(len(body)).encode()))
            await self._send({"type": "websocket.http.response.start", "status": status, "headers": headers})
            await self._send({"type": "websocket.http.response.body", "body": body, "more_body": not final})
        else:
            await self._send({"type": "websocket.close", "code": 1000, "reason": ""})
