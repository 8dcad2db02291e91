"""Point 4: ASGI extensions, measured per server, and used through sanic_asgi.

``SUPPORT`` is what each server advertised in ``scope["extensions"]`` when
these tests were written; ``test_advertised_extensions`` fails when a server
release changes it, and the README's table is this dict.  Where a server
advertises an extension, the tests below check that it really works end to
end (an HTTP/2 client for push, early hints and trailers); where it does not,
that the helper is a no-op and the response is unaffected.
"""

from __future__ import annotations

import socket

import pytest

from tests._servers import HOST
from tests.ecosystem.apps.common import STATIC
from tests.ecosystem.apps.extensions import PRELOAD
from tests.ecosystem.conftest import Served, Servers, kinds
from tests.ecosystem.h2client import h2_get

ALPHABET = (STATIC / "alphabet.txt").read_bytes()
EARLY_HINT, PATHSEND, PUSH = "http.response.early_hint", "http.response.pathsend", "http.response.push"
TRAILERS, WS_DENIAL, TLS = "http.response.trailers", "websocket.http.response", "tls"

SUPPORT: dict[str, set[str]] = {
    "uvicorn-h11": set(),
    "uvicorn-httptools": set(),
    "uvicorn-zttp-h2": {EARLY_HINT, TRAILERS},
    "hypercorn-h11": set(),
    "hypercorn-h2": {EARLY_HINT, PUSH, TRAILERS},
    "granian": {PATHSEND, WS_DENIAL},
    "daphne": set(),
    # gunicorn 27 advertises nothing, but writes http.response.informational
    # (a message of its own): early_hints() sends its 103 that way.
    "gunicorn-asgi": set(),
}
# Servers that send a 103 without advertising the extension, over HTTP/1.1.
INFORMATIONAL = {"gunicorn-asgi"}
KINDS = kinds(*SUPPORT)


@pytest.fixture(params=KINDS)
def served(request: pytest.FixtureRequest, servers: Servers) -> Served:
    return servers.get(request.param, "tests.ecosystem.apps.extensions:extensions")


def supports(served: Served, extension: str) -> bool:
    return extension in SUPPORT[served.kind.id]


def test_advertised_extensions(served: Served) -> None:
    data = served.get("/extensions").json()
    assert set(data["extensions"]) == SUPPORT[served.kind.id]
    if served.kind.tls:
        # No server here sends the "tls" extension; connection info comes from the scheme.
        assert data["ssl"] is True
        assert data["scheme"] == "https"
    assert TLS not in data["extensions"]


def test_server_push(served: Served) -> None:
    if not supports(served, PUSH):
        assert served.get("/push").text == "pushed=False"
        return
    assert served.cafile is not None
    exchange = h2_get(served.port, served.cafile, "/push")
    assert exchange.body == b"pushed=True"
    pushed = exchange.pushes["/style.css"]
    assert pushed["request"]["x-pushed-by"] == "sanic"  # type: ignore[index]
    assert pushed["status"] == 200
    assert pushed["body"] == b"body { color: teal; }"


def test_early_hints(served: Served) -> None:
    if served.kind.id in INFORMATIONAL:
        with socket.create_connection((HOST, served.port), timeout=10) as sock:
            sock.sendall(f"GET /hints HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            raw = b"".join(iter(lambda: sock.recv(65536), b""))
        hint, _, final = raw.partition(b"\r\n\r\n")
        assert hint.split(b"\r\n") == [b"HTTP/1.1 103 Early Hints", b"link: " + PRELOAD.encode()], raw
        assert final.startswith(b"HTTP/1.1 200 "), raw
        assert final.endswith(b"hints=True"), raw
        return
    if not supports(served, EARLY_HINT):
        assert served.get("/hints").text == "hints=False"
        return
    assert served.cafile is not None
    exchange = h2_get(served.port, served.cafile, "/hints")
    assert exchange.status == 200
    assert exchange.body == b"hints=True"
    assert [(status, [v for k, v in headers if k == "link"]) for status, headers in exchange.informational] == [
        (103, [PRELOAD])
    ]


@pytest.mark.parametrize(
    ("path", "body", "trailers"),
    [
        ("/trailers", b"part one, part two", [("x-checksum", "c0ffee")]),
        ("/trailers-simple", b"whole body", [("x-trailer", "set before the body")]),
    ],
)
def test_trailers(served: Served, path: str, body: bytes, trailers: list[tuple[str, str]]) -> None:
    if not supports(served, TRAILERS):
        assert served.get(path).content == body
        return
    assert served.cafile is not None
    exchange = h2_get(served.port, served.cafile, path, [("te", "trailers")])
    assert exchange.status == 200
    assert exchange.body == body
    assert exchange.trailers == trailers


@pytest.mark.parametrize("path", ["/file", "/starlette-file"])
def test_pathsend(served: Served, key: str, path: str) -> None:
    response = served.get(path, headers={"x-key": key})
    assert response.status_code == 200
    assert response.content == ALPHABET
    assert response.headers["content-length"] == str(len(ALPHABET))
    sent = served.events(key)
    if supports(served, PATHSEND):
        assert sent == ["http.response.start", "http.response.pathsend"]
    else:
        assert sent[0] == "http.response.start"
        assert set(sent[1:]) == {"http.response.body"}
