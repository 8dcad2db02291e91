"""``sanic-asgi`` for a real server (``benchmarks.served.sanic_asgi:app``)."""

from ..apps import make_candidate

app = make_candidate("sanic-asgi")
