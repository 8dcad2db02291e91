"""A bounded, mixed, concurrent load run against ``apps/reliable.py``.

``run_load(url, ws_url, total, connections)`` sends ``total`` requests from
``connections`` concurrent clients, each an ``httpx.AsyncClient`` with one
HTTP/1.1 keep-alive connection (plus a fresh ``websockets`` connection per
websocket session), and checks every answer against what *its* request asked
for:

==========  =================================================================
kind        request and check
==========  =================================================================
gen         ``GET /gen/<n>``: the body is ``pattern(tag, n)``, its checksum
            matches, ``content-length`` is ``n``
head        ``HEAD /gen/<n>``: no body, ``content-length`` is ``n``
echo        ``POST /echo`` with random bytes (up to 1 MB, content-length):
            echoed byte for byte, server-side SHA-256 matches
upload      ``POST /upload`` with a chunked body of random pieces (a
            ``stream=True`` route): server-side size and SHA-256 match
stream      ``GET /stream/<chunks>/<size>``: the streamed body is exactly
            the concatenation of ``pattern(f"{tag}:{i}", size)``
ws          a websocket session of 1-5 messages, each echoed with the tag the
            server's ``request.ctx`` and context variable hold
missing     ``GET /missing/<tag>``: a 404, never a 5xx
==========  =================================================================

Every HTTP answer must also carry, in ``x-seen``, the request's own tag from
``request.ctx``, a context variable and ``Request.get_current()`` and its own
``request.id`` (``x-request-id``), read by the handler after it yielded to
the others: any cross-talk between concurrent requests changes them.

Each request uses its own ``random.Random(seed, index)``, so a failing
request can be replayed from its index.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import random
import ssl
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from tests.reliability.apps.reliable import pattern

__all__ = ["LoadResult", "run_load"]

MIX: dict[str, int] = {"gen": 30, "head": 5, "echo": 25, "upload": 10, "stream": 15, "ws": 10, "missing": 5}


@dataclass
class LoadResult:
    sent: int = 0
    verified: int = 0
    wrong: int = 0
    server_errors: int = 0
    failed: int = 0
    ws_messages: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    seconds: float = 0.0
    by_kind: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.samples) < 20:
            self.samples.append(text)


@dataclass
class Call:
    client: httpx.AsyncClient
    ws_url: str
    rng: random.Random
    tag: str
    request_id: str
    result: LoadResult

    @property
    def headers(self) -> dict[str, str]:
        return {"x-tag": self.tag, "x-request-id": self.request_id}

    def identity_problem(self, response: httpx.Response) -> str | None:
        expected = f"{self.tag}|{self.tag}|{self.tag}|{self.request_id}"
        if response.headers.get("x-seen") != expected:
            return f"x-seen {response.headers.get('x-seen')!r} != {expected!r}"
        if response.headers.get("x-after") != self.tag:
            return f"x-after {response.headers.get('x-after')!r} != {self.tag!r}"
        return None


Check = Callable[[Call], Awaitable["str | None"]]


def _status_problem(response: httpx.Response, expected: int = 200) -> str | None:
    if response.status_code != expected:
        return f"status {response.status_code} (expected {expected}): {response.text[:200]!r}"
    return None


async def _gen(call: Call) -> str | None:
    size = call.rng.choice([0, 1, 17, 1000, 4096, 65536, 65537, 262144])
    response = await call.client.get(f"/gen/{size}", headers=call.headers)
    call.result.bytes_down += len(response.content)
    expected = pattern(call.tag, size)
    return (
        _status_problem(response)
        or call.identity_problem(response)
        or (None if response.content == expected else f"gen body of {len(response.content)} bytes differs")
        or (None if response.headers.get("content-length") == str(size) else "gen content-length wrong")
        or (None if response.headers.get("x-body-sha256") == hashlib.sha256(expected).hexdigest() else "gen sha")
    )


async def _head(call: Call) -> str | None:
    size = call.rng.choice([0, 10, 65536])
    response = await call.client.head(f"/gen/{size}", headers=call.headers)
    return (
        _status_problem(response)
        or call.identity_problem(response)
        or (None if response.content == b"" else "a body on a HEAD answer")
        or (None if response.headers.get("content-length") == str(size) else "HEAD content-length wrong")
    )


async def _echo(call: Call) -> str | None:
    rng = call.rng
    size = rng.choices([0, 1, 100, 4096, 65536, 200_000, 1_000_000], [2, 4, 10, 10, 5, 2, 1])[0]
    body = rng.randbytes(size)
    response = await call.client.post("/echo", content=body, headers=call.headers)
    call.result.bytes_up += size
    call.result.bytes_down += len(response.content)
    return (
        _status_problem(response)
        or call.identity_problem(response)
        or (None if response.content == body else f"echo of {size} bytes came back as {len(response.content)}")
        or (None if response.headers.get("x-body-sha256") == hashlib.sha256(body).hexdigest() else "echo sha")
    )


async def _upload(call: Call) -> str | None:
    rng = call.rng
    pieces = [rng.randbytes(rng.choice([1, 100, 8192, 65536])) for _ in range(rng.randint(1, 8))]

    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece
            await asyncio.sleep(0)

    response = await call.client.post("/upload", content=body(), headers=call.headers)
    total = b"".join(pieces)
    call.result.bytes_up += len(total)
    if problem := _status_problem(response) or call.identity_problem(response):
        return problem
    got = response.json()
    if got["size"] != len(total) or got["sha256"] != hashlib.sha256(total).hexdigest():
        return f"upload of {len(total)} bytes arrived as {got}"
    return None


async def _stream(call: Call) -> str | None:
    chunks = call.rng.randint(1, 20)
    size = call.rng.choice([1, 100, 4096, 16384])
    response = await call.client.get(f"/stream/{chunks}/{size}", headers=call.headers)
    call.result.bytes_down += len(response.content)
    expected = b"".join(pattern(f"{call.tag}:{i}", size) for i in range(chunks))
    return (
        _status_problem(response)
        or call.identity_problem(response)
        or (None if response.content == expected else f"stream body of {len(response.content)} bytes differs")
    )


async def _ws(call: Call) -> str | None:
    from websockets.asyncio.client import connect

    rng = call.rng
    count = rng.randint(1, 5)
    async with connect(
        f"{call.ws_url}/ws?tag={call.tag}", open_timeout=60, close_timeout=10, ping_interval=None, max_size=None
    ) as ws:
        for index in range(count):
            text = f"{index}:" + "".join(rng.choices("abcdefghij ñ€😀", k=rng.randint(0, 2000)))
            await ws.send(text)
            answer = await asyncio.wait_for(ws.recv(), 60)
            call.result.ws_messages += 1
            expected = f"{call.tag}|{call.tag}|{text}"
            if answer != expected:
                return f"ws answer {answer[:80]!r} != {expected[:80]!r}"
    return None


async def _missing(call: Call) -> str | None:
    response = await call.client.get(f"/missing/{call.tag}", headers=call.headers)
    return _status_problem(response, 404)


CHECKS: dict[str, Check] = {
    "gen": _gen,
    "head": _head,
    "echo": _echo,
    "upload": _upload,
    "stream": _stream,
    "ws": _ws,
    "missing": _missing,
}


async def run_load(url: str, ws_url: str, total: int, connections: int, *, seed: int = 0) -> LoadResult:
    result = LoadResult()
    names, weights = list(MIX), list(MIX.values())
    indexes = itertools.count()
    # One client with one keep-alive connection per worker: exactly
    # `connections` HTTP connections, and no pool shared by hundreds of them
    # (httpcore's pool does work per request in proportion to its size).
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(60.0, connect=30.0, pool=60.0)
    # Plain HTTP, but httpx builds an SSL context per client unless given one.
    ssl_context = ssl.create_default_context()

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout, verify=ssl_context) as client:
            last_http = time.monotonic()
            while (index := next(indexes)) < total:
                rng = random.Random(seed * 1_000_003 + index)
                kind = rng.choices(names, weights)[0]
                call = Call(
                    client,
                    ws_url,
                    rng,
                    tag=f"t{index}-{rng.getrandbits(48):012x}",
                    request_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    result=result,
                )
                result.sent += 1
                result.by_kind[kind] += 1
                started = time.monotonic()
                try:
                    problem = await CHECKS[kind](call)
                except Exception as exc:
                    result.failed += 1
                    idle = started - last_http
                    result.note(f"#{index} {kind}: {type(exc).__name__}: {exc} (connection idle {idle:.1f}s before)")
                    continue
                finally:
                    if kind != "ws":
                        last_http = time.monotonic()
                if problem is None:
                    result.verified += 1
                elif problem.startswith("status 5"):
                    result.server_errors += 1
                    result.note(f"#{index} {kind}: {problem}")
                else:
                    result.wrong += 1
                    result.note(f"#{index} {kind}: {problem}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


def summary(result: LoadResult) -> dict[str, Any]:
    return {
        "requests": result.sent,
        "verified": result.verified,
        "wrong": result.wrong,
        "5xx": result.server_errors,
        "failed": result.failed,
        "ws_messages": result.ws_messages,
        "MiB_up": round(result.bytes_up / 2**20, 1),
        "MiB_down": round(result.bytes_down / 2**20, 1),
        "seconds": round(result.seconds, 1),
    }
