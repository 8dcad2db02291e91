"""``TestClient``: Starlette's ``TestClient`` for a Sanic app.

It *is* Starlette's ``TestClient`` (httpx responses, websocket sessions with
``websocket_connect``, lifespan run on ``with`` entry/exit), not a rewrite;
the subclass only accepts a ``sanic.Sanic`` app (wrapped in ``ASGIApp``)
besides any ASGI app, and keeps the ``ASGIApp`` at hand as ``client.asgi``.

Starlette 1.x prefers the ``httpx2`` package for its test client and warns
when it finds only ``httpx``; Sanic users have ``httpx`` (sanic-testing needs
it), so that one warning is silenced here and the client works on either.
"""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient as StarletteTestClient

from ._clients import as_asgi

__all__ = ["TestClient"]


class TestClient(StarletteTestClient):
    """Starlette's ``TestClient`` for a Sanic app (or any ASGI app).

    Usage::

        with TestClient(app) as client:          # lifespan: listeners run
            response = client.get("/")
            with client.websocket_connect("/ws") as ws:
                ws.send_text("hi")

    Use it in a ``with`` block: without one, Starlette runs each request in a
    fresh event loop and the app is started lazily in the first of them.
    Arguments are Starlette's; ``app`` may be a ``sanic.Sanic`` app, which is
    wrapped in ``ASGIApp`` (kept as ``client.asgi``).
    """

    __test__ = False

    def __init__(self, app: Any, base_url: str = "http://testserver", **kwargs: Any) -> None:
        self.asgi = as_asgi(app)
        super().__init__(self.asgi, base_url=base_url, **kwargs)
