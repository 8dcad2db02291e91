"""A module that already wraps its app: the command serves that ASGIApp as it is."""

from __future__ import annotations

from sanic import Sanic
from sanic.response import text

from sanic_asgi import ASGIApp

app = Sanic("cli_wrapped")


@app.get("/")
async def index(request: object) -> object:
    return text("wrapped")


asgi = ASGIApp(app, lifespan="on")
