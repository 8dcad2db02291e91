"""Route-handler wrapping, applied while an app is served and undone after.

Some adapter options change how a route handler is *called* (not what Sanic
does around it): ``sync_handlers="thread"`` runs plain ``def`` handlers in a
thread pool.  Sanic has no hook for that, so after startup has finalized the
router the adapter swaps ``route.handler`` on the app's own route objects for
a wrapper, and puts the original back on shutdown.  Sanic's code is not
touched; ``Router.get``'s lookup cache is cleared on both edges because it
memoizes handlers.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from sanic_routing.route import Route

    from ._types import SanicApp

__all__ = ["HandlerWrapping", "is_sync_handler", "run_in_thread"]

Handler = Callable[..., Any]
Wrapper = Callable[[Handler], "Handler | None"]


class HandlerWrapping:
    """Swap route handlers for wrappers; remember the originals."""

    def __init__(self) -> None:
        self._originals: list[tuple[Route, Handler]] = []

    def apply(self, app: SanicApp, wrappers: list[Wrapper]) -> None:
        if not wrappers:
            return
        for route in app.router.routes:
            original: Handler = route.handler
            handler = original
            for wrap in wrappers:
                handler = wrap(handler) or handler
            if handler is not original:
                self._originals.append((route, original))
                route.handler = handler
        if self._originals:
            _clear_router_cache(app)

    def restore(self, app: SanicApp) -> None:
        if not self._originals:
            return
        for route, original in self._originals:
            route.handler = original
        self._originals.clear()
        _clear_router_cache(app)


def _clear_router_cache(app: SanicApp) -> None:
    get = getattr(type(app.router), "get", None)
    cache_clear = getattr(get, "cache_clear", None)
    if cache_clear is not None:
        cache_clear()


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
