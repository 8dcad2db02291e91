"""``ASGIWebSocket``: a websocket client connected to an ASGI app in-process.

The app runs in a task of the caller's event loop; the two sides talk through
two queues of ASGI messages, so no socket is involved.  The client object has
the interface of a ``websockets`` client connection (``send``, ``recv``,
``close``, ``subprotocol``, ``async for``) and raises the same exceptions, so
a sanic-testing ``mimic`` function written against a real connection runs
unchanged:

* ``recv()`` returns ``str`` for text and ``bytes`` for binary messages; once
  the app has closed it raises ``ConnectionClosedOK`` (codes 1000/1001) or
  ``ConnectionClosedError``.
* A refused handshake raises ``websockets.exceptions.InvalidStatus`` with the
  HTTP response the app denied it with (403 when the app closed before
  ``websocket.accept``), as the ``websockets`` client does against a server.
* ``close()`` sends ``websocket.disconnect`` and waits for the app to return;
  an exception the app raised is raised there (``raise_app_exceptions=True``,
  the default) or logged, as a server logs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, Union

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.frames import Close
from websockets.http11 import Response

if TYPE_CHECKING:
    from .._types import ASGIApplication, Message, Scope

__all__ = ["ASGIWebSocket", "websocket_scope"]

log = logging.getLogger("sanic_asgi.testing")

Data = Union[str, bytes]

# How long close() waits for the app to return after the disconnect, before
# cancelling it as a server does with a connection it has given up on.
_CLOSE_TIMEOUT = 10.0


class ASGIWebSocket:
    """One client websocket to ``app``; ``await connect()`` first, or use
    ``async with``."""

    def __init__(self, app: ASGIApplication, scope: Scope, *, raise_app_exceptions: bool = True) -> None:
        self.app = app
        self.scope = scope
        self.raise_app_exceptions = raise_app_exceptions
        self.subprotocol: str | None = None
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._open = False
        self._closed_by_app = False

    async def __aenter__(self) -> ASGIWebSocket:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- handshake ----------------------------------------------------------
    async def connect(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run_app())
        await self._to_app.put({"type": "websocket.connect"})
        message = await self._next()
        kind = message.get("type")
        if kind == "websocket.accept":
            self.subprotocol = message.get("subprotocol")
            self.response_headers = list(message.get("headers") or [])
            self._open = True
            return
        if kind == "websocket.http.response.start":
            status = message.get("status", 500)
            headers = list(message.get("headers") or [])
            body = b""
            while True:
                part = await self._next()
                if part.get("type") != "websocket.http.response.body":
                    break
                body += part.get("body", b"")
                if not part.get("more_body", False):
                    break
            await self._finish()
            raise _denied(status, headers, body)
        # websocket.close before accept (or the app ended): a server answers 403.
        await self._finish()
        raise _denied(403, [], b"")

    async def _run_app(self) -> None:
        await self.app(self.scope, self._to_app.get, self._from_app.put)

    async def _next(self) -> Message:
        """The app's next message; a synthetic close if the app returned."""
        task = self._task
        assert task is not None
        if self._from_app.empty() and task.done():
            return self._after_return(task)
        getter = asyncio.get_running_loop().create_task(self._from_app.get())
        try:
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            getter.cancel()
            raise
        if getter.done():
            return getter.result()
        getter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await getter
        return self._after_return(task)

    @staticmethod
    def _after_return(task: asyncio.Task[None]) -> Message:
        # The app returned (or raised) without a close: a server drops the
        # connection, which the client sees as 1006.  What the app raised
        # stays on the task for close() to report.
        return {"type": "websocket.close", "code": 1006, "reason": ""}

    # -- messages -------------------------------------------------------------
    async def send(self, message: Data) -> None:
        if not self._open:
            raise self._closed_error()
        if isinstance(message, str):
            await self._to_app.put({"type": "websocket.receive", "text": message})
        elif isinstance(message, (bytes, bytearray, memoryview)):
            await self._to_app.put({"type": "websocket.receive", "bytes": bytes(message)})
        else:
            raise TypeError(f"websocket messages are str or bytes, got {type(message).__name__}")

    async def recv(self) -> Data:
        if self.close_code is not None and self._from_app.empty():
            raise self._closed_error()
        message = await self._next()
        kind = message.get("type")
        if kind == "websocket.send":
            text = message.get("text")
            if text is not None:
                return str(text)
            return bytes(message.get("bytes") or b"")
        if kind == "websocket.close":
            self._closed_by_app = True
            self._open = False
            self.close_code = message.get("code", 1000)
            self.close_reason = message.get("reason") or ""
            raise self._closed_error()
        raise RuntimeError(f"unexpected ASGI message from the app: {kind!r}")

    async def __aiter__(self) -> AsyncIterator[Data]:
        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self._open:
            self._open = False
            if self.close_code is None:
                self.close_code, self.close_reason = code, reason
            await self._to_app.put({"type": "websocket.disconnect", "code": code, "reason": reason})
        await self._finish()

    async def _finish(self) -> None:
        task = self._task
        if task is None:
            return
        if not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), _CLOSE_TIMEOUT)
            except asyncio.TimeoutError:
                task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:
            if self.raise_app_exceptions:
                raise
            log.exception("Exception in ASGI application (websocket)")

    def _closed_error(self) -> Exception:
        code = 1006 if self.close_code is None else self.close_code
        frame = Close(code, self.close_reason)
        if self._closed_by_app:
            rcvd, sent = frame, None
        else:
            rcvd, sent = None, frame
        if code in (1000, 1001):
            return ConnectionClosedOK(rcvd, sent)
        return ConnectionClosedError(rcvd, sent)


def _denied(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> InvalidStatus:
    decoded = Headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers])
    return InvalidStatus(Response(status, _reason(status), decoded, body))


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def websocket_scope(
    path: str,
    *,
    query_string: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
    subprotocols: Sequence[str] | None = None,
    scheme: str = "ws",
    server: tuple[str, int | None] = ("testserver", 80),
    client: tuple[str, int] = ("testclient", 50000),
    root_path: str = "",
    state: dict[str, Any] | None = None,
) -> Scope:
    """The scope a server builds for a websocket handshake to ``path``.

    The handshake headers a client sends (``upgrade``, ``connection``,
    ``sec-websocket-*``) are added unless ``headers`` has them.
    """
    from urllib.parse import unquote

    names = {name.lower() for name, _ in headers}
    raw: list[tuple[bytes, bytes]] = []
    host, port = server
    if "host" not in names:
        default = 443 if scheme == "wss" else 80
        raw.append((b"host", (host if port in (None, default) else f"{host}:{port}").encode("latin-1")))
    for name, value in (
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("sec-websocket-version", "13"),
    ):
        if name not in names:
            raw.append((name.encode(), value.encode()))
    if subprotocols and "sec-websocket-protocol" not in names:
        raw.append((b"sec-websocket-protocol", ", ".join(subprotocols).encode("latin-1")))
    raw.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers)
    scope: Scope = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": scheme,
        "server": server,
        "client": client,
        "root_path": root_path,
        "path": unquote(path),
        "raw_path": path.encode("latin-1"),
        "query_string": query_string,
        "headers": raw,
        "subprotocols": list(subprotocols or ()),
        "extensions": {"websocket.http.response": {}},
    }
    if state is not None:
        scope["state"] = dict(state)
    return scope
