"""Fixtures for the unit tests: ``sanic_asgi.ASGIApp`` driven message by
message with no network, through ``tests.asgi_driver``.

``app`` is a fresh Sanic app with a unique name; ``serve(app, **options)`` a
``FakeServer`` around ``ASGIApp(app, **options)`` (every runtime it started
is stopped at teardown); ``server`` is ``serve(app)``; ``no_leaked_tasks`` an
async context manager asserting that no asyncio task outlives the block.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from sanic import Sanic

from sanic_asgi import ASGIApp
from sanic_asgi._runtime import RuntimeState
from tests.asgi_driver import FakeServer, settle


@pytest.fixture(scope="package", autouse=True)
def _sanic_test_mode() -> Iterator[None]:
    """Sanic's test mode (apps may share a name, no registry check) for this
    package's tests only, undone when pytest leaves the package."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sanic, "test_mode", True)
        yield


_app_numbers = itertools.count()


@pytest.fixture
def app(request: pytest.FixtureRequest) -> Sanic[Any, Any]:
    """A fresh Sanic app; names are unique so Sanic's registry never clashes."""
    label = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:60]
    return Sanic(f"unit_{next(_app_numbers)}_{label}")


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., FakeServer]]:
    made: list[ASGIApp] = []

    def make(app: Sanic[Any, Any], **options: Any) -> FakeServer:
        asgi = ASGIApp(app, **options)
        made.append(asgi)
        return FakeServer(asgi)

    yield make
    for asgi in made:
        if asgi.runtime.state in (RuntimeState.STARTED, RuntimeState.FAILED):
            with contextlib.suppress(Exception):
                await asgi.runtime.stop()


@pytest.fixture
def server(app: Sanic[Any, Any], serve: Callable[..., FakeServer]) -> FakeServer:
    return serve(app)


@pytest.fixture
def no_leaked_tasks() -> Callable[[], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def check() -> AsyncIterator[None]:
        before = asyncio.all_tasks()
        yield
        await settle()
        leaked = {t for t in asyncio.all_tasks() - before if not t.done()}
        assert not leaked, f"tasks outlived the request: {leaked}"

    return check
