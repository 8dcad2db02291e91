"""The application each worker of ``sanic-asgi run -w N`` serves:
``sanic_asgi._cli._worker_target:asgi`` (``workers.WORKER_IMPORT_STRING``).

The ``ASGIApp`` of ``_target``, which tells Sanic's worker manager that the
worker is up when its lifespan startup completes (``workers.AckOnStartup``).
"""

from __future__ import annotations

from .loader import build_from_environment
from .workers import AckOnStartup, sanic_app_from_environment

__all__ = ["asgi"]

asgi = AckOnStartup(build_from_environment(), sanic_app_from_environment())
