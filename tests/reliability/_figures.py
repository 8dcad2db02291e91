"""How big the reliability runs are, and the figures they report.

Two scales: the default one runs in CI within its budget (a few minutes on
two cores); ``SANIC_ASGI_RELIABILITY=full`` runs the sizes the README quotes
(100,000 in-process requests, tens of thousands under load).  Tests ask the
``scale`` fixture for their sizes and never branch on the name themselves.

Each test records what it did with ``figures.record(area, case, **numbers)``.
At the end of the session the conftest prints them, and writes them as JSON
to the file named by ``SANIC_ASGI_RELIABILITY_FIGURES`` when it is set
(``python -m tests.reliability.report`` sets it and renders the table).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT", "FULL", "Figures", "Scale", "current_scale"]

SCALE_ENV = "SANIC_ASGI_RELIABILITY"
FIGURES_ENV = "SANIC_ASGI_RELIABILITY_FIGURES"


@dataclass(frozen=True)
class Scale:
    name: str
    # Real servers: requests per server kind, over this many concurrent clients.
    load_requests: int
    load_connections: int
    # In-process, through ASGIApp directly.
    soak_requests: int
    soak_concurrency: int
    ws_cycles: int
    # Each fault injected this many times per server kind.
    fault_repeats: int
    # MiB a slow client is offered.
    backpressure_mib: int
    # Property-based hostile input.
    hostile_examples: int
    # pytest-timeout for the biggest tests (generous upper bounds, not expectations).
    load_timeout: int = 300
    soak_timeout: int = 300


DEFAULT = Scale(
    name="default",
    load_requests=5_000,
    load_connections=200,
    soak_requests=20_000,
    soak_concurrency=50,
    ws_cycles=1_000,
    fault_repeats=10,
    backpressure_mib=64,
    hostile_examples=300,
    load_timeout=180,
    soak_timeout=180,
)

FULL = Scale(
    name="full",
    load_requests=25_000,
    load_connections=200,
    soak_requests=100_000,
    soak_concurrency=50,
    ws_cycles=5_000,
    fault_repeats=50,
    backpressure_mib=256,
    hostile_examples=3_000,
    load_timeout=900,
    soak_timeout=900,
)


def current_scale() -> Scale:
    value = os.environ.get(SCALE_ENV, "").strip().lower()
    if value in ("", "default", "0"):
        return DEFAULT
    if value == "full":
        return FULL
    raise ValueError(f"{SCALE_ENV} must be 'full' or unset, got {value!r}")


@dataclass
class Figures:
    scale: Scale
    rows: list[dict[str, Any]] = field(default_factory=list)

    def record(self, area: str, case: str, **numbers: Any) -> None:
        self.rows.append({"area": area, "case": case, **numbers})

    def total(self, area: str, key: str) -> int:
        return sum(int(row.get(key, 0)) for row in self.rows if row["area"] == area)

    def lines(self) -> list[str]:
        out = [f"sanic-asgi reliability figures (scale: {self.scale.name})"]
        for row in self.rows:
            rest = ", ".join(f"{k}={_fmt(v)}" for k, v in row.items() if k not in ("area", "case"))
            out.append(f"  {row['area']:<9} {row['case']:<40} {rest}")
        return out

    def write(self, path: str | os.PathLike[str]) -> None:
        data = {"scale": asdict(self.scale), "rows": self.rows}
        Path(path).write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
