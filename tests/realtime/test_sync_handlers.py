"""Plain ``def`` handlers: on the loop by default (as Sanic), in a thread with
``ASGIApp(app, sync_handlers="thread")``.

Responsiveness is shown without timing: a sync handler blocks on a
``threading.Event`` that only another request can set.  If the handler held
the loop, that request could not be served and the handler would give up
after 10 seconds; in the thread pool the other request sets it at once.
"""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.realtime.conftest import APP_MODULE, Served, Spawner, kind_named, new_key

pytestmark = pytest.mark.timeout(60)


def test_sync_handlers_run_on_the_loop_by_default(served: Served) -> None:
    assert served.get("/sync/where").json() == {"on_loop": True, "current_request": True}


@pytest.mark.parametrize("kind_id", ["uvicorn-httptools", "hypercorn-h11", "granian"])
def test_thread_mode_keeps_the_loop_responsive(spawn: Spawner, kind_id: str) -> None:
    served = spawn(kind_named(kind_id), f"{APP_MODULE}:threaded")
    assert served.get("/sync/where").json() == {"on_loop": False, "current_request": True}

    key = new_key()
    outcome: list[httpx.Response] = []
    blocked = threading.Thread(target=lambda: outcome.append(served.get(f"/sync/block/{key}")))
    blocked.start()
    try:
        # Served while the blocking handler waits: the loop is free.
        with served.client(timeout=5.0) as client:
            assert client.get("/events/nothing").json() == []
            assert client.get(f"/release/{key}").text == "released"
    finally:
        blocked.join(15)
    assert [r.text for r in outcome] == ["released"]
