"""For the whole suite: the expected failures summarised by reason.

``addopts`` lists failures, errors and skips one by one (``-rfEsX``) but not
the xfails: the conformance tests run every check against Sanic's own ASGI
mode too, as a strict xfail with its reason, which is ~350 lines a run.
They are summed up here instead, a line per reason for the most common
ones; ``pytest -rx`` lists every one.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections import Counter

import pytest

NATIVE = "native ASGI: "

# Before Python 3.11, asyncio's TLS transport is not marked closed when the
# peer ends the connection (3.11's sslproto does: "so that its __dealloc__
# doesn't complain"), so every TLS client whose server closed first (the
# websockets client, as RFC 6455 has it) warns when it is collected, in
# whichever test the GC runs.  Python's, not a leak of ours.
OLD_SSLPROTO = r"Exception ignored in. <function _SSLProtocolTransport.__del__"


def pytest_configure(config: pytest.Config) -> None:
    if sys.version_info < (3, 11):
        # Each test's filters, and the session's (in force when pytest collects the last ones at its end).
        config.addinivalue_line("filterwarnings", f"ignore:{OLD_SSLPROTO}:pytest.PytestUnraisableExceptionWarning")
        warnings.filterwarnings("ignore", OLD_SSLPROTO, pytest.PytestUnraisableExceptionWarning)


SHOWN = 5  # reasons listed per side; the rest are counted


def xfail_reason(text: str) -> str:
    """A report's ``wasxfail`` as a reason to group by: without pytest's
    ``reason:`` prefix and the per-run detail in a trailing parenthesis
    (``(GET /hello answered 500)``)."""
    text = text.removeprefix("reason: ").strip()
    return re.sub(r" \(GET [^)]* answered \d+\)$", "", text)


def summary_lines(reasons: list[str], shown: int = SHOWN) -> list[str]:
    """The summary, for the reasons of every xfailed test of a run."""
    if not reasons:
        return []
    native = Counter(r for r in reasons if r.startswith(NATIVE))
    ours = Counter(r for r in reasons if not r.startswith(NATIVE))
    lines = []
    for label, counts in (
        ("of Sanic's own ASGI mode (the comparison side of the conformance tests)", native),
        ("of sanic-asgi itself (open bugs and known limits, each with its reason)", ours),
    ):
        total = sum(counts.values())
        if not total:
            continue
        lines.append(f"{total} {label}, {len(counts)} reason{'s' if len(counts) != 1 else ''}:")
        for reason, count in counts.most_common(shown):
            lines.append(f"  {count:>4}  {reason.removeprefix(NATIVE)}")
        rest = counts.most_common()[shown:]
        if rest:
            lines.append(f"  {sum(c for _, c in rest):>4}  in {len(rest)} more reasons (pytest -rx lists every test)")
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reports = terminalreporter.stats.get("xfailed", [])
    lines = summary_lines([xfail_reason(getattr(report, "wasxfail", "") or "") for report in reports])
    if lines:
        terminalreporter.write_sep("=", "expected failures (strict xfails) by reason")
        for line in lines:
            terminalreporter.write_line(line)
