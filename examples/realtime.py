"""Server-sent events and a websocket chat, with a page that uses both.

Run it from the repository root with any ASGI server::

    uvicorn examples.realtime:asgi
    hypercorn examples.realtime:asgi
    granian --interface asgi examples.realtime:asgi

then open http://127.0.0.1:8000/ in a browser (two tabs make a chat).

* ``GET /`` - the page (``examples/realtime_static/index.html``): an
  ``EventSource`` on ``/clock`` and a ``WebSocket`` on ``/chat``.
* ``GET /clock`` - ``text/event-stream``: a ``tick`` event every ``interval``
  seconds (default 1).  Each event has an ``id``, so a reconnecting
  ``EventSource`` resumes where it stopped (``Last-Event-ID``).  When the
  client goes away the adapter cancels the handler, as Sanic's own server
  does, and its ``finally`` block runs.
* ``WS /chat?name=...`` - every message a member sends goes to every member,
  as JSON ``{"from": ..., "text": ...}``; joins and leaves are announced by
  ``"from": "server"``.  The announcements are sent by a background task
  (``app.add_task``), so a slow member never holds up the one who joined.

Nothing here is specific to ASGI: ``sanic examples.realtime:app`` serves the
same app on Sanic's own server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sanic import Request, Sanic, Websocket
from sanic.exceptions import BadRequest
from sanic.response import HTTPResponse, file

from sanic_asgi import ASGIApp

STATIC = Path(__file__).resolve().parent / "realtime_static"

app = Sanic("realtime")
app.ctx.members = {}  # Websocket -> name
app.ctx.guests = itertools.count(1)


@app.get("/")
async def index(request: Request) -> HTTPResponse:
    return await file(STATIC / "index.html", mime_type="text/html; charset=utf-8")


@app.get("/clock")
async def clock(request: Request) -> None:
    try:
        interval = float(request.args.get("interval", "1.0"))
        start = int(request.headers.get("last-event-id", "0")) + 1
    except ValueError:
        raise BadRequest("interval must be a number and Last-Event-ID an integer") from None
    if not 0.05 <= interval <= 60:
        raise BadRequest("interval must be between 0.05 and 60 seconds")

    response = await request.respond(
        content_type="text/event-stream; charset=utf-8",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
    try:
        # The page's EventSource reconnects after `retry` ms if the stream breaks.
        await response.send("retry: 2000\n\n")
        for n in itertools.count(start):
            now = datetime.now(timezone.utc).strftime("%H:%M:%S")
            await response.send(f"id: {n}\nevent: tick\ndata: {json.dumps({'n': n, 'time': now})}\n\n")
            await asyncio.sleep(interval)
    finally:
        # Runs when the client leaves: the adapter cancels this handler.
        app.ctx.clock_streams_closed = getattr(app.ctx, "clock_streams_closed", 0) + 1


async def broadcast(payload: dict[str, Any]) -> None:
    message = json.dumps(payload)
    for ws in list(app.ctx.members):
        try:
            await ws.send(message)
        except Exception:  # that member is gone; its handler cleans up
            app.ctx.members.pop(ws, None)


@app.websocket("/chat")
async def chat(request: Request, ws: Websocket) -> None:
    name = (request.args.get("name") or f"guest-{next(app.ctx.guests)}")[:32]
    app.ctx.members[ws] = name
    await ws.send(json.dumps({"from": "server", "text": f"welcome, {name}", "members": len(app.ctx.members)}))
    app.add_task(broadcast({"from": "server", "text": f"{name} joined"}))
    try:
        async for text in ws:
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            await broadcast({"from": name, "text": text[:1000]})
    finally:
        # A client that leaves ends `async for` (as on Sanic's server).
        app.ctx.members.pop(ws, None)
        app.add_task(broadcast({"from": "server", "text": f"{name} left"}))


asgi = ASGIApp(app)
