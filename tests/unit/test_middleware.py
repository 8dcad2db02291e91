"""ASGI middleware around the adapter: ``ASGIApp(app, middleware=[...])``
(``sanic_asgi._middleware``)."""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import pytest
from sanic import Request, Sanic, response
from starlette.middleware import Middleware

from sanic_asgi import ASGIApp, ConfigurationError
from tests.asgi_driver import FakeServer

pytestmark = pytest.mark.timeout(20)


class Recorder:
    """An ASGI middleware that records the scopes it sees and tags responses."""

    def __init__(self, app: Any, name: str, log: list[str]) -> None:
        self.app = app
        self.name = name
        self.log = log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.log.append(f"{self.name}:{scope['type']}")

        async def tagging_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-via", self.name.encode())]}
            await send(message)

        await self.app(scope, receive, tagging_send)


def add_index(app: Sanic, log: list[str]) -> None:
    @app.on_request
    async def sanic_middleware(request: Request) -> None:
        log.append("sanic request middleware")

    @app.get("/")
    async def index(request: Request) -> Any:
        log.append("handler")
        return response.text("ok")


async def test_order_outermost_first(app: Sanic, serve: Any) -> None:
    log: list[str] = []
    add_index(app, log)
    server: FakeServer = serve(
        app,
        middleware=[
            Middleware(Recorder, name="outer", log=log),  # Starlette's entry
            SimpleNamespace(cls=Recorder, args=("middle",), options={"log": log}),  # pre-0.35 spelling
            functools.partial(Recorder, name="inner", log=log),  # a plain callable app -> app
        ],
    )
    life = await server.startup()
    conn = await server.request("GET", "/")
    await server.shutdown(life)
    # Lifespan passes through the stack too.
    assert log[:3] == ["outer:lifespan", "middle:lifespan", "inner:lifespan"]
    assert log[3:] == ["outer:http", "middle:http", "inner:http", "sanic request middleware", "handler"]
    # The innermost tags first: the outermost header comes last.
    assert conn.header_list("x-via") == ["inner", "middle", "outer"]


async def test_no_middleware(app: Sanic, serve: Any) -> None:
    log: list[str] = []
    add_index(app, log)
    for middleware in (None, []):
        conn = await serve(app, middleware=middleware).request("GET", "/")
        assert conn.header("x-via") is None


@pytest.mark.parametrize(
    ("middleware", "error"),
    [
        ("Recorder", "middleware must be a list of Middleware"),
        (42, "middleware must be a list of Middleware"),
        ([42], r"middleware\[0\] must be Middleware\(cls, ...\) or a callable"),
        ([SimpleNamespace(cls="not callable")], r"middleware\[0\]\.cls is not callable"),
        ([Middleware(Recorder)], r"middleware\[0\] \(Recorder\) could not be built: .*missing"),
        ([lambda app: None], r"middleware\[0\] \(.*lambda.*\) returned None, not an ASGI application"),
    ],
)
def test_bad_middleware(app: Sanic, middleware: Any, error: str) -> None:
    with pytest.raises(ConfigurationError, match=error):
        ASGIApp(app, middleware=middleware)


def test_factory_without_a_name(app: Sanic) -> None:
    class Factory:
        def __call__(self, app: Any) -> Any:
            raise RuntimeError("boom")

    with pytest.raises(ConfigurationError, match=r"middleware\[0\] \(<.*Factory object.*>\) could not be built: boom"):
        ASGIApp(app, middleware=[Factory()])
