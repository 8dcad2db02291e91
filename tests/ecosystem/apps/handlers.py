"""An app with a route handler of every shape, and a record of what its
listeners and handlers see when they inspect the routes.

``build(name)`` registers the handlers; ``record(app, where)`` (run by every
listener, and by each handler for its own route) stores, per route, the
handler object and a ``Fingerprint`` of what introspection finds on it, in
``app.ctx.seen[where]``.  The tests compare those records: between listeners,
between two starts, and with Sanic's own server.

The module uses postponed annotations, as sanic-ext's own routes do: a handler
wrapped by code in another module would have its string annotations
evaluated in the wrong globals by ``typing.get_type_hints``.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import typing
from dataclasses import dataclass
from typing import Any

from sanic import Request, Sanic, response
from sanic.response import HTTPResponse
from sanic.views import HTTPMethodView
from starlette.responses import PlainTextResponse

LISTENERS = (
    "main_process_start",
    "before_server_start",
    "after_server_start",
    "main_process_ready",
    "before_server_stop",
    "after_server_stop",
    "main_process_stop",
)


@dataclass(frozen=True)
class Fingerprint:
    """What introspection finds on a handler (no object identities)."""

    qualname: str
    signature: str
    type_hints: tuple[str, ...]
    wrapped: str | None
    attributes: tuple[str, ...]


def _target(handler: Any) -> Any:
    # What sanic-ext looks at: partials (its auto HEAD/OPTIONS routes) by their function.
    return handler.func if isinstance(handler, functools.partial) else handler


def fingerprint(handler: Any) -> Fingerprint:
    target = _target(handler)
    wrapped = getattr(handler, "__wrapped__", None)
    return Fingerprint(
        qualname=getattr(target, "__qualname__", type(target).__qualname__),
        # Defaults may be objects: their repr without the address.
        signature=re.sub(r" at 0x[0-9a-f]+", "", str(inspect.signature(handler))),
        type_hints=tuple(sorted(typing.get_type_hints(target))),
        wrapped=getattr(wrapped, "__qualname__", None) if wrapped is not None else None,
        attributes=tuple(sorted(vars(handler))) if hasattr(handler, "__dict__") else (),
    )


def record(app: Sanic[Any, Any], where: str, routes: Any = None) -> None:
    seen = app.ctx.seen.setdefault(where, {})
    for route in routes if routes is not None else app.router.routes:
        seen[route.name] = (route.handler, fingerprint(route.handler))


def _answer(request: Request) -> HTTPResponse:
    record(request.app, f"request {request.route.name}", [request.route])
    return response.json({"on_loop": threading.current_thread() is threading.main_thread()})


# -- the shapes ------------------------------------------------------------
async def plain(request: Request) -> HTTPResponse:
    return _answer(request)


def sync(request: Request) -> HTTPResponse:
    return _answer(request)


async def with_option(request: Request, option: int = 0) -> HTTPResponse:
    return _answer(request)


def logged(handler: Any) -> Any:
    @functools.wraps(handler)
    async def logging_handler(request: Request, *args: Any, **kwargs: Any) -> Any:
        return await handler(request, *args, **kwargs)

    return logging_handler


@logged
async def decorated(request: Request) -> HTTPResponse:
    return _answer(request)


class Handlers:
    async def method(self, request: Request) -> HTTPResponse:
        return _answer(request)

    @staticmethod
    async def static(request: Request) -> HTTPResponse:
        return _answer(request)


class ItemView(HTTPMethodView):
    async def get(self, request: Request) -> HTTPResponse:
        return _answer(request)

    def post(self, request: Request) -> HTTPResponse:
        return _answer(request)


async def starlette_response(request: Request) -> PlainTextResponse:
    record(request.app, f"request {request.route.name}", [request.route])
    return PlainTextResponse("from starlette", headers={"x-shape": "asgi-response"})


def build(name: str) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.config.ACCESS_LOG = False
    app.ctx.seen = {}
    app.add_route(plain, "/plain", name="plain")
    app.add_route(sync, "/sync", name="sync")
    app.add_route(functools.partial(with_option, option=1), "/partial", name="partial")
    app.add_route(decorated, "/decorated", name="decorated")
    app.add_route(Handlers().method, "/method", name="method")
    app.add_route(Handlers.static, "/static", name="static")
    app.add_route(ItemView.as_view(), "/view", name="view")
    app.add_route(starlette_response, "/starlette", name="starlette")
    try:
        from sanic_ext import openapi
    except ImportError:
        pass
    else:

        @app.post("/documented", name="documented")
        @openapi.summary("A documented handler")
        @openapi.body({"application/json": {"name": str}})
        async def documented(request: Request) -> HTTPResponse:
            return _answer(request)

    for event in LISTENERS:
        app.register_listener(_recorder(event), event)
    return app


def _recorder(event: str) -> Any:
    def listener(app: Sanic[Any, Any]) -> None:
        record(app, event)

    return listener
