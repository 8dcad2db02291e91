"""Faults: clients that leave, clients that read slowly, handlers that hang,
tasks and listeners that raise, shutdown with requests in flight.

The first half runs against real servers (uvicorn with httptools and
websockets, and granian), serving ``apps/reliable.py:faults``
(``RESPONSE_TIMEOUT = 4``): each fault is injected ``scale.fault_repeats``
times and the handler's own record (``/_events/<key>``) shows how it ended.
A fault passes when the handler was stopped or finished (its ``finally``
ran), nothing is left in flight, and the server logged no traceback.  The
second half drives the adapter in-process, where the shutdown sequence can be
watched message by message.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sanic import Request, Sanic, response

from sanic_asgi import ASGIApp
from tests._servers import ServerProcess
from tests.asgi_driver import FakeServer, poll, settle
from tests.reliability._figures import Figures
from tests.reliability._serve import (
    LOAD_KINDS,
    abort,
    connect,
    read_head,
    serving,
    settled_stats,
    wait_events,
)
from tests.reliability.apps.reliable import pattern

TRACEBACK_LINES = ("Traceback", "Exception in ASGI application", "Task exception was never retrieved")


def new_key() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="module", params=LOAD_KINDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with serving(request.param, "faults", tmp_path_factory.mktemp("faults")) as process:
        yield process


@pytest.fixture(scope="module", params=LOAD_KINDS)
def patient_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The ``load`` variant (Sanic's default 60 s RESPONSE_TIMEOUT): a slow
    reader may block a handler's send() longer than ``faults``' 4 s."""
    with serving(request.param, "load", tmp_path_factory.mktemp("patient")) as process:
        yield process


@pytest.fixture
def clean_log(server: ServerProcess) -> Iterator[None]:
    """The test must leave no traceback in the server's output, and nothing in flight."""
    mark = server.log_mark()
    yield
    stats = settled_stats(server.url, lambda s: s["inflight"] == 0)
    assert stats["inflight"] == 0, stats
    text = server.log_since(mark)
    assert not [line for line in text.splitlines() if any(s in line for s in TRACEBACK_LINES)], text[-3000:]


def ended(events: list[Any]) -> bool:
    return "finally" in events


def post_headers(path: str, length: int) -> bytes:
    return f"POST {path} HTTP/1.1\r\nhost: test\r\ncontent-length: {length}\r\n\r\n".encode()


def get_headers(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nhost: test\r\n\r\n".encode()


def progress(server: ServerProcess, key: str) -> dict[str, Any]:
    return httpx.get(f"{server.url}/_progress/{key}", timeout=10).json()  # type: ignore[no-any-return]


def wait_progress(server: ServerProcess, key: str, minimum: int, timeout: float = 10.0) -> int:
    return poll(lambda: int(progress(server, key)["sent"]), lambda sent: sent >= minimum, timeout, 0.02)


# ---------------------------------------------------------------------------
# Clients that leave
# ---------------------------------------------------------------------------
@pytest.mark.usefixtures("clean_log")
@pytest.mark.timeout(120)
def test_client_leaves_in_the_middle_of_the_request_body(server: ServerProcess, figures: Figures) -> None:
    lost = []  # handlers that never ended: the loss this test looks for
    for attempt in range(figures.scale.fault_repeats):
        key = new_key()
        sock = connect(server.port)
        sock.sendall(post_headers(f"/faults/upload/{key}", 10 * 1024 * 1024) + b"x" * 256 * 1024)
        assert wait_progress(server, key, 1) > 0, "the handler never read the body"
        abort(sock) if attempt % 2 else sock.close()
        events = wait_events(server.url, key, ended)
        if not ended(events):
            lost.append(events)
            continue
        # The handler's read() raised (the client is gone) or it was cancelled.
        assert "cancelled" in events or "error:RequestCancelled" in events, events
    injected = figures.scale.fault_repeats
    figures.record("faults", f"leave mid request body ({server.kind.id})", injected=injected, lost=len(lost))
    assert not lost, f"{len(lost)} of {injected} handlers never ended: {lost[:3]}"


@pytest.mark.usefixtures("clean_log")
@pytest.mark.timeout(120)
def test_client_leaves_in_the_middle_of_a_streamed_response(server: ServerProcess, figures: Figures) -> None:
    lost = []  # handlers that never ended
    for attempt in range(figures.scale.fault_repeats):
        key = new_key()
        sock = connect(server.port)
        sock.sendall(get_headers(f"/faults/stream/{key}?pause=0.005&chunk=4096"))
        head, _ = read_head(sock)
        assert head.startswith(b"HTTP/1.1 200"), head
        sock.recv(65536)
        abort(sock) if attempt % 2 else sock.close()
        events = wait_events(server.url, key, ended)
        if not ended(events):
            lost.append(events)
            continue
        assert "completed" not in events
        assert "cancelled" in events or any(str(e).startswith("error:") for e in events), events
    injected = figures.scale.fault_repeats
    figures.record("faults", f"leave mid response stream ({server.kind.id})", injected=injected, lost=len(lost))
    assert not lost, f"{len(lost)} of {injected} handlers never ended: {lost[:3]}"


@pytest.mark.usefixtures("clean_log")
@pytest.mark.timeout(120)
async def test_client_leaves_in_the_middle_of_a_websocket(server: ServerProcess, figures: Figures) -> None:
    from websockets.asyncio.client import connect as ws_connect

    lost = []  # handlers that never ended
    for attempt in range(figures.scale.fault_repeats):
        key = new_key()
        ws = await ws_connect(f"{server.ws_url}/faults/ws/{key}", open_timeout=30, ping_interval=None)
        await ws.send("hello")
        assert await asyncio.wait_for(ws.recv(), 30) == "hello"
        if attempt % 2:
            ws.transport.abort()  # no close frame, a RST
        else:
            ws.transport.close()  # no close frame, a FIN
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.wait_closed(), 5)
        events = await asyncio.to_thread(wait_events, server.url, key, ended)
        if not ended(events):
            lost.append(events)
    injected = figures.scale.fault_repeats
    figures.record("faults", f"leave mid websocket ({server.kind.id})", injected=injected, lost=len(lost))
    assert not lost, f"{len(lost)} of {injected} handlers never ended: {lost[:3]}"


# ---------------------------------------------------------------------------
# A slow client: backpressure
# ---------------------------------------------------------------------------
@pytest.mark.timeout(180)
def test_slow_reader_gets_backpressure(patient_server: ServerProcess, figures: Figures) -> None:
    """A client that reads slowly holds the handler back: what the handler has
    handed to ``send()`` stays within a few socket buffers of what the client
    has read, and the server's memory does not grow with the response size."""
    server = patient_server
    mark = server.log_mark()
    total = figures.scale.backpressure_mib * 1024 * 1024
    key = new_key()
    rss_before = progress(server, key)["rss_kib"]
    sock = connect(server.port, timeout=30, rcvbuf=64 * 1024)
    with sock:
        sock.sendall(get_headers(f"/faults/stream/{key}?mb={figures.scale.backpressure_mib}&sized=1"))
        head, body = read_head(sock)
        assert head.startswith(b"HTTP/1.1 200"), head
        assert f"content-length: {total}".encode() in head.lower(), head
        consumed = len(body)
        max_gap = peak_rss = 0
        # Stall, then trickle: 16 rounds of 0.1 s pause and one 64 KiB read.
        for _ in range(16):
            time.sleep(0.1)  # the slow reader's pace: the behaviour under test
            current = progress(server, key)
            max_gap = max(max_gap, current["sent"] - consumed)
            peak_rss = max(peak_rss, current["rss_kib"])
            consumed += len(sock.recv(65536))
        stalled_at = progress(server, key)["sent"]
        # Now read everything, at full speed.
        while consumed < total:
            chunk = sock.recv(1024 * 1024)
            if not chunk:
                break
            consumed += len(chunk)
    events = wait_events(server.url, key, ended)
    growth_mib = (peak_rss - rss_before) / 1024
    figures.record(
        "backpressure",
        f"slow reader, {figures.scale.backpressure_mib} MiB ({server.kind.id})",
        max_unread_MiB=round(max_gap / 2**20, 2),
        rss_growth_MiB=round(growth_mib, 1),
        delivered_MiB=round(consumed / 2**20, 1),
    )
    assert consumed == total, (consumed, total)
    assert "completed" in events, events
    # Without backpressure the handler would have produced the whole body
    # while the client stalled.
    assert stalled_at < total / 2, (stalled_at, total)
    assert max_gap < 16 * 1024 * 1024, max_gap
    assert growth_mib < 48, (rss_before, peak_rss)
    assert "Traceback" not in server.log_since(mark)


# ---------------------------------------------------------------------------
# Handlers that hang, tasks that raise
# ---------------------------------------------------------------------------
@pytest.mark.usefixtures("clean_log")
@pytest.mark.timeout(120)
async def test_hanging_handlers_time_out_with_503_and_are_cancelled(server: ServerProcess, figures: Figures) -> None:
    keys = [new_key() for _ in range(min(figures.scale.fault_repeats, 20))]
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        started = time.monotonic()
        answers = await asyncio.gather(*(client.get(f"/faults/hang/{key}") for key in keys))
        elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [503] * len(keys), [a.text for a in answers]
    assert elapsed < 30  # RESPONSE_TIMEOUT is 4 s: a generous bound, not a timing check
    lost = []  # handlers not cancelled (still running, or ended some other way)
    for key in keys:
        events = await asyncio.to_thread(wait_events, server.url, key, ended)
        if events != ["started", "cancelled", "finally"]:
            lost.append(events)
    figures.record("faults", f"hanging handler -> 503 ({server.kind.id})", injected=len(keys), lost=len(lost))
    assert not lost, f"expected ['started', 'cancelled', 'finally'] for every handler: {lost[:3]}"


@pytest.mark.timeout(120)
def test_background_task_that_raises_is_reported_not_lost(
    tmp_path_factory: pytest.TempPathFactory, figures: Figures
) -> None:
    """A failing ``app.add_task`` task neither disturbs the requests served
    next nor disappears: its error reaches the log (at the latest on
    shutdown, when Sanic's task registry lets go of it, as on Sanic's server)."""
    for kind_id in LOAD_KINDS:
        with serving(kind_id, "faults", tmp_path_factory.mktemp("tasks")) as server:
            keys = [new_key() for _ in range(3)]
            with httpx.Client(base_url=server.url, timeout=30) as client:
                for key in keys:
                    assert client.get(f"/faults/task-raises/{key}").status_code == 200
                    assert wait_events(server.url, key, lambda e: "task ran" in e) == ["task ran"]
                for i in range(20):
                    res = client.get(f"/gen/{i}", headers={"x-tag": f"after-{i}"})
                    assert res.content == pattern(f"after-{i}", i)
            server.stop()
            log = server.log()
        lost = [key for key in keys if f"background task {key} failed" not in log]
        figures.record("faults", f"background task raises ({kind_id})", injected=len(keys), lost=len(lost))
        assert not lost, f"no 'background task <key> failed' line for {lost}: {log[-3000:]}"


# ---------------------------------------------------------------------------
# Shutdown with requests in flight, through real servers
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind_id", LOAD_KINDS)
@pytest.mark.timeout(120)
async def test_shutdown_lets_requests_in_flight_finish(
    kind_id: str, tmp_path_factory: pytest.TempPathFactory, figures: Figures
) -> None:
    count = min(figures.scale.fault_repeats * 2, 50)
    with serving(kind_id, "faults", tmp_path_factory.mktemp("shutdown")) as server:
        keys = [new_key() for _ in range(count)]
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
            # 2 s: long enough to be in flight at SIGTERM, well inside RESPONSE_TIMEOUT (4 s).
            requests = [asyncio.ensure_future(client.get(f"/faults/slow/{key}", params={"seconds": 2})) for key in keys]
            stats = await asyncio.to_thread(settled_stats, server.url, lambda s: s["inflight"] >= count)
            # Every request is inside its handler when the server is told to stop.
            assert stats["inflight"] == count, stats
            assert server.proc is not None
            os.kill(server.proc.pid, signal.SIGTERM)
            answers = await asyncio.gather(*requests, return_exceptions=True)
        exit_status = await asyncio.to_thread(server.wait_exit, 30)
        log = server.log()
    problems = [a for a in answers if isinstance(a, BaseException) or a.status_code != 200]
    figures.record(
        "shutdown",
        f"SIGTERM with {count} requests in flight ({kind_id})",
        in_flight=count,
        completed=count - len(problems),
        lost=len(problems),
    )
    assert not problems, problems[:3]
    for key, answer in zip(keys, answers):
        assert isinstance(answer, httpx.Response)
        assert answer.content == pattern(key, 4096)
    assert exit_status is not None, "the server did not exit"
    assert "RELIABILITY after_server_stop inflight=0" in log, log[-3000:]
    for lost in ("still in flight", "Cancelling", "Traceback"):
        assert lost not in log, log[-3000:]


# ---------------------------------------------------------------------------
# In-process: the adapter's own drain, listeners that raise
# ---------------------------------------------------------------------------
def slow_app(name: str) -> Sanic[Any, Any]:
    app = Sanic(name)
    app.ctx.order = []

    @app.get("/slow")
    async def slow(request: Request) -> response.HTTPResponse:
        await asyncio.sleep(float(request.args.get("seconds", "0.2")))  # the behaviour under test
        app.ctx.order.append("request done")
        return response.text("done")

    @app.before_server_stop
    async def before_stop(app: Sanic[Any, Any]) -> None:
        app.ctx.order.append("before_server_stop")

    @app.after_server_stop
    async def after_stop(app: Sanic[Any, Any]) -> None:
        app.ctx.order.append("after_server_stop")

    return app


@pytest.mark.timeout(30)
async def test_lifespan_shutdown_drains_requests_in_flight(figures: Figures, loop_errors: list[Any]) -> None:
    app = slow_app(f"drain_{new_key()}")
    server = FakeServer(ASGIApp(app, graceful_shutdown_timeout=10))
    life = await server.startup()
    count = 20
    conns = []
    for _ in range(count):
        conn = server.http("GET", "/slow", query_string=b"seconds=0.3")
        conn.push({"type": "http.request"})
        conn.start()
        conns.append(conn)
    await settle()
    assert server.asgi.runtime.inflight == count
    message = await server.shutdown(life)
    assert message["type"] == "lifespan.shutdown.complete"
    for conn in conns:
        await conn.finish()
        conn.checker.assert_complete()
    completed = sum(conn.status == 200 and conn.body == b"done" for conn in conns)
    figures.record(
        "shutdown", "lifespan.shutdown drain (in-process)", in_flight=count, completed=completed, lost=count - completed
    )
    assert completed == count, [(conn.status, conn.body) for conn in conns]
    assert app.ctx.order == ["before_server_stop", *["request done"] * count, "after_server_stop"]
    assert not loop_errors


@pytest.mark.timeout(30)
async def test_requests_beyond_the_grace_period_are_logged_not_cut_silently(
    caplog: pytest.LogCaptureFixture, loop_errors: list[Any]
) -> None:
    app = slow_app(f"grace_{new_key()}")
    server = FakeServer(ASGIApp(app, graceful_shutdown_timeout=0.2))
    life = await server.startup()
    conn = server.http("GET", "/slow", query_string=b"seconds=30")
    conn.push({"type": "http.request"})
    conn.start()
    await settle()
    with caplog.at_level(logging.WARNING):
        message = await server.shutdown(life)
    assert message["type"] == "lifespan.shutdown.complete"
    assert "1 request(s) still in flight after the 0.2s grace period" in caplog.text
    # The server then closes the connection: the handler is cancelled with it.
    assert conn.task is not None
    conn.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await conn.task
    assert server.asgi.runtime.inflight == 0
    await settle()
    assert not loop_errors


LISTENER_EVENTS = ("before_server_start", "after_server_start", "before_server_stop", "after_server_stop")


@pytest.mark.parametrize("event", LISTENER_EVENTS)
@pytest.mark.timeout(30)
async def test_a_listener_that_raises(event: str, figures: Figures, loop_errors: list[Any]) -> None:
    """Startup listeners that raise make startup fail with their message;
    shutdown listeners that raise are reported while the rest of the sequence
    (drain, later listeners) still runs.  Nothing hangs, nothing leaks."""
    app = slow_app(f"listener_{event}_{new_key()}")

    async def broken(app: Sanic[Any, Any]) -> None:
        raise RuntimeError(f"listener {event} broke")

    app.register_listener(broken, event)
    server = FakeServer(ASGIApp(app))
    before = asyncio.all_tasks()
    life = await server.startup()
    answer = life.sent[-1]
    if event.endswith("_start"):
        assert answer == {"type": "lifespan.startup.failed", "message": f"RuntimeError: listener {event} broke"}
        # Re-raised after the message, as Starlette does.
        with pytest.raises(RuntimeError, match="broke"):
            await life.finish()
        conn = await server.request("GET", "/slow", complete=False)
        assert conn.status == 503  # the app cannot start: a request is refused, not hung
    else:
        assert answer["type"] == "lifespan.startup.complete"
        conn = server.http("GET", "/slow", query_string=b"seconds=0.2")
        conn.push({"type": "http.request"})
        conn.start()
        await settle()
        life.push({"type": "lifespan.shutdown"})
        message = await life.next_message(timeout=10)
        assert message == {"type": "lifespan.shutdown.failed", "message": f"RuntimeError: listener {event} broke"}
        with pytest.raises(RuntimeError, match="broke"):
            await life.finish()
        await conn.finish()
        assert conn.status == 200
        # Sanic stops a listener group at the listener that raised (stop
        # listeners run last-registered first, so the app's own one of that
        # group is skipped, as on Sanic's server); the drain and the other
        # group still run.
        other = "after_server_stop" if event == "before_server_stop" else "before_server_stop"
        assert "request done" in app.ctx.order
        assert other in app.ctx.order
        assert event not in app.ctx.order
    await settle()
    leaked = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert not leaked, f"tasks outlived the shutdown: {leaked}"
    assert not loop_errors
    figures.record("faults", f"listener raises: {event}", injected=1, lost=0)


@pytest.mark.timeout(30)
async def test_a_named_background_task_that_raised_is_reported_at_shutdown(loop_errors: list[Any]) -> None:
    """Sanic keeps named tasks in its registry after they end; shutdown lets
    go of them, so the error is reported ("Task exception was never
    retrieved") rather than kept silently until the process exits."""
    app = slow_app(f"doomed_{new_key()}")
    server = FakeServer(ASGIApp(app))
    life = await server.startup()

    async def doomed() -> None:
        raise RuntimeError("named background task failed")

    app.add_task(doomed(), name="doomed")
    await settle()
    assert not loop_errors  # still referenced by Sanic's registry
    await server.shutdown(life)
    gc.collect()
    await settle()
    reported = [c for c in loop_errors if "named background task failed" in repr(c.get("exception"))]
    assert reported, loop_errors
