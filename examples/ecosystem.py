"""A Sanic app in the ASGI ecosystem: middleware, mounts, responses, extensions.

Run it with any ASGI server::

    uvicorn examples.ecosystem:asgi
    uvicorn examples.ecosystem:asgi --workers 2
    gunicorn examples.ecosystem:asgi -k uvicorn_worker.UvicornWorker -w 2
    hypercorn examples.ecosystem:asgi --certfile cert.pem --keyfile key.pem   # HTTP/2: push, early hints, trailers
    granian --interface asgi examples.ecosystem:asgi                          # pathsend for /download

What it shows (``sanic_asgi.ASGIApp`` options and helpers):

* ``middleware=``: Starlette's CORS and Session middleware around the Sanic
  app; ``/visits`` keeps a counter in the session, read and written through
  ``request.scope["session"]`` in a Sanic handler.  (Starlette's
  ``GZipMiddleware`` works too, but as of Starlette 1.10 it drops
  ``http.response.push`` messages, so this app, which pushes, leaves it out.)
* ``mounts=``: ``/static`` is Starlette ``StaticFiles`` (ranges, 304s),
  ``/api`` a Starlette app with its own lifespan (its state reaches Sanic's
  listeners), ``/legacy`` a WSGI app through a2wsgi.  Sanic serves the rest.
* A Sanic handler returning Starlette responses (``/stream``, ``/old``), and
  ``sanic_asgi.as_asgi`` turning a Sanic response into a Starlette endpoint's
  answer (``/api/sanic``).
* ``/`` sends ``103 Early Hints`` and pushes ``/static/style.css`` where the
  server can (HTTP/2 on hypercorn); ``/report`` ends with a trailer;
  ``/download`` sends a file by ``http.response.pathsend`` on granian and
  streams it elsewhere.  Each helper is a no-op where the server lacks the
  extension.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from a2wsgi import WSGIMiddleware
from sanic import Request, Sanic, response
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, RedirectResponse, StreamingResponse
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

import sanic_asgi
from sanic_asgi import ASGIApp

STATIC = Path(__file__).resolve().parent / "ecosystem_static"

app = Sanic("ecosystem")


# -- Sanic routes --------------------------------------------------------------
@app.before_server_start
async def read_mounted_state(app: Sanic) -> None:
    # The mounted Starlette app's lifespan ran first and filled the shared state.
    app.ctx.api_version = sanic_asgi.lifespan_state(app).get("api_version")


@app.get("/")
async def index(request: Request) -> Any:
    hinted = await sanic_asgi.early_hints(request, ["</static/style.css>; rel=preload; as=style"])
    pushed = await sanic_asgi.push(request, "/static/style.css")
    return response.html(
        '<link rel="stylesheet" href="/static/style.css">'
        f"<p>Sanic behind ASGI. early hints: {hinted}, push: {pushed}, api {request.app.ctx.api_version}</p>"
    )


@app.get("/visits")
async def visits(request: Request) -> Any:
    session = request.scope["session"]  # SessionMiddleware's, signed cookie
    session["visits"] = session.get("visits", 0) + 1
    return response.json({"visits": session["visits"]})


@app.get("/stream")
async def stream(request: Request) -> Any:
    async def lines() -> AsyncIterator[str]:
        for n in range(1, 4):
            yield f"line {n}\n"

    return StreamingResponse(lines(), media_type="text/plain")  # a Starlette response from a Sanic handler


@app.get("/old")
async def old(request: Request) -> Any:
    return RedirectResponse("/", status_code=301)


@app.get("/report")
async def report(request: Request) -> Any:
    trailers = sanic_asgi.response_trailers(request)  # None where the server has no trailers
    digest = hashlib.sha256()
    out = await request.respond(content_type="text/csv")
    for row in ("id,total\n", "1,10\n", "2,32\n"):
        digest.update(row.encode())
        await out.send(row)
    if trailers is not None:
        trailers["x-content-sha256"] = digest.hexdigest()
    await out.eof()


@app.get("/download")
async def download(request: Request) -> Any:
    return await sanic_asgi.file_response(STATIC / "hello.txt", filename="hello.txt")


# -- Mounted apps ----------------------------------------------------------------
@asynccontextmanager
async def api_lifespan(api: Starlette) -> AsyncIterator[dict[str, Any]]:
    yield {"api_version": "2.1"}  # forwarded by sanic-asgi: Starlette's Mount would not run it


async def api_info(request: StarletteRequest) -> Any:
    return JSONResponse({"version": request.state.api_version, "root_path": request.scope["root_path"]})


async def api_sanic(request: StarletteRequest) -> Any:
    return sanic_asgi.as_asgi(response.json({"made_by": "sanic.response.json"}))


api = Starlette(routes=[Route("/info", api_info), Route("/sanic", api_sanic)], lifespan=api_lifespan)


def legacy_wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = f"WSGI at SCRIPT_NAME={environ['SCRIPT_NAME']} PATH_INFO={environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


asgi = ASGIApp(
    app,
    asgi_responses=True,  # /stream returns a Starlette StreamingResponse
    middleware=[
        Middleware(CORSMiddleware, allow_origins=["https://example.org"]),
        Middleware(SessionMiddleware, secret_key="change me"),
    ],
    mounts={
        "/static": StaticFiles(directory=STATIC),
        "/api": api,
        "/legacy": WSGIMiddleware(legacy_wsgi),  # type: ignore[arg-type]
    },
)
