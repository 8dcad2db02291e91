"""One app for every Sanic release (18.12 ... 25.12), served through ASGIApp.

Only APIs that exist on all of them: ``response.json/text``, ``stream()``
before 21.3 and ``request.respond()`` after, ``app.websocket``, the four
server listeners.
"""

from __future__ import annotations

import sanic
from sanic import Sanic, response

from sanic_asgi import ASGIApp

EVENTS: list[str] = []

app = Sanic("legacy_smoke")


@app.listener("before_server_start")
async def before_start(app, loop):  # type: ignore[no-untyped-def]
    EVENTS.append("before_server_start")


@app.listener("after_server_start")
async def after_start(app, loop):  # type: ignore[no-untyped-def]
    EVENTS.append("after_server_start")


@app.route("/json")
async def as_json(request):  # type: ignore[no-untyped-def]
    return response.json(
        {
            "sanic": sanic.__version__,
            "events": EVENTS,
            "ip": request.ip,
            "args": {key: request.args.get(key) for key in request.args},
            "path": request.path,
        }
    )


@app.route("/echo", methods=["POST"])
async def echo(request):  # type: ignore[no-untyped-def]
    return response.text(request.body.decode(), headers={"x-length": str(len(request.body))})


@app.route("/upload", methods=["POST"], stream=True)
async def upload(request):  # type: ignore[no-untyped-def]
    """A stream route: echoes the body as it reads it (``request.stream``)."""
    read = getattr(request.stream, "read", None) or request.stream.get  # 18.12: an asyncio.Queue
    if hasattr(request, "respond"):  # Sanic 21.3+: read, then answer
        chunks = []
        while (chunk := await read()) is not None:
            chunks.append(chunk)
        return response.text(b"".join(chunks).decode())

    async def write(res):  # type: ignore[no-untyped-def]
        # Before 21.3 the handler returns at once: the body is read here,
        # after the response head went out, as Sanic's test suites do.
        while (chunk := await read()) is not None:
            await res.write(chunk.decode())

    return response.stream(write, content_type="text/plain")


@app.route("/cookie")
async def cookie(request):  # type: ignore[no-untyped-def]
    res = response.text("cookie")
    if hasattr(res, "add_cookie"):  # Sanic 23.3+
        res.add_cookie("flavour", "oat", secure=False)
    else:
        res.cookies["flavour"] = "oat"
    return res


@app.route("/error")
async def error(request):  # type: ignore[no-untyped-def]
    raise ValueError("boom")


@app.route("/stream")
async def streaming(request):  # type: ignore[no-untyped-def]
    parts = ["one,", "two,", "three"]
    if hasattr(request, "respond"):  # Sanic 21.3+
        res = await request.respond(content_type="text/plain")
        for part in parts:
            await res.send(part)
        if hasattr(res, "eof"):  # Sanic 21.6+
            await res.eof()
        else:  # 21.3
            await res.send(end_stream=True)
        return None

    async def write(res):  # type: ignore[no-untyped-def]
        for part in parts:
            await res.write(part)

    return response.stream(write, content_type="text/plain")


@app.websocket("/ws")
async def ws_echo(request, ws):  # type: ignore[no-untyped-def]
    while True:
        message = await ws.recv()
        if message == "bye":
            await ws.send("bye!")
            break
        await ws.send(message)


asgi = ASGIApp(app)
