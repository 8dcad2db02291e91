"""Sanic 21.12 (LTS).

The request/response path is already the current one: ``handle_request(request)``
answers through ``request.stream`` (``respond()``/``send()``), listeners are
signals fired by ``app._server_event`` after ``app._startup()``.  What differs
from 22.12:

- ``ConnInfo`` (``sanic.models.server_types``) has no ``lost`` and no
  ``network_paths`` slot, so the scope-filled subclass adds them;
- ``app.state`` has no ``primary`` flag (TouchUp runs for every app), and there
  is no ``sanic.logging.setup``: Sanic 21.12 configures logging at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .sanic22 import Sanic22, ScopeConnInfo

if TYPE_CHECKING:
    from .._types import SanicApp


class ScopeConnInfo21(ScopeConnInfo):
    """``ScopeConnInfo`` for Sanic 21.12's ``ConnInfo``, which has no
    ``lost`` and ``network_paths`` slots."""

    __slots__ = ("lost", "network_paths")


class Sanic21(Sanic22):
    name = "sanic21"

    conn_info_class = ScopeConnInfo21

    def setup_extensions(self, app: SanicApp) -> None:
        # 21.12 loads Sanic Extensions in app._startup() only.
        return None

    def setup_logging(self, app: SanicApp) -> None:
        return None

    async def handle_exception(
        self, app: SanicApp, request: Any, exception: BaseException, run_middleware: bool
    ) -> None:
        # 21.12's handle_exception(request, exception) always runs the
        # request middleware.
        await app.handle_exception(request, exception)

    async def startup(self, app: SanicApp) -> None:
        # 21.12's _startup() runs TouchUp for every app, every time; outside
        # test mode TouchUp cannot rewrite methods it already rewrote
        # (KeyError), so a restart or a second app in the process would fail.
        # Then the same steps run without TouchUp, as 22.x starts secondary
        # apps (app.py: Sanic._startup, 21.12.2).
        from sanic.touchup import TouchUp

        touched = any(getattr(target, "__touched__", False) for target, _ in TouchUp._registry)
        if not touched or app.test_mode:
            await app._startup()
            return
        from sanic.application.ext import setup_ext
        from sanic.handlers import ErrorHandler

        app._future_registry.clear()
        if not hasattr(app, "_ext"):
            setup_ext(app)
        app.signalize()
        app.finalize()
        finalize_handler: Any = ErrorHandler.finalize  # type: ignore[attr-defined]  # 21.12 only
        finalize_handler(app.error_handler, config=app.config)
        app.state.is_started = True
