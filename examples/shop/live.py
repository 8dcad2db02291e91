"""Push to the client: server-sent events and a websocket echo."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sanic import Blueprint, Request
from sanic.exceptions import BadRequest
from sanic.log import logger

live = Blueprint("live", url_prefix="/live")


@live.get("/events")
async def events(request: Request) -> None:
    """``text/event-stream``: one ``tick`` event per ``interval`` seconds,
    ``count`` of them (0: until the client goes away).  When the client
    disconnects the adapter cancels this handler, as Sanic's server does, so
    the ``finally`` block runs."""
    try:
        count = int(request.args.get("count", "0"))
        interval = float(request.args.get("interval", "1.0"))
    except ValueError:
        raise BadRequest("count must be an integer and interval a number") from None
    if count < 0 or interval < 0:
        raise BadRequest("count and interval must be >= 0")

    response = await request.respond(
        content_type="text/event-stream; charset=utf-8",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
    sent = 0
    try:
        while True:
            sent += 1
            data = json.dumps({"tick": sent})
            await response.send(f"id: {sent}\nevent: tick\ndata: {data}\n\n")
            if count and sent >= count:
                break
            await asyncio.sleep(interval)
        await response.eof()
    finally:
        logger.info("events: sent %d event(s) to %s", sent, request.client_ip or "?")


@live.websocket("/echo")
async def echo(request: Request, ws: Any) -> None:
    """Echo every message back, text as text and bytes as bytes."""
    async for message in ws:
        await ws.send(message)
