"""``AsyncTestClient`` for Sanic apps behind ``ASGIApp`` (``TestClient`` is in
``_starlette.py``).

``AsyncTestClient`` is an ``httpx.AsyncClient`` over httpx's ``ASGITransport``
plus ``LifespanDriver`` for ``async with`` and an in-process
``websocket_connect`` (``ASGIWebSocket``), for tests that are coroutines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import httpx
from sanic import Sanic

from .._app import ASGIApp
from ._lifespan import LifespanDriver
from ._websocket import ASGIWebSocket, websocket_scope

if TYPE_CHECKING:
    from types import TracebackType

    from .._types import ASGIApplication, Receive, Scope, Send

__all__ = ["AsyncTestClient", "as_asgi"]


def as_asgi(app: Any) -> ASGIApplication:
    if isinstance(app, Sanic):
        return ASGIApp(app)
    return app  # type: ignore[no-any-return]


class _StateTransport(httpx.AsyncBaseTransport):
    """httpx's ``ASGITransport`` that copies the lifespan state into each scope."""

    def __init__(self, app: ASGIApplication, state: dict[str, Any], **kwargs: Any) -> None:
        self._state = state

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(self._state)
            await app(scope, receive, send)

        self._inner = httpx.ASGITransport(with_state, **kwargs)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)


class AsyncTestClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` wired to a Sanic app (or any ASGI app) in-process.

    Usage::

        async with AsyncTestClient(app) as client:     # lifespan startup/shutdown
            response = await client.get("/")
            async with client.websocket_connect("/ws") as ws:
                await ws.send("hi")
                assert await ws.recv() == "hi"

    Arguments:

    * ``app`` - a ``sanic.Sanic`` app (wrapped in ``ASGIApp``) or an ASGI app.
    * ``base_url`` - as httpx; defaults to ``http://testserver``.
    * ``lifespan`` - ``"on"`` (default): run lifespan on ``async with``;
      ``"off"``: do not (``ASGIApp`` then starts the app on the first request).
    * ``raise_app_exceptions`` - re-raise what the app raised (default), as
      httpx's ``ASGITransport``.
    * ``client`` - the (host, port) of the client in each scope (``request.ip``).
    * other keyword arguments go to ``httpx.AsyncClient``.
    """

    __test__ = False

    def __init__(
        self,
        app: Any,
        base_url: str = "http://testserver",
        *,
        lifespan: Literal["on", "off"] = "on",
        raise_app_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("127.0.0.1", 50000),
        **kwargs: Any,
    ) -> None:
        self.asgi = as_asgi(app)
        self.lifespan = LifespanDriver(self.asgi)
        self._lifespan_on = lifespan == "on"
        self._client_address = client
        self._root_path = root_path
        self._raise_app_exceptions = raise_app_exceptions
        transport = _StateTransport(
            self.asgi,
            self.lifespan.state,
            raise_app_exceptions=raise_app_exceptions,
            root_path=root_path,
            client=client,
        )
        super().__init__(transport=transport, base_url=base_url, **kwargs)

    @property
    def state(self) -> dict[str, Any]:
        """The lifespan state (what the app put into ``scope["state"]``)."""
        return self.lifespan.state

    async def __aenter__(self) -> AsyncTestClient:
        if self._lifespan_on:
            await self.lifespan.startup()
        try:
            await super().__aenter__()
        except BaseException:
            if self._lifespan_on:
                await self.lifespan.shutdown()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            if self._lifespan_on:
                await self.lifespan.shutdown()

    def websocket_connect(
        self,
        url: str,
        subprotocols: Sequence[str] | None = None,
        headers: Any = None,
    ) -> ASGIWebSocket:
        """Open a websocket to the app: ``async with client.websocket_connect("/ws") as ws``.

        ``ws`` has the interface of a ``websockets`` client connection
        (``send``, ``recv``, ``close``, ``subprotocol``, ``async for``); a
        refused handshake raises ``websockets.exceptions.InvalidStatus``.
        """
        target = self.base_url.join(url)
        scheme = {"http": "ws", "https": "wss"}.get(target.scheme, target.scheme)
        scope = websocket_scope(
            target.raw_path.split(b"?", 1)[0].decode("latin-1"),
            query_string=target.query,
            headers=list(httpx.Headers(headers or {}).items()),
            subprotocols=subprotocols,
            scheme=scheme,
            server=(target.host, target.port or (443 if scheme == "wss" else 80)),
            client=self._client_address,
            root_path=self._root_path,
            state=self.lifespan.state,
        )
        return ASGIWebSocket(self.asgi, scope, raise_app_exceptions=self._raise_app_exceptions)
