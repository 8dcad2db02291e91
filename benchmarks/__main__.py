"""``python -m benchmarks``: the side-by-side comparison in one run.

Prints, per request, for json / 64 KiB echo / streamed response / websocket
echo message:

1. instructions (callgrind, deterministic) for Sanic's own server protocol,
   Sanic's native ASGI, sanic-asgi, Starlette and a bare ASGI app, all fed
   raw bytes in-process (the ASGI ones through uvicorn's httptools protocol);
2. CPU time for the same (noisy; medians of interleaved rounds);
3. end to end under granian and hypercorn (and Sanic's own server): server
   CPU time per request over loopback, server and client pinned to separate
   cores;

each with its ratio to Sanic's own server and to the bare ASGI ceiling.
``python -m benchmarks.e2e`` is the throughput mode (wrk, requests/s).
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .apps import CANDIDATES
from .inproc import SCENARIOS
from .measure import callgrind_available, count_instructions, cpu_times

OWN = "sanic-server"
BARE = "bare"
LABELS = {
    "sanic-server": "Sanic's own server (HttpProtocol)",
    "sanic-native": "Sanic native ASGI (uvicorn)",
    "sanic-asgi": "sanic-asgi (uvicorn)",
    "sanic-floor": "floor: Request + handle_request only (uvicorn)",
    "starlette": "Starlette (uvicorn)",
    "bare": "bare ASGI app (uvicorn)",
}


def versions() -> str:
    names = ["sanic", "uvicorn", "httptools", "uvloop", "starlette", "granian", "hypercorn", "websockets"]
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {version(name)}")
        except Exception:
            parts.append(f"{name} -")
    return f"Python {platform.python_version()}, " + ", ".join(parts)


def header() -> str:
    return f"{datetime.date.today().isoformat()}; {versions()}"


def _ratio(value: float, reference: float | None) -> str:
    return f"{value / reference:.2f}x" if reference else "-"


def table(
    title: str,
    data: dict[str, dict[str, float]],
    scenarios: list[str],
    unit: str,
    fmt: str,
    *,
    own: str = OWN,
    bare: str | None = BARE,
    labels: dict[str, str] = LABELS,
) -> str:
    """A markdown table: one row per candidate, per scenario the value and
    its ratio to ``own`` (and to ``bare`` when given)."""
    cols = []
    for s in scenarios:
        cols += [f"{s} {unit}", f"{s} /own"] + ([f"{s} /bare"] if bare else [])
    lines = [f"### {title}", "", "| candidate | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for candidate, per in data.items():
        cells = []
        for s in scenarios:
            value = per.get(s)
            if value is None:
                cells += ["-"] * (3 if bare else 2)
                continue
            cells += [fmt.format(value), _ratio(value, data.get(own, {}).get(s))]
            if bare:
                cells.append(_ratio(value, data.get(bare, {}).get(s)))
        lines.append(f"| {labels.get(candidate, candidate)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--requests", type=int, default=200, help="requests per callgrind window (default 200)")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--cpu-requests", type=int, default=2000, help="requests per CPU-time window")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds for CPU time")
    parser.add_argument("--no-cpu", action="store_true", help="skip the in-process CPU-time table")
    parser.add_argument("--no-e2e", action="store_true", help="skip granian/hypercorn end to end")
    parser.add_argument("--e2e-requests", type=int, default=3000)
    parser.add_argument("--profile", type=Path, help="keep callgrind files here (for callgrind_annotate)")
    parser.add_argument("--json", type=Path, help="also write all numbers to this file")
    args = parser.parse_args(argv)
    candidates = args.candidates.split(",")
    scenarios = args.scenarios.split(",")

    print(f"sanic-asgi benchmark, {header()}\n", flush=True)
    results: dict[str, Any] = {"header": header()}
    if callgrind_available():
        instr = count_instructions(candidates, scenarios, args.requests, args.warmup, keep=args.profile)
        results["instructions"] = instr
        scaled = {c: {s: v / 1000 for s, v in per.items()} for c, per in instr.items()}
        title = f"Instructions per request (x1000), callgrind, {args.requests} requests after {args.warmup} warm-up"
        print(table(title, scaled, scenarios, "kI", "{:.0f}") + "\n", flush=True)
    else:
        print("valgrind not found: no instruction counts (apt-get install -y valgrind)\n")

    if not args.no_cpu:
        cpu = cpu_times(candidates, scenarios, args.cpu_requests, args.warmup, rounds=args.rounds)
        results["cpu"] = cpu
        med = {c: {s: v["median"] * 1e6 for s, v in per.items()} for c, per in cpu.items()}
        title = (
            f"CPU time per request (µs), in-process, median of {args.rounds} interleaved rounds x {args.cpu_requests}"
        )
        print(table(title, med, scenarios, "µs", "{:.1f}") + "\n", flush=True)
        spread = max((v["max"] - v["min"]) / v["median"] for per in cpu.values() for v in per.values() if v["median"])
        print(f"(largest max-min spread of a CPU-time cell: {spread:.0%} of its median)\n", flush=True)

    if not args.no_e2e:
        from .e2e import server_cpu_table

        e2e = server_cpu_table(scenarios, args.e2e_requests)
        results["e2e_cpu"] = e2e
        print(e2e["table"] + "\n", flush=True)

    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
