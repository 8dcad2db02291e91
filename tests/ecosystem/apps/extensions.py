"""Handlers that use the ASGI extensions through ``sanic_asgi``'s helpers.

``RecordSends`` (a plain ``middleware=`` entry) records the type of every
message the adapter sends, under the request's ``x-key``, so tests can see
whether a file went out as ``http.response.pathsend``.
"""

from __future__ import annotations

from typing import Any

from sanic import Request, Sanic, response
from starlette.responses import FileResponse as StarletteFileResponse

from sanic_asgi import ASGIApp, asgi_extensions, early_hints, file_response, push, response_trailers
from tests.ecosystem.apps.common import STATIC, add_event_routes, record_scope

PRELOAD = "</style.css>; rel=preload; as=style"


class RecordSends:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def recording_send(message: Any) -> None:
            record_scope(scope, message["type"])
            await send(message)

        await self.app(scope, receive, recording_send if scope["type"] == "http" else send)


def build(name: str) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.config.ACCESS_LOG = False
    add_event_routes(app)

    @app.get("/extensions")
    async def extensions(request: Request) -> Any:
        return response.json(
            {
                "extensions": sorted(asgi_extensions(request)),
                "http_version": request.scope.get("http_version"),
                "ssl": request.conn_info.ssl if request.conn_info else None,
                "scheme": request.scheme,
            }
        )

    @app.get("/push")
    async def pushing(request: Request) -> Any:
        pushed = await push(request, "/style.css", headers={"x-pushed-by": "sanic"})
        return response.text(f"pushed={pushed}")

    @app.get("/style.css")
    async def style(request: Request) -> Any:
        return response.text("body { color: teal; }", content_type="text/css")

    @app.get("/hints")
    async def hints(request: Request) -> Any:
        sent = await early_hints(request, [PRELOAD])
        return response.text(f"hints={sent}")

    @app.get("/trailers")
    async def streamed_with_trailers(request: Request) -> Any:
        trailers = response_trailers(request)
        resp = await request.respond(content_type="text/plain")
        await resp.send("part one, ")
        await resp.send("part two")
        if trailers is not None:
            trailers["x-checksum"] = "c0ffee"
        await resp.eof()

    @app.get("/trailers-simple")
    async def simple_with_trailers(request: Request) -> Any:
        trailers = response_trailers(request)
        if trailers is not None:
            trailers["x-trailer"] = "set before the body"
        return response.text("whole body")

    @app.get("/file")
    async def sanic_file(request: Request) -> Any:
        return await file_response(STATIC / "alphabet.txt")

    @app.get("/starlette-file")
    async def starlette_file(request: Request) -> Any:
        return StarletteFileResponse(STATIC / "alphabet.txt")

    return app


extensions = ASGIApp(build("extensions"), middleware=[RecordSends], asgi_responses=True)
