"""``bare`` (the ceiling: an ASGI app that does nothing but answer) for a
real server (``benchmarks.served.bare:app``)."""

from ..apps import make_candidate

app = make_candidate("bare")
