"""The app the realtime tests talk to: websockets, streaming/SSE, background tasks.

``build(name)`` returns a fresh Sanic app; the module exposes it under several
attributes so that a server can load each variant by name:

* ``ours``     - ``sanic_asgi.ASGIApp(app)``
* ``native``   - the Sanic app itself (Sanic's own ASGI mode)
* ``threaded`` - ``ASGIApp(app, sync_handlers="thread")``
* ``tasks_ours``/``tasks_native`` - a small app whose background tasks are
  watched through a lifespan shutdown (``GRACEFUL_SHUTDOWN_TIMEOUT`` = 2).

The server runs the app in another process, so handlers record what happened
to them in ``EVENTS`` under a key chosen by the test and ``GET /events/<key>``
reads it back.  ``GET /gate/<key>`` opens an ``asyncio.Event`` a handler waits
on: that is how a test makes a handler take its next step only after the test
has seen the previous one, without sleeping.  Background-task events are
printed as ``TASK ...`` lines instead, because the shutdown tests read them
from the server's output after the process has exited.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from typing import Any

from sanic import Blueprint, Request, Sanic, Websocket, response
from sanic.response import ResponseStream

from sanic_asgi import ASGIApp

EVENTS: defaultdict[str, list[Any]] = defaultdict(list)
GATES: dict[str, asyncio.Event] = {}
# Released by GET /release/<key>; a blocking sync handler waits on it.
THREAD_GATES: defaultdict[str, threading.Event] = defaultdict(threading.Event)

# Every websocket handler's body is a coroutine with the ws as argument; the
# native object lacks some methods, and the tests want to see which.
WebSocketLike = Any


def gate(key: str) -> asyncio.Event:
    if key not in GATES:
        GATES[key] = asyncio.Event()
    return GATES[key]


def _exc_name(exc: BaseException) -> str:
    return type(exc).__name__


def build(name: str, config: dict[str, Any] | None = None) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.config.update(config or {})

    # -- bookkeeping ------------------------------------------------------------
    @app.get("/events/<key>")
    async def events(request: Request, key: str) -> response.HTTPResponse:
        return response.json(EVENTS.get(key, []))

    @app.get("/gate/<key>")
    async def open_gate(request: Request, key: str) -> response.HTTPResponse:
        gate(key).set()
        return response.text("open")

    # -- websockets ---------------------------------------------------------------
    @app.websocket("/ws/echo")
    async def ws_echo(request: Request, ws: Websocket) -> None:
        key = request.args.get("key")
        try:
            async for message in ws:
                await ws.send(message)
        finally:
            if key:
                EVENTS[key].append("finally")

    @app.websocket("/ws/echo-recv")
    async def ws_echo_recv(request: Request, ws: Websocket) -> None:
        # recv() without async for, so that native ASGI can run it too.
        while True:
            message = await ws.recv()
            if message is None:  # native ASGI's way of saying "gone"
                break
            await ws.send(message)

    @app.websocket("/ws/observe/<key>")
    async def ws_observe(request: Request, ws: Websocket, key: str) -> None:
        try:
            while True:
                message = await ws.recv()
                if message is None:
                    # Sanic's server never returns None without a timeout.
                    EVENTS[key].append("recv:None")
                    break
                EVENTS[key].append(message)
                await ws.send("ok")
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        finally:
            code = getattr(ws, "close_code", None)
            reason = getattr(ws, "close_reason", None)
            EVENTS[key].append(f"finally:{code}:{reason}")

    @app.websocket("/ws/recv-timeout")
    async def ws_recv_timeout(request: Request, ws: Websocket) -> None:
        message = await ws.recv(timeout=0.2)
        await ws.send(f"timeout:{message!r}")
        message = await ws.recv(timeout=10)
        await ws.send(f"got:{message}")
        await ws.recv()

    @app.websocket("/ws/burst")
    async def ws_burst(request: Request, ws: Websocket) -> None:
        # recv_burst never waits: collect until the client's "end" shows up.
        got: list[Any] = [await ws.recv()]
        await ws.send("send-more")
        for _ in range(500):
            got.extend(await ws.recv_burst())
            if got[-1:] == ["end"]:
                break
            await asyncio.sleep(0.01)  # the stream's pace: the behaviour under test
        await ws.send("|".join(map(str, got)))
        await ws.recv()

    @app.websocket("/ws/ping")
    async def ws_ping(request: Request, ws: Websocket) -> None:
        waiter = await ws.ping()
        await asyncio.wait_for(waiter, 5)
        await ws.pong(b"unsolicited")
        await ws.send("ping-ok")
        await ws.recv()

    @app.websocket("/ws/after-close/<key>")
    async def ws_after_close(request: Request, ws: Websocket, key: str) -> None:
        await ws.close(4003, "app is done")
        try:
            await ws.send("too late")
        except Exception as exc:
            EVENTS[key].append(f"send:{_exc_name(exc)}")
        else:
            EVENTS[key].append("send:ok")

    @app.websocket("/ws/peer-gone/<key>")
    async def ws_peer_gone(request: Request, ws: Websocket, key: str) -> None:
        await ws.send("ready")
        lost = await ws.wait_for_connection_lost(timeout=10)
        EVENTS[key].append(f"lost:{lost}")
        for attempt in ("recv", "send"):
            try:
                if attempt == "recv":
                    await ws.recv()
                else:
                    await ws.send("anyone?")
            except Exception as exc:
                EVENTS[key].append(f"{attempt}:{_exc_name(exc)}")
            else:
                EVENTS[key].append(f"{attempt}:ok")

    @app.websocket("/ws/fail-after-send")
    async def ws_fail_after_send(request: Request, ws: Websocket) -> None:
        await ws.send("about to fail")
        raise ValueError("realtime websocket handler failed on purpose")

    @app.websocket("/ws/private")
    async def ws_private(request: Request, ws: Websocket) -> None:
        await ws.send("welcome")
        await ws.recv()

    @app.on_request
    async def guard_private(request: Request) -> response.HTTPResponse | None:
        # A middleware refusing the upgrade before accept, as an auth check does.
        if request.path == "/ws/private" and request.args.get("token") != "letmein":
            return response.text("forbidden: token required", status=403)
        return None

    bp = Blueprint(f"{name}_bp", url_prefix="/bp")

    @bp.websocket("/chat", subprotocols=["chat.v2", "chat.v1"])
    async def bp_chat(request: Request, ws: Websocket) -> None:
        async for message in ws:
            await ws.send(f"{ws.subprotocol}:{message}")

    app.blueprint(bp)

    # -- streaming responses -------------------------------------------------------
    @app.get("/sse/<key>")
    async def sse(request: Request, key: str) -> response.HTTPResponse:
        res = await request.respond(content_type="text/event-stream", headers={"cache-control": "no-cache"})
        try:
            await res.send("event: tick\ndata: one\n\n")
            EVENTS[key].append("sent:one")
            await gate(key).wait()  # the test opens it once it has read event one
            await res.send("event: tick\ndata: two\n\n")
            EVENTS[key].append("sent:two")
            await asyncio.sleep(3600)  # idle until the client goes away
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        finally:
            EVENTS[key].append("finally")
        return res

    @app.get("/sse-compat/<key>")
    async def sse_compat(request: Request, key: str) -> ResponseStream:
        # The pre-22.9 style: return a ResponseStream around a streaming function.
        async def events(stream: Any) -> None:
            await stream.write("data: one\n\n")
            EVENTS[key].append("sent:one")
            await gate(key).wait()
            await stream.write("data: two\n\n")
            EVENTS[key].append("sent:two")

        return ResponseStream(events, content_type="text/event-stream")

    @app.get("/stream-bytes")
    async def stream_bytes(request: Request) -> response.HTTPResponse:
        count, size = int(request.args.get("count", 16)), int(request.args.get("size", 65536))
        res = await request.respond(content_type="application/octet-stream")
        for i in range(count):
            await res.send(bytes([i % 256]) * size)
        await res.eof()
        return res

    # -- streaming request bodies ----------------------------------------------------
    @app.post("/upload-read/<key>", stream=True)
    async def upload_read(request: Request, key: str) -> response.HTTPResponse:
        total = chunks = 0
        while True:
            chunk = await request.stream.read()  # type: ignore[union-attr]
            if chunk is None:
                break
            total, chunks = total + len(chunk), chunks + 1
            EVENTS[key].append(len(chunk))
        return response.json({"total": total, "chunks": chunks})

    @app.post("/upload-iter/<key>", stream=True)
    async def upload_iter(request: Request, key: str) -> response.HTTPResponse:
        received = bytearray()
        async for chunk in request.stream:  # type: ignore[union-attr]
            received += chunk
            EVENTS[key].append(bytes(chunk).decode())
        return response.text(received.decode())

    # -- background tasks ------------------------------------------------------------
    async def before_startup_task() -> None:
        EVENTS["before-startup-task"].append("ran")

    app.add_task(before_startup_task)  # a callable: nothing to leak if never served

    @app.get("/tasks/spawn/<task_name>")
    async def spawn(request: Request, task_name: str) -> response.HTTPResponse:
        async def worker() -> None:
            EVENTS[task_name].append("started")
            try:
                await asyncio.sleep(3600)  # a handler that waits (slow, hanging or idle): the behaviour under test
            except asyncio.CancelledError:
                EVENTS[task_name].append("cancelled")
                raise

        app.add_task(worker(), name=task_name)
        return response.text("spawned")

    @app.get("/tasks/get/<task_name>")
    async def get_task(request: Request, task_name: str) -> response.HTTPResponse:
        task = app.get_task(task_name, raise_exception=False)
        return response.json(None if task is None else {"name": task.get_name(), "done": task.done()})

    @app.get("/tasks/cancel/<task_name>")
    async def cancel_task(request: Request, task_name: str) -> response.HTTPResponse:
        await app.cancel_task(task_name)
        app.purge_tasks()
        return response.text("cancelled")

    @app.get("/tasks/outlive/<key>")
    async def outlive(request: Request, key: str) -> response.HTTPResponse:
        async def after_the_response() -> None:
            await gate(key).wait()
            EVENTS[key].append("done after the response")

        app.add_task(after_the_response())
        return response.text("accepted", status=202)

    # -- sync handlers -----------------------------------------------------------------
    @app.get("/sync/where")
    def sync_where(request: Request) -> response.HTTPResponse:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_loop = False  # a worker thread has no running loop
        else:
            on_loop = True
        current = Request.get_current()  # the request's context reaches the thread
        return response.json({"on_loop": on_loop, "current_request": current is request})

    @app.get("/sync/block/<key>")
    def sync_block(request: Request, key: str) -> response.HTTPResponse:
        # A blocking call (think: a sync ORM query) that only another request
        # can end. On the loop it would wait for the timeout: nothing else runs.
        released = THREAD_GATES[key].wait(timeout=10)
        return response.text("released" if released else "timed out")

    @app.get("/release/<key>")
    async def release(request: Request, key: str) -> response.HTTPResponse:
        THREAD_GATES[key].set()
        return response.text("released")

    return app


def build_tasks(name: str) -> Sanic[Any, Any]:
    """Background tasks seen through a shutdown: the output is the record."""
    app: Sanic[Any, Any] = Sanic(name)
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 2
    stopping = asyncio.Event()

    def say(line: str) -> None:
        print(f"TASK {line}", flush=True)

    async def delayed_forever() -> None:
        # Added before startup: Sanic runs it from a signal after startup.
        say("delayed started")
        try:
            await asyncio.sleep(3600)  # a handler that waits (slow, hanging or idle): the behaviour under test
        except asyncio.CancelledError:
            say("delayed cancelled")
            raise

    app.add_task(delayed_forever)

    @app.before_server_stop
    async def shutdown_begins(app: Sanic[Any, Any]) -> None:
        say("before_server_stop")
        stopping.set()

    @app.after_server_stop
    async def shutdown_ends(app: Sanic[Any, Any]) -> None:
        say("after_server_stop")

    @app.get("/spawn")
    async def spawn(request: Request) -> response.HTTPResponse:
        async def finishes_during_grace() -> None:
            await stopping.wait()
            await asyncio.sleep(0.2)  # a handler that waits (slow, hanging or idle): the behaviour under test
            say("quick finished")

        async def runs_forever() -> None:
            try:
                await asyncio.sleep(3600)  # a handler that waits (slow, hanging or idle): the behaviour under test
            except asyncio.CancelledError:
                say("forever cancelled")
                raise

        app.add_task(finishes_during_grace(), name="finishes-during-grace")
        app.add_task(runs_forever(), name="runs-forever")
        return response.text("spawned")

    @app.get("/count")
    async def count(request: Request) -> response.HTTPResponse:
        tasks = tasks_ours.background_tasks if app is tasks_ours.app else None
        if tasks is None:
            return response.json(None)
        return response.json({"running": len(tasks), "names": sorted(t.get_name() for t in tasks)})

    return app


ours = ASGIApp(build("realtime_ours"))
native = build("realtime_native")
threaded = ASGIApp(build("realtime_threaded"), sync_handlers="thread")
tasks_ours = ASGIApp(build_tasks("tasks_ours"))
tasks_native = build_tasks("tasks_native")
