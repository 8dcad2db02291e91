"""Soak: many requests in-process, watching for anything that grows.

``ASGIApp`` is driven directly by ``tests.asgi_driver.FakeServer`` (every
message passes the ASGI checker), ``scale.soak_concurrency`` requests at a
time, the same mix as the load run plus error pages and clients that leave
in the middle of a streamed response.  After a warm-up (a fifth of the run:
Sanic's router cache and the interpreter's own caches fill), the test samples
at ten checkpoints, after a full garbage collection:

* the number of asyncio tasks - must be exactly what it was after warm-up;
* the number of objects the garbage collector tracks - a leak of one object
  per request would add thousands; the allowance is a small fraction of a
  per-request leak;
* the process's RSS - allowed to wobble (allocator), not to climb with the
  request count;
* ResourceWarnings and errors given to the loop's exception handler - none.

The same for websocket connect/message/close cycles.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import random
import uuid
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from sanic_asgi import ASGIApp
from tests.asgi_driver import Connection, FakeServer
from tests.reliability._figures import Figures, current_scale
from tests.reliability.apps.reliable import CROSSTALK, build, pattern, rss_kib

pytestmark = pytest.mark.timeout(current_scale().soak_timeout)

CHECKPOINTS = 10
# A leaking request adds at least one tracked object per request; after
# warm-up the run has thousands of requests, so a fixed allowance this small
# only absorbs interpreter noise.
OBJECT_ALLOWANCE = 2_000
RSS_ALLOWANCE_KIB = 16 * 1024


@contextlib.contextmanager
def quiet_sanic() -> Iterator[None]:
    """Error pages log a traceback each; thousands of them would only measure logging."""
    names = ("sanic.root", "sanic.error", "sanic.access", "sanic.server", "sanic_asgi")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@dataclass
class Sample:
    requests: int
    rss_kib: int
    objects: int
    tasks: int


@dataclass
class Soak:
    samples: list[Sample] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def sample(self, done: int) -> Sample:
        gc.collect()
        # Not counting the samples themselves.
        objects = len(gc.get_objects()) - len(self.samples)
        sample = Sample(done, rss_kib(), objects, len(asyncio.all_tasks()))
        self.samples.append(sample)
        return sample

    def growth(self) -> tuple[int, int]:
        first, last = self.samples[0], self.samples[-1]
        return last.objects - first.objects, last.rss_kib - first.rss_kib

    def steadily_growing(self, attribute: str, allowance: int) -> bool:
        """Grew by more than ``allowance`` overall *and* in most intervals."""
        values = [getattr(s, attribute) for s in self.samples]
        rises = sum(b > a for a, b in itertools_pairwise(values))
        return values[-1] - values[0] > allowance and rises >= (len(values) - 1) * 0.7


def itertools_pairwise(values: list[int]) -> Iterator[tuple[int, int]]:
    return zip(values, values[1:])


async def run_soak(
    total: int, concurrency: int, one: Callable[[int], Awaitable[str | None]], soak: Soak, after: Callable[[], None]
) -> None:
    warmup = total // 5
    step = max(concurrency, (total - warmup) // CHECKPOINTS)
    done = 0
    next_sample = warmup
    while done < total:
        batch = range(done, min(total, done + concurrency))
        results = await asyncio.gather(*(one(i) for i in batch))
        done = batch[-1] + 1
        for index, problem in zip(batch, results):
            if problem is not None and len(soak.problems) < 20:
                soak.problems.append(f"#{index}: {problem}")
        if done >= next_sample:
            after()
            soak.sample(done)
            next_sample += step
    if soak.samples[-1].requests != done:
        after()
        soak.sample(done)


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------
def _expect(conn: Connection, status: int, body: bytes | None = None, tag: str | None = None) -> str | None:
    if conn.status != status:
        return f"status {conn.status} != {status}: {conn.body[:120]!r}"
    if body is not None and conn.body != body:
        return f"body of {len(conn.body)} bytes differs from the {len(body)} expected"
    if tag is not None and not (conn.header("x-seen") or "").startswith(f"{tag}|{tag}|{tag}|"):
        return f"cross-talk: x-seen {conn.header('x-seen')!r} for tag {tag!r}"
    return None


def http_request(server: FakeServer, kinds: Counter[str]) -> Callable[[int], Awaitable[str | None]]:
    mix = {"gen": 25, "head": 5, "echo": 20, "upload": 10, "stream": 15, "missing": 5, "error": 5, "leave": 15}
    names, weights = list(mix), list(mix.values())

    async def one(index: int) -> str | None:
        rng = random.Random(index)
        kind = rng.choices(names, weights)[0]
        kinds[kind] += 1
        tag = f"s{index}"
        headers = [(b"x-tag", tag.encode()), (b"x-request-id", str(uuid.UUID(int=index, version=4)).encode())]
        if kind == "gen":
            size = rng.choice([0, 100, 4096, 65536])
            conn = await server.request("GET", f"/gen/{size}", headers=headers)
            return _expect(conn, 200, pattern(tag, size), tag)
        if kind == "head":
            conn = await server.request("HEAD", "/gen/100", headers=headers)
            return _expect(conn, 200, b"", tag) or (None if conn.header("content-length") == "100" else "HEAD length")
        if kind == "echo":
            body = rng.randbytes(rng.choice([0, 10, 5000, 100_000]))
            conn = await server.request("POST", "/echo", body, headers=headers)
            return _expect(conn, 200, body, tag)
        if kind == "upload":
            pieces = [rng.randbytes(rng.choice([1, 1000, 16384])) for _ in range(rng.randint(1, 6))]
            conn = await server.request("POST", "/upload", chunks=pieces, headers=headers)
            total = b"".join(pieces)
            problem = _expect(conn, 200, None, tag)
            digest = hashlib.sha256(total).hexdigest()
            return problem or (None if f'"sha256":"{digest}"' in conn.text else f"upload sha: {conn.text}")
        if kind == "stream":
            chunks, size = rng.randint(1, 8), rng.choice([10, 4096])
            conn = await server.request("GET", f"/stream/{chunks}/{size}", headers=headers)
            expected = b"".join(pattern(f"{tag}:{i}", size) for i in range(chunks))
            return _expect(conn, 200, expected, tag)
        if kind == "missing":
            return _expect(await server.request("GET", f"/missing/{tag}", headers=headers), 404)
        if kind == "error":
            return _expect(await server.request("GET", "/raise", headers=headers), 500)
        # "leave": the client goes away after the first chunk of a long stream.
        conn = server.http("GET", "/stream/100000/1024", headers=headers)
        conn.push({"type": "http.request"})
        conn.start()
        start = await conn.next_message()
        await conn.next_message()
        conn.disconnect()
        await conn.finish()
        return None if start["status"] == 200 else f"leave: status {start['status']}"

    return one


@contextlib.contextmanager
def no_resource_warnings() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield caught
        gc.collect()


async def test_http_soak_is_flat(figures: Figures, loop_errors: list[dict[str, Any]]) -> None:
    scale = figures.scale
    server = FakeServer(ASGIApp(build(f"soak_http_{scale.name}")))
    life = await server.startup()
    crosstalk = len(CROSSTALK)
    soak = Soak()
    baseline_tasks: list[int] = []

    def check_tasks() -> None:
        baseline_tasks.append(len(asyncio.all_tasks()))

    with quiet_sanic(), no_resource_warnings() as caught:
        await run_soak(scale.soak_requests, scale.soak_concurrency, http_request(server, soak.kinds), soak, check_tasks)
        assert server.asgi.runtime.inflight == 0
        await server.shutdown(life)

    objects, _ = soak.growth()
    figures.record(
        "soak",
        "http in-process",
        requests=scale.soak_requests,
        concurrency=scale.soak_concurrency,
        disconnects=soak.kinds["leave"],
        error_pages=soak.kinds["error"],
        rss_MiB_after_warmup=round(soak.samples[0].rss_kib / 1024, 1),
        rss_MiB_end=round(soak.samples[-1].rss_kib / 1024, 1),
        objects_growth=objects,
        tasks=f"{soak.samples[0].tasks}->{soak.samples[-1].tasks}",
    )
    print("soak samples:", *soak.samples, sep="\n  ")
    assert not soak.problems, soak.problems
    assert CROSSTALK[crosstalk:] == []
    assert len(set(baseline_tasks)) == 1, f"asyncio tasks between batches: {baseline_tasks}"
    assert not soak.steadily_growing("objects", OBJECT_ALLOWANCE), soak.samples
    assert not soak.steadily_growing("rss_kib", RSS_ALLOWANCE_KIB), soak.samples
    assert objects < OBJECT_ALLOWANCE * 2, soak.samples
    assert not [str(w.message) for w in caught], caught
    assert not loop_errors, loop_errors[:5]


# ---------------------------------------------------------------------------
# Websockets
# ---------------------------------------------------------------------------
def ws_cycle(server: FakeServer, kinds: Counter[str]) -> Callable[[int], Awaitable[str | None]]:
    async def one(index: int) -> str | None:
        rng = random.Random(index)
        tag = f"w{index}"
        conn = server.websocket("/ws", query_string=f"tag={tag}".encode())
        conn.start()
        accept = await conn.next_message()
        if accept["type"] != "websocket.accept":
            return f"not accepted: {accept}"
        for n in range(rng.randint(1, 3)):
            conn.push({"type": "websocket.receive", "text": f"m{n}"})
            echo = await conn.next_message()
            if echo.get("text") != f"{tag}|{tag}|m{n}":
                return f"ws echo {echo!r}"
        how = rng.choice(["close", "close", "abrupt"])
        kinds[how] += 1
        conn.disconnect(1000 if how == "close" else 1006)
        await conn.finish()
        return None

    return one


async def test_websocket_cycles_are_flat(figures: Figures, loop_errors: list[dict[str, Any]]) -> None:
    scale = figures.scale
    server = FakeServer(ASGIApp(build(f"soak_ws_{scale.name}")))
    life = await server.startup()
    soak = Soak()
    tasks: list[int] = []
    with quiet_sanic(), no_resource_warnings() as caught:
        await run_soak(
            scale.ws_cycles,
            scale.soak_concurrency,
            ws_cycle(server, soak.kinds),
            soak,
            lambda: tasks.append(len(asyncio.all_tasks())),
        )
        assert server.asgi.runtime.inflight == 0
        await server.shutdown(life)
    objects, _ = soak.growth()
    figures.record(
        "soak",
        "websocket connect/close cycles",
        cycles=scale.ws_cycles,
        rss_MiB_after_warmup=round(soak.samples[0].rss_kib / 1024, 1),
        rss_MiB_end=round(soak.samples[-1].rss_kib / 1024, 1),
        objects_growth=objects,
        tasks=f"{soak.samples[0].tasks}->{soak.samples[-1].tasks}",
    )
    print("ws samples:", *soak.samples, sep="\n  ")
    assert not soak.problems, soak.problems
    assert len(set(tasks)) == 1, f"asyncio tasks between batches: {tasks}"
    assert not soak.steadily_growing("objects", OBJECT_ALLOWANCE), soak.samples
    assert not soak.steadily_growing("rss_kib", RSS_ALLOWANCE_KIB), soak.samples
    assert not [str(w.message) for w in caught], caught
    assert not loop_errors, loop_errors[:5]
