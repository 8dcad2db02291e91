"""Run ``benchmarks.inproc`` children and turn their windows into per-request
numbers: instructions (callgrind) and CPU time (``time.process_time``).

Instruction counts
------------------
Each candidate runs in a process of its own under::

    valgrind --tool=callgrind --collect-atstart=no \\
        --toggle-collect=sys_call_tracing --dump-after=sys_call_tracing

Collection is off while Python starts, imports and warms up; it is on only
inside ``sys.call_tracing(...)`` (the measured windows), and every window
ends in a dump of its own.  Per scenario the child runs a 0-request window
and an N-request window, so ``(I[N] - I[0]) / N`` is the cost of one request
with the window's fixed cost (entering the loop, the drain) removed.  With
``PYTHONHASHSEED=0`` and the same N, counts repeat to well under 0.1% (they
do not depend on load).  ``GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=
4294967295`` makes glibc's memcpy use vector loops instead of ``rep movsb``,
which callgrind would count once per byte.

Runs do not disturb each other's counts, so they go two at a time.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["callgrind_available", "count_instructions", "cpu_times"]

ROOT = Path(__file__).resolve().parent.parent
CALLGRIND_ENV = {
    "PYTHONHASHSEED": "0",
    "GLIBC_TUNABLES": "glibc.cpu.x86_rep_movsb_threshold=4294967295",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def callgrind_available() -> bool:
    return shutil.which("valgrind") is not None


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(CALLGRIND_ENV)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _inproc_args(candidate: str, scenarios: Iterable[str], requests: int, warmup: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "benchmarks.inproc",
        candidate,
        "--scenarios",
        ",".join(scenarios),
        "--requests",
        str(requests),
        "--warmup",
        str(warmup),
    ]


def _totals(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals line in {path}")


def count_one(
    candidate: str,
    scenarios: list[str],
    requests: int,
    warmup: int,
    *,
    keep: Path | None = None,
) -> dict[str, float]:
    """Instructions per request for each scenario of one candidate."""
    with tempfile.TemporaryDirectory(prefix="sanic-asgi-cg-") as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=sys_call_tracing",
            "--dump-after=sys_call_tracing",
            f"--callgrind-out-file={out}",
        ]
        if keep is not None:
            cmd.append("--dump-instr=yes")
        cmd += _inproc_args(candidate, scenarios, requests, warmup)
        proc = subprocess.run(cmd, env=_child_env(), cwd=ROOT, capture_output=True, text=True, check=False)
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or len(lines) != len(scenarios):
            raise RuntimeError(f"{candidate} under callgrind failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        result: dict[str, float] = {}
        for index, scenario in enumerate(scenarios):
            empty = _totals(Path(f"{out}.{2 * index + 1}"))
            full = _totals(Path(f"{out}.{2 * index + 2}"))
            result[scenario] = (full - empty) / requests
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(f"{out}.{2 * index + 2}", keep / f"callgrind.{candidate}.{scenario}.out")
        return result


def count_instructions(
    candidates: list[str],
    scenarios: list[str],
    requests: int,
    warmup: int,
    *,
    jobs: int = 2,
    keep: Path | None = None,
) -> dict[str, dict[str, float]]:
    """``{candidate: {scenario: instructions per request}}``."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {c: pool.submit(count_one, c, scenarios, requests, warmup, keep=keep) for c in candidates}
        return {c: f.result() for c, f in futures.items()}


def cpu_times(
    candidates: list[str],
    scenarios: list[str],
    requests: int,
    warmup: int,
    *,
    rounds: int = 3,
) -> dict[str, dict[str, dict[str, float]]]:
    """``{candidate: {scenario: {"median": s, "min": s, "max": s}}}``: CPU
    seconds per request, one process per candidate and round, candidates
    interleaved (A B C A B C ...) so that drifting load hits all alike."""
    samples: dict[str, dict[str, list[float]]] = {c: {s: [] for s in scenarios} for c in candidates}
    for _ in range(rounds):
        for candidate in candidates:
            proc = subprocess.run(
                _inproc_args(candidate, scenarios, requests, warmup),
                env=_child_env(),
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
            if proc.returncode != 0 or len(lines) != len(scenarios):
                raise RuntimeError(f"{candidate} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
            for line in lines:
                empty, full = line["cpu_s"]
                samples[candidate][line["scenario"]].append((full - empty) / requests)
    return {c: {s: _summary(values) for s, values in per.items()} for c, per in samples.items()}


def _summary(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}
