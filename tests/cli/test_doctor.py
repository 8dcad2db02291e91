"""``sanic-asgi doctor`` on the test apps and the example apps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sanic_asgi._cli import main

ROOT = Path(__file__).resolve().parents[2]


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["doctor", *args])
    return code, capsys.readouterr().out


def doctor_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out = doctor(capsys, *args, "--json")
    return code, json.loads(out)


def findings(report: dict[str, Any], kind: str | None = None) -> dict[str, dict[str, Any]]:
    return {f["subject"]: f for f in report["findings"] if kind is None or f["kind"] == kind}


def test_an_app_that_behaves_the_same_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = doctor(capsys, "tests.cli.apps.clean:app")
    assert code == 0, out
    assert "nothing differs from Sanic's server (exit 0)" in out
    assert "before_server_start: tests.cli.apps.clean.setup" in out
    assert "Sanic's server: in each worker, before it serves" in out
    assert "sanic-asgi:     on lifespan.startup" in out
    # A Sanic default the server cannot honour is a note, not a difference.
    assert "[note] REQUEST_TIMEOUT=60 is not honoured by uvicorn" in out


def test_everything_that_differs(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor_json(capsys, "tests.cli.apps.differs:app")
    assert code == 1
    assert report["exit_code"] == 1
    differs = findings(report, "differs")
    assert differs["REQUEST_TIMEOUT"]["message"].startswith("REQUEST_TIMEOUT=5 is not honoured by uvicorn")
    assert "KEEP_ALIVE_TIMEOUT" not in differs  # changed, but uvicorn honours it
    assert "reload_process_start: tests.cli.apps.differs.watch" in differs
    assert "after_server_start: tests.cli.apps.differs.warm_up" in differs
    assert "http.lifecycle.begin" in differs
    # one worker: main_process_start runs once, in the worker - a note
    assert "main_process_start: tests.cli.apps.differs.migrate" not in differs
    advice = findings(report, "advice")
    assert advice["GET /report"]["message"].startswith("tests.cli.apps.differs.report is a plain def")
    assert "--sync-handlers thread" in advice["GET /report"]["action"]
    routes = {r["path"]: r for r in report["routes"]}
    assert routes["/report"]["sync"] is True
    assert routes["/"]["sync"] is False
    assert report["summary"]["differs"] == len(differs)


def test_several_workers_run_main_process_listeners_several_times(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor_json(capsys, "tests.cli.apps.differs:app", "--workers", "4")
    assert code == 1
    (listener,) = [item for item in report["listeners"] if item["event"] == "main_process_start"]
    assert listener["kind"] == "differs"
    assert "4 times, once per worker" in listener["asgi"]
    assert listener["sanic"] == "once, in the main process, before the workers start"
    # with several uvicorn workers the socket is bound before lifespan
    (after,) = [item for item in report["listeners"] if item["event"] == "after_server_start"]
    assert after["kind"] == "note"


@pytest.mark.parametrize(
    ("server", "differs", "notes"),
    [
        ("uvicorn", set(), {"REQUEST_TIMEOUT"}),
        ("hypercorn", set(), {"REQUEST_TIMEOUT", "WEBSOCKET_PING_TIMEOUT"}),
        ("granian", set(), {"KEEP_ALIVE_TIMEOUT", "REQUEST_TIMEOUT", "WEBSOCKET_MAX_SIZE", "WEBSOCKET_PING_INTERVAL"}),
        ("daphne", set(), {"KEEP_ALIVE_TIMEOUT", "REQUEST_TIMEOUT", "lifespan"}),
    ],
)
def test_settings_each_server_cannot_honour(
    capsys: pytest.CaptureFixture[str], server: str, differs: set[str], notes: set[str]
) -> None:
    # tests.cli.apps.basic has a websocket route, so the websocket settings count.
    _code, report = doctor_json(capsys, "tests.cli.apps.basic:app", "--server", server)
    assert report["server"] == server
    setting_differs = {f["subject"] for f in report["findings"] if f["group"] == "settings" and f["kind"] == "differs"}
    assert setting_differs == differs
    assert notes <= set(findings(report, "note"))


def test_websocket_settings_are_left_out_for_an_app_without_websockets(capsys: pytest.CaptureFixture[str]) -> None:
    _, report = doctor_json(capsys, "tests.cli.apps.clean:app", "--server", "granian")
    assert not {"WEBSOCKET_MAX_SIZE", "WEBSOCKET_PING_INTERVAL"} & set(findings(report))


def test_an_app_that_cannot_be_loaded_exits_2_with_the_import_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cli_doctor_broken.py").write_text("import not_installed_dependency_abc\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out = doctor(capsys, "cli_doctor_broken:app")
    assert code == 2
    assert "cannot load 'cli_doctor_broken:app'" in out
    assert "No module named 'not_installed_dependency_abc'" in out
    code, report = doctor_json(capsys, "cli_doctor_missing:app")
    assert code == 2
    assert report["exit_code"] == 2
    assert "no module named 'cli_doctor_missing'" in report["error"]


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    _, report = doctor_json(capsys, "tests.cli.apps.basic:app", "--server", "hypercorn", "-w", "2")
    assert set(report) >= {"target", "server", "workers", "app", "versions", "routes", "listeners", "findings"}
    assert set(report["versions"]) == {"sanic", "sanic-asgi", "websockets", "hypercorn"}
    assert {"methods", "path", "name", "handler", "websocket", "sync"} == set(report["routes"][0])
    for finding in report["findings"]:
        assert finding["kind"] in ("differs", "note", "advice")
        assert {"group", "kind", "subject", "message", "action"} == set(finding)


def test_colour_only_when_asked_for_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = doctor(capsys, "tests.cli.apps.differs:app")
    assert "\033[" not in out


# -- the example apps --------------------------------------------------------------------


def test_examples_hello(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("examples.hello")
    code, report = doctor_json(capsys, "examples.hello:app")
    assert code == 0, report["findings"]
    assert [r["path"] for r in report["routes"]] == ["/"]
    # The ASGIApp the module exports names the same app.
    code, asgi_report = doctor_json(capsys, "examples.hello:asgi")
    assert code == 0
    assert asgi_report["app"] == report["app"]


def test_examples_shop(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("examples.shop.app")
    code, report = doctor_json(capsys, "examples.shop.app:app")
    routes = {r["path"]: r for r in report["routes"]}
    assert "/live/echo" in routes
    assert routes["/live/echo"]["websocket"] is True
    events = {item["event"] for item in report["listeners"]}
    assert {"before_server_start", "after_server_stop"} <= events
    # after_server_start runs before uvicorn (one worker) listens: a difference
    assert code == 1
    assert any(f["subject"].startswith("after_server_start") for f in findings(report, "differs").values())
    code, report = doctor_json(capsys, "examples.shop.app:app", "--server", "hypercorn")
    assert code == 0, findings(report, "differs")
