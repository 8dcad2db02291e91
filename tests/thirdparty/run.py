"""Run Sanic extensions' own test suites plain and through sanic-asgi, and print the score.

Usage::

    python tests/thirdparty/run.py                                   # every suite: own, inprocess, uvicorn
    python tests/thirdparty/run.py --suites sanic-jwt --modes uvicorn
    python tests/thirdparty/run.py --suites sanic-ext --modes inprocess -- tests/extensions/openapi
    python tests/thirdparty/run.py --min-passed sanic-ext=558 --min-passed sanic-jwt=175

The suites are read-only data in ``../shared/thirdparty`` beside the repo
(``SANIC_ASGI_SHARED`` names another ``shared`` folder); each suite's
manifest (``suites/<suite>.py``) names its folder.  ``run.py`` checks that
the installed packages are the manifest's versions, copies the suite's
``tests/`` into ``.cache/thirdparty/<suite>/`` (ignored by git; nothing is
written beside the data), writes the suite's pytest settings there and runs
pytest once per mode: ``own`` (Sanic's own server: sanic-testing's clients
unchanged), ``inprocess`` and ``uvicorn`` (``--sanic-asgi=MODE``), with
``thirdparty_plugin.py`` applying the manifest and pytest-xdist (``-n 2``).

Exits non-zero if a mode has an outcome the manifest does not explain (a
failure, an XPASS of a strict xfail, a stale entry) or passes fewer tests
than ``--min-passed SUITE=N``.  A test that fails without a reason is run
once more alone first, and reported as flaky if it passes then (as
``tests/compat/run.py`` does, whose pieces this reuses).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COMPAT = ROOT / "tests" / "compat"
CACHE = ROOT / ".cache" / "thirdparty"

sys.path.insert(0, str(HERE))
import suites  # noqa: E402  (tests/thirdparty/suites, next to this file)


def _compat_run() -> ModuleType:
    """tests/compat/run.py, whose re-run of unexplained failures and score lines are reused."""
    spec = importlib.util.spec_from_file_location("compat_run", COMPAT / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_compat = _compat_run()
rerun_unexplained = _compat.rerun_unexplained
score_lines = _compat.score_lines


def shared_dir() -> Path:
    """``../shared`` beside the repo, or ``$SANIC_ASGI_SHARED``."""
    return Path(os.environ.get("SANIC_ASGI_SHARED") or ROOT.parent / "shared").resolve()


def check_environment(manifest: ModuleType) -> list[str]:
    problems = []
    for distribution, version in manifest.DISTRIBUTIONS.items():
        try:
            installed = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            needs = " ".join(repr(r) for r in manifest.REQUIREMENTS)
            problems.append(
                f"{manifest.SUITE}: {distribution} {version} is needed, {installed or 'none'} is installed: "
                f"pip install {needs}"
            )
    for distribution in manifest.CONFLICTS:
        try:
            installed = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
        problems.append(
            f"{manifest.SUITE}: {distribution} {installed} is installed and loads itself into the suite's apps: "
            "run this suite in a venv without it"
        )
    return problems


def prepare(manifest: ModuleType) -> Path:
    """A fresh copy of the suite's tests in the cache, with its pytest settings."""
    source = shared_dir() / "thirdparty" / manifest.FOLDER / "tests"
    if not source.is_dir():
        raise SystemExit(
            f"{manifest.SUITE}: no test suite at {source}; the suites are in ../shared/thirdparty beside "
            "the repo (set SANIC_ASGI_SHARED to the folder that has thirdparty/ in it)"
        )
    target = CACHE / manifest.SUITE
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(source, target / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (target / "pytest.ini").write_text(manifest.PYTEST_INI)
    return target


def run_mode(
    manifest: ModuleType,
    target: Path,
    mode: str,
    workers: int,
    extra: list[str],
    timeout: int,
    name: str = "",
    asgi_options: tuple[str, ...] = (),
) -> dict[str, Any]:
    out = CACHE / "results" / manifest.SUITE / f"{name or mode}.json"
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
        "no:cacheprovider",
        "-p",
        "thirdparty_plugin",
        "-q",
        "-rfEX",
        f"--timeout={timeout}",
        f"--thirdparty-suite={manifest.SUITE}",
        f"--thirdparty-json={out}",
    ]
    if workers:
        cmd += ["-n", str(workers)]
    if mode != suites.OWN:
        cmd += [f"--sanic-asgi={mode}", *(f"--sanic-asgi-option={option}" for option in asgi_options)]
    cmd += [*extra] if extra else ["tests"]
    env = dict(os.environ)
    paths = [str(HERE), str(COMPAT), *(str(target / p) for p in manifest.PYTHONPATH)]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [*paths, env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    print(f"\n== {manifest.SUITE}, mode {mode}: {' '.join(cmd[3:])}", flush=True)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suites", default=",".join(suites.NAMES), help="comma-separated: sanic-ext,sanic-jwt")
    parser.add_argument("--modes", default="own,inprocess,uvicorn", help="comma-separated: own,inprocess,uvicorn")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (0: no xdist)")
    parser.add_argument("--timeout", type=int, default=60, help="per-test timeout in seconds")
    parser.add_argument("--json", default=str(CACHE / "score.json"), help="write all scores here")
    parser.add_argument(
        "--min-passed", action="append", default=[], metavar="SUITE=N", help="fail if a mode of SUITE passes fewer"
    )
    parser.add_argument(
        "--sanic-asgi-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an ASGIApp option for the adapter modes (the manifests are written without any)",
    )
    parser.add_argument(
        "--print-requirements", action="store_true", help="print what the suites need (for pip install) and exit"
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest instead of 'tests'")
    args = parser.parse_args(argv)

    names = [s.strip() for s in args.suites.split(",") if s.strip()]
    manifests = [suites.load(name) for name in names]
    if args.print_requirements:
        print(" ".join(sorted({r for manifest in manifests for r in manifest.REQUIREMENTS})))
        return 0
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - suites.ALL_MODES
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}; known: own, inprocess, uvicorn")
    minimum: dict[str, int] = {}
    for item in args.min_passed:
        suite, sep, count = item.partition("=")
        if not sep or suite not in suites.NAMES or not count.isdigit():
            parser.error(f"--min-passed: expected SUITE=N with SUITE one of {', '.join(suites.NAMES)}; got {item!r}")
        minimum[suite] = int(count)
    problems = [problem for manifest in manifests for problem in check_environment(manifest)]
    if problems:
        raise SystemExit("cannot run the third-party suites:\n  " + "\n  ".join(problems))
    workers = args.workers if importlib.util.find_spec("xdist") else 0

    options = tuple(args.sanic_asgi_option)
    scores: dict[str, list[dict[str, Any]]] = {}
    for manifest in manifests:
        target = prepare(manifest)
        results = scores[manifest.SUITE] = []
        for mode in modes:
            result = run_mode(manifest, target, mode, workers, args.pytest_args, args.timeout, asgi_options=options)
            result = rerun_unexplained(
                result,
                lambda nodeids, mode=mode, manifest=manifest, target=target: run_mode(
                    manifest, target, mode, 0, nodeids, args.timeout, name=f"{mode}-rerun", asgi_options=options
                ),
            )
            results.append(result)

    ok = True
    for suite, results in scores.items():
        print(f"\n== sanic-asgi third-party score: {suite}", flush=True)
        for result in results:
            for line in score_lines(result):
                print(line)
            if result.get("exitstatus") != 0 or result.get("passed", 0) < minimum.get(suite, 0):
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
    Path(args.json).write_text(json.dumps(scores, indent=2) + "\n")
    print(f"(details: {args.json})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
