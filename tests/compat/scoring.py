"""The score of a suite run through the adapter: one outcome per test, written as JSON.

Shared by ``sanic_compat.py`` (Sanic's own suite) and ``tests/thirdparty``
(extensions' suites): both register a ``ScoreKeeper`` on the xdist controller
(or the only process), which sees every test's reports.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import pytest

_STARTED = time.monotonic()


class ScoreKeeper:
    """Counts one outcome per test and writes the score.

    ``explained(nodeid, mode)`` says whether the manifest gives the reason a
    test does not pass; ``stale()`` lists manifest entries naming no test;
    ``label`` goes into the JSON (which suite, which release)."""

    def __init__(
        self,
        config: pytest.Config,
        *,
        mode: str,
        label: dict[str, str],
        explained: Callable[[str, str], bool],
        stale: Callable[[], list[str]],
        title: str,
        json_path: str | None,
    ) -> None:
        self.config = config
        self.mode = mode
        self.label = label
        self.explained = explained
        self.stale = stale
        self.title = title
        self.json_path = json_path
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
        outcomes = self.outcomes
        counts = dict.fromkeys(("passed", "failed", "error", "skipped", "xfailed", "xpassed"), 0)
        for outcome in outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        total = len(outcomes)
        passed = counts["passed"] + counts["xpassed"]
        mode = self.mode
        stale = self.stale()
        not_passed = {n: outcome for n, outcome in sorted(outcomes.items()) if outcome not in ("passed", "xpassed")}
        unexplained = [nodeid for nodeid in not_passed if not self.explained(nodeid, mode)]
        result = {
            "mode": mode,
            **self.label,
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
        terminalreporter.write_sep("=", f"{self.title} ({mode})")
        terminalreporter.write_line(
            f"{mode}: {passed} passed, {total - passed} not passed "
            f"(failed {counts['failed']}, errors {counts['error']}, xfailed {counts['xfailed']}, "
            f"xpassed {counts['xpassed']}, skipped {counts['skipped']}) in {result['files']} files"
        )
        for nodeid in stale:
            terminalreporter.write_line(f"stale manifest entry (no such test): {nodeid}")
        for nodeid in unexplained:
            terminalreporter.write_line(f"not passed, no reason in the manifest: {nodeid} ({not_passed[nodeid]})")
        path = self.json_path
        if path:
            Path(path).write_text(json.dumps(result, indent=2) + "\n")
