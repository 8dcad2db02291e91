"""The ``sanic-asgi`` command (also ``python -m sanic_asgi``).

::

    sanic-asgi run module:app [--server uvicorn|hypercorn|granian|daphne|gunicorn] [options] [-- server flags]
    sanic-asgi doctor module:app [--server NAME] [--workers N] [--json] [--no-start]

``run`` loads the app, translates its Sanic config into the chosen server's
settings (``servers.TABLES``), prints a banner with what was mapped and a
warning for every setting the server cannot honour, then runs the server's
own entry point in this process (``runners``; the module docstring there says
why).  ``doctor`` loads the app, starts and stops it once in-process (no
socket; ``--no-start`` skips that) and reports what will behave differently
(``doctor``).

Exit codes of ``run`` (the same on every server): 0 after a clean stop
(uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, as the
``uvicorn`` command does); 2 when the command line is wrong, the server is
not installed, or the app cannot be loaded; 3 when a startup listener fails
(one ``sanic-asgi: error:`` line after the listener's traceback); 4 when the
address cannot be listened on (in use, or not permitted); otherwise the
server's own.  ``doctor``: 0 nothing differs, 1 something does, 2 the app
cannot be loaded.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import sys
from typing import IO, TYPE_CHECKING

from .loader import IMPORT_STRING, TARGET_ENV, AppLoadError, LoadedTarget, Target, encode_target, load_target
from .servers import (
    HOST_PORT,
    PROXIES,
    SERVER_MODULES,
    SERVERS,
    WORKERS,
    Plan,
    RunOptions,
    SanicSettings,
    Unhonoured,
    install_hint,
    redact,
    translate,
    unhonoured_settings,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

PROG = "sanic-asgi"
USAGE_ERROR = 2
ADDRESS_UNAVAILABLE = 4


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sanic-asgi`` console script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in args:
        index = args.index("--")
        args, passthrough = args[:index], args[index + 1 :]
    parser = _parser()
    try:
        ns = parser.parse_args(args)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if ns.command is None:
        parser.print_help(sys.stderr)
        return USAGE_ERROR
    if passthrough and ns.command != "run":
        return _fail(f"{ns.command} takes no server flags after --")
    if ns.command == "run":
        return _run(ns, passthrough)
    return _doctor(ns)


# -- the command line -----------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Serve a Sanic app through sanic_asgi.ASGIApp on an ASGI server, with Sanic's settings.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="serve the app",
        description=(
            "Serve a Sanic app on an ASGI server. The app's config (KEEP_ALIVE_TIMEOUT, WEBSOCKET_MAX_SIZE, ...) "
            "becomes the server's settings; server flags after -- are passed on and win."
        ),
        epilog="example: sanic-asgi run server:app --server hypercorn -w 2 -- --h2-max-concurrent-streams 50",
    )
    _target_arguments(run)
    run.add_argument("-H", "--host", default="127.0.0.1", help="host address [default 127.0.0.1]")
    run.add_argument("-p", "--port", type=int, default=8000, help="port [default 8000]")
    run.add_argument("-u", "--uds", "--unix", dest="uds", metavar="PATH", help="listen on a UNIX socket instead")
    workers = run.add_mutually_exclusive_group()
    workers.add_argument("-w", "--workers", type=int, default=1, help="worker processes [default 1]")
    workers.add_argument("--fast", action="store_true", help="one worker per CPU")
    run.add_argument("-r", "--reload", "--auto-reload", dest="reload", action="store_true", help="reload on changes")
    run.add_argument(
        "-R", "--reload-dir", dest="reload_dirs", action="append", default=[], metavar="DIR", help="also watch DIR"
    )
    run.add_argument("--cert", help="TLS certificate (fullchain.pem, bundle.crt or equivalent)")
    run.add_argument("--key", help="TLS private key (privkey.pem or equivalent)")
    run.add_argument("--tls", metavar="DIR", help="TLS folder with fullchain.pem and privkey.pem (as Sanic's --tls)")
    logs = run.add_mutually_exclusive_group()
    logs.add_argument("--access-logs", dest="access_log", action="store_true", default=None, help="ACCESS_LOG on")
    logs.add_argument("--no-access-logs", dest="access_log", action="store_false", help="ACCESS_LOG off")
    run.add_argument("--lifespan", choices=("auto", "on", "off"), default="auto", help="ASGIApp(lifespan=...)")
    run.add_argument(
        "--sync-handlers",
        choices=("loop", "thread"),
        default="loop",
        help="ASGIApp(sync_handlers=...): run plain def handlers on the loop (as Sanic) or in threads",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no banner (warnings are still printed)")
    run.add_argument("--dry-run", action="store_true", help="print the server command line and stop")

    doctor = commands.add_parser(
        "doctor",
        help="report what will behave differently under ASGI",
        description=(
            "Load the app without serving it and report what will behave differently than on Sanic's server. "
            "Exit code: 0 nothing differs, 1 something does, 2 the app cannot be loaded."
        ),
    )
    _target_arguments(doctor)
    doctor.add_argument("-w", "--workers", type=int, default=1, help="the number of workers you will run")
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.add_argument(
        "--no-start",
        dest="start",
        action="store_false",
        help="do not start the app in-process (no listener runs; routes added at startup are not listed)",
    )
    return parser


def _target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        metavar="TARGET",
        help="module:app, module (its 'app'), module:create_app() (a factory), path/to/file.py[:app], or a directory",
    )
    parser.add_argument("--factory", action="store_true", help="TARGET names a callable that returns the app")
    parser.add_argument("--server", choices=SERVERS, default="uvicorn", help="the ASGI server [default uvicorn]")
    parser.add_argument("--no-color", action="store_true", help="no colour (it is off unless writing to a terminal)")


# -- run --------------------------------------------------------------------------------


def _run(ns: argparse.Namespace, passthrough: list[str]) -> int:
    out = _Output(sys.stderr, color=not ns.no_color, quiet=ns.quiet)
    cert, key = ns.cert, ns.key
    if ns.tls:
        if cert or key:
            return _fail("give either --tls DIR or --cert/--key, not both")
        cert, key = os.path.join(ns.tls, "fullchain.pem"), os.path.join(ns.tls, "privkey.pem")
    try:
        options = RunOptions(
            server=ns.server,
            host=ns.host,
            port=ns.port,
            uds=ns.uds,
            workers=(os.cpu_count() or 1) if ns.fast else ns.workers,
            reload=ns.reload,
            reload_dirs=tuple(ns.reload_dirs),
            cert=cert,
            key=key,
            lifespan=ns.lifespan,
            sync_handlers=ns.sync_handlers,
            passthrough=tuple(passthrough),
        )
    except ValueError as exc:
        return _fail(str(exc))
    missing = _missing_server(options.server)
    if missing:
        return _fail(missing)
    own_address = options.uds or ns.dry_run or _binds_itself(passthrough)
    unavailable = "" if own_address else address_unavailable(options.host, options.port)
    if unavailable:
        return _fail(unavailable, ADDRESS_UNAVAILABLE)
    loaded = _load(ns)
    if isinstance(loaded, int):
        return loaded
    settings = SanicSettings.from_app(loaded.app, access_log=ns.access_log)
    plan = translate(options, settings)
    has_ws = any(getattr(getattr(route, "extra", None), "websocket", False) for route in loaded.app.router.routes)
    supervised = _supervised(plan, loaded, ns, passthrough)
    if supervised:  # the workers are Sanic's (a server without workers of its own has them too)
        plan.unhonoured = [item for item in plan.unhonoured if item.setting != WORKERS]
        plan.warnings = [w for w in plan.warnings if "workers with --reload" not in w]
    changed, defaults = unhonoured_settings(plan, has_websockets=has_ws)
    warnings = _run_warnings(plan, loaded, changed, ns, supervised=supervised)
    cwd = os.getcwd()
    asgi_options = {"lifespan": options.lifespan, "sync_handlers": options.sync_handlers}
    config = {"ACCESS_LOG": ns.access_log} if ns.access_log is not None else {}
    env_value = encode_target(loaded.target, cwd=cwd, asgi_options=asgi_options, config=config)
    if ns.dry_run:
        for warning in warnings:
            out.warning(warning)
        _print_dry_run(plan, IMPORT_STRING, TARGET_ENV, env_value)
        if supervised:
            print(
                f"# -w {plan.options.workers}: Sanic's worker manager runs the main-process listeners once and "
                f"{plan.options.workers} workers, each serving this command in-process on the socket it binds"
            )
        return 0
    out.banner(plan, loaded, defaults, supervised=supervised)
    for warning in warnings:
        out.warning(warning)
    os.environ[TARGET_ENV] = env_value
    from .runners import run_plan

    if supervised:
        from functools import partial

        from .workers import supervise

        return run_plan(plan, partial(supervise, app=loaded.app, access_log=ns.access_log))
    return run_plan(plan)


def _supervised(plan: Plan, loaded: LoadedTarget, ns: argparse.Namespace, passthrough: Sequence[str]) -> bool:
    """Run Sanic's process model (``workers``)?  With more than one worker,
    where the server and the Sanic release allow; otherwise one line says why."""
    if plan.options.workers < 2:
        return False
    from .._generations import detect
    from .workers import why_not_supervised

    why = why_not_supervised(
        plan.options,
        process_model=detect(loaded.app).process_model,
        binds_itself=_binds_itself(passthrough),
    )
    if why:
        _Output(sys.stderr, color=not ns.no_color, quiet=False).warning(f"Sanic's process model is off: {why}")
    return not why


def _run_warnings(
    plan: Plan, loaded: LoadedTarget, changed: list[Unhonoured], ns: argparse.Namespace, *, supervised: bool = False
) -> list[str]:
    # Only what this app (or this command line) changed: Sanic's defaults that
    # the server cannot honour are one line of the banner (doctor: notes).
    warnings = [item.message(plan.server) for item in changed]
    warnings += plan.warnings
    main_listeners = sorted(e for e, fns in loaded.app.listeners.items() if fns and e.startswith("main_process"))
    # daphne runs one process; gunicorn's arbiter (sanic_asgi.gunicorn) and
    # Sanic's worker manager run them once.
    if main_listeners and plan.options.workers > 1 and plan.server not in ("daphne", "gunicorn") and not supervised:
        warnings.append(
            f"{', '.join(main_listeners)} listener(s) run once in each of the {plan.options.workers} workers, "
            "not once in a main process as on Sanic's server (see `sanic-asgi doctor`)"
        )
    if loaded.asgi is not None and (ns.lifespan != "auto" or ns.sync_handlers != "loop"):
        warnings.append(
            f"{loaded.target.text} is an ASGIApp already: it is served with its own options "
            f"(lifespan={loaded.asgi.lifespan!r}); --lifespan/--sync-handlers are ignored"
        )
    return warnings


def _print_dry_run(plan: Plan, import_string: str, env_name: str, env_value: str) -> None:
    command = plan.command_line(import_string)
    print(shlex.join(redact(command)))
    if redact(command) != command:
        print("# secrets are shown as *** (sanic-asgi run passes them to the server, never prints them)")
    for name, value in plan.overrides.items():
        print(f"# {plan.server} parameter without a flag: {name}={value!r}")
    for name, value in plan.config_object.items():
        print(f"# hypercorn config object: {name}={value!r}")
    print(f"# environment: {env_name}={env_value}")


def _missing_server(server: str) -> str:
    module = SERVER_MODULES[server]  # type: ignore[index]
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return f"{server} is not installed ({exc}); install it with: {install_hint(server)}"
    return ""


def _load(ns: argparse.Namespace) -> LoadedTarget | int:
    try:
        return load_target(Target.parse(ns.target, factory=ns.factory))
    except AppLoadError as exc:
        return _fail(f"cannot load {ns.target!r}: {exc}")


def _fail(message: str, code: int = USAGE_ERROR) -> int:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return code


# Server flags (after --) that choose the address: then the server's own.
_ADDRESS_FLAGS = ("--host", "--port", "--bind", "-b", "--insecure-bind", "--uds", "--fd", "--endpoint", "-e")


def _binds_itself(passthrough: Sequence[str]) -> bool:
    return any(arg.split("=", 1)[0] in _ADDRESS_FLAGS for arg in passthrough)


def address_unavailable(host: str, port: int) -> str:
    """Why the server could not listen on ``host:port`` (in use, not
    permitted), or "".  Tried as the servers bind (``SO_REUSEADDR``), before
    the server starts, so that a port in use is one line on every server
    (hypercorn and granian end in a traceback, uvicorn and daphne run the
    app's startup and shutdown first).  A host that does not resolve is left
    to the server to report."""
    import errno
    import socket

    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        return ""
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                ip = str(address[0])
                shown = f"[{ip}]:{port}" if family == socket.AF_INET6 else f"{ip}:{port}"
                if exc.errno == errno.EADDRINUSE:
                    return (
                        f"cannot listen on {shown}: the address is in use (another server runs there); "
                        "stop it, or choose another port with --port"
                    )
                if exc.errno == errno.EACCES:
                    return (
                        f"cannot listen on {shown}: permission denied (ports below 1024 need privileges); "
                        "choose a port from 1024 up with --port"
                    )
                if exc.errno == errno.EADDRNOTAVAIL:
                    return f"cannot listen on {shown}: no network interface has that address; check --host"
    return ""


# -- doctor -----------------------------------------------------------------------------


def _doctor(ns: argparse.Namespace) -> int:
    from .doctor import Finding, Report, diagnose, render

    if ns.workers < 1:
        return _fail(f"workers must be 1 or more; got {ns.workers}")
    try:
        loaded = load_target(Target.parse(ns.target, factory=ns.factory))
    except AppLoadError as exc:
        cause = exc.__cause__
        error = str(exc) if cause is None else f"{exc}\n  caused by {type(cause).__name__}: {cause}"
        report = Report(target=ns.target, server=ns.server, workers=ns.workers, error=error)
    else:
        report = diagnose(
            loaded.app, target=ns.target, server=ns.server, workers=ns.workers, asgi=loaded.asgi, start=ns.start
        )
        missing = _missing_server(ns.server)
        if missing:
            report.findings.append(Finding("versions", "note", ns.server, missing))
    if ns.json:
        json.dump(report.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(report, color=_use_color(sys.stdout, ns.no_color)))
    return report.exit_code


# -- output -----------------------------------------------------------------------------


def _use_color(stream: IO[str], no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Output:
    """The banner and warnings, on stderr (stdout is the server's and the app's)."""

    def __init__(self, stream: IO[str], *, color: bool, quiet: bool) -> None:
        self.stream = stream
        self.color = _use_color(stream, not color)
        self.quiet = quiet

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def warning(self, text: str) -> None:
        self.stream.write(f"{self.paint(f'{PROG}: warning:', '33')} {text}\n")
        self.stream.flush()

    def banner(
        self, plan: Plan, loaded: LoadedTarget, defaults: Sequence[Unhonoured] = (), *, supervised: bool = False
    ) -> None:
        if self.quiet:
            return
        from sanic import __version__ as sanic_version

        from .. import __version__

        o = plan.options
        server_version = _version_of(plan.server)
        kind = "ASGIApp given by the target" if loaded.asgi is not None else f"ASGIApp(lifespan={o.lifespan!r}"
        if loaded.asgi is None:
            kind += f", sync_handlers={o.sync_handlers!r})" if o.sync_handlers != "loop" else ")"
        workers = f"{o.workers} worker{'s' if o.workers != 1 else ''}" + (", reload" if o.reload else "")
        if supervised:
            workers += " (Sanic's worker manager: main-process listeners once, shared_ctx, app.m)"
        rows: list[tuple[str, str]] = [
            ("app", f"{loaded.target.text} (Sanic app {loaded.app.name!r}, {kind})"),
            ("server", f"{plan.server} {server_version}, {workers}"),
            ("listening", o.url),
        ]
        rows += [("note", note) for note in loaded.notes]
        shown = [(_setting_text(m.setting, m.value), m.option) for m in plan.mapped if m.setting != HOST_PORT]
        width = min(30, max((len(left) for left, _ in shown), default=0))
        for index, (left, option) in enumerate(shown):
            rows.append(("mapped" if index == 0 else "", f"{left:<{width}}  -> {option}"))
        if plan.passthrough:
            rows.append(("passed", shlex.join(redact(plan.passthrough)) + "  (after --; these win)"))
        if defaults:
            names = ", ".join(item.setting for item in defaults)
            rows.append(
                (
                    "defaults",
                    f"{names}: Sanic's default{'s' if len(defaults) > 1 else ''}, not honoured "
                    f"by {plan.server} (as for every app on it; `sanic-asgi doctor` says why)",
                )
            )
        lines = [
            self.paint(f"{PROG} {__version__}", "1") + f" · Sanic {sanic_version} · {plan.server} {server_version}"
        ]
        lines += [f"  {self.paint(f'{label:<10}', '36')} {text}" for label, text in rows]
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()


def _setting_text(setting: str, value: str) -> str:
    if setting == PROXIES:
        return f"proxy settings: {value}"
    if setting.startswith("-"):
        return setting if value in ("on", "True") else f"{setting} {value}"
    return f"{setting}={value}"


def _version_of(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:  # pragma: no cover - checked before
        return "?"
