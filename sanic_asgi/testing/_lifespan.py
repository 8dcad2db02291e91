"""``LifespanDriver``: run an ASGI app's lifespan protocol from a test.

It plays the server's side of the lifespan protocol (ASGI lifespan spec 2.0):
``lifespan.startup`` on enter, ``lifespan.shutdown`` on exit, with one state
dict shared with every request (``scope["state"]``).  An app that returns
without answering the startup message does not support lifespan, which the
spec allows; the driver then carries on without it, as uvicorn's
``--lifespan auto`` does.

A ``*.failed`` answer raises.  When the app is a ``sanic_asgi.ASGIApp`` the
exception is the one the Sanic listener raised (what ``app.run()`` raises on
Sanic's own server), else ``LifespanFailure`` with the server-side message.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from .._exceptions import LifespanFailure, UnexpectedMessage

if TYPE_CHECKING:
    from types import TracebackType

    from .._types import ASGIApplication, Message, Scope

__all__ = ["LifespanDriver"]


class LifespanDriver:
    """Drive the lifespan protocol of ``app``: ``async with LifespanDriver(app):``.

    Arguments:

    * ``app`` - any ASGI 3 application (``ASGIApp`` or middleware around it).
    * ``state`` - the lifespan state dict; a new one by default.  Copy it into
      the scopes of requests you build by hand (``scope["state"] = {**state}``).
    """

    def __init__(self, app: ASGIApplication, *, state: dict[str, Any] | None = None) -> None:
        self.app = app
        self.state: dict[str, Any] = {} if state is None else state
        self.supported = True
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LifespanDriver:
        await self.startup()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        self._task = asyncio.get_running_loop().create_task(self._run_app(scope))
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._next_message()
        if message is None:
            self.supported = False  # the app returned: no lifespan support
            return
        kind = message.get("type")
        if kind == "lifespan.startup.complete":
            return
        if kind == "lifespan.startup.failed":
            await self._finish_task()
            raise self._failure("startup", message)
        raise UnexpectedMessage(f"expected 'lifespan.startup.complete' or '.failed' from the app, got {kind!r}")

    async def shutdown(self) -> None:
        if not self.supported or self._task is None:
            return
        if self._task.done():
            # The app ended its lifespan task early: re-raise what it raised.
            self._task.result()
            return
        await self._to_app.put({"type": "lifespan.shutdown"})
        message = await self._next_message()
        await self._finish_task()
        if message is None:
            return
        kind = message.get("type")
        if kind == "lifespan.shutdown.failed":
            raise self._failure("shutdown", message)
        if kind != "lifespan.shutdown.complete":
            raise UnexpectedMessage(f"expected 'lifespan.shutdown.complete' or '.failed' from the app, got {kind!r}")

    # -- the app's receive/send ------------------------------------------
    async def _run_app(self, scope: Scope) -> None:
        await self.app(scope, self._receive, self._send)

    async def _receive(self) -> Message:
        return await self._to_app.get()

    async def _send(self, message: Message) -> None:
        await self._from_app.put(message)

    async def _next_message(self) -> Message | None:
        """The app's next message, or None if the app returned first."""
        task = self._task
        assert task is not None
        getter = asyncio.get_running_loop().create_task(self._from_app.get())
        try:
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            getter.cancel()
            raise
        if getter.done():
            return getter.result()
        getter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await getter
        task.result()  # raises what the app raised
        return None

    async def _finish_task(self) -> None:
        task = self._task
        if task is None:
            return
        if not task.done():
            # Spec: after *.failed or shutdown.complete the app should return;
            # do not wait on an app that keeps its task open.
            try:
                await asyncio.wait_for(asyncio.shield(task), 1.0)
            except asyncio.TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                return
        if not task.cancelled():
            exc = task.exception()
            if exc is not None and not isinstance(exc, Exception):
                raise exc

    def _failure(self, phase: str, message: Message) -> BaseException:
        original = _original_error(self.app, phase)
        if original is not None:
            return original
        return LifespanFailure(f"lifespan {phase} failed: {message.get('message', '')}")


def _original_error(app: Any, phase: str) -> BaseException | None:
    """The exception a Sanic listener raised, when ``app`` is our ``ASGIApp``."""
    from .._app import ASGIApp

    if isinstance(app, ASGIApp) and phase == "startup":
        return app.runtime.startup_error
    return None
