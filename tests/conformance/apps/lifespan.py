"""An app whose listeners write their order into a file.

Environment (set by the test that starts the server):

* ``CONFORMANCE_RECORD`` - the file each listener and the handler append a line to.
* ``CONFORMANCE_FAIL``   - the name of a listener event whose listener raises
  ``RuntimeError("listener exploded in <event>")``.

Listeners are registered with priorities and in an order where Sanic's rules
(higher priority first; stop events in reverse) give a different sequence
from registration order.  ``SANIC_SERVER_ORDER`` is what Sanic's own server
runs (checked once against ``app.run()`` of Sanic 25.12 with one worker).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from sanic import Request, Sanic, response

from sanic_asgi import ASGIApp

SANIC_SERVER_ORDER = [
    "main_process_start",
    "before_server_start:high",
    "before_server_start:low",
    "before_server_start:second",
    "after_server_start:high",
    "after_server_start:low",
    "main_process_ready",
    "request",
    "before_server_stop:second",
    "before_server_stop:first",
    "before_server_stop:high",
    "after_server_stop:second",
    "after_server_stop:first",
    "main_process_stop",
]


def record(line: str) -> None:
    path = os.environ.get("CONFORMANCE_RECORD")
    if path:
        with Path(path).open("a", encoding="utf-8") as f:
            f.write(line + "\n")


def listener(name: str) -> Callable[[Sanic[Any, Any]], Any]:
    event = name.split(":")[0]

    async def run(app: Sanic[Any, Any]) -> None:
        record(name)
        if os.environ.get("CONFORMANCE_FAIL") == event and name.endswith((event, ":low", ":first")):
            raise RuntimeError(f"listener exploded in {event}")

    run.__name__ = name.replace(":", "_")
    return run


def build(name: str) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.main_process_start(listener("main_process_start"))
    app.main_process_ready(listener("main_process_ready"))
    app.main_process_stop(listener("main_process_stop"))
    app.before_server_start(listener("before_server_start:low"), priority=0)
    app.before_server_start(listener("before_server_start:high"), priority=10)
    app.before_server_start(listener("before_server_start:second"))
    app.after_server_start(listener("after_server_start:low"))
    app.after_server_start(listener("after_server_start:high"), priority=5)
    app.before_server_stop(listener("before_server_stop:first"))
    app.before_server_stop(listener("before_server_stop:second"))
    app.before_server_stop(listener("before_server_stop:high"), priority=5)
    app.after_server_stop(listener("after_server_stop:first"))
    app.after_server_stop(listener("after_server_stop:second"))

    @app.get("/record")
    async def handler(request: Request) -> response.HTTPResponse:
        record("request")
        return response.text("recorded")

    return app


ours = ASGIApp(build("lifespan_ours"))
native = build("lifespan_native")
