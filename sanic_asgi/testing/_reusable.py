"""``ReusableClient``: sanic-testing's client that keeps one server up for many requests.

sanic-testing's ``ReusableClient(app)`` starts Sanic's own server on ``run()``
(or ``with``), sends any number of requests over one ``httpx.AsyncClient``
and stops the server on ``stop()``, driving its event loop with
``run_until_complete`` between calls.  This one has the same arguments and
methods and serves the app through ``ASGIApp`` instead: in-process or on a
real uvicorn/hypercorn (``server=``), started and stopped with the same
lifespan as the other clients.  A ``port`` the caller names is only put in
URLs and Host headers; a real server binds a free port and the requests are
redirected to it (see ``_compat``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Mapping
from functools import partial
from random import randint
from typing import TYPE_CHECKING, Any, Optional, TypeVar

import httpx
from sanic import Sanic

from .._app import ASGIApp
from .._client_loop import new_client_loop
from ._compat import (
    _ABSOLUTE,
    HOST,
    PORT,
    CallShapes,
    Tally,
    TestingResponse,
    _check_server,
    _client_address,
    _transport_for,
    _ws_url_for,
    send_with,
    websocket_proxy,
)
from ._servers import Served, ServerName, free_port, serve

if TYPE_CHECKING:
    from types import TracebackType

    from sanic import Request

__all__ = ["ReusableClient"]

T = TypeVar("T")


class ReusableClient(CallShapes):
    """sanic-testing's ``ReusableClient``, serving through ``ASGIApp``.

    Usage::

        with ReusableClient(app) as client:          # or server="uvicorn"
            request, response = client.get("/")
            _, response = client.post("/items", json={...})

    Arguments (sanic-testing's): ``app``, ``host``, ``port`` (``None``: a
    random one, as sanic-testing), ``loop`` (default: a new loop, set as the
    thread's current loop), ``server_kwargs`` (accepted; Sanic's server
    options have no meaning under ASGI), ``client_kwargs`` (to
    ``httpx.AsyncClient``); and ``server``, ``asgi_options`` (keywords to
    ``ASGIApp``).
    """

    __test__ = False
    server: ServerName = "inprocess"
    asgi_options: Mapping[str, Any] = {}
    tally: Tally | None = None

    def __init__(
        self,
        app: Sanic[Any, Any],
        host: str = HOST,
        port: Optional[int] = PORT,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        server_kwargs: Optional[dict[str, Any]] = None,
        client_kwargs: Optional[dict[str, Any]] = None,
        *,
        server: str | None = None,
        asgi_options: Mapping[str, Any] | None = None,
    ) -> None:
        # A loop of our own is closed by stop() (sanic-testing leaves its loop
        # open, to the garbage collector's ResourceWarning) and made anew by
        # the next run().
        self._own_loop = not loop
        if not loop:
            loop = new_client_loop()
            asyncio.set_event_loop(loop)
        Sanic.test_mode = True
        self.app = app
        self.host = host
        self.port = port or randint(5000, 65000)
        self._bind_port = port is None
        self._loop = loop
        self.debug = False
        if server is not None:
            self.server = _check_server(server)
        if asgi_options is not None:
            self.asgi_options = dict(asgi_options)
        self._client_kwargs = dict(client_kwargs or {})
        self._client_kwargs.setdefault("verify", False)
        self._session: httpx.AsyncClient | None = None
        self._served: Served | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._asgi = ASGIApp(app, **self.asgi_options)
        server_info = getattr(app.state, "server_info", None)
        if server_info is not None:  # what sanic-testing records for the app (Sanic 22.12+)
            from sanic.application.state import ApplicationServerInfo

            settings = {"version": "1.1", "ssl": None, "unix": None, "sock": None, "loop": None}
            server_info.append(ApplicationServerInfo(settings={**settings, "host": self.host, "port": self.port}))

    def __enter__(self) -> ReusableClient:
        self.run()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        self.stop()

    def run(self) -> None:
        """Start the app (lifespan startup) on the client's server."""
        if self._stack is not None:
            raise RuntimeError("ReusableClient.run(): already running; call stop() first")
        if self._own_loop and self._loop.is_closed():
            self._loop = new_client_loop()
            asyncio.set_event_loop(self._loop)
        self.app.router.reset()
        self.app.signal_router.reset()
        if self.server != "inprocess" and self._bind_port:
            self.port = free_port(self.host)
        stack = contextlib.AsyncExitStack()
        self._served = self._run(
            stack.enter_async_context(
                serve(
                    self._asgi,
                    self.server,
                    host=self.host,
                    port=self.port if self._bind_port else 0,
                    client=_client_address(self.host),
                    graceful_shutdown_timeout=self.app.config.GRACEFUL_SHUTDOWN_TIMEOUT,
                )
            )
        )
        self._stack = stack
        transport = _transport_for(self._served, (self.host, self.port))
        self._session = httpx.AsyncClient(transport=transport, **self._client_kwargs)

    def stop(self) -> None:
        """Close the session, then stop the app (lifespan shutdown)."""
        session, self._session = self._session, None
        stack, self._stack = self._stack, None
        try:
            if session is not None:
                self._run(session.aclose())
        finally:
            self._served = None
            try:
                if stack is not None:
                    self._run(stack.aclose())
            finally:
                if self._own_loop:
                    self._loop.run_until_complete(self._loop.shutdown_asyncgens())
                    self._loop.close()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if not self._loop:
            raise RuntimeError("Test client has no loop")
        return self._loop.run_until_complete(coro)

    def _sanic_endpoint_test(
        self,
        method: str = "get",
        uri: str = "/",
        gather_request: bool = True,
        debug: bool = False,
        server_kwargs: Optional[dict[str, Any]] = None,
        host: Optional[str] = None,
        port: Optional[int] = None,
        allow_none: bool = False,
        *request_args: Any,
        **request_kwargs: Any,
    ) -> tuple[Optional[Request], Optional[TestingResponse]]:
        if self._served is None:
            raise RuntimeError("ReusableClient: call run() (or use `with ReusableClient(app) as client`) first")
        request_data: dict[str, Request] = {}
        collect = partial(self._collect_request, request_data)
        if gather_request:
            # Routes are finalized: their middleware was copied into each
            # route at startup, so it is added there too (as sanic-testing does).
            self.app.request_middleware.appendleft(collect)  # type: ignore[arg-type]
            for route in self.app.router.routes:
                route.extra.request_middleware.appendleft(collect)
        host = host or self.host
        port = port or self.port
        if uri.startswith(_ABSOLUTE):
            url = uri
        else:
            uri = uri if uri.startswith("/") else f"/{uri}"
            scheme = "ws" if method == "websocket" else "http"
            url_host = f"[{host}]" if ":" in host else host
            url = f"{scheme}://{url_host}:{port}{uri}"
        try:
            response = self._run(self._local_request(method, url, *request_args, **request_kwargs))
        finally:
            if gather_request:
                with contextlib.suppress(ValueError):
                    self.app.request_middleware.remove(collect)  # type: ignore[arg-type]
                for route in self.app.router.routes:
                    with contextlib.suppress(ValueError):
                        route.extra.request_middleware.remove(collect)
        if response is None and not allow_none:
            raise ValueError("No response returned to Sanic Test Client.")
        return (request_data.get("request") if gather_request else None), response

    async def _local_request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        served, session = self._served, self._session
        assert served is not None
        assert session is not None
        raw_cookies = kwargs.pop("raw_cookies", None)
        if self.tally is not None:
            self.tally.add("ReusableClient")
        if method == "websocket":
            return await websocket_proxy(served, _ws_url_for(served, url, (self.host, self.port)), *args, **kwargs)
        return await send_with(session, method, url, args, kwargs, raw_cookies)

    @staticmethod
    def _collect_request(data: dict[str, Any], request: Request) -> None:
        data["request"] = request
