"""Load: real servers, hundreds of concurrent clients, every answer checked.

A bounded run (``scale.load_requests`` per server, over
``scale.load_connections`` concurrent clients) of mixed GET/HEAD/POST/
chunked-upload/streaming/websocket traffic through ``ASGIApp`` under uvicorn
(httptools + websockets) and granian.  Passing means: no wrong answer, no
5xx, no failed request, no cross-talk seen by the server, nothing left in
flight, and a clean exit.  Throughput is printed, never asserted.
"""

from __future__ import annotations

import signal

import pytest

from tests.reliability._figures import Figures, current_scale
from tests.reliability._load import run_load, summary
from tests.reliability._serve import LOAD_KINDS, serving, settled_stats, stats

pytestmark = pytest.mark.timeout(current_scale().load_timeout)

# HTTP/1.1 keep-alive has a race no adapter can close: a server may drop a
# connection that has been idle for its keep-alive timeout (uvicorn: 5 s) just
# as the client sends the next request on it, and the client sees "Server
# disconnected without sending a response" (RFC 9112 9.3.1: clients retry;
# httpx does not).  Under CI load a client's connection can sit idle that long
# while it runs a websocket session, so the load run keeps connections open.
SERVER_ENV = {"UVICORN_TIMEOUT_KEEP_ALIVE": "600"}
SERVER_ERROR_LINES = ("ERROR", "Traceback", "Exception in ASGI application", "Task exception was never retrieved")


@pytest.mark.parametrize("kind_id", LOAD_KINDS)
async def test_mixed_load_loses_nothing(
    kind_id: str, tmp_path_factory: pytest.TempPathFactory, figures: Figures
) -> None:
    scale = figures.scale
    with serving(kind_id, "load", tmp_path_factory.mktemp("load"), env=SERVER_ENV) as server:
        before = stats(server.url)
        result = await run_load(server.url, server.ws_url, scale.load_requests, scale.load_connections, seed=1)
        after = settled_stats(server.url, lambda s: s["inflight"] == 0)
        mark = server.log_mark()
        exit_status = server.stop()
        tail = server.log_since(mark)
        log = server.log()

    row = summary(result)
    row.update(
        connections=scale.load_connections,
        rss_MiB_before=round(before["rss_kib"] / 1024, 1),
        rss_MiB_after=round(after["rss_kib"] / 1024, 1),
        crosstalk=after["crosstalk_count"],
        req_per_s=round(result.sent / result.seconds) if result.seconds else 0,
    )
    figures.record("load", kind_id, **row)

    assert result.failed == 0, result.samples
    assert result.server_errors == 0, result.samples
    assert result.wrong == 0, result.samples
    assert result.verified == result.sent == scale.load_requests
    assert after["crosstalk_count"] == 0, after["crosstalk"]
    assert after["inflight"] == 0
    assert not [line for line in log.splitlines() if any(s in line for s in SERVER_ERROR_LINES)], log[-3000:]
    # Lifespan shutdown ran after the drain, with nothing left in flight.
    assert "RELIABILITY after_server_stop inflight=0 crosstalk=0" in tail, tail[-2000:]
    # uvicorn re-raises the SIGTERM it handled once it has shut down cleanly.
    assert exit_status in (0, -signal.SIGTERM), tail[-2000:]
