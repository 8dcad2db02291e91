"""Drive an ASGI app message by message, with no network.

``FakeServer`` plays the ASGI server for one ``sanic_asgi.ASGIApp``: it
builds scopes, and each ``Connection`` it hands out owns a receive queue that
the test fills (``push``) and a recording ``send``.  Every message crossing
the boundary goes through ``tests.asgi_checker``, so a test fails at the
first message the spec does not allow, whatever it was checking for::

    conn = await server.request("POST", "/echo", body=b"hi")
    assert conn.status == 200 and conn.body == b"hi"

    conn = server.http("GET", "/slow")          # drive it by hand
    conn.push({"type": "http.request"})
    conn.start()
    await conn.next_message()
    conn.disconnect()
    await conn.finish()

    life = await server.startup()               # lifespan
    ...
    await server.shutdown(life)

Used by ``tests/unit`` (fixtures in its conftest) and by the in-process
checks of ``tests/examples``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from sanic import Sanic

from sanic_asgi import ASGIApp
from tests.asgi_checker import Checker, HTTPChecker, LifespanChecker, WebSocketChecker, checker_for

__all__ = ["CLIENT", "SERVER", "Connection", "FakeServer", "settle", "wait_for"]

Message = dict[str, Any]
Headers = Iterable[tuple[bytes, bytes]]

CLIENT = ("127.0.0.1", 51000)
SERVER = ("127.0.0.1", 8123)
ASGI_VERSIONS = {"version": "3.0", "spec_version": "2.4"}


class Connection:
    """The server side of one ASGI connection, driven by the test."""

    def __init__(self, asgi: ASGIApp, scope: dict[str, Any]) -> None:
        self.asgi = asgi
        self.scope = scope
        self.checker: Checker = checker_for(scope)
        self.sent: list[Message] = []
        self.received: list[Message] = []
        self.receive_calls = 0
        # Set to an OSError to make send() fail as on a closed connection (ASGI 2.4).
        self.send_error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._new_message = asyncio.Event()
        self._read = 0

    # -- server -> app -------------------------------------------------------
    def push(self, *messages: Message) -> Connection:
        for message in messages:
            self._inbox.put_nowait(message)
        return self

    def disconnect(self, code: int = 1005, reason: str = "") -> None:
        if self.scope["type"] == "http":
            self.push({"type": "http.disconnect"})
        else:
            self.push({"type": "websocket.disconnect", "code": code, "reason": reason})

    async def _receive(self) -> Message:
        self.receive_calls += 1
        message = await self._inbox.get()
        if isinstance(message, Mapping):  # tests may deliver garbage on purpose
            self.checker.on_receive(message)
        self.received.append(message)
        return message

    async def _send(self, message: Message) -> None:
        if self.send_error is not None:
            raise self.send_error
        self.checker.on_send(message)
        self.sent.append(dict(message))
        self._new_message.set()

    # -- running the app -----------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        assert self.task is None, "connection already started"
        self.task = asyncio.create_task(self.asgi(self.scope, self._receive, self._send))
        return self.task

    async def finish(self, timeout: float = 5.0) -> None:
        """Wait for the app to return; re-raises what it raised."""
        if self.task is None:
            self.start()
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout)

    async def next_message(self, timeout: float = 5.0) -> Message:
        """The next message the app sends (waits for it)."""

        async def wait() -> Message:
            while self._read >= len(self.sent):
                self._new_message.clear()
                if self.task is not None and self.task.done():
                    self.task.result()
                    raise AssertionError(f"the app returned without sending message #{self._read + 1}")
                waiter = asyncio.ensure_future(self._new_message.wait())
                pending = {waiter} | ({self.task} if self.task is not None else set())
                await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
            self._read += 1
            return self.sent[self._read - 1]

        return await asyncio.wait_for(wait(), timeout)

    # -- what the app answered -----------------------------------------------
    @property
    def types(self) -> list[str]:
        return [m["type"] for m in self.sent]

    @property
    def status(self) -> int | None:
        assert isinstance(self.checker, (HTTPChecker, WebSocketChecker))
        return self.checker.status

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        assert isinstance(self.checker, (HTTPChecker, WebSocketChecker))
        return self.checker.headers

    def header(self, name: str) -> str | None:
        values = self.header_list(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None

    def header_list(self, name: str) -> list[str]:
        key = name.lower().encode()
        return [v.decode("latin-1") for k, v in self.headers if k == key]

    @property
    def body(self) -> bytes:
        assert isinstance(self.checker, (HTTPChecker, WebSocketChecker))
        return self.checker.body

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def ws(self) -> WebSocketChecker:
        assert isinstance(self.checker, WebSocketChecker)
        return self.checker

    @property
    def lifespan(self) -> LifespanChecker:
        assert isinstance(self.checker, LifespanChecker)
        return self.checker


class FakeServer:
    """Builds scopes and connections for one ``ASGIApp``."""

    def __init__(self, asgi: ASGIApp) -> None:
        self.asgi = asgi

    @property
    def app(self) -> Sanic[Any, Any]:
        return self.asgi.app

    def http(
        self,
        method: str = "GET",
        path: str = "/",
        *,
        headers: Headers = (),
        query_string: bytes = b"",
        **scope: Any,
    ) -> Connection:
        full: dict[str, Any] = {
            "type": "http",
            "asgi": dict(ASGI_VERSIONS),
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode("utf-8"),
            "query_string": query_string,
            "root_path": "",
            "headers": [(b"host", b"testserver"), *headers],
            "client": CLIENT,
            "server": SERVER,
        }
        full.update(scope)
        return Connection(self.asgi, full)

    async def request(
        self,
        method: str = "GET",
        path: str = "/",
        body: bytes | None = None,
        *,
        chunks: Iterable[bytes] | None = None,
        headers: Headers = (),
        complete: bool = True,
        timeout: float = 5.0,
        **scope: Any,
    ) -> Connection:
        """Send a whole request and wait for the app to finish.

        ``body`` is sent in one message with a ``content-length`` header;
        ``chunks`` one message each, with ``transfer-encoding: chunked``
        (unless ``headers`` already frame the body).  With ``complete`` the
        response must have ended cleanly."""
        headers = list(headers)
        framed = any(name in (b"content-length", b"transfer-encoding") for name, _ in headers)
        if chunks is not None:
            parts = list(chunks)
            if not framed:
                headers.append((b"transfer-encoding", b"chunked"))
        else:
            parts = [body or b""]
            if body is not None and not framed:
                headers.append((b"content-length", str(len(body)).encode()))
        conn = self.http(method, path, headers=headers, **scope)
        for index, part in enumerate(parts):
            conn.push({"type": "http.request", "body": part, "more_body": index < len(parts) - 1})
        await conn.finish(timeout)
        if complete:
            conn.checker.assert_complete()
        return conn

    def websocket(
        self,
        path: str = "/",
        *,
        subprotocols: Iterable[str] = (),
        headers: Headers = (),
        http_response: bool = False,
        connect: bool = True,
        **scope: Any,
    ) -> Connection:
        """A websocket connection; ``http_response`` advertises the
        ``websocket.http.response`` extension (denial responses)."""
        full: dict[str, Any] = {
            "type": "websocket",
            "asgi": dict(ASGI_VERSIONS),
            "http_version": "1.1",
            "scheme": "ws",
            "path": path,
            "raw_path": path.encode("utf-8"),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"connection", b"upgrade"), (b"upgrade", b"websocket"), *headers],
            "client": CLIENT,
            "server": SERVER,
            "subprotocols": list(subprotocols),
            "extensions": {"websocket.http.response": {}} if http_response else {},
        }
        full.update(scope)
        conn = Connection(self.asgi, full)
        if connect:
            conn.push({"type": "websocket.connect"})
        return conn

    def lifespan(self, *, state: dict[str, Any] | None = None) -> Connection:
        scope: dict[str, Any] = {"type": "lifespan", "asgi": dict(ASGI_VERSIONS)}
        if state is not None:
            scope["state"] = state
        return Connection(self.asgi, scope)

    async def startup(self, *, state: dict[str, Any] | None = None) -> Connection:
        """Run a lifespan conversation up to the startup answer."""
        conn = self.lifespan(state=state)
        conn.push({"type": "lifespan.startup"})
        conn.start()
        await conn.next_message()
        return conn

    async def shutdown(self, conn: Connection) -> Message:
        conn.push({"type": "lifespan.shutdown"})
        message = await conn.next_message()
        await conn.finish()
        conn.checker.assert_complete()
        return message


async def settle(rounds: int = 20) -> None:
    """Let callbacks and cancelled tasks run to their end."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> Awaitable[None]:
    """Poll ``condition`` until true (a generous upper bound, not a timing assert)."""

    async def poll() -> None:
        while not condition():  # noqa: ASYNC110 - polls plain state, there is no event to wait on
            await asyncio.sleep(0.005)

    return asyncio.wait_for(poll(), timeout)


T = TypeVar("T")


def poll(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 5.0, interval: float = 0.05) -> T:
    """``read()`` until ``done(reading)`` holds or ``timeout`` has passed; the
    last reading, for the caller to assert on (so a failure shows what was
    seen).  For state in another process or in a file, which has no event to
    wait on.  ``timeout`` is a generous bound, never a timing assertion; this
    and ``apoll`` are the suites' only polling sleeps."""
    deadline = time.monotonic() + timeout
    while True:
        reading = read()
        if done(reading) or time.monotonic() > deadline:
            return reading
        time.sleep(interval)


async def apoll(
    read: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 5.0, interval: float = 0.05
) -> T:
    """``poll`` for a coroutine ``read``, without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while True:
        reading = await read()
        if done(reading) or time.monotonic() > deadline:
            return reading
        await asyncio.sleep(interval)
