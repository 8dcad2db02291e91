"""``ASGIApp``: the outer ASGI callable around an unchanged Sanic app."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from sanic.log import error_logger

from ._daphne import stop_with_daphne
from ._exceptions import ConfigurationError, MalformedScope, UnsupportedScope
from ._http import HTTPCycle
from ._http_legacy import http_cycle_class
from ._lifespan import LifespanCycle
from ._middleware import build_middleware_stack
from ._mounts import MountLifespans, MountTable
from ._responses import wrap_asgi_responses
from ._runtime import AppRuntime, RuntimeState, served_by
from ._signals import SIGNALS
from ._websocket import WebSocketCycle

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from sanic import Request

    from ._types import ASGIApplication, Receive, SanicApp, Scope, Send

__all__ = ["ASGIApp", "lifespan_state"]

LifespanMode = Literal["auto", "on", "off"]
_LIFESPAN_MODES = ("auto", "on", "off")
SyncHandlersMode = Literal["loop", "thread"]
_SYNC_HANDLERS_MODES = ("loop", "thread")
_STARTED = RuntimeState.STARTED


class ASGIApp:
    """Serve a Sanic app through any ASGI server.

    Usage::

        from sanic import Sanic
        from sanic_asgi import ASGIApp

        app = Sanic("shop")
        asgi = ASGIApp(app)      # uvicorn shop:asgi

    Arguments:

    * ``app`` - the ``sanic.Sanic`` application, used as it is.
    * ``lifespan`` - ``"auto"`` (default): run Sanic's listeners on the
      server's lifespan events, or lazily before the first request when the
      server sends none.  ``"on"``: require lifespan events; requests that
      arrive without a completed startup get 503.  ``"off"``: ignore lifespan
      events and always start lazily.
    * ``graceful_shutdown_timeout`` - seconds that ``lifespan.shutdown`` waits
      for requests in flight and then for background tasks (``app.add_task``)
      before cancelling them and running ``after_server_stop``; defaults to
      the app's ``GRACEFUL_SHUTDOWN_TIMEOUT``.
    * ``sync_handlers`` - ``"loop"`` (default, as Sanic): plain ``def``
      handlers run on the event loop.  ``"thread"``: they run in the loop's
      default thread pool, so a blocking call does not stall other requests.
    * ``middleware`` - ASGI middleware around the app, outermost first:
      Starlette's ``Middleware(cls, *args, **kwargs)`` or any object with
      ``cls``/``args``/``kwargs``, or a callable ``app -> app``.  Built once,
      here; every scope (lifespan too) passes through it, and it wraps
      Sanic's own request/response middleware (``_middleware``).
    * ``mounts`` - ``{"/prefix": asgi_app}``: ASGI apps that serve every
      request under their prefix, matched before Sanic's router, longest
      prefix first; they get Starlette ``Mount``'s scope and their lifespan
      runs with the Sanic app's (``_mounts``).
    * ``asgi_responses`` - False (default): route handlers are called exactly
      as Sanic calls them.  True: they may also return ASGI response objects
      (Starlette's ``Response`` and its subclasses), sent as they are
      (``_responses``), at the cost of a call wrapper per request.
    """

    def __init__(
        self,
        app: SanicApp,
        *,
        lifespan: LifespanMode = "auto",
        graceful_shutdown_timeout: float | None = None,
        sync_handlers: SyncHandlersMode = "loop",
        middleware: Iterable[Any] | None = None,
        mounts: Mapping[str, ASGIApplication] | None = None,
        asgi_responses: bool = False,
    ) -> None:
        from sanic import Sanic

        if not isinstance(app, Sanic):
            raise ConfigurationError(f"ASGIApp expects a sanic.Sanic application, got {type(app).__name__}")
        if lifespan not in _LIFESPAN_MODES:
            raise ConfigurationError(f"lifespan must be one of 'auto', 'on', 'off'; got {lifespan!r}")
        if graceful_shutdown_timeout is not None and (
            isinstance(graceful_shutdown_timeout, bool)
            or not isinstance(graceful_shutdown_timeout, (int, float))
            or graceful_shutdown_timeout < 0
        ):
            raise ConfigurationError(
                f"graceful_shutdown_timeout must be a number of seconds >= 0, got {graceful_shutdown_timeout!r}"
            )
        if sync_handlers not in _SYNC_HANDLERS_MODES:
            raise ConfigurationError(f"sync_handlers must be 'loop' or 'thread'; got {sync_handlers!r}")
        if not isinstance(asgi_responses, bool):
            raise ConfigurationError(f"asgi_responses must be True or False; got {asgi_responses!r}")
        self.mounts = MountTable(mounts)
        self.app = app
        self.lifespan: LifespanMode = lifespan
        self.runtime = AppRuntime(
            app, graceful_shutdown_timeout=graceful_shutdown_timeout, sync_handlers=sync_handlers, signals=SIGNALS
        )
        # The cycle class per scope type: the current ones, or those of an
        # older Sanic generation (sanic_asgi._generations), picked once, here.
        self._cycles: dict[object, type[HTTPCycle | WebSocketCycle]] = {
            "http": http_cycle_class(self.runtime.generation),
            "websocket": WebSocketCycle,
        }
        if asgi_responses:
            self.runtime.handler_wrappers.append(wrap_asgi_responses)
            self.runtime.asgi_responses = True
        if self.mounts:
            self.runtime.mounts = MountLifespans(self.mounts, app)
        # Last: a middleware factory may look at the app it wraps.
        self._stack: ASGIApplication = build_middleware_stack(self._dispatch, middleware)
        self._direct = middleware is None and not self.mounts

    def __repr__(self) -> str:
        return f"ASGIApp({self.app.name!r}, lifespan={self.lifespan!r})"

    @property
    def background_tasks(self) -> list[asyncio.Task[Any]]:
        """Background tasks of the app (``app.add_task``) still running."""
        return self.runtime.background_tasks()

    @property
    def state(self) -> dict[str, Any]:
        """The lifespan state shared with every request (``scope["state"]``)."""
        return self.runtime.lifespan_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = self.runtime
        if self._direct and runtime.state is _STARTED and runtime.server_state is not None and scope.__class__ is dict:
            # The common case needs nothing but its cycle: no middleware, no
            # mounts, served with the server's lifespan state.  Skipping
            # _dispatch's coroutine saves ~3.3k instructions per request
            # (benchmarks.guard, json: 233.5k -> 230.2k, 2026-12-03).
            try:
                cycle = self._cycles.get(scope.get("type"))
            except TypeError:  # an unhashable "type": _dispatch says what arrived
                cycle = None
            if cycle is not None:
                await cycle(runtime, scope, receive, send).run()
                return
        await self._stack(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The adapter itself, inside the ASGI middleware: mounts, then Sanic."""
        try:
            kind = scope["type"]
        except (TypeError, KeyError):
            raise MalformedScope(f"expected a scope mapping with a 'type' key, got {scope!r:.200}") from None
        cycle = self._cycles.get(kind) if isinstance(kind, str) else None
        if cycle is None:
            if kind != "lifespan":
                raise UnsupportedScope(
                    f"sanic-asgi serves 'http', 'websocket' and 'lifespan' scopes; got type {kind!r}"
                )
            if self.lifespan != "off":
                await LifespanCycle(self.runtime, scope, receive, send).run()
            # lifespan="off": returning without a message, servers carry on
            # without lifespan (uvicorn, hypercorn); we start lazily instead.
            return
        runtime = self.runtime
        if not runtime.serving and not await self._start_for_request(send, ws=kind == "websocket"):
            return
        if runtime.server_state is None:
            _share_state(scope, runtime.lifespan_state)
        if self.mounts and await self.mounts.dispatch(runtime, scope, receive, send):
            return
        await cycle(runtime, scope, receive, send).run()

    async def _start_for_request(self, send: Send, ws: bool = False) -> bool:
        """Start the app for a server without lifespan; answer 503 if we cannot."""
        state = self.runtime.state
        if state is RuntimeState.STOPPING or state is RuntimeState.STARTING:
            # Lifespan startup has not finished, or shutdown has drained:
            # the app cannot serve now (Sanic's server is not listening then).
            await _refuse(send, ws)
            return False
        if self.lifespan == "on":
            error_logger.error(
                "ASGIApp(lifespan='on') got a request before lifespan startup completed; "
                "answering 503. Is the server running with lifespan disabled?"
            )
            await _refuse(send, ws)
            return False
        lazy = state is not RuntimeState.STARTED
        try:
            await self.runtime.ensure_started()
        except ConfigurationError as exc:
            # A mistake in how the app is served, not in the app: its message
            # says what to do; a traceback would only point into sanic_asgi.
            error_logger.error("%s Answering 500.", exc)
            await _refuse(send, ws, status=500)
            return False
        except Exception:
            error_logger.exception("Sanic app %r failed to start; answering 503", self.app.name)
            await _refuse(send, ws)
            return False
        if lazy:  # daphne by itself: its stop runs Sanic's shutdown (sanic_asgi._daphne)
            stop_with_daphne(send, self.runtime.stop)
        return True


def _share_state(scope: Scope, state: dict[str, Any]) -> None:
    """No lifespan scope handed us the server's state dict (lazy start, or a
    server without lifespan state): give the request a shallow copy of ours,
    as a server copies its own into every request scope (ASGI spec 2.3)."""
    server_state = scope.get("state")
    scope["state"] = {**server_state, **state} if isinstance(server_state, dict) else dict(state)


async def _refuse(send: Send, ws: bool, status: int = 503) -> None:
    reason = "Service Unavailable" if status == 503 else "Internal Server Error"
    if ws:
        await send({"type": "websocket.close", "code": 1011, "reason": reason})
        return
    body = reason.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})


def lifespan_state(source: Request | SanicApp) -> dict[str, Any]:
    """The lifespan state dict: from a request (its ``scope["state"]``) or
    from the app (the dict the server copies into every request scope; write
    to it in ``before_server_start`` listeners).

    An app that no ``ASGIApp`` serves (on Sanic's own server, or in Sanic's
    native ASGI mode) has no lifespan state: there the dict is the app's own
    ``app.ctx`` namespace (``vars(app.ctx)``), for the app and for its
    requests alike, so that ``lifespan_state(app)["pool"] = pool`` in a
    listener and ``lifespan_state(request)["pool"]`` in a handler work on
    every server.  Raises ``LookupError`` only when the app's ``ctx`` keeps no
    ``__dict__`` (Sanic before 19.12 has no ``app.ctx``).
    """
    from sanic import Sanic

    if isinstance(source, Sanic):
        # The runtime serving the app now: the ASGIApp whose listeners run.
        serving = served_by(source)
        return _own_state(source) if serving is None else serving.lifespan_state
    transport = getattr(source, "transport", None)
    scope = getattr(transport, "scope", None)
    runtime = getattr(transport, "runtime", None)
    if scope is None or runtime is None:  # a request Sanic's own server (or its ASGI mode) made
        app = getattr(source, "app", None)
        if not isinstance(app, Sanic):
            raise LookupError(
                f"lifespan_state() takes a Sanic app or one of its requests; got a {type(source).__name__} "
                "that belongs to no Sanic app"
            )
        return lifespan_state(app)
    state = scope.get("state")
    if isinstance(state, dict):
        return state
    return runtime.lifespan_state  # type: ignore[no-any-return]


def _own_state(app: SanicApp) -> dict[str, Any]:
    namespace = getattr(getattr(app, "ctx", None), "__dict__", None)
    if isinstance(namespace, dict):  # not a class's mappingproxy
        return namespace
    raise LookupError(
        f"app {app.name!r} is not served by a sanic_asgi.ASGIApp and has no app.ctx namespace to keep its "
        "state in; serve it through ASGIApp(app), or give it a ctx object with a __dict__"
    )
