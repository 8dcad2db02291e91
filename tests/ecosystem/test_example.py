"""examples/ecosystem.py, served by real servers: every feature it shows."""

from __future__ import annotations

import pytest

from tests.ecosystem.conftest import Served, Servers, kinds
from tests.ecosystem.h2client import h2_get

TARGET = "examples.ecosystem:asgi"


@pytest.fixture(params=kinds("uvicorn-h11", "hypercorn-h2", "granian"))
def served(request: pytest.FixtureRequest, servers: Servers) -> Served:
    return servers.get(request.param, TARGET)


def test_index_and_mounted_lifespan_state(served: Served) -> None:
    response = served.get("/")
    assert response.status_code == 200
    assert "api 2.1" in response.text


def test_session_middleware(served: Served) -> None:
    with served.client() as client:
        assert client.get("/visits").json() == {"visits": 1}
        assert client.get("/visits").json() == {"visits": 2}


def test_cors(served: Served) -> None:
    cors = served.get("/", headers={"origin": "https://example.org"})
    assert cors.headers["access-control-allow-origin"] == "https://example.org"
    assert "access-control-allow-origin" not in served.get("/", headers={"origin": "https://other.example"}).headers


def test_mounts(served: Served) -> None:
    assert served.get("/static/hello.txt").text.startswith("Hello from a file")
    assert served.get("/static/hello.txt", headers={"range": "bytes=0-4"}).content == b"Hello"
    assert served.get("/api/info").json() == {"version": "2.1", "root_path": "/api"}
    assert served.get("/legacy/x").text == "WSGI at SCRIPT_NAME=/legacy PATH_INFO=/x"


def test_responses_both_ways(served: Served) -> None:
    assert served.get("/stream").text == "line 1\nline 2\nline 3\n"
    old = served.get("/old")
    assert (old.status_code, old.headers["location"]) == (301, "/")
    assert served.get("/api/sanic").json() == {"made_by": "sanic.response.json"}


def test_download(served: Served) -> None:
    response = served.get("/download")
    assert response.text.startswith("Hello from a file")
    assert response.headers["content-disposition"] == 'attachment; filename="hello.txt"'


def test_http2_extensions(served: Served) -> None:
    if served.kind.id != "hypercorn-h2":
        pytest.skip("push, early hints and trailers: tested on hypercorn's HTTP/2")
    assert served.cafile is not None
    index = h2_get(served.port, served.cafile, "/")
    assert "early hints: True, push: True" in index.body.decode()
    assert [status for status, _ in index.informational] == [103]
    assert index.pushes["/static/style.css"]["body"] == (served.get("/static/style.css").content)
    report = h2_get(served.port, served.cafile, "/report", [("te", "trailers")])
    assert [name for name, _ in report.trailers] == ["x-content-sha256"]
    assert report.body == b"id,total\n1,10\n2,32\n"
