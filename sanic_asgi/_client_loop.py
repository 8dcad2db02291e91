"""The event loop a synchronous test client runs a request in.

Sanic's own sync clients (sanic-testing's ``SanicTestClient``; ``sanic.testing``
on 19.12/20.12) call ``app.run()``, which makes a new loop, sets it as the
thread's current loop, runs the server and closes the loop, *leaving it set*.
Test code written against them relies on that: after a client call,
``asyncio.get_event_loop()`` returns that (closed) loop instead of raising
"There is no current event loop" (sanic-jwt's fixtures do this).  So
``run_in_new_loop`` leaves its loop set too.

The loop keeps real time when the test freezes the clock.  freezegun (and
any ``mock.patch("time.monotonic")``) replaces ``time.monotonic``, which is
asyncio's loop clock: every timer then stays in the future, so
``asyncio.sleep(0.1)`` never returns (uvicorn's shutdown sleeps 0.1 s) and a
test that freezes time hangs.  Sanic's own server runs on uvloop, whose clock
is libuv's and does not freeze.  A loop made here reads a monotonic clock
taken when this module was imported, through a reference a clock patcher
does not see (freezegun rewrites module attributes that are the real
function, not closures).

Kept free of httpx and of ``sanic_asgi.testing``: ``_legacy_testing`` uses
it with the old httpx of Sanic 19.12/20.12.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Coroutine
from typing import Any, Callable, TypeVar

__all__ = ["new_client_loop", "run_in_new_loop"]

T = TypeVar("T")


def _real_clock_source() -> Callable[[], float]:
    # clock_gettime(CLOCK_MONOTONIC) is what time.monotonic() reads on Linux
    # and BSD, and no clock patcher replaces it; time.monotonic elsewhere,
    # bound here, once, at import.
    clock_gettime = getattr(time, "clock_gettime", None)
    clock_id = getattr(time, "CLOCK_MONOTONIC", None)
    if clock_gettime is not None and clock_id is not None:
        return lambda: clock_gettime(clock_id)
    monotonic = time.monotonic
    return lambda: monotonic()


_real_clock = _real_clock_source()


def new_client_loop() -> asyncio.AbstractEventLoop:
    """A new event loop (of the current policy) whose clock a frozen
    ``time.monotonic`` does not stop."""
    loop = asyncio.new_event_loop()
    if type(loop).time is asyncio.BaseEventLoop.time:
        # asyncio's own loops read time.monotonic() in BaseEventLoop.time();
        # other loops (uvloop) have a clock of their own.
        loop.time = _real_clock  # type: ignore[method-assign]
    return loop


def run_in_new_loop(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion in a new event loop, as ``app.run()``
    does; in a worker thread if this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        running = False
    else:
        running = True
    if not running:  # (outside the except block: no exception context leaks into the app)
        return _run(factory)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sanic-asgi-test-client") as pool:
        return pool.submit(_run, factory).result()


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    loop = new_client_loop()
    # Set, and left set once closed, as app.run() leaves its loop (see above).
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(factory())
    finally:
        try:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            with contextlib.suppress(NotImplementedError):
                # uvloop before 0.15 (Sanic 19.12's pins) has no default-executor shutdown.
                loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """What ``asyncio.run`` does with tasks left over when its coroutine ends."""
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            context = {"message": "unhandled exception in a task at test client shutdown", "task": task}
            loop.call_exception_handler({**context, "exception": task.exception()})
