"""Responses that cross the Sanic/ASGI line in either direction.

ASGI response objects from Sanic handlers
-----------------------------------------
A Starlette ``Response`` (``StreamingResponse``, ``FileResponse``,
``RedirectResponse`` ...) is an ASGI application: ``await response(scope,
receive, send)`` sends it.  Sanic's ``handle_request`` only sends its own
``BaseHTTPResponse`` and answers anything else with "Invalid response type".
Sanic has no hook for converting a handler's return value, so, like
``sync_handlers="thread"``, the adapter calls each route handler through a
wrapper (``_handlers``: the route's handler itself is left alone).  The wrapper turns an
ASGI callable return value into an ``ASGIResponse``: a ``BaseHTTPResponse``
whose ``send()`` runs the object with the request's scope and forwards its
messages through the ``HTTPCycle``.  Everything Sanic does with a response
therefore still happens: ``request.respond`` connects it, response middleware
runs (it sees ``response.status`` as the object's ``status_code`` when it has
one; headers and cookies it sets are added to the object's
``http.response.start``, replacing headers of the same name; the body cannot
be changed), the ``http.lifecycle.response`` signal fires, and the access log
is written.  Background tasks of a Starlette response run after its body, in
the request's task, as under Starlette: shutdown waits for them like for any
request in flight.

Only what a handler *returns* is converted: request middleware and exception
handlers must return Sanic responses.

Sanic responses as ASGI applications
------------------------------------
``as_asgi(response)`` is the other direction: an ASGI callable that sends a
Sanic ``HTTPResponse`` (headers, cookies, content-length as Sanic frames it)
or a ``ResponseStream`` (``sanic.response.file_stream``), so a Starlette
endpoint may return one.

Files without reading them into Python
--------------------------------------
``sanic.response.file`` reads the whole file into ``response.body``, and
neither it nor ``file_stream`` leaves the path anywhere public, so the adapter
cannot recognise a file response after the fact.  ``file_response(path)``
returns a Sanic response that knows its path: under a server with the
``http.response.pathsend`` extension (granian) the adapter sends the head
and then ``{"type": "http.response.pathsend", "path": ...}``, and the server
sends the file itself; elsewhere (and on Sanic's own server) it streams the
file in chunks.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import mimetypes
import os
from collections.abc import Mapping
from email.utils import formatdate
from pathlib import Path, PurePath
from types import CoroutineType
from typing import TYPE_CHECKING, Any, Callable

from sanic.exceptions import SanicException, ServerError
from sanic.response import BaseHTTPResponse, HTTPResponse

from ._generations._names import ResponseStream, has_message_body
from ._generations._processed_headers import response_head
from ._headers import encode_pairs
from ._types import ASGIApplication, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from ._http import HTTPCycle

__all__ = ["ASGIResponse", "FileResponse", "as_asgi", "file_response", "is_asgi_response", "wrap_asgi_responses"]

Handler = Callable[..., Any]

_CHUNK_SIZE = 64 * 1024


# --------------------------------------------------------------------------- #
# ASGI response objects returned by Sanic handlers
# --------------------------------------------------------------------------- #
def is_asgi_response(value: Any) -> bool:
    """An object to send by calling it with (scope, receive, send): has an
    ``async def __call__`` (Starlette's ``Response``), or is a coroutine
    function itself.  Sanic's own response types are excluded."""
    if value is None or isinstance(value, (BaseHTTPResponse, ResponseStream, str, bytes, Mapping)):
        return False
    if inspect.iscoroutinefunction(value):
        return True
    call = getattr(type(value), "__call__", None)  # noqa: B004 - the type's, not the instance's
    return call is not None and inspect.iscoroutinefunction(call)


def wrap_asgi_responses(handler: Handler) -> Handler | None:
    """The call wrapper (``_handlers``) that converts ASGI response objects."""
    if getattr(handler, "is_websocket", False):
        return None

    @functools.wraps(handler)
    async def converting(request: Any, *args: Any, **kwargs: Any) -> Any:
        result = handler(request, *args, **kwargs)
        # Fast paths first (this runs on every request): an ``async def``
        # handler returns a coroutine, and most return a Sanic response.
        if result.__class__ is CoroutineType or inspect.isawaitable(result):
            result = await result
        if isinstance(result, BaseHTTPResponse) or not is_asgi_response(result):
            return result
        return ASGIResponse(result)

    # functools.wraps copied the handler's attributes (Sanic reads is_stream,
    # view_class ... from them), markers of other adapter wrappers included.
    converting.__dict__.pop("__sanic_asgi_threaded__", None)
    converting.__sanic_asgi_responses__ = True  # type: ignore[attr-defined]
    return converting


class ASGIResponse(BaseHTTPResponse):
    """A Sanic response that sends an ASGI response object through the adapter.

    ``status`` starts as the object's ``status_code`` (200 when it has none);
    ``headers`` starts empty and collects what Sanic's response middleware
    sets, to be merged into the object's ``http.response.start``.
    """

    __slots__ = ("_initial_status", "_sent", "app")

    def __init__(self, app: ASGIApplication) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.app = app
        status = getattr(app, "status_code", None)
        self.status = status if isinstance(status, int) and not isinstance(status, bool) else 200
        self._initial_status = self.status
        self._sent = False

    def __repr__(self) -> str:
        return f"<ASGIResponse: {self.app!r}>"

    @property
    def processed_headers(self) -> Any:
        # No content-type default: the ASGI object decides its own headers.
        return iter(encode_pairs(self.headers.items()))

    async def send(self, data: Any = None, end_stream: bool | None = None) -> None:
        if self._sent:
            if data:
                raise ServerError("An ASGI response object sends its own body; it cannot be written to")
            return
        self._sent = True
        from ._http import HTTPCycle

        cycle = self.stream
        if not isinstance(cycle, HTTPCycle):
            raise ServerError(
                f"{self.app!r} is an ASGI response object: it can only be sent when the app is served by "
                "sanic_asgi.ASGIApp; return a Sanic response instead"
            )
        await _run_asgi_response(cycle, self)

    def merge_start(self, message: Message) -> Message:
        """The object's ``http.response.start`` with what Sanic's response
        middleware changed: status, and headers (replaced by name;
        ``set-cookie`` added)."""
        status = message.get("status", 200)
        if self.status != self._initial_status:
            status = self.status
        extra = list(self.processed_headers)
        headers = list(message.get("headers", ()))
        if extra:
            replaced = {name.lower() for name, _ in extra if name.lower() != b"set-cookie"}
            headers = [(n, v) for n, v in headers if bytes(n).lower() not in replaced]
            headers.extend((name.lower(), value) for name, value in extra)
        # What the access log reads (RequestStream._log_response).
        self.status = status
        for name, value in headers:
            if bytes(name).lower() == b"content-length":
                self.headers["content-length"] = bytes(value).decode("latin-1")
        return {**message, "status": status, "headers": headers}


async def _run_asgi_response(cycle: HTTPCycle, response: ASGIResponse) -> None:
    async def receive() -> Message:
        # Sanic has read the body of a non-streaming route before the
        # handler ran; a streaming handler may have left some.
        if cycle.request_body:
            chunk = await cycle.read()
            return {"type": "http.request", "body": chunk or b"", "more_body": cycle.request_body}
        # Nothing more arrives; a disconnect cancels the handler's task
        # (HTTPCycle's watcher), and this with it.
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Message) -> None:
        if message.get("type") == "http.response.start":
            message = response.merge_start(message)
        await cycle.send_message(message)

    await response.app(cycle.scope, receive, send)


# --------------------------------------------------------------------------- #
# Sanic responses as ASGI applications
# --------------------------------------------------------------------------- #
def as_asgi(response: BaseHTTPResponse | ResponseStream) -> ASGIApplication:
    """An ASGI application that sends ``response`` (a Sanic ``HTTPResponse``
    or ``ResponseStream``), e.g. from a Starlette endpoint::

        async def endpoint(request):
            return sanic_asgi.as_asgi(sanic.response.json({"ok": True}))

    The response is not changed, so the application may be called again.
    """
    if not isinstance(response, (BaseHTTPResponse, ResponseStream)):
        raise TypeError(f"as_asgi() takes a Sanic response (HTTPResponse or ResponseStream), got {response!r}")
    return SanicResponseApp(response)


class SanicResponseApp:
    """``as_asgi(response)``: send a Sanic response as one ASGI http scope."""

    __slots__ = ("response",)

    def __init__(self, response: BaseHTTPResponse | ResponseStream) -> None:
        self.response = response

    def __repr__(self) -> str:
        return f"as_asgi({self.response!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            raise TypeError(f"a Sanic response can only answer an 'http' scope, not {scope.get('type')!r}")
        head = scope.get("method") == "HEAD"
        response = self.response
        if isinstance(response, ResponseStream):
            await _send_response_stream(response, head, send)
            return
        status = response.status
        body = response.body or b""
        headers = _header_pairs(response)
        if not has_message_body(status):
            body = b""
            headers = [(n, v) for n, v in headers if n not in (b"content-length", b"transfer-encoding")]
        elif not any(n == b"content-length" for n, _ in headers):
            headers.append((b"content-length", b"%d" % len(body)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body, "more_body": False})


def _header_pairs(response: BaseHTTPResponse | ResponseStream) -> list[tuple[bytes, bytes]]:
    if isinstance(response, ResponseStream):
        if has_message_body(response.status) and response.content_type:
            response.headers.setdefault("content-type", response.content_type)
        return encode_pairs(response.headers.items())
    return response_head(response)


class _StreamWriter:
    """What a ``ResponseStream``'s streaming function writes to."""

    def __init__(self, stream: ResponseStream, head: bool, send: Send) -> None:
        self.headers = stream.headers
        self.status = stream.status
        self._stream = stream
        self._head = head
        self._send = send
        self._started = False

    async def _start(self) -> None:
        if not self._started:
            self._started = True
            headers = [(n, v) for n, v in _header_pairs(self._stream) if n != b"transfer-encoding"]
            await self._send({"type": "http.response.start", "status": self.status, "headers": headers})

    async def write(self, data: Any) -> None:
        await self._start()
        data = data.encode() if isinstance(data, str) else bytes(data or b"")
        if data and not self._head:
            await self._send({"type": "http.response.body", "body": data, "more_body": True})

    send = write

    async def eof(self) -> None:
        await self._start()
        await self._send({"type": "http.response.body", "body": b"", "more_body": False})


async def _send_response_stream(stream: ResponseStream, head: bool, send: Send) -> None:
    writer = _StreamWriter(stream, head, send)
    await stream.streaming_fn(writer)  # type: ignore[arg-type]
    await writer.eof()


# --------------------------------------------------------------------------- #
# Files, sent by the server where it can (http.response.pathsend)
# --------------------------------------------------------------------------- #
class FileResponse(HTTPResponse):
    """A Sanic response for a file on disk, sent with ``http.response.pathsend``
    where the server offers it and streamed in chunks elsewhere."""

    __slots__ = ("_sent", "chunk_size", "path")

    def __init__(self, path: str, *, status: int, headers: dict[str, str], content_type: str, chunk_size: int) -> None:
        super().__init__(None, status=status, headers=headers, content_type=content_type)
        self.path = path
        self.chunk_size = chunk_size
        self._sent = False

    async def send(self, data: Any = None, end_stream: bool | None = None) -> None:
        if self._sent:
            if data:
                raise ServerError("A file response sends its own body; it cannot be written to")
            return
        if self.stream is None:
            raise SanicException("No stream is connected to the response object instance.")
        self._sent = True
        from ._http import HTTPCycle

        stream = self.stream
        request = getattr(stream, "request", None)
        if getattr(request, "method", None) == "HEAD" or not has_message_body(self.status):
            await super().send(b"", True)
            return
        if isinstance(stream, HTTPCycle) and "http.response.pathsend" in stream.extensions:
            await super().send(b"", False)  # the head, with the file's content-length
            await stream.send_message({"type": "http.response.pathsend", "path": self.path})
            return
        from sanic.compat import open_async

        async with await open_async(self.path, mode="rb") as f:
            while True:
                chunk = await f.read(self.chunk_size)
                if not chunk:
                    break
                await super().send(chunk, False)
        await super().send(b"", True)


async def file_response(
    location: str | PurePath,
    *,
    status: int = 200,
    mime_type: str | None = None,
    headers: dict[str, str] | None = None,
    filename: str | None = None,
    chunk_size: int = _CHUNK_SIZE,
) -> FileResponse:
    """A response that sends the file at ``location`` without reading it into
    memory: with ``http.response.pathsend`` where the server has it (granian),
    else in ``chunk_size`` chunks.  Sets content-type (guessed from the name
    unless ``mime_type``), content-length, last-modified, and an attachment
    content-disposition when ``filename`` is given, as ``sanic.response.file``.
    Raises ``FileNotFoundError`` (Sanic answers 500) if there is no such file;
    use ``app.static()`` or a ``StaticFiles`` mount for 404s, ranges and 304s.
    """
    path, stat = await asyncio.get_running_loop().run_in_executor(None, _stat_file, location)
    out: dict[str, str] = dict(headers or {})
    out.setdefault("last-modified", formatdate(stat.st_mtime, usegmt=True))
    if filename:
        out.setdefault("content-disposition", f'attachment; filename="{filename}"')
    out["content-length"] = str(stat.st_size)
    content_type = mime_type or _guess_content_type(Path(filename or path).name)
    return FileResponse(path, status=status, headers=out, content_type=content_type, chunk_size=chunk_size)


def _stat_file(location: str | PurePath) -> tuple[str, os.stat_result]:
    path = os.path.abspath(os.fspath(location))  # pathsend requires an absolute path
    stat = os.stat(path)
    if not os.path.isfile(path):
        raise IsADirectoryError(f"not a file: {path}")
    return path, stat


def _guess_content_type(name: str) -> str:
    """As ``sanic.response.convenience.guess_content_type`` (Sanic 23.3+)."""
    media_type = mimetypes.guess_type(name)[0]
    if media_type is None:
        return "application/octet-stream"
    if media_type.startswith("text/"):
        return f"{media_type}; charset=utf-8"
    return media_type
