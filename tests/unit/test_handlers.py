"""``sanic_asgi._handlers``: handler calls wrapped without touching the routes."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from sanic import Request, Sanic, response

from sanic_asgi._handlers import CallingApp, CallingRouter, handler_caller, run_in_thread
from tests.asgi_driver import FakeServer


def _tagging(handler: Any) -> Any:
    """A call wrapper that marks the response it returns."""

    async def tagged(request: Request, *args: Any, **kwargs: Any) -> Any:
        result = await handler(request, *args, **kwargs)
        result.headers["x-wrapped"] = "yes"
        return result

    return tagged


def test_no_wrappers_call_the_apps_own_handle_request(app: Sanic) -> None:
    handle, wrapped = handler_caller(app, [])
    assert handle == app.handle_request
    assert wrapped is False


def test_an_overriding_app_class_is_called_as_it_is() -> None:
    class OwnApp(Sanic):  # type: ignore[type-arg]
        async def handle_request(self, request: Any) -> None:  # type: ignore[override]
            await super().handle_request(request)

    app = OwnApp("handlers_own_class")
    handle, wrapped = handler_caller(app, [_tagging])
    assert handle == app.handle_request
    assert wrapped is False


async def test_the_router_answers_with_the_wrapper_and_makes_it_once(app: Sanic, serve: Any) -> None:
    @app.get("/item/<n:int>")
    async def item(request: Request, n: int) -> Any:
        return response.text(str(n))

    server: FakeServer = serve(app)
    life = await server.startup()
    router = CallingRouter(app.router, [_tagging])
    route, call, kwargs = router.get("/item/1", "GET", None)
    assert route.handler is item
    assert call is not item
    assert kwargs == {"n": 1}
    # Another path of the same route: the same wrapper, made once per route.
    assert router.get("/item/2", "GET", None)[1] is call
    # Everything but get() is the router's own.
    assert router.routes == app.router.routes
    await server.shutdown(life)


def test_a_router_answering_no_handler_is_passed_through() -> None:
    # Sanic's handle_request answers a None handler with its own ServerError
    # ("'None' was returned while requesting a handler from the router"):
    # a wrapper around None would turn that into a TypeError.
    class NoHandler:
        def get(self, path: str, method: str, host: str | None) -> tuple[str, None, dict[str, Any]]:
            return "route", None, {}

    assert CallingRouter(NoHandler(), [_tagging]).get("/", "GET", None) == ("route", None, {})


async def test_handle_request_runs_with_the_app_for_everything_else(app: Sanic, serve: Any) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.json({"app": request.app is app, "route": request.route.handler is index})

    server: FakeServer = serve(app)
    life = await server.startup()
    calling = CallingApp(app, CallingRouter(app.router, [_tagging]))
    assert calling.dispatch == app.dispatch
    assert calling.config is app.config
    assert "CallingApp" in repr(calling)
    server.asgi.runtime.handle_request, _ = handler_caller(app, [_tagging])
    result = await server.request("GET", "/")
    assert json.loads(result.body) == {"app": True, "route": True}
    assert result.header("x-wrapped") == "yes"
    await server.shutdown(life)


def test_thread_mode_warns_when_an_app_class_overrides_handle_request(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    class OwnApp(Sanic):  # type: ignore[type-arg]
        async def handle_request(self, request: Any) -> None:  # type: ignore[override]
            await super().handle_request(request)

    app = OwnApp("handlers_own_class_thread")

    @app.get("/")
    def index(request: Request) -> Any:
        return response.text("ok")

    async def run() -> None:
        server: FakeServer = serve(app, sync_handlers="thread")
        life = await server.startup()
        assert (await server.request("GET", "/")).body == b"ok"
        await server.shutdown(life)

    with caplog.at_level(logging.WARNING, logger="sanic_asgi"):
        asyncio.run(run())
    lines = [r.getMessage() for r in caplog.records if r.name == "sanic_asgi"]
    assert lines == [
        "sync_handlers='thread' does not apply: OwnApp overrides handle_request, so its plain def handlers run "
        "on the loop, as on Sanic's server; make them async to keep the loop free"
    ]


def test_run_in_thread_skips_async_handlers_and_keeps_attributes() -> None:
    async def coroutine_handler(request: Request) -> Any:
        return None

    def plain(request: Request) -> Any:
        return None

    plain.is_stream = True  # type: ignore[attr-defined]
    assert run_in_thread(coroutine_handler) is None
    threaded = run_in_thread(plain)
    assert threaded is not None
    assert threaded.is_stream is True  # type: ignore[attr-defined]
    assert threaded.__wrapped__ is plain  # type: ignore[attr-defined]
