"""How route handlers are called while an app is served, without touching its routes.

Two adapter options change how a route handler is *called*, not what Sanic
does around it: ``sync_handlers="thread"`` runs plain ``def`` handlers in a
thread pool, and ``asgi_responses`` turns an ASGI response object that a
handler returns into a Sanic response (``_responses``).  Sanic has no hook for
either.  Replacing ``route.handler`` would be seen by the app and its
extensions: sanic-ext reads ``route.handler`` in its startup listeners (type
hints, an OpenAPI store keyed by the handler), and apps compare handlers by
identity.  So the routes are left alone.

Sanic's ``handle_request`` (21.3+) finds the handler in exactly one place::

    route, handler, kwargs = self.router.get(path, method, host)
    request.route = route
    ...
    response = handler(request, **request.match_info)

The adapter calls Sanic's own ``handle_request`` function with ``self`` bound
to a ``CallingApp``: the app seen through a ``CallingRouter``, whose ``get``
returns the router's own route and arguments but a call wrapper as the
handler.  Everything else ``handle_request`` reads from ``self`` is the app's
own (bound methods, or attributes looked up on the app), so ``request.app``,
``request.route.handler`` and ``app.router`` are what they are on Sanic's
server.  Only Sanic's local ``handler`` (also passed as ``handler`` in the
``http.routing.after`` signal's context) is the wrapper: a
``functools.wraps`` copy that carries the attributes Sanic reads from it
(``is_stream``, ``is_websocket``, ``view_class``...).  A route's wrapper is
made on its first request and kept while the app is served.

An app class that overrides ``handle_request`` is called as it is (a
zero-argument ``super()`` in the override needs the app itself as ``self``);
its handlers are then called as Sanic calls them (``handler_caller``).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from types import MethodType
from typing import TYPE_CHECKING, Any, Callable

from sanic import Sanic

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from sanic import Request
    from sanic_routing.route import Route

    from ._types import SanicApp

__all__ = ["CallingApp", "CallingRouter", "handler_caller", "is_sync_handler", "run_in_thread"]

Handler = Callable[..., Any]
Wrapper = Callable[[Handler], "Handler | None"]
HandleRequest = Callable[["Request"], "Awaitable[Any]"]

# What Sanic's handle_request reads from ``self`` on every request (21.3-25.12),
# bound once to the app, so that reading them costs no more than on the app.
_APP_METHODS = ("dispatch", "handle_exception", "_run_request_middleware")


def handler_caller(app: SanicApp, wrappers: list[Wrapper]) -> tuple[HandleRequest, bool]:
    """The ``handle_request`` to call for each request, and whether it calls
    handlers through ``wrappers``: the app's own method when there is
    nothing to wrap or the app's class overrides it."""
    handle_request: HandleRequest = app.handle_request
    if not wrappers:
        return handle_request, False
    function = type(app).handle_request
    if function is not Sanic.handle_request:
        return handle_request, False
    return MethodType(function, CallingApp(app, CallingRouter(app.router, wrappers))), True


class CallingRouter:
    """``app.router`` as Sanic's ``handle_request`` uses it while served:
    ``get`` answers with the route's call wrapper as the handler."""

    __slots__ = ("_calls", "_router", "_wrappers", "get")

    def __init__(self, router: Any, wrappers: list[Wrapper]) -> None:
        self._router = router
        self._wrappers = wrappers
        # id(route) -> (route, its handler, the wrapper made for that handler)
        self._calls: dict[int, tuple[Route, Handler, Handler]] = {}
        # Sanic memoizes Router.get (lru_cache, ROUTER_CACHE_SIZE); so does
        # this view, so that a request costs one cached call here too.
        size = getattr(router, "ROUTER_CACHE_SIZE", 1024)
        self.get: Callable[[str, str, str | None], tuple[Route, Handler | None, dict[str, Any]]] = functools.lru_cache(
            maxsize=size
        )(self._get)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._router, name)

    def _get(self, path: str, method: str, host: str | None) -> tuple[Route, Handler | None, dict[str, Any]]:
        route, handler, kwargs = self._router.get(path, method, host)
        if handler is None:  # nothing to call: Sanic's handle_request answers it (ServerError)
            return route, handler, kwargs
        return route, self.call_for(route, handler), kwargs

    def call_for(self, route: Route, handler: Handler) -> Handler:
        """The wrapper that calls ``handler`` (the handler itself if no wrapper applies)."""
        known = self._calls.get(id(route))
        if known is not None and known[0] is route and known[1] is handler:
            return known[2]
        call = handler
        for wrap in self._wrappers:
            call = wrap(call) or call
        self._calls[id(route)] = (route, handler, call)
        return call


class CallingApp:
    """The ``self`` that Sanic's ``handle_request`` runs with: the app, with
    its router seen through a ``CallingRouter``."""

    def __init__(self, app: SanicApp, router: CallingRouter) -> None:
        self._app = app
        self.router = router
        for name in _APP_METHODS:
            method = getattr(app, name, None)
            if method is not None:
                setattr(self, name, method)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def __repr__(self) -> str:
        return f"<CallingApp of {self._app!r}>"


def is_sync_handler(handler: Handler) -> bool:
    """A plain ``def`` route handler (not a websocket, not a class-based view
    whose methods decide for themselves)."""
    if getattr(handler, "is_websocket", False) or hasattr(handler, "view_class"):
        return False
    target = handler.func if isinstance(handler, functools.partial) else handler
    if inspect.iscoroutinefunction(target):
        return False
    # A callable object with an ``async def __call__``.
    return not (not inspect.isfunction(target) and inspect.iscoroutinefunction(type(target).__call__))


def run_in_thread(handler: Handler) -> Handler | None:
    """Wrap a sync handler so that it runs in the loop's default executor,
    with the request's context variables (``Request.get_current()``)."""
    if not is_sync_handler(handler):
        return None

    @functools.wraps(handler)
    async def threaded(request: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        call = functools.partial(context.run, handler, request, *args, **kwargs)
        result = await loop.run_in_executor(None, call)
        if inspect.isawaitable(result):
            result = await result
        return result

    threaded.__sanic_asgi_threaded__ = True  # type: ignore[attr-defined]
    return threaded
