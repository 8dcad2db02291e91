"""Run the legacy test set on every Sanic release, and Sanic's own suites, each in its own venv.

    python scripts/legacy_matrix.py                 # every release: tests/legacy; own suites of the LTS lines (CI)
    python scripts/legacy_matrix.py --suites all    # the own suite of every release too
    python scripts/legacy_matrix.py --sanic 20.12   # one line
    python scripts/legacy_matrix.py --quick         # reuse existing venvs, no reinstall

Per (Sanic, CPython) pair: a venv under ``.venv-legacy/<sanic>-py<ver>/`` made
with the pyenv CPython (found through ``pyenv root``, never a fixed path), the
pins that release needs and what its test suite needs (its compat manifest's
``TEST_REQUIREMENTS``), ``pip install -e . --no-deps``, then

* ``pytest tests/legacy`` (in process, uvicorn and hypercorn where they import);
* Sanic's own suite of that release, for the LTS lines (``--suites all``: every
  release with a manifest in tests/compat/manifests; 18.12's sdist has none) with
  ``tests/compat/run.py --sanic VERSION --modes own,uvicorn``: the app-level
  tests on Sanic's own server and through ``ASGIApp`` on uvicorn, same runner.

Two legs run at a time (``--jobs``).  19.6 and 19.9 are listed as not
installable, with the reason (``NOT_INSTALLABLE``).

Writes ``artifacts/legacy-matrix.json`` (per line: the legacy summary, both
compat scores, seconds) and prints a markdown table.  Exit status 1 if any
pair failed: tests/legacy failed, or the compat run had a result in the
adapter mode that its manifest does not explain.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "compat"))
import manifests  # noqa: E402  (tests/compat/manifests: one per Sanic release with a test suite)

COMPAT_MODES = "own,uvicorn"
REAL_SERVERS = ("uvicorn", "hypercorn")

# sanic line -> (CPython, pins): every minor release on PyPI from 18.12 on, at
# its latest patch.  Pins: what the release needs to install and run on that
# CPython (websockets<11 for 21.6-22.12 websocket routes, <14 for 23.3-25.12;
# sanic-routing<0.7 for 21.3, whose ">=0.6" admits the 0.7 API it predates;
# wsproto for uvicorn's websockets on the old lines; h11 new enough for wsproto
# and hypercorn although 19.12-20.12 pin an httpx that wants an older one:
# sanic.testing's requests work with it).  CPython: the newest the release
# supports among those its dependencies still build on (22.12 stays on 3.9,
# where tests/legacy was first run).
MATRIX: dict[str, tuple[str, list[str]]] = {
    "25.12": ("3.13", ["sanic==25.12.1", "websockets<14"]),
    "25.3": ("3.13", ["sanic==25.3.0", "websockets<14"]),
    "24.12": ("3.13", ["sanic==24.12.0", "websockets<14"]),
    "24.6": ("3.11", ["sanic==24.6.0", "websockets<14"]),
    "23.12": ("3.13", ["sanic==23.12.2", "websockets<14"]),
    "23.6": ("3.11", ["sanic==23.6.0", "websockets<14"]),
    "23.3": ("3.11", ["sanic==23.3.0", "websockets<14"]),
    "22.12": ("3.9", ["sanic==22.12.0", "websockets<11"]),
    "22.9": ("3.10", ["sanic==22.9.1", "websockets<11"]),
    "22.6": ("3.10", ["sanic==22.6.2", "websockets<11"]),
    "22.3": ("3.10", ["sanic==22.3.2", "websockets<11"]),
    "21.12": ("3.10", ["sanic==21.12.2", "websockets<11"]),
    "21.9": ("3.10", ["sanic==21.9.3", "websockets<11"]),
    "21.6": ("3.10", ["sanic==21.6.2", "websockets<11"]),
    "21.3": ("3.9", ["sanic==21.3.4", "sanic-routing<0.7"]),
    "20.12": ("3.9", ["sanic==20.12.7"]),
    "20.9": ("3.9", ["sanic==20.9.1"]),
    "20.6": ("3.9", ["sanic==20.6.3"]),
    "20.3": ("3.9", ["sanic==20.3.0"]),
    "19.12": ("3.9", ["sanic==19.12.5"]),
    "19.3": ("3.9", ["sanic==19.3.1"]),
    "18.12": ("3.9", ["sanic==18.12.0"]),
}
LTS = frozenset(line for line in MATRIX if line.endswith(".12"))
# Releases on PyPI that cannot be installed any more, and why (every patch tried).
_GONE = (
    "requests-async==0.5.0, which is gone from PyPI (the name now holds an unrelated 0.1-0.2 package "
    "without requests_async.asgi); sanic/app.py imports it through sanic.testing"
)
NOT_INSTALLABLE = {
    "19.9": f"19.9.0 (its only patch) pins {_GONE}",
    "19.6": f"19.6.0, 19.6.2 and 19.6.3 all pin {_GONE}",
}
COMMON = ["uvicorn", "pytest", "pytest-asyncio", "pytest-timeout"]
AFTER = ["wsproto", "hypercorn", "h11>=0.14"]  # second step: may override the release's httpx pins


def pyenv_python(minor: str) -> Path:
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
        versions = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"legacy_matrix: pyenv is needed to find CPython {minor}: {exc}")
    found = sorted(
        (v for v in versions.split() if re.fullmatch(rf"{re.escape(minor)}\.\d+", v)),
        key=lambda v: int(v.rsplit(".", 1)[1]),
    )
    if not found:
        have = ", ".join(versions.split())
        sys.exit(f"legacy_matrix: CPython {minor} is not in pyenv (pyenv install {minor}); have: {have}")
    python = Path(root) / "versions" / found[-1] / "bin" / f"python{minor}"
    if not python.exists():
        sys.exit(f"legacy_matrix: {python} is missing")
    return python


def run(cmd: list[str], log: Path, timeout: float) -> int:
    with log.open("a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        try:
            return subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write("TIMEOUT\n")
            return 124


def release(pins: list[str]) -> str:
    return next(pin.split("==", 1)[1] for pin in pins if pin.startswith("sanic=="))


def compat_requirements(version: str) -> list[str]:
    if version not in manifests.versions():
        return []  # 18.12: no test suite in the sdist
    requirements: list[str] = manifests.load(version).TEST_REQUIREMENTS
    return requirements


def one(line: str, quick: bool, compat: bool, logs: Path) -> dict[str, object]:
    minor, pins = MATRIX[line]
    version = release(pins)
    venv = ROOT / ".venv-legacy" / f"{line}-py{minor}"
    log = logs / f"{line}-py{minor}.log"
    log.write_text("")
    started = time.monotonic()
    result: dict[str, object] = {"sanic": line, "python": minor}
    py = venv / "bin" / "python"
    if not (quick and py.exists()):
        steps = [
            [str(pyenv_python(minor)), "-m", "venv", "--clear", str(venv)],
            [str(py), "-m", "pip", "install", "-q", *pins, *COMMON, *compat_requirements(version)],
            [str(py), "-m", "pip", "install", "-q", *AFTER],
            [str(py), "-m", "pip", "install", "-q", "-e", str(ROOT), "--no-deps"],
        ]
        for step in steps:
            if run(step, log, 900) != 0:
                result.update(status="install failed", seconds=round(time.monotonic() - started))
                return result
    result["install_seconds"] = round(time.monotonic() - started)
    report = logs / f"{line}-py{minor}.junit.xml"
    code = run(
        [str(py), "-m", "pytest", "tests/legacy", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"], log, 600
    )
    text = log.read_text()
    summary = re.findall(r"^=*\s*(\d+ (?:passed|failed).*?) in [\d.]+s", text, re.M)
    result.update(status="ok" if code == 0 else f"pytest exit {code}", summary=summary[-1] if summary else "")
    # tests/legacy runs its real-server tests on the servers that import: both must have.
    ran = report.read_text() if report.exists() else ""
    missing = [server for server in REAL_SERVERS if f"test_real_server_http[{server}]" not in ran]
    if missing and code == 0:
        result["status"] = f"tests/legacy did not run on {' and '.join(missing)} (not importable in this venv?)"
    if compat and version in manifests.versions():
        compat_result = result["compat"] = run_compat(py, version, log, logs)
        if compat_result["status"] != "ok" and result["status"] == "ok":
            result["status"] = compat_result["status"]
    result["seconds"] = round(time.monotonic() - started)
    return result


def run_compat(py: Path, version: str, log: Path, logs: Path) -> dict[str, Any]:
    """Sanic ``version``'s own suite on its server and through the adapter (tests/compat/run.py)."""
    started = time.monotonic()
    out = logs / f"compat-{version}.json"
    out.unlink(missing_ok=True)
    cmd = [str(py), "tests/compat/run.py", "--sanic", version, "--modes", COMPAT_MODES, "--timeout", "60"]
    code = run([*cmd, "--json", str(out)], log, 1800)
    result: dict[str, Any] = {"status": "ok" if code == 0 else f"compat exit {code}"}
    if out.exists():
        for mode in json.loads(out.read_text())["modes"]:
            if "error" in mode:
                result[mode["mode"]] = mode["error"]
                continue
            result[mode["mode"]] = {key: mode[key] for key in ("passed", "not_passed", "total", "files", "seconds")}
            result[mode["mode"]]["counts"] = mode["counts"]
            result[mode["mode"]]["unexplained"] = mode.get("unexplained", [])
            result[mode["mode"]]["stale_manifest_entries"] = mode.get("stale_manifest_entries", [])
            result[mode["mode"]]["flaky"] = mode.get("flaky", [])
    result["seconds"] = round(time.monotonic() - started)
    return result


def score(compat: Any, mode: str) -> str:
    if not isinstance(compat, dict) or mode not in compat:
        return "-"
    entry = compat[mode]
    if not isinstance(entry, dict):
        return str(entry)
    return f"{entry['passed']} passed, {entry['not_passed']} failed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sanic", action="append", choices=sorted(MATRIX), help="only these lines (repeatable)")
    parser.add_argument("--quick", action="store_true", help="reuse venvs that exist instead of recreating them")
    parser.add_argument(
        "--suites",
        choices=("lts", "all", "none"),
        default="lts",
        help="which lines also run their own test suite, own server vs adapter (default: lts, what CI runs)",
    )
    parser.add_argument("--no-compat", action="store_true", help="same as --suites none")
    parser.add_argument("--jobs", type=int, default=2, help="lines run at the same time (default 2: two cores)")
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, got {args.jobs}")
    suites = "none" if args.no_compat else args.suites
    logs = ROOT / "artifacts" / "legacy-matrix"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    lines = args.sanic or list(MATRIX)

    def leg(line: str) -> dict[str, object]:
        compat = suites == "all" or (suites == "lts" and line in LTS)
        return one(line, args.quick, compat, logs)

    # Each leg is its own venv and its own processes: independent, so two run
    # side by side on a 2-core box (the own suites use 2 xdist workers each;
    # a timing test that misses under that load is rerun alone by run.py).
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(leg, lines))
    (ROOT / "artifacts" / "legacy-matrix.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        "| Sanic | CPython | tests/legacy | own server | ASGIApp + uvicorn | files | seconds |\n"
        "| --- | --- | --- | --- | --- | ---: | ---: |"
    )
    for r in results:
        compat = r.get("compat")
        files = compat["own"]["files"] if isinstance(compat, dict) and isinstance(compat.get("own"), dict) else "-"
        print(
            f"| {r['sanic']} | {r['python']} | {r.get('summary') or r['status']} | {score(compat, 'own')} "
            f"| {score(compat, 'uvicorn')} | {files} | {r.get('seconds', '')} |"
        )
    if not args.sanic:
        for line, reason in NOT_INSTALLABLE.items():
            print(f"| {line} | - | not installable: {reason} | - | - | - | - |")
    for r in results:
        if r["status"] != "ok":
            print(f"{r['sanic']} (CPython {r['python']}) failed: {r['status']}")
        compat = r.get("compat")
        for mode, entry in compat.items() if isinstance(compat, dict) else ():
            if mode == "own" or not isinstance(entry, dict):
                continue
            for nodeid in entry["unexplained"]:
                print(f"    {r['sanic']} {mode}: not passed, no reason in the manifest: {nodeid}")
            for nodeid in entry["stale_manifest_entries"]:
                print(f"    {r['sanic']} {mode}: stale manifest entry: {nodeid}")
            for nodeid in entry["flaky"]:
                print(f"    {r['sanic']} {mode}: flaky, passed when run again alone: {nodeid}")
    print(f"total: {round(time.monotonic() - started)} s; logs: {logs.relative_to(ROOT)}")
    return 0 if all(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    os.environ.pop("PYENV_VERSION", None)
    sys.exit(main())
