"""Sanic integrations' own test suites, plain and through the adapter.

    python3 scripts/ecosystem_suites.py                       # every suite, three modes (~3.5 min; +4 min first time)
    python3 scripts/ecosystem_suites.py --suite sanic-cors    # one suite
    python3 scripts/ecosystem_suites.py --quick               # reuse the venvs already built

Per suite (``SUITES`` below, one pinned sdist each): ``pip download`` the sdist
into ``.cache/ecosystem/`` (never committed), check its sha256, unpack it, build
a venv in ``.cache/ecosystem/<name>-<version>/venv`` with this Python, and
install the package from that sdist, its test requirements (pinned), Sanic
25.12.1, sanic-testing and this checkout (editable, so a fix here is measured
without reinstalling).  Then run the package's own tests, unchanged, from its
own directory (its own pytest configuration and conftest) once per mode:

* ``plain``: as the package runs them: ``app.test_client`` on Sanic's own
  server, ``app.asgi_client`` on Sanic's native ASGI mode (sanic-testing);
* ``inprocess`` / ``uvicorn`` / ``hypercorn``: ``pytest --sanic-asgi=MODE``
  (``sanic_asgi.pytest_plugin``), so both clients serve through ``ASGIApp``.

Prints a markdown table (passed/total per mode) and writes
``artifacts/ecosystem-suites.json`` with every test's outcome.  Every test that
passes plain but not through the adapter must be listed in its suite's
``differences`` with the reason; exit status 1 when one is not (or when a
listed one passes), or when a suite could not be installed or run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "ecosystem"
ARTIFACT = ROOT / "artifacts" / "ecosystem-suites.json"
MODES = ("plain", "inprocess", "uvicorn", "hypercorn")
DEFAULT_MODES = ("plain", "inprocess", "uvicorn")

# What every suite's venv gets besides the package: the Sanic release the
# adapter is measured on, the test clients, pytest and the servers, pinned to
# the versions the table in the README was measured with.
COMMON = (
    "sanic==25.12.1",
    "sanic-routing==23.12.0",
    "sanic-testing==24.6.0",
    "httpx==0.29.0",
    "websockets==16.1.1",
    "uvicorn==0.55.0",
    "hypercorn==0.18.0",
    "pytest==9.2.0",
    "pytest-asyncio==1.5.0",
    "pytest-timeout==2.4.0",
)
ADAPTER_EXTRAS = "uvicorn,hypercorn,testing"


@dataclass(frozen=True)
class Suite:
    """One integration's sdist and how its own tests are run."""

    name: str
    version: str
    sdist: str
    sha256: str
    tests: tuple[str, ...]
    requirements: tuple[str, ...] = ()
    # A redis-server started on a free 127.0.0.1 port for the run; its URL in this variable.
    redis_url_env: str = ""
    # Tests that fail on Sanic 25.12.1 whatever serves them: one line for the table.
    plain_failures: str = ""
    # test id (junit classname::name) -> why it passes plain but not through the adapter.
    differences: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


SUITES = (
    Suite(
        name="opentelemetry-instrumentation-sanic",
        version="1.0.0",
        sdist="opentelemetry_instrumentation_sanic-1.0.0.tar.gz",
        sha256="9458349f29d8b134ae074f49f6420b6d9dcd4a332bd8c40227176b9ed94dec46",
        tests=("tests",),
        # Its "test" extra is pytest, pytest-asyncio and sanic[test] (sanic-testing): in COMMON.
        requirements=(
            "opentelemetry-api==1.45.2",
            "opentelemetry-sdk==1.45.2",
            "opentelemetry-instrumentation==0.66b2",
            "opentelemetry-semantic-conventions==0.66b2",
        ),
    ),
    Suite(
        name="sanic-cors",
        version="2.2.0",
        sdist="Sanic-Cors-2.2.0.tar.gz",
        sha256="f8d7515da4c8b837871d422c66314c4b5704396a78894b59c50e26aa72a95873",
        tests=("tests",),
        requirements=("packaging==26.4",),
    ),
    Suite(
        name="sanic-redis",
        version="0.7.0",
        sdist="sanic_redis-0.7.0.tar.gz",
        sha256="727c112f82968cb88d4a6e9290773725782f11349de8edd19e33221bcdef76c5",
        tests=("tests",),
        requirements=("redis==8.1.0",),
        redis_url_env="REDIS_URL",
    ),
    Suite(
        name="sanic-wtf",
        version="0.7.0",
        sdist="sanic_wtf-0.7.0.tar.gz",
        sha256="d87a1b8b8ff0f5cc4b1c97dc18ab28b9a1682bc803f5a6878aa3ad8c78e429d3",
        tests=("tests",),
        requirements=("wtforms==3.3.2",),
    ),
    Suite(
        name="sanic-cookiesession",
        version="0.3.1",
        sdist="sanic_cookiesession-0.3.1.tar.gz",
        sha256="7e5a44c16c8541c9aadb57a616be692ecee57a137ac49a2cc6f61a09c90b0624",
        tests=("tests",),
        requirements=("itsdangerous==2.2.0",),
    ),
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(suite: Suite) -> Path:
    """``pip download`` the pinned sdist into the cache; refuse it unless its sha256 matches."""
    dist = CACHE / "dist"
    path = dist / suite.sdist
    if not path.exists() or sha256_of(path) != suite.sha256:
        dist.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        print(f"== fetching {suite.sdist}", flush=True)
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", suite.name]
        subprocess.run([*cmd, f"{suite.name}=={suite.version}", "-d", str(dist)], check=True)
    if not path.exists():
        raise SystemExit(f"pip download of {suite.name}=={suite.version} did not produce {suite.sdist}")
    actual = sha256_of(path)
    if actual != suite.sha256:
        raise SystemExit(f"sha256 of {suite.sdist} is {actual}, expected {suite.sha256}: refusing to run it")
    return path


def unpack(suite: Suite, sdist: Path) -> Path:
    """The sdist's top directory, unpacked under .cache/ecosystem/<name>-<version>/src."""
    target = CACHE / suite.key / "src"
    marker = target / f".unpacked-{suite.sha256[:16]}"
    if not marker.exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        with tarfile.open(sdist) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(target, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                tar.extractall(target)
        marker.write_text(f"{sdist.name} {suite.sha256}\n")
    (top,) = (p for p in target.iterdir() if p.is_dir())
    return top


def build_venv(suite: Suite, sdist: Path, quick: bool, log: Path) -> Path:
    venv = CACHE / suite.key / "venv"
    python = venv / "bin" / "python"
    wanted = json.dumps([*COMMON, *suite.requirements, suite.sha256, ADAPTER_EXTRAS])
    stamp = venv / "installed.json"
    if quick and stamp.exists() and stamp.read_text() == wanted:
        return python
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[{ADAPTER_EXTRAS}]", *COMMON],
        [str(python), "-m", "pip", "install", "-q", str(sdist), *suite.requirements, *COMMON],
    ]
    for step in steps:
        if run(step, ROOT, log, 900) != 0:
            raise SuiteError(f"installing {suite.key} failed: see {log.relative_to(ROOT)}")
    stamp.write_text(wanted)
    return python


class SuiteError(Exception):
    """A suite that could not be installed or run; the message says where to look."""


def run(cmd: list[str], cwd: Path, log: Path, timeout: float, env: dict[str, str] | None = None) -> int:
    with log.open("a") as out:
        out.write(f"$ (cd {cwd}) {' '.join(cmd)}\n")
        out.flush()
        try:
            return subprocess.run(
                cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, env=env
            ).returncode
        except subprocess.TimeoutExpired:
            out.write("TIMEOUT\n")
            return 124


def outcomes(junit: Path) -> dict[str, str]:
    """Test id (junit's ``classname::name``) -> passed / failed / error / skipped."""
    result: dict[str, str] = {}
    for case in ET.parse(junit).iter("testcase"):
        nodeid = f"{case.get('classname', '')}::{case.get('name', '')}"
        kinds = {child.tag for child in case}
        if "error" in kinds:
            result[nodeid] = "error"
        elif "failure" in kinds:
            result[nodeid] = "failed"
        elif "skipped" in kinds:
            result[nodeid] = "skipped"
        else:
            result[nodeid] = "passed"
    return result


def pytest_config(src: Path) -> Path:
    """The package's own pytest configuration, or an empty one.

    Passed with ``-c``: the unpacked sdist lives inside this checkout, and
    pytest would otherwise take sanic-asgi's own configuration (strict
    markers, warnings as errors, testpaths) from the pyproject.toml above it.
    """
    sections = {"pytest.ini": "[pytest]", "pyproject.toml": "[tool.pytest.ini_options]", "tox.ini": "[pytest]"}
    sections["setup.cfg"] = "[tool:pytest]"
    for name, section in sections.items():
        path = src / name
        if path.exists() and (name == "pytest.ini" or section in path.read_text()):
            return path
    empty = src.parent / "empty-pytest.ini"
    empty.write_text("[pytest]\n")
    return empty


# A copy of sanic_asgi.testing's free_port, kept on purpose: this script runs on
# any python3 with the standard library alone (it builds the venvs itself).
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def redis_server(log: Path) -> Iterator[str]:
    """A throwaway redis-server on a free 127.0.0.1 port (no persistence), stopped by its PID."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SuiteError("redis-server is not installed: apt-get install redis-server (or skip with --suite)")
    port = free_port()
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    with log.open("a") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SuiteError(f"redis-server did not start on port {port}: see {log.relative_to(ROOT)}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def run_mode(suite: Suite, python: Path, src: Path, mode: str, log: Path, env: dict[str, str]) -> dict[str, str]:
    junit = CACHE / suite.key / f"{mode}.junit.xml"
    junit.unlink(missing_ok=True)
    plugin = [] if mode == "plain" else [f"--sanic-asgi={mode}"]
    config = ["-c", str(pytest_config(src)), f"--rootdir={src}"]
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *config, "--timeout=60", f"--junitxml={junit}"]
    code = run([*cmd, *plugin, *suite.tests], src, log, 1200, env)
    # 0: all passed, 1: some failed; anything else means pytest itself did not run the suite.
    if code not in (0, 1) or not junit.exists():
        raise SuiteError(f"{suite.key} {mode}: pytest exited {code}: see {log.relative_to(ROOT)}")
    return outcomes(junit)


def compare(suite: Suite, plain: dict[str, str], adapter: dict[str, str]) -> dict[str, list[str]]:
    """What the adapter changes against plain, and whether ``differences`` explains it."""
    worse = sorted(t for t, o in plain.items() if o == "passed" and adapter.get(t) != "passed")
    better = sorted(t for t, o in adapter.items() if o == "passed" and plain.get(t) != "passed")
    return {
        "worse": worse,
        "better": better,
        "unexplained": [t for t in worse if t not in suite.differences],
        "stale": sorted(t for t in suite.differences if t not in worse),
    }


def one(suite: Suite, modes: tuple[str, ...], quick: bool) -> dict[str, Any]:
    started = time.monotonic()
    log = CACHE / suite.key / "run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    result: dict[str, Any] = {"suite": suite.name, "version": suite.version, "modes": {}}
    try:
        sdist = fetch(suite)
        src = unpack(suite, sdist)
        python = build_venv(suite, sdist, quick, log)
        with contextlib.ExitStack() as services:
            env = dict(os.environ)
            if suite.redis_url_env:
                env[suite.redis_url_env] = services.enter_context(redis_server(log))
            runs = {mode: run_mode(suite, python, src, mode, log, env) for mode in modes}
    except SuiteError as exc:
        result.update(error=str(exc), seconds=round(time.monotonic() - started))
        return result
    for mode, tests in runs.items():
        entry: dict[str, Any] = {
            "passed": sum(o == "passed" for o in tests.values()),
            "total": len(tests),
            "outcomes": tests,
        }
        if mode != "plain" and "plain" in runs:
            entry.update(compare(suite, runs["plain"], tests))
        result["modes"][mode] = entry
    result["seconds"] = round(time.monotonic() - started)
    return result


def table(results: list[dict[str, Any]], modes: tuple[str, ...]) -> str:
    lines = [
        "| package | version | " + " | ".join(modes) + " | seconds |",
        "| --- | --- | " + " | ".join("---:" for _ in modes) + " | ---: |",
    ]
    for r in results:
        cells = [
            f"{r['modes'][m]['passed']}/{r['modes'][m]['total']}" if m in r["modes"] else r.get("error", "-")
            for m in modes
        ]
        lines.append(f"| {r['suite']} | {r['version']} | " + " | ".join(cells) + f" | {r['seconds']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    names = [s.name for s in SUITES]
    parser.add_argument("--suite", action="append", choices=names, help="only these suites (repeatable)")
    parser.add_argument(
        "--modes",
        default=",".join(DEFAULT_MODES),
        help=f"comma-separated, of {', '.join(MODES)} (default: %(default)s)",
    )
    parser.add_argument("--quick", action="store_true", help="reuse a suite's venv when its pins have not changed")
    args = parser.parse_args(argv)
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        parser.error(f"--modes takes some of {', '.join(MODES)}; got {args.modes!r}")
    started = time.monotonic()
    chosen = [s for s in SUITES if not args.suite or s.name in args.suite]
    results = []
    for suite in chosen:
        print(f"== {suite.key}", flush=True)
        results.append(one(suite, modes, args.quick))
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results, modes))
    ok = True
    for suite, r in zip(chosen, results):
        if "error" in r:
            ok = False
            print(f"{suite.key}: {r['error']}")
        for mode, entry in r["modes"].items():
            for nodeid in entry.get("unexplained", []):
                ok = False
                print(f"{suite.key} {mode}: passes plain, not through the adapter, no reason listed: {nodeid}")
            for nodeid in entry.get("stale", []):
                ok = False
                print(f"{suite.key} {mode}: listed as a difference but passes: {nodeid} (remove it from SUITES)")
            for nodeid in entry.get("better", []):
                print(f"{suite.key} {mode}: passes only through the adapter: {nodeid}")
    print(f"total: {round(time.monotonic() - started)} s; outcomes: {os.path.relpath(ARTIFACT, ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
