"""Point 5: several worker processes (uvicorn --workers 2, gunicorn with
uvicorn-worker's UvicornWorker): every worker runs the whole lifespan once,
listeners included, and has its own ``app.ctx`` and lifespan state."""

from __future__ import annotations

import re

import httpx
import pytest

from tests._servers import ServerKind
from tests.asgi_driver import poll
from tests.ecosystem.conftest import Servers, kinds


def _pids(log: str, event: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"^{event} pid=(\d+)", log, re.MULTILINE)]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("kind", kinds("uvicorn-workers", "gunicorn"))
def test_lifespan_once_per_worker(servers: Servers, kind: ServerKind) -> None:
    served = servers.start(kind, "tests.ecosystem.apps.workers:asgi")
    log = poll(
        served.process.log,
        lambda log: len(set(_pids(log, "WORKER-START"))) >= 2 and len(set(_pids(log, "MAIN-PROCESS-START"))) >= 2,
        30,
        0.1,
    )
    starts = _pids(log, "WORKER-START")
    assert len(starts) == 2, log
    assert len(set(starts)) == 2
    # main_process_* listeners run in each worker too (there is no main process we can see).
    assert sorted(_pids(log, "MAIN-PROCESS-START")) == sorted(starts), log
    assert "run once per worker under ASGI" in log

    seen = set()
    for _ in range(40):  # new connections: the kernel spreads them over the workers
        with httpx.Client(base_url=served.url, timeout=10) as client:
            data = client.get("/worker").json()
        assert data["pid"] == data["ctx_pid"] == data["state_pid"]
        assert data["pid"] in starts
        seen.add(data["pid"])
        if len(seen) == 2:
            break
    served.process.stop()
    log = served.process.log()
    assert sorted(_pids(log, "WORKER-STOP")) == sorted(starts), log
