"""ASGI extensions for Sanic handlers: early hints, push, response trailers
(``sanic_asgi._extensions``).  Each is used only when the scope advertises it."""

from __future__ import annotations

from typing import Any

import pytest
from sanic import Request, Sanic, response

from sanic_asgi import asgi_extensions, early_hints, push, response_trailers
from sanic_asgi._extensions import early_hint_message
from tests.asgi_driver import FakeServer

pytestmark = pytest.mark.timeout(20)

ALL = {
    "http.response.early_hint": {},
    "http.response.push": {},
    "http.response.trailers": {},
}


async def test_asgi_extensions(app: Sanic, server: FakeServer) -> None:
    seen: list[Any] = []

    @app.get("/")
    async def index(request: Request) -> Any:
        seen.append(dict(asgi_extensions(request)))
        return response.text("ok")

    await server.request("GET", "/", extensions={"tls": {"server_name": "x"}})
    await server.request("GET", "/")
    assert seen == [{"tls": {"server_name": "x"}}, {}]


def test_asgi_extensions_outside_asgi(app: Sanic) -> None:
    request = Request(b"/", {}, "1.1", "GET", None, app)  # type: ignore[arg-type]
    assert asgi_extensions(request) == {}


async def test_early_hints(app: Sanic, server: FakeServer) -> None:
    results: list[bool] = []

    @app.get("/")
    async def index(request: Request) -> Any:
        results.append(await early_hints(request, ["</a.css>; rel=preload; as=style", b"</b.js>; rel=preload"]))
        results.append(await early_hints(request, "</c.css>; rel=preload"))
        results.append(await early_hints(request, []))
        res = await request.respond(content_type="text/plain")
        # respond() has not sent the head yet: hints may still go out.
        results.append(await early_hints(request, ["</still-early.css>"]))
        await res.send("body")
        results.append(await early_hints(request, ["</late.css>"]))  # too late: started
        await res.eof()

    conn = await server.request("GET", "/", extensions=ALL)
    assert results == [True, True, False, True, False]
    assert conn.checker.early_hints == [  # type: ignore[union-attr]
        [b"</a.css>; rel=preload; as=style", b"</b.js>; rel=preload"],
        [b"</c.css>; rel=preload"],
        [b"</still-early.css>"],
    ]
    assert conn.body == b"body"


async def test_extensions_without_server_support(app: Sanic, server: FakeServer) -> None:
    results: list[Any] = []

    @app.get("/")
    async def index(request: Request) -> Any:
        results.append(await early_hints(request, ["</a.css>"]))
        results.append(await push(request, "/a.css"))
        results.append(response_trailers(request))
        return response.text("plain")

    conn = await server.request("GET", "/")
    assert results == [False, False, None]
    assert conn.types == ["http.response.start", "http.response.body"]


def test_extensions_outside_asgi(app: Sanic) -> None:
    import asyncio

    request = Request(b"/", {}, "1.1", "GET", None, app)  # type: ignore[arg-type]
    assert asyncio.run(push(request, "/x")) is False
    assert asyncio.run(early_hints(request, ["</x>"])) is False
    assert response_trailers(request) is None


async def test_push(app: Sanic, server: FakeServer) -> None:
    results: list[bool] = []

    @app.get("/")
    async def index(request: Request) -> Any:
        results.append(await push(request, "/style.css", {"Accept": "text/css"}))
        res = await request.respond()
        results.append(await push(request, "/script.js", [(b"accept", b"*/*")]))
        await res.send("x")
        await res.eof()
        results.append(await push(request, "/late.js"))  # the response has ended

    conn = await server.request("GET", "/", extensions=ALL)
    assert results == [True, True, False]
    pushes = [m for m in conn.sent if m["type"] == "http.response.push"]
    assert pushes == [
        {"type": "http.response.push", "path": "/style.css", "headers": [(b"accept", b"text/css")]},
        {"type": "http.response.push", "path": "/script.js", "headers": [(b"accept", b"*/*")]},
    ]


async def test_push_needs_a_str_path(app: Sanic, server: FakeServer) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        await push(request, b"/bytes")  # type: ignore[arg-type]
        return response.text("never")

    conn = await server.request("GET", "/", extensions=ALL)
    assert conn.status == 500


@pytest.mark.parametrize("streamed", [False, True])
async def test_response_trailers(app: Sanic, server: FakeServer, streamed: bool) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        trailers = response_trailers(request)
        assert trailers is not None
        assert response_trailers(request) is trailers  # one collection per response
        if not streamed:
            trailers["x-checksum"] = "abc"
            return response.text("whole")
        res = await request.respond(content_type="text/plain")
        await res.send("part1,")
        await res.send("part2")
        trailers["X-Checksum"] = "def"
        await res.eof()
        return None

    conn = await server.request("GET", "/", extensions=ALL)
    start = conn.sent[0]
    assert start["trailers"] is True
    assert conn.types[-1] == "http.response.trailers"
    assert conn.sent[-1]["more_trailers"] is False
    assert conn.checker.trailers == [(b"x-checksum", b"def" if streamed else b"abc")]  # type: ignore[union-attr]
    assert conn.body == (b"part1,part2" if streamed else b"whole")


async def test_response_trailers_after_start(app: Sanic, server: FakeServer) -> None:
    outcome: list[str] = []

    @app.get("/")
    async def index(request: Request) -> Any:
        res = await request.respond()
        await res.send("x")
        try:
            response_trailers(request)
        except RuntimeError as exc:
            outcome.append(str(exc))
        await res.eof()

    await server.request("GET", "/", extensions=ALL)
    assert outcome == ["response_trailers() must be called before the response starts"]


def test_early_hint_message_per_server() -> None:
    links = [b"</a.css>; rel=preload", b"</b.js>; rel=preload"]
    assert early_hint_message({"http.response.early_hint": {}}, False, links) == {
        "type": "http.response.early_hint",
        "links": links,
    }
    # The spec's extension first, where a server advertises it.
    assert early_hint_message({"http.response.early_hint": {}}, True, links)["type"] == "http.response.early_hint"  # type: ignore[index]
    # gunicorn's asgi worker: its own informational message, one link header per entry.
    assert early_hint_message({}, True, links) == {
        "type": "http.response.informational",
        "status": 103,
        "headers": [(b"link", links[0]), (b"link", links[1])],
    }
    assert early_hint_message({}, False, links) is None
