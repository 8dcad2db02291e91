"""The app the reliability suite loads, breaks and attacks.

``build(name, config)`` returns a fresh Sanic app; the module exposes it for
real servers as

* ``load``   - ``ASGIApp(app)`` with Sanic's defaults (access log off: the
  load run would otherwise measure logging);
* ``faults`` - the same routes with ``RESPONSE_TIMEOUT = 4`` and a 5 s grace
  period, for the fault-injection tests.

Every answer lets the client check that it got what *its* request asked for:

* ``x-tag`` (a unique string per request) and ``x-request-id`` (a UUID) are
  read back after the handler has yielded to other requests, from four places
  that must agree: ``request.ctx`` (set by a request middleware), a context
  variable, ``Request.get_current()`` and ``request.id``; they come back in
  ``x-seen``, and a response middleware adds ``x-after`` from ``request.ctx``.
* bodies are derived from the tag (``pattern``) or echoed, with the SHA-256
  the server computed over what it received (``x-body-sha256``).

A mismatch seen on the server side is also counted (``CROSSTALK``), as is a
request whose context variable is already set when it starts (a context
shared with an earlier request); ``GET /_stats`` reports them with the
process's RSS, its number of asyncio tasks and the adapter's count of
requests in flight, so that a test can see inside a server running in another
process.  ``EVENTS``/``PROGRESS``
record what happened to the fault-injection handlers (read back with
``GET /_events/<key>`` and ``GET /_progress/<key>``).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from sanic import Request, Sanic, Websocket, response
from sanic.exceptions import SanicException

from sanic_asgi import ASGIApp

HERE = Path(__file__).resolve().parent
STATIC_ROOT = HERE / "static_root"
SECRET_FILE = HERE / "secret.txt"
SECRET_MARKER = "TOP-SECRET-0xC0FFEE"
# Text in an exception a handler raises: an error page must not show it unless DEBUG.
ERROR_MARKER = "ERROR-DETAIL-7f3a"

FAULTS_CONFIG: dict[str, Any] = {"RESPONSE_TIMEOUT": 4, "GRACEFUL_SHUTDOWN_TIMEOUT": 5}

TAG: contextvars.ContextVar[str | None] = contextvars.ContextVar("reliability_tag", default=None)
CROSSTALK: list[str] = []
EVENTS: defaultdict[str, list[Any]] = defaultdict(list)
PROGRESS: defaultdict[str, int] = defaultdict(int)
RUNTIMES: dict[str, Any] = {}


def pattern(seed: str, size: int) -> bytes:
    """``size`` bytes that only ``seed`` produces (client and server agree on it)."""
    block = hashlib.sha256(seed.encode("utf-8", "surrogateescape")).hexdigest().encode()
    return (block * (size // len(block) + 1))[:size]


def rss_kib() -> int:
    """The resident set size of this process, in KiB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


async def _identity(request: Request) -> str:
    """What the request says about itself after other requests had a turn."""
    for _ in range(3):
        await asyncio.sleep(0)
    expected = request.headers.get("x-tag", "")
    seen = [request.ctx.tag, TAG.get(), Request.get_current().ctx.tag]
    if any(value != expected for value in seen):
        CROSSTALK.append(f"{expected!r} saw {seen!r}")
    return "|".join(str(value) for value in [*seen, request.id])


def build(name: str, config: dict[str, Any] | None = None) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.config.ACCESS_LOG = False
    app.config.update(config or {})
    app.static("/static", STATIC_ROOT, name="static_root")

    @app.on_request
    async def tag_request(request: Request) -> None:
        request.ctx.tag = request.headers.get("x-tag", "")
        leaked = TAG.get()
        if leaked is not None:
            # Each request must start in a context of its own.
            CROSSTALK.append(f"{request.ctx.tag!r} started with the context variable of {leaked!r}")
        TAG.set(request.ctx.tag)

    @app.on_response
    async def tag_response(request: Request, res: response.HTTPResponse) -> None:
        tag = getattr(request.ctx, "tag", None)
        if tag is not None:
            res.headers["x-after"] = tag

    @app.after_server_stop
    async def report_stop(app: Sanic[Any, Any]) -> None:
        runtime = RUNTIMES.get(app.name)
        inflight = runtime.inflight if runtime is not None else "?"
        print(f"RELIABILITY after_server_stop inflight={inflight} crosstalk={len(CROSSTALK)}", flush=True)

    # -- load -----------------------------------------------------------------
    @app.route("/gen/<size:int>", methods=["GET", "HEAD"])
    async def gen(request: Request, size: int) -> response.HTTPResponse:
        seen = await _identity(request)
        body = pattern(request.ctx.tag, size)
        return response.raw(body, headers={"x-seen": seen, "x-body-sha256": hashlib.sha256(body).hexdigest()})

    @app.post("/echo")
    async def echo(request: Request) -> response.HTTPResponse:
        seen = await _identity(request)
        body = request.body
        return response.raw(body, headers={"x-seen": seen, "x-body-sha256": hashlib.sha256(body).hexdigest()})

    @app.post("/upload", stream=True)
    async def upload(request: Request) -> response.HTTPResponse:
        digest, size, chunks = hashlib.sha256(), 0, 0
        while True:
            chunk = await request.stream.read()  # type: ignore[union-attr]
            if chunk is None:
                break
            digest.update(chunk)
            size, chunks = size + len(chunk), chunks + 1
        seen = await _identity(request)
        return response.json({"sha256": digest.hexdigest(), "size": size, "chunks": chunks}, headers={"x-seen": seen})

    # Streaming handlers respond through request.respond() and return None:
    # returning the response as well makes Sanic log an error for each request.
    @app.get("/stream/<chunks:int>/<size:int>")
    async def stream(request: Request, chunks: int, size: int) -> None:
        seen = await _identity(request)
        res = await request.respond(content_type="application/octet-stream", headers={"x-seen": seen})
        for index in range(chunks):
            await res.send(pattern(f"{request.ctx.tag}:{index}", size))
            await asyncio.sleep(0)
        await res.eof()

    @app.websocket("/ws")
    async def ws_echo(request: Request, ws: Websocket) -> None:
        tag = request.args.get("tag", "")
        request.ctx.tag = tag
        TAG.set(tag)
        while True:
            message = await ws.recv()
            if message is None:
                break
            await asyncio.sleep(0)
            await ws.send(f"{request.ctx.tag}|{TAG.get()}|{message}")

    @app.get("/_stats")
    async def stats(request: Request) -> response.HTTPResponse:
        runtime = request.transport.runtime  # type: ignore[attr-defined]
        return response.json(
            {
                "pid": os.getpid(),
                "rss_kib": rss_kib(),
                "tasks": len(asyncio.all_tasks()),
                # This request is one of them.
                "inflight": runtime.inflight - 1,
                "crosstalk": CROSSTALK[:20],
                "crosstalk_count": len(CROSSTALK),
            }
        )

    # -- faults ---------------------------------------------------------------
    @app.get("/_events/<key>")
    async def events(request: Request, key: str) -> response.HTTPResponse:
        return response.json(EVENTS.get(key, []))

    @app.get("/_progress/<key>")
    async def progress(request: Request, key: str) -> response.HTTPResponse:
        return response.json({"sent": PROGRESS.get(key, 0), "rss_kib": rss_kib(), "events": EVENTS.get(key, [])})

    @app.post("/faults/upload/<key>", stream=True)
    async def slow_upload(request: Request, key: str) -> response.HTTPResponse:
        EVENTS[key].append("started")
        received = 0
        try:
            while True:
                chunk = await request.stream.read()  # type: ignore[union-attr]
                if chunk is None:
                    break
                received += len(chunk)
                PROGRESS[key] = received
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        except Exception as exc:
            EVENTS[key].append(f"error:{type(exc).__name__}")
            raise
        finally:
            EVENTS[key].append("finally")
        return response.json({"received": received})

    @app.get("/faults/stream/<key>")
    async def stream_until_cancelled(request: Request, key: str) -> None:
        """Streams ``mb`` MiB in ``chunk``-byte pieces (forever without ``mb``;
        with a ``content-length`` if ``sized``); ``PROGRESS[key]`` is what
        ``send()`` has accepted so far."""
        chunk = int(request.args.get("chunk", 65536))
        total = int(float(request.args.get("mb", 0)) * 1024 * 1024)
        pause = float(request.args.get("pause", 0))
        headers = {"content-length": str(total)} if total and request.args.get("sized") else None
        res = await request.respond(content_type="application/octet-stream", headers=headers)
        EVENTS[key].append("started")
        piece = b"x" * chunk
        try:
            while not total or PROGRESS[key] < total:
                await res.send(piece)
                PROGRESS[key] += chunk
                if pause:
                    await asyncio.sleep(pause)  # the stream's pace, asked for by the test
            await res.eof()
            EVENTS[key].append("completed")
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        except Exception as exc:
            EVENTS[key].append(f"error:{type(exc).__name__}")
            raise
        finally:
            EVENTS[key].append("finally")

    @app.get("/faults/hang/<key>")
    async def hang(request: Request, key: str) -> response.HTTPResponse:
        EVENTS[key].append("started")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        finally:
            EVENTS[key].append("finally")
        return response.text("unreachable")

    @app.get("/faults/slow/<key>")
    async def slow(request: Request, key: str) -> response.HTTPResponse:
        EVENTS[key].append("started")
        try:
            await asyncio.sleep(float(request.args.get("seconds", 1)))  # the behaviour under test
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        EVENTS[key].append("done")
        return response.raw(pattern(key, 4096))

    @app.get("/faults/task-raises/<key>")
    async def task_raises(request: Request, key: str) -> response.HTTPResponse:
        async def doomed() -> None:
            await asyncio.sleep(0)
            EVENTS[key].append("task ran")
            raise RuntimeError(f"background task {key} failed")

        request.app.add_task(doomed(), name=f"doomed-{key}")
        return response.text("task started")

    @app.websocket("/faults/ws/<key>")
    async def ws_observe(request: Request, ws: Websocket, key: str) -> None:
        EVENTS[key].append("open")
        try:
            while True:
                message = await ws.recv()
                if message is None:
                    break
                await ws.send(message)
        except asyncio.CancelledError:
            EVENTS[key].append("cancelled")
            raise
        finally:
            EVENTS[key].append("finally")

    # -- security -------------------------------------------------------------
    @app.get("/whoami")
    async def whoami(request: Request) -> response.HTTPResponse:
        return response.json(
            {
                "ip": request.ip,
                "remote_addr": request.remote_addr,
                "client_ip": request.client_ip,
                "forwarded": dict(request.forwarded),
                "scheme": request.scheme,
                "host": request.host,
            }
        )

    @app.get("/raise")
    async def raise_error(request: Request) -> response.HTTPResponse:
        raise ValueError(f"{ERROR_MARKER}: database password is hunter2")

    @app.websocket("/ws/raise")
    async def ws_raise(request: Request, ws: Websocket) -> None:
        await ws.recv()
        raise ValueError(f"{ERROR_MARKER}: websocket handler failed")

    @app.get("/raise-sanic")
    async def raise_sanic(request: Request) -> response.HTTPResponse:
        raise SanicException(f"{ERROR_MARKER}: a 503 with a message", status_code=503)

    @app.get("/inject/<where>")
    async def inject(request: Request, where: str) -> response.HTTPResponse:
        """A handler that puts CR/LF into a header: it must never split the header."""
        evil = "ok\r\nx-injected: 1\r\nset-cookie: pwned=1"
        if where == "value":
            return response.text("injected?", headers={"x-evil": evil})
        if where == "name":
            return response.text("injected?", headers={"x-evil\r\nx-injected": "1"})
        if where == "nul":
            return response.text("injected?", headers={"x-evil": "ok\x00x-injected: 1"})
        if where == "reflect":
            # Whatever the client put in the query string, decoded.
            return response.text("reflected", headers={"x-reflect": request.args.get("v", "")})
        if where == "redirect":
            return response.redirect("/gen/1\r\nx-injected: 1")
        if where == "cookie":
            res = response.text("cookie")
            res.add_cookie("session", "a\r\nx-injected: 1")
            return res
        return response.text("unknown", status=404)

    return app


def _serve(name: str, config: dict[str, Any] | None = None) -> ASGIApp:
    asgi = ASGIApp(build(name, config))
    RUNTIMES[name] = asgi.runtime
    return asgi


load = _serve("reliability_load")
faults = _serve("reliability_faults", FAULTS_CONFIG)


def dump(obj: Any) -> str:  # pragma: no cover - debugging aid for test failures
    return json.dumps(obj, indent=2, default=str, ensure_ascii=False)


if sys.platform != "linux":  # pragma: no cover
    print("reliability app: RSS figures need /proc (Linux); they read 0 here", file=sys.stderr)
