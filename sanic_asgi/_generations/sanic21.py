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

from sanic.models.server_types import ConnInfo

from .sanic22 import Sanic22, ScopeConnInfo

if TYPE_CHECKING:
    from .._types import SanicApp, Scope


class ScopeConnInfo21(ConnInfo):
    """``ScopeConnInfo`` for Sanic 21.12's ``ConnInfo`` slots."""

    __slots__ = ("lost", "network_paths")

    __init__ = ScopeConnInfo.__init__


class Sanic21(Sanic22):
    name = "sanic21"

    def make_conn_info(self, scope: Scope) -> Any:
        return ScopeConnInfo21(scope)

    def setup_logging(self, app: SanicApp) -> None:
        return None

    async def startup(self, app: SanicApp) -> None:
        await app._startup()
