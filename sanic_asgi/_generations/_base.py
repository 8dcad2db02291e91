from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanic import Request, Sanic
    from sanic.models.server_types import ConnInfo

    from .._types import Scope


class Generation:
    """What the adapter needs from Sanic's internals; one subclass per line."""

    name = "base"

    def make_request(
        self,
        request_class: type[Request],
        url_bytes: bytes,
        headers: list[tuple[str, str]],
        version: str,
        method: str,
        transport: Any,
        app: Sanic,
    ) -> Request:
        raise NotImplementedError

    def make_conn_info(self, scope: Scope) -> ConnInfo:
        raise NotImplementedError

    def setup_logging(self, app: Sanic) -> None:
        raise NotImplementedError

    async def startup(self, app: Sanic) -> None:
        """Finalize routes and signals, as Sanic's server does before serving."""
        raise NotImplementedError

    async def server_event(self, app: Sanic, concern: str, action: str) -> None:
        """Fire ``server.<concern>.<action>`` listeners (priority honoured)."""
        raise NotImplementedError

    async def process_event(self, app: Sanic, event: str) -> None:
        """Fire main-process listeners such as ``main_process_start``."""
        raise NotImplementedError

    def reset(self, app: Sanic) -> None:
        """Undo what ``startup`` did, so that the app can be started again."""
        raise NotImplementedError
