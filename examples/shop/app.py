"""The shop app: configuration, listeners, middleware and error handling."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.log import logger
from sanic.response import HTTPResponse, json

from sanic_asgi import ASGIApp, lifespan_state

from .catalog import catalog
from .db import Database
from .live import live
from .uploads import uploads


def create_app(name: str = "shop") -> Sanic[Any, Any]:
    app = Sanic(name)
    # Ordinary bodies (JSON) are small; the streamed upload route is exempt.
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.blueprint([catalog, live, uploads])

    # -- listeners: run on the server's lifespan events under ASGI ---------------
    @app.before_server_start
    async def open_database(app: Sanic[Any, Any]) -> None:
        db = Database()
        await db.connect()
        # Handlers read it from app.ctx, which works on Sanic's own server
        # too.  Under ASGI it also goes into the lifespan state, which the
        # server copies into every request's scope: ASGI middleware and apps
        # mounted beside Sanic see it there (lifespan_state(request) in a handler).
        app.ctx.db = db
        lifespan_state(app)["db"] = db

    @app.after_server_start
    async def announce(app: Sanic[Any, Any]) -> None:
        logger.info("shop: ready")

    @app.after_server_stop
    async def close_database(app: Sanic[Any, Any]) -> None:
        lifespan_state(app).pop("db", None)
        db = getattr(app.ctx, "db", None)
        if db is not None:
            await db.close()
            del app.ctx.db
        logger.info("shop: database closed")

    # -- middleware ----------------------------------------------------------
    @app.on_request
    async def assign_request_id(request: Request) -> None:
        request.ctx.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.ctx.started = time.perf_counter()

    @app.on_response
    async def add_tracing_headers(request: Request, response: HTTPResponse) -> None:
        request_id = getattr(request.ctx, "request_id", None)
        if request_id:
            response.headers["x-request-id"] = request_id
        started = getattr(request.ctx, "started", None)
        if started is not None:
            response.headers["server-timing"] = f"app;dur={1000 * (time.perf_counter() - started):.1f}"

    # -- errors: JSON for every Sanic error (404, 400, 413, ...) -------------------
    @app.exception(SanicException)
    async def json_error(request: Request, exc: SanicException) -> HTTPResponse:
        status = getattr(exc, "status_code", 500) or 500
        return json({"error": str(exc) or exc.__class__.__name__, "status": status}, status=status)

    @app.get("/")
    async def index(request: Request) -> HTTPResponse:
        db: Database = request.app.ctx.db
        return json({"app": request.app.name, "items": len(await db.all())})

    return app


app = create_app()
asgi = ASGIApp(app)
