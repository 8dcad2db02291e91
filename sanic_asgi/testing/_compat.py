"""Clients with sanic-testing's call shapes that serve the app through ``ASGIApp``.

``SanicTestClient`` and ``SanicASGITestClient`` take the arguments of the
sanic-testing classes of the same names (sanic-testing 23.x/24.x) and return
the same ``(request, response)`` tuples, so tests written against
``app.test_client`` / ``app.asgi_client`` run unchanged (see
``sanic_asgi.pytest_plugin``).  What differs is where the app runs:

* sanic-testing's ``SanicTestClient`` starts Sanic's own server with
  ``app.run(single_process=True)`` for each call; ours calls ``app.prepare()``
  with the same arguments (debug mode, access log, MOTD, server info: the part
  of ``app.run`` that configures the app) and then serves the app through
  ``ASGIApp``, in-process or on a real uvicorn/hypercorn (``server=``).
* sanic-testing's ``SanicASGITestClient`` drives Sanic's *native* ASGI mode
  and replaces ``Sanic.__call__`` on the class to do so; ours drives
  ``ASGIApp`` and patches nothing.

Each call runs a full lifespan (startup, the request, shutdown), as each call
of sanic-testing's clients starts and stops the app.  The request returned is
the ``Request`` the handler saw, gathered by a request middleware put first
(sanic-testing does the same; it is removed again after the call).

Fixed ports: a client created with ``port=N`` puts ``N`` in its URLs and Host
headers, but a real server is bound to a free port and requests are redirected
to it, so that test runs never compete for a fixed port.
"""

from __future__ import annotations

import contextlib
import inspect
import ipaddress
import logging
import os
import random
import typing
from collections.abc import Awaitable, Iterator, Mapping
from functools import partial
from json import JSONDecodeError
from typing import TYPE_CHECKING, Any, Callable, Optional

import httpx
from sanic import Sanic
from sanic.exceptions import MethodNotSupported, ServerError
from sanic.log import logger
from sanic.response import text

from .._app import ASGIApp
from .._client_loop import run_in_new_loop
from ._servers import SERVERS, Served, ServerName, free_port, serve

if TYPE_CHECKING:
    from sanic import Request
    from sanic.response import HTTPResponse

__all__ = [
    "ASGI_BASE_URL",
    "ASGI_HOST",
    "ASGI_PORT",
    "HOST",
    "PORT",
    "SanicASGITestClient",
    "SanicTestClient",
    "Tally",
    "TestingResponse",
    "WebsocketProxy",
]

ASGI_HOST = "mockserver"
ASGI_PORT = 1234
ASGI_BASE_URL = f"http://{ASGI_HOST}:{ASGI_PORT}"
HOST = "127.0.0.1"
PORT = None

_ABSOLUTE = ("http:", "https:", "ftp:", "ftps://", "//", "ws:", "wss:")


class Tally(typing.Protocol):
    """Where a client counts the requests it served through ``ASGIApp``
    (``sanic_asgi.pytest_plugin`` prints the session's count)."""

    def add(self, client: str) -> None: ...


@contextlib.contextmanager
def _no_motd() -> Iterator[None]:
    """Sanic prints its banner ("Goin' Fast @ http://host:port") from
    ``app.prepare()`` unless ``SANIC_MOTD_OUTPUT`` says it was printed
    already; in-process there is no server at that address to announce."""
    previous = os.environ.get("SANIC_MOTD_OUTPUT")
    os.environ["SANIC_MOTD_OUTPUT"] = "true"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SANIC_MOTD_OUTPUT"]
        else:
            os.environ["SANIC_MOTD_OUTPUT"] = previous


class TestingResponse(httpx.Response):
    """``httpx.Response`` with sanic-testing's extra properties."""

    __test__ = False

    @property
    def status(self) -> int:
        return self.status_code

    @property
    def body(self) -> bytes:
        return self.content

    @property
    def content_type(self) -> str | None:
        value: str | None = self.headers.get("content-type")
        return value

    @property
    def json(self) -> Any:
        cached = getattr(self, "_json", None)
        if cached:
            return cached
        try:
            cached = super().json()
        except (JSONDecodeError, UnicodeDecodeError):
            cached = None
        self._json = cached
        return cached


class WebsocketProxy:
    """What a websocket call returns: the client connection and, with
    ``mimic``, the messages each side sent."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.opened = True
        self.client_received: list[Any] = []
        self.client_sent: list[Any] = []

    @property
    def server_received(self) -> list[Any]:
        return self.client_sent

    @property
    def server_sent(self) -> list[Any]:
        return self.client_received

    def __getitem__(self, key: str) -> Any:
        # sanic-testing's ASGI client returns {"opened": True}.
        if key == "opened":
            return self.opened
        raise KeyError(key)


class _RecordingWebSocket:
    """The connection handed to ``mimic``: records what is sent and received."""

    def __init__(self, ws: Any, proxy: WebsocketProxy) -> None:
        self._ws = ws
        self._proxy = proxy

    async def send(self, data: Any) -> None:
        self._proxy.client_sent.append(data)
        await self._ws.send(data)

    async def recv(self, *args: Any, **kwargs: Any) -> Any:
        message = await self._ws.recv(*args, **kwargs)
        self._proxy.client_received.append(message)
        return message

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)


async def websocket_proxy(served: Served, url: str, *args: Any, **kwargs: Any) -> WebsocketProxy:
    """sanic-testing's ``websocket_proxy`` against ``served``."""
    from websockets.exceptions import ConnectionClosedOK

    mimic = kwargs.pop("mimic", None)
    async with served.websocket_connect(url, *args, **kwargs) as websocket:
        ws_proxy = WebsocketProxy(websocket)
        if mimic:
            recording = _RecordingWebSocket(websocket, ws_proxy)
            try:
                await mimic(recording)
            except ConnectionClosedOK:
                pass
            else:
                await recording.send("")
    return ws_proxy


async def send_with(
    session: httpx.AsyncClient, method: str, url: str, args: tuple[Any, ...], kwargs: dict[str, Any], raw_cookies: Any
) -> TestingResponse | None:
    """Send one request of sanic-testing's call shapes (``method`` is an httpx
    method name, or ``"request"`` with ``http_method=``) and answer as its
    clients do: an error's response if it has one, else ``None`` (logged)."""
    try:
        if method == "request":
            args = (url, *args)
            url = kwargs.pop("http_method", "GET").upper()
        response = await getattr(session, method.lower())(url, *args, **kwargs)
    except httpx.HTTPError as e:
        if hasattr(e, "response"):
            response = e.response
        else:
            logger.error(f"{method.upper()} {url} received no response!", exc_info=True)
            return None
    response.__class__ = TestingResponse
    if raw_cookies:
        response.raw_cookies = {cookie.name: cookie for cookie in response.cookies.jar}
    return response  # type: ignore[no-any-return]


class CallShapes:
    """sanic-testing's sync call shapes: ``request, response = client.get(...)``."""

    def _sanic_endpoint_test(self, method: str, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        raise NotImplementedError

    def request(self, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        return self._sanic_endpoint_test("request", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        return self._sanic_endpoint_test("get", *args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        return self._sanic_endpoint_test("post", *args, **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        return self._sanic_endpoint_test("put", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        return self._sanic_endpoint_test("delete", *args, **kwargs)

    def patch(self, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        return self._sanic_endpoint_test("patch", *args, **kwargs)

    def options(self, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        return self._sanic_endpoint_test("options", *args, **kwargs)

    def head(self, *args: Any, **kwargs: Any) -> tuple[Optional[Request], Any]:
        return self._sanic_endpoint_test("head", *args, **kwargs)

    def websocket(
        self,
        *args: Any,
        mimic: Optional[Callable[..., Awaitable[Any]]] = None,
        **kwargs: Any,
    ) -> tuple[Optional[Request], Any]:
        kwargs["mimic"] = mimic
        return self._sanic_endpoint_test("websocket", *args, **kwargs)


class _Redirect(httpx.AsyncBaseTransport):
    """Send requests for ``virtual`` (host, port) to ``actual``, keeping the
    Host header: a port forward, so URLs may name a port nobody listens on."""

    def __init__(self, inner: httpx.AsyncBaseTransport, virtual: tuple[str, int], actual: tuple[str, int]) -> None:
        self.inner = inner
        self.virtual = virtual
        self.actual = actual

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if (request.url.host, request.url.port) == self.virtual:
            # A copy: the client keeps the original (cookies are stored for its URL).
            request = httpx.Request(
                request.method,
                request.url.copy_with(host=self.actual[0], port=self.actual[1]),
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _transport_for(served: Served, virtual: tuple[str, int]) -> httpx.AsyncBaseTransport:
    transport = served.http_transport()
    if served.server != "inprocess" and virtual != (served.host, served.port):
        transport = _Redirect(transport, virtual, (served.host, served.port))
    return transport


def _ws_url_for(served: Served, url: str, virtual: tuple[str, int]) -> str:
    target = httpx.URL(url)
    if served.server != "inprocess" and (target.host, target.port) == virtual:
        target = target.copy_with(host=served.host, port=served.port)
    return str(target)


def _check_server(server: str) -> ServerName:
    if server not in SERVERS:
        raise ValueError(f"server must be one of {', '.join(SERVERS)}; got {server!r}")
    return server


def _client_address(host: str) -> tuple[str, int]:
    """The peer address of a client connecting to ``host``."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = ipaddress.ip_address("127.0.0.1")
    return str(ip), random.randint(49152, 65535)


class SanicTestClient(CallShapes):
    """sanic-testing's ``SanicTestClient``, serving through ``ASGIApp``.

    Usage::

        client = SanicTestClient(app)                 # in-process
        client = SanicTestClient(app, server="uvicorn")
        request, response = client.get("/", params={"q": 1})
        assert response.status == 200 and response.json == {...}
        _, ws = client.websocket("/feed", mimic=talk)   # talk(ws) is a coroutine

    Arguments:

    * ``app`` - the Sanic app.
    * ``port`` / ``host`` - the address in the URLs; ``port=None`` picks a free port.
    * ``server`` - ``"inprocess"`` (default), ``"uvicorn"`` or ``"hypercorn"``.
    * ``asgi_options`` - keyword arguments to ``ASGIApp`` (``sync_handlers``...).

    Each method takes sanic-testing's keyword arguments: ``gather_request``,
    ``debug``, ``server_kwargs`` (passed to ``app.prepare``), ``host``,
    ``allow_none``; the rest go to httpx (or, for ``websocket``, to the
    websocket client: ``subprotocols``, ``mimic``...).
    """

    __test__ = False
    server: ServerName = "inprocess"
    asgi_options: Mapping[str, Any] = {}
    tally: Tally | None = None

    def __init__(
        self,
        app: Sanic[Any, Any],
        port: Optional[int] = PORT,
        host: str = HOST,
        *,
        server: str | None = None,
        asgi_options: Mapping[str, Any] | None = None,
    ) -> None:
        Sanic.test_mode = True
        self.app = app
        self.port = port
        self.host = host
        if server is not None:
            self.server = _check_server(server)
        if asgi_options is not None:
            self.asgi_options = dict(asgi_options)
        self._asgi: ASGIApp | None = None
        self._served: Served | None = None
        self._virtual: tuple[str, int] = (host, port or 0)
        # A port we picked ourselves can be bound; one the caller fixed is
        # only named in URLs (see the module docstring).
        self._bind_port = False

    @property
    def asgi(self) -> ASGIApp:
        if self._asgi is None:
            self._asgi = ASGIApp(self.app, **self.asgi_options)
        return self._asgi

    @classmethod
    def _start_test_mode(cls, sanic: Any, *args: Any, **kwargs: Any) -> None:
        Sanic.test_mode = True

    @classmethod
    def _end_test_mode(cls, sanic: Any, *args: Any, **kwargs: Any) -> None:
        Sanic.test_mode = False

    def get_new_session(self, **kwargs: Any) -> httpx.AsyncClient:
        assert self._served is not None, "get_new_session() is used while a request is being served"
        return httpx.AsyncClient(transport=_transport_for(self._served, self._virtual), **kwargs)

    async def _local_request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        logger.info(url)
        raw_cookies = kwargs.pop("raw_cookies", None)
        session_kwargs = kwargs.pop("session_kwargs", {})
        if self.tally is not None:
            self.tally.add("SanicTestClient")
        if method != "websocket":
            kwargs["follow_redirects"] = True
            allow_redirects = kwargs.pop("allow_redirects", None)
            if allow_redirects is not None:
                kwargs["follow_redirects"] = allow_redirects

        if method == "websocket":
            assert self._served is not None
            return await websocket_proxy(self._served, _ws_url_for(self._served, url, self._virtual), *args, **kwargs)
        async with self.get_new_session(**session_kwargs) as session:
            return await send_with(session, method, url, args, kwargs, raw_cookies)

    @classmethod
    def _collect_request(cls, results: list[Any], request: Request) -> None:
        if results[0] is None:
            results[0] = request

    async def _error_handler(self, request: Request, exception: Any) -> HTTPResponse:
        if request.method in ["HEAD", "PATCH", "PUT", "DELETE"]:
            return text("", exception.status_code, headers=exception.headers)
        return self.app.error_handler.default(request, exception)

    def _sanic_endpoint_test(
        self,
        method: str = "get",
        uri: str = "/",
        gather_request: bool = True,
        debug: bool = False,
        server_kwargs: Optional[dict[str, Any]] = None,
        host: Optional[str] = None,
        allow_none: bool = False,
        *request_args: Any,
        **request_kwargs: Any,
    ) -> tuple[Optional[Request], Any]:
        results: list[Any] = [None, None]
        exceptions: list[Exception] = []
        server_kwargs = server_kwargs or {"auto_reload": False}
        collect = partial(self._collect_request, results)

        self.app.router.reset()
        self.app.signal_router.reset()
        if gather_request:
            self.app.request_middleware.appendleft(collect)  # type: ignore[arg-type]
        with contextlib.suppress(ServerError):
            self.app.exception(MethodNotSupported)(self._error_handler)

        host = host or self.host
        if not self.port:
            self.port = free_port(host) if self.server != "inprocess" else _unused_port(host)
            self._bind_port = True
        port = self.port
        url_host = f"[{host}]" if ":" in host else host
        self._virtual = (host, port)

        if uri.startswith(_ABSOLUTE):
            url = uri
        else:
            uri = uri if uri.startswith("/") else f"/{uri}"
            scheme = "ws" if method == "websocket" else "http"
            url = f"{scheme}://{url_host}:{port}{uri}"
        # Tests build URLs with PORT = None: the port is only known now.
        url = url.replace(":None/", f":{port}/")

        try:
            if hasattr(self.app, "prepare"):
                # single_process= is 22.9+; 22.3 - 22.6's prepare() sets up one worker anyway.
                single: dict[str, Any] = (
                    {"single_process": True} if "single_process" in _parameters(self.app.prepare) else {}
                )
                with _no_motd() if self.server == "inprocess" else contextlib.nullcontext():
                    self.app.prepare(debug=debug, host=host, port=port, **single, **server_kwargs)
            else:  # Sanic 21.12: no prepare(); what app.run() sets on the app
                _configure_sanic21(self.app, debug, host, port, server_kwargs)
            if hasattr(self.app, "setup_loop"):
                # The loop policy app.run() sets up (22.12+): uvloop's, as
                # USE_UVLOOP says.  Test code sees it after the call (the
                # policy outlives the run, as after Sanic's own client).
                self.app.setup_loop()
            run_in_new_loop(
                partial(self._serve_and_request, method, url, host, port, results, exceptions, request_kwargs)
            )
        finally:
            server_info = getattr(getattr(self.app, "state", None), "server_info", None)  # 22.12+
            if server_info is not None:
                server_info.clear()
            self.app.router.reset()
            self.app.signal_router.reset()
            if gather_request:
                with contextlib.suppress(ValueError):
                    self.app.request_middleware.remove(collect)  # type: ignore[arg-type]

        if exceptions:
            raise ValueError(f"Exception during request: {exceptions}")

        if gather_request:
            request, response = results
            if response is None and not allow_none:
                raise ValueError("No response returned to Sanic Test Client.")
            return request, response
        if results[-1] is None and not allow_none:
            raise ValueError("No response returned to Sanic Test Client.")
        return None, results[-1]

    async def _serve_and_request(
        self,
        method: str,
        url: str,
        host: str,
        port: int,
        results: list[Any],
        exceptions: list[Exception],
        request_kwargs: dict[str, Any],
    ) -> None:
        bind_port = port if self._bind_port else 0
        async with serve(
            self.asgi,
            self.server,
            host=host,
            port=bind_port,
            client=_client_address(host),
            graceful_shutdown_timeout=self.app.config.GRACEFUL_SHUTDOWN_TIMEOUT,
        ) as served:
            self._served = served
            try:
                response = await self._local_request(method, url, **request_kwargs)
                results[-1] = response
                if method == "websocket":
                    await response.ws.close()
            except Exception as e:
                logger.exception("Exception")
                exceptions.append(e)
            finally:
                self._served = None


def _configure_sanic21(app: Any, debug: bool, host: str, port: int, server_kwargs: dict[str, Any]) -> None:
    """The part of Sanic 21.12's ``app.run()`` that configures the app (it has no ``prepare``;
    21.3 - 21.9 have no ``app.state`` either)."""
    for attribute, key in (("ACCESS_LOG", "access_log"), ("MOTD", "motd"), ("NOISY_EXCEPTIONS", "noisy_exceptions")):
        if server_kwargs.get(key) is not None:
            setattr(app.config, attribute, server_kwargs[key])
    app.debug = debug
    if hasattr(app, "state"):
        app.state.host, app.state.port = host, port
    else:
        # 21.3 - 21.9's app._helper: the error handler keeps its own debug flag (the
        # debug error pages read it), and debug=True lowers Sanic's logger to DEBUG.
        app.error_handler.debug = debug
        if app.configure_logging and debug:
            logger.setLevel(logging.DEBUG)


def _parameters(function: Callable[..., Any]) -> Mapping[str, inspect.Parameter]:
    return inspect.signature(function).parameters


def _unused_port(host: str) -> int:
    """A port number for URLs of in-process runs (nothing is bound)."""
    try:
        return free_port(host)
    except OSError:
        return random.randint(49152, 65535)


class _SwitchTransport(httpx.AsyncBaseTransport):
    """The transport of a client whose server changes from request to request."""

    target: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.target is None:
            raise RuntimeError("SanicASGITestClient: requests go through request()/get()/post()...")
        return await self.target.handle_async_request(request)


class SanicASGITestClient(httpx.AsyncClient):
    """sanic-testing's ``SanicASGITestClient``, serving through ``ASGIApp``.

    Usage::

        client = SanicASGITestClient(app)        # or server="uvicorn"
        request, response = await client.get("/")
        _, ws = await client.websocket("/feed", mimic=talk)

    Every request starts the app (lifespan startup), is served, and stops it
    again, as sanic-testing's ASGI client runs the server listeners around
    each request.  URLs name ``http://mockserver:1234``; with a real server
    the requests are redirected to it and keep that Host header.
    """

    __test__ = False
    server: ServerName = "inprocess"
    asgi_options: Mapping[str, Any] = {}
    tally: Tally | None = None

    def __init__(
        self,
        app: Sanic[Any, Any],
        base_url: str = ASGI_BASE_URL,
        suppress_exceptions: bool = False,
        *,
        server: str | None = None,
        asgi_options: Mapping[str, Any] | None = None,
    ) -> None:
        Sanic.test_mode = True
        # As sanic-testing's client: the app counts as an ASGI app from now on
        # (request.scope stays readable after the request).
        app.asgi = True
        self.sanic_app = app
        if server is not None:
            self.server = _check_server(server)
        if asgi_options is not None:
            self.asgi_options = dict(asgi_options)
        self.suppress_exceptions = suppress_exceptions
        self._switch = _SwitchTransport()
        self._asgi: ASGIApp | None = None
        super().__init__(transport=self._switch, base_url=base_url)
        self.gather_request = True
        self.last_request: Request | None = None

    @property
    def asgi(self) -> ASGIApp:
        if self._asgi is None:
            self._asgi = ASGIApp(self.sanic_app, **self.asgi_options)
        return self._asgi

    def _collect_request(self, request: Request) -> None:
        self.last_request = request if self.gather_request else None

    @classmethod
    def _start_test_mode(cls, sanic: Any, *args: Any, **kwargs: Any) -> None:
        Sanic.test_mode = True

    @classmethod
    def _end_test_mode(cls, sanic: Any, *args: Any, **kwargs: Any) -> None:
        Sanic.test_mode = False

    def _prepare(self) -> None:
        self.sanic_app.router.reset()
        self.sanic_app.signal_router.reset()
        if self._collect_request not in self.sanic_app.request_middleware:
            self.sanic_app.request_middleware.appendleft(self._collect_request)  # type: ignore[arg-type]

    @contextlib.asynccontextmanager
    async def _serving(self) -> typing.AsyncIterator[Served]:
        async with serve(
            self.asgi,
            self.server,
            client=(ASGI_HOST, ASGI_PORT),
            graceful_shutdown_timeout=self.sanic_app.config.GRACEFUL_SHUTDOWN_TIMEOUT,
        ) as served:
            yield served

    async def request(  # type: ignore[override]
        self, method: str, url: Any, gather_request: bool = True, *args: Any, **kwargs: Any
    ) -> tuple[Optional[Request], Any]:
        self._prepare()
        if not str(url).startswith(_ABSOLUTE):
            url = url if url.startswith("/") else f"/{url}"
            scheme = "ws" if method == "websocket" else "http"
            url = f"{scheme}://{ASGI_HOST}:{ASGI_PORT}{url}"
        self.gather_request = gather_request
        self.last_request = None
        if self.tally is not None:
            self.tally.add("SanicASGITestClient")
        async with self._serving() as served:
            transport = self._switch.target = _transport_for(served, (ASGI_HOST, ASGI_PORT))
            try:
                response = await super().request(method, url, *args, **kwargs)
            finally:
                self._switch.target = None
                # Close the connection before the server stops: a server
                # waits for open keep-alive connections when shutting down.
                await transport.aclose()
        response.__class__ = TestingResponse
        if gather_request:
            return self.last_request, response
        return None, response

    async def websocket(
        self,
        uri: str,
        subprotocols: Any = None,
        *args: Any,
        mimic: Optional[Callable[..., Awaitable[Any]]] = None,
        **kwargs: Any,
    ) -> tuple[None, WebsocketProxy]:
        self._prepare()
        url = uri if uri.startswith(_ABSOLUTE) else f"ws://{ASGI_HOST}:{ASGI_PORT}{uri}"
        if self.tally is not None:
            self.tally.add("SanicASGITestClient")
        async with self._serving() as served:
            proxy = await websocket_proxy(
                served,
                _ws_url_for(served, url, (ASGI_HOST, ASGI_PORT)),
                subprotocols,
                *args,
                mimic=mimic,
                **kwargs,
            )
        return None, proxy

    def __getstate__(self) -> dict[str, Any]:
        # Cookies cannot be pickled (they hold a lock); neither can the app
        # runtime, which is rebuilt on first use.
        state = dict(self.__dict__)
        state.pop("_cookies", None)
        state["_asgi"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.pop("_cookies", None)
        self.__dict__.update(state)
        self._cookies = httpx.Cookies()
