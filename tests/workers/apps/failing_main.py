"""An app whose main_process_start listener fails."""

from __future__ import annotations

from sanic import Sanic
from sanic.response import text

app = Sanic("procfailing")


@app.main_process_start
async def migrate(app: Sanic) -> None:
    raise RuntimeError("migrations failed (procfailing)")


@app.get("/")
async def index(request: object) -> object:
    return text("never served")
