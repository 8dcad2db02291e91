"""An app whose main_process_start raises."""

from __future__ import annotations

from typing import Any

from sanic import Sanic

from sanic_asgi import ASGIApp

app = Sanic("process_model_failing")


@app.main_process_start
async def main_start(app: Sanic, _: Any) -> None:
    raise RuntimeError("the database is not there")


asgi = ASGIApp(app)
