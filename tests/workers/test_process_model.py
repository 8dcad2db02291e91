"""``sanic-asgi run -w 2``: Sanic's process model through real processes.

Each test starts the command in its own process group on a free port
(``tests.cli.conftest.CLIProcess``) with ``apps/procmodel.py``, whose
listeners write one line per event to a file; the tests wait on lines of
that file (bounded), never on time.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from sanic_asgi.testing._servers import free_port
from tests.cli.conftest import HOST, CLIProcess, server_params

from .conftest import TIMEOUT

APP = "tests.workers.apps.procmodel:app"

pytestmark = pytest.mark.timeout(90)


def events(log: Path) -> list[list[str]]:
    """The lines of the app's log, split: [event, pid, worker name, details...]."""
    if not log.exists():
        return []
    return [line.split() for line in log.read_text().splitlines() if line]


def named(log: Path, event: str) -> list[list[str]]:
    return [line for line in events(log) if line[0] == event]


def wait_for(log: Path, event: str, count: int, process: CLIProcess) -> list[list[str]]:
    """Until ``event`` has been logged ``count`` times; fails with the output
    if the command exits first or TIMEOUT passes."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        lines = named(log, event)
        if len(lines) >= count:
            return lines
        if process.proc.poll() is not None:
            pytest.fail(
                f"sanic-asgi exited with {process.proc.returncode} before {event} x{count}:\n{process.output()}"
            )
        time.sleep(0.05)
    pytest.fail(f"{event} was not logged {count} times within {TIMEOUT}s:\n{log.read_text()}\n{process.output()}")


def start(cli: Any, tmp_path: Path, server: str, *extra: str) -> tuple[CLIProcess, Path]:
    log = tmp_path / "events.log"
    port = free_port()
    process = cli(
        "run",
        APP,
        "--server",
        server,
        "-w",
        "2",
        "--port",
        str(port),
        *extra,
        env={"PROCMODEL_LOG": str(log)},
        port=port,
    )
    wait_for(log, "after_server_start", 2, process)
    return process, log


def get(port: int, path: str, timeout: float = 10.0) -> httpx.Response:
    # A new connection per request: the kernel hands each to whichever worker accepts first.
    # A worker that stops (restart, reload) closes the connections it accepted
    # but has not read yet (uvicorn, as Sanic's own server): the client sees a
    # reset before any answer, and the request never ran, so it is sent again
    # on a new connection, once, as a client or proxy may for a GET.
    for attempt in (1, 2):
        try:
            with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=timeout) as client:
                return client.get(path, headers={"connection": "close"})
        except (httpx.ReadError, httpx.RemoteProtocolError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# One run per (server, way of stopping), to keep the suite fast: SIGINT and
# SIGTERM to the supervisor, and app.m.terminate() from a handler; uvicorn
# takes SIGTERM in the two tests below as well.
RUNS = [("uvicorn", "SIGINT"), ("uvicorn", "terminate"), ("hypercorn", "SIGTERM"), ("daphne", "SIGINT")]


@pytest.mark.parametrize(
    ("server", "stop"),
    [
        pytest.param(*param.values, stop, marks=param.marks, id=f"{name}-{stop}")
        for name, stop in RUNS
        for param in server_params(name)
    ],
)
def test_listeners_shared_ctx_restart_and_stop(cli: Any, tmp_path: Path, server: str, stop: str) -> None:
    process, log = start(cli, tmp_path, server)
    main = named(log, "main_process_start")
    assert len(main) == 1
    assert len(named(log, "main_process_ready")) == 1
    supervisor = main[0][1]
    started = named(log, "after_server_start")
    workers = {line[2]: line[1] for line in started}
    assert sorted(workers) == ["Sanic-Server-0-0", "Sanic-Server-1-0"]
    assert supervisor not in workers.values()
    # The Value set in main_process_start, read in each worker; app.m is the worker's own.
    assert all(line[3:] == ["value=42", f"m={line[2]}"] for line in started)
    # A config change in main_process_start stays in the supervisor, as on Sanic's
    # server (Sanic's test_config_fallback_before_and_after_startup).
    assert get(process.port, "/pid").json()["set_in_main"] is None

    # app.m.restart() from a handler restarts that worker only; requests keep being answered.
    answered: list[int] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def keep_asking() -> None:
        while not done.is_set():
            try:
                answered.append(get(process.port, "/pid").status_code)
            except httpx.HTTPError as exc:
                failures.append(exc)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        restarted = get(process.port, "/restart").json()
        after = wait_for(log, "after_server_start", 3, process)
        wait_for(log, "after_server_stop", 1, process)
    finally:
        done.set()
        asker.join(TIMEOUT)
    assert failures == []
    assert answered
    assert set(answered) == {200}
    assert after[2][2] == restarted["name"]
    assert after[2][1] != restarted["pid"]
    assert [line[2] for line in named(log, "after_server_stop")] == [restarted["name"]]
    other = next(name for name in workers if name != restarted["name"])
    assert [line[1] for line in after if line[2] == other] == [workers[other]]

    # A signal to the supervisor (or app.m.terminate()): the request in flight is
    # answered, then main_process_stop runs once, in the supervisor, after every
    # worker stopped.
    slow: list[httpx.Response] = []
    requester = threading.Thread(target=lambda: slow.append(get(process.port, "/slow?s=1.5")))
    requester.start()
    wait_for(log, "slow_started", 1, process)
    if stop == "terminate":
        assert get(process.port, "/terminate").text == "terminating"
        assert process.wait_exit(TIMEOUT) == 0, process.output()
    else:
        assert process.stop(getattr(signal, stop), group=False) == 0, process.output()
    requester.join(TIMEOUT)
    assert [r.text for r in slow] == ["slow done"]
    lines = events(log)
    assert [line[0] for line in lines].count("main_process_start") == 1
    stops = [line for line in lines if line[0] == "main_process_stop"]
    assert len(stops) == 1
    assert stops[0][1] == supervisor
    assert lines[-1] == stops[0]
    assert len(named(log, "after_server_stop")) == 3
    # Every worker put its pid in the Queue made in main_process_start.
    pids = sorted(line[1] for line in named(log, "after_server_start"))
    assert stops[0][3] == "queue=" + ",".join(pids)


# When the signal comes while the workers start: just after the supervisor made
# them (they import the app), or while their startup listeners run (the server
# handles signals, the worker has not acked).  Each to the supervisor's PID, and
# to the whole process group (systemd, `kill -- -PGID`), which reaches the
# workers and the process holding Sanic's worker state as well.
EARLY = [("main_process_ready", 0.0), ("before_server_start", 1.0)]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("group", [False, True], ids=["pid", "group"])
@pytest.mark.parametrize(("event", "startup_seconds"), EARLY, ids=[event for event, _ in EARLY])
@pytest.mark.parametrize("server", server_params("uvicorn", "hypercorn", "daphne"))
def test_a_signal_while_the_workers_start_stops_them(
    cli: Any, tmp_path: Path, server: str, event: str, startup_seconds: float, group: bool
) -> None:
    log = tmp_path / "events.log"
    port = free_port()
    env = {"PROCMODEL_LOG": str(log), "PROCMODEL_START_SECONDS": str(startup_seconds)}
    process = cli("run", APP, "--server", server, "-w", "2", "--port", str(port), env=env, port=port)
    wait_for(log, event, 1, process)
    started = time.monotonic()
    # Sanic's own wait for the acks ended only after 30 s, with exit code 1.
    assert process.stop(signal.SIGTERM, group=group) == 0, process.output()
    assert time.monotonic() - started < 10, process.output()
    lines = events(log)
    assert [line[0] for line in lines].count("main_process_stop") == 1
    assert lines[-1][0] == "main_process_stop"
    # A worker whose startup listeners ran ran its stop listeners too.
    assert len(named(log, "after_server_stop")) == len(named(log, "before_server_start")), process.output()


@pytest.mark.parametrize("server", server_params("uvicorn"))
@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("tests.cli.apps.failing:app", "RuntimeError: database is down (cli_failing)"),
        ("tests.workers.apps.failing_main:app", "main_process_start: RuntimeError: migrations failed (procfailing)"),
    ],
    ids=["before_server_start", "main_process_start"],
)
def test_failing_startup_ends_with_one_error(cli: Any, tmp_path: Path, server: str, target: str, error: str) -> None:
    port = free_port()
    process = cli("run", target, "--server", server, "-w", "2", "--port", str(port), port=port)
    assert process.wait_exit(TIMEOUT) == 3, process.output()
    lines = [line for line in process.output().splitlines() if line.startswith("sanic-asgi: error:")]
    assert len(lines) == 1
    assert f"the app failed to start on {server}: {error} " in lines[0]


@pytest.mark.parametrize("server", server_params("uvicorn"))
def test_inspector_and_sanic_ext_health_monitor(cli: Any, tmp_path: Path, server: str) -> None:
    pytest.importorskip("sanic_ext")
    port, inspector = free_port(), free_port()
    process = cli(
        "run", "tests.workers.apps.extended:app", "--server", server, "-w", "2", "--port", str(port),
        env={"INSPECTOR_PORT": str(inspector)}, port=port,
    )  # fmt: skip
    deadline = time.monotonic() + TIMEOUT
    workers: dict[str, Any] = {}
    while time.monotonic() < deadline:  # until Sanic's inspector sees both workers serving
        process.wait_ready(TIMEOUT)
        try:
            workers = get(inspector, "/").json()["result"]["workers"]
        except (httpx.HTTPError, KeyError, ValueError):
            workers = {}
        servers = {name: state for name, state in workers.items() if state.get("server")}
        if len(servers) == 2 and all(state.get("serving") for state in servers.values()):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the inspector did not report two serving workers: {workers}\n{process.output()}")
    # sanic-ext's health monitor and background logger run as processes of Sanic's manager
    assert {"Sanic-HealthMonitor-0", "Sanic-Logger-0", "Sanic-Inspector-0"} <= set(workers)
    health = get(port, "/__health__/").json()
    assert {name for name, state in health.items() if state.get("server")} == {"Sanic-Server-0-0", "Sanic-Server-1-0"}
    assert process.stop(signal.SIGTERM, group=False) == 0, process.output()


RELOADABLE = """
from sanic import Sanic
from sanic.response import text

app = Sanic("reloadable")


@app.get("/")
async def index(request):
    return text("VERSION")
"""


@pytest.mark.parametrize("server", server_params("uvicorn"))
def test_reload_restarts_the_workers(cli: Any, tmp_path: Path, server: str) -> None:
    # In a folder of its own: Sanic's reloader watches every file of the app's
    # folder, and the command's log (in tmp_path) changes all the time.
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "reloadable_app.py"
    source.write_text(RELOADABLE.replace("VERSION", "one"))
    port = free_port()
    process = cli("run", f"{source}:app", "--server", server, "-w", "2", "-r", "--port", str(port), port=port)
    process.wait_ready(TIMEOUT)  # the supervisor's socket: requests wait in its backlog for a worker
    assert get(port, "/", timeout=TIMEOUT).text == "one"
    source.write_text(RELOADABLE.replace("VERSION", "two"))
    deadline = time.monotonic() + TIMEOUT
    answers: set[str] = set()
    bumped = time.time()
    while time.monotonic() < deadline and answers != {"two"}:
        answers = {get(port, "/").text for _ in range(4)}
        if answers != {"two"} and time.time() - bumped > 1:
            # Sanic's reloader may have taken its first look at the file
            # after the change (its process starts late on a busy machine):
            # a newer mtime is a change it sees.
            bumped = time.time()
            os.utime(source, (bumped, bumped))
        time.sleep(0.1)
    assert answers == {"two"}, process.output()
    assert process.stop(signal.SIGTERM, group=False) == 0, process.output()
