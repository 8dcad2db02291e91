"""daphne started by itself: Sanic's shutdown sequence when daphne stops.

``daphne module:asgi`` sends no lifespan events, so the app starts lazily, on
its first request (``_app``).  When daphne stops (SIGTERM, SIGINT), Twisted
runs its "before shutdown" system event triggers before it stops the loop;
daphne registers one, ``Server.kill_all_applications``, which cancels every
application instance still running: requests in flight die at once and
nothing runs Sanic's shutdown listeners.

Once the app has started lazily under daphne, ``stop_with_daphne`` replaces
that trigger with one that runs the app's shutdown first
(``before_server_stop``, the drain of requests in flight for
``GRACEFUL_SHUTDOWN_TIMEOUT``, ``after_server_stop``, ``main_process_stop``)
and then daphne's own cancel of whatever is left: the order
``sanic-asgi run --server daphne`` gives by subclassing daphne's ``Server``
(``_cli/runners.py``).

daphne's ``Server`` is the one behind the ``send`` callable it hands to the
app, ``functools.partial(server.handle_reply, protocol)`` (daphne 2 to 4).
Its trigger is removed by the ID Twisted gave it, ``(event, (phase,
callable, args, kwargs))`` (``ReactorBase.addSystemEventTrigger``); daphne
does not keep that ID, so it is rebuilt.  When that fails (a second app in
the same daphne did it first, or another Twisted), the shutdown trigger is
added all the same: the listeners run, and daphne cancels requests in flight
as it always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable
from typing import Any, Callable

__all__ = ["daphne_server", "stop_with_daphne"]


def daphne_server(send: Any) -> Any | None:
    """The daphne ``Server`` that passed ``send`` to the app, if one did."""
    if "daphne.server" not in sys.modules:
        return None
    from daphne.server import Server  # type: ignore[import-untyped]

    server = getattr(getattr(send, "func", None), "__self__", None)
    return server if isinstance(server, Server) else None


def stop_with_daphne(send: Any, stop: Callable[[], Awaitable[None]]) -> bool:
    """Run ``stop`` when the daphne behind ``send`` stops, before it cancels
    the requests in flight.  False when ``send`` is not daphne's."""
    server = daphne_server(send)
    if server is None:
        return False
    from twisted.internet import defer
    from twisted.internet import reactor as twisted_reactor

    # Typed as the IReactorCore interface (whose methods mypy binds wrongly).
    reactor: Any = twisted_reactor
    kill: Callable[[], Any] | None = server.kill_all_applications
    try:
        reactor.removeSystemEventTrigger(("shutdown", ("before", kill, (), {})))
    except (KeyError, ValueError, TypeError):
        kill = None

    async def stop_quietly() -> None:
        # AppRuntime.stop logs every listener's error before it raises the first.
        with contextlib.suppress(Exception):
            await stop()

    def before_shutdown() -> defer.Deferred[Any]:
        stopped = defer.Deferred.fromFuture(asyncio.ensure_future(stop_quietly()))
        if kill is not None:
            stopped.addCallback(lambda _: kill())
        return stopped

    reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)
    return True
