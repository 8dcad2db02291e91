"""When ``sanic-asgi run -w N`` runs Sanic's process model, and the one line
it prints when it cannot (``workers.why_not_supervised``, ``--dry-run``)."""

from __future__ import annotations

import pytest

from sanic_asgi._cli import main
from sanic_asgi._cli.servers import RunOptions
from sanic_asgi._cli.workers import why_not_supervised

APP = "tests.workers.apps.procmodel:app"


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn", "daphne"])
def test_servers_that_serve_a_supervisors_socket(server: str) -> None:
    options = RunOptions(server=server, workers=2)  # type: ignore[arg-type]
    assert why_not_supervised(options, process_model=True, binds_itself=False) == ""


@pytest.mark.parametrize(
    ("options", "process_model", "binds_itself", "expected"),
    [
        (RunOptions(server="granian", workers=2), True, False, "granian's workers bind their own sockets"),
        (RunOptions(server="gunicorn", workers=2), True, False, "main-process listeners run once there"),
        (RunOptions(server="uvicorn", workers=2), False, False, "has no worker manager (Sanic 22.9+ has)"),
        (RunOptions(server="uvicorn", workers=2), True, True, "the address is given to uvicorn after --"),
        (RunOptions(server="daphne", workers=2, uds="/tmp/app.sock"), True, False, "for IPv4 only"),
        (RunOptions(server="daphne", workers=2, host="::1"), True, False, "for IPv4 only"),
    ],
)
def test_why_not(options: RunOptions, process_model: bool, binds_itself: bool, expected: str) -> None:
    why = why_not_supervised(options, process_model=process_model, binds_itself=binds_itself)
    assert expected in why
    assert "\n" not in why


def test_daphne_with_tls_keeps_one_process(tmp_path: object) -> None:
    from pathlib import Path

    from tests.cli.conftest import make_tls_dir

    tls = make_tls_dir(Path(str(tmp_path)) / "tls")
    options = RunOptions(server="daphne", workers=2, cert=str(tls / "fullchain.pem"), key=str(tls / "privkey.pem"))
    assert "without TLS" in why_not_supervised(options, process_model=True, binds_itself=False)


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn", "daphne"])
def test_dry_run_names_the_worker_manager(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", APP, "--server", server, "-w", "2", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "# -w 2: Sanic's worker manager runs the main-process listeners once and 2 workers" in captured.out
    assert "process model is off" not in captured.err
    assert "run once in each of the 2 workers" not in captured.err


def test_granian_says_so_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("granian")
    assert main(["run", APP, "--server", "granian", "-w", "2", "--dry-run"]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if "process model is off" in line]
    assert lines == [
        "sanic-asgi: warning: Sanic's process model is off: granian's workers bind their own sockets and cannot "
        "serve one a supervisor passes them: granian runs its own workers, and main-process listeners run in "
        "each of them"
    ]
    assert "worker manager" not in captured.out
    # today's mode: granian's own workers, and the per-worker warning
    assert "run once in each of the 2 workers" in captured.err


def test_one_worker_is_todays_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", APP, "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "worker manager" not in captured.out + captured.err


def test_reload_with_workers_keeps_the_workers(capsys: pytest.CaptureFixture[str]) -> None:
    # uvicorn's own reloader runs one process; Sanic's reloader restarts all of them.
    assert main(["run", APP, "-w", "2", "-r", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "one process serves" not in captured.err
    assert "2 workers" in captured.out


@pytest.mark.parametrize(("server", "once"), [("uvicorn", True), ("daphne", True), ("granian", False)])
def test_doctor_says_what_runs_where(capsys: pytest.CaptureFixture[str], server: str, once: bool) -> None:
    import json

    main(["doctor", APP, "--server", server, "-w", "2", "--no-start", "--json"])
    report = json.loads(capsys.readouterr().out)
    (listener,) = [item for item in report["listeners"] if item["event"] == "main_process_start"]
    assert ("once, in its supervising process" in listener["asgi"]) is once
    assert ("cannot change that" in listener["asgi"]) is not once
    (note,) = [f for f in report["findings"] if f["subject"] == "workers"]
    assert note["message"].startswith(f"`sanic-asgi run -w 2 --server {server}`: main-process listeners: ")
    assert ("once, in the supervisor" in note["message"]) is once


def test_gunicorn_keeps_its_arbiter_and_no_per_worker_warning(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("gunicorn")
    assert main(["run", APP, "--server", "gunicorn", "-w", "2", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert [line for line in captured.err.splitlines() if "process model is off" in line] != []
    assert "run once in each of the 2 workers" not in captured.err
    assert "sanic_asgi.gunicorn" in captured.out


def test_doctor_says_what_runs_where_under_gunicorn(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", APP, "--server", "gunicorn", "--workers", "2"]) in (0, 1)
    out = capsys.readouterr().out
    assert "once, in gunicorn's arbiter" in out
