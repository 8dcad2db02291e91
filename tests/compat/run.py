"""Run Sanic's own test suite through sanic-asgi and print the score.

Usage::

    python tests/compat/run.py                          # in-process and uvicorn
    python tests/compat/run.py --modes own,inprocess,uvicorn,hypercorn
    python tests/compat/run.py --modes uvicorn -- -k test_requests   # extra pytest args
    python tests/compat/run.py --sanic 20.12.7 --modes own,uvicorn   # another release's suite

The release is the installed Sanic's (``--sanic`` names it explicitly; it must
be the installed one), and ``manifests/sanic_<version>.py`` is its manifest.

Steps: fetch the sdist of that Sanic release with ``pip download``,
check its sha256 against the manifest's ``SDIST_SHA256``, unpack its ``tests/``
into ``.cache/compat/<version>/sanic/`` (ignored by git; the folder is named
``sanic`` because some of Sanic's tests expect to run from a checkout of that
name), then run pytest there once per mode, with the manifest's runner: Sanic's pytest
settings (``PYTEST_INI``), the pytest-sanic runner (its wheel, also fetched and checked, is put
on ``PYTHONPATH`` for these runs only: installed, it would load into every
pytest session of the venv, and its metadata pins an old websockets),
``sanic_compat.py`` applying the manifest and, in the adapter modes,
``sanic_asgi.pytest_plugin``.

Modes: ``own`` (Sanic's own server: the baseline, nothing of ours involved),
``inprocess``, ``uvicorn`` and ``hypercorn`` (through ``ASGIApp``); the
manifest's ``MODES`` says which of them a release supports.

Prints one ``<mode>: N passed, N failed`` line per mode over the app-level
tests ("failed" there counts every test that did not pass, manifest xfails
included; the line after it breaks it down) and writes them all as JSON
(``--json``).  Exits non-zero if an adapter mode has an unexpected outcome
(a failure or skip the manifest does not explain, an xfail that now passes,
a stale manifest entry) or fewer than ``--min-passed`` tests pass.

Needs ``pip install -e '.[compat]'`` (pytest-xdist, beautifulsoup4 for some
of Sanic's tests, sanic-testing, uvicorn, hypercorn) for the current release;
``scripts/legacy_matrix.py`` installs what an older release's suite needs
(the manifest's ``TEST_REQUIREMENTS``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = ROOT / ".cache" / "compat"

sys.path.insert(0, str(HERE))
import manifests  # noqa: E402  (tests/compat/manifests, next to this file)


def installed_sanic() -> str:
    # The distribution's version, as pip names it: sanic.__version__ of 19.3.1 says "19.03.1".
    from importlib.metadata import version

    return version("sanic")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(requirement: str, filename: str, expected_sha256: str, *, sdist: bool) -> Path:
    """``pip download`` one file into the cache and check its sha256."""
    dist = CACHE / "dist"
    path = dist / filename
    if not path.exists() or sha256_of(path) != expected_sha256:
        dist.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        print(f"== fetching {filename}", flush=True)
        # --no-binary for the package only: its build requirements may be wheels
        # (old releases want a setuptools whose sdist no longer builds).
        kind = ["--no-binary", requirement.split("==")[0]] if sdist else ["--only-binary", ":all:"]
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *kind, requirement, "-d", str(dist)]
        subprocess.run(cmd, check=True)
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise SystemExit(f"sha256 of {filename} is {actual}, expected {expected_sha256}: refusing to run it")
    return path


def unpack_tests(sdist: Path, version: str, sha256: str, pytest_ini: str) -> Path:
    """Unpack the sdist's tests/ into .cache/compat/<version>/sanic/."""
    target = CACHE / version / "sanic"
    marker = target / f".unpacked-{sha256[:16]}"
    if marker.exists():
        (target / "pytest.ini").write_text(pytest_ini)
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    prefix = f"sanic-{version}/tests/"
    with tarfile.open(sdist) as tar:
        members = []
        for member in tar.getmembers():
            if not member.name.startswith(prefix):
                continue
            member.name = member.name[len(f"sanic-{version}/") :]
            members.append(member)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, members=members, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            tar.extractall(target, members=members)
    (target / "pytest.ini").write_text(pytest_ini)
    marker.write_text(f"{sdist.name} {sha256}\n")
    return target


def check_environment(manifest: Any) -> None:
    problems = []
    version = manifest.SANIC_VERSION
    if installed_sanic() != version:
        problems.append(f"the suite is Sanic {version}'s; installed Sanic is {installed_sanic()}")
    for module in manifest.REQUIRED_MODULES:
        if importlib.util.find_spec(module) is None:
            needs = " ".join(repr(r) for r in manifest.TEST_REQUIREMENTS)
            problems.append(f"{module} is missing: pip install -e '.[compat]' (or for this release: {needs})")
    if problems:
        raise SystemExit("cannot run the compat suite:\n  " + "\n  ".join(problems))


def run_mode(
    version: str,
    target: Path,
    pytest_sanic: Path,
    mode: str,
    workers: int,
    extra: list[str],
    timeout: int,
    name: str = "",
) -> dict[str, Any]:
    out = CACHE / "results" / version / f"{name or mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        str(target / "pytest.ini"),
        "--rootdir",
        str(target),
        "-p",
        "no:asyncio",  # Sanic's runner is pytest-sanic, not pytest-asyncio
        "-p",
        "no:cacheprovider",
        # pytest-sanic, Sanic's runner, loads through its entry point: its
        # wheel is on PYTHONPATH (importlib.metadata finds it there).
        "-p",
        "sanic_compat",
        "-q",
        "-rfEX",
        f"--timeout={timeout}",
        f"--compat-sanic={version}",
        f"--compat-json={out}",
    ]
    if workers:
        cmd += ["-n", str(workers), "--dist", "loadfile"]
    if mode != "own":
        cmd += ["-p", "sanic_asgi.pytest_plugin", f"--sanic-asgi={mode}"]
    cmd += [*extra] if extra else ["tests"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), str(pytest_sanic), env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)
    print(f"\n== sanic {version} compat suite, mode {mode}: {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=target, env=env, check=False)
    seconds = round(time.monotonic() - started, 1)
    if not out.exists():
        return {
            "mode": mode,
            "error": f"pytest exited {proc.returncode} without a score",
            "exitstatus": proc.returncode,
        }
    result: dict[str, Any] = json.loads(out.read_text())
    result["exitstatus"] = proc.returncode
    result["seconds"] = seconds
    return result


def rerun_unexplained(result: dict[str, Any], run_again: Callable[[list[str]], dict[str, Any]]) -> dict[str, Any]:
    """Run the tests an adapter mode failed without a manifest reason once
    more, in one process (no xdist; ``run_again(nodeids)`` runs them).  Those that pass are
    reported as flaky (``result["flaky"]``, printed with the score) instead of
    failing the run; those that fail again stay unexplained.  Timing tests of
    Sanic's (response timeouts, cancelled requests) can miss on a loaded
    2-core machine, and a flake must not hide which test it was."""
    unexplained = result.get("unexplained") or []
    if not unexplained or "error" in result:
        return result
    mode = result["mode"]
    print(f"\n== {mode}: {len(unexplained)} not passed without a reason; once more, alone", flush=True)
    again = run_again(list(unexplained))
    if "error" in again:
        return result
    passed = set(again["passed_tests"])
    flaky = [nodeid for nodeid in unexplained if nodeid in passed]
    still = [nodeid for nodeid in unexplained if nodeid not in passed]
    result = dict(result, unexplained=still, flaky=flaky)
    result["passed"] += len(flaky)
    result["not_passed"] -= len(flaky)
    counts = result["counts"] = dict(result["counts"])
    for nodeid in flaky:
        outcome = result["not_passed_tests"].pop(nodeid, None)
        if outcome in counts:
            counts[outcome] -= 1
            counts["passed"] += 1
    if not any(outcome in ("failed", "error") for outcome in result["not_passed_tests"].values()):
        # pytest failed for these tests only (an XPASS of a strict xfail is
        # a failure too, and keeps the status).
        result["exitstatus"] = 0
    return result


def score_lines(result: dict[str, Any]) -> list[str]:
    mode = result["mode"]
    if "error" in result:
        return [f"{mode}: {result['error']}"]
    counts = result["counts"]
    return [
        f"{mode}: {result['passed']} passed, {result['not_passed']} failed",
        f"    ({counts['failed']} failed, {counts['error']} errors, {counts['xfailed']} xfailed, "
        f"{counts['skipped']} skipped; passed includes {counts['xpassed']} xpassed; {result['total']} tests in "
        f"{result['files']} files; {result['seconds']}s; pytest exit {result['exitstatus']})",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sanic", default=None, help="the release whose suite runs (default: the installed Sanic)")
    parser.add_argument(
        "--modes",
        default="inprocess,uvicorn",
        help="comma-separated: own,inprocess,uvicorn,hypercorn (modes the manifest does not support are left out)",
    )
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (0: no xdist)")
    parser.add_argument("--timeout", type=int, default=120, help="per-test timeout in seconds")
    parser.add_argument("--json", default=str(CACHE / "score.json"), help="write all scores here")
    parser.add_argument("--min-passed", type=int, default=0, help="fail if an adapter mode passes fewer tests")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest instead of 'tests'")
    args = parser.parse_args(argv)

    manifest = manifests.load(args.sanic or installed_sanic())
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - manifests.ALL_MODES
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    for mode in [m for m in modes if m not in manifest.MODES]:
        print(f"== mode {mode} left out: Sanic {manifest.SANIC_VERSION}'s manifest does not support it", flush=True)
        modes.remove(mode)
    check_environment(manifest)
    workers = args.workers if importlib.util.find_spec("xdist") and manifest.XDIST else 0

    version = manifest.SANIC_VERSION
    sdist = fetch(f"sanic=={version}", f"sanic-{version}.tar.gz", manifest.SDIST_SHA256, sdist=True)
    target = unpack_tests(sdist, version, manifest.SDIST_SHA256, manifest.PYTEST_INI)
    pytest_sanic = fetch(
        f"pytest-sanic=={manifest.PYTEST_SANIC_VERSION}",
        f"pytest_sanic-{manifest.PYTEST_SANIC_VERSION}-py3-none-any.whl",
        manifest.PYTEST_SANIC_SHA256,
        sdist=False,
    )
    results = []
    for mode in modes:
        result = run_mode(version, target, pytest_sanic, mode, workers, args.pytest_args, args.timeout)
        if mode != "own":
            result = rerun_unexplained(
                result,
                lambda nodeids, mode=mode: run_mode(
                    version, target, pytest_sanic, mode, 0, nodeids, args.timeout, name=f"{mode}-rerun"
                ),
            )
        results.append(result)

    print(f"\n== sanic-asgi compat score: Sanic {manifest.SANIC_VERSION}'s app-level tests", flush=True)
    ok = True
    for result in results:
        for line in score_lines(result):
            print(line)
        if result["mode"] == "own":
            continue  # the baseline: its failures are Sanic's or this machine's
        if result.get("exitstatus") != 0 or result.get("passed", 0) < args.min_passed:
            ok = False
        for nodeid in result.get("stale_manifest_entries", []):
            print(f"    stale manifest entry: {nodeid}")
            ok = False
        for nodeid in result.get("unexplained", []):
            print(f"    not passed, no reason in the manifest: {nodeid}")
            ok = False
        for nodeid in result.get("flaky", []):
            print(f"    flaky: not passed, then passed when run again alone: {nodeid}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"sanic": manifest.SANIC_VERSION, "modes": results}, indent=2) + "\n")
    print(f"(details: {args.json})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
