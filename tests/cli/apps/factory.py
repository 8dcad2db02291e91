"""An app built by a factory (``factory:create_app``, ``factory:create_app()``, ``--factory``)."""

from __future__ import annotations

from sanic import Sanic
from sanic.response import text

CALLS: list[int] = []


def create_app() -> Sanic:
    CALLS.append(1)
    app = Sanic(f"cli_factory_{len(CALLS)}")

    @app.get("/")
    async def index(request: object) -> object:
        return text("made by a factory")

    return app


class Builder:
    """A callable that is not a function: only ``--factory`` calls it."""

    def __call__(self) -> Sanic:
        return create_app()


builder = Builder()
not_an_app = 42
