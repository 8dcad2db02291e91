"""Fixtures of the process-model tests: the ``cli`` fixture of ``tests/cli``
(``sanic-asgi`` in its own process group, stopped by PID at teardown)."""

from __future__ import annotations

from tests.cli.conftest import cli

__all__ = ["TIMEOUT", "cli"]

# Bound on every wait: workers are spawned processes that import the app
# afresh (Sanic's default start method), slow on a loaded 2-core machine.
TIMEOUT = 30.0
