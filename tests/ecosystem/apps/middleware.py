"""A Sanic app behind the ASGI middleware of Starlette, uvicorn and OpenTelemetry.

* ``option``  - ``ASGIApp(app, middleware=STACK)``
* ``wrapped`` - the same middleware wrapped around ``ASGIApp(app)`` by hand

The stack, outermost first, is a typical deployment behind a TLS-terminating
proxy: ProxyHeaders (trust 127.0.0.1) -> HTTPSRedirect -> TrustedHost ->
CORS -> OpenTelemetry -> Session -> GZip -> ``TraceOrder`` (a plain callable
entry that records when it sees the request and the response start).  Tests
send ``X-Forwarded-Proto: https`` unless they test the redirect.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sanic import Request, Sanic, Websocket, response
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from sanic_asgi import ASGIApp
from tests.ecosystem.apps.common import add_event_routes, record, record_scope

EXPORTER = InMemorySpanExporter()
PROVIDER = TracerProvider()
PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))
FRONTEND = "https://front.example"


class TraceOrder:
    """A plain ASGI middleware (``app -> app`` entry) that records its turn."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record_scope(scope, "asgi-in")

        async def traced_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                record_scope(scope, "asgi-out")
            await send(message)

        await self.app(scope, receive, traced_send)


def stack() -> list[Any]:
    return [
        Middleware(ProxyHeadersMiddleware, trusted_hosts="127.0.0.1"),
        Middleware(HTTPSRedirectMiddleware),
        Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"]),
        Middleware(
            CORSMiddleware,
            allow_origins=[FRONTEND],
            allow_methods=["GET", "POST"],
            allow_headers=["x-key"],
            allow_credentials=True,
        ),
        Middleware(OpenTelemetryMiddleware, tracer_provider=PROVIDER),
        Middleware(SessionMiddleware, secret_key="not-a-secret"),
        Middleware(GZipMiddleware, minimum_size=200),
        TraceOrder,
    ]


def build(name: str) -> Sanic[Any, Any]:
    app: Sanic[Any, Any] = Sanic(name)
    app.config.ACCESS_LOG = False
    add_event_routes(app)

    @app.on_request
    async def sanic_request(request: Request) -> None:
        record(request, "sanic-request")

    @app.on_response
    async def sanic_response(request: Request, resp: Any) -> None:
        record(request, "sanic-response")
        resp.headers["x-sanic-response-middleware"] = "ran"

    @app.get("/hello")
    async def hello(request: Request) -> Any:
        record(request, "handler")
        return response.text("hello")

    @app.get("/big")
    async def big(request: Request) -> Any:
        return response.text("sanic " * 500)

    @app.get("/session/set/<value>")
    async def session_set(request: Request, value: str) -> Any:
        request.scope["session"]["value"] = value
        return response.text("set")

    @app.get("/session/get")
    async def session_get(request: Request) -> Any:
        return response.json(dict(request.scope["session"]))

    @app.get("/whoami")
    async def whoami(request: Request) -> Any:
        return response.json({"ip": request.ip, "scheme": request.scheme, "client": request.scope.get("client")})

    @app.get("/spans")
    async def spans(request: Request) -> Any:
        return response.json(
            [
                {"name": span.name, "kind": span.kind.name, "attributes": dict(span.attributes or {})}
                for span in EXPORTER.get_finished_spans()
            ]
        )

    @app.websocket("/ws")
    async def echo(request: Request, ws: Websocket) -> None:
        session = request.scope.get("session")
        await ws.send(f"session:{sorted(session) if session is not None else None}")
        async for message in ws:
            await ws.send(message)

    return app


def _wrap(app: Any) -> Any:
    for entry in reversed(stack()):
        if isinstance(entry, Middleware):
            cls, args, kwargs = entry
            app = cls(app, *args, **kwargs)
        else:
            app = entry(app)
    return app


option = ASGIApp(build("mw_option"), middleware=stack())
wrapped = _wrap(ASGIApp(build("mw_wrapped")))
