"""An app that records where Sanic's process model runs its parts.

Every listener appends one line ``event pid name`` to the file named by
``PROCMODEL_LOG`` (each line written with one ``write`` on a file opened for
appending, so that lines of several processes do not mix).
``main_process_start`` puts a Queue and a Value in ``app.shared_ctx`` and
sets ``SET_IN_MAIN`` in the config; each worker reads the Value and puts its
pid in the Queue at ``after_server_start``; ``main_process_stop`` writes what
the Queue holds.  ``PROCMODEL_START_SECONDS`` makes each worker's startup
that slow.
"""

from __future__ import annotations

import asyncio
import os
from multiprocessing import Queue, Value

from sanic import Sanic
from sanic.response import json, text

app = Sanic("procmodel")


def record(event: str, *details: object) -> None:
    name = os.environ.get("SANIC_WORKER_NAME") or "main"
    line = " ".join(str(part) for part in (event, os.getpid(), name, *details))
    with open(os.environ["PROCMODEL_LOG"], "a", encoding="utf-8") as log:
        log.write(line + "\n")


@app.main_process_start
async def main_start(app: Sanic) -> None:
    record("main_process_start")
    app.shared_ctx.queue = Queue()
    app.shared_ctx.value = Value("i", 42)
    app.config.SET_IN_MAIN = "main"


@app.main_process_ready
async def main_ready(app: Sanic) -> None:
    record("main_process_ready")


@app.main_process_stop
async def main_stop(app: Sanic) -> None:
    pids = []
    while not app.shared_ctx.queue.empty():
        pids.append(app.shared_ctx.queue.get(timeout=1))
    record("main_process_stop", "queue=" + ",".join(str(pid) for pid in sorted(pids)))


@app.before_server_start
async def before_start(app: Sanic) -> None:
    record("before_server_start")
    # A slow startup (PROCMODEL_START_SECONDS), for a signal while the workers start.
    await asyncio.sleep(float(os.environ.get("PROCMODEL_START_SECONDS", "0")))  # the behaviour under test


@app.after_server_start
async def after_start(app: Sanic) -> None:
    app.shared_ctx.queue.put(os.getpid())
    record("after_server_start", f"value={app.shared_ctx.value.value}", f"m={app.m.name}")


@app.after_server_stop
async def after_stop(app: Sanic) -> None:
    record("after_server_stop")


@app.get("/pid")
async def pid(request):
    return json({"pid": os.getpid(), "name": request.app.m.name, "set_in_main": request.app.config.get("SET_IN_MAIN")})


@app.get("/restart")
async def restart(request):
    request.app.m.restart()
    return json({"pid": os.getpid(), "name": request.app.m.name})


@app.get("/terminate")
async def terminate(request):
    request.app.m.terminate()
    return text("terminating")


@app.get("/slow")
async def slow(request):
    record("slow_started")
    await asyncio.sleep(float(request.args.get("s", "1")))
    return text("slow done")
