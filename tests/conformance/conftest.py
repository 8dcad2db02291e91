"""Fixtures of the conformance suite: real servers, both implementations.

Every test that takes ``server`` (or ``tuned_server``, ``prefixed_server``,
``mounted_server``) runs once per server kind (``tests._servers.KINDS``) and
once per implementation:

* ``ours``   - ``sanic_asgi.ASGIApp(app)``
* ``native`` - the Sanic app itself, in Sanic's own ASGI mode

The shared processes live in a session-scoped ``server_group`` parametrized
through the session-scoped ``kind`` and ``impl`` fixtures, so pytest orders
the tests to start each (server, app) process once and stops the group when
it moves on to the next pair: 4 processes per pair, 46 in all.  Tests that need a process
of their own (lifespan order, startup failure, lazy start) use ``spawn``.

``CONFORMANCE_SERVERS=uvicorn-h11,daphne`` and ``CONFORMANCE_IMPLS=ours``
narrow a run to some server kinds / implementations.

``@pytest.mark.native_gap("what native ASGI gets wrong")`` on a test marks its
``native`` runs as a strict xfail; ``servers=(...)`` limits that to some
server kinds, ``not_on=(...)`` excludes some (a gap that a server hides, e.g.
granian adds the content-length native ASGI leaves out).
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

from tests._servers import HOST, Launcher, Options, ProcessView, ServerKind, ServerProcess
from tests.asgi_driver import poll

APPS = {
    "basic": {"ours": "tests.conformance.apps.basic:ours", "native": "tests.conformance.apps.basic:native"},
    "tuned": {"ours": "tests.conformance.apps.basic:tuned", "native": "tests.conformance.apps.basic:tuned_native"},
    "mounted": {
        "ours": "tests.conformance.apps.basic:mounted",
        "native": "tests.conformance.apps.basic:mounted_native",
    },
    "lifespan": {
        "ours": "tests.conformance.apps.lifespan:ours",
        "native": "tests.conformance.apps.lifespan:native",
    },
}


# Native ASGI never runs Sanic's startup without lifespan events (gap 2), so
# on these servers every request it gets is a 500; each test through them is
# a strict xfail for that reason (test_lifespan.py has the dedicated tests).
NO_LIFESPAN_GAP = "without lifespan events the app never starts: every request is a 500 ('Loop can only be retrieved')"
_NEVER_STARTED = {
    "mounted_server": "Starlette's Mount forwards no lifespan events, " + NO_LIFESPAN_GAP,
}
_NEVER_STARTED_ON = {"daphne": "daphne has no lifespan; " + NO_LIFESPAN_GAP}
_SHARED = ("server", "tuned_server", "prefixed_server", "mounted_server")

# Adapter bugs these tests found that are still open, by (test, server kind):
# the ``ours`` side is a strict xfail until the fix lands.
OURS_OPEN: dict[tuple[str, str], str] = {}

_BLANKET = "_native_never_started_reason"


@pytest.fixture(autouse=True)
def _native_never_started(request: pytest.FixtureRequest) -> None:
    """For the blanket xfails above: check that the app still cannot serve,
    and end the test there (it would only wait for answers that cannot
    come).  Should native ASGI ever serve, the test runs, and its strict
    xfail reports the change."""
    reason = getattr(request.node, _BLANKET, None)
    if reason is None:
        return
    fixture = next(f for f in _SHARED if f in request.fixturenames)
    served: Served = request.getfixturevalue(fixture)
    origin = served.process.origin
    path = "/api/hello" if fixture == "mounted_server" else f"{served.process.prefix}/hello"
    try:
        status = served.get(origin + path).status_code
    except httpx.HTTPError:
        status = 0
    if status != 200:
        pytest.xfail(f"native ASGI: {reason} (GET /hello answered {status})")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        kind_id = getattr(callspec.params.get("kind"), "id", None)
        if callspec.params.get("impl") == "ours":
            open_bug = OURS_OPEN.get((getattr(item, "originalname", item.name), kind_id or ""))
            if open_bug is not None:
                item.add_marker(pytest.mark.xfail(strict=True, reason=open_bug))
            continue
        if callspec.params.get("impl") != "native":
            continue
        fixtures = getattr(item, "fixturenames", ())
        blanket = next((r for f, r in _NEVER_STARTED.items() if f in fixtures), None)
        if blanket is None and any(f in fixtures for f in _SHARED):
            blanket = _NEVER_STARTED_ON.get(kind_id or "")
        if blanket is not None:
            # Before tests/conftest.py's native_gap hook, which leaves an item marked here alone.
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"native ASGI: {blanket}"))
            setattr(item, _BLANKET, blanket)


# ---------------------------------------------------------------------------
# What a test gets
# ---------------------------------------------------------------------------
@dataclass
class Served(ProcessView):
    """One running server process and how to talk to it."""

    process: ServerProcess
    impl: str
    ssl_context: ssl.SSLContext | None

    def __post_init__(self) -> None:
        self._client: httpx.Client | None = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def stop(self) -> int | None:
        """Close our kept-alive connection (a server drains open HTTP/2
        connections before lifespan shutdown), then stop the server."""
        self.close()
        return self.process.stop()

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 10.0)
        kwargs.setdefault("base_url", self.url)
        http2 = self.kind.http2
        return httpx.Client(verify=self.ssl_context or True, http2=http2, http1=not http2, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET on a kept-alive connection of the fixture's own (a new
        connection per call would leave idle connections in the server)."""
        if self._client is None:
            self._client = self.client()
        return self._client.get(path, **kwargs)

    def events(self, key: str) -> list[Any]:
        response = self.get(f"/events/{key}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def wait_events(self, key: str, done: Callable[[list[Any]], bool], timeout: float = 5.0) -> list[Any]:
        """The events under ``key`` once ``done(events)`` (or after the timeout)."""
        return poll(lambda: self.events(key), done, timeout)

    def connect(self, timeout: float = 10.0) -> socket.socket:
        """A raw connection speaking HTTP/1.1 (TLS without h2 for TLS kinds)."""
        sock = socket.create_connection((HOST, self.port), timeout=timeout)
        if self.ssl_context is not None:
            context = ssl.create_default_context(cafile=str(self.process.tls.cert))  # type: ignore[union-attr]
            context.set_alpn_protocols(["http/1.1"])
            sock = context.wrap_socket(sock, server_hostname=HOST)
        return sock

    def raw(self, request: bytes, timeout: float = 10.0) -> bytes:
        """Send ``request`` on a fresh connection; everything read until the server closes."""
        with self.connect(timeout) as sock:
            sock.sendall(request)
            return read_until_close(sock)

    def log_mark(self) -> int:
        return self.process.log_mark()

    def log_since(self, mark: int) -> str:
        return self.process.log_since(mark)


def read_until_close(sock: socket.socket) -> bytes:
    chunks = []
    with contextlib.suppress(ConnectionResetError, ssl.SSLError):
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def new_key() -> str:
    return uuid.uuid4().hex[:12]


def parse_access_lines(text: str) -> list[dict[str, str]]:
    """The ``ACCESS|status|byte|host|request`` lines the test apps write."""
    lines = []
    for line in text.splitlines():
        if line.startswith("ACCESS|"):
            _, status, byte, host, request = line.split("|", 4)
            lines.append({"status": status, "byte": byte, "host": host, "request": request})
    return lines


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------
class Spawner:
    """Conformance processes by (kind, impl, app name), started through a
    ``tests._servers.Launcher``; ``close()`` closes each ``Served``'s client
    before its process stops (a server drains open HTTP/2 connections first)."""

    def __init__(self, launcher: Launcher) -> None:
        self.launcher = launcher
        self.served: list[Served] = []

    def __call__(
        self,
        kind: ServerKind,
        impl: str,
        app: str = "basic",
        *,
        options: Options | None = None,
        env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> Served:
        target = APPS[app][impl]
        process = self.launcher.start(kind, target, options=options, env=env, wait=wait, label=f"{impl}-{app}")
        served = Served(process, impl, self.launcher.ssl_context(kind))
        self.served.append(served)
        return served

    def close(self) -> None:
        for served in self.served:
            served.stop()


@pytest.fixture(scope="session")
def _session_spawner(launcher: Launcher) -> Iterator[Spawner]:
    spawner = Spawner(launcher)
    yield spawner
    spawner.close()


@pytest.fixture
def spawn(launch: Launcher) -> Iterator[Spawner]:
    """Start processes of one's own (stopped at the end of the test)."""
    spawner = Spawner(launch)
    yield spawner
    spawner.close()


# The processes every (kind, impl) pair shares: fixture name -> (app, options).
SHARED_APPS: dict[str, tuple[str, Options]] = {
    "server": ("basic", Options()),
    "tuned_server": ("tuned", Options()),
    "prefixed_server": ("basic", Options(root_path="/api")),
    "mounted_server": ("mounted", Options()),
}


class ServerGroup:
    """The shared processes of one (kind, impl) pair, all started at once
    (server start-up is mostly imports: starting them side by side hides
    most of it) and each waited for when a test first asks for it."""

    def __init__(self, launcher: Spawner, kind: ServerKind, impl: str) -> None:
        self.kind = kind
        self.served: dict[str, Served] = {}
        self.ready: set[str] = set()
        for name, (app, options) in SHARED_APPS.items():
            if options.root_path and kind.root_path_option is None:
                continue
            self.served[name] = launcher(kind, impl, app, options=options, wait=False)

    def get(self, name: str) -> Served:
        served = self.served.get(name)
        if served is None:
            pytest.skip(f"{self.kind.id} has no root_path option")
        if name not in self.ready:
            process = served.process
            if not process.wait_ready():
                raise RuntimeError(f"{process} did not become ready; its output:\n{process.log()[-4000:]}")
            self.ready.add(name)
        return served

    def stop(self) -> None:
        for served in self.served.values():
            served.stop()


@pytest.fixture(scope="session")
def server_group(_session_spawner: Spawner, kind: ServerKind, impl: str) -> Iterator[ServerGroup]:
    group = ServerGroup(_session_spawner, kind, impl)
    yield group
    group.stop()


@pytest.fixture
def server(server_group: ServerGroup) -> Served:
    """The ``basic`` app: defaults, access log on."""
    return server_group.get("server")


@pytest.fixture
def tuned_server(server_group: ServerGroup) -> Served:
    """The ``basic`` routes with small limits, proxy settings, no access log."""
    return server_group.get("tuned_server")


@pytest.fixture
def prefixed_server(server_group: ServerGroup) -> Served:
    """The ``basic`` app behind the server's root_path option (``/api``)."""
    return server_group.get("prefixed_server")


@pytest.fixture
def mounted_server(server_group: ServerGroup) -> Served:
    """The ``basic`` app inside Starlette's ``Mount("/api")``."""
    return server_group.get("mounted_server")


def require(kind: ServerKind, feature: str) -> None:
    """Skip unless the server kind supports ``feature`` (a ``ServerKind`` flag)."""
    if not getattr(kind, feature):
        reasons = {
            "lifespan": f"{kind.id} does not implement the ASGI lifespan protocol",
            "websockets": f"{kind.id} does not serve websockets",
            "http2": f"{kind.id} is not configured for HTTP/2",
            "lifespan_off": f"{kind.id} cannot switch lifespan off",
            "streams_request_body": f"{kind.id} reads the whole request body before it calls the app",
        }
        pytest.skip(reasons.get(feature, f"{kind.id}: no {feature}"))
