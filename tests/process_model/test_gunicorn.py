"""sanic_asgi.gunicorn: Sanic's main-process listeners run once, in gunicorn's
arbiter, for gunicorn's own ASGI worker and for uvicorn-worker; the workers
run the rest of the sequence and see what main_process_start put in
``app.shared_ctx``."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests._servers import HOST, Options, ServerKind, ServerProcess, TLSFiles

WORKERS = {"asgi": ("gunicorn.asgi",), "uvicorn_worker.UvicornWorker": ("gunicorn", "uvicorn_worker")}
OUR_CONFIG = "python:sanic_asgi.gunicorn"
# A user's config file that calls our hooks (README "Deployment and multiple workers").
USER_CONFIG = "tests/process_model/gunicorn_conf.py"


def _kind(worker: str, config: str = OUR_CONFIG) -> ServerKind:
    def build(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
        cmd = [sys.executable, "-m", "gunicorn", "-c", config, "-k", worker, "-w", "2"]
        return [*cmd, "--bind", f"{HOST}:{port}", "--graceful-timeout", "5", "--no-control-socket", target]

    return ServerKind(f"gunicorn-{worker}", WORKERS[worker], build)


def _events(path: Path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    return [(line.split()[0], int(line.split()[1])) for line in path.read_text().splitlines()]


def _wait_for(path: Path, event: str, count: int, timeout: float = 30.0) -> list[tuple[str, int]]:
    deadline = time.monotonic() + timeout
    while sum(e == event for e, _ in _events(path)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return _events(path)


@pytest.fixture(
    params=[("asgi", OUR_CONFIG), ("uvicorn_worker.UvicornWorker", OUR_CONFIG), ("asgi", USER_CONFIG)],
    ids=["asgi", "uvicorn-worker", "asgi-user-config"],
)
def kind(request: pytest.FixtureRequest) -> ServerKind:
    kind = _kind(*request.param)
    missing = kind.missing()
    if missing:
        pytest.skip(f"{kind.id}: module {missing!r} is not installed")
    return kind


@pytest.mark.timeout(90)
def test_main_process_listeners_run_once_in_the_arbiter(kind: ServerKind, tmp_path: Path) -> None:
    events_file = tmp_path / "events"
    process = ServerProcess(
        kind,
        "tests.process_model.apps.listeners:asgi",
        tmp_path / "server.log",
        env={"SANIC_ASGI_TEST_EVENTS": str(events_file)},
    )
    try:
        process.start()
        _wait_for(events_file, "after_server_start", 2)
        lines = events_file.read_text()
        assert lines.count("after_server_start") == 2, process.log()
        assert lines.count(" shared=42\n") == 2, lines  # both workers see the Value
        with httpx.Client(base_url=process.url, timeout=10) as client:
            assert client.get("/queue").json()["item"] == "from main"
    finally:
        status = process.stop()
    assert status == 0, process.log()
    events = _events(events_file)
    arbiter = process.proc.pid if process.proc is not None else -1
    names = [e for e, _ in events]
    # Once each, in the arbiter; ready before any worker starts; stop after every worker stopped.
    events = [(e, p) for e, p in events if e != "user_on_starting"]
    if USER_CONFIG in kind.command("x:y", 1, Options(), None):
        assert ("user_on_starting", arbiter) in _events(events_file)
    assert [(e, p) for e, p in events if e.startswith("main_process")] == [
        ("main_process_start", arbiter),
        ("main_process_ready", arbiter),
        ("main_process_stop", arbiter),
    ]
    assert names.index("main_process_ready") < names.index("before_server_start")
    assert names[-1] == "main_process_stop"
    workers = {p for e, p in events if e == "before_server_start"}
    assert len(workers) == 2
    assert arbiter not in workers
    for event in ("before_server_start", "after_server_start", "before_server_stop", "after_server_stop"):
        assert sorted(p for e, p in events if e == event) == sorted(workers), (event, events)
    assert "run once per worker" not in process.log()


@pytest.mark.timeout(60)
def test_sigterm_answers_the_request_in_flight(tmp_path: Path) -> None:
    kind = _kind("asgi")
    if kind.missing():
        pytest.skip("gunicorn's asgi worker is not installed")
    events_file, release = tmp_path / "events", tmp_path / "release"
    process = ServerProcess(
        kind,
        "tests.process_model.apps.listeners:asgi",
        tmp_path / "server.log",
        env={"SANIC_ASGI_TEST_EVENTS": str(events_file), "SANIC_ASGI_TEST_RELEASE": str(release)},
    )
    answers: list[httpx.Response | BaseException] = []

    def in_flight() -> None:
        try:
            with httpx.Client(base_url=process.url, timeout=20) as client:
                answers.append(client.get("/until-released"))
        except BaseException as exc:  # reported by the assertion below
            answers.append(exc)

    client = threading.Thread(target=in_flight)
    try:
        process.start()
        client.start()
        _wait_for(events_file, "until_released", 1)
        mark = process.log_mark()
        assert process.proc is not None
        os.kill(process.proc.pid, signal.SIGTERM)
        process.wait_for_log("Worker shutting down", mark, timeout=10)
        release.touch()
        status = process.wait_exit()
    finally:
        release.touch()
        process.stop()
        client.join(20)
    assert status == 0, process.log()
    assert len(answers) == 1, process.log()
    assert isinstance(answers[0], httpx.Response), (answers, process.log())
    assert answers[0].json() == {"released": True}
    names = [e for e, _ in _events(events_file)]
    assert names.count("main_process_stop") == 1
    assert names[-1] == "main_process_stop"


@pytest.mark.timeout(60)
def test_sigint_is_gunicorns_quick_shutdown_and_main_process_stop_runs_once(tmp_path: Path) -> None:
    kind = _kind("asgi")
    if kind.missing():
        pytest.skip("gunicorn's asgi worker is not installed")
    events_file = tmp_path / "events"
    process = ServerProcess(
        kind,
        "tests.process_model.apps.listeners:asgi",
        tmp_path / "server.log",
        env={"SANIC_ASGI_TEST_EVENTS": str(events_file)},
    )
    try:
        process.start()
        _wait_for(events_file, "after_server_start", 2)
        assert process.proc is not None
        os.kill(process.proc.pid, signal.SIGINT)
        status = process.wait_exit()
    finally:
        process.stop()
    assert status == 0, process.log()
    names = [e for e, _ in _events(events_file)]
    assert names.count("main_process_stop") == 1
    assert names[-1] == "main_process_stop"
    # Quick shutdown: the workers skip lifespan shutdown (SIGTERM is gunicorn's graceful stop).
    assert "before_server_stop" not in names


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("tests.process_model.apps.listeners:bare", "expected a sanic_asgi.ASGIApp as the application, got Sanic"),
        ("tests.process_model.apps.failing:asgi", "main_process_start of 'process_model_failing' failed"),
    ],
)
def test_arbiter_refuses_to_start(target: str, message: str, tmp_path: Path) -> None:
    kind = _kind("asgi")
    if kind.missing():
        pytest.skip("gunicorn's asgi worker is not installed")
    process = ServerProcess(kind, target, tmp_path / "server.log", env={"SANIC_ASGI_TEST_EVENTS": "/dev/null"})
    process.start(wait=False)
    try:
        status = process.wait_exit()
    finally:
        process.stop()
    assert status == 3, process.log()
    assert message in process.log()
    assert "Booting worker" not in process.log()
