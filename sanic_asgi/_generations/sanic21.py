"""Sanic 21.3 to 21.12: the current request path, older start-up.

From 21.3 on, ``handle_request(request)`` answers through ``request.stream``
(``respond()``/``send()``), as today; what moved in the 21.x releases is how
the server starts an app:

- 21.12 (``Sanic21``): listeners are signals fired by ``app._server_event``
  after ``app._startup()``, which runs TouchUp for every app (``app.state``
  has no ``primary`` flag) and sets ``app.state.is_started``; there is no
  ``sanic.logging.setup``: Sanic 21.12 configures logging at import.
- 21.9 (``Sanic219``): the same, but no ``app.state`` at all: the server's
  ``app.is_running`` says whether the app is served, and no task registry.
- 21.3 and 21.6 (``Sanic213``): no ``_startup`` and no server signals: the
  server finalizes the routers in a ``before_server_start`` listener of its
  own (``Sanic.finalize``) and calls the listeners, kept in ``app.listeners``,
  as ``listener(app, loop)``; main-process listeners likewise.  Their
  websocket handler calls ``protocol.websocket_handshake(request,
  subprotocols)`` unless ``app.asgi`` is set (then it expects Sanic's own
  ASGI connection, already accepted), so the app is served with ``app.asgi``
  False, and the websocket cycle has that handshake, as Sanic's server has.

``ConnInfo`` slots differ too (``sanic22.ScopeConnInfo`` adds the missing
ones), and ``handle_exception(request, exception)`` always runs the request
middleware before 22.6 (``Sanic22.handle_exception``).  ``detect()`` tells
these apart by what the code has.
"""

from __future__ import annotations

import asyncio
from inspect import isawaitable, signature
from typing import TYPE_CHECKING, Any

from ._names import Header
from .sanic22 import Sanic22, touchup_originals_kept

if TYPE_CHECKING:
    from sanic import Request

    from .._types import SanicApp

__all__ = ["Sanic21", "Sanic213", "Sanic219"]


class Sanic21(Sanic22):
    """Sanic 21.12."""

    name = "sanic21"

    def setup_extensions(self, app: SanicApp) -> None:
        # 21.12 loads Sanic Extensions in app._startup() only.
        return None

    def setup_logging(self, app: SanicApp) -> None:
        return None

    async def startup(self, app: SanicApp) -> None:
        # 21.9/21.12's _startup() runs TouchUp for every app, every time;
        # outside test mode TouchUp cannot rewrite methods it already rewrote
        # (KeyError), so a restart or a second app in the process would fail;
        # in test mode it can, from the originals a first run in test mode kept.
        # Then the same steps run without TouchUp, as 22.x starts secondary
        # apps (app.py: Sanic._startup, 21.9.3 and 21.12.2).
        from sanic.touchup import TouchUp

        touched = any(getattr(target, "__touched__", False) for target, _ in TouchUp._registry)
        if not touched or (app.test_mode and touchup_originals_kept()):
            await app._startup()
            self.mark_started(app)
            return
        from sanic.handlers import ErrorHandler

        registry = getattr(app, "_future_registry", None)  # 21.12
        if registry is not None:
            registry.clear()
        if not hasattr(app, "_ext"):
            try:
                from sanic.application.ext import setup_ext  # 21.12
            except ImportError:
                pass
            else:
                setup_ext(app)
        app.signalize()
        app.finalize()
        finalize_handler: Any = ErrorHandler.finalize  # type: ignore[attr-defined]  # 21.x only
        if "config" in signature(finalize_handler).parameters:  # 21.12
            finalize_handler(app.error_handler, config=app.config)
        else:  # 21.9
            finalize_handler(app.error_handler, fallback=app.config.FALLBACK_ERROR_FORMAT)
        self.mark_started(app)

    def mark_started(self, app: SanicApp) -> None:
        app.state.is_started = True


class Sanic219(Sanic21):
    """Sanic 21.9: no ``app.state``; ``app.is_running`` while served, as
    its ``app.run`` sets it; no registry of ``app.add_task`` tasks."""

    name = "sanic21_9"

    def mark_started(self, app: SanicApp) -> None:
        app.is_running = True

    def is_started(self, app: SanicApp) -> bool:
        return bool(getattr(app, "is_running", False))

    def reset(self, app: SanicApp) -> None:
        app.router.reset()
        app.signal_router.reset()
        app.is_running = False

    def purge_tasks(self, app: SanicApp) -> None:
        return None  # no app.purge_tasks before 21.12

    def background_tasks(self, app: SanicApp) -> list[asyncio.Task[Any]]:
        # As Sanic22's, without app._task_registry: every app.add_task task
        # runs the coroutine Sanic._prep_task builds.
        tasks = []
        for task in asyncio.all_tasks():
            coro = task.get_coro()
            frame = getattr(coro, "cr_frame", None)
            if task.done() or frame is None:
                continue
            if getattr(coro, "__qualname__", "") == "Sanic._prep_task.<locals>.do" and frame.f_locals.get("app") is app:
                tasks.append(task)
        return sorted(tasks, key=lambda t: t.get_name())


# Sanic's server event name for each (concern, action), and whether the
# listeners run in reverse registration order (21.3's Sanic._helper).
_LISTENERS = {
    ("init", "before"): ("before_server_start", False),
    ("init", "after"): ("after_server_start", False),
    ("shutdown", "before"): ("before_server_stop", True),
    ("shutdown", "after"): ("after_server_stop", True),
}
_PROCESS_LISTENERS = {"main_process_start": False, "main_process_ready": False, "main_process_stop": True}


class Sanic213(Sanic219):
    """Sanic 21.3 and 21.6: listeners called by the server, not signals."""

    name = "sanic21_3"
    plain_request = False

    def make_request(
        self,
        request_class: type[Request],
        url_bytes: bytes,
        headers: list[tuple[str, str]],
        version: str,
        method: str,
        transport: Any,
        app: SanicApp,
        head: Any = b"",
    ) -> Request:
        # 21.3's Request keeps the headers it is given (its server passes a
        # Header); 21.6 wraps them itself, a copy of a copy here.
        cls: Any = request_class
        return cls(url_bytes, Header(headers), version, method, transport, app, head)  # type: ignore[no-any-return]

    def head_limit(self, config: Any) -> tuple[float, str]:
        # Http.http1_request_header (21.3, 21.6): HEADER_MAX_SIZE = min(8192,
        # request_max_size); REQUEST_MAX_HEADER_SIZE came with 21.9.
        return min(8192, config.REQUEST_MAX_SIZE), "Request header exceeds the size limit"

    async def startup(self, app: SanicApp) -> None:
        # Sanic.finalize: the listener 21.3/21.6's _helper puts first in
        # before_server_start (a static method taking (app, loop)).  app.asgi
        # False: see the module docstring; app.is_running as app.run sets it
        # (app.loop reads both).
        finalize: Any = app.finalize
        await finalize(app, asyncio.get_running_loop())
        app.asgi = False
        app.is_running = True

    async def server_event(self, app: SanicApp, concern: str, action: str) -> None:
        event, reverse = _LISTENERS[(concern, action)]
        await _call_listeners(app, event, reverse)

    async def process_event(self, app: SanicApp, event: str) -> None:
        reverse = _PROCESS_LISTENERS.get(event)
        if reverse is not None and event in app.listeners:  # main_process_ready: 22.x
            await _call_listeners(app, event, reverse)


async def _call_listeners(app: SanicApp, event: str, reverse: bool) -> None:
    """As 21.3's trigger_events: ``listener(app, loop)``, awaited if it returns an awaitable."""
    listeners = list(app.listeners.get(event, ()))
    if reverse:
        listeners.reverse()
    loop = asyncio.get_running_loop()
    for listener in listeners:
        call: Any = listener
        result = call(app, loop)
        if isawaitable(result):
            await result
