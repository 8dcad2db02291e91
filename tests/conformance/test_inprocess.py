"""The points a real server cannot show, driven in-process.

* Restart (point 1): after lifespan shutdown the same app object starts
  again, as under test suites and reloaders (asgi-lifespan's LifespanManager,
  twice in a row).
* Drain (point 1): ``lifespan.shutdown`` runs ``before_server_stop``, waits for
  requests in flight, then ``after_server_stop`` (no server keeps a request
  running into lifespan shutdown on its own, so it is driven by hand).
* Scope edge cases (points 3 and 8): a scope without the optional
  ``raw_path``, an unknown scope type, a malformed scope.

Each test runs over both implementations, like the real-server tests.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sanic import Request, Sanic, response

from sanic_asgi import ASGIApp, MalformedScope, UnsupportedScope
from tests._servers import SELECTED_IMPLS
from tests.conformance.apps import lifespan as lifespan_app

pytestmark = pytest.mark.parametrize("impl", SELECTED_IMPLS)


@pytest.fixture(autouse=True)
def test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several apps start in this process: Sanic's test mode keeps TouchUp
    from rewriting already rewritten methods (KeyError in TouchUp.run on the
    second app, which native ASGI would hit and the adapter avoids), so each
    test shows the one behaviour it is about."""
    monkeypatch.setattr(Sanic, "test_mode", True)


def wrap(app: Sanic[Any, Any], impl: str) -> Any:
    return ASGIApp(app) if impl == "ours" else app


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "order.txt"
    monkeypatch.setenv("CONFORMANCE_RECORD", str(path))
    return path


def read_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines() if path.exists() else []


@pytest.mark.native_gap("main_process_* listeners never run, so the sequence is incomplete on every start")
async def test_restart_runs_every_listener_again(impl: str, record: Path) -> None:
    asgi = wrap(lifespan_app.build(unique("restart")), impl)
    for _ in range(2):
        async with LifespanManager(asgi, startup_timeout=3, shutdown_timeout=3) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                reply = await client.get("/record")
                assert reply.status_code == 200
                assert reply.text == "recorded"
    assert read_lines(record) == lifespan_app.SANIC_SERVER_ORDER * 2


@pytest.mark.native_gap(
    "a second start of the app fails: 'Cannot finalize router more than once' (and TouchUp's KeyError when "
    "another app started before in the process)"
)
async def test_restart_keeps_routes_working(impl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A reloader or a test suite outside Sanic's test mode.
    monkeypatch.setattr(Sanic, "test_mode", False)
    app: Sanic[Any, Any] = Sanic(unique("restart_routes"))
    starts: list[int] = []

    @app.before_server_start
    async def count(app: Sanic[Any, Any]) -> None:
        starts.append(1)

    @app.get("/items/<n:int>")
    async def item(request: Request, n: int) -> response.HTTPResponse:
        return response.json({"n": n, "url": request.url_for("item", n=n)})

    asgi = wrap(app, impl)
    for round_ in range(3):
        async with LifespanManager(asgi, startup_timeout=3, shutdown_timeout=3) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                reply = await client.get(f"/items/{round_}")
                assert reply.status_code == 200, reply.text
                assert reply.json() == {"n": round_, "url": f"http://testserver/items/{round_}"}
    assert len(starts) == 3


class HandDriven:
    """A lifespan connection driven message by message."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.4"}, "state": {}}
        self.task = asyncio.create_task(app(self.scope, self.inbox.get, self.outbox.put))

    async def event(self, kind: str) -> dict[str, Any]:
        await self.inbox.put({"type": f"lifespan.{kind}"})
        return await asyncio.wait_for(self.outbox.get(), 10)


@pytest.mark.native_gap("lifespan.shutdown runs after_server_stop while requests are still in flight (no drain)")
async def test_shutdown_drains_requests_in_flight(impl: str) -> None:
    app: Sanic[Any, Any] = Sanic(unique("drain"))
    order: list[str] = []
    started = asyncio.Event()

    @app.before_server_stop
    async def before_stop(app: Sanic[Any, Any]) -> None:
        order.append("before_server_stop")

    @app.after_server_stop
    async def after_stop(app: Sanic[Any, Any]) -> None:
        order.append("after_server_stop")

    @app.get("/slow")
    async def slow(request: Request) -> response.HTTPResponse:
        started.set()
        await asyncio.sleep(0.3)  # a request in flight at shutdown: the behaviour under test
        order.append("request done")
        return response.text("done")

    asgi = wrap(app, impl)
    lifespan = HandDriven(asgi)
    assert (await lifespan.event("startup"))["type"] == "lifespan.startup.complete"
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        request = asyncio.create_task(client.get("/slow"))
        await asyncio.wait_for(started.wait(), 5)
        assert (await lifespan.event("shutdown"))["type"] == "lifespan.shutdown.complete"
        reply = await asyncio.wait_for(request, 5)
    await asyncio.wait_for(lifespan.task, 5)
    assert reply.status_code == 200
    assert order == ["before_server_stop", "request done", "after_server_stop"]


# ---------------------------------------------------------------------------
# Scope edge cases
# ---------------------------------------------------------------------------
def http_scope(**overrides: Any) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/items/5",
        "raw_path": b"/items/5",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8123),
    }
    scope.update(overrides)
    return {k: v for k, v in scope.items() if v is not None}


async def call(app: Any, scope: dict[str, Any]) -> list[dict[str, Any]]:
    inbox = [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if inbox:
            return inbox.pop(0)
        await asyncio.Event().wait()  # no disconnect: the client stays
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(dict(message))

    await asyncio.wait_for(app(scope, receive, send), 5)
    return sent


@pytest.fixture
async def started(impl: str) -> Any:
    """A started app with one route, ``/items/<n>``."""
    app: Sanic[Any, Any] = Sanic(unique("scope"))

    @app.get("/items/<n:int>")
    async def item(request: Request, n: int) -> response.HTTPResponse:
        return response.json({"n": n, "path": request.path, "url": request.url_for("item", n=n)})

    asgi = wrap(app, impl)
    async with LifespanManager(asgi):
        yield asgi


@pytest.mark.native_gap("a scope without the optional raw_path raises KeyError('raw_path')")
@pytest.mark.parametrize("root_path", ["", "/api"])
async def test_missing_raw_path(started: Any, root_path: str) -> None:
    sent = await call(started, http_scope(raw_path=None, path=f"{root_path}/items/5", root_path=root_path))
    assert sent[0]["status"] == 200
    assert b'"path":"/items/5"' in sent[1]["body"]
    assert f"http://testserver{root_path}/items/5".encode() in sent[1]["body"]


@pytest.mark.native_gap(
    "an unknown scope type raises ServerError('Received unknown ASGI scope') without naming the type"
)
async def test_unknown_scope_type_is_named(started: Any) -> None:
    # Ours raises UnsupportedScope; native ASGI something else (its strict xfail above).
    expected = UnsupportedScope if isinstance(started, ASGIApp) else Exception
    with pytest.raises(expected, match="'telepathy'"):
        await call(started, {"type": "telepathy", "asgi": {"version": "3.0"}})


@pytest.mark.native_gap("a scope without 'method' raises a bare KeyError('method') that says nothing of what arrived")
async def test_malformed_scope_names_what_arrived(started: Any) -> None:
    # Ours raises MalformedScope; native ASGI something else (its strict xfail above).
    expected = MalformedScope if isinstance(started, ASGIApp) else Exception
    with pytest.raises(expected, match=r"'method'.*path"):
        await call(started, http_scope(method=None))


@pytest.mark.native_gap("str header pairs raise AttributeError(\"'str' object has no attribute 'decode'\")")
async def test_malformed_headers_are_named(started: Any) -> None:
    # Ours raises MalformedScope; native ASGI something else (its strict xfail above).
    expected = MalformedScope if isinstance(started, ASGIApp) else Exception
    with pytest.raises(expected, match=r"headers.*\('host', 'testserver'\)"):
        await call(started, http_scope(headers=[("host", "testserver")]))
