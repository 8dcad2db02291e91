"""``sanic-floor`` (the least an adapter must do: ``benchmarks/floor.py``)
for a real server (``benchmarks.served.sanic_floor:app``)."""

from ..apps import make_candidate

app = make_candidate("sanic-floor")
