"""Every code sample of the README and of docs/ runs (see ``samples.py``).

A page's samples are written into one temporary directory and run there in
subprocesses with this venv's Python: its `file` samples are imported, its
`script` samples run, its tests (the `test` samples and `file test_*.py`)
run under pytest with the page's own configuration (a `file pyproject.toml`
sample if it has one), and its `shell` samples run in bash with this venv's
commands first on PATH.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.docs.samples import Sample, SampleError, module_name, parse, write

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))]


def page_samples(page: str) -> list[Sample]:
    return parse(page, (ROOT / page).read_text(encoding="utf-8"))


def run(args: list[str], cwd: Path, what: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["PYTHONPATH"] = str(cwd)
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTEST_ADDOPTS"] = "-p no:cacheprovider"
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=100, check=False)
    output = f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, f"{what} exited {done.returncode}\n{output}"
    return done


def test_every_page_is_checked_and_in_the_sites_navigation() -> None:
    assert {"README.md", "docs/index.md", "docs/testing.md"} <= set(PAGES)
    nav = re.findall(r"^\s+- [^:]+: (\S+\.md)$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.MULTILINE)
    assert sorted(f"docs/{page}" for page in nav) == [p for p in PAGES if p.startswith("docs/")]


@pytest.mark.parametrize("page", PAGES)
def test_samples_run(page: str, tmp_path: Path) -> None:
    # Parsing checks the page: every python block is a sample, every marker has its block.
    samples = page_samples(page)
    write(samples, tmp_path)
    where = {s.name: f"{page}:{s.line}" for s in samples}

    modules = [
        m
        for s in samples
        if s.kind == "file" and (m := module_name(s.name)) and not Path(s.name).name.startswith("test_")
    ]
    if modules:
        run(
            [sys.executable, "-c", f"import importlib\nfor m in {modules!r}: importlib.import_module(m)"],
            tmp_path,
            f"importing {', '.join(modules)}",
        )
    for sample in samples:
        if sample.kind == "script":
            run([sys.executable, sample.name], tmp_path, f"the script at {where[sample.name]}")

    # Test modules in a folder (tests/test_x.py) are the page's own to run, by a shell sample.
    tests = [s.name for s in samples if s.kind == "test" or s.name.startswith("test_")]
    if tests:
        report = tmp_path / ".report.xml"
        run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *tests],
            tmp_path,
            f"pytest on the tests at {', '.join(where[t] for t in tests)}",
        )
        suite = ET.parse(report).getroot().find("testsuite")
        assert suite is not None
        counts = {key: int(suite.get(key, "0")) for key in ("tests", "skipped", "failures", "errors")}
        # An async test that pytest-asyncio did not run is a skip, not a failure.
        assert counts["tests"] > 0, (page, counts)
        assert counts["skipped"] == 0, (page, counts)

    for sample in samples:
        if sample.kind == "shell":
            run(["bash", "-euo", "pipefail", sample.name], tmp_path, f"the shell sample at {where[sample.name]}")


def test_parse_rejects_unmarked_python_and_lonely_markers() -> None:
    with pytest.raises(SampleError, match="without a sample marker"):
        parse("p.md", "text\n```python\nprint(1)\n```\n")
    with pytest.raises(SampleError, match="must be followed by a fenced block"):
        parse("p.md", "<!-- sample: test -->\ntext\n```python\nx = 1\n```\n")
    with pytest.raises(SampleError, match="unknown sample kind"):
        parse("p.md", "<!-- sample: maybe -->\n```python\nx = 1\n```\n")
    with pytest.raises(SampleError, match="has no block after it"):
        parse("p.md", "<!-- sample: test -->\n")
    shown = parse("p.md", "```sh\nuvicorn shop:asgi\n```\n<!-- sample: file a/b.py -->\n```python\nx = 1\n```\n")
    assert [(s.kind, s.name, s.code, s.line) for s in shown] == [("file", "a/b.py", "x = 1\n", 5)]
    assert module_name("a/b.py") == "a.b"
    assert module_name("gunicorn.conf.py") is None


def test_the_dockerfiles_command_line_is_valid(tmp_path: Path) -> None:
    # No Docker here: the exec-form CMD runs with --dry-run in the page's files.
    samples = page_samples("docs/deployment.md")
    write(samples, tmp_path)
    (dockerfile,) = [s for s in samples if s.name == "Dockerfile"]
    (cmd,) = [line for line in dockerfile.code.splitlines() if line.startswith("CMD ")]
    argv = json.loads(cmd.removeprefix("CMD "))
    assert argv[:2] == ["sanic-asgi", "run"], argv
    done = run([str(Path(sys.executable).parent / argv[0]), *argv[1:], "--dry-run"], tmp_path, "the Dockerfile's CMD")
    assert done.stdout.startswith("uvicorn --host 0.0.0.0 --port 8000 --workers 2 "), done.stdout
