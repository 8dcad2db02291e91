"""Every example is importable, documented, served by a real uvicorn, and
each of its routes is checked in-process (message by message, through
``tests.asgi_driver``) as well.

The real-server tests start ``python -m uvicorn examples.<name>:asgi`` on a
free loopback port in its own process group (``tests._servers``), talk to it
with httpx and websockets, and stop it by PID; they then read the server's
output to check that lifespan shutdown ran Sanic's ``after_server_stop``.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import itertools
import json
import pkgutil
import signal
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sanic import Sanic

import examples
from examples.shop import create_app
from sanic_asgi import ASGIApp
from tests._servers import HOST, KINDS, Launcher, Options, ServerKind, ServerProcess, TLSFiles
from tests.asgi_driver import FakeServer, settle, wait_for

pytestmark = pytest.mark.timeout(60)

# ecosystem: tests/ecosystem/test_example.py; realtime: tests/realtime/test_example.py and test_browser.py
EXAMPLES = ["examples.ecosystem", "examples.hello", "examples.realtime", "examples.shop"]
UVICORN = next(kind for kind in KINDS if kind.id == "uvicorn-httptools")
# uvicorn >= 0.29 re-raises the SIGTERM it handled once shutdown is complete.
GRACEFUL_EXIT = (0, -signal.SIGTERM)


def test_every_example_is_tested() -> None:
    found = sorted(f"examples.{m.name}" for m in pkgutil.iter_modules(examples.__path__))
    assert found == EXAMPLES, "add new examples to EXAMPLES and give them tests"


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_module_shape(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(module.app, Sanic)
    assert isinstance(module.asgi, ASGIApp)
    assert module.asgi.app is module.app
    # The docstring says how to run it.
    assert f"uvicorn {name}:asgi" in (module.__doc__ or "")


# --------------------------------------------------------------------------- #
# In-process: every route, message by message
# --------------------------------------------------------------------------- #
_shop_numbers = itertools.count()


@pytest.fixture
async def shop() -> Any:
    """A fresh shop app (a unique name per test), started by lifespan."""
    server = FakeServer(ASGIApp(create_app(f"shop_{next(_shop_numbers)}")))
    state: dict[str, Any] = {}
    life = await server.startup(state=state)
    assert life.sent == [{"type": "lifespan.startup.complete"}]
    server.state = state  # type: ignore[attr-defined]
    yield server
    assert await server.shutdown(life) == {"type": "lifespan.shutdown.complete"}
    assert "db" not in state  # after_server_stop closed and dropped it


async def request(server: FakeServer, *args: Any, **kwargs: Any) -> Any:
    # As a server would: a shallow copy of the lifespan state in every scope.
    return await server.request(*args, state=dict(server.state), **kwargs)  # type: ignore[attr-defined]


async def test_hello_in_process() -> None:
    from examples.hello import asgi

    server = FakeServer(asgi)
    life = await server.startup()
    conn = await server.request("GET", "/")
    assert conn.status == 200
    assert conn.body == b"Hello, world!"
    assert conn.header("content-type") == "text/plain; charset=utf-8"
    assert (await server.request("GET", "/missing")).status == 404
    await server.shutdown(life)


async def test_shop_index_uses_lifespan_state(shop: FakeServer) -> None:
    conn = await request(shop, "GET", "/")
    assert json.loads(conn.body) == {"app": shop.app.name, "items": 3}


async def test_shop_middleware_headers(shop: FakeServer) -> None:
    conn = await request(shop, "GET", "/api/items", headers=[(b"x-request-id", b"abc123")])
    assert conn.header("x-request-id") == "abc123"
    assert conn.header(
        "server-timing",
    ).startswith("app;dur=")  # type: ignore[union-attr]
    generated = await request(shop, "GET", "/api/items")
    assert len(generated.header("x-request-id") or "") == 32


async def test_shop_catalog(shop: FakeServer) -> None:
    items = json.loads((await request(shop, "GET", "/api/items")).body)
    assert [item["name"] for item in items] == ["coffee", "croissant", "juice"]

    created = await request(shop, "POST", "/api/items", json.dumps({"name": "tea", "price": 3.5}).encode())
    assert created.status == 201
    assert json.loads(created.body) == {"id": 4, "name": "tea", "price": 3.5}
    assert created.header("location") == "/api/items/4"

    fetched = await request(shop, "GET", "/api/items/4")
    assert json.loads(fetched.body)["name"] == "tea"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("GET", "/api/items/42", None, 404, "no item 42"),
        ("GET", "/nowhere", None, 404, "Requested URL /nowhere not found"),
        ("POST", "/api/items", b"not json", 400, "Failed when parsing body as json"),
        ("POST", "/api/items", b"[1, 2]", 400, "Invalid request body: NewItem. Error: Value '[1, 2]' is not a dict"),
        ("POST", "/api/items", b'{"name": "tea"}', 400, "missing a required argument: 'price'"),
        ("POST", "/api/items", b'{"name": 1, "price": 2}', 400, "Value '1' is not of type <class 'str'>"),
        ("POST", "/api/items", b'{"name": "", "price": 1}', 400, "'name' must be a non-empty string"),
        ("POST", "/api/items", b'{"name": "x", "price": -1}', 400, "'price' must be a number >= 0"),
        ("POST", "/api/items", b'{"name": "x", "price": true}', 400, "'price' must be a number >= 0"),
        ("POST", "/api/items", b"x" * 1_000_001, 413, "Request body exceeds the size limit"),
        ("GET", "/live/events?count=x", None, 400, "count must be an integer"),
        ("GET", "/live/events?count=-1", None, 400, "count and interval must be >= 0"),
    ],
)
async def test_shop_errors_are_json(
    shop: FakeServer, method: str, path: str, body: bytes | None, status: int, error: str
) -> None:
    path, _, query = path.partition("?")
    conn = await request(shop, method, path, body, query_string=query.encode())
    assert conn.status == status
    assert conn.header("content-type") == "application/json"
    payload = json.loads(conn.body)
    assert payload["status"] == status
    assert error in payload["error"]


async def test_shop_csv_export_is_streamed(shop: FakeServer) -> None:
    conn = await request(shop, "GET", "/api/export.csv")
    assert conn.status == 200
    assert conn.header("content-type") == "text/csv; charset=utf-8"
    assert conn.header("content-length") is None  # the server frames it
    assert conn.text.splitlines() == ["id,name,price", "1,coffee,4.00", "2,croissant,2.50", "3,juice,3.00"]
    assert len([m for m in conn.sent if m["type"] == "http.response.body"]) > 2


async def test_shop_server_sent_events(shop: FakeServer) -> None:
    conn = await request(shop, "GET", "/live/events", query_string=b"count=3&interval=0")
    assert conn.header("content-type") == "text/event-stream; charset=utf-8"
    assert conn.header("cache-control") == "no-cache"
    events = [block for block in conn.text.split("\n\n") if block]
    assert events[0] == 'id: 1\nevent: tick\ndata: {"tick": 1}'
    assert len(events) == 3


async def test_shop_server_sent_events_stop_when_the_client_leaves(
    shop: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    conn = shop.http("GET", "/live/events", query_string=b"interval=0.01", state=dict(shop.state))  # type: ignore[attr-defined]
    conn.push({"type": "http.request"})
    before = asyncio.all_tasks()
    conn.start()
    assert (await conn.next_message())["type"] == "http.response.start"
    assert b"tick" in (await conn.next_message())["body"]
    conn.disconnect()
    await conn.finish()
    await settle()
    leaked = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert not leaked, f"tasks outlived the request: {leaked}"
    assert "events: sent" in caplog.text  # the handler's finally ran
    assert not conn.checker.complete  # an endless stream, cut by the client


async def test_shop_websocket_echo(shop: FakeServer) -> None:
    conn = shop.websocket("/live/echo", state=dict(shop.state))  # type: ignore[attr-defined]
    conn.start()
    assert (await conn.next_message())["type"] == "websocket.accept"
    conn.push({"type": "websocket.receive", "text": "hello"})
    assert await conn.next_message() == {"type": "websocket.send", "text": "hello"}
    conn.push({"type": "websocket.receive", "bytes": b"\x00\xff"})
    assert await conn.next_message() == {"type": "websocket.send", "bytes": b"\x00\xff"}
    conn.disconnect(1000)
    await conn.finish()


async def test_shop_streamed_upload(shop: FakeServer) -> None:
    # Bigger than REQUEST_MAX_SIZE: stream=True routes are exempt, as in Sanic.
    chunks = [bytes([n]) * 400_000 for n in range(4)]
    conn = shop.http("PUT", "/uploads", headers=[(b"transfer-encoding", b"chunked")], state=dict(shop.state))  # type: ignore[attr-defined]
    conn.start()
    for index, chunk in enumerate(chunks):
        conn.push({"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1})
        # Backpressure: the adapter reads one message at a time, on demand.
        await wait_for(lambda index=index: conn.receive_calls >= index + 1)  # type: ignore[misc]
    await conn.finish()
    assert conn.status == 201
    assert json.loads(conn.body) == {
        "bytes": 1_600_000,
        "chunks": 4,
        "sha256": hashlib.sha256(b"".join(chunks)).hexdigest(),
    }


# --------------------------------------------------------------------------- #
# A real uvicorn
# --------------------------------------------------------------------------- #
@pytest.fixture
def uvicorn(launch: Launcher, request: pytest.FixtureRequest) -> ServerProcess:
    target: str = request.param
    return launch.start(UVICORN, target)


@pytest.mark.parametrize("uvicorn", ["examples.hello:asgi"], indirect=True)
def test_hello_under_uvicorn(uvicorn: ServerProcess) -> None:
    response = httpx.get(uvicorn.url + "/", timeout=10)
    assert response.status_code == 200
    assert response.text == "Hello, world!"
    assert response.headers["content-length"] == "13"
    assert uvicorn.stop() in GRACEFUL_EXIT
    log = uvicorn.log()
    assert "Application startup complete" in log
    assert "Application shutdown complete" in log
    assert "Traceback" not in log


@pytest.mark.parametrize("uvicorn", ["examples.shop:asgi"], indirect=True)
def test_shop_under_uvicorn(uvicorn: ServerProcess) -> None:
    with httpx.Client(base_url=uvicorn.url, timeout=10) as client:
        index = client.get("/", headers={"x-request-id": "from-test"})
        assert index.json() == {"app": "shop", "items": 3}
        assert index.headers["x-request-id"] == "from-test"

        created = client.post("/api/items", json={"name": "tea", "price": 3.5})
        assert created.status_code == 201
        assert created.headers["location"] == "/api/items/4"
        assert client.get("/api/items/4").json()["name"] == "tea"

        missing = client.get("/api/items/999")
        assert missing.status_code == 404
        assert missing.json() == {"error": "no item 999", "status": 404}

        export = client.get("/api/export.csv")
        assert export.headers["transfer-encoding"] == "chunked"  # framed by uvicorn
        assert export.text.splitlines()[-1] == "4,tea,3.50"

        with client.stream("GET", "/live/events", params={"count": 3, "interval": 0.01}) as events:
            assert events.headers["content-type"] == "text/event-stream; charset=utf-8"
            data = [line for line in events.iter_lines() if line.startswith("data: ")]
        assert data == ['data: {"tick": 1}', 'data: {"tick": 2}', 'data: {"tick": 3}']

        payload = b"".join(bytes([n]) * 100_000 for n in range(5))

        def body() -> Iterator[bytes]:
            for start in range(0, len(payload), 100_000):
                yield payload[start : start + 100_000]

        uploaded = client.put("/uploads", content=body())
        assert uploaded.status_code == 201
        assert uploaded.json()["bytes"] == len(payload)
        assert uploaded.json()["sha256"] == hashlib.sha256(payload).hexdigest()

    from websockets.sync.client import connect

    with connect(uvicorn.ws_url + "/live/echo", open_timeout=10) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "hello"
        ws.send(b"\x00\x01")
        assert ws.recv(timeout=10) == b"\x00\x01"

    # An endless event stream: the client leaves, the handler is cancelled
    # and its finally block runs.
    mark = uvicorn.log_mark()
    with (
        httpx.Client(base_url=uvicorn.url, timeout=10) as client,
        client.stream("GET", "/live/events", params={"interval": 0.01}) as endless,
    ):
        for line in endless.iter_lines():
            if line.startswith("data: "):
                break
    assert "events: sent" in uvicorn.wait_for_log("events: sent", mark, timeout=10)

    assert uvicorn.stop() in GRACEFUL_EXIT
    log = uvicorn.log()
    assert "shop: ready" in log
    assert "shop: database closed" in log  # after_server_stop ran on lifespan shutdown
    assert "Traceback" not in log


# --------------------------------------------------------------------------- #
# The same app on Sanic's own server and on uvicorn: sanic-ext's OpenAPI
# document and validation answers must not tell them apart.
# --------------------------------------------------------------------------- #
def _sanic_server(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
    return [sys.executable, "-m", "sanic", target, "--host", HOST, "--port", str(port), "--single-process", "--no-motd"]


SANIC = ServerKind("sanic", ("sanic", "sanic_ext"), _sanic_server, lifespan=False)
BAD_ITEMS = [
    b"not json",
    b"[1, 2]",
    b'{"name": "tea"}',
    b'{"name": 1, "price": 2}',
    b'{"name": "", "price": 2}',
    b'{"name": "tea", "price": -1}',
]


@pytest.fixture
def sanic_server(launch: Launcher) -> ServerProcess:
    return launch.start(SANIC, "examples.shop:app")


def _same_in_every_process(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document without what changes from one process to the next:
    sanic-ext names the operations of a route with several methods
    (``POST, PUT /uploads``) ``<method>~<route name>`` after whichever method
    the route's set of methods yields first, which string hashing
    (PYTHONHASHSEED) decides - two runs of Sanic's own server differ there
    too.  The route name is kept."""
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["operationId"] = operation["operationId"].partition("~")[2]
    return document


def _openapi_and_validation(url: str) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=10) as client:
        document = client.get("/docs/openapi.json")
        assert document.status_code == 200, document.text
        refused = [client.post("/api/items", content=body) for body in BAD_ITEMS]
        created = client.post("/api/items", json={"name": "tea", "price": 3})
        return {
            "openapi": _same_in_every_process(document.json()),
            "refused": [(r.status_code, r.headers["content-type"], r.json()) for r in refused],
            "created": (created.status_code, created.headers["location"], created.json()),
            "docs": client.get("/docs").status_code,
        }


@pytest.mark.parametrize("uvicorn", ["examples.shop:asgi"], indirect=True)
def test_shop_openapi_and_validation_as_on_sanics_own_server(
    uvicorn: ServerProcess, sanic_server: ServerProcess
) -> None:
    asgi = _openapi_and_validation(uvicorn.url)
    assert asgi == _openapi_and_validation(sanic_server.url)

    # The document carries what the decorators say.
    paths = asgi["openapi"]["paths"]
    post = paths["/api/items"]["post"]
    assert post["summary"] == "Add an item"
    body = post["requestBody"]
    assert body["required"] is True
    assert body["description"] == "the new item's name and price"
    schema = body["content"]["application/json"]["schema"]
    assert schema["properties"]["name"]["type"] == "string"
    assert set(schema["properties"]) == {"name", "price"}
    assert set(post["responses"]) == {"201", "400"}
    assert paths["/api/items/{item_id}"]["get"]["summary"] == "One item"
    assert paths["/api/items"]["get"]["summary"] == "List the items"

    # Validation answers 400 before the handler runs, in the app's JSON error format.
    statuses = [status for status, _, _ in asgi["refused"]]
    assert statuses == [400] * len(BAD_ITEMS)
    errors = [payload["error"] for _, _, payload in asgi["refused"]]
    assert errors[0] == "Failed when parsing body as json"
    assert errors[2].startswith("Invalid request body: NewItem. Error: missing a required argument: 'price'")
    assert errors[4] == "'name' must be a non-empty string"  # the handler's own check, after validation
    assert asgi["created"][0] == 201
    assert asgi["docs"] == 200

    assert uvicorn.stop() in GRACEFUL_EXIT
    assert "Traceback" not in uvicorn.log()
