"""``sanic-native`` for a real server (``benchmarks.served.sanic_native:app``)."""

from ..apps import make_candidate

app = make_candidate("sanic-native")
