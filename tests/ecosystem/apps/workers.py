"""An app that shows what runs per worker process."""

from __future__ import annotations

import os
from typing import Any

from sanic import Request, Sanic, response

from sanic_asgi import ASGIApp, lifespan_state

app: Sanic[Any, Any] = Sanic("workers")
app.config.ACCESS_LOG = False


@app.main_process_start
async def main_start(app: Sanic[Any, Any]) -> None:
    print(f"MAIN-PROCESS-START pid={os.getpid()}", flush=True)


@app.before_server_start
async def worker_start(app: Sanic[Any, Any]) -> None:
    app.ctx.pid = os.getpid()
    app.ctx.requests = 0
    lifespan_state(app)["worker_pid"] = os.getpid()
    print(f"WORKER-START pid={os.getpid()}", flush=True)


@app.after_server_stop
async def worker_stop(app: Sanic[Any, Any]) -> None:
    print(f"WORKER-STOP pid={os.getpid()} requests={app.ctx.requests}", flush=True)


@app.get("/worker")
async def worker(request: Request) -> Any:
    request.app.ctx.requests += 1
    return response.json(
        {
            "pid": os.getpid(),
            "ctx_pid": request.app.ctx.pid,
            "state_pid": lifespan_state(request).get("worker_pid"),
        }
    )


asgi = ASGIApp(app)
