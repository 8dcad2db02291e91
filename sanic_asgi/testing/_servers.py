"""Where a test client's requests are served: in-process, or a real server.

``serve(app, server)`` is an async context manager that starts ``app`` (an
``ASGIApp``) and yields a ``Served`` object with the two things a client
needs: an httpx transport and a way to open websockets.

* ``"inprocess"``: no socket.  Lifespan is driven by ``LifespanDriver``, HTTP
  goes through httpx's ``ASGITransport`` and websockets through
  ``ASGIWebSocket``.  Errors the app raises are turned into what a server
  would send (see ``ServerLikeASGITransport``), so a test sees the same
  outcome as against uvicorn.
* ``"uvicorn"`` / ``"hypercorn"``: the server runs in the caller's event loop
  on a socket bound to a free port of ``host`` (lifespan on), and requests go
  over TCP with httpx and the ``websockets`` client.  The servers are set up
  as Sanic's own server behaves: no ``server``/``date`` headers of their own,
  no proxy-header rewriting (Sanic reads forwarded headers itself), access
  log off (Sanic writes its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import httpx

from .._exceptions import ConfigurationError, LifespanFailure
from .._legacy_testing import listening_socket, uvicorn_ws
from ._lifespan import LifespanDriver, _original_error
from ._websocket import ASGIWebSocket, websocket_scope

if TYPE_CHECKING:
    from .._types import ASGIApplication, Message, Receive, Scope, Send

__all__ = ["SERVERS", "Served", "ServerName", "free_port", "serve", "warm_up"]

ServerName = Literal["inprocess", "uvicorn", "hypercorn"]
SERVERS: tuple[ServerName, ...] = ("inprocess", "uvicorn", "hypercorn")

log = logging.getLogger("sanic_asgi.testing")

_STARTUP_TIMEOUT = 60.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` now (bind to port 0, then close)."""
    with _socket_for(host) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _socket_for(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.socket(family, socket.SOCK_STREAM)


class Served:
    """A running app: what a client connects to."""

    server: ServerName

    def __init__(self, app: ASGIApplication, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port

    def http_transport(self, **kwargs: Any) -> httpx.AsyncBaseTransport:
        raise NotImplementedError

    def websocket_connect(
        self,
        url: str,
        subprotocols: Sequence[str] | None = None,
        headers: Any = None,
        **kwargs: Any,
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        raise NotImplementedError


# ---------------------------------------------------------------------- #
# In-process
# ---------------------------------------------------------------------- #
class ServerLikeASGITransport(httpx.AsyncBaseTransport):
    """httpx's ``ASGITransport`` with a server's answer to an app that raises.

    A server cannot re-raise into the client: before ``http.response.start``
    uvicorn answers 500, after it the connection is dropped and the client
    sees an incomplete response.  This transport does the same (a 500
    response, or ``httpx.RemoteProtocolError``) and logs the exception as
    uvicorn does, so that in-process and server runs of a test agree.  For
    the same reason a response without ``content-length`` carries the
    ``transfer-encoding: chunked`` header an HTTP/1.1 server frames it with.
    """

    def __init__(
        self,
        app: ASGIApplication,
        *,
        client: tuple[str, int] = ("127.0.0.1", 123),
        root_path: str = "",
        state: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.client = client
        self.root_path = root_path
        self.state = state

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = False
        state = self.state
        head = request.method == "HEAD"

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            async def watch_send(message: Message) -> None:
                nonlocal started
                if message.get("type") == "http.response.start":
                    started = True
                    message = _with_framing(message, head)
                await send(message)

            if state is not None:
                scope["state"] = dict(state)
            await self.app(scope, receive, watch_send)

        transport = httpx.ASGITransport(app, raise_app_exceptions=True, root_path=self.root_path, client=self.client)
        try:
            return await transport.handle_async_request(request)
        except Exception as exc:
            log.error("Exception in ASGI application", exc_info=exc)
            if started:
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body", request=request
                ) from exc
            return httpx.Response(
                500,
                headers=[("content-type", "text/plain; charset=utf-8")],
                content=b"Internal Server Error",
                request=request,
            )


def _with_framing(start: Message, head: bool) -> Message:
    """The response head as an HTTP/1.1 server sends it: a body without a
    content-length goes out chunked (RFC 9112 section 6.1), as uvicorn,
    hypercorn and Sanic's own server frame it."""
    status = start.get("status", 200)
    headers = list(start.get("headers") or [])
    names = {bytes(name).lower() for name, _ in headers}
    if head or status < 200 or status in (204, 304) or names & {b"content-length", b"transfer-encoding"}:
        return start
    return {**start, "headers": [*headers, (b"transfer-encoding", b"chunked")]}


class InProcess(Served):
    server: ServerName = "inprocess"

    def __init__(self, app: ASGIApplication, host: str, port: int, client: tuple[str, int]) -> None:
        super().__init__(app, host, port)
        self.client = client
        self.lifespan = LifespanDriver(app)

    def http_transport(self, **kwargs: Any) -> httpx.AsyncBaseTransport:
        return ServerLikeASGITransport(self.app, client=self.client, state=self.lifespan.state, **kwargs)

    def websocket_connect(
        self,
        url: str,
        subprotocols: Sequence[str] | None = None,
        headers: Any = None,
        **kwargs: Any,
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        target = httpx.URL(url)
        header_list = list(httpx.Headers(headers or kwargs.pop("extra_headers", None) or {}).items())
        header_list += list(httpx.Headers(kwargs.pop("additional_headers", None) or {}).items())
        scope = websocket_scope(
            target.raw_path.split(b"?", 1)[0].decode("latin-1"),
            query_string=target.query,
            headers=header_list,
            subprotocols=subprotocols,
            scheme=target.scheme if target.scheme in ("ws", "wss") else "ws",
            server=(target.host, target.port),
            client=self.client,
            state=self.lifespan.state,
        )
        return ASGIWebSocket(self.app, scope, raise_app_exceptions=False)


# ---------------------------------------------------------------------- #
# Real servers
# ---------------------------------------------------------------------- #
class _LifespanWatch:
    """Pass-through ASGI app that notes the lifespan answers of ``app``."""

    def __init__(self, app: ASGIApplication) -> None:
        self.app = app
        self.started = asyncio.Event()
        self.startup_failed: str | None = None
        self.shutdown_failed: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def watch_send(message: Message) -> None:
            kind = message.get("type")
            if kind == "lifespan.startup.failed":
                self.startup_failed = message.get("message", "")
            elif kind == "lifespan.shutdown.failed":
                self.shutdown_failed = message.get("message", "")
            await send(message)
            if kind == "lifespan.startup.complete":
                self.started.set()

        await self.app(scope, receive, watch_send)


class _RealServer(Served):
    def __init__(self, app: ASGIApplication, host: str, port: int) -> None:
        super().__init__(app, host, port)
        self.watch = _LifespanWatch(app)
        self._task: asyncio.Task[Any] | None = None

    @property
    def url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    def http_transport(self, **kwargs: Any) -> httpx.AsyncBaseTransport:
        # verify=False, as sanic-testing's sessions: no CA bundle to load.
        kwargs.setdefault("verify", False)
        return httpx.AsyncHTTPTransport(**kwargs)

    def websocket_connect(
        self,
        url: str,
        subprotocols: Sequence[str] | None = None,
        headers: Any = None,
        **kwargs: Any,
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        extra = kwargs.pop("extra_headers", None)
        if headers is None:
            headers = extra
        try:
            from websockets.asyncio.client import connect
        except ImportError:  # websockets < 13 (Sanic 21.12/22.12 need < 11): the legacy client
            from websockets.legacy.client import connect as legacy_connect

            if headers is not None:
                kwargs.setdefault("extra_headers", kwargs.pop("additional_headers", headers))
            return legacy_connect(url, subprotocols=subprotocols, **kwargs)  # type: ignore[arg-type]
        if headers is not None:
            kwargs.setdefault("additional_headers", headers)
        return connect(url, subprotocols=subprotocols, **kwargs)  # type: ignore[arg-type]

    async def _wait_started(self, is_started: Any) -> None:
        task = self._task
        assert task is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _STARTUP_TIMEOUT
        while not is_started():
            if task.done():
                break
            if loop.time() > deadline:
                raise TimeoutError(f"{self.server} did not start within {_STARTUP_TIMEOUT}s")
            await asyncio.sleep(0.002)
        if is_started():
            return
        if self.watch.startup_failed is None:
            task.result()  # the server itself failed: re-raise its error
        elif not task.cancelled():
            task.exception()  # retrieved: the listener's error is raised below
        raise _original_error(self.app, "startup") or LifespanFailure(
            f"lifespan startup failed: {self.watch.startup_failed}"
        )

    async def _finish(self) -> None:
        task = self._task
        if task is not None:
            await task
        if self.watch.shutdown_failed is not None:
            raise LifespanFailure(f"lifespan shutdown failed: {self.watch.shutdown_failed}")


class Uvicorn(_RealServer):
    server: ServerName = "uvicorn"

    async def start(self, graceful_shutdown_timeout: float | None) -> None:
        import uvicorn

        sock = listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._sockets = [sock]
        config = uvicorn.Config(
            self.watch,
            lifespan="on",
            ws=uvicorn_ws(),
            log_config=None,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            timeout_graceful_shutdown=None if graceful_shutdown_timeout is None else int(graceful_shutdown_timeout),
        )
        # What uvicorn.Server.serve() does, minus its main loop, which only
        # notices `should_exit` on its next 0.1 s tick, and minus the signal
        # handlers it installs: startup() and shutdown() are called directly.
        config.load()
        server = self._server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        try:
            await server.startup(sockets=self._sockets)
        except SystemExit:  # uvicorn exits when lifespan startup fails
            sock.close()
            if self.watch.startup_failed is None:
                raise RuntimeError("uvicorn failed to start; see its log") from None
            raise _original_error(self.app, "startup") or LifespanFailure(
                f"lifespan startup failed: {self.watch.startup_failed}"
            ) from None

    async def stop(self) -> None:
        server = self._server
        server.should_exit = True
        try:
            await server.shutdown(sockets=self._sockets)
        finally:
            for sock in self._sockets:
                sock.close()
        await self._finish()


class Hypercorn(_RealServer):
    server: ServerName = "hypercorn"

    async def start(self, graceful_shutdown_timeout: float | None) -> None:
        from hypercorn.asyncio import serve as hypercorn_serve
        from hypercorn.config import Config

        sock = listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        config = Config()
        config.bind = [f"fd://{sock.detach()}"]
        config.accesslog = None
        config.errorlog = logging.getLogger("hypercorn.error")
        config.include_server_header = False
        config.include_date_header = False
        if graceful_shutdown_timeout is not None:
            config.graceful_timeout = graceful_shutdown_timeout
        self._shutdown = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(
            hypercorn_serve(self.watch, config, shutdown_trigger=self._shutdown.wait, mode="asgi")  # type: ignore[arg-type]
        )
        await self._wait_started(self.watch.started.is_set)

    async def stop(self) -> None:
        self._shutdown.set()
        await self._finish()


def warm_up(server: ServerName) -> None:
    """Serve one request with ``server`` and a trivial app, so that what is
    imported on first use (the server's protocol classes, httpx's network
    stack, the websocket client) is loaded before the first test: some tests
    time what happens right after startup."""
    if server == "inprocess":
        return
    try:
        import websockets.asyncio.client
    except ImportError:  # websockets < 13
        import websockets.legacy.client  # noqa: F401

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    async def round_trip() -> None:
        async with serve(app, server) as served:
            transport = served.http_transport()
            async with httpx.AsyncClient(transport=transport) as client:
                await client.get(f"http://{served.host}:{served.port}/")

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(round_trip())
    finally:
        loop.close()


@contextlib.asynccontextmanager
async def serve(
    app: ASGIApplication,
    server: ServerName = "inprocess",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: tuple[str, int] = ("127.0.0.1", 50000),
    graceful_shutdown_timeout: float | None = None,
) -> AsyncIterator[Served]:
    """Start ``app`` on ``server`` for the duration of the ``async with``.

    For real servers ``port=0`` picks a free port; ``Served.port`` tells it.
    """
    if server == "inprocess":
        served = InProcess(app, host, port, client)
        await served.lifespan.startup()
        try:
            yield served
        finally:
            await served.lifespan.shutdown()
        return
    real: Uvicorn | Hypercorn
    if server == "uvicorn":
        real = Uvicorn(app, host, port)
    elif server == "hypercorn":
        real = Hypercorn(app, host, port)
    else:
        raise ConfigurationError(f"server must be one of {', '.join(SERVERS)}; got {server!r}")
    await real.start(graceful_shutdown_timeout)
    try:
        yield real
    finally:
        await real.stop()
