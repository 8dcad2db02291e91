"""An app that writes every listener run to the file in $SANIC_ASGI_TEST_EVENTS,
one line each: ``<event> <pid>`` (a worker line adds what it sees in
``app.shared_ctx``)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from pathlib import Path

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from sanic_asgi import ASGIApp

app = Sanic("process_model")


def record(event: str, extra: str = "") -> None:
    with Path(os.environ["SANIC_ASGI_TEST_EVENTS"]).open("a") as events:
        events.write(f"{event} {os.getpid()}{extra}\n")


@app.main_process_start
async def main_start(app: Sanic) -> None:
    app.shared_ctx.value = multiprocessing.Value("i", 42)
    app.shared_ctx.queue = multiprocessing.Queue()
    app.shared_ctx.queue.put("from main")
    record("main_process_start")


@app.main_process_ready
async def main_ready(app: Sanic) -> None:
    record("main_process_ready")


@app.main_process_stop
async def main_stop(app: Sanic) -> None:
    record("main_process_stop")


@app.before_server_start
async def before_start(app: Sanic) -> None:
    app.ctx.stopping = asyncio.Event()
    record("before_server_start")


@app.after_server_start
async def after_start(app: Sanic) -> None:
    value = getattr(app.shared_ctx, "value", None)
    record("after_server_start", f" shared={value.value if value is not None else None}")


@app.before_server_stop
async def before_stop(app: Sanic) -> None:
    record("before_server_stop")
    app.ctx.stopping.set()


@app.after_server_stop
async def after_stop(app: Sanic) -> None:
    record("after_server_stop")


@app.get("/")
async def index(request: Request) -> HTTPResponse:
    return json({"pid": os.getpid()})


@app.get("/held")
async def held(request: Request) -> HTTPResponse:
    # In flight until shutdown begins: answered only if the server drains it.
    record("held")
    await request.app.ctx.stopping.wait()
    return json({"released": True})


@app.get("/until-released")
async def until_released(request: Request) -> HTTPResponse:
    # In flight until the test creates the file named in $SANIC_ASGI_TEST_RELEASE.
    record("until_released")
    release = os.environ["SANIC_ASGI_TEST_RELEASE"]
    # The signal comes from another process (the test): a file, polled.
    while not os.path.exists(release):  # noqa: ASYNC110, ASYNC240
        await asyncio.sleep(0.02)
    return json({"released": True})


@app.get("/queue")
async def queue(request: Request) -> HTTPResponse:
    # The Queue set in main_process_start: a worker takes the item and puts it back.
    item = request.app.shared_ctx.queue.get(timeout=5)
    request.app.shared_ctx.queue.put(item)
    return json({"item": item, "pid": os.getpid()})


asgi = ASGIApp(app)
# Not an ASGIApp: sanic_asgi.gunicorn refuses it.
bare = app
