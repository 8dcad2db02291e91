"""Fixtures of the realtime suite: real servers, real clients, both implementations.

A test that takes ``served`` runs once per server kind (``tests._servers.KINDS``:
uvicorn with wsproto and with websockets, hypercorn over h11 and over TLS/h2,
granian, daphne) and once per implementation:

* ``ours``   - ``sanic_asgi.ASGIApp(app)``
* ``native`` - the Sanic app itself, in Sanic's own ASGI mode

``kind`` and ``impl`` are session-scoped, so pytest starts each (server,
implementation) process once for the whole suite.  Daphne sends no lifespan
events, and native ASGI never starts an app without them (every request is a
500; the conformance suite has that gap), so native runs are skipped there.

``@pytest.mark.native_gap("what native ASGI gets wrong", servers=(...))`` marks
the native runs of a test (on the given server kinds only, if ``servers`` is
set) as a strict xfail (``tests/conftest.py``, for every suite).

``spawn`` starts processes of a test's own (a shutdown to watch, another app
variant) through ``tests/conftest.py``'s ``launch``; they are stopped by PID at
the end of the test.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests._servers import HOST, KINDS, Launcher, ProcessView, ServerKind, ServerProcess, TLSFiles, installed
from tests.asgi_driver import apoll, poll

APP_MODULE = "tests.realtime.apps.realtime"
IMPLS = ("ours", "native")


def new_key() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Served(ProcessView):
    """One running server process and how to talk to it."""

    process: ServerProcess
    impl: str
    tls: TLSFiles | None

    @property
    def patience(self) -> float:
        """How long to wait for something that should happen at once.  Generous
        for ``ours``; short for ``native``, where such a wait is a strict xfail
        of something that never happens (so the suite does not idle)."""
        return 10.0 if self.impl == "ours" else 1.5

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.tls is None:
            return None
        return ssl.create_default_context(cafile=str(self.tls.cert))

    # -- HTTP -----------------------------------------------------------------
    def _client_options(self, timeout: float) -> dict[str, Any]:
        return {
            "base_url": self.url,
            "verify": self.ssl_context() or True,
            "http2": self.kind.http2,
            "http1": not self.kind.http2,
            "timeout": timeout,
            "trust_env": False,
        }

    def client(self, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(**self._client_options(timeout))

    def async_client(self, timeout: float = 10.0) -> httpx.AsyncClient:
        return httpx.AsyncClient(**self._client_options(timeout))

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        with self.client() as client:
            return client.get(path, **kwargs)

    def events(self, key: str) -> list[Any]:
        response = self.get(f"/events/{key}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def wait_events(self, key: str, done: Callable[[list[Any]], bool], timeout: float = 5.0) -> list[Any]:
        """The events under ``key`` once ``done(events)``, or after the timeout."""
        return poll(lambda: self.events(key), done, timeout)

    async def aevents(self, key: str) -> list[Any]:
        async with self.async_client() as client:
            response = await client.get(f"/events/{key}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def await_events(self, key: str, done: Callable[[list[Any]], bool], timeout: float = 5.0) -> list[Any]:
        return await apoll(lambda: self.aevents(key), done, timeout)

    def connect(self, timeout: float = 10.0) -> socket.socket:
        """A raw HTTP/1.1 connection (TLS with ALPN http/1.1 for TLS kinds)."""
        sock = socket.create_connection((HOST, self.process.port), timeout=timeout)
        context = self.ssl_context()
        if context is not None:
            context.set_alpn_protocols(["http/1.1"])
            sock = context.wrap_socket(sock, server_hostname=HOST)
        return sock

    # -- websockets -------------------------------------------------------------
    def ws(self, path: str, **kwargs: Any) -> Any:
        """``websockets.asyncio.client.connect`` to ``path`` on this server."""
        from websockets.asyncio.client import connect

        kwargs.setdefault("open_timeout", 10)
        kwargs.setdefault("close_timeout", 5)
        kwargs.setdefault("proxy", None)
        context = self.ssl_context()
        if context is not None:
            kwargs.setdefault("ssl", context)
        return connect(self.ws_url + path, **kwargs)

    # -- output -------------------------------------------------------------------
    def log_mark(self) -> int:
        return self.process.log_mark()

    def log_since(self, mark: int) -> str:
        return self.process.log_since(mark)


class Spawner:
    """Realtime processes (``module:attribute`` targets) through a
    ``tests._servers.Launcher``, as ``Served``."""

    def __init__(self, launcher: Launcher) -> None:
        self.launcher = launcher

    def __call__(self, kind: ServerKind, target: str, impl: str = "ours", *, wait: bool = True) -> Served:
        process = self.launcher.start(kind, target, wait=wait, label=target.rsplit(":", 1)[-1])
        return Served(process, impl, process.tls)


@pytest.fixture(scope="session")
def served(launcher: Launcher, kind: ServerKind, impl: str) -> Iterator[Served]:
    """The realtime app (``ours`` or ``native``) under one server kind."""
    if impl == "native" and not kind.lifespan:
        pytest.skip(f"native ASGI never starts the app without lifespan events ({kind.id}); see tests/conformance")
    server = Spawner(launcher)(kind, f"{APP_MODULE}:{impl}", impl)
    yield server
    server.process.stop()


@pytest.fixture(scope="session")
def example_server(launcher: Launcher) -> Iterator[Served]:
    """``examples/realtime.py`` under uvicorn (httptools + websockets)."""
    server = Spawner(launcher)(kind_named("uvicorn-httptools"), "examples.realtime:asgi")
    yield server
    server.process.stop()


@pytest.fixture
def spawn(launch: Launcher) -> Spawner:
    """Start processes of the test's own (stopped at the end of the test)."""
    return Spawner(launch)


def kind_named(kind_id: str) -> ServerKind:
    for kind in KINDS:
        if kind.id == kind_id:
            return installed(kind)
    raise LookupError(kind_id)


@contextlib.contextmanager
def raw_exchange(served: Served, request: bytes, timeout: float = 10.0) -> Iterator[socket.socket]:
    """Send ``request`` on a fresh raw connection; the socket, for reading."""
    with served.connect(timeout) as sock:
        sock.sendall(request)
        yield sock
