"""``app.add_task`` under ASGI: before and after startup, named, and at shutdown.

The shutdown tests run a process of their own (``tasks_ours``/``tasks_native``
in the realtime app module, ``GRACEFUL_SHUTDOWN_TIMEOUT = 2``), start three
background tasks, stop the server with SIGTERM and read what happened from
its output, where the tasks print ``TASK ...`` lines:

* one added before startup (Sanic runs it from a signal once the app started),
  running until cancelled;
* ``finishes-during-grace``: waits for ``before_server_stop``, then needs a
  moment: the adapter must wait for it;
* ``runs-forever``: must be cancelled once the grace period is over, and its
  name logged.
"""

from __future__ import annotations

import pytest

from tests._servers import ServerKind
from tests.realtime.conftest import APP_MODULE, Served, Spawner, kind_named, new_key

pytestmark = pytest.mark.timeout(60)


def test_task_added_before_startup_runs(served: Served) -> None:
    assert served.wait_events("before-startup-task", bool, served.patience) == ["ran"]


def test_named_task_get_cancel_purge(served: Served) -> None:
    name = f"worker-{new_key()}"
    assert served.get(f"/tasks/spawn/{name}").text == "spawned"
    assert served.wait_events(name, bool, served.patience) == ["started"]
    assert served.get(f"/tasks/get/{name}").json() == {"name": name, "done": False}
    assert served.get(f"/tasks/cancel/{name}").text == "cancelled"
    assert served.events(name) == ["started", "cancelled"]
    assert served.get(f"/tasks/get/{name}").json() is None  # purged


def test_task_started_by_a_request_outlives_it(served: Served) -> None:
    key = new_key()
    res = served.get(f"/tasks/outlive/{key}")
    assert res.status_code == 202
    # The request is over; the task still waits for its gate.
    assert served.events(key) == []
    served.get(f"/gate/{key}")
    assert served.wait_events(key, bool, served.patience) == ["done after the response"]


# --------------------------------------------------------------------------- #
# Shutdown
# --------------------------------------------------------------------------- #
SHUTDOWN_CASES = [
    pytest.param("uvicorn-httptools", "ours", id="uvicorn-ours"),
    pytest.param("hypercorn-h11", "ours", id="hypercorn-ours"),
    pytest.param("granian", "ours", id="granian-ours"),
    pytest.param(
        "uvicorn-httptools",
        "native",
        id="uvicorn-native",
        marks=pytest.mark.xfail(
            strict=True,
            reason="native ASGI: add_task is a bare loop.create_task; lifespan.shutdown neither waits for "
            "background tasks nor cancels them (they die with the loop)",
        ),
    ),
]


def task_lines(output: str) -> list[str]:
    return [line[len("TASK ") :] for line in output.splitlines() if line.startswith("TASK ")]


@pytest.mark.parametrize(("kind_id", "impl"), SHUTDOWN_CASES)
def test_shutdown_waits_for_tasks_then_cancels_and_logs_the_rest(spawn: Spawner, kind_id: str, impl: str) -> None:
    kind: ServerKind = kind_named(kind_id)
    served = spawn(kind, f"{APP_MODULE}:tasks_{impl}", impl)
    assert served.get("/spawn").text == "spawned"
    if impl == "ours":
        # The running background tasks are observable (ASGIApp.background_tasks).
        counted = served.get("/count").json()
        assert counted["running"] == 3, counted
        assert {"finishes-during-grace", "runs-forever"} <= set(counted["names"])
    status = served.process.stop(timeout=15)
    output = served.process.log()
    assert status is not None
    lines = task_lines(output)
    assert lines[:2] == ["delayed started", "before_server_stop"], output[-3000:]
    # Waited for: it finished within the grace period, before after_server_stop.
    assert lines.index("quick finished") < lines.index("after_server_stop"), output[-3000:]
    # Cancelled once the grace period was over, before after_server_stop, and logged.
    for cancelled in ("forever cancelled", "delayed cancelled"):
        assert lines.index(cancelled) < lines.index("after_server_stop"), output[-3000:]
    assert "Cancelling 2 background task(s) still running after the grace period" in output
    assert "runs-forever" in output.split("Cancelling 2 background task(s)", 1)[1].splitlines()[0]
    assert "Waiting up to 2.0s for 3 background task(s)" in output  # GRACEFUL_SHUTDOWN_TIMEOUT
