"""The expected-failure summary of tests/conftest.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import summary_lines, xfail_reason

ROOT = Path(__file__).resolve().parents[1]


def test_reasons_are_grouped_without_per_run_detail() -> None:
    assert xfail_reason("reason: native ASGI: no lifespan (GET /hello answered 500)") == "native ASGI: no lifespan"
    assert xfail_reason("native ASGI: drops trailers") == "native ASGI: drops trailers"


def test_the_summary_is_a_line_per_common_reason() -> None:
    reasons = ["native ASGI: a"] * 300 + ["native ASGI: b"] * 40 + [f"native ASGI: r{i}" for i in range(12)]
    reasons += ["our open bug"] * 2
    lines = summary_lines(reasons, shown=2)
    assert lines == [
        "352 of Sanic's own ASGI mode (the comparison side of the conformance tests), 14 reasons:",
        "   300  a",
        "    40  b",
        "    12  in 12 more reasons (pytest -rx lists every test)",
        "2 of sanic-asgi itself (open bugs and known limits, each with its reason), 1 reason:",
        "     2  our open bug",
    ]
    assert summary_lines([]) == []


def test_a_run_prints_the_summary_instead_of_every_xfail(tmp_path: Path) -> None:
    (tmp_path / "test_gaps.py").write_text(
        "import pytest\n"
        "@pytest.mark.parametrize('n', range(30))\n"
        "@pytest.mark.xfail(strict=True, reason='native ASGI: loses the gap')\n"
        "def test_gap(n):\n"
        "    assert False\n"
        "def test_skipped():\n"
        "    pytest.skip('a skip stays listed')\n"
    )
    # The suite's own configuration and conftest, on a directory of its own.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(ROOT),
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    out = result.stdout
    assert result.returncode == 0, out
    assert "XFAIL" not in out  # not one line per expected failure
    assert "SKIPPED [1]" in out
    assert "a skip stays listed" in out
    assert "30 of Sanic's own ASGI mode (the comparison side of the conformance tests), 1 reason:" in out
    assert "    30  loses the gap" in out
