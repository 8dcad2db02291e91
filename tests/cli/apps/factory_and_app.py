"""A module that has a factory and also builds its app with it at import
(as ``examples/shop/app.py``): ``factory_and_app:create_app()`` must work."""

from __future__ import annotations

from sanic import Sanic
from sanic.response import text

CALLS: list[int] = []


def create_app() -> Sanic:
    CALLS.append(1)
    app = Sanic("cli_factory_and_app")

    @app.get("/")
    async def index(request: object) -> object:
        return text(f"made by call {len(CALLS)}")

    return app


def clashing_factory() -> Sanic:
    return Sanic("cli_basic")  # the name of another module's app: not this module's doing


app = create_app()
