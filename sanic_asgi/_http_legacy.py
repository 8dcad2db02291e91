"""The HTTP cycle of Sanic 18.12 - 20.12 (the callback generation).

Before Sanic 21.3 a handler's response did not go through ``request.stream``:
the server called ``app.handle_request(request, write_callback,
stream_callback)`` and Sanic handed the finished response to one of the
callbacks; a ``StreamingHTTPResponse``'s ``streaming_fn`` then writes through
``response.protocol.push_data()`` and ``drain()``.  The request body was read
by the server before the handler ran, except on ``stream=True`` routes
(``sanic_asgi._generations.sanic18`` has the rest of the generation).

``LegacyHTTPCycle`` is the current ``HTTPCycle`` with its declared hooks
(``build_request``, ``build_empty_request``, ``handle``, ``answer_error``)
for those entry points; ``http_cycle_class`` picks the class once per
``ASGIApp`` from the generation's ``response_callbacks``.
"""

from __future__ import annotations

import asyncio
from inspect import isawaitable
from time import perf_counter
from typing import TYPE_CHECKING, Any

from sanic.exceptions import PayloadTooLarge, ServerError

try:  # Sanic 19.3 - 20.12: a stream route's request.stream
    from sanic.request import StreamBuffer  # type: ignore[attr-defined]
except ImportError:  # 18.12: an asyncio.Queue, read through the cycle's get(); 21.3+: request.stream is the cycle
    StreamBuffer = None
from sanic.log import error_logger, logger

from ._framing import body_framing, framing_headers
from ._generations._names import RequestCancelled, ResponseStream, Stage, has_message_body
from ._generations.sanic18 import response_headers, set_conn_info
from ._http import HTTPCycle
from ._request import prefixed_request_class
from ._request_head import delivered_target, head_size
from ._scope import headers_from_scope, scope_method, target_from_scope
from ._supervisor import DISCONNECT

if TYPE_CHECKING:
    from sanic import Request

    from ._generations import Generation
    from ._types import Message, SanicApp

__all__ = ["LegacyHTTPCycle", "http_cycle_class"]

# The supervisor's reason when a stream route's body failed (LegacyHTTPCycle._pump).
BODY_FAILED = "body failed"


def http_cycle_class(generation: Generation) -> type[HTTPCycle]:
    """The HTTP cycle for ``generation``: the current one, or the callback
    generation's (Sanic before 21.3)."""
    return LegacyHTTPCycle if generation.response_callbacks else HTTPCycle


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

    __slots__ = ("body_error", "legacy_response")
    body_error: Exception | None  # a stream route's body failed (_pump)
    too_large_message = "Payload Too Large"  # the server protocol's message

    def build_request(self) -> Request:
        scope = self.scope
        method = scope_method(scope)
        version: str = scope.get("http_version", "1.1")
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
        self.conn_info = set_conn_info(request, runtime.conn_info_class(scope))
        self.request_bytes, self.request_body = body_framing(*framing_headers(headers), version, self.asgi_receive)
        self.count_body = not self.request_bytes
        self.legacy_response = None
        return request

    def build_empty_request(self, url_bytes: bytes | None = None) -> None:
        request = self.runtime.generation.make_request(
            self.runtime.request_class, url_bytes or b"/", [], "1.1", "NONE", self, self.app
        )
        request.stream = self  # type: ignore[assignment]
        set_conn_info(request, self.runtime.conn_info_class(self.scope))
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
        Sanic's server did from its ``on_body`` / ``on_message_complete``.
        A client that leaves cancels the handler (Sanic's ``connection_lost``);
        a body that fails (too large, an invalid message) cancels it too, and
        ``handle`` answers that error, as the server's ``write_error`` did."""
        try:
            while True:
                chunk = await self.read()
                await buffer.put(chunk)
                if chunk is None:
                    return
        except RequestCancelled:
            reason = DISCONNECT
        except Exception as exc:
            self.body_error, reason = exc, BODY_FAILED
        if self.supervisor is not None:  # (the handler is waiting for the body: it has one)
            self.supervisor.cancel(reason)

    async def handle(self, request: Request) -> None:
        pump: asyncio.Future[None] | None = None
        self.body_error = None
        self.stage = Stage.HANDLER
        self.started = perf_counter()
        try:
            stream_route = _is_stream_route(self.app, request)
            if not stream_route:
                # As Sanic's pre-21.3 server: only a stream route gets a
                # request.stream (its StreamBuffer); other handlers see None.
                request.stream = None
            elif StreamBuffer is not None:  # 19.3 - 20.12 (18.12 reads the cycle's get())
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
            await self.app.handle_request(request, self._write_callback, self._stream_callback)  # type: ignore[call-arg]
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
            supervisor = self.supervisor
            if self.body_error is None or supervisor is None or supervisor.reason != BODY_FAILED:
                await self.handle_cancelled(exc)
            elif supervisor.take_back():
                raise  # the server cancelled the request too
            else:
                await self.answer_error(self.body_error)
        except Exception as exc:
            await self.answer_error(exc)
        finally:
            # The body is fed until the response is sent: a stream route's
            # handler returns at once and its streaming_fn reads the body.
            if pump is not None:
                pump.cancel()

    async def answer_error(self, exc: BaseException, *, request_middleware: bool = True) -> None:
        """The error page Sanic's pre-21.3 server wrote: ``error_handler.response``."""
        request = self.request
        assert request is not None
        if self.is_closing():
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


def _is_stream_route(app: SanicApp, request: Request) -> bool:
    """A ``stream=True`` route reads ``request.stream`` itself."""
    try:
        return bool(app.router.is_stream_handler(request))  # type: ignore[attr-defined]
    except Exception:  # no such route: Sanic answers 404 without the body
        return False
