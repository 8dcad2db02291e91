"""``starlette`` for a real server (``benchmarks.served.starlette:app``)."""

from ..apps import make_candidate

app = make_candidate("starlette")
