"""Point 1: ASGI middleware around a Sanic app, through real servers.

Both ways of adding it are tested: ``ASGIApp(app, middleware=[...])`` and
wrapping ``ASGIApp(app)`` by hand.  The stack is in
``tests/ecosystem/apps/middleware.py``; its order is a deployment behind a
TLS-terminating proxy, so requests carry ``X-Forwarded-Proto: https`` unless
a test is about the redirect.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.ecosystem.conftest import Served, Servers, setups

SETUPS = [*setups("option", "uvicorn-httptools", "hypercorn-h11", "granian"), *setups("wrapped", "uvicorn-h11")]
HTTPS = {"x-forwarded-proto": "https"}


@pytest.fixture(params=SETUPS)
def served(request: pytest.FixtureRequest, servers: Servers) -> Served:
    kind, variant = request.param
    return servers.get(kind, f"tests.ecosystem.apps.middleware:{variant}")


def test_order_asgi_outside_sanic_middleware(served: Served, key: str) -> None:
    response = served.get("/hello", headers={**HTTPS, "x-key": key})
    assert response.status_code == 200
    assert response.text == "hello"
    assert response.headers["x-sanic-response-middleware"] == "ran"
    assert served.events(key) == ["asgi-in", "sanic-request", "handler", "sanic-response", "asgi-out"]


def test_cors_preflight_answered_by_middleware(served: Served, key: str) -> None:
    headers = {
        **HTTPS,
        "origin": "https://front.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-key",
        "x-key": key,
    }
    with served.client() as client:
        response = client.options("/hello", headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://front.example"
    assert "POST" in response.headers["access-control-allow-methods"]
    # The preflight never reached Sanic.
    assert "sanic-request" not in served.events(key)


def test_cors_simple_request_gets_headers(served: Served) -> None:
    response = served.get("/hello", headers={**HTTPS, "origin": "https://front.example"})
    assert response.headers["access-control-allow-origin"] == "https://front.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    other = served.get("/hello", headers={**HTTPS, "origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_gzip_compresses_sanic_response(served: Served) -> None:
    with (
        served.client() as client,
        client.stream("GET", "/big", headers={**HTTPS, "accept-encoding": "gzip"}) as response,
    ):
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == len(raw)
    assert gzip.decompress(raw) == b"sanic " * 500
    small = served.get("/hello", headers={**HTTPS, "accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_session_set_and_read_from_sanic_handler(served: Served) -> None:
    with served.client(headers=HTTPS) as client:
        assert client.get("/session/get").json() == {}
        response = client.get("/session/set/blue")
        assert response.status_code == 200
        assert "session=" in response.headers["set-cookie"]
        assert client.get("/session/get").json() == {"value": "blue"}


def test_trusted_host_rejects_unknown_host(served: Served, key: str) -> None:
    response = served.get("/hello", headers={**HTTPS, "host": "evil.example", "x-key": key})
    assert response.status_code == 400
    assert response.text == "Invalid host header"
    assert served.events(key) == []


def test_https_redirect_without_forwarded_proto(served: Served) -> None:
    response = served.get("/hello?x=1")
    assert response.status_code in (301, 307)
    assert response.headers["location"] == f"https://127.0.0.1:{served.port}/hello?x=1"


def test_proxy_headers_feed_request_ip(served: Served) -> None:
    response = served.get("/whoami", headers={**HTTPS, "x-forwarded-for": "203.0.113.7"})
    data = response.json()
    assert data["ip"] == "203.0.113.7"
    assert data["scheme"] == "https"


def test_opentelemetry_records_server_spans(served: Served) -> None:
    served.get("/hello", headers=HTTPS)
    spans = served.get("/spans", headers=HTTPS).json()
    server = [s for s in spans if s["kind"] == "SERVER"]
    assert any(_mentions(s["attributes"], "/hello") for s in server), spans
    statuses = {
        s["attributes"].get("http.status_code", s["attributes"].get("http.response.status_code")) for s in server
    }
    assert 200 in statuses


def test_websocket_passes_through_the_stack(served: Served) -> None:
    if not served.kind.websockets:
        pytest.skip(f"{served.kind.id} serves no websockets")
    with connect(f"{served.ws_url}/ws", additional_headers=HTTPS, open_timeout=10) as ws:
        assert ws.recv(timeout=10) == "session:[]"
        ws.send("ping")
        assert ws.recv(timeout=10) == "ping"


def _mentions(attributes: dict[str, Any], path: str) -> bool:
    return any(path in json.dumps(value) for value in attributes.values())
