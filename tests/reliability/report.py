"""Run the reliability suite and print its figures as Markdown.

Usage (from the repository root)::

    python -m tests.reliability.report            # the CI-sized run
    python -m tests.reliability.report --full     # the sizes the README quotes
    python -m tests.reliability.report --full --output figures.md

It runs ``pytest tests/reliability`` in a subprocess (with
``SANIC_ASGI_RELIABILITY=full`` for ``--full``), collects what each test
recorded, and prints one table per area (load, soak, faults, hostile,
and the rest) plus the totals: requests served, faults injected, hostile cases
tried, and the number of answers lost, wrong or leaked (which must be 0).
The exit status is pytest's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.reliability._figures import FIGURES_ENV, SCALE_ENV

ROOT = Path(__file__).resolve().parents[2]
AREAS = ("load", "soak", "faults", "backpressure", "shutdown", "hostile", "limits", "security")
# Figures that count something lost, wrong or leaked: the zero-loss result.
LOSS_KEYS = ("wrong", "5xx", "failed", "crosstalk", "lost", "breached", "adapter_5xx", "invalid_sequences")


def run(full: bool, pytest_args: list[str]) -> tuple[int, float, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as directory:
        figures_path = Path(directory) / "figures.json"
        env = {**os.environ, FIGURES_ENV: str(figures_path)}
        env[SCALE_ENV] = "full" if full else "default"
        command = [sys.executable, "-m", "pytest", "tests/reliability", "-p", "no:cacheprovider", *pytest_args]
        print("$", " ".join(command), f"({SCALE_ENV}={env[SCALE_ENV]})", flush=True)
        started = time.monotonic()
        status = subprocess.call(command, cwd=ROOT, env=env)
        seconds = time.monotonic() - started
        data = json.loads(figures_path.read_text("utf-8")) if figures_path.exists() else {"rows": [], "scale": {}}
    return status, seconds, data


def table(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in ("area", *columns)]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(column, "")) for column in columns) + " |")
    return lines


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    def total(area: str, *keys: str) -> int:
        return sum(int(row.get(key, 0) or 0) for row in rows if row["area"] == area for key in keys)

    return {
        "requests served": total("load", "requests") + total("soak", "requests", "cycles"),
        "faults injected": total("faults", "injected") + total("shutdown", "in_flight"),
        "hostile cases tried": total("hostile", "tried") + len([row for row in rows if row["area"] == "limits"]),
        "security probes": total("security", "probes"),
        "lost, wrong or leaked": sum(int(row.get(key, 0) or 0) for row in rows for key in LOSS_KEYS),
    }


def render(data: dict[str, Any], seconds: float, status: int, full: bool) -> str:
    rows: list[dict[str, Any]] = data["rows"]
    command = "python -m tests.reliability.report" + (" --full" if full else "")
    out = [
        f"Reliability figures ({data.get('scale', {}).get('name', '?')} scale, `{command}`, "
        f"{seconds / 60:.1f} min, pytest exit status {status})",
        "",
        "| total | |",
        "|---|---|",
    ]
    out += [f"| {name} | {_cell(value)} |" for name, value in totals(rows).items()]
    for area in AREAS:
        area_rows = [row for row in rows if row["area"] == area]
        if area_rows:
            out += ["", f"**{area}**", "", *table(area_rows)]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.report", description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="the full-size run (SANIC_ASGI_RELIABILITY=full)")
    parser.add_argument("--output", type=Path, help="also write the Markdown to this file")
    parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest (after --)")
    args = parser.parse_args(argv)
    status, seconds, data = run(args.full, args.pytest_args or ["-q"])
    markdown = render(data, seconds, status, args.full)
    print()
    print(markdown)
    if args.output:
        args.output.write_text(markdown, encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
