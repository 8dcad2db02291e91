"""A user's own gunicorn config file, combined with sanic_asgi.gunicorn as the
README shows (gunicorn reads one config file)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sanic_asgi.gunicorn
from sanic_asgi.gunicorn import on_exit, when_ready  # noqa: F401

workers = 2


def on_starting(server: Any) -> None:
    sanic_asgi.gunicorn.on_starting(server)
    with Path(os.environ["SANIC_ASGI_TEST_EVENTS"]).open("a") as events:
        events.write(f"user_on_starting {os.getpid()}\n")
