"""Serverless and in-process clients: scopes that carry a request body but no
framing header.

Mangum (AWS Lambda) builds the scope from an event, with the headers the event
has: API Gateway v1 (REST), v2 (HTTP API), Function URLs and ALB, built here
offline, binary bodies base64-encoded as AWS sends them.  Starlette's
TestClient and httpx's ASGITransport build scopes from an httpx request whose
``content-length`` is removed.  None may lose a byte.  The comparison with
Sanic's own server runs the same app under sanic-testing's client.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import Iterator
from typing import Any, Callable

import httpx
import pytest
from sanic import Request, Sanic, response
from sanic.exceptions import SanicException

from sanic_asgi import ASGIApp

mangum = pytest.importorskip("mangum")
Mangum = mangum.Mangum

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("sanic_test_mode")]

_names = itertools.count()
BINARY = bytes(range(256)) * 64  # 16 KiB, every byte value
JSON_BODY = b'{"order": 7, "items": ["tea", "cake"], "note": "caf\xc3\xa9"}'


def make_app(events: list[str] | None = None) -> Sanic[Any, Any]:
    app = Sanic(f"serverless_{next(_names)}")
    app.config.FALLBACK_ERROR_FORMAT = "json"

    @app.before_server_start
    async def started(app: Sanic[Any, Any]) -> None:
        app.ctx.greeting = "hello"
        if events is not None:
            events.append("before_server_start")

    @app.after_server_stop
    async def stopped(app: Sanic[Any, Any]) -> None:
        if events is not None:
            events.append("after_server_stop")

    @app.route("/echo", methods=["GET", "POST", "PUT"], ignore_body=False)
    async def echo(request: Request) -> Any:
        return response.raw(request.body, headers={"x-method": request.method, "x-length": str(len(request.body))})

    @app.post("/order")
    async def order(request: Request) -> Any:
        return response.json({"got": request.json, "greeting": request.app.ctx.greeting}, status=201)

    @app.get("/stream")
    async def stream(request: Request) -> None:
        res = await request.respond(content_type="text/plain")
        for part in ("one ", "two ", "three"):
            await res.send(part)
        await res.eof()

    @app.get("/teapot")
    async def teapot(request: Request) -> Any:
        raise SanicException("short and stout", status_code=418)

    return app


# -- Lambda events, built offline ------------------------------------------------------
def _body_fields(body: bytes, binary: bool) -> dict[str, Any]:
    if binary:
        return {"body": base64.b64encode(body).decode(), "isBase64Encoded": True}
    return {"body": body.decode() if body else None, "isBase64Encoded": False}


def api_gateway_v1(method: str, path: str, body: bytes, headers: dict[str, str], binary: bool) -> dict[str, Any]:
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": "/prod" + path,
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "lambda-test"},
        },
        **_body_fields(body, binary),
    }


def http_api_v2(
    method: str, path: str, body: bytes, headers: dict[str, str], binary: bool, domain: str = "api.example.com"
) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": domain, **headers},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api-id",
            "domainName": domain,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "lambda-test",
            },
            "requestId": "id",
            "routeKey": "$default",
            "stage": "$default",
        },
        **_body_fields(body, binary),
    }


def function_url(method: str, path: str, body: bytes, headers: dict[str, str], binary: bool) -> dict[str, Any]:
    # A Function URL sends the v2 payload, from its own domain.
    return http_api_v2(method, path, body, headers, binary, domain="abcdefg.lambda-url.eu-west-1.on.aws")


def alb(method: str, path: str, body: bytes, headers: dict[str, str], binary: bool) -> dict[str, Any]:
    return {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123:targetgroup/tg/1"}},
        "httpMethod": method,
        "path": path,
        "queryStringParameters": {},
        "headers": {"host": "lb.example.com", **headers},
        **_body_fields(body, binary),
    }


EVENTS: dict[str, Callable[..., dict[str, Any]]] = {
    "apigw-v1": api_gateway_v1,
    "http-api-v2": http_api_v2,
    "function-url": function_url,
    "alb": alb,
}


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The event loop of one Lambda container: Mangum runs every invocation
    on the thread's loop, one after another."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


def invoke(handler: Any, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    result = handler(event, {})
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return result["statusCode"], {k.lower(): v for k, v in result.get("headers", {}).items()}, raw


@pytest.mark.usefixtures("loop")
@pytest.mark.parametrize("event_kind", list(EVENTS))
@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
@pytest.mark.parametrize(
    ("body", "binary"), [(JSON_BODY, False), (BINARY, True), (b"", False)], ids=["json", "binary", "empty"]
)
@pytest.mark.parametrize("declared", [False, True], ids=["no-content-length", "content-length"])
def test_mangum_passes_every_byte(event_kind: str, method: str, body: bytes, binary: bool, declared: bool) -> None:
    handler = Mangum(ASGIApp(make_app()), lifespan="off")
    headers = {"content-type": "application/octet-stream" if binary else "application/json"}
    if declared:
        headers["content-length"] = str(len(body))
    status, response_headers, echoed = invoke(handler, EVENTS[event_kind](method, "/echo", body, headers, binary))
    assert (status, response_headers["x-method"], echoed) == (200, method, body)
    assert response_headers["x-length"] == str(len(body))


def test_listeners_run_once_per_container_with_lifespan_off(loop: asyncio.AbstractEventLoop) -> None:
    events: list[str] = []
    handler = Mangum(ASGIApp(make_app(events)), lifespan="off")
    for number in range(3):
        event = http_api_v2("POST", "/order", b'{"n": %d}' % number, {"content-type": "application/json"}, False)
        status, _, body = invoke(handler, event)
        assert (status, json.loads(body)) == (201, {"got": {"n": number}, "greeting": "hello"})
    # Started lazily by the first invocation, and never stopped: Lambda
    # freezes the container between invocations and ends it without notice.
    assert events == ["before_server_start"]


def test_lifespan_auto_runs_the_listeners_around_every_invocation(loop: asyncio.AbstractEventLoop) -> None:
    events: list[str] = []
    handler = Mangum(ASGIApp(make_app(events)), lifespan="auto")
    for _ in range(2):
        status, _, _ = invoke(handler, http_api_v2("GET", "/stream", b"", {}, False))
        assert status == 200
    assert events == ["before_server_start", "after_server_stop"] * 2


# -- the same app under Mangum and under Sanic's own server ------------------------------
REQUESTS = [
    ("POST", "/order", JSON_BODY, {"content-type": "application/json"}),
    ("GET", "/stream", b"", {}),
    ("GET", "/teapot", b"", {"accept": "application/json"}),
    ("GET", "/missing", b"", {"accept": "application/json"}),
]


def _comparable(status: int, headers: Any, body: bytes) -> tuple[int, str, Any]:
    content_type = headers.get("content-type", "")
    parsed = json.loads(body) if "json" in content_type else body
    return status, content_type, parsed


# sanic-testing's own listener takes the deprecated loop argument.
@pytest.mark.filterwarnings("ignore:.*Passing the loop argument to listeners:DeprecationWarning")
@pytest.mark.parametrize(("method", "path", "body", "headers"), REQUESTS, ids=[r[1] for r in REQUESTS])
def test_mangum_answers_as_sanics_own_server(
    loop: asyncio.AbstractEventLoop, method: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    handler = Mangum(ASGIApp(make_app()), lifespan="off")
    got = _comparable(*invoke(handler, http_api_v2(method, path, body, headers, False)))

    reference_app = make_app()
    _, reference = reference_app.test_client.request(
        path, http_method=method.lower(), content=body or None, headers=headers
    )
    expected = _comparable(reference.status_code, reference.headers, reference.content)
    assert got == expected


# -- test clients with a body but no framing header ------------------------------------
# Starlette asks for httpx2 and warns about httpx; the client is the same.
@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient` is deprecated")
@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
@pytest.mark.parametrize("body", [JSON_BODY, BINARY, b""], ids=["json", "binary", "empty"])
def test_starlette_testclient_without_content_length(method: str, body: bytes) -> None:
    from starlette.testclient import TestClient

    with TestClient(ASGIApp(make_app())) as client:
        request = client.build_request(method, "/echo", content=body)
        request.headers.pop("content-length", None)
        assert "content-length" not in request.headers
        answer = client.send(request)
    assert (answer.status_code, answer.headers["x-method"], answer.content) == (200, method, body)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
@pytest.mark.parametrize("body", [JSON_BODY, BINARY, b""], ids=["json", "binary", "empty"])
async def test_httpx_asgitransport_without_content_length(method: str, body: bytes) -> None:
    transport = httpx.ASGITransport(ASGIApp(make_app()))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        request = client.build_request(method, "/echo", content=body)
        request.headers.pop("content-length", None)
        assert "content-length" not in request.headers
        answer = await client.send(request)
    assert (answer.status_code, answer.headers["x-method"], answer.content) == (200, method, body)


# -- what the docs' Lambda section says about ASGIApp's own lifespan option ---------------
@pytest.mark.usefixtures("loop")
def test_asgiapp_lifespan_on_refuses_every_invocation_under_mangum() -> None:
    # Mangum(lifespan="off") sends no lifespan events, so ASGIApp(lifespan="on")
    # never sees a startup: docs/deployment.md says to leave it at "auto".
    handler = Mangum(ASGIApp(make_app(), lifespan="on"), lifespan="off")
    status, _, _ = invoke(handler, http_api_v2("GET", "/stream", b"", {}, False))
    assert status == 503
    auto = Mangum(ASGIApp(make_app(), lifespan="auto"), lifespan="off")
    status, _, body = invoke(auto, http_api_v2("GET", "/stream", b"", {}, False))
    assert (status, body) == (200, b"one two three")
