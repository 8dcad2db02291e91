"""CI regression guard: ``python -m benchmarks.guard``.

Counts instructions per request (callgrind, deterministic) for Sanic's own
server and for sanic-asgi under uvicorn's protocol, json and 64 KiB echo,
and fails (exit 1) if sanic-asgi's ratio to Sanic's own server has grown by
more than ``TOLERANCE`` over ``benchmarks/baseline.json``.  A ratio, not a
count: both sides run on the same Python, glibc and Sanic, so a new
machine or interpreter build moves both.

Update the baseline only with a stated reason::

    python -m benchmarks.guard --update --reason "sanic 26.3: Request() got cheaper"

The reason, the date and the versions are stored with the numbers.  Takes
about a minute on two cores (two callgrind processes side by side).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

from .measure import callgrind_available, count_instructions

__all__ = ["main"]

BASELINE = Path(__file__).with_name("baseline.json")
TOLERANCE = 0.03
SCENARIOS = ["json", "echo"]
CANDIDATE, REFERENCE = "sanic-asgi", "sanic-server"
REQUESTS, WARMUP = 60, 20


def measure() -> dict[str, dict[str, float]]:
    counts = count_instructions([REFERENCE, CANDIDATE], SCENARIOS, REQUESTS, WARMUP)
    return {
        scenario: {
            "ratio": round(counts[CANDIDATE][scenario] / counts[REFERENCE][scenario], 4),
            CANDIDATE: round(counts[CANDIDATE][scenario]),
            REFERENCE: round(counts[REFERENCE][scenario]),
        }
        for scenario in SCENARIOS
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.guard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="write the measured ratios as the new baseline")
    parser.add_argument("--reason", help="why the baseline changes (required with --update)")
    args = parser.parse_args(argv)
    if args.update and not (args.reason and args.reason.strip()):
        parser.error("--update needs --reason: say why the baseline changes")
    if not callgrind_available():
        print("benchmarks.guard: valgrind is not installed (apt-get install -y valgrind)", file=sys.stderr)
        return 2

    started = time.monotonic()
    measured = measure()
    elapsed = time.monotonic() - started

    if args.update:
        from .__main__ import versions

        baseline = {
            "reason": args.reason.strip(),
            "date": datetime.date.today().isoformat(),
            "versions": versions(),
            "tolerance": TOLERANCE,
            "scenarios": measured,
        }
        BASELINE.write_text(json.dumps(baseline, indent=2) + "\n")
        print(f"baseline written to {BASELINE} ({elapsed:.0f}s)")
        for scenario, entry in measured.items():
            print(f"  {scenario}: {entry}")
        return 0

    baseline = json.loads(BASELINE.read_text())
    failed = False
    print(f"sanic-asgi / Sanic's own server, instructions per request (baseline of {baseline['date']}):")
    for scenario, entry in measured.items():
        allowed = baseline["scenarios"][scenario]["ratio"] * (1 + TOLERANCE)
        ok = entry["ratio"] <= allowed
        failed |= not ok
        print(
            f"  {scenario:5} {entry['ratio']:.4f} (baseline {baseline['scenarios'][scenario]['ratio']:.4f}, "
            f"limit {allowed:.4f}; {entry[CANDIDATE]} vs {entry[REFERENCE]} instructions) "
            f"{'ok' if ok else 'REGRESSION'}"
        )
    print(f"({elapsed:.0f}s)")
    if failed:
        print(
            "sanic-asgi got slower relative to Sanic's own server. Profile with `python -m benchmarks "
            "--profile DIR` and callgrind_annotate; update the baseline only with a reason "
            "(python -m benchmarks.guard --update --reason ...).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
