"""``sanic-asgi doctor``: what will behave differently under ASGI, before serving.

The app is loaded (imported, factory called), then started once in-process
through ``ASGIApp`` and stopped (``trial``): lifespan startup and shutdown
run every listener, as under a server, but no socket is opened.  That is how
the report knows the routes extensions add at startup (sanic-ext's ``/docs``
and automatic HEAD/OPTIONS routes) and whether startup fails under ASGI;
``start=False`` (``--no-start``) skips it for an app whose listeners must
not run here.  The report has the app's routes and listeners, and
*findings*, each of one kind:

* ``differs`` - this app will behave differently than on Sanic's server
  (a listener that runs at another time or never, a setting the app changed
  that the server cannot honour, a signal that is never dispatched...);
* ``note`` - a difference every app has on that server, whatever its code
  (a Sanic default the server cannot honour), or something to know;
* ``advice`` - the same as on Sanic's server, but worth changing (a plain
  ``def`` handler blocks the event loop on both).

Exit code: 0 when nothing differs, 1 when something does, 2 when the app
cannot be loaded.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal

from .extensions import manager_gaps
from .servers import (
    RunOptions,
    SanicSettings,
    ServerName,
    translate,
    unhonoured_settings,
)

if TYPE_CHECKING:
    from .. import ASGIApp
    from .._types import SanicApp
    from .trial import Trial

__all__ = ["Finding", "Report", "diagnose"]

Kind = Literal["differs", "note", "advice"]

# Sanic's HTTP protocol dispatches these; under ASGI there is no Sanic
# protocol and the adapter does not (http.lifecycle.handle, .response and
# .exception come from app.handle_request and do fire; the adapter fires
# http.lifecycle.request itself, as Sanic's HTTP/1 parser does).
UNDISPATCHED_SIGNALS = {
    "http.lifecycle.begin": "Sanic's protocol fires it when a connection opens",
    "http.lifecycle.complete": "Sanic's protocol fires it when a connection closes",
    "http.lifecycle.read_head": "Sanic's HTTP/1 parser fires it with the raw request head",
    "http.lifecycle.read_body": "Sanic's HTTP/1 parser fires it for each body chunk",
    "http.lifecycle.send": "Sanic's protocol fires it for each chunk written",
}

SANIC_WHEN = {
    "main_process_start": "once, in the main process, before the workers start",
    "main_process_ready": "once, in the main process, when all workers are up",
    "main_process_stop": "once, in the main process, after the workers have stopped",
    "before_server_start": "in each worker, before it serves",
    "after_server_start": "in each worker, once its socket listens",
    "before_server_stop": "in each worker, when shutdown starts, before connections drain",
    "after_server_stop": "in each worker, after connections drained",
    "reload_process_start": "in Sanic's reloader process (with --reload)",
    "reload_process_stop": "in Sanic's reloader process (with --reload)",
    "before_reload_trigger": "in Sanic's reloader, before a reload",
    "after_reload_trigger": "in Sanic's reloader, after a reload",
}

_EVENT_NAMES = {
    "server.init.before": "before_server_start",
    "server.init.after": "after_server_start",
    "server.shutdown.before": "before_server_stop",
    "server.shutdown.after": "after_server_stop",
}

_ORDER = list(SANIC_WHEN)


@dataclass
class Finding:
    group: str  # "startup", "extensions", "settings", "listeners", "signals", "handlers", "versions", "behaviour"
    kind: Kind
    subject: str
    message: str
    action: str = ""


@dataclass
class RouteInfo:
    methods: list[str]
    path: str
    name: str
    handler: str
    websocket: bool
    sync: bool
    # Added while the app started (by an extension, or a listener), and the
    # top-level package of its handler ("sanic_ext").
    added_at_startup: bool = False
    added_by: str = ""


@dataclass
class ListenerInfo:
    event: str
    listener: str
    priority: int
    sanic: str
    asgi: str
    kind: Kind


@dataclass
class Report:
    target: str
    server: ServerName
    workers: int
    app: str = ""
    # "started and stopped", "failed", or "skipped" (--no-start)
    trial: str = "skipped"
    trial_output: str = ""  # the tail of what the app printed when its trial start failed
    versions: dict[str, str] = field(default_factory=dict)
    routes: list[RouteInfo] = field(default_factory=list)
    listeners: list[ListenerInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str = ""

    @property
    def exit_code(self) -> int:
        if self.error:
            return 2
        return 1 if any(f.kind == "differs" for f in self.findings) else 0

    def counts(self) -> dict[str, int]:
        kinds: list[Kind] = ["differs", "note", "advice"]
        return {kind: sum(f.kind == kind for f in self.findings) for kind in kinds}

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.counts()
        data["exit_code"] = self.exit_code
        return data


# -- gathering ------------------------------------------------------------------


def diagnose(
    app: SanicApp,
    *,
    target: str,
    server: ServerName = "uvicorn",
    workers: int = 1,
    asgi: ASGIApp | None = None,
    start: bool = True,
    start_timeout: float = 30.0,
) -> Report:
    """The report on ``app`` (``asgi``: the ``ASGIApp`` the target named, which
    the trial start uses, with its options; ``start``: run the trial start)."""
    report = Report(target=target, server=server, workers=workers, app=app.name)
    report.versions = _versions(server)
    trial = None
    if start:
        from .trial import start_and_stop

        trial = start_and_stop(app, asgi, timeout=start_timeout)
        report.trial = "failed" if trial.error else "started and stopped"
        report.trial_output = trial.output
    report.routes = _routes(app, trial)
    has_ws = any(r.websocket for r in report.routes)
    report.listeners = _listeners(app, server, workers)
    findings = report.findings
    findings += [
        Finding(
            "listeners",
            info.kind,
            f"{info.event}: {info.listener}",
            f"Sanic's server: {info.sanic}. Under sanic-asgi on {server}: {info.asgi}.",
            _listener_action(info.event) if info.kind == "differs" else "",
        )
        for info in report.listeners
        if info.kind == "differs"
    ]
    findings += _extension_gaps(app, server, trial)
    findings += _settings(app, server, workers, has_ws)
    findings += _signals(app)
    findings += _handlers(report.routes)
    findings += _version_caveats(app, report.versions, has_ws)
    findings += _behaviour(app, server, has_ws)
    if workers > 1:
        findings.append(_process_model(server, workers))
    return report


def _process_model(server: ServerName, workers: int) -> Finding:
    """What runs where under ``sanic-asgi run -w N`` on this server (``workers.WHAT_RUNS_WHERE``)."""
    from .workers import FEATURES, WHAT_RUNS_WHERE

    cells = WHAT_RUNS_WHERE[server]
    message = f"`sanic-asgi run -w {workers} --server {server}`: " + "; ".join(f"{f}: {cells[f]}" for f in FEATURES)
    return Finding("behaviour", "note", "workers", message)


def _versions(server: str) -> dict[str, str]:
    from importlib import metadata

    from sanic import __version__ as sanic_version

    from .. import __version__

    versions = {"sanic": sanic_version, "sanic-asgi": __version__}
    for name in ("websockets", server):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _qualname(fn: Any) -> str:
    fn = _innermost(fn)
    module = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{module}.{name}"


def _innermost(fn: Any) -> Any:
    for _ in range(32):
        if isinstance(fn, functools.partial):
            fn = fn.func
            continue
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is None:
            break
        fn = wrapped
    return fn


def _is_async(fn: Any) -> bool:
    inner = _innermost(fn)
    return inspect.iscoroutinefunction(inner) or inspect.isasyncgenfunction(inner) or inspect.iscoroutinefunction(fn)


def _is_sanic_internal(fn: Any) -> bool:
    return (getattr(_innermost(fn), "__module__", "") or "").split(".")[0] in ("sanic", "sanic_routing", "sanic_ext")


def _routes(app: SanicApp, trial: Trial | None) -> list[RouteInfo]:
    from .trial import route_key

    routes = []
    for route in sorted(app.router.routes, key=lambda r: (r.uri if hasattr(r, "uri") else r.path, r.name)):
        handler = route.handler
        # Not there before the trial start; or there already because the same
        # app object was started before in this process (a test suite, a
        # second doctor run) and Sanic Extensions added it then.
        added = trial is not None and (
            route_key(route) not in trial.routes_before or _module_of(handler).startswith("sanic_ext.")
        )
        websocket = _is_websocket(route)
        if websocket and isinstance(handler, functools.partial) and handler.args:
            handler = handler.args[0]  # Sanic wraps ws handlers in partial(app._websocket_handler, handler)
        view_class = getattr(handler, "view_class", None)
        if view_class is not None:
            methods = [getattr(view_class, m.lower(), None) for m in route.methods]
            sync = any(m is not None and not _is_async(m) for m in methods)
            name = f"{view_class.__module__}.{view_class.__qualname__}"
        else:
            sync = not _is_sanic_internal(handler) and not _is_async(handler)
            name = _qualname(handler)
        routes.append(
            RouteInfo(
                methods=sorted(route.methods),
                path="/" + route.path.lstrip("/") if hasattr(route, "path") else str(route.uri),
                name=route.name,
                handler=name,
                websocket=websocket,
                sync=sync and not websocket,
                added_at_startup=added,
                added_by=(_module_of(handler) or "?").split(".")[0] if added else "",
            )
        )
    return routes


def _module_of(handler: Any) -> str:
    target = handler.func if isinstance(handler, functools.partial) else handler
    return str(getattr(_innermost(target), "__module__", "") or "")


def _is_websocket(route: Any) -> bool:
    return bool(getattr(getattr(route, "extra", None), "websocket", False))


def _listener_entries(app: SanicApp) -> list[tuple[str, Any, int]]:
    entries: list[tuple[str, Any, int]] = []
    for event, listeners in app.listeners.items():
        entries += [(event, fn, 0) for fn in listeners if not _is_sanic_internal(fn)]
    for future in getattr(app, "_future_signals", ()):
        server_event = _EVENT_NAMES.get(future.event)
        handler = future.handler
        if server_event is None or not isinstance(handler, functools.partial):
            continue
        listener = handler.keywords.get("listener")
        if listener is not None and not _is_sanic_internal(listener):
            entries.append((server_event, listener, future.priority or 0))
    entries.sort(key=lambda e: (_ORDER.index(e[0]) if e[0] in _ORDER else len(_ORDER), -e[2]))
    return entries


def _supervisor_note(app: SanicApp, server: ServerName, workers: int) -> str:
    """What ``sanic-asgi run -w N`` does with the main-process listeners."""
    from .._generations import detect
    from .servers import RunOptions
    from .workers import why_not_supervised

    why = why_not_supervised(
        RunOptions(server=server, workers=workers), process_model=detect(app).process_model, binds_itself=False
    )
    if why:
        return f"; `sanic-asgi run -w {workers}` cannot change that: {why}"
    return (
        f"; under `sanic-asgi run -w {workers}` (Sanic's worker manager): once, in its supervising process, "
        "as on Sanic's server"
    )


def _asgi_when(server: ServerName, workers: int, supervisor: str = "") -> dict[str, tuple[str, Kind]]:
    per_worker = f" - {workers} times, once per worker with {server}'s own workers{supervisor}" if workers > 1 else ""
    many: Kind = "differs" if workers > 1 else "note"
    if server == "daphne":
        start = "when `sanic-asgi run` starts the app, before daphne listens"
        stop = "when daphne stops, before it cancels requests still running"
        listening = ("the socket does not listen yet", "differs")
    else:
        start, stop = "on lifespan.startup", "on lifespan.shutdown"
        if server == "uvicorn" and workers == 1:
            listening = ("uvicorn runs lifespan before it binds its socket, so it does not listen yet", "differs")
        else:
            listening = (f"{server} has bound its socket already", "note")
    main: dict[str, tuple[str, Kind]] = {
        "main_process_start": (f"{start}, in the worker, first{per_worker}", many),
        "main_process_ready": (f"{start}, in the worker, last{per_worker}", many),
        "main_process_stop": (f"{stop}, in the worker, last{per_worker}", many),
    }
    if server == "gunicorn":
        # sanic_asgi.gunicorn, which `sanic-asgi run --server gunicorn` gives gunicorn as its config.
        main = {
            "main_process_start": ("once, in gunicorn's arbiter, before it binds (sanic_asgi.gunicorn)", "note"),
            "main_process_ready": ("once, in gunicorn's arbiter, before it starts the workers", "note"),
            "main_process_stop": ("once, in gunicorn's arbiter, after the workers have stopped", "note"),
        }
    return {
        "main_process_start": main["main_process_start"],
        "before_server_start": (f"{start}, once routes and signals are finalized", "note"),
        "after_server_start": (f"{start}, right after before_server_start; {listening[0]}", listening[1]),  # type: ignore[dict-item]
        "main_process_ready": main["main_process_ready"],
        "before_server_stop": (f"{stop}, first", "note"),
        "after_server_stop": (f"{stop}, after requests in flight drained (GRACEFUL_SHUTDOWN_TIMEOUT)", "note"),
        "main_process_stop": main["main_process_stop"],
        "reload_process_start": ("never (the server's reloader restarts the process instead)", "differs"),
        "reload_process_stop": ("never (the server's reloader restarts the process instead)", "differs"),
        "before_reload_trigger": ("never (the server's reloader restarts the process instead)", "differs"),
        "after_reload_trigger": ("never (the server's reloader restarts the process instead)", "differs"),
    }


def _listeners(app: SanicApp, server: ServerName, workers: int) -> list[ListenerInfo]:
    when = _asgi_when(server, workers, _supervisor_note(app, server, workers) if workers > 1 else "")
    infos = []
    for event, fn, priority in _listener_entries(app):
        asgi, kind = when.get(event, ("unknown event", "differs"))
        infos.append(ListenerInfo(event, _qualname(fn), priority, SANIC_WHEN.get(event, "?"), asgi, kind))
    return infos


def _listener_action(event: str) -> str:
    if event.startswith("main_process"):
        return (
            "serve with `sanic-asgi run -w N` on uvicorn, hypercorn or daphne: Sanic's worker manager runs these "
            "once and hands app.shared_ctx to every worker; under a server's own workers, work that must happen "
            "once belongs in your deployment tooling (or behind a lock), and app.shared_ctx is not shared"
        )
    if event == "after_server_start":
        return "do not connect to the app's own socket from this listener; do it from a background task (app.add_task)"
    if "reload" in event:
        return "use the server's --reload; code in this listener does not run"
    return ""


def _extension_gaps(app: SanicApp, server: ServerName, trial: Trial | None) -> list[Finding]:
    """The trial start's failure, and the extension features that need
    Sanic's worker manager (``extensions``)."""
    extended = hasattr(app, "_ext") or (app.config.get("AUTO_EXTEND", True) and _installed("sanic_ext"))
    gaps = manager_gaps(app.config, server) if extended else []
    findings = [
        Finding(
            "extensions",
            "differs",
            gap.subject,
            gap.message,
            f"{gap.action}; or serve with `sanic-asgi run -w N` on uvicorn, hypercorn or daphne, where Sanic's "
            "worker manager runs it as on Sanic's server",
        )
        for gap in gaps
    ]
    if trial is not None and trial.error:
        explained = [gap.subject for gap in gaps if gap.fails_startup]
        message = (
            "the app failed when doctor started it in-process through ASGIApp, as a server's lifespan would, "
            f"so routes added later in its startup are not listed: {trial.error}"
        )
        if explained:
            action = f"see {' and '.join(explained)} under Extensions: that is why"
        else:
            action = (
                "fix what failed; if it needs a service that cannot be reached from here, run doctor where the "
                "app runs, or pass --no-start (no listener runs, routes added at startup are not listed)"
            )
        findings.insert(0, Finding("startup", "differs", "startup", message, action))
    return findings


def _installed(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _settings(app: SanicApp, server: ServerName, workers: int, has_ws: bool) -> list[Finding]:
    from sanic.config import DEFAULT_CONFIG

    settings = SanicSettings.from_app(app)
    options = RunOptions(server=server, workers=workers)
    plan = translate(options, settings)
    findings = []
    changed_settings, defaults = unhonoured_settings(plan, has_websockets=has_ws)  # the same rule as `run`
    for item in [u for u in plan.unhonoured if u in changed_settings or u in defaults]:
        changed = item in changed_settings
        findings.append(
            Finding(
                "settings",
                "differs" if changed else "note",
                item.setting,
                item.message(server) + ("" if changed else " (Sanic's default; every app on this server shares this)"),
                "pick a server that honours it (see the mapping table), or enforce it in a proxy in front"
                if changed
                else "",
            )
        )
    findings += [Finding("settings", "note", "command", warning) for warning in plan.warnings]
    config = app.config
    for key, why in (
        ("REQUEST_MAX_HEADER_SIZE", "the server's own limit on request heads applies"),
        ("REQUEST_BUFFER_SIZE", "the server buffers the request; the adapter reads the body as the server delivers it"),
    ):
        if key in DEFAULT_CONFIG and config.get(key) != DEFAULT_CONFIG[key]:
            findings.append(
                Finding(
                    "settings",
                    "differs",
                    key,
                    f"{key}={config.get(key)} is read by Sanic's own protocol only: {why}",
                    "configure the server's limit (pass its option after --)",
                )
            )
    if config.get("INSPECTOR"):
        findings.append(
            Finding(
                "settings",
                "differs",
                "INSPECTOR",
                "INSPECTOR=True: Sanic's inspector runs in its server's main process, which does not exist under ASGI",
                "use the server's own management (uvicorn/hypercorn signals, granian's metrics) instead",
            )
        )
    if config.get("AUTO_RELOAD"):
        findings.append(
            Finding(
                "settings", "note", "AUTO_RELOAD", "AUTO_RELOAD is Sanic's reloader", "use `sanic-asgi run --reload`"
            )
        )
    return findings


def _signal_events(app: SanicApp) -> dict[str, list[str]]:
    events: dict[str, list[str]] = {}
    for future in getattr(app, "_future_signals", ()):
        events.setdefault(future.event, []).append(_qualname(future.handler))
    for route in getattr(app.signal_router, "routes", ()):
        name = getattr(route, "name", "")
        handler = getattr(route, "handler", None)
        if name and handler is not None:
            names = events.setdefault(name, [])
            if _qualname(handler) not in names:
                names.append(_qualname(handler))
    return events


def _signals(app: SanicApp) -> list[Finding]:
    findings = []
    for event, handlers in sorted(_signal_events(app).items()):
        why = UNDISPATCHED_SIGNALS.get(event)
        if why is None:
            continue
        handlers = [h for h in handlers if not h.startswith(("sanic.", "sanic_asgi."))]
        if not handlers:
            continue
        findings.append(
            Finding(
                "signals",
                "differs",
                event,
                f"{', '.join(handlers)} never runs under ASGI: {why}, and there is no Sanic protocol under ASGI",
                "use http.lifecycle.request or .handle, or middleware (@app.on_request / @app.on_response)",
            )
        )
    return findings


def _handlers(routes: list[RouteInfo]) -> list[Finding]:
    return [
        Finding(
            "handlers",
            "advice",
            f"{','.join(r.methods)} {r.path}",
            f"{r.handler} is a plain def: it runs on the event loop and blocks every other request while it "
            "runs (as on Sanic's server)",
            "make it async, or serve with `--sync-handlers thread` (ASGIApp(sync_handlers='thread')) if it is "
            "thread-safe",
        )
        for r in routes
        if r.sync
    ]


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _version_caveats(app: SanicApp, versions: dict[str, str], has_ws: bool) -> list[Finding]:
    findings = []
    sanic = _version_tuple(versions["sanic"])
    if sanic < (22, 12):
        findings.append(
            Finding(
                "versions",
                "differs",
                f"Sanic {versions['sanic']}",
                "sanic-asgi supports Sanic 22.12 and newer: ASGIApp refuses this app",
                "upgrade Sanic (22.12 LTS or newer)",
            )
        )
    elif sanic[:2] > (25, 12):
        findings.append(
            Finding(
                "versions",
                "note",
                f"Sanic {versions['sanic']}",
                "newer than the Sanic releases this sanic-asgi was tested with (22.12 to 25.12)",
                "run your test suite through sanic_asgi.testing before deploying",
            )
        )
    ws_version = versions.get("websockets", "not installed")
    if has_ws and ws_version != "not installed":
        ws = _version_tuple(ws_version)
        subprotocol_routes = [r.path for r in _ws_routes_with_subprotocols(app)]
        if ws < (11,) and subprotocol_routes:
            findings.append(
                Finding(
                    "versions",
                    "differs",
                    f"websockets {ws_version}",
                    "subprotocols are negotiated with websockets' ServerProtocol (websockets 11+); with this "
                    f"release the handshake of {', '.join(subprotocol_routes)} fails with 400",
                    "install websockets>=11 (Sanic 22.12 and 23.x accept it)",
                )
            )
        if ws >= (17,):
            findings.append(
                Finding(
                    "versions",
                    "note",
                    f"websockets {ws_version}",
                    "newer than tested (sanic-asgi's tests pin websockets<17, as Sanic 25.12's own do)",
                )
            )
    return findings


def _ws_routes_with_subprotocols(app: SanicApp) -> list[Any]:
    routes = []
    for route in app.router.routes:
        handler = route.handler
        if _is_websocket(route) and isinstance(handler, functools.partial) and handler.keywords.get("subprotocols"):
            routes.append(route)
    return routes


def _behaviour(app: SanicApp, server: ServerName, has_ws: bool) -> list[Finding]:
    findings = []
    if has_ws:
        findings.append(
            Finding(
                "behaviour",
                "note",
                "websocket pings",
                "ASGI gives applications no ping frames: ws.ping() returns at once and keepalive pings are the "
                "server's (WEBSOCKET_PING_INTERVAL is mapped to it where the server can)",
            )
        )
    if server == "gunicorn":
        findings.append(
            Finding(
                "behaviour",
                "note",
                "gunicorn signals",
                "SIGTERM stops gunicorn gracefully; SIGINT (Ctrl-C) and SIGQUIT are its quick shutdown, where the "
                "workers skip before_server_stop, the drain and after_server_stop (main_process_stop still runs)",
            )
        )
    if server == "daphne":
        findings.append(
            Finding(
                "behaviour",
                "note",
                "lifespan",
                "daphne does not speak lifespan: `sanic-asgi run` runs the listeners around daphne; under a bare "
                "`daphne module:asgi` the app starts lazily on the first request, and its stop listeners (with the "
                "drain) run when daphne stops, before daphne cancels what is left",
            )
        )
    return findings


# -- rendering --------------------------------------------------------------------------


def _render_added(report: Report, paint: Callable[[str, str], str]) -> list[str]:
    """Routes added at startup, one line per path and package (sanic-ext adds
    HEAD and OPTIONS routes beside every GET route)."""
    if report.trial == "skipped":
        return ["", "  (not started: --no-start; routes that extensions add at startup are not listed)"]
    merged: dict[tuple[str, str], set[str]] = {}
    for r in report.routes:
        if r.added_at_startup:
            merged.setdefault((r.path, r.added_by), set()).update(["WS"] if r.websocket else r.methods)
    if not merged:
        return []
    packages = sorted({by for _, by in merged})
    lines = ["", paint(f"Routes added at startup ({len(merged)} paths, by {', '.join(packages)})", "bold")]
    for (path, by), methods in sorted(merged.items()):
        lines.append(f"  {','.join(sorted(methods)):<16} {path:<30} {by}")
    return lines


_COLORS = {"differs": "\033[31m", "note": "\033[33m", "advice": "\033[36m", "ok": "\033[32m", "bold": "\033[1m"}
_RESET = "\033[0m"
_GROUPS = (
    ("startup", "Startup"),
    ("extensions", "Extensions"),
    ("listeners", "Listeners"),
    ("settings", "Settings"),
    ("signals", "Signals"),
    ("handlers", "Handlers"),
    ("versions", "Versions"),
    ("behaviour", "Other differences"),
)


def render(report: Report, *, color: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_RESET}" if color else text

    lines: list[str] = []
    if report.error:
        lines.append(paint(f"sanic-asgi doctor: cannot load {report.target!r}", "differs"))
        lines.append(f"  {report.error}")
        return "\n".join(lines) + "\n"
    workers = f"{report.workers} worker{'s' if report.workers != 1 else ''}"
    versions = ", ".join(f"{k} {v}" for k, v in report.versions.items())
    lines.append(
        paint(f"sanic-asgi doctor: {report.target} (app {report.app!r}) on {report.server}, {workers}", "bold")
    )
    lines.append(f"  {versions}")
    lines.append("")
    own = [r for r in report.routes if not r.added_at_startup]
    http = [r for r in own if not r.websocket]
    ws = [r for r in own if r.websocket]
    lines.append(paint(f"Routes ({len(http)} http, {len(ws)} websocket)", "bold"))
    for r in own:
        methods = "WS" if r.websocket else ",".join(r.methods)
        flag = paint("  [sync]", "advice") if r.sync else ""
        lines.append(f"  {methods:<12} {r.path:<30} {r.handler}{flag}")
    if not own:
        lines.append("  (none)")
    lines += _render_added(report, paint)
    for group, title in _GROUPS:
        if group == "listeners":
            lines.append("")
            lines.append(paint("Listeners", "bold"))
            if not report.listeners:
                lines.append("  (none)")
            for info in report.listeners:
                mark = paint(info.kind, info.kind)
                lines.append(f"  {info.event}: {info.listener}  [{mark}]")
                lines.append(f"      Sanic's server: {info.sanic}")
                lines.append(f"      sanic-asgi:     {info.asgi}")
                if info.kind == "differs":
                    action = _listener_action(info.event)
                    if action:
                        lines.append(f"      -> {action}")
            continue
        items = [f for f in report.findings if f.group == group]
        if not items:
            continue
        lines.append("")
        lines.append(paint(title, "bold"))
        for finding in items:
            lines.append(f"  [{paint(finding.kind, finding.kind)}] {finding.message}")
            if finding.action:
                lines.append(f"      -> {finding.action}")
            if group == "startup" and report.trial_output and not finding.action.startswith("see "):
                lines.append("      what the app printed last:")
                lines += [f"      | {line}" for line in report.trial_output.splitlines()]
    counts = report.counts()
    lines.append("")
    summary = f"{counts['differs']} differ, {counts['note']} notes, {counts['advice']} advice"
    if counts["differs"]:
        lines.append(paint(f"{summary}: behaviour differs from Sanic's server (exit 1)", "differs"))
    else:
        lines.append(paint(f"{summary}: nothing differs from Sanic's server (exit 0)", "ok"))
    return "\n".join(lines) + "\n"
