"""Test clients for Sanic apps served through ``sanic_asgi.ASGIApp``.

* ``TestClient`` - synchronous; Starlette's ``TestClient`` (httpx responses,
  ``websocket_connect``, lifespan on ``with``), accepting a Sanic app.
* ``AsyncTestClient`` - the same for ``async`` tests: ``httpx.AsyncClient``
  over ``ASGITransport``, ``LifespanDriver`` on ``async with``, and an
  in-process ``websocket_connect``.
* ``SanicTestClient`` / ``SanicASGITestClient`` - sanic-testing's call shapes
  (``request, response = client.get("/")``, ``.websocket(uri, mimic=...)``),
  serving through ``ASGIApp`` in-process or on a real uvicorn/hypercorn.
  ``sanic_asgi.pytest_plugin`` puts them behind ``app.test_client`` and
  ``app.asgi_client`` for a test session.
* ``ReusableClient`` - sanic-testing's client that keeps the app up for
  many requests (``with ReusableClient(app) as client``), through ``ASGIApp``.
* ``LifespanDriver``, ``ASGIWebSocket``, ``serve`` - the parts, for tests
  that build their own harness.

Needs the ``testing`` extra: ``pip install sanic-asgi[testing]``.
"""

# ruff: noqa: E402 - the clients are imported after the check of their libraries

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._requirements import require

require("httpx", "sanic_asgi.testing")

from ._clients import AsyncTestClient
from ._compat import SanicASGITestClient, SanicTestClient, TestingResponse, WebsocketProxy
from ._lifespan import LifespanDriver
from ._reusable import ReusableClient
from ._servers import SERVERS, ServerName, free_port, serve
from ._websocket import ASGIWebSocket, websocket_scope

if TYPE_CHECKING:
    from ._starlette import TestClient

__all__ = [
    "SERVERS",
    "ASGIWebSocket",
    "AsyncTestClient",
    "LifespanDriver",
    "ReusableClient",
    "SanicASGITestClient",
    "SanicTestClient",
    "ServerName",
    "TestClient",
    "TestingResponse",
    "WebsocketProxy",
    "free_port",
    "serve",
    "websocket_scope",
]


def __getattr__(name: str) -> Any:
    # TestClient imports Starlette: only when asked for, so that the pytest
    # plugin and the sanic-testing compatible clients do not need it.
    if name == "TestClient":
        require("starlette", "sanic_asgi.testing.TestClient")
        from ._starlette import TestClient

        return TestClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
