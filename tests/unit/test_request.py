"""``sanic_asgi._request``: the request class of requests under a ``root_path``."""

from __future__ import annotations

import json
from typing import Any

from sanic import Request, Sanic, response

from sanic_asgi._request import prefixed_request_class
from tests.asgi_driver import FakeServer


def test_the_prefixed_class_looks_like_the_apps_own() -> None:
    cls = prefixed_request_class(Request)
    assert issubclass(cls, Request)
    assert cls is not Request
    assert (cls.__name__, cls.__qualname__, cls.__module__) == ("Request", "Request", Request.__module__)
    assert cls.__slots__ == (), "no instance attributes of its own"
    assert prefixed_request_class(Request) is cls, "one subclass per base, cached"


def add_item_route(app: Sanic[Any, Any]) -> None:
    @app.get("/items/<n:int>", name="item")
    async def item(request: Request, n: int) -> response.HTTPResponse:
        return response.json(
            {
                "class": type(request).__name__,
                "is_request": isinstance(request, Request),
                "prefixed": type(request) is not app.request_class,
                "url_for": request.url_for("item", n=n + 1),
            }
        )


async def test_url_for_carries_the_root_path(app: Sanic[Any, Any], server: FakeServer) -> None:
    add_item_route(app)
    conn = await server.request("GET", "/api/items/7", root_path="/api")
    assert conn.status == 200, conn.body
    assert json.loads(conn.body) == {
        "class": "Request",
        "is_request": True,
        "prefixed": True,
        "url_for": "http://testserver/api/items/8",
    }


async def test_without_a_root_path_the_apps_class_serves(app: Sanic[Any, Any], server: FakeServer) -> None:
    add_item_route(app)
    conn = await server.request("GET", "/items/7")
    assert conn.status == 200, conn.body
    body = json.loads(conn.body)
    assert body["prefixed"] is False, "no prefix: the app's own request class, unchanged"
    assert body["url_for"] == "http://testserver/items/8"


async def test_a_server_name_with_the_prefix_is_not_prefixed_twice(app: Sanic[Any, Any], server: FakeServer) -> None:
    app.config.SERVER_NAME = "http://example.com/api"
    add_item_route(app)
    conn = await server.request("GET", "/api/items/7", root_path="/api")
    assert conn.status == 200, conn.body
    assert json.loads(conn.body)["url_for"] == "http://example.com/api/items/8"
