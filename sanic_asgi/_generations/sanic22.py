"""Sanic 22.3 to 25.12.

What differs inside the group is read from the release's code, not its
version: ``handle_exception`` takes ``run_middleware`` from 22.6 on (22.3
always runs the request middleware), and ``ConnInfo`` gained ``network_paths``
in 22.6 and ``lost`` in 22.9 (``ScopeConnInfo`` adds the slots its Sanic lacks).
"""

from __future__ import annotations

import asyncio
import contextlib
from inspect import isawaitable, signature
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sanic import Sanic
from sanic.http import Http  # sanic.http.http1.Http from 22.12, sanic/http.py in 21.3-22.9

from ._base import Generation
from ._names import ConnInfo

if TYPE_CHECKING:
    from sanic import Request

    from .._types import SanicApp, Scope

try:  # Sanic 23.6+
    from sanic.logging.setup import setup_logging as _setup_logging
except ImportError:  # pragma: no cover - Sanic 22.12 / 23.3
    _setup_logging = None  # type: ignore[assignment]


def _slots(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}


# Every field of Sanic 22.9+'s ConnInfo; older ones lack some (21.3 - 21.6:
# client_ip, server_name, cert; 22.3: network_paths; up to 22.6: lost).
_FIELDS = frozenset(
    (
        *("client", "client_ip", "client_port", "peername", "server", "server_port", "server_name"),
        *("sockname", "ssl", "cert", "ctx", "lost", "network_paths"),
    )
)


class ScopeConnInfo(ConnInfo):
    """``ConnInfo`` filled from the ASGI scope instead of a socket.

    Sanic's ``ConnInfo(transport)`` asks the transport five questions through
    ``get_extra_info``; the scope already holds every answer, so the fields
    are set from it (same meaning as ``sanic.models.server_types.ConnInfo``).
    Sanic's server builds one per connection; under ASGI one is needed per
    request, and most requests never read it, so the fields are filled on
    the first read of any of them (``__getattr__`` runs only for a field not
    set yet).  A field written before that (``lost``, ``ctx``) is kept.
    """

    # The fields the installed Sanic's ConnInfo has no slot for.
    __slots__ = ("_scope", *sorted(_FIELDS - _slots(ConnInfo)))

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def __getattr__(self, name: str) -> Any:
        if name == "_scope" or name not in _FIELDS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        for field, value in _fields_from_scope(self._scope).items():
            try:
                object.__getattribute__(self, field)
            except AttributeError:
                object.__setattr__(self, field, value)
        return object.__getattribute__(self, name)


def _fields_from_scope(scope: Scope) -> dict[str, Any]:
    ssl = scope.get("scheme") in _SECURE_SCHEMES
    fields: dict[str, Any] = {
        "ctx": SimpleNamespace(),
        "lost": False,
        "ssl": ssl,
        "server_name": "",
        "cert": {},
        "network_paths": [],
        "peername": None,
        "client": "",
        "client_ip": "",
        "client_port": 0,
    }
    # The server part is the same for every request a server sends:
    # computed once per (server, ssl), it costs a dict lookup.
    server = scope.get("server")
    try:
        parts = _SERVER_PARTS[server, ssl]
    except (KeyError, TypeError):  # new, or unhashable (a list)
        parts = _server_parts(server, ssl)
        with contextlib.suppress(TypeError):
            if len(_SERVER_PARTS) > 64:
                _SERVER_PARTS.clear()
            _SERVER_PARTS[server, ssl] = parts
    fields["sockname"], fields["server"], fields["server_port"] = parts
    client = scope.get("client")
    if client:
        host, port = client[0], client[1]
        if port.__class__ is not int:
            port = _port(port)
        fields["peername"] = (host, port)
        fields["client"] = f"[{host}]" if ":" in host else host
        fields["client_ip"] = host
        fields["client_port"] = port or 0
    extensions = scope.get("extensions")
    if extensions:
        tls = extensions.get("tls")
        if tls:
            fields["ssl"] = True
            fields["server_name"] = tls.get("server_name") or ""  # SNI, as Sanic's
    return fields


# Http.HEADER_CEILING: no head limit above it, whatever the config says.
_HEADER_CEILING: int = getattr(Http, "HEADER_CEILING", 16_384)
_SECURE_SCHEMES = frozenset(("https", "wss"))
_SERVER_PARTS: dict[tuple[Any, bool], tuple[Any, str, int]] = {}


def _server_parts(server: Any, ssl: bool) -> tuple[Any, str, int]:
    """(sockname, conn_info.server, conn_info.server_port) for scope["server"]."""
    if not server:
        return server, "", 0
    host, port = server[0], server[1]
    if port.__class__ is not int:
        port = _port(port)
    if port is None:  # UNIX socket: (path, None)
        return (host, port), host, 0
    name = f"[{host}]" if ":" in host else host
    if port != (443 if ssl else 80):
        name = f"{name}:{port}"
    return (host, port), name, port


def _port(port: Any) -> Any:
    """The spec says int; granian (2.x) sends the port as a str."""
    if isinstance(port, str) and port.isdigit():
        return int(port)
    return port


# Sanic 22.6+: handle_exception(request, exception, run_middleware=True).
_RUN_MIDDLEWARE = "run_middleware" in signature(Sanic.handle_exception).parameters


# Sanic 24.6+: its server logs a client that left mid-response (HttpProtocol.log_disconnect).
def _logs_disconnects() -> bool:
    try:
        from sanic.server.protocols.http_protocol import HttpProtocol
    except ImportError:  # 21.3 - 21.9: sanic/server.py
        return False
    return hasattr(HttpProtocol, "log_disconnect")


_LOGS_DISCONNECTS = _logs_disconnects()


# The coroutines of app.add_task's tasks (Sanic22.background_tasks).
_TASK_QUALNAMES = frozenset({"Sanic._prep_task.<locals>.do", "SignalRouter._dispatch"})

# Sanic's process model as `sanic-asgi run -w N` uses it (sanic_asgi._cli.workers):
# the worker manager arrived in 22.9; ack/set_serving, the inspector class
# and the start-method choice came with the releases after it.
_PROCESS_MODEL = all(
    hasattr(Sanic, name) for name in ("ack", "set_serving", "refresh", "inspector_class", "_get_startup_method")
)


class Sanic22(Generation):
    name = "sanic22"
    conn_info_class = ScopeConnInfo
    plain_request = True
    process_model = _PROCESS_MODEL
    disconnect_access_line = _LOGS_DISCONNECTS

    async def handle_exception(
        self, app: SanicApp, request: Request, exception: BaseException, run_middleware: bool
    ) -> None:
        if _RUN_MIDDLEWARE:
            await app.handle_exception(request, exception, run_middleware)
        else:  # before 22.6 it always runs the request middleware
            await app.handle_exception(request, exception)

    def make_request(
        self,
        request_class: type[Request],
        url_bytes: bytes,
        headers: list[tuple[str, str]],
        version: str,
        method: str,
        transport: Any,
        app: SanicApp,
        head: Any = b"",
    ) -> Request:
        return request_class(url_bytes, headers, version, method, transport, app, head)  # type: ignore[arg-type]

    def head_limit(self, config: Any) -> tuple[float, str]:
        # Config._configure_header_size -> Http.set_header_max_size (21.12 on):
        # a head of HEADER_MAX_SIZE bytes or more is refused.
        sizes = (config.REQUEST_MAX_HEADER_SIZE, config.REQUEST_BUFFER_SIZE - 4096, config.REQUEST_MAX_SIZE)
        return min(*sizes, _HEADER_CEILING), "Request header exceeds the size limit"

    def setup_extensions(self, app: SanicApp) -> None:
        # Sanic.serve() (22.12+) calls setup_ext(primary) before it fires
        # main_process_start, so sanic-ext's main-process listeners run on
        # the first start too.
        from sanic.application.ext import setup_ext

        setup_ext(app)

    def setup_logging(self, app: SanicApp) -> None:
        if _setup_logging is not None:
            _setup_logging(app.state.is_debug, app.config.NO_COLOR, app.config.LOG_EXTRA)

    async def startup(self, app: SanicApp) -> None:
        # TouchUp rewrites Sanic's own methods, for the whole class, from their
        # source.  Sanic runs it for the primary app only, and outside test
        # mode it can run once per process: the source of a rewritten method
        # cannot be read again (KeyError in TouchUp.run).  A restart, or a
        # second app in this process, is therefore started the way Sanic
        # starts a secondary app: without TouchUp.  In test mode TouchUp
        # rebuilds from the originals it kept aside (``_<name>``); it keeps
        # them only when its first run was in test mode, so a first start
        # outside test mode (sanic_asgi.testing.TestClient) and a later one in
        # it (sanic-testing's clients set Sanic.test_mode) must skip it too.
        primary = app.state.primary
        if getattr(type(app), "__touched__", False) and not (app.test_mode and touchup_originals_kept()):
            app.state.primary = False
        try:
            await app._startup()
        finally:
            app.state.primary = primary

    async def server_event(self, app: SanicApp, concern: str, action: str) -> None:
        await app._server_event(concern, action)

    async def process_event(self, app: SanicApp, event: str) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        for listener in app.listeners.get(event, ()):
            call: Any = listener
            try:
                result = call(app)
            except TypeError:  # old-style (app, loop) listeners, as trigger_events
                result = call(app, loop)
            if isawaitable(result):
                await result

    def background_tasks(self, app: SanicApp) -> list[asyncio.Task[Any]]:
        # Named tasks are in app._task_registry; unnamed ones are known only to
        # the loop.  Every task app.add_task creates runs the coroutine
        # Sanic._prep_task builds (`do`, closing over `app`), so that is how
        # they are told apart from the server's own tasks.  A task added
        # before startup is different: Sanic registers a signal named
        # "sanic.delayed_task.<hash>" and, after startup, dispatches it, so
        # that task runs the signal router's `_dispatch` for that event.
        tasks = {task for task in app._task_registry.values() if task is not None and not task.done()}
        for task in asyncio.all_tasks():
            if task.done():
                continue
            coro = task.get_coro()
            qualname = getattr(coro, "__qualname__", "")
            frame = getattr(coro, "cr_frame", None)
            if frame is None or qualname not in _TASK_QUALNAMES:
                # Only these frames' locals are read: before Python 3.13,
                # frame.f_locals leaves a snapshot of them on the frame, which
                # would keep another task's objects alive (an ASGIApp too).
                continue
            local = frame.f_locals
            added_after_startup = qualname == "Sanic._prep_task.<locals>.do" and local.get("app") is app
            added_before_startup = (
                qualname == "SignalRouter._dispatch"
                and local.get("self") is app.signal_router
                and str(local.get("event", "")).startswith("sanic.delayed_task.")
            )
            if added_after_startup or added_before_startup:
                tasks.add(task)
        return sorted(tasks, key=lambda t: t.get_name())

    def reset(self, app: SanicApp) -> None:
        # What Sanic's own server does when it stops (StartupMixin._cleanup_apps),
        # plus the flag that `_startup` sets.
        app.router.reset()
        app.signal_router.reset()
        app.state.is_started = False


def touchup_originals_kept() -> bool:
    """Whether every method TouchUp rewrites still has its original beside it
    (TouchUp keeps them, as ``_<name>``, only when its first run is in test mode)."""
    from sanic.touchup import TouchUp

    return all(hasattr(target, f"_{name}") for target, name in TouchUp._registry)
