"""A small app for the command's tests: http, websocket, a start and a stop listener.

Its config comes from the environment (Sanic reads ``SANIC_*`` variables), so
a test varies KEEP_ALIVE_TIMEOUT or WEBSOCKET_MAX_SIZE without another app.
"""

from __future__ import annotations

import asyncio
import sys

from sanic import Request, Sanic
from sanic.response import json, text

app = Sanic("cli_basic")


@app.before_server_start
async def open_resources(app: Sanic) -> None:
    app.ctx.started = True


@app.after_server_stop
async def close_resources(app: Sanic) -> None:
    print("cli_basic: after_server_stop ran", file=sys.stderr, flush=True)


@app.get("/")
async def index(request: Request) -> object:
    return text("hello from cli_basic")


@app.get("/slow")
async def slow(request: Request) -> object:
    print("cli_basic: slow request started", file=sys.stderr, flush=True)
    await asyncio.sleep(float(request.args.get("seconds", "1")))  # the behaviour under test
    return text("slow done")


@app.get("/peer")
async def peer(request: Request) -> object:
    return json({"ip": request.ip, "remote_addr": request.remote_addr, "scheme": request.scheme})


@app.websocket("/echo")
async def echo(request: Request, ws: object) -> None:
    async for message in ws:  # type: ignore[attr-defined]
        await ws.send(message)  # type: ignore[attr-defined]


@app.get("/events")
async def events(request: Request) -> None:
    # A server-sent events stream that stays open until the client or the server ends it.
    stream = await request.respond(content_type="text/event-stream")
    await stream.send("data: first\n\n")
    print("cli_basic: events stream open", file=sys.stderr, flush=True)
    while True:
        await asyncio.sleep(0.1)  # a handler that waits (slow, hanging or idle): the behaviour under test
        await stream.send(": keep-alive\n\n")
