"""For the whole suite: the real-server fixtures every suite shares, and
the expected failures summarised by reason.

Real servers (``tests._servers``):

* ``kind`` - session-scoped, parametrized over ``tests._servers.KINDS``
  (``CONFORMANCE_SERVERS=uvicorn-h11,daphne`` narrows a run), skipped when the
  server is not installed; ``impl`` - ``ours`` (``ASGIApp(app)``) or
  ``native`` (Sanic's own ASGI mode; ``CONFORMANCE_IMPLS=ours`` narrows).
  Session scope lets pytest group the tests so that each (kind, impl)
  process starts once.
* ``launcher`` - a session's ``Launcher`` (processes shared by many tests);
  ``launch`` - a test's own (stopped by PID when the test ends).
* ``tls_files`` - a self-signed certificate for the TLS kinds (None without
  ``cryptography``).

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
from collections.abc import Iterator
from pathlib import Path

import pytest
from sanic import Sanic

from tests._servers import SELECTED_IMPLS, SELECTED_KINDS, Launcher, ServerKind, TLSFiles, installed, make_certificate

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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``@pytest.mark.native_gap("what native ASGI gets wrong")`` marks a test's
    ``native`` runs a strict xfail with that reason; ``servers=(...)`` limits it
    to some server kinds, ``not_on=(...)`` excludes some.  Last, so that an
    item a suite's own hook already marked (conformance's blanket reasons)
    keeps its reason."""
    for item in items:
        marker = item.get_closest_marker("native_gap")
        callspec = getattr(item, "callspec", None)
        if marker is None or callspec is None or callspec.params.get("impl") != "native":
            continue
        if any(mark.name == "xfail" for mark in item.iter_markers()):
            continue
        kind = callspec.params.get("kind")
        kind_id = getattr(kind, "id", kind)
        servers = marker.kwargs.get("servers")
        if servers is not None and kind_id not in servers:
            continue
        if kind_id in marker.kwargs.get("not_on", ()):
            continue
        reason = marker.args[0] if marker.args else marker.kwargs["reason"]
        item.add_marker(pytest.mark.xfail(strict=True, reason=f"native ASGI: {reason}"))


@pytest.fixture(scope="session", params=SELECTED_KINDS, ids=[k.id for k in SELECTED_KINDS])
def kind(request: pytest.FixtureRequest) -> ServerKind:
    """One server kind of ``tests._servers.KINDS`` (skipped when not installed)."""
    return installed(request.param)


@pytest.fixture(scope="session", params=SELECTED_IMPLS)
def impl(request: pytest.FixtureRequest) -> str:
    """``ours`` (``sanic_asgi.ASGIApp(app)``) or ``native`` (Sanic's own ASGI mode)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles | None:
    try:
        return make_certificate(tmp_path_factory.mktemp("tls"))
    except ImportError:
        return None


@pytest.fixture(scope="session")
def launcher(tmp_path_factory: pytest.TempPathFactory, tls_files: TLSFiles | None) -> Iterator[Launcher]:
    """Server processes shared by many tests, stopped at the end of the session."""
    session = Launcher(tmp_path_factory.mktemp("servers"), tls_files)
    yield session
    session.close()


@pytest.fixture
def launch(tmp_path: Path, tls_files: TLSFiles | None) -> Iterator[Launcher]:
    """Server processes of the test's own, stopped when it ends."""
    own = Launcher(tmp_path / "servers", tls_files)
    yield own
    own.close()


@pytest.fixture(scope="session", autouse=True)
def touchup_originals() -> None:
    """Sanic's TouchUp (21.3+) rewrites Sanic's own methods, process-wide, from
    their source; it keeps the originals aside (``_<name>``) only when its
    first run is in test mode, and later runs in test mode rebuild from them.
    This suite starts apps in and out of test mode in one process, in any
    order under xdist, so the originals are kept aside once, before any app
    starts, as a first run in test mode would.  (The adapter's own handling
    of the other order is tested in fresh interpreters:
    tests/unit/test_generations.py.)"""
    try:
        from sanic.touchup import TouchUp
    except ImportError:  # Sanic before 21.3
        return
    for target, name in TouchUp._registry:
        if not hasattr(target, f"_{name}"):
            setattr(target, f"_{name}", getattr(target, name))


@pytest.fixture
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sanic's test mode (apps may share a name) for one test, undone after it.
    Never set ``Sanic.test_mode`` at import: it would leak into every suite."""
    monkeypatch.setattr(Sanic, "test_mode", True)


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
