"""pytest plugin that applies a release's manifest (``manifests/``) to Sanic's own test suite.

Loaded by ``run.py`` with ``-p sanic_compat`` (``tests/compat`` on
``PYTHONPATH``), next to ``sanic_asgi.pytest_plugin`` in the adapter modes.

* files listed as not run are not collected;
* ``XFAIL`` entries for the current mode get a strict xfail mark and
  ``SKIP`` entries a skip mark, each with its reason;
* at the end the outcome counts over the app-level tests are written as JSON
  (``--compat-json``), with the node ids of every test that did not pass.

The mode is the ``--sanic-asgi`` value, or ``own`` without it (Sanic's own
server, for the baseline); the manifest is the one of ``--compat-sanic``
(default: the installed Sanic's version).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import manifests  # tests/compat is on PYTHONPATH (run.py puts it there)
import pytest

_STARTED = time.monotonic()
_MANIFEST = pytest.StashKey[ModuleType]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--compat-json", default=None, help="write the compat score of this run to this JSON file")
    parser.addoption("--compat-sanic", default=None, help="the Sanic release whose manifest applies")


def _manifest(config: pytest.Config) -> ModuleType:
    return config.stash[_MANIFEST]


def _mode(config: pytest.Config) -> str:
    return str(config.getoption("sanic_asgi", None) or "own")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    try:
        relpath = collection_path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return None
    if collection_path.is_dir():
        relpath += "/"
    if manifests.not_run_reason(_manifest(config), relpath) is not None:
        return True
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    mode = _mode(config)
    manifest = _manifest(config)
    for item in items:
        entry = manifest.SKIP.get(item.nodeid)
        if entry is not None and mode in entry[0]:
            item.add_marker(pytest.mark.skip(reason=f"[compat manifest] {entry[1]}"))
            continue
        entry = manifest.XFAIL.get(item.nodeid)
        if entry is not None and mode in entry[0]:
            item.add_marker(pytest.mark.xfail(reason=f"[compat manifest] {entry[1]}", strict=True))
    collected = {item.nodeid for item in items}
    files = {nodeid.split("::", 1)[0] for nodeid in collected}
    stale = sorted(
        nodeid
        for table in (manifest.XFAIL, manifest.SKIP)
        for nodeid in table
        if nodeid.split("::", 1)[0] in files and nodeid not in collected
    )
    config.stash[_STALE] = stale


_STALE = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    version = config.getoption("compat_sanic", None)
    if not version:
        from sanic import __version__ as version
    config.stash[_MANIFEST] = manifests.load(version)
    if not config.pluginmanager.has_plugin("sanic"):
        raise pytest.UsageError("Sanic's tests run under pytest-sanic: put its wheel on PYTHONPATH (run.py does)")
    if not hasattr(config, "workerinput"):  # the xdist controller sees every worker's reports
        config.pluginmanager.register(ScoreKeeper(config), "sanic_compat_score")


class ScoreKeeper:
    """Counts one outcome per test and writes the score."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, str] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if hasattr(report, "wasxfail"):
            # A non-strict xfail of Sanic's own that passed is a pass (a strict
            # one that passes is reported as failed, without wasxfail).
            outcome = "xfailed" if report.skipped else "xpassed"
        elif report.when == "call":
            outcome = report.outcome  # passed / failed / skipped
        elif report.failed:
            outcome = "error"
        elif report.skipped:
            outcome = "skipped"
        else:
            return
        previous = self.outcomes.get(report.nodeid)
        # A teardown error after a pass makes the test an error.
        if previous in (None, "passed") or outcome == "error":
            self.outcomes[report.nodeid] = outcome

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int) -> None:
        config = self.config
        manifest = _manifest(config)
        outcomes = self.outcomes
        counts = dict.fromkeys(("passed", "failed", "error", "skipped", "xfailed", "xpassed"), 0)
        for outcome in outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        total = len(outcomes)
        passed = counts["passed"] + counts["xpassed"]
        mode = _mode(config)
        stale = config.stash.get(_STALE, [])
        not_passed = {n: outcome for n, outcome in sorted(outcomes.items()) if outcome not in ("passed", "xpassed")}
        unexplained = [nodeid for nodeid in not_passed if not manifests.explained(manifest, nodeid, mode)]
        result = {
            "mode": mode,
            "sanic": manifest.SANIC_VERSION,
            "total": total,
            "passed": passed,
            "not_passed": total - passed,
            "counts": counts,
            "files": len({nodeid.split("::", 1)[0] for nodeid in outcomes}),
            "seconds": round(time.monotonic() - _STARTED, 1),
            "exitstatus": int(exitstatus),
            "stale_manifest_entries": stale,
            "unexplained": unexplained,
            "not_passed_tests": not_passed,
            "passed_tests": sorted(n for n, outcome in outcomes.items() if outcome in ("passed", "xpassed")),
        }
        terminalreporter.write_sep("=", f"sanic-asgi compat score ({mode})")
        terminalreporter.write_line(
            f"{mode}: {passed} passed, {total - passed} not passed "
            f"(failed {counts['failed']}, errors {counts['error']}, xfailed {counts['xfailed']}, "
            f"xpassed {counts['xpassed']}, skipped {counts['skipped']}) in {result['files']} files"
        )
        for nodeid in stale:
            terminalreporter.write_line(f"stale manifest entry (no such test): {nodeid}")
        for nodeid in unexplained:
            terminalreporter.write_line(f"not passed, no reason in the manifest: {nodeid} ({not_passed[nodeid]})")
        path = config.getoption("compat_json")
        if path:
            Path(path).write_text(json.dumps(result, indent=2) + "\n")
