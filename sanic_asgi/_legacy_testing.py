"""Test clients for Sanic 19.3 - 20.12, whose test clients live in ``sanic.testing``.

``sanic_asgi.testing`` needs a current httpx (transports, ``ASGITransport``);
Sanic 19.12 and 20.12 pin httpx 0.9 / 0.15, and ``import sanic`` imports
``sanic.testing``, which needs that httpx; Sanic 19.3's client sends with
aiohttp (<= 3.2.1) and has no ASGI client.  So for these releases the
``sanic_asgi.pytest_plugin`` builds its clients here, from Sanic's own
classes, with whatever client library the release installed:

* ``SanicTestClient`` subclasses ``sanic.testing.SanicTestClient`` and
  replaces only ``app.run()``: the app is served through ``ASGIApp`` on a real
  uvicorn or hypercorn bound to the same host and port, and the request goes
  out through Sanic's own ``_local_request`` (its httpx or aiohttp session,
  or ``websockets.connect``), so responses look exactly as on Sanic's server.
* ``SanicASGITestClient`` replaces Sanic's native-ASGI client, which sets
  ``Sanic.__call__`` on the class; ours serves through ``ASGIApp`` on the real
  server and sends the request with the Host header of Sanic's client
  (``mockserver`` / ``mockserver:1234``), so ``request.url`` is the same.

Only real servers: ``inprocess`` would need the release's httpx to talk ASGI
(0.9 has no transport API of its own that ``ASGIApp`` could stand behind).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import socket
from collections.abc import AsyncIterator
from functools import partial
from typing import Any, Callable

from ._app import ASGIApp
from ._client_loop import run_in_new_loop

__all__ = ["legacy_clients", "listening_socket", "serve_on", "uvicorn_ws"]

log = logging.getLogger("sanic_asgi.testing")

_ABSOLUTE = ("http:", "https:", "ftp:", "ftps://", "//", "ws:", "wss:")


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening, non-blocking socket on (host, port), for a server to adopt
    (also used by ``sanic_asgi.testing``'s servers)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(100)
    sock.setblocking(False)
    return sock


class _LifespanWatch:
    """Pass-through ASGI app that notes the lifespan answers of ``app``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.started = asyncio.Event()
        self.failed: str | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def watch_send(message: Any) -> None:
            if message["type"].endswith(".failed"):
                self.failed = message.get("message", "")
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                self.started.set()

        await self.app(scope, receive, watch_send)


@contextlib.asynccontextmanager
async def serve_on(app: Any, server: str, sock: socket.socket) -> AsyncIterator[None]:
    """Serve the ASGI ``app`` on ``server`` (uvicorn or hypercorn) over the
    listening ``sock`` in the running loop, lifespan on, for the ``async with``."""
    watch = _LifespanWatch(app)
    if server == "uvicorn":
        import uvicorn

        config = uvicorn.Config(
            watch,
            lifespan="on",
            ws=uvicorn_ws(),
            log_config=None,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
        )
        config.load()
        uv = uvicorn.Server(config)
        uv.lifespan = config.lifespan_class(config)
        try:
            await uv.startup(sockets=[sock])
        except SystemExit:  # uvicorn exits when lifespan startup fails
            raise RuntimeError(f"lifespan startup failed: {watch.failed}") from None
        try:
            yield
        finally:
            uv.should_exit = True
            await uv.shutdown(sockets=[sock])
        return
    if server != "hypercorn":
        raise ValueError(f"Sanic < 21 test clients serve on uvicorn or hypercorn; got {server!r}")
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    config_h = Config()
    config_h.bind = [f"fd://{sock.detach()}"]
    config_h.accesslog = None
    config_h.errorlog = logging.getLogger("hypercorn.error")
    config_h.include_server_header = False
    if hasattr(config_h, "include_date_header"):
        config_h.include_date_header = False
    shutdown = asyncio.Event()
    task = asyncio.ensure_future(hypercorn_serve(watch, config_h, shutdown_trigger=shutdown.wait))
    started = asyncio.ensure_future(watch.started.wait())
    await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    if not watch.started.is_set():
        task.result()
        raise RuntimeError(f"lifespan startup failed: {watch.failed}")
    try:
        yield
    finally:
        shutdown.set()
        await task


def uvicorn_ws() -> str:
    """The ``ws`` option for uvicorn: its websockets protocols need a recent
    websockets (``websockets.asyncio``, 13+); Sanic 19.12 - 22.12 pin older
    ones, so uvicorn speaks websocket through wsproto there."""
    import importlib.util

    if importlib.util.find_spec("websockets.asyncio") is None and importlib.util.find_spec("wsproto") is not None:
        return "wsproto"
    return "auto"


def _configure(app: Any, debug: bool, server_kwargs: dict[str, Any]) -> None:
    """The part of ``app.run()`` (``app._helper``) that configures the app."""
    app.debug = debug
    if hasattr(app.error_handler, "debug"):
        app.error_handler.debug = debug
    access_log = server_kwargs.get("access_log")
    if access_log is not None:
        app.config.ACCESS_LOG = access_log
    if app.configure_logging and debug:
        from sanic.log import logger

        logger.setLevel(logging.DEBUG)


def legacy_clients(
    original_test_client: type,
    original_asgi_client: type | None,
    server: str,
    *,
    asgi_options: dict[str, Any] | None = None,
    count: Callable[[str], None] | None = None,
) -> tuple[type, type | None]:
    """Subclasses of Sanic's ``sanic.testing`` clients that serve through
    ``ASGIApp(app, **asgi_options)`` on ``server``; ``count`` is called with
    the client's name for each request.  Without an ``original_asgi_client``
    (Sanic 19.3 has none) the second class is None."""
    from sanic.exceptions import MethodNotSupported
    from sanic.log import logger
    from sanic.response import text

    if server not in ("uvicorn", "hypercorn"):
        raise ValueError(f"with Sanic < 21, --sanic-asgi serves on uvicorn or hypercorn only; got {server!r}")
    # sanic-testing's clients (Sanic 21.3 - 21.6 with an httpx < 0.20) answer (None, response)
    # without gather_request, take allow_none=, and stop test mode on before_server_stop.
    sanic_testing = original_test_client.__module__.startswith("sanic_testing")
    stop_event = "before_server_stop" if sanic_testing else "before_server_end"
    default_host = str(getattr(importlib.import_module(original_test_client.__module__), "HOST", "127.0.0.1"))
    options = dict(asgi_options or {})

    def counted(client: str) -> None:
        if count is not None:
            count(client)

    class SanicTestClient(original_test_client):  # type: ignore[misc]
        __doc__ = f"Sanic's ``sanic.testing.SanicTestClient``, serving through ``ASGIApp`` on {server}."
        __test__ = False
        port: int | None  # set by Sanic's __init__ (None: a free port)

        def _sanic_endpoint_test(
            self,
            method: str = "get",
            uri: str = "/",
            gather_request: bool = True,
            debug: bool = False,
            server_kwargs: dict[str, Any] | None = None,
            host: str | None = None,
            *request_args: Any,
            **request_kwargs: Any,
        ) -> Any:
            # What Sanic's own method does, with app.run() replaced.
            allow_none = bool(request_kwargs.pop("allow_none", False)) if sanic_testing else True
            if sanic_testing:
                _refinalize(self.app)
            results: list[Any] = [None, None]
            exceptions: list[Exception] = []
            app = self.app
            server_kwargs = dict(server_kwargs or {"auto_reload": False})

            def _collect_request(request: Any) -> None:
                if results[0] is None:
                    results[0] = request

            if gather_request:
                app.request_middleware.appendleft(_collect_request)

            async def error_handler(request: Any, exception: Any) -> Any:
                if request.method in ["HEAD", "PATCH", "PUT", "DELETE"]:
                    return text("", exception.status_code, headers=exception.headers)
                return app.error_handler.default(request, exception)

            app.exception(MethodNotSupported)(error_handler)

            # (Sanic 19.3's client has no host attribute: its module's HOST)
            host = host or server_kwargs.pop("host", None) or getattr(self, "host", None) or default_host
            sock = server_kwargs.pop("sock", None)
            if sock is None:
                sock = listening_socket(host, self.port or 0)
            else:
                sock.listen(100)
                sock.setblocking(False)
            address: tuple[str, int] = sock.getsockname()[:2]
            host, port = address
            if not self.port:
                self.port = port
            if uri.startswith(_ABSOLUTE):
                url = uri
            else:
                uri = uri if uri.startswith("/") else f"/{uri}"
                scheme = "ws" if method == "websocket" else "http"
                url_host = f"[{host}]" if ":" in host else host
                url = f"{scheme}://{url_host}:{port}{uri}"
            url = url.replace(":None/", f":{port}/")

            async def serve_and_request() -> None:
                async with serve_on(ASGIApp(app, **options), server, sock):
                    counted("SanicTestClient")
                    try:
                        results[-1] = await self._local_request(method, url, *request_args, **request_kwargs)
                    except Exception as e:
                        logger.exception("Exception")
                        exceptions.append(e)

            _configure(app, debug, server_kwargs)
            app.is_running = True
            try:
                run_in_new_loop(serve_and_request)
            finally:
                app.is_running = False
                sock.close()
                if gather_request:
                    with contextlib.suppress(ValueError):
                        app.request_middleware.remove(_collect_request)

            if exceptions:
                raise ValueError(f"Exception during request: {exceptions}")
            if gather_request:
                request, response = results
                if response is None and not allow_none:
                    raise ValueError("No response returned to Sanic Test Client.")
                return request, response
            if results[-1] is None and not allow_none:
                raise ValueError("No response returned to Sanic Test Client.")
            return (None, results[-1]) if sanic_testing else results[-1]

    if original_asgi_client is None:
        return SanicTestClient, None
    import httpx

    # httpx 0.9: Client is the async client; 0.15: AsyncClient.
    async_client: Any = getattr(httpx, "AsyncClient", None) or httpx.Client
    asgi_host = _asgi_host(original_asgi_client.__module__)

    class SanicASGITestClient:
        __doc__ = f"Sanic's ``sanic.testing.SanicASGITestClient`` calls, serving through ``ASGIApp`` on {server}."
        __test__ = False

        def __init__(self, app: Any, base_url: str = f"http://{asgi_host}", suppress_exceptions: bool = False) -> None:
            app.asgi = True
            self.app = app
            self.base_url = base_url
            self.last_request: Any = None
            self.gather_request = True

            def _collect_request(request: Any) -> None:
                self.last_request = request

            for event, value in (("after_server_start", True), (stop_event, False)):
                app.listener(event)(partial(_set_test_mode, value=value))
            app.request_middleware.appendleft(_collect_request)

        async def request(self, method: str, url: str, gather_request: bool = True, *args: Any, **kwargs: Any) -> Any:
            self.gather_request = gather_request
            if sanic_testing:
                _refinalize(self.app)
            sock = listening_socket("127.0.0.1", 0)
            port = sock.getsockname()[1]
            if not url.startswith(_ABSOLUTE):
                url = url if url.startswith("/") else f"/{url}"
            else:
                url = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("host", asgi_host)
            try:
                counted("SanicASGITestClient")
                async with serve_on(ASGIApp(self.app, **options), server, sock), async_client() as session:
                    response = await session.request(
                        method.upper(), f"http://127.0.0.1:{port}{url}", *args, headers=headers, **kwargs
                    )
                    await (response.aread() if hasattr(response, "aread") else response.read())
            finally:
                sock.close()
            if sanic_testing:
                # sanic-testing's ASGI client answers its TestingResponse (status, body, json...).
                response.__class__ = importlib.import_module(original_asgi_client.__module__).TestingResponse
                return (self.last_request if gather_request else None), response
            response.status = response.status_code
            response.body = response.content
            response.content_type = response.headers.get("content-type")
            return self.last_request, response

        async def websocket(self, uri: str, subprotocols: Any = None, *args: Any, **kwargs: Any) -> Any:
            import websockets

            if sanic_testing:
                _refinalize(self.app)
            sock = listening_socket("127.0.0.1", 0)
            port = sock.getsockname()[1]
            # (no Host of Sanic's client here: the websockets client sends its own)
            headers = dict(kwargs.pop("headers", None) or {})
            try:
                ws_url = f"ws://127.0.0.1:{port}{uri}"
                counted("SanicASGITestClient")
                async with (
                    serve_on(ASGIApp(self.app, **options), server, sock),
                    websockets.connect(ws_url, subprotocols=subprotocols, extra_headers=headers),
                ):
                    pass
            finally:
                sock.close()
            return None, {}

        def __getattr__(self, name: str) -> Any:
            method = name.upper()
            if method not in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"):
                raise AttributeError(name)
            return partial(self.request, method)

    return SanicTestClient, SanicASGITestClient


def _refinalize(app: Any) -> None:
    """What sanic-testing's clients (0.3 - 0.7) do before each request: a router
    finalized afresh (a test may have finalized it without compiling)."""
    with contextlib.suppress(AttributeError):
        app.router.reset()
        app.router.finalize()


def _set_test_mode(app: Any, *args: Any, value: bool) -> None:
    app.test_mode = value


def _asgi_host(module: str) -> str:
    """The Host header of Sanic's ASGI test client (19.12: no port), from the
    module that defines it (``sanic.testing``, or ``sanic_testing.testing``)."""
    import importlib

    testing = importlib.import_module(module)
    port = getattr(testing, "ASGI_PORT", None)
    return f"{testing.ASGI_HOST}:{port}" if port else str(testing.ASGI_HOST)
