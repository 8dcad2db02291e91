"""Extension features that need Sanic's worker manager, and what they do under ASGI.

Sanic's own server runs a main process with a worker manager
(``app.manager``), a multiplexer in each worker (``app.m``) and
``app.shared_ctx`` shared between them.  Under ASGI the server owns the
processes and none of these exist.  sanic-ext builds two features on them,
both off by default (``sanic_ext.config.Config``):

* the **health monitor** (``HEALTH=True``, ``HEALTH_MONITOR=True``): a
  ``main_process_start`` listener puts a multiprocessing queue into
  ``app.shared_ctx``, a ``main_process_ready`` listener hands a monitor
  process to ``app.manager.manage``, and every worker reports to it;
* the **background logger** (``LOGGING=True``): the same two listeners start
  a logging process fed through ``app.shared_ctx.logger_queue``, and a
  ``before_server_start`` listener points Sanic's loggers at that queue;
* with ``HEALTH_ENDPOINT=True`` the ``/__health__`` route lists the workers
  from ``request.app.m.workers``.

Under sanic-asgi the listeners run in each worker (``_runtime``), and the
first one that reaches for the manager raises ("Can only access the manager
from the main process"; under hypercorn, whose workers are daemonic
processes, starting the feature's process fails first): lifespan startup
fails.  ``STARTUP_FAILURE`` says what each server then does,
as measured with sanic-ext 25.12 (a one-route app with ``HEALTH=True``, then
``LOGGING=True``, under each server's own CLI and ``sanic-asgi run``).
These are pure functions of the app's config; ``doctor`` adds the error its
own trial start met.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["STARTUP_FAILURE", "Gap", "manager_gaps"]

# What each server does when lifespan startup fails (measured, sanic-ext 25.12).
STARTUP_FAILURE = {
    "uvicorn": "uvicorn logs 'Application startup failed' and exits (status 3; with --workers, each worker does)",
    "hypercorn": "hypercorn logs a LifespanFailureError and exits",
    "granian": "granian's worker exits and granian stops (status 1)",
    "daphne": "`sanic-asgi run` exits with status 3; under a bare `daphne` every request answers 503",
    "gunicorn": "gunicorn's worker exits with status 3 and gunicorn stops ('Worker failed to boot')",
}

# sanic-ext's defaults (sanic_ext/config.py) for the settings read here.
_DEFAULTS = {"HEALTH": False, "HEALTH_MONITOR": True, "HEALTH_ENDPOINT": False, "LOGGING": False}


@dataclass(frozen=True)
class Gap:
    subject: str
    message: str
    action: str
    fails_startup: bool


def manager_gaps(config: Mapping[str, Any], server: str) -> list[Gap]:
    """sanic-ext features the app turned on that need Sanic's worker manager
    (``config``: the app's config once sanic-ext has set up)."""

    def setting(key: str) -> bool:
        return bool(config.get(key, _DEFAULTS[key]))

    failure = STARTUP_FAILURE.get(server, "the server reports the failed startup")
    gaps = []
    if setting("HEALTH") and setting("HEALTH_MONITOR"):
        gaps.append(
            Gap(
                "HEALTH_MONITOR",
                "HEALTH=True with HEALTH_MONITOR=True: sanic-ext's health monitor is a process of Sanic's worker "
                "manager (app.manager, app.shared_ctx), which does not exist under ASGI: lifespan startup fails "
                f"and the app is never served; {failure}",
                "set HEALTH_MONITOR=False (or HEALTH=False); the server restarts dead workers itself (uvicorn "
                "--workers, gunicorn, granian), and a load balancer or orchestrator can probe a route of yours",
                fails_startup=True,
            )
        )
    if setting("HEALTH") and setting("HEALTH_ENDPOINT"):
        gaps.append(
            Gap(
                "HEALTH_ENDPOINT",
                "HEALTH_ENDPOINT=True: sanic-ext's health route lists Sanic's worker processes "
                "(request.app.m.workers); under ASGI there are none and it answers 500 on every server",
                "set HEALTH_ENDPOINT=False and serve a health route of your own",
                fails_startup=False,
            )
        )
    if setting("LOGGING"):
        gaps.append(
            Gap(
                "LOGGING",
                "LOGGING=True: sanic-ext's background logger is a process of Sanic's worker manager fed through "
                "app.shared_ctx, which does not exist under ASGI: lifespan startup fails and the app is never "
                f"served; {failure}",
                "set LOGGING=False: Sanic's loggers then write from each worker, as the server's own logs do "
                "(or attach a logging.handlers.QueueHandler of your own)",
                fails_startup=True,
            )
        )
    return gaps
