"""What every ecosystem test app shares: the event store and its route."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from sanic import Request, Sanic, response

EVENTS: defaultdict[str, list[Any]] = defaultdict(list)
STATIC = Path(__file__).resolve().parent.parent / "static"


def record(request: Request, event: Any) -> None:
    key = request.headers.get("x-key")
    if key:
        EVENTS[key].append(event)


def record_scope(scope: dict[str, Any], event: Any) -> None:
    for name, value in scope.get("headers", ()):
        if name == b"x-key":
            EVENTS[value.decode()].append(event)


def add_event_routes(app: Sanic[Any, Any]) -> None:
    @app.get("/events/<key>")
    async def events(request: Request, key: str) -> Any:
        return response.json(EVENTS.get(key, []))

    @app.get("/pid")
    async def pid(request: Request) -> Any:
        return response.json({"pid": os.getpid()})
