"""Which process runs Sanic's main-process listeners.

On Sanic's own server ``main_process_start`` / ``main_process_ready`` /
``main_process_stop`` run once, in the process that supervises the workers.
Under a plain ASGI server every worker runs them (``_runtime``).  When a
supervisor runs them itself (gunicorn's arbiter with ``sanic_asgi.gunicorn``)
it says so in the environment its workers inherit: ``SANIC_ASGI_MAIN_PROCESS``
holds its PID, and a worker whose parent has that PID leaves the listeners to
it.  Comparing with the parent PID keeps the mark from reaching grandchildren
(a subprocess a handler starts, a second server started from a worker).
"""

from __future__ import annotations

import os

__all__ = ["MAIN_PROCESS_ENV", "claim_main_process", "main_process_elsewhere"]

MAIN_PROCESS_ENV = "SANIC_ASGI_MAIN_PROCESS"


def claim_main_process() -> None:
    """Mark this process as the one running the main-process listeners, for
    the workers it starts from now on."""
    os.environ[MAIN_PROCESS_ENV] = str(os.getpid())


def main_process_elsewhere() -> bool:
    """True in a worker whose parent runs the main-process listeners."""
    return os.environ.get(MAIN_PROCESS_ENV) == str(os.getppid())
