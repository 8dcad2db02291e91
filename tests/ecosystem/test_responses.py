"""Point 3: Starlette responses from Sanic handlers, Sanic responses in Starlette."""

from __future__ import annotations

import pytest

from tests.asgi_driver import poll
from tests.ecosystem.apps.common import STATIC
from tests.ecosystem.conftest import Served, Servers, kinds

ALPHABET = (STATIC / "alphabet.txt").read_bytes()
KINDS = kinds("uvicorn-httptools", "hypercorn-h2", "granian")


@pytest.fixture(params=KINDS)
def served(request: pytest.FixtureRequest, servers: Servers) -> Served:
    return servers.get(request.param, "tests.ecosystem.apps.responses:sanic_with_starlette_responses")


@pytest.fixture(params=KINDS)
def starlette(request: pytest.FixtureRequest, servers: Servers) -> Served:
    return servers.get(request.param, "tests.ecosystem.apps.responses:starlette_with_sanic_responses")


def test_starlette_response_headers_cookies_and_background(served: Served, key: str) -> None:
    response = served.get("/plain", headers={"x-key": key})
    assert response.status_code == 200
    assert response.text == "from starlette"
    assert response.headers["x-starlette"] == "1"
    assert response.headers["content-length"] == "14"
    # Sanic's response middleware ran on it: its header and cookie are added.
    assert response.headers["x-sanic-middleware"] == "ran"
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("flavour=oat") and "HttpOnly" in c for c in cookies), cookies
    assert any(c.startswith("from_middleware=yes") for c in cookies), cookies
    events = poll(lambda: served.events(key), lambda events: "background ran" in events)
    assert events == ["handler returned", "background ran"]


def test_json_response_status(served: Served) -> None:
    response = served.get("/json")
    assert response.status_code == 201
    assert response.json() == {"answer": 42}


def test_redirect_from_sync_handler(served: Served) -> None:
    response = served.get("/redirect")
    assert response.status_code == 303
    assert response.headers["location"] == "/plain"


def test_streaming_response(served: Served) -> None:
    with served.client() as client, client.stream("GET", "/stream") as response:
        body = b"".join(response.iter_bytes())
    assert response.status_code == 200
    assert "content-length" not in response.headers
    assert body == b"".join(f"chunk {i}\n".encode() for i in range(5))


def test_file_response_with_range(served: Served) -> None:
    whole = served.get("/file")
    assert whole.content == ALPHABET
    assert whole.headers["content-length"] == str(len(ALPHABET))
    part = served.get("/file", headers={"range": "bytes=26-30"})
    assert part.status_code == 206
    assert part.content == ALPHABET[26:31]


def test_head_of_starlette_response(served: Served) -> None:
    with served.client() as client:
        response = client.head("/plain")
    assert response.status_code == 405 or (response.status_code == 200 and response.content == b"")


def test_bare_asgi_callable_and_class_based_view(served: Served) -> None:
    teapot = served.get("/asgi-callable")
    assert (teapot.status_code, teapot.text) == (418, "teapot")
    view = served.get("/view")
    assert view.text == "<p>view</p>"
    assert view.headers["content-type"].startswith("text/html")


def test_sanic_responses_unchanged(served: Served) -> None:
    response = served.get("/sanic")
    assert response.text == "plain sanic"
    assert response.headers["x-sanic-middleware"] == "ran"


def test_as_asgi_in_starlette(starlette: Served) -> None:
    response = starlette.get("/json")
    assert response.status_code == 202
    assert response.json() == {"from": "sanic", "path": "/json"}
    assert response.headers["content-type"] == "application/json"
    assert "sanic_cookie=1" in response.headers["set-cookie"]
    fixed = starlette.get("/fixed")
    assert (fixed.text, fixed.headers["x-fixed"]) == ("fixed text", "1")
    assert starlette.get("/fixed").text == "fixed text"  # reusable


def test_as_asgi_file_stream_and_empty(starlette: Served) -> None:
    streamed = starlette.get("/file-stream")
    assert streamed.content == ALPHABET
    assert streamed.headers["content-type"].startswith("text/plain")
    empty = starlette.get("/empty")
    assert empty.status_code == 204
    assert empty.content == b""
