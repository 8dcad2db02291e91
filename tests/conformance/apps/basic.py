"""The app most conformance tests talk to: one route per point to probe.

``build(name)`` returns a fresh Sanic app; the module exposes it twice, so a
server can load either implementation by attribute:

* ``ours``   - ``sanic_asgi.ASGIApp(app)``
* ``native`` - the Sanic app itself (Sanic's own ASGI mode)
* ``tuned``/``tuned_native`` - the same routes with non-default limits and
  proxy settings (``TUNED_CONFIG``), and the access log switched off.
* ``mounted``/``mounted_native`` - the app inside Starlette's ``Mount("/api")``.

Handlers record what happened to them (a ``finally`` that ran, a listener
run, a websocket close) in ``EVENTS`` under a key chosen by the test, and
``GET /events/<key>`` reads it back: a real server runs the app in another
process, so that is the only way for a test to see inside.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections import defaultdict
from typing import Any

from sanic import Blueprint, Request, Sanic, Websocket, response
from sanic.exceptions import SanicException

from sanic_asgi import ASGIApp, lifespan_state

# Access log lines in a form the tests can parse, next to Sanic's own format:
# the fields are the ones Sanic's server fills (sanic.http.Http.log_response).
ACCESS_FORMAT = "ACCESS|%(status)s|%(byte)s|%(host)s|%(request)s"

TUNED_CONFIG: dict[str, Any] = {
    "REQUEST_MAX_SIZE": 1024,
    "RESPONSE_TIMEOUT": 1,
    "FORWARDED_SECRET": "s3cret",
    "REAL_IP_HEADER": "x-real-ip",
    "PROXIES_COUNT": 1,
    "ACCESS_LOG": False,
}

EVENTS: defaultdict[str, list[Any]] = defaultdict(list)


class Teapot(Exception):
    """Answered by a custom exception handler."""


def _install_access_log_handler() -> None:
    access = logging.getLogger("sanic.access")
    if not any(getattr(h, "_conformance", False) for h in access.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(ACCESS_FORMAT))
        handler._conformance = True  # type: ignore[attr-defined]
        access.addHandler(handler)
        access.setLevel(logging.INFO)


def build(name: str, config: dict[str, Any] | None = None) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.config.ACCESS_LOG = True
    app.config.update(config or {})
    _install_access_log_handler()

    # -- listeners ---------------------------------------------------------
    @app.before_server_start
    async def publish_state(app: Sanic[Any, Any]) -> None:
        EVENTS["listeners"].append("before_server_start")
        # Native ASGI: the lifespan state cannot be reached from a listener.
        with contextlib.suppress(LookupError):
            lifespan_state(app)["answer"] = 42
        app.ctx.started = True

    @app.after_server_start
    async def after_start(app: Sanic[Any, Any]) -> None:
        EVENTS["listeners"].append("after_server_start")

    @app.main_process_start
    async def main_start(app: Sanic[Any, Any]) -> None:
        EVENTS["listeners"].append("main_process_start")

    # -- plain responses -----------------------------------------------------
    @app.route("/hello", methods=["GET", "HEAD"], name="hello")
    async def hello(request: Request) -> response.HTTPResponse:
        return response.text("Hello, world")

    @app.get("/items/<item_id:int>", name="item")
    async def item(request: Request, item_id: int) -> response.HTTPResponse:
        return response.json({"item": item_id, "path": request.path})

    @app.post("/echo")
    async def echo(request: Request) -> response.HTTPResponse:
        return response.raw(request.body, content_type="application/octet-stream")

    @app.get("/events/<key>")
    async def events(request: Request, key: str) -> response.HTTPResponse:
        return response.json(EVENTS.get(key, []))

    @app.get("/tasks")
    async def tasks(request: Request) -> response.HTTPResponse:
        # The await chain of every task on the server's loop (but this
        # request's own), by coroutine name: a test looks for the handlers of
        # requests whose client has gone.
        current = asyncio.current_task()
        chains = []
        for task in asyncio.all_tasks():
            if task is current or task.done():
                continue
            chain, coro = [], task.get_coro()
            while coro is not None:
                chain.append(str(getattr(coro, "__qualname__", type(coro).__name__)))
                coro = getattr(coro, "cr_await", None)
            chains.append(chain)
        return response.json(chains)

    @app.get("/info")
    async def info(request: Request) -> response.HTTPResponse:
        conn = request.conn_info
        return response.json(
            {
                "ip": request.ip,
                "port": request.port,
                "scheme": request.scheme,
                "host": request.host,
                "server_name": request.server_name,
                "server_port": request.server_port,
                "remote_addr": request.remote_addr,
                "client_ip": request.client_ip,
                "forwarded": dict(request.forwarded),
                "url": request.url,
                "path": request.path,
                "query": request.query_string,
                "headers": {k: v for k, v in request.headers.items() if k.startswith("x-")},
                "conn_info": None
                if conn is None
                else {
                    "client_ip": conn.client_ip,
                    "client_port": conn.client_port,
                    "server": conn.server,
                    "server_port": conn.server_port,
                    "ssl": conn.ssl,
                    "peername": list(conn.peername) if conn.peername else None,
                },
            }
        )

    @app.get("/state")
    async def state(request: Request) -> response.HTTPResponse:
        scope_state = request.scope.get("state")
        try:
            ours = dict(lifespan_state(request))
        except LookupError as exc:
            ours = {"error": str(exc)}
        return response.json({"scope_state": scope_state, "lifespan_state": ours, "started": app.ctx.started})

    @app.get("/url")
    async def url(request: Request) -> response.HTTPResponse:
        return response.json(
            {
                "request_url_for": request.url_for("item", item_id=7),
                "app_url_for": app.url_for("item", item_id=7),
                "app_url_for_external": app.url_for("item", item_id=7, _external=True, _server=request.host),
                "root_path": request.scope.get("root_path"),
            }
        )

    # -- framing ---------------------------------------------------------------
    @app.get("/cookies")
    async def cookies(request: Request) -> response.HTTPResponse:
        res = response.text("cookies")
        res.add_cookie("one", "1")
        res.add_cookie("two", "2")
        res.headers.add("x-multi", "a")
        res.headers.add("x-multi", "b")
        return res

    @app.get("/header-bytes")
    async def header_bytes(request: Request) -> response.HTTPResponse:
        # Echo the request header as Sanic decoded it (utf-8, surrogateescape)
        # and answer with a non-ASCII value, which Sanic encodes as UTF-8.
        got = request.headers.get("x-latin", "")
        return response.text(ascii(got), headers={"x-unicode": "café"})

    @app.route("/respond-once", methods=["GET", "HEAD"])
    async def respond_once(request: Request) -> None:
        # The whole body in the first send; Sanic then ends the stream itself.
        res = await request.respond(content_type="text/plain")
        await res.send("once", end_stream=True)

    @app.get("/header-values")
    async def header_values(request: Request) -> response.HTTPResponse:
        # Values Sanic turns into text (f"{value}") and, from 25.12, strips
        # of CR, LF and NUL (header injection).
        res = response.text("values", headers={"x-int": 7, "x-crlf": "ok\r\nX-Injected: hdr", "x-nul": "a\x00b"})
        res.headers["X-Mixed-Case"] = "kept"
        return res

    @app.route("/status/<code:int>", methods=["GET", "HEAD"])
    async def status(request: Request, code: int) -> response.HTTPResponse:
        # A body on a 204/304 must never reach the wire.
        return response.text("must not be sent", status=code)

    @app.get("/stream-out")
    async def stream_out(request: Request) -> response.HTTPResponse:
        res = await request.respond(content_type="text/plain")
        for i in range(3):
            await res.send(f"chunk{i};")
        await res.eof()
        return res

    @app.get("/stream-out-sized")
    async def stream_out_sized(request: Request) -> response.HTTPResponse:
        res = await request.respond(content_type="text/plain", headers={"content-length": "12"})
        await res.send("abcdef")
        await res.send("ghijkl")
        await res.eof()
        return res

    # -- request bodies ----------------------------------------------------------
    @app.post("/stream-in/<key>", stream=True)
    async def stream_in(request: Request, key: str) -> response.HTTPResponse:
        sizes = []
        while True:
            chunk = await request.stream.read()  # type: ignore[union-attr]
            if chunk is None:
                break
            sizes.append(len(chunk))
            EVENTS[key].append(len(chunk))
        return response.json({"total": sum(sizes), "chunks": len(sizes)})

    # -- slow handlers, disconnects and timeouts -------------------------------------
    @app.get("/slow/<key>")
    async def slow(request: Request, key: str) -> response.HTTPResponse:
        EVENTS[key].append("started")
        try:
            await asyncio.sleep(float(request.args.get("seconds", 30)))  # the behaviour under test
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        finally:
            EVENTS[key].append("finally")
        return response.text("slow done")

    @app.get("/stream-forever/<key>")
    async def stream_forever(request: Request, key: str) -> response.HTTPResponse:
        res = await request.respond(content_type="text/plain")
        EVENTS[key].append("started")
        try:
            while True:
                await res.send("tick\n")
                await asyncio.sleep(0.05)  # a handler that waits (slow, hanging or idle): the behaviour under test
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        finally:
            EVENTS[key].append("finally")

    # -- errors ------------------------------------------------------------------
    @app.get("/raise")
    async def raise_error(request: Request) -> response.HTTPResponse:
        raise ValueError("boom before the response")

    @app.get("/teapot")
    async def teapot(request: Request) -> response.HTTPResponse:
        raise Teapot("short and stout")

    @app.exception(Teapot)
    async def on_teapot(request: Request, exc: Exception) -> response.HTTPResponse:
        return response.text(f"custom handler: {exc}", status=418)

    @app.get("/raise-after-start")
    async def raise_after_start(request: Request) -> response.HTTPResponse:
        res = await request.respond(content_type="text/plain")
        await res.send("partial;")
        raise ValueError("boom after the response started")

    @app.get("/respond-twice")
    async def respond_twice(request: Request) -> response.HTTPResponse:
        res = await request.respond(content_type="text/plain")
        await res.send("first", end_stream=True)
        return response.text("second", status=201)

    @app.get("/sanic-exception")
    async def sanic_exception(request: Request) -> response.HTTPResponse:
        raise SanicException("nope", status_code=409)

    # A CancelledError raised by the handler itself (not a disconnect): on
    # Sanic's server it goes to the app's exception handlers.
    @app.get("/cancelled")
    async def cancelled(request: Request) -> response.HTTPResponse:
        raise asyncio.CancelledError("handler gave up")

    cancel_bp = Blueprint(f"{name}_cancel", url_prefix="/bp")

    @cancel_bp.get("/cancelled")
    async def bp_cancelled(request: Request) -> response.HTTPResponse:
        raise asyncio.CancelledError("handler gave up")

    @cancel_bp.exception(asyncio.CancelledError)
    async def on_cancelled(request: Request, exc: BaseException) -> response.HTTPResponse:
        return response.text("custom cancelled handler", status=503)

    app.blueprint(cancel_bp)

    # -- websockets -------------------------------------------------------------
    @app.websocket("/ws/echo")
    async def ws_echo(request: Request, ws: Websocket) -> None:
        while True:
            message = await ws.recv()
            if message is None:
                break
            await ws.send(message)

    @app.websocket("/ws/subprotocol", subprotocols=["chat.v2", "chat.v1"])
    async def ws_subprotocol(request: Request, ws: Websocket) -> None:
        await ws.send(f"subprotocol={ws.subprotocol}")
        await ws.recv()

    @app.websocket("/ws/close")
    async def ws_close(request: Request, ws: Websocket) -> None:
        await ws.recv()
        await ws.close(4001, "closed by the app")

    @app.websocket("/ws/observe/<key>")
    async def ws_observe(request: Request, ws: Websocket, key: str) -> None:
        try:
            while True:
                message = await ws.recv()
                if message is None:
                    break
                EVENTS[key].append(message)
                await ws.send("ok")
        finally:
            EVENTS[key].append(f"closed:{getattr(ws, 'close_code', None)}:{getattr(ws, 'close_reason', None)}")

    @app.websocket("/ws/raise")
    async def ws_raise(request: Request, ws: Websocket) -> None:
        await ws.recv()
        raise RuntimeError("websocket handler failed")

    @app.websocket("/ws/info")
    async def ws_info(request: Request, ws: Websocket) -> None:
        await ws.send(
            f"{request.scheme}|{request.ip}|{request.port}|{request.path}|{request.url_for('item', item_id=7)}"
        )
        await ws.recv()

    return app


ours = ASGIApp(build("basic_ours"))
native = build("basic_native")
tuned = ASGIApp(build("tuned_ours", TUNED_CONFIG))
tuned_native = build("tuned_native", TUNED_CONFIG)


def _mount(app: Any) -> Any:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    async def outside(request: Any) -> PlainTextResponse:
        return PlainTextResponse("starlette")

    # Starlette forwards lifespan to its own handler only: mounted apps get no
    # lifespan events, so the mounted Sanic app starts lazily.
    return Starlette(routes=[Route("/outside", outside), Mount("/api", app=app)])


mounted = _mount(ASGIApp(build("mounted_ours")))
mounted_native = _mount(build("mounted_native"))
