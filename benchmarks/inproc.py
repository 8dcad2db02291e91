"""Drive one candidate in this process: raw HTTP/1.1 (and websocket) bytes fed
straight into the server's protocol object through a fake transport.

No sockets, no threads, no timers that fire: what runs per request is the
server's protocol code, the adapter (if any) and the app, so that the work
counted is exactly the work a server does per request, minus the kernel.

Run as a child process (one per candidate, see ``benchmarks.apps``)::

    python -m benchmarks.inproc CANDIDATE --scenarios json,echo --requests 200

For each scenario it warms up, then runs two measured *windows* through
``sys.call_tracing`` -- one with 0 requests and one with N -- and prints one
JSON line per scenario.  ``sys.call_tracing`` is a C function that nothing
else calls, so callgrind can switch collection on and off around it
(``--toggle-collect=sys_call_tracing --dump-after=sys_call_tracing``): every
window becomes one dump, and ``(I[N] - I[0]) / N`` is the cost of one
request with the window's fixed cost (starting and stopping the loop) taken
out.  Without callgrind the same windows are timed with
``time.process_time``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from typing import Any, Callable

from .apps import CANDIDATES, make_candidate

__all__ = ["SCENARIOS", "main"]

SCENARIOS = ("json", "echo", "stream", "ws")

_HEADERS = b"Host: 127.0.0.1:8000\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n"
ECHO_SIZE = 64 * 1024
REQUESTS = {
    "json": b"GET /json HTTP/1.1\r\n" + _HEADERS + b"\r\n",
    "echo": b"POST /echo HTTP/1.1\r\n"
    + _HEADERS
    + b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % ECHO_SIZE
    + b"e" * ECHO_SIZE,
    "stream": b"GET /stream HTTP/1.1\r\n" + _HEADERS + b"\r\n",
}
WS_HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\n" + _HEADERS + b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
WS_PAYLOAD = b"Hello, websocket! 0123456789abcdef"
_MASK = b"\x11\x22\x33\x44"


def ws_client_frame(payload: bytes = WS_PAYLOAD) -> bytes:
    """A masked text frame, as a client sends it (payloads < 126 bytes)."""
    masked = bytes(b ^ _MASK[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + _MASK + masked


class FakeTransport(asyncio.Transport):
    """Collects what the server writes; resolves a waiter when an expected
    number of bytes has been written (learned from the first response)."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.target = 0
        self.waiter: asyncio.Future[None] | None = None
        self.learning: bytearray | None = None
        self.complete: Callable[[bytes], int] | None = None
        self.closed = False
        self.protocol: asyncio.BaseProtocol | None = None
        self._extra = {
            "peername": ("127.0.0.1", 54321),
            "sockname": ("127.0.0.1", 8000),
        }

    # -- what the protocols call -----------------------------------------
    def write(self, data: Any) -> None:
        if self.learning is not None:
            self.learning += data
            assert self.complete is not None
            size = self.complete(bytes(self.learning))
            if size and self.waiter is not None:
                self.target = size
                self.waiter.set_result(None)
            return
        self.written += len(data)
        if self.written >= self.target and self.waiter is not None:
            if self.written != self.target:
                raise AssertionError(
                    f"response size changed: {self.written} bytes, expected {self.target}: {data!r:.200}"
                )
            self.waiter.set_result(None)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._extra.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.protocol

    def is_reading(self) -> bool:
        return True

    def set_write_buffer_limits(self, high: Any = None, low: Any = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    # -- what the driver calls -------------------------------------------
    def expect(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        self.written = 0
        self.waiter = loop.create_future()
        return self.waiter

    async def learn(
        self, loop: asyncio.AbstractEventLoop, complete: Callable[[bytes], int], send: Callable[[], None]
    ) -> bytes:
        """Send once, wait for a complete response by parsing it; remember its size."""
        self.learning = bytearray()
        self.complete = complete
        self.waiter = loop.create_future()
        send()
        await asyncio.wait_for(self.waiter, 10)
        data = bytes(self.learning)
        self.learning = None
        return data


def http_response_size(data: bytes) -> int:
    """Size of a complete HTTP response at the start of ``data``, or 0."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return 0
    head = data[:end].lower()
    size = end + 4
    if head.startswith(b"http/1.1 101"):
        return size
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip() == b"content-length":
            total = size + int(value)
            return total if len(data) >= total else 0
    if b"transfer-encoding: chunked" in head:
        return len(data) if data.endswith(b"\r\n0\r\n\r\n") else 0
    return 0


def ws_frame_size(data: bytes) -> int:
    if len(data) < 2:
        return 0
    size = 2 + (data[1] & 0x7F)
    return size if len(data) >= size else 0


class Connection:
    """One server connection: a protocol object on a fake transport."""

    def __init__(self, protocol: asyncio.Protocol) -> None:
        self.protocol = protocol
        self.transport = FakeTransport()
        self.transport.protocol = protocol
        protocol.connection_made(self.transport)


class Harness:
    """Builds the server side for a candidate and runs requests through it."""

    def __init__(self, candidate: str, loop: asyncio.AbstractEventLoop) -> None:
        self.candidate = candidate
        self.loop = loop
        self.app = make_candidate(candidate)
        self.make_protocol: Callable[[], asyncio.Protocol]
        self._lifespan: Any = None

    async def start(self) -> None:
        if self.candidate == "sanic-server":
            await self._start_sanic_server()
        else:
            await self._start_uvicorn()

    async def _start_sanic_server(self) -> None:
        # What sanic.server.runners._serve_http_1 does before it listens.
        from functools import partial

        from sanic.application.constants import ServerStage
        from sanic.application.state import ApplicationServerInfo
        from sanic.models.server_types import Signal
        from sanic.server.async_server import AsyncioServer  # noqa: F401  (imported by Sanic's serve)
        from sanic.server.protocols.http_protocol import HttpProtocol
        from sanic.server.protocols.websocket_protocol import WebSocketProtocol
        from sanic.server.runners import _build_protocol_kwargs

        app = self.app
        protocol_class = WebSocketProtocol if app.websocket_enabled else HttpProtocol
        await app._startup()
        # As a worker process records it (app.loop and friends read it).
        app.state.server_info.append(ApplicationServerInfo(settings={}, stage=ServerStage.SERVING))
        await app._server_event("init", "before")
        await app._server_event("init", "after")
        self.make_protocol = partial(
            protocol_class,
            loop=self.loop,
            connections=set(),
            signal=Signal(),
            app=app,
            state={"requests_count": 0},
            unix=None,
            **_build_protocol_kwargs(protocol_class, app.config),
        )

    async def _start_uvicorn(self) -> None:
        from uvicorn.config import Config
        from uvicorn.lifespan.on import LifespanOn
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
        from uvicorn.server import ServerState

        # uvicorn's defaults, except: its keep-alive timer would close the
        # idle fake connection, logging stays off (as for every candidate),
        # and no ProxyHeadersMiddleware: Sanic's own server rewrites no
        # addresses at the protocol level (Sanic's Request reads forwarded
        # headers as its config says), and `sanic-asgi run` starts uvicorn
        # with --no-proxy-headers for that reason.  Same for every ASGI
        # candidate.
        config = Config(
            app=self.app,
            http="httptools",
            ws="auto",
            loop="none",
            lifespan="on",
            proxy_headers=False,
            timeout_keep_alive=3600,
            ws_ping_interval=None,
            access_log=False,
            log_config=None,
        )
        config.load()
        self._lifespan = LifespanOn(config)
        await self._lifespan.startup()
        if self._lifespan.should_exit:
            raise RuntimeError(f"{self.candidate}: lifespan startup failed")
        state = ServerState()
        state.default_headers = [(b"date", b"Mon, 23 Nov 2026 00:00:00 GMT"), (b"server", b"uvicorn")]
        self.server_state = state
        self.make_protocol = lambda: HttpToolsProtocol(
            config=config, server_state=state, app_state=self._lifespan.state, _loop=self.loop
        )

    # -- scenarios -----------------------------------------------------------
    async def prepare(self, scenario: str) -> Callable[[int], Any]:
        """Open a connection, learn the response size; return ``run(n)``."""
        conn = Connection(self.make_protocol())
        transport = conn.transport
        loop = self.loop
        if scenario == "ws":
            head = await transport.learn(loop, http_response_size, lambda: conn.protocol.data_received(WS_HANDSHAKE))
            if not head.startswith(b"HTTP/1.1 101"):
                raise RuntimeError(f"{self.candidate}: websocket handshake failed: {head[:200]!r}")
            # After the upgrade uvicorn hands the transport to a new protocol.
            protocol = transport.get_protocol()
            data = ws_client_frame()
            first = await transport.learn(loop, ws_frame_size, lambda: protocol.data_received(data))
            if WS_PAYLOAD not in first:
                raise RuntimeError(f"{self.candidate}: websocket echo failed: {first!r}")
        else:
            data = REQUESTS[scenario]
            protocol = conn.protocol
            first = await transport.learn(loop, http_response_size, lambda: protocol.data_received(data))
            if not first.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"{self.candidate}: {scenario}: {first[:300]!r}")
        await _drain()
        feed = protocol.data_received
        expect = transport.expect

        async def run(n: int) -> None:
            for _ in range(n):
                waiter = expect(loop)
                feed(data)
                await waiter
            await _drain()

        self.first_response = first
        return run


async def _drain() -> None:
    """Let the last request's tail (tasks finishing, cleanup) run.  A fixed
    number of loop iterations, the same in the 0-request window, so the
    idle iterations cancel out of ``I[N] - I[0]``."""
    for _ in range(_DRAIN_STEPS):
        await asyncio.sleep(0)


_DRAIN_STEPS = 100


def _measure_window(run: Callable[[int], Any], loop: asyncio.AbstractEventLoop, n: int) -> float:
    gc.collect()
    t0 = time.process_time()
    sys.call_tracing(loop.run_until_complete, (run(n),))
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inproc")
    parser.add_argument("candidate", choices=CANDIDATES)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args(argv)

    if args.loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    harness = Harness(args.candidate, loop)
    loop.run_until_complete(harness.start())
    for scenario in args.scenarios.split(","):
        run = loop.run_until_complete(harness.prepare(scenario))
        loop.run_until_complete(run(args.warmup))
        empty = _measure_window(run, loop, 0)
        full = _measure_window(run, loop, args.requests)
        result = {
            "candidate": args.candidate,
            "scenario": scenario,
            "requests": args.requests,
            "cpu_s": [empty, full],
            "response_bytes": len(harness.first_response),
        }
        print(json.dumps(result), flush=True)
    # No shutdown: open websockets would hold lifespan shutdown for the
    # grace period, and nothing after this point is measured.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
