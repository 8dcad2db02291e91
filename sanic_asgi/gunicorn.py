"""A gunicorn config module: Sanic's main-process listeners, once, in gunicorn's arbiter.

Usage::

    gunicorn -c python:sanic_asgi.gunicorn -k asgi -w 2 module:asgi
    gunicorn -c python:sanic_asgi.gunicorn -k uvicorn_worker.UvicornWorker -w 2 module:asgi

where ``module.asgi`` is ``sanic_asgi.ASGIApp(app)``.  The arbiter (gunicorn's
main process) loads the app before it forks the workers, so they serve that
same object, and runs the listeners at the points where Sanic's own server
runs them::

    on_starting (before binding)       main_process_start
    when_ready  (before the workers)   main_process_ready
    ...workers: before_server_start ... after_server_stop...
    on_exit     (after the workers)    main_process_stop

The workers then skip those listeners (``sanic_asgi._main_process``).  Values
a listener puts in ``app.shared_ctx`` reach the workers by fork.

With a config file of your own, import the hooks into it and call them from
yours (gunicorn reads one config module)::

    # gunicorn.conf.py
    from sanic_asgi.gunicorn import on_exit, on_starting, when_ready  # noqa: F401

    workers = 2

    # or, with hooks of your own:
    import sanic_asgi.gunicorn

    def on_starting(server):
        sanic_asgi.gunicorn.on_starting(server)
        ...
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ._generations import Generation, detect
from ._main_process import claim_main_process

if TYPE_CHECKING:
    from ._app import ASGIApp

__all__ = ["on_exit", "on_starting", "when_ready"]

# gunicorn's python: config reads every attribute named like a setting;
# everything else here is private.

# Exit status when a main-process listener fails (gunicorn's own: 3, a worker
# failed to boot; 4, the app failed to load).
_STARTUP_FAILURE = 3


class _MainProcess:
    """The Sanic app as the arbiter runs it: its listeners on one event loop,
    kept (not running) between the hooks, as Sanic's main process keeps its."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.generation: Generation = detect(app)
        self.loop = asyncio.new_event_loop()

    def prepare(self) -> None:
        # Sanic's serve() sets up its logging and Sanic Extensions before
        # main_process_start (sanic-ext adds main-process listeners of its own).
        self.generation.setup_logging(self.app)
        self.generation.setup_extensions(self.app)

    def fire(self, event: str) -> None:
        self.loop.run_until_complete(self.generation.process_event(self.app, event))

    def close(self) -> None:
        self.loop.close()


_main: _MainProcess | None = None


def on_starting(server: Any) -> None:
    """Load the app in the arbiter and run ``main_process_start``."""
    global _main
    loaded = server.app.wsgi()  # loads it once: the forked workers serve this object
    target = _find_asgi_app(loaded)
    if target is None:
        server.log.error(
            "sanic_asgi.gunicorn: expected a sanic_asgi.ASGIApp as the application, got %s; "
            "wrap the Sanic app (asgi = ASGIApp(app)) and name that one on the command line (module:asgi)",
            type(loaded).__name__,
        )
        raise SystemExit(_STARTUP_FAILURE)
    _main = _MainProcess(target.app)
    try:
        _main.prepare()
        _main.fire("main_process_start")
    except Exception:
        server.log.exception("sanic_asgi.gunicorn: main_process_start of %r failed; not starting", target.app.name)
        _main.close()
        _main = None
        raise SystemExit(_STARTUP_FAILURE) from None
    claim_main_process()


def _find_asgi_app(loaded: Any) -> ASGIApp | None:
    """The ASGIApp itself, or inside ASGI middleware (which keeps the app it
    wraps as ``.app``, as Starlette's and ``sanic-asgi run``'s do)."""
    from . import ASGIApp

    for _ in range(16):
        if isinstance(loaded, ASGIApp):
            return loaded
        loaded = getattr(loaded, "app", None)
    return None


def when_ready(server: Any) -> None:
    """``main_process_ready``: the socket is bound, the workers start next."""
    if _main is None:
        return
    try:
        _main.fire("main_process_ready")
    except Exception:
        server.log.exception("sanic_asgi.gunicorn: main_process_ready of %r failed; stopping", _main.app.name)
        on_exit(server)
        raise SystemExit(_STARTUP_FAILURE) from None


def on_exit(server: Any) -> None:
    """``main_process_stop``, after every worker has stopped."""
    global _main
    if _main is None:
        return
    main, _main = _main, None
    try:
        main.fire("main_process_stop")
    except Exception:
        server.log.exception("sanic_asgi.gunicorn: main_process_stop of %r failed", main.app.name)
    finally:
        main.close()
