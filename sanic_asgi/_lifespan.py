"""The ASGI lifespan protocol, as a small state machine (cf. uvicorn's
``lifespan/on.py``)::

    WAITING --lifespan.startup--> STARTING --ok--> STARTED --lifespan.shutdown--> STOPPING --> STOPPED
                                           \\--listener raised--> FAILED (startup.failed sent; return)

Any other message, or one out of order, raises ``UnexpectedMessage``.  A
listener that raises is logged with its traceback and reported to the server
as ``lifespan.startup.failed`` / ``lifespan.shutdown.failed`` with the error
text; uvicorn then exits with a non-zero status.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sanic.log import error_logger

from ._exceptions import UnexpectedMessage

if TYPE_CHECKING:
    from ._runtime import AppRuntime
    from ._types import Receive, Scope, Send

__all__ = ["LifespanCycle"]


class LifespanState(enum.Enum):
    WAITING = "waiting"
    STARTING = "starting"
    STARTED = "started"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


class LifespanCycle:
    def __init__(self, runtime: AppRuntime, scope: Scope, receive: Receive, send: Send) -> None:
        self.runtime = runtime
        self.scope = scope
        self.receive = receive
        self.send = send
        self.state = LifespanState.WAITING

    async def run(self) -> None:
        # The server's state dict is copied into every request scope: make it
        # the one listeners and handlers see (sanic_asgi.lifespan_state).
        state = self.scope.get("state")
        if isinstance(state, dict):
            self.runtime.adopt_server_state(state)
        while self.state not in (LifespanState.STOPPED, LifespanState.FAILED):
            message = await self.receive()
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "lifespan.startup" and self.state is LifespanState.WAITING:
                await self._startup()
            elif kind == "lifespan.shutdown" and self.state is LifespanState.STARTED:
                await self._shutdown()
            else:
                raise UnexpectedMessage(
                    f"expected {self._expected()} from receive() in lifespan state "
                    f"{self.state.value!r}, got {kind or message!r}"
                )

    def _expected(self) -> str:
        return "'lifespan.startup'" if self.state is LifespanState.WAITING else "'lifespan.shutdown'"

    async def _startup(self) -> None:
        self.state = LifespanState.STARTING
        try:
            await self.runtime.start()
        except BaseException as exc:
            self.state = LifespanState.FAILED
            error_logger.exception("Sanic app %r failed to start", self.runtime.app.name)
            await self.send({"type": "lifespan.startup.failed", "message": _describe(exc)})
            # Re-raised after the message, as Starlette does: servers stay
            # quiet about it (they saw *.failed), and drivers such as
            # asgi-lifespan's LifespanManager raise it instead of timing out.
            raise
        self.state = LifespanState.STARTED
        await self.send({"type": "lifespan.startup.complete"})

    async def _shutdown(self) -> None:
        self.state = LifespanState.STOPPING
        try:
            await self.runtime.stop()
        except BaseException as exc:
            self.state = LifespanState.STOPPED
            await self.send({"type": "lifespan.shutdown.failed", "message": _describe(exc)})
            raise
        self.state = LifespanState.STOPPED
        await self.send({"type": "lifespan.shutdown.complete"})


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
