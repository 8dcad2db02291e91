"""Supervision of a running handler: disconnects, RESPONSE_TIMEOUT, cancellation.

Sanic's server cancels a request's task when the client leaves
(``connection_lost``) and when ``RESPONSE_TIMEOUT`` passes without I/O
(``check_timeouts``, answered with 503).  Under ASGI the client's leaving
shows as ``http.disconnect`` from ``receive()``, so once the request body has
ended a watcher task waits on ``receive()`` for it; HTTP/2 and 3 (and scopes
with no framing headers) announce no body, so there the first
``http.request`` is read ahead to learn whether the body has already ended.
The timeout is an idle timer reset by every body chunk and send.

Neither can act while a step of the handler runs, and most handlers finish
in their first step, so a ``Supervisor`` is made only for a handler still
running after it.  ``run_handler`` runs the handler by one of two
strategies, picked once, at import:

* Python 3.11+ (``_run_inline``): the handler runs in the server's own task,
  as Sanic's handlers run in its connection task.  The first step is taken by
  hand; a disconnect or a timeout cancels the server's task, and the
  cancellation is taken back (``Task.uncancel``) once handled, so the
  server's code after us never sees it.  A cancellation that is not ours
  (the server's) leaves ``cancelling()`` above zero and goes on up.
* Before 3.11 (``_run_in_task``) a cancellation cannot be taken back, so the
  handler runs in a task of its own, which is what gets cancelled.  A
  cancellation of the server's task (its shutdown, a lost connection) is
  recorded (``server_cancelling``, what ``Task.cancelling()`` tells from
  3.11) and forwarded into the handler's task, so both strategies end a
  request the same way.
"""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import Awaitable, Coroutine, Generator, Mapping
from time import monotonic
from typing import TYPE_CHECKING, Any, Protocol

from sanic.log import error_logger, logger

from ._exceptions import UnexpectedMessage
from ._generations._names import Stage

if TYPE_CHECKING:
    from ._types import Message, Receive

__all__ = ["DISCONNECT", "TIMEOUT", "SupervisedCycle", "Supervisor", "run_handler"]


class _Timeouts(Protocol):
    response_timeout: float


class SupervisedCycle(Protocol):
    """What the supervisor uses of the cycle it watches (``SupervisedCycle``)."""

    stage: Stage
    request_body: bool
    reading_body: bool
    last_io: float
    supervisor: Supervisor | None

    @property
    def runtime(self) -> _Timeouts: ...
    @property
    def asgi_receive(self) -> Receive: ...
    def mark_disconnected(self) -> None: ...
    def body_unannounced(self) -> bool: ...
    def is_closing(self) -> bool: ...


# Why the supervisor cancelled the handler (Supervisor.reason).
DISCONNECT = "disconnect"
TIMEOUT = "timeout"
# Task.uncancel() (3.11+) lets a handler run inline in the server's task.
INLINE = sys.version_info >= (3, 11)


class Supervisor:
    """Watches one handler that is still running after its first step:
    the disconnect watcher, a read-ahead of the first body message, the
    ``RESPONSE_TIMEOUT`` timer, and the cancellations they make."""

    __slots__ = ("cycle", "peek", "reason", "server_cancelling", "stepped", "task", "timer", "watcher")

    def __init__(self, cycle: SupervisedCycle, task: asyncio.Task[Any] | None) -> None:
        self.cycle = cycle
        # The task to cancel: the server's (inline) or the handler's own;
        # None once the handler is over.
        self.task = task
        # DISCONNECT or TIMEOUT while a cancellation of ours is pending.
        self.reason: str | None = None
        # Before 3.11: the server cancelled our task (_run_in_task forwards it).
        self.server_cancelling = False
        self.stepped = False
        self.timer: asyncio.TimerHandle | None = None
        self.watcher: asyncio.Task[None] | None = None
        # The first http.request, read ahead (HTTP/2 and 3): read() takes it.
        self.peek: asyncio.Task[Message] | None = None

    def start(self) -> None:
        """After the handler's first step: watch for the disconnect (or read
        ahead to learn whether the body has ended), and arm the timer."""
        self.stepped = True
        task = self.task
        if task is None or task.done():
            return
        cycle = self.cycle
        if not cycle.request_body:
            self.start_watcher()
        elif cycle.body_unannounced() and not cycle.reading_body:
            # (Not once read() has started: two receive() calls must never wait at once.)
            self.peek = asyncio.get_running_loop().create_task(self._peek_first_message())
        self._arm_timer()

    def start_watcher(self) -> None:
        """The body has ended: wait for ``http.disconnect`` from now on."""
        task = self.task
        if self.stepped and self.watcher is None and task is not None and not task.done():
            self.watcher = asyncio.get_running_loop().create_task(self._watch_disconnect())

    def cancel(self, reason: str) -> None:
        """Cancel the handler (if it is still answering) for ``reason``."""
        task = self.task
        if task is not None and not task.done() and self.cycle.stage is not Stage.IDLE:
            self.reason = reason
            task.cancel()

    def take_back(self) -> bool:
        """Forget a cancellation of ours (3.11+: ``Task.uncancel``); True if
        the task is still being cancelled (by the server)."""
        self.reason = None
        task = self.task
        if INLINE and task is not None:
            task.uncancel()
        return self.server_cancelled()

    def server_cancelled(self) -> bool:
        """Is the server cancelling the handler (not us, not the handler
        raising CancelledError itself)?"""
        if not INLINE:
            return self.server_cancelling
        task = self.task
        return task is not None and task.cancelling() > 0

    def forget_server_cancel(self) -> None:
        """The server's cancellation was handled (a started stream it gave up
        on): 3.11+ takes it back so the server's code after us never sees it;
        before 3.11 the handler's task simply ends."""
        task = self.task
        if INLINE and task is not None:
            task.uncancel()

    def close(self) -> None:
        """The handler is over: take back a cancellation it swallowed, and
        stop the timer, the watcher and a read-ahead."""
        if self.reason is not None:
            self.take_back()
        self.task = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        for helper in (self.watcher, self.peek):
            if helper is not None and not helper.done():
                helper.cancel()
        self.watcher = self.peek = None

    async def _watch_disconnect(self) -> None:
        while True:
            message = await self.cycle.asgi_receive()
            if not isinstance(message, Mapping):
                # A server error, in a task nobody awaits: log it and stop
                # watching rather than end the task with an exception.
                error_logger.error(f"{UnexpectedMessage.__name__}: expected 'http.disconnect', got {message!r:.200}")
                return
            if message.get("type") == "http.disconnect":
                break
        self.cycle.mark_disconnected()
        self.cancel(DISCONNECT)

    async def _peek_first_message(self) -> Message:
        """If the request has no body after all, the disconnect watcher can
        start now (else a streaming handler that never reads the body, an SSE
        stream, would never learn that its client left)."""
        cycle = self.cycle
        message = await cycle.asgi_receive()
        kind = message.get("type")
        if kind == "http.request" and not message.get("more_body", False) and not message.get("body"):
            cycle.request_body = False
            self.start_watcher()
        elif kind == "http.disconnect":
            cycle.mark_disconnected()
            self.cancel(DISCONNECT)
        return message

    def _arm_timer(self) -> None:
        """Start the RESPONSE_TIMEOUT idle timer, counting from the last I/O."""
        timeout = self.cycle.runtime.response_timeout
        if timeout and timeout > 0:
            delay = max(0.0, timeout - (monotonic() - self.cycle.last_io))
            self.timer = asyncio.get_running_loop().call_later(delay, self._check_timeout)

    def _check_timeout(self) -> None:
        self.timer = None
        task = self.task
        if task is None or task.done() or self.cycle.stage is Stage.IDLE:
            return
        timeout = self.cycle.runtime.response_timeout
        idle = monotonic() - self.cycle.last_io
        if idle < timeout:
            self.timer = asyncio.get_running_loop().call_later(timeout - idle, self._check_timeout)
            return
        logger.debug("Response Timeout. Closing connection.")
        self.cancel(TIMEOUT)


def _run_inline(cycle: SupervisedCycle, handling: Coroutine[Any, Any, None]) -> Awaitable[None] | None:
    """Python 3.11+: the handler in the server's task.  Its first step is
    taken here, by hand: most handlers finish in it, and then there is
    nothing to supervise and nothing to await (None)."""
    try:
        yielded = handling.send(None)
    except StopIteration:
        return None
    return _supervise_inline(cycle, handling, yielded)


async def _supervise_inline(cycle: SupervisedCycle, handling: Coroutine[Any, Any, None], yielded: Any) -> None:
    """The rest of a handler that did not finish in its first step."""
    task = asyncio.current_task()
    assert task is not None
    supervisor = cycle.supervisor = Supervisor(cycle, task)
    supervisor.start()
    try:
        await _resume(handling, yielded)
    except asyncio.CancelledError:
        # Raised from the error page's own send, or a server's cancel.
        if supervisor.reason is not None:
            supervisor.take_back()
        if not cycle.is_closing() or task.cancelling() > 0:
            raise
    finally:
        supervisor.close()


def _run_in_task(cycle: SupervisedCycle, handling: Coroutine[Any, Any, None]) -> Awaitable[None] | None:
    """Before Python 3.11: the handler in a task of its own (``_await_task``)."""
    return _await_task(cycle, handling)


async def _await_task(cycle: SupervisedCycle, handling: Coroutine[Any, Any, None]) -> None:
    """The handler in a task of its own, supervised once it has taken its
    first step.

    The task is waited for (``asyncio.wait``, which never raises the task's
    own cancellation), so a CancelledError here is the server's: recorded
    and forwarded into the handler.  The call then ends as the handler's task
    ends, as on 3.11: cancelled (the cancellation goes on up), or normally
    when the cancellation was handled (a started stream, ended with one INFO
    line)."""
    loop = asyncio.get_running_loop()
    task = loop.create_task(handling)
    supervisor = cycle.supervisor = Supervisor(cycle, task)
    loop.call_soon(supervisor.start)
    try:
        try:
            await asyncio.wait((task,))
        except asyncio.CancelledError:
            if task.done():
                raise
            supervisor.server_cancelling = True
            task.cancel()
            await asyncio.wait((task,))
        else:
            if task.cancelled() and cycle.is_closing():
                return  # ended by our cancel: the expected end when the client is gone
        task.result()  # its CancelledError, or its error, goes on up
    finally:
        supervisor.close()


# The strategy, picked once: run_handler(cycle, handling) returns what is
# left to await, or None when the handler is already done.
run_handler = _run_inline if INLINE else _run_in_task


@types.coroutine
def _resume(coro: Coroutine[Any, Any, None], yielded: Any) -> Generator[Any, Any, None]:
    """Await ``coro`` from where a step taken by hand (``coro.send(None)``,
    which returned ``yielded``) left it: what ``await coro`` would have done
    from the start.  What the task throws in (a cancellation) goes into
    ``coro``."""
    while True:
        try:
            yield yielded
        except BaseException as exc:
            try:
                yielded = coro.throw(exc)
            except StopIteration:
                return
        else:
            yield from coro
            return
