"""ASGI middleware around the adapter: ``ASGIApp(app, middleware=[...])``.

The list is read the way Starlette reads ``Starlette(middleware=[...])``: the
first entry is the outermost layer, the one the server calls.  The stack is
built once, at construction, around the adapter's own dispatch (mounts, then
Sanic), so that every scope passes through it: ``http``, ``websocket`` and
``lifespan`` (Starlette's middlewares hand lifespan on untouched).  For one
HTTP request the order is::

    ASGI middleware[0] -> ... -> ASGI middleware[-1]
        -> Sanic request middleware -> handler -> Sanic response middleware
    -> ASGI middleware[-1] (sees http.response.start) -> ... -> ASGI middleware[0]

An entry is either

* an object with a ``cls`` attribute and optional ``args``/``kwargs``
  (Starlette's ``Middleware(cls, *args, **kwargs)``; its pre-0.35 spelling
  ``options`` is read too), built as ``cls(app, *args, **kwargs)``; or
* a plain callable ``app -> app`` (a middleware class itself, or a
  ``functools.partial`` / lambda that returns the wrapped app).

Starlette is not imported: entries are duck-typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ._exceptions import ConfigurationError
from ._types import ASGIApplication

__all__ = ["build_middleware_stack"]


def build_middleware_stack(app: ASGIApplication, middleware: Iterable[Any] | None) -> ASGIApplication:
    """Wrap ``app`` in ``middleware`` (outermost first); raises ``ConfigurationError``
    for an entry that is neither shape or whose construction fails."""
    if middleware is None:
        return app
    if isinstance(middleware, (str, bytes)) or not isinstance(middleware, Iterable):
        raise ConfigurationError(
            f"middleware must be a list of Middleware(cls, ...) entries or callables app -> app; got {middleware!r}"
        )
    entries: Sequence[Any] = list(middleware)
    stack = app
    for index in reversed(range(len(entries))):
        stack = _build_one(index, entries[index], stack)
    return stack


def _build_one(index: int, entry: Any, app: ASGIApplication) -> ASGIApplication:
    factory: Any
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    if hasattr(entry, "cls"):
        factory = entry.cls
        args = tuple(getattr(entry, "args", ()) or ())
        kwargs = dict(getattr(entry, "kwargs", None) or getattr(entry, "options", None) or {})
    elif callable(entry):
        factory = entry
    else:
        raise ConfigurationError(
            f"middleware[{index}] must be Middleware(cls, ...) or a callable app -> app; got {entry!r}"
        )
    if not callable(factory):
        raise ConfigurationError(f"middleware[{index}].cls is not callable: {factory!r}")
    try:
        wrapped = factory(app, *args, **kwargs)
    except Exception as exc:
        raise ConfigurationError(f"middleware[{index}] ({_name(factory)}) could not be built: {exc}") from exc
    if not callable(wrapped):
        raise ConfigurationError(
            f"middleware[{index}] ({_name(factory)}) returned {wrapped!r}, not an ASGI application; "
            "a plain callable entry must take the app and return the wrapped app"
        )
    return wrapped  # type: ignore[no-any-return]


def _name(factory: Any) -> str:
    return getattr(factory, "__qualname__", None) or getattr(factory, "__name__", None) or repr(factory)
