"""An app that behaves the same under ASGI as on Sanic's server (doctor exits 0)."""

from __future__ import annotations

from sanic import Sanic
from sanic.response import text

app = Sanic("cli_clean")


@app.before_server_start
async def setup(app: Sanic) -> None:
    app.ctx.ready = True


@app.get("/")
async def index(request: object) -> object:
    return text("clean")
