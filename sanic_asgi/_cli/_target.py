"""The application ``sanic-asgi run`` hands to the server: ``sanic_asgi._cli._target:asgi``.

Servers import their application by name, in the process that serves it:
uvicorn's and hypercorn's worker processes and granian's workers import it
afresh.  So the command puts what the user gave it (the target, ``--factory``,
the directory it was run from, the ``ASGIApp`` options and the config values
given on the command line) into the environment variable ``TARGET_ENV`` as
JSON (``loader.encode_target``), and importing this module builds the
``ASGIApp`` from it.  In the command's own process the target is already
loaded (``loader`` caches it), so a single-process server serves the very app
object the command inspected.
"""

from __future__ import annotations

from .loader import build_from_environment

__all__ = ["asgi"]

asgi = build_from_environment()
