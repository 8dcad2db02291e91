"""An app whose startup listener fails: the command must exit non-zero and show the error."""

from __future__ import annotations

from sanic import Sanic
from sanic.response import text

app = Sanic("cli_failing")


@app.before_server_start
async def connect_database(app: Sanic) -> None:
    raise RuntimeError("database is down (cli_failing)")


@app.get("/")
async def index(request: object) -> object:
    return text("never served")
