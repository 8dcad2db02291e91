"""scripts/ecosystem_suites.py: its decisions, without downloading or running any suite."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ecosystem_suites", ROOT / "scripts" / "ecosystem_suites.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


eco = load_script()

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.test_a" name="test_ok" time="0.1"/>
  <testcase classname="tests.test_a.Case" name="test_fails" time="0.1"><failure message="boom"/></testcase>
  <testcase classname="tests.test_a" name="test_param[x]" time="0.1"><error message="fixture"/></testcase>
  <testcase classname="tests.test_a" name="test_skip" time="0.1"><skipped message="no"/></testcase>
</testsuite></testsuites>
"""


def suite(**differences: str) -> object:
    return eco.Suite(name="pkg", version="1", sdist="pkg-1.tar.gz", sha256="0" * 64, tests=("tests",),
                     differences=differences)  # fmt: skip


def test_outcomes_reads_every_kind_of_result(tmp_path: Path) -> None:
    junit = tmp_path / "r.xml"
    junit.write_text(JUNIT)
    assert eco.outcomes(junit) == {
        "tests.test_a::test_ok": "passed",
        "tests.test_a.Case::test_fails": "failed",
        "tests.test_a::test_param[x]": "error",
        "tests.test_a::test_skip": "skipped",
    }


def test_compare_reports_what_the_adapter_changes() -> None:
    plain = {"a": "passed", "b": "passed", "c": "failed", "d": "passed"}
    adapter = {"a": "passed", "b": "failed", "c": "passed"}  # d not collected through the adapter
    result = eco.compare(suite(b="a reason"), plain, adapter)
    assert result == {"worse": ["b", "d"], "better": ["c"], "unexplained": ["d"], "stale": []}


def test_compare_reports_a_listed_difference_that_now_passes() -> None:
    result = eco.compare(suite(a="old reason"), {"a": "passed"}, {"a": "passed"})
    assert result["stale"] == ["a"]
    assert result["unexplained"] == []


def test_main_fails_on_an_unexplained_difference(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def one(s: object, modes: tuple[str, ...], quick: bool) -> dict[str, object]:
        plain = {"t::a": "passed"}
        return {
            "suite": "pkg",
            "version": "1",
            "seconds": 0,
            "modes": {
                "plain": {"passed": 1, "total": 1, "outcomes": plain},
                "inprocess": {"passed": 0, "total": 1, **eco.compare(suite(), plain, {"t::a": "failed"})},
            },
        }

    monkeypatch.setattr(eco, "SUITES", (suite(),))
    monkeypatch.setattr(eco, "one", one)
    monkeypatch.setattr(eco, "ARTIFACT", tmp_path / "out.json")
    assert eco.main(["--modes", "plain,inprocess"]) == 1
    out = capsys.readouterr().out
    assert "| pkg | 1 | 1/1 | 0/1 | 0 |" in out
    assert "pkg-1 inprocess: passes plain, not through the adapter, no reason listed: t::a" in out


def test_main_rejects_an_unknown_mode() -> None:
    with pytest.raises(SystemExit) as exc:
        eco.main(["--modes", "plain,daphne"])
    assert exc.value.code == 2


def test_fetch_refuses_a_file_whose_sha256_differs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(eco, "CACHE", tmp_path)
    calls: list[list[str]] = []

    def download(cmd: list[str], **kwargs: object) -> None:  # what PyPI would serve if the file were swapped
        calls.append(cmd)
        (tmp_path / "dist" / "pkg-1.tar.gz").write_bytes(b"not the pinned file")

    monkeypatch.setattr(eco.subprocess, "run", download)
    with pytest.raises(SystemExit, match=r"sha256 of pkg-1.tar.gz is [0-9a-f]{64}, expected 0{64}: refusing to run it"):
        eco.fetch(suite())
    assert calls
    assert "pkg==1" in calls[0]


def test_fetch_names_a_download_that_produced_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(eco, "CACHE", tmp_path)
    monkeypatch.setattr(eco.subprocess, "run", lambda cmd, **kwargs: None)
    with pytest.raises(SystemExit, match=r"pip download of pkg==1 did not produce pkg-1.tar.gz"):
        eco.fetch(suite())


def test_pytest_config_is_the_packages_own_or_an_empty_one(tmp_path: Path) -> None:
    src = tmp_path / "pkg-1"
    src.mkdir()
    (src / "setup.cfg").write_text("[metadata]\nname = pkg\n")
    empty = eco.pytest_config(src)
    assert empty.parent == tmp_path
    assert empty.read_text() == "[pytest]\n"
    (src / "pyproject.toml").write_text("[tool.pytest.ini_options]\nasyncio_mode = 'auto'\n")
    assert eco.pytest_config(src) == src / "pyproject.toml"
