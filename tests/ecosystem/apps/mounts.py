"""A Sanic app with ASGI apps mounted inside it.

``mounted``::

    /static   Starlette StaticFiles (tests/ecosystem/static)
    /api      a bare ASGI app (answers "bare api")         } longest prefix
    /api/v2   FastAPI, with a lifespan that sets state     } wins
    /legacy   Flask through a2wsgi

plus Sanic routes inside (``/static/shadowed``, ``/api/v2/health``: the
mounts win) and outside (``/``, ``/static-info``: Sanic wins) the prefixes.
``mount_fails`` mounts an app whose lifespan startup fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from a2wsgi import WSGIMiddleware
from fastapi import FastAPI, WebSocket
from flask import Flask
from flask import request as flask_request
from flask import url_for as flask_url_for
from sanic import Request, Sanic, response
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.staticfiles import StaticFiles

from sanic_asgi import ASGIApp, lifespan_state
from tests.ecosystem.apps.common import EVENTS, STATIC, add_event_routes


def say(line: str) -> None:
    print(line, flush=True)


# -- FastAPI, with its own lifespan ---------------------------------------------
@asynccontextmanager
async def fastapi_lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    EVENTS["lifespan"].append("fastapi-startup")
    say("MOUNT-LIFESPAN fastapi startup")
    yield {"db": "connected"}
    say("MOUNT-LIFESPAN fastapi shutdown")


api = FastAPI(lifespan=fastapi_lifespan)


@api.get("/items/{item_id}", name="item")
async def item(item_id: int, request: StarletteRequest) -> dict[str, Any]:
    return {
        "item": item_id,
        "root_path": request.scope["root_path"],
        "path": request.scope["path"],
        "raw_path": request.scope.get("raw_path", b"").decode(),
        "db": request.state.db,
        "url_for": str(request.url_for("item", item_id=7)),
    }


@api.get("/health")
async def api_health() -> dict[str, str]:
    return {"from": "fastapi"}


@api.websocket("/ws")
async def api_ws(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(f"fastapi ws at root_path={websocket.scope['root_path']}")
    await websocket.close()


# -- Flask through a2wsgi ---------------------------------------------------------
flask_app = Flask("legacy")


@flask_app.get("/hello")
def flask_hello() -> Any:
    return {
        "from": "flask",
        "script_name": flask_request.environ["SCRIPT_NAME"],
        "path_info": flask_request.environ["PATH_INFO"],
        "url_for": flask_url_for("flask_hello"),
    }


# -- a bare ASGI app at a shorter prefix ----------------------------------------------
async def bare_api(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return  # no lifespan support: returning is how an app says so
    body = b"bare api"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


def build(name: str) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.config.ACCESS_LOG = False
    add_event_routes(app)

    @app.before_server_start
    async def sanic_startup(app: Sanic[Any, Any]) -> None:
        EVENTS["lifespan"].append("sanic-startup")
        EVENTS["lifespan"].append({"db seen by Sanic": lifespan_state(app).get("db")})

    @app.after_server_stop
    async def sanic_shutdown(app: Sanic[Any, Any]) -> None:
        say("SANIC-LISTENER after_server_stop")

    @app.get("/")
    async def home(request: Request) -> Any:
        return response.text("sanic home")

    @app.get("/static-info")
    async def static_info(request: Request) -> Any:
        return response.text("sanic static-info")

    @app.get("/static/shadowed")
    async def shadowed(request: Request) -> Any:
        return response.text("sanic shadowed")  # unreachable: /static is mounted

    @app.get("/api/v2/health")
    async def sanic_health(request: Request) -> Any:
        return response.text("sanic health")  # unreachable: /api/v2 is mounted

    return app


mounted = ASGIApp(
    build("mounted"),
    mounts={
        "/static": StaticFiles(directory=STATIC),
        "/api": bare_api,
        "/api/v2": api,
        "/legacy": WSGIMiddleware(flask_app),  # type: ignore[arg-type]
    },
)


@asynccontextmanager
async def failing_lifespan(app: Starlette) -> AsyncIterator[None]:
    raise RuntimeError("database unreachable")
    yield  # pragma: no cover


mount_fails = ASGIApp(build("mount_fails"), mounts={"/broken": Starlette(lifespan=failing_lifespan)})
