"""``sanic-asgi doctor`` on the test apps and the example apps."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from sanic_asgi._cli import main
from tests._servers import Launcher

ROOT = Path(__file__).resolve().parents[2]


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["doctor", *args])
    return code, capsys.readouterr().out


def doctor_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out = doctor(capsys, *args, "--json")
    return code, json.loads(out)


def findings(report: dict[str, Any], kind: str | None = None) -> dict[str, dict[str, Any]]:
    return {f["subject"]: f for f in report["findings"] if kind is None or f["kind"] == kind}


def own_routes(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The app's own routes by path (sanic-ext, when installed, adds HEAD and
    OPTIONS routes on the same paths at startup)."""
    return {r["path"]: r for r in report["routes"] if not r["added_at_startup"]}


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
    routes = own_routes(report)
    assert routes["/report"]["sync"] is True
    assert routes["/"]["sync"] is False
    assert report["summary"]["differs"] == len(differs)


def test_gunicorn_runs_main_process_listeners_once_in_its_arbiter(capsys: pytest.CaptureFixture[str]) -> None:
    _, report = doctor_json(capsys, "tests.cli.apps.differs:app", "--workers", "4", "--server", "gunicorn")
    (listener,) = [item for item in report["listeners"] if item["event"] == "main_process_start"]
    assert listener["kind"] == "note"
    assert listener["asgi"] == "once, in gunicorn's arbiter, before it binds (sanic_asgi.gunicorn)"
    assert "gunicorn signals" in findings(report)


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
    assert {"methods", "path", "name", "handler", "websocket", "sync", "added_at_startup", "added_by"} == set(
        report["routes"][0]
    )
    assert report["trial"] == "started and stopped"
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
    assert list(own_routes(report)) == ["/"]
    # The ASGIApp the module exports names the same app.
    code, asgi_report = doctor_json(capsys, "examples.hello:asgi")
    assert code == 0
    assert asgi_report["app"] == report["app"]


def test_examples_shop(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("examples.shop.app")
    # The module's own ASGIApp: doctor's trial start uses it, with its options.
    code, report = doctor_json(capsys, "examples.shop:asgi")
    routes = own_routes(report)
    assert "/live/echo" in routes
    assert routes["/live/echo"]["websocket"] is True
    events = {item["event"] for item in report["listeners"]}
    assert {"before_server_start", "after_server_stop"} <= events
    # after_server_start runs before uvicorn (one worker) listens: a difference
    assert code == 1
    assert any(f["subject"].startswith("after_server_start") for f in findings(report, "differs").values())
    code, report = doctor_json(capsys, "examples.shop.app:app", "--server", "hypercorn")
    assert code == 0, findings(report, "differs")


# -- the trial start, and extensions ---------------------------------------------------

needs_sanic_ext = pytest.mark.skipif(
    importlib.util.find_spec("sanic_ext") is None, reason="sanic-ext is not installed (it is in [dev])"
)


@needs_sanic_ext
def test_routes_sanic_ext_adds_at_startup_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor_json(capsys, "tests.cli.apps.extended:plain")
    assert code == 0, report["findings"]
    assert report["trial"] == "started and stopped"
    added = {(r["path"], tuple(r["methods"])): r for r in report["routes"] if r["added_at_startup"]}
    assert added[("/docs/openapi.json", ("GET",))]["added_by"] == "sanic_ext"
    assert added[("/", ("HEAD",))]["added_by"] == "sanic_ext"  # the automatic HEAD beside GET /
    assert own_routes(report)["/"]["added_by"] == ""
    assert not {"startup", "extensions"} & {f["group"] for f in report["findings"]}  # sanic-ext's defaults
    code, out = doctor(capsys, "tests.cli.apps.extended:plain_text")
    assert "Routes added at startup (" in out
    assert "GET,HEAD,OPTIONS /docs/openapi.json" in out


def test_no_start_runs_no_listener(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor_json(capsys, "tests.cli.apps.failing:app")
    assert code == 1
    startup = findings(report)["startup"]
    assert startup["kind"] == "differs"
    assert startup["message"].endswith("RuntimeError: database is down (cli_failing)")
    assert "--no-start" in startup["action"]
    assert "raise RuntimeError" in report["trial_output"]  # the traceback's tail
    code, report = doctor_json(capsys, "tests.cli.apps.failing:app", "--no-start")
    assert code == 0, report["findings"]
    assert report["trial"] == "skipped"
    assert "startup" not in findings(report)
    _, out = doctor(capsys, "tests.cli.apps.failing:app", "--no-start")
    assert "routes that extensions add at startup are not listed" in out


def test_a_startup_that_does_not_finish_is_reported() -> None:
    from sanic import Sanic

    from sanic_asgi._cli.doctor import diagnose

    app = Sanic("cli_doctor_stuck")

    @app.before_server_start
    async def wait_forever(app: Sanic) -> None:
        await asyncio.Event().wait()

    report = diagnose(app, target="stuck", start_timeout=0.2)
    assert report.trial == "failed"
    assert "startup did not finish within 0.2s" in findings(report.as_json())["startup"]["message"]


@needs_sanic_ext
@pytest.mark.parametrize(
    ("target", "subjects", "error"),
    [
        ("tests.cli.apps.extended:health", ["HEALTH_MONITOR"], "Can only access the manager"),
        ("tests.cli.apps.extended:background_logger", ["LOGGING"], "Can only access the manager"),
        ("tests.cli.apps.extended:endpoint", ["HEALTH_ENDPOINT"], ""),
    ],
)
def test_sanic_ext_features_that_need_the_worker_manager(
    capsys: pytest.CaptureFixture[str], target: str, subjects: list[str], error: str
) -> None:
    code, report = doctor_json(capsys, target, "--server", "granian")
    assert code == 1
    found = [f for f in report["findings"] if f["group"] == "extensions"]
    assert [f["subject"] for f in found] == subjects
    for finding in found:
        assert finding["kind"] == "differs"
        assert "set " in finding["action"]
    if error:  # the trial start met the failure the finding predicts
        startup = findings(report)["startup"]
        assert error in startup["message"]
        assert startup["action"] == f"see {subjects[0]} under Extensions: that is why"
        assert "granian's worker exits" in found[0]["message"]
    else:
        assert report["trial"] == "started and stopped"
        assert "/__health__" in {r["path"] for r in report["routes"] if r["added_by"] == "sanic_ext"}


def test_manager_gaps_only_for_what_the_app_turned_on() -> None:
    from sanic_asgi._cli.extensions import manager_gaps

    assert manager_gaps({}, "uvicorn") == []
    assert manager_gaps({"HEALTH": False, "HEALTH_ENDPOINT": True, "HEALTH_MONITOR": True}, "uvicorn") == []
    assert [g.subject for g in manager_gaps({"HEALTH": True}, "uvicorn")] == ["HEALTH_MONITOR"]
    both = manager_gaps({"HEALTH": True, "HEALTH_ENDPOINT": True, "LOGGING": True}, "daphne")
    assert [(g.subject, g.fails_startup) for g in both] == [
        ("HEALTH_MONITOR", True),
        ("HEALTH_ENDPOINT", False),
        ("LOGGING", True),
    ]
    assert "under a bare `daphne` every request answers 503" in both[0].message


# What extensions.STARTUP_FAILURE says each server does, checked on the real server.
@needs_sanic_ext
@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind_id", ["uvicorn-h11", "hypercorn-h11", "granian", "daphne"])
def test_what_each_server_does_when_the_health_monitor_fails_startup(kind_id: str, launch: Launcher) -> None:
    from sanic_asgi._cli.extensions import STARTUP_FAILURE
    from tests._servers import KINDS

    kind = next(k for k in KINDS if k.id == kind_id)
    said = STARTUP_FAILURE[kind_id.split("-")[0]]
    if kind_id == "daphne":  # no lifespan: the app starts lazily, on the first request
        server = launch.start(kind, "tests.cli.apps.extended:health_asgi")
        assert httpx.get(server.url + "/", timeout=10).status_code == 503
        assert "every request answers 503" in said
        return
    server = launch.start(kind, "tests.cli.apps.extended:health_asgi", wait=False)
    status = server.wait_exit()
    assert status is not None, server.log()
    log = server.log()
    # sanic-ext's main_process_start listener reaches for the manager; in
    # hypercorn's worker (a daemonic process) it cannot start its process first.
    assert "Can only access the manager" in log or "daemonic processes are not allowed to have children" in log
    if kind_id == "uvicorn-h11":
        assert status == 3
        assert "Application startup failed" in log
        assert "status 3" in said
    elif kind_id == "granian":
        assert status == 1
        assert "status 1" in said
    else:
        assert "LifespanFailureError" in log
        assert "LifespanFailureError" in said


@needs_sanic_ext
@pytest.mark.timeout(60)
def test_the_health_endpoint_answers_500_under_a_real_server(launch: Launcher) -> None:
    from tests._servers import KINDS

    kind = next(k for k in KINDS if k.id == "uvicorn-h11")
    server = launch.start(kind, "tests.cli.apps.extended:endpoint_asgi")
    assert httpx.get(server.url + "/", timeout=10).status_code == 200
    assert httpx.get(server.url + "/__health__", timeout=10).status_code == 500
    assert "no attribute 'multiplexer'" in server.log()
