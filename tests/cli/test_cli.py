"""The command line in-process: errors, the banner, --quiet, colour, doctor."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from sanic_asgi import __version__
from sanic_asgi._cli import main
from sanic_asgi._cli.loader import TARGET_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace the server with a recorder (the banner and warnings still print)."""
    plans: list[Any] = []
    monkeypatch.setenv(TARGET_ENV, "")
    monkeypatch.delenv("NO_COLOR", raising=False)

    def run_plan(plan: Any, serve: Any = None) -> int:  # serve: workers.supervise under -w N
        plans.append(plan)
        return 0

    monkeypatch.setattr("sanic_asgi._cli.runners.run_plan", run_plan)
    return plans


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sanic-asgi {__version__}"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "run" in capsys.readouterr().err


def test_a_missing_server_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "granian", None)  # "import granian" raises ImportError
    assert main(["run", "tests.cli.apps.basic:app", "--server", "granian"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "granian is not installed" in lines[0]
    assert "pip install 'sanic-asgi[granian]'" in lines[0]


def test_a_bad_target_names_what_was_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "tests.cli.apps.basic:appp"]) == 2
    err = capsys.readouterr().err
    assert "cannot load 'tests.cli.apps.basic:appp'" in err
    assert "has no attribute 'appp'; it has tests.cli.apps.basic:app" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cert", "only.pem"], "TLS needs both a certificate and a key"),
        (["--tls", "/nonexistent-dir"], "no such TLS file"),
        (["--tls", "d", "--cert", "c"], "either --tls DIR or --cert/--key"),
        (["--workers", "0"], "workers must be 1 or more"),
    ],
)
def test_bad_options(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "tests.cli.apps.basic:app", *args]) == 2
    assert message in capsys.readouterr().err


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "tests.cli.apps.basic:app", "--server", "tornado"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_banner_names_server_workers_address_and_mapped_settings(
    served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["run", "tests.cli.apps.basic:app", "-p", "8123", "-w", "2", "--", "--backlog", "10"]) == 0
    text = err.getvalue()
    assert "\033[" not in text  # not a terminal: no colour
    assert f"sanic-asgi {__version__} · Sanic" in text
    assert "uvicorn" in text
    assert "2 workers" in text
    assert "listening  http://127.0.0.1:8123" in text
    assert "KEEP_ALIVE_TIMEOUT=120" in text
    assert "-> --timeout-keep-alive 120" in text
    assert "--backlog 10  (after --; these win)" in text
    # Sanic's defaults uvicorn cannot (fully) honour: REQUEST_TIMEOUT, and the head limit,
    # which httptools does not enforce while it buffers (the adapter does, after): a line of
    # the banner, no warning.
    assert (
        "defaults   REQUEST_TIMEOUT, REQUEST_MAX_HEADER_SIZE: Sanic's defaults, not honoured by uvicorn "
        "(as for every app on it; `sanic-asgi doctor` says why)"
    ) in text
    assert "warning" not in text
    (plan,) = served
    assert plan.passthrough == ("--backlog", "10")


def test_colour_only_on_a_terminal(served: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    tty = TTY()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["run", "tests.cli.apps.basic:app"]) == 0
    assert "\033[" in tty.getvalue()
    for extra, env in ((["--no-color"], {}), ([], {"NO_COLOR": "1"})):
        tty = TTY()
        monkeypatch.setattr(sys, "stderr", tty)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        assert main(["run", "tests.cli.apps.basic:app", *extra]) == 0
        assert "\033[" not in tty.getvalue()


def test_quiet_keeps_only_the_warnings(served: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["run", "tests.cli.apps.differs:app", "--server", "granian", "--quiet"]) == 0
    lines = err.getvalue().splitlines()
    assert lines, "expected warnings on stderr, got none"
    assert [line for line in lines if not line.startswith("sanic-asgi: warning: ")] == []
    assert any("KEEP_ALIVE_TIMEOUT=3 is not honoured by granian" in line for line in lines), lines


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn", "granian", "daphne"])
def test_run_warns_only_about_settings_the_app_changed_as_doctor_does(
    server: str, served: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same rule in both commands: a setting the app changed from Sanic's
    # default and the server cannot honour is a warning (run) and a
    # difference (doctor); Sanic's own defaults are a banner line and notes.
    for target in ("tests.cli.apps.basic:app", "tests.cli.apps.differs:app"):
        err = io.StringIO()
        monkeypatch.setattr(sys, "stderr", err)
        assert main(["run", target, "--server", server]) == 0
        warned = {
            line.split("warning: ", 1)[1].split("=")[0].split(" ")[0]
            for line in err.getvalue().splitlines()
            if line.startswith("sanic-asgi: warning: ")
        }
        banner = next((line for line in err.getvalue().splitlines() if line.startswith("  defaults ")), "")
        assert main(["doctor", target, "--server", server, "--json", "--no-start"]) in (0, 1)
        report = json.loads(capsys.readouterr().out)
        settings = [f for f in report["findings"] if f["group"] == "settings" and f["subject"] != "command"]
        assert warned == {f["subject"] for f in settings if f["kind"] == "differs"}, target
        noted = {f["subject"] for f in settings if f["kind"] == "note"}
        assert {name for name in noted if name in banner} == noted, (target, banner)
        if target.endswith("basic:app"):
            assert warned == set()  # an app that changed nothing gets no warning on any server


def test_granian_warns_about_nothing_for_an_app_with_sanics_defaults(
    served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["run", "tests.cli.apps.basic:app", "--server", "granian"]) == 0
    text = err.getvalue()
    assert "warning" not in text
    assert "defaults   KEEP_ALIVE_TIMEOUT, REQUEST_TIMEOUT" in text


def test_main_process_listeners_with_several_workers_are_named(
    served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    # granian runs its own workers (tests/workers: uvicorn, hypercorn and daphne run Sanic's)
    assert main(["run", "tests.cli.apps.differs:app", "-w", "3", "-q", "--server", "granian"]) == 0
    assert "main_process_start listener(s) run once in each of the 3 workers" in err.getvalue()
    err.seek(0)
    err.truncate()
    assert main(["run", "tests.cli.apps.differs:app", "-w", "3", "-q"]) == 0
    assert "run once in each of the 3 workers" not in err.getvalue()


def test_access_log_option_reaches_the_workers(served: list[Any], capsys: pytest.CaptureFixture[str]) -> None:
    import os

    assert main(["run", "tests.cli.apps.basic:app", "--no-access-logs", "-q"]) == 0
    assert json.loads(os.environ[TARGET_ENV])["config"] == {"ACCESS_LOG": False}


def test_doctor_passes_no_flags_through(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "tests.cli.apps.basic:app", "--", "--x"]) == 2
    assert "doctor takes no server flags" in capsys.readouterr().err


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "sanic_asgi", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"sanic-asgi {__version__}"


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn", "granian", "daphne"])
def test_no_secret_in_any_output(
    server: str, served: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from .conftest import make_tls_dir

    tls = make_tls_dir(tmp_path / "tls")
    flag = "--keyfile-password" if server == "hypercorn" else "--ssl-keyfile-password"
    passed = [] if server == "daphne" else ["--", f"{flag}=passed-s3cret"]
    for extra in (["--dry-run"], []):
        assert main(["run", "tests.cli.apps.secrets:app", "--server", server, "--tls", str(tls), *extra, *passed]) == 0
        assert main(["doctor", "tests.cli.apps.secrets:app", "--server", server, "--no-start"]) in (0, 1)
        assert main(["doctor", "tests.cli.apps.secrets:app", "--server", server, "--no-start", "--json"]) in (0, 1)
        out, err = capsys.readouterr()
        assert "s3cret" not in out + err
        if extra and server != "daphne":
            assert f"{flag} '***'" in out  # the mapped password, masked
            assert f"'{flag}=***'" in out  # and the one passed after --
            assert "# secrets are shown as ***" in out
        if not extra:
            assert "proxy settings: PROXIES_COUNT=1, FORWARDED_SECRET=***" in err  # the banner
    # The server itself still gets them.
    plan = served[-1]
    assert "tls-password-s3cret" in plan.args or server == "daphne"
    assert f"{flag}=passed-s3cret" in plan.passthrough or server == "daphne"


def test_a_port_in_use_is_checked_unless_the_server_flags_choose_the_address(
    served: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert main(["run", "tests.cli.apps.basic:app", "-p", port, "-q"]) == 4
        assert capsys.readouterr().err == (
            f"sanic-asgi: error: cannot listen on 127.0.0.1:{port}: the address is in use (another server runs "
            "there); stop it, or choose another port with --port\n"
        )
        assert served == []  # the server never ran
        assert main(["run", "tests.cli.apps.basic:app", "-p", port, "-q", "--", "--port=0"]) == 0
        assert main(["run", "tests.cli.apps.basic:app", "-p", port, "--dry-run"]) == 0
    assert len(served) == 1
