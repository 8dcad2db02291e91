"""Start an app once in-process, as an ASGI server's lifespan would, and stop it.

Extensions add routes while the app starts, not when it is imported:
sanic-ext (which Sanic loads into every app when it is installed, in
``app._startup``) adds its ``/docs`` blueprint when it is set up and the
automatic HEAD and OPTIONS routes in a ``before_server_start`` listener.
Predicting that would mean copying each extension's rules, so ``doctor``
runs the startup itself: ``lifespan.startup`` then ``lifespan.shutdown``
through ``ASGIApp``, with the same driver ``sanic-asgi run`` uses for daphne,
on a loop of its own and no socket.  Whatever the app prints meanwhile (Sanic's
and sanic-ext's startup logs) is captured at the file-descriptor level, so that
``doctor --json`` writes nothing but JSON; the tail of it is kept for a
failure.

The routes stay registered after the stop (the runtime resets the routers
only), so the report lists them; ``routes_before`` tells which were added.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .runners import LifespanDriver

if TYPE_CHECKING:
    from .. import ASGIApp
    from .._types import SanicApp

__all__ = ["RouteKey", "Trial", "route_key", "start_and_stop"]

RouteKey = tuple[str, tuple[str, ...], str]

# Lines of captured output kept with a failure.
_TAIL = 20


@dataclass
class Trial:
    """What happened when the app was started and stopped in-process."""

    routes_before: set[RouteKey] = field(default_factory=set)
    started: bool = False
    error: str = ""  # what failed, "" when the start and the stop went through
    output: str = ""  # the tail of what the app printed, kept when something failed


def route_key(route: Any) -> RouteKey:
    """What tells a route apart from the others (its object may be replaced
    when routers are rebuilt)."""
    path = str(getattr(route, "path", None) or getattr(route, "uri", ""))
    return ("/" + path.lstrip("/"), tuple(sorted(route.methods)), str(route.name))


def start_and_stop(app: SanicApp, asgi: ASGIApp | None = None, *, timeout: float = 30.0) -> Trial:
    """Run lifespan startup and shutdown of ``asgi`` (``ASGIApp(app)`` when
    None), each bounded by ``timeout`` seconds."""
    from .. import ASGIApp

    trial = Trial(routes_before={route_key(r) for r in app.router.routes})
    served = asgi if asgi is not None else ASGIApp(app)
    with _captured_output() as read_output:
        try:
            asyncio.run(_lifespan(served, trial, timeout))
        except Exception as exc:  # a failure is the finding, not doctor's crash
            trial.error = trial.error or f"{type(exc).__name__}: {exc}"
        output = read_output()
    if trial.error:
        trial.output = "\n".join(output.strip().splitlines()[-_TAIL:])
    return trial


async def _lifespan(asgi: ASGIApp, trial: Trial, timeout: float) -> None:
    driver = LifespanDriver(asgi)
    try:
        failure = await asyncio.wait_for(driver.startup(), timeout)
    except asyncio.TimeoutError:
        trial.error = f"startup did not finish within {timeout:g}s (a listener waits for something)"
        return
    if failure is not None:
        trial.error = failure
        return
    trial.started = True
    try:
        await asyncio.wait_for(driver.shutdown(), timeout)
    except asyncio.TimeoutError:
        trial.error = f"shutdown did not finish within {timeout:g}s (a listener waits for something)"


@contextlib.contextmanager
def _captured_output() -> Iterator[Any]:
    """Send file descriptors 1 and 2 to a temporary file meanwhile; yields a
    function that reads what was written."""
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved = []
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        try:
            for fd in (1, 2):
                saved.append((fd, os.dup(fd)))
                os.dup2(sink.fileno(), fd)
        except OSError:  # no such descriptors (an embedded interpreter): leave output alone
            pass

        def read() -> str:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            sink.seek(0)
            return sink.read().decode("utf-8", "replace")

        try:
            yield read
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)
