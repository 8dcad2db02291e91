"""An app with everything ``sanic-asgi doctor`` should flag."""

from __future__ import annotations

from sanic import Sanic
from sanic.response import text

app = Sanic("cli_differs")
app.config.REQUEST_TIMEOUT = 5  # changed from Sanic's default: uvicorn cannot honour it
app.config.KEEP_ALIVE_TIMEOUT = 3


@app.main_process_start
async def migrate(app: Sanic) -> None:
    pass


@app.reload_process_start
async def watch(app: Sanic) -> None:
    pass


@app.after_server_start
async def warm_up(app: Sanic) -> None:
    pass


@app.signal("http.lifecycle.begin")
async def on_connection(conn_info: object) -> None:
    pass


@app.get("/report")
def report(request: object) -> object:  # a plain def: blocks the loop
    return text("report")


@app.get("/")
async def index(request: object) -> object:
    return text("ok")
