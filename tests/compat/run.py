"""Run Sanic's own test suite through sanic-asgi and print the score.

Usage::

    python tests/compat/run.py                          # in-process and uvicorn
    python tests/compat/run.py --modes own,inprocess,uvicorn,hypercorn
    python tests/compat/run.py --modes uvicorn -- -k test_requests   # extra pytest args

Steps: fetch the sdist of the pinned Sanic release with ``pip download``,
check its sha256 against ``manifest.SDIST_SHA256``, unpack its ``tests/``
into ``.cache/compat/<version>/sanic/`` (ignored by git; the folder is named
``sanic`` because some of Sanic's tests expect to run from a checkout of that
name), then run pytest there once per mode, with Sanic's pytest settings
(tox.ini), the pytest-sanic runner (its wheel, also fetched and checked, is put
on ``PYTHONPATH`` for these runs only: installed, it would load into every
pytest session of the venv, and its metadata pins an old websockets),
``sanic_compat.py`` applying the manifest and, in the adapter modes,
``sanic_asgi.pytest_plugin``.

Modes: ``own`` (Sanic's own server: the baseline, nothing of ours involved),
``inprocess``, ``uvicorn`` and ``hypercorn`` (through ``ASGIApp``).

Prints one ``<mode>: N passed, N failed`` line per mode over the app-level
tests ("failed" there counts every test that did not pass, manifest xfails
included; the line after it breaks it down) and writes them all as JSON
(``--json``).  Exits non-zero if an adapter mode has an unexpected outcome
(a failure or skip the manifest does not explain, an xfail that now passes,
a stale manifest entry) or fewer than ``--min-passed`` tests pass.

Needs ``pip install -e '.[compat]'`` (pytest-xdist, beautifulsoup4 for some
of Sanic's tests, sanic-testing, uvicorn, hypercorn).
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
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = ROOT / ".cache" / "compat"

# Sanic's tox.ini [pytest] section, which its tests are written against.
PYTEST_INI = """\
[pytest]
filterwarnings =
    ignore:.*async with lock.* instead:DeprecationWarning
    ignore::pytest.PytestUnhandledThreadExceptionWarning
addopts = --strict-markers
markers =
    asyncio
    xdist_group(name): mark test to run on same worker as others with same group name
"""


def load_manifest() -> Any:
    spec = importlib.util.spec_from_file_location("sanic_compat_manifest", HERE / "manifest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
        kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *kind, requirement, "-d", str(dist)]
        subprocess.run(cmd, check=True)
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise SystemExit(f"sha256 of {filename} is {actual}, expected {expected_sha256}: refusing to run it")
    return path


def unpack_tests(sdist: Path, version: str, sha256: str) -> Path:
    """Unpack the sdist's tests/ into .cache/compat/<version>/sanic/."""
    target = CACHE / version / "sanic"
    marker = target / f".unpacked-{sha256[:16]}"
    if marker.exists():
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
    (target / "pytest.ini").write_text(PYTEST_INI)
    marker.write_text(f"{sdist.name} {sha256}\n")
    return target


def check_environment(version: str) -> None:
    import sanic

    problems = []
    if sanic.__version__ != version:
        problems.append(f"the suite is Sanic {version}'s; installed Sanic is {sanic.__version__}")
    for module, install in (
        ("sanic_testing", "pip install -e '.[compat]'"),
        ("bs4", "pip install -e '.[compat]'"),
    ):
        if importlib.util.find_spec(module) is None:
            problems.append(f"{module} is missing: {install}")
    if problems:
        raise SystemExit("cannot run the compat suite:\n  " + "\n  ".join(problems))


def run_mode(
    target: Path, pytest_sanic: Path, mode: str, workers: int, extra: list[str], timeout: int
) -> dict[str, Any]:
    out = CACHE / "results" / f"{mode}.json"
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
    print(f"\n== sanic compat suite, mode {mode}: {' '.join(cmd[1:])}", flush=True)
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
    parser.add_argument("--modes", default="inprocess,uvicorn", help="comma-separated: own,inprocess,uvicorn,hypercorn")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (0: no xdist)")
    parser.add_argument("--timeout", type=int, default=120, help="per-test timeout in seconds")
    parser.add_argument("--json", default=str(CACHE / "score.json"), help="write all scores here")
    parser.add_argument("--min-passed", type=int, default=0, help="fail if an adapter mode passes fewer tests")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest instead of 'tests'")
    args = parser.parse_args(argv)

    manifest = load_manifest()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - manifest.ALL_MODES
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    check_environment(manifest.SANIC_VERSION)
    workers = args.workers if importlib.util.find_spec("xdist") else 0

    version = manifest.SANIC_VERSION
    sdist = fetch(f"sanic=={version}", f"sanic-{version}.tar.gz", manifest.SDIST_SHA256, sdist=True)
    target = unpack_tests(sdist, version, manifest.SDIST_SHA256)
    pytest_sanic = fetch(
        f"pytest-sanic=={manifest.PYTEST_SANIC_VERSION}",
        f"pytest_sanic-{manifest.PYTEST_SANIC_VERSION}-py3-none-any.whl",
        manifest.PYTEST_SANIC_SHA256,
        sdist=False,
    )
    results = [run_mode(target, pytest_sanic, mode, workers, args.pytest_args, args.timeout) for mode in modes]

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
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"sanic": manifest.SANIC_VERSION, "modes": results}, indent=2) + "\n")
    print(f"(details: {args.json})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
