"""Responses across the line.

``sanic_with_starlette_responses``: Sanic handlers that return Starlette
responses (and a bare ASGI callable); Sanic's response middleware adds a
header and a cookie to every response.

``starlette_with_sanic_responses``: a Starlette app whose endpoints answer
with Sanic responses through ``sanic_asgi.as_asgi``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sanic import Request, Sanic, response
from sanic.views import HTTPMethodView
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request as StarletteRequest
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)
from starlette.routing import Route

from sanic_asgi import ASGIApp, as_asgi
from tests.ecosystem.apps.common import EVENTS, STATIC, add_event_routes, record


def build(name: str) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.config.ACCESS_LOG = False
    add_event_routes(app)

    @app.on_response
    async def sanic_response_middleware(request: Request, resp: Any) -> None:
        resp.headers["x-sanic-middleware"] = "ran"
        resp.add_cookie("from_middleware", "yes", secure=False)

    @app.get("/plain")
    async def plain(request: Request) -> Any:
        key = request.headers.get("x-key", "none")
        resp = PlainTextResponse(
            "from starlette",
            headers={"x-starlette": "1"},
            background=BackgroundTask(EVENTS[key].append, "background ran"),
        )
        resp.set_cookie("flavour", "oat", httponly=True)
        record(request, "handler returned")
        return resp

    @app.get("/json")
    async def json(request: Request) -> Any:
        return JSONResponse({"answer": 42}, status_code=201)

    @app.get("/redirect")
    def redirect(request: Request) -> Any:  # a plain def handler
        return RedirectResponse("/plain", status_code=303)

    @app.get("/stream")
    async def stream(request: Request) -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(5):
                yield f"chunk {i}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/file")
    async def file(request: Request) -> Any:
        return FileResponse(STATIC / "alphabet.txt")

    @app.get("/asgi-callable")
    async def asgi_callable(request: Request) -> Any:
        async def send_teapot(scope: Any, receive: Any, send: Any) -> None:
            await send({"type": "http.response.start", "status": 418, "headers": [(b"content-length", b"6")]})
            await send({"type": "http.response.body", "body": b"teapot"})

        return send_teapot

    @app.get("/sanic")
    async def sanic_text(request: Request) -> Any:
        return response.text("plain sanic")

    class View(HTTPMethodView):
        async def get(self, request: Request) -> Any:
            return HTMLResponse("<p>view</p>")

    app.add_route(View.as_view(), "/view")
    return app


sanic_with_starlette_responses = ASGIApp(build("responses"), asgi_responses=True)


async def sanic_json(request: StarletteRequest) -> Any:
    out = response.json({"from": "sanic", "path": request.url.path}, status=202)
    out.add_cookie("sanic_cookie", "1", secure=False)
    return as_asgi(out)


async def sanic_file_stream(request: StarletteRequest) -> Any:
    return as_asgi(await response.file_stream(STATIC / "alphabet.txt", chunk_size=100))


async def sanic_empty(request: StarletteRequest) -> Any:
    return as_asgi(response.empty())


starlette_with_sanic_responses = Starlette(
    routes=[
        Route("/json", sanic_json),
        Route("/file-stream", sanic_file_stream),
        Route("/empty", sanic_empty),
        Route("/fixed", as_asgi(response.text("fixed text", headers={"x-fixed": "1"}))),
    ]
)
