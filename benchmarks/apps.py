"""The benchmark's applications: one Sanic app, a Starlette app and a bare ASGI
callable, each serving the same four routes with the same bytes on the wire.

* ``GET /json``    a small JSON object
* ``POST /echo``   the request body back (the benchmark sends 64 KiB)
* ``GET /stream``  a streamed (chunked) response of ``STREAM_CHUNKS``
* ``/ws``          a websocket that echoes every text message

``make_candidate(name)`` returns what the named candidate serves.  Each
candidate runs in a process of its own (Sanic's TouchUp rewrites class
methods process-wide when an app starts, so two started Sanic apps in one
process would measure each other's rewrites).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ASGI_CANDIDATES", "CANDIDATES", "JSON_BODY", "STREAM_CHUNKS", "make_candidate", "make_sanic_app"]

JSON_BODY = {"message": "Hello, World!", "id": 1}
STREAM_CHUNKS = (b"x" * 1024,) * 4

# name -> what serves it.  "sanic-server" is Sanic's own HttpProtocol; the
# others are ASGI applications ("sanic-floor": the least an adapter must do,
# benchmarks/floor.py).
CANDIDATES = ("sanic-server", "sanic-native", "sanic-asgi", "sanic-floor", "starlette", "bare")
ASGI_CANDIDATES = CANDIDATES[1:]


def make_sanic_app(name: str = "bench") -> Any:
    from sanic import Sanic
    from sanic.response import json, raw

    app = Sanic(name, configure_logging=False)
    app.config.ACCESS_LOG = False
    app.config.MOTD = False
    # Bare Sanic whatever is installed: Sanic loads sanic-ext into every app
    # when it is installed ([dev] has it), which would add its signals to
    # both sides of every figure.
    app.config.AUTO_EXTEND = False
    # Idle connections stay open (the harness feeds one connection slowly
    # under callgrind); request/response timeouts keep Sanic's defaults.
    app.config.KEEP_ALIVE_TIMEOUT = 3600
    # No keepalive pings: under callgrind a run is slow enough for them to
    # fire and be counted (uvicorn's are switched off the same way).
    app.config.WEBSOCKET_PING_INTERVAL = None

    @app.get("/json")
    async def json_route(request: Any) -> Any:
        return json(JSON_BODY)

    @app.post("/echo")
    async def echo_route(request: Any) -> Any:
        return raw(request.body)

    @app.get("/stream")
    async def stream_route(request: Any) -> None:
        response = await request.respond(content_type="text/plain; charset=utf-8")
        for chunk in STREAM_CHUNKS:
            await response.send(chunk)
        await response.eof()

    @app.websocket("/ws")
    async def ws_route(request: Any, ws: Any) -> None:
        # recv() in a loop: Sanic's native ASGI websocket has no __aiter__.
        while True:
            message = await ws.recv()
            if message is None:
                return
            await ws.send(message)

    return app


def make_starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    async def json_route(request: Request) -> Response:
        return JSONResponse(JSON_BODY)

    async def echo_route(request: Request) -> Response:
        return Response(await request.body(), media_type="application/octet-stream")

    async def chunks() -> Any:
        for chunk in STREAM_CHUNKS:
            yield chunk

    async def stream_route(request: Request) -> Response:
        return StreamingResponse(chunks(), media_type="text/plain")

    async def ws_route(websocket: WebSocket) -> None:
        await websocket.accept()
        async for message in websocket.iter_text():
            await websocket.send_text(message)

    routes = [
        Route("/json", json_route),
        Route("/echo", echo_route, methods=["POST"]),
        Route("/stream", stream_route),
        WebSocketRoute("/ws", ws_route),
    ]
    return Starlette(routes=routes)


async def bare_app(scope: Any, receive: Any, send: Any) -> None:
    """The ceiling: an ASGI callable that does nothing but answer."""
    kind = scope["type"]
    if kind == "http":
        path = scope["path"]
        if path == "/json":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", _JSON_LEN)],
                }
            )
            await send({"type": "http.response.body", "body": _JSON})
        elif path == "/echo":
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/octet-stream"), (b"content-length", b"%d" % len(body))],
                }
            )
            await send({"type": "http.response.body", "body": body})
        else:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            for chunk in STREAM_CHUNKS:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
    elif kind == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return
            await send({"type": "websocket.send", "text": message.get("text")})
    elif kind == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return


_JSON = b'{"message":"Hello, World!","id":1}'
_JSON_LEN = b"%d" % len(_JSON)


def make_candidate(name: str) -> Any:
    """The app object for a candidate (the Sanic app itself for sanic-server)."""
    if name in ("sanic-server", "sanic-native"):
        return make_sanic_app()
    if name == "sanic-asgi":
        from sanic_asgi import ASGIApp

        return ASGIApp(make_sanic_app())
    if name == "sanic-floor":
        from .floor import make_floor

        return make_floor(make_sanic_app())
    if name == "starlette":
        return make_starlette_app()
    if name == "bare":
        return bare_app
    raise ValueError(f"unknown candidate {name!r}; expected one of {', '.join(CANDIDATES)}")
