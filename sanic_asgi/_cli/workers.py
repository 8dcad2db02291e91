"""``sanic-asgi run -w N``: Sanic's process model, with an ASGI server doing HTTP.

Theory of operation
-------------------

Sanic's own server (``Sanic.serve`` in ``sanic/mixins/startup.py``, 22.9+)
runs a main process that supervises workers with ``WorkerManager``
(``sanic/worker/manager.py``)::

    supervisor:  setup_ext, main_process_start     (once)
                 bind the listening socket
                 WorkerManager(N, serve, ...)       (+ Reloader, Inspector)
                 main_process_ready                 (once)
                 manager.run(): start, wait for every worker's ack, monitor
    worker i:    app.multiplexer (app.m), shared_ctx from the supervisor,
                 before_server_start ... after_server_start, ack
                 ... serving on the inherited socket ...
                 before_server_stop, drain, after_server_stop
    supervisor:  main_process_stop                  (once)

``supervise`` below is that sequence with Sanic's own ``WorkerManager``,
``WorkerMultiplexer``, ``Reloader`` and ``Inspector``; only the function each
worker runs differs: ``serve_worker`` runs the chosen ASGI server *in the
worker process* on the socket the supervisor bound (uvicorn's
``Server.serve(sockets=...)``, hypercorn's ``--bind fd://N`` with
``--workers 0``, daphne's ``--fd N``).  The server's lifespan events run the
server listeners as always (``AppRuntime``); the runtime leaves the
``main_process_*`` listeners to the supervisor when the app has
``app.multiplexer`` (``_runtime._supervised``).  A worker tells the manager
it is up (``app.ack()``) when its lifespan startup completes
(``AckOnStartup``), as Sanic's worker acks once its startup listeners ran.

Signals
-------

SIGINT or SIGTERM may come at any moment once ``supervise`` runs, also while
the workers start, and to the whole process group (Ctrl-C, systemd,
``kill -- -PGID``): it ends in one graceful stop and exit 0.  A signal before a process's handlers
are in place is kept (``PendingStop``) and acted on when they are: the
supervisor starts no worker, a worker starts no server or hands the signal to
the server's handlers.  The manager acts on a signal in a thread, not in the
handler, and not while it spawns the workers; its wait for the acks ends when
the server stops (``_manager_class``); and the process holding
``worker_state`` ignores SIGTERM (``_sync_manager_process_init``).

What the manager does on its own is Sanic's behaviour unchanged:
``app.m.restart()`` restarts that worker (SIGTERM: the server's graceful
shutdown, with Sanic's drain), ``app.m.terminate()`` stops everything,
SIGINT/SIGTERM to the supervisor stop every worker (SIGINT: the server's
graceful shutdown) and then run ``main_process_stop``, the reloader restarts
every worker when a file changes, ``INSPECTOR`` serves Sanic's inspector.

Where a server cannot serve an inherited socket in-process (granian's Rust
workers bind their own), ``why_not_supervised`` says so in one line and the
command keeps the server's own workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from functools import partial
from typing import TYPE_CHECKING, Any

from .loader import COMMAND_PID_ENV, STARTUP_FAILURE, STARTUP_REPORT_ENV, TARGET_ENV, Target, load_target

if TYPE_CHECKING:
    import socket
    from collections.abc import Iterator

    from .._types import Receive, SanicApp, Scope, Send
    from .servers import Plan, RunOptions

__all__ = [
    "FEATURES",
    "WHAT_RUNS_WHERE",
    "WORKER_IMPORT_STRING",
    "AckOnStartup",
    "serve_worker",
    "supervise",
    "why_not_supervised",
]

# What each worker's server imports: the ASGIApp of `sanic-asgi run`, acking on startup.
WORKER_IMPORT_STRING = "sanic_asgi._cli._worker_target:asgi"

# Seconds the supervisor waits for every worker to ack, as Sanic's WorkerProcess.THRESHOLD (30 s).
ACK_TIMEOUT = 30.0


# What `sanic-asgi run -w N` does with each part of Sanic's process model,
# per server (doctor and the README say it from here).
FEATURES = ("main-process listeners", "shared_ctx", "app.m", "reload", "inspector", "health monitor")
_SUPERVISED_CELLS = {
    "main-process listeners": "once, in the supervisor, in Sanic's order around the workers",
    "shared_ctx": "set in main_process_start, handed to every worker (Sanic's own hand-over)",
    "app.m": "Sanic's multiplexer: restart() restarts that worker (graceful), terminate() stops the server",
    "reload": "Sanic's reloader process restarts every worker when a file changes (-r, -R DIR)",
    "inspector": "INSPECTOR=True serves Sanic's inspector from the supervisor",
    "health monitor": "sanic-ext's health monitor, health endpoint and background logger run as on Sanic's server",
}
_OWN_WORKERS_CELLS = {
    "main-process listeners": "once per worker, in each worker's lifespan startup/shutdown (with a warning)",
    "shared_ctx": "not shared: each worker has its own",
    "app.m": "does not exist",
    "reload": "the server's own reloader; Sanic's reload listeners do not run",
    "inspector": "not served",
    "health monitor": "sanic-ext's health monitor and background logger fail the startup (doctor says so)",
}
WHAT_RUNS_WHERE: dict[str, dict[str, str]] = {
    "uvicorn": _SUPERVISED_CELLS,
    "hypercorn": {**_SUPERVISED_CELLS, "reload": "Sanic's reloader (-r): hypercorn's own is not used"},
    "daphne": {
        **_SUPERVISED_CELLS,
        "main-process listeners": _SUPERVISED_CELLS["main-process listeners"]
        + " (--tls, --uds or an IPv6 host: one process)",
    },
    "granian": _OWN_WORKERS_CELLS,
    # gunicorn's arbiter is the supervisor, with the sanic_asgi.gunicorn config module.
    "gunicorn": {
        **_OWN_WORKERS_CELLS,
        "main-process listeners": "once, in gunicorn's arbiter (the sanic_asgi.gunicorn config module)",
        "shared_ctx": "set in main_process_start in the arbiter, seen by every worker (forked from it)",
        "reload": "not offered (the arbiter loaded the app once)",
    },
}


def why_not_supervised(options: RunOptions, *, process_model: bool, binds_itself: bool) -> str:
    """Why ``sanic-asgi run`` with these options cannot run Sanic's process
    model (one line), or "" when it can.  Only asked for ``workers > 1``."""
    if not process_model:
        from sanic import __version__

        return (
            f"Sanic {__version__} has no worker manager (Sanic 22.9+ has): {options.server} runs its own "
            "workers, and main-process listeners run in each of them"
        )
    if options.server == "granian":
        return (
            "granian's workers bind their own sockets and cannot serve one a supervisor passes them: "
            "granian runs its own workers, and main-process listeners run in each of them"
        )
    if options.server == "gunicorn":
        return (
            "gunicorn's arbiter runs its own workers: main-process listeners run once there "
            "(sanic_asgi.gunicorn), and app.m and the inspector are not offered"
        )
    if options.server == "daphne" and options.tls:
        return "daphne serves a supervisor's socket without TLS: --tls/--cert need one daphne process"
    if options.server == "daphne" and (options.uds or ":" in options.host):
        return "daphne adopts a supervisor's socket for IPv4 only: --uds and IPv6 hosts need one daphne process"
    if binds_itself:
        return f"the address is given to {options.server} after --: {options.server} runs its own workers"
    return ""


# -- the supervisor -------------------------------------------------------------------


def supervise(plan: Plan, app: SanicApp, *, access_log: bool | None) -> int:
    """Run ``plan.options.workers`` workers under Sanic's ``WorkerManager``;
    return the exit code (``runners.run_plan`` reports a failed startup)."""
    from multiprocessing import Pipe
    from pathlib import Path

    from sanic import Sanic
    from sanic.application.ext import setup_ext
    from sanic.exceptions import ServerKilled
    from sanic.log import error_logger, logger
    from sanic.server.events import trigger_events
    from sanic.server.socket import bind_socket, bind_unix_socket, remove_unix_socket
    from sanic.worker.loader import AppLoader
    from sanic.worker.reloader import Reloader

    options = plan.options
    # As Sanic.serve: the start method (spawn unless the app chose one) is
    # set for the process, so that app.shared_ctx values made with
    # multiprocessing's defaults travel to the workers.
    # SIGINT/SIGTERM before the manager handles them (it does from its
    # __init__): no worker starts, main_process_stop runs, exit 0.
    early_stop = PendingStop()
    early_stop.catch()
    Sanic._set_startup_method()
    context = Sanic._get_context()
    sync_manager = _start_sync_manager(context)
    app.state.workers = options.workers  # as app.prepare(workers=N); sanic-ext sizes its queues by it
    setup_ext(app)
    loop = asyncio.new_event_loop()
    sock: socket.socket | None = None
    code = 0
    try:
        try:
            trigger_events(app.listeners.get("main_process_start"), loop, app)
        except Exception as exc:  # as a failed worker startup: one line and STARTUP_FAILURE (run_plan)
            error_logger.exception("main_process_start failed; no worker was started")
            _report_startup_failure(f"main_process_start: {type(exc).__name__}: {exc}")
            return STARTUP_FAILURE
        sock = bind_unix_socket(options.uds) if options.uds else bind_socket(options.host, options.port)
        monitor_sub, monitor_pub = Pipe(True)
        worker_state = sync_manager.dict()
        settings: dict[str, Any] = {
            "options": options,
            "access_log": access_log,
            "sock": sock,
            "monitor_publisher": monitor_pub,
            "worker_state": worker_state,
            "shared_ctx": app.shared_ctx.__dict__,
        }
        manager = _manager_class()(
            options.workers, serve_worker, settings, context, (monitor_pub, monitor_sub), worker_state
        )
        app_loader = AppLoader(factory=partial(sanic_app_from_environment))
        if options.reload:
            dirs = {Path(d) for d in options.reload_dirs} | set(app.state.reload_dirs)
            manager.manage("Reloader", Reloader(monitor_pub, 0, dirs, app_loader), {}, transient=False)
        inspector = None
        if app.config.INSPECTOR:
            inspector = _inspector(app, plan, monitor_pub, worker_state)
            manager.manage("Inspector", inspector, {}, transient=False)
        app._inspector = inspector
        app._manager = manager
        trigger_events(app.listeners.get("main_process_ready"), loop, app)
        if early_stop.signal is not None:
            manager.shutdown_signal(early_stop.signal, None)
        manager.run()
        code = STARTUP_FAILURE if manager.failed_to_start else 0
    except ServerKilled:
        code = 1
    finally:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        try:
            trigger_events(app.listeners.get("main_process_stop"), loop, app)
        finally:
            loop.close()
            sync_manager.shutdown()
            if options.uds:
                remove_unix_socket(options.uds)
            logger.info("Server Stopped")
    return code


def _report_startup_failure(text: str) -> None:
    path = os.environ.get(STARTUP_REPORT_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as report:
            report.write(text + "\n")


def _start_sync_manager(context: Any) -> Any:
    """The ``SyncManager`` that holds ``worker_state`` (``context.Manager()``,
    as ``Sanic.serve``), in a process that outlives a SIGTERM to the group."""
    from multiprocessing.managers import SyncManager

    sync_manager = SyncManager(ctx=context)
    sync_manager.start(_sync_manager_process_init)
    return sync_manager


def _sync_manager_process_init() -> None:
    """In the ``SyncManager``'s process: SIGTERM to the command's process
    group (systemd's default, ``kill -- -PGID``) reaches this process too, and
    would end it while the supervisor and the workers still read and write
    ``worker_state`` (a ``BrokenPipeError`` in the supervisor, exit 1, and a
    worker whose ack fails).  It ignores SIGTERM, as multiprocessing makes it
    ignore SIGINT, and ends with ``sync_manager.shutdown()``, or when the
    supervisor is gone."""
    import threading
    from multiprocessing import parent_process
    from multiprocessing.connection import wait

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = parent_process()
    if parent is not None:  # SIGKILL to the supervisor: do not outlive it
        threading.Thread(target=_exit_when_ready, args=(parent.sentinel, wait), daemon=True).start()


def _exit_when_ready(sentinel: int, wait: Any) -> None:
    wait([sentinel])
    os._exit(0)


def _manager_class() -> Any:
    # Defined when used: Sanic before 22.9 has no WorkerManager.
    import queue
    import threading

    from sanic.log import error_logger, logger
    from sanic.worker.manager import WorkerManager

    class Manager(WorkerManager):
        """Sanic's ``WorkerManager``, with two changes to when it acts.

        Its SIGINT/SIGTERM handler (``shutdown_signal``) talks to the process
        holding ``worker_state``: run in the handler, it interrupted the main
        thread in the middle of its own call on the same connection (the
        monitor loop reads ``worker_state`` ten times a second), and the
        supervisor died of the garbled reply.  Here the handler only queues
        the signal, and a thread acts on it (with a connection of its own),
        not while the workers are being spawned (``shutdown()`` stops only
        those that have a PID; the others served on).

        Its wait for the acks (before it monitors) also ends when the server
        stops, or when a worker dies starting: Sanic's own ends only when
        every worker acked, or after 30 s with exit 1."""

        failed_to_start = False
        stopping = False

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)  # installs shutdown_signal as the handler
            self.spawning = threading.Lock()
            self.signals: queue.SimpleQueue[int] = queue.SimpleQueue()
            threading.Thread(target=self._act_on_signals, name="sanic-asgi-signals", daemon=True).start()

        def shutdown_signal(self, sig: int, frame: Any) -> None:
            self.signals.put(sig)  # SimpleQueue.put: safe in a signal handler

        def _act_on_signals(self) -> None:
            first = True
            while True:
                sig = self.signals.get()
                with self.spawning:
                    if first and self.stopping:
                        # The first signal while a stop of ours is already on
                        # its way (a worker stopped by the same signal to the
                        # process group, app.m.terminate()): the same stop.
                        # Sanic kills on a second signal only.
                        logger.info("Received signal %s. Shutting down.", signal.Signals(sig).name)
                    else:
                        super().shutdown_signal(sig, None)  # type: ignore[no-untyped-call]
                first = False

        def shutdown(self) -> None:
            # On SIGINT/SIGTERM (shutdown_signal), app.m.terminate(), and below.
            self.stopping = True
            super().shutdown()  # type: ignore[no-untyped-call]

        def start(self) -> None:
            with self.spawning:
                if not self.stopping:  # stopped before it started: no worker to stop
                    super().start()  # type: ignore[no-untyped-call]

        def wait_for_ack(self) -> None:
            outcome = _wait_for_acks(self, self.worker_state, self.num_server)
            if outcome == "up" or self.stopping:
                return  # the monitor loop ends on the None shutdown_signal sent
            if outcome == "stopped":
                logger.info("A worker stopped before it was up; stopping the others")
            else:
                self.failed_to_start = True
                error_logger.error(outcome)
            self.shutdown()
            self.monitor_publisher.send(None)  # ends the monitor loop

    return Manager


_STOPPED_BY_SIGNAL = (-signal.SIGINT, -signal.SIGTERM)


def _wait_for_acks(manager: Any, worker_state: Any, workers: int) -> str:
    """Until every server worker acked ("up"), the server is stopping (""),
    a worker exited cleanly before its ack ("stopped": a signal to it alone),
    or one failed to start or did not ack in time (the error to log)."""
    deadline = time.monotonic() + ACK_TIMEOUT
    while time.monotonic() < deadline:
        if manager.stopping:
            return ""
        servers = [s for s in dict(worker_state).values() if s.get("server")]
        if len(servers) >= workers and all(s.get("state") == "ACKED" for s in servers):
            return "up"
        exited = [p for p in manager.transient_processes if p.pid and not p.is_alive()]
        # A worker ended by SIGINT/SIGTERM was stopped (a signal to the whole
        # process group reaches it before our own handler sets `stopping`).
        if any(p.exitcode and p.exitcode not in _STOPPED_BY_SIGNAL for p in exited):
            return "A worker failed to start (its error is above); stopping the others"
        if exited:
            return "stopped"
        time.sleep(0.05)
    return f"Not every worker acknowledged its startup within {ACK_TIMEOUT}s; stopping (is a startup listener stuck?)"


def _inspector(app: SanicApp, plan: Plan, publisher: Any, worker_state: Any) -> Any:
    """Sanic's inspector, given what ``Sanic.serve`` gives it."""
    from sanic import __version__ as sanic_version

    from .. import __version__

    config = app.config
    info = {
        "app": app.name,
        "mode": f"sanic-asgi run, {plan.options.workers} workers",
        "server": plan.server,
        "packages": [f"sanic=={sanic_version}", f"sanic-asgi=={__version__}"],
        "extra": {},
    }
    return app.inspector_class(
        publisher,
        info,
        worker_state,
        config.INSPECTOR_HOST,
        config.INSPECTOR_PORT,
        config.INSPECTOR_API_KEY,
        config.INSPECTOR_TLS_KEY,
        config.INSPECTOR_TLS_CERT,
    )


# -- a worker -------------------------------------------------------------------------


def sanic_app_from_environment() -> SanicApp:
    """The Sanic app ``TARGET_ENV`` names (loaded once per process)."""
    spec = json.loads(os.environ[TARGET_ENV])
    return load_target(Target.parse(spec["target"], factory=spec["factory"]), cwd=spec["cwd"]).app


def serve_worker(
    *,
    options: RunOptions,
    access_log: bool | None,
    sock: socket.socket,
    monitor_publisher: Any,
    worker_state: Any,
    shared_ctx: dict[str, Any],
    config: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    """One worker process: what Sanic's ``worker_serve`` prepares, then the
    ASGI server, in this process, on the supervisor's socket."""
    from sanic.worker.multiplexer import WorkerMultiplexer

    # app.manager and app.inspector raise in a worker, as on Sanic's server.
    os.environ["SANIC_WORKER_PROCESS"] = "true"
    PENDING_STOP.catch()
    # A failed startup is reported in the file (loader.StartupReporter) and
    # ends this worker through its server; the supervisor sees it exit.
    os.environ[COMMAND_PID_ENV] = str(os.getpid())
    app = sanic_app_from_environment()
    app.multiplexer = WorkerMultiplexer(monitor_publisher, worker_state)
    app.refresh({"shared_ctx": shared_ctx})  # Sanic's own hand-over; locks shared_ctx
    if config:  # a restart by the reloader passes the files it saw change
        app.update_config(config)
    _serving_stage(app, options)
    if PENDING_STOP.signal is not None:  # stopped while it imported the app
        sys.exit(0)
    code = _serve(options, access_log, sock, app)
    sys.exit(code)


class PendingStop:
    """A stop that reached a worker before its server handles signals.

    Sanic's manager stops a worker with SIGINT (and restarts it with SIGTERM);
    Ctrl-C in a terminal, or SIGTERM to the process group (systemd), reach
    every worker as well.  Each server's own handlers turn either into one
    graceful stop, but they are installed only when it starts serving; a
    signal before that (while the worker imports the app, or the server its
    config) is kept here (``catch``) and raised again once the server's
    handlers are in place (``hand_over``): by ``WorkerServer`` as uvicorn
    installs them, else when the lifespan startup completes
    (``AckOnStartup``).  Ignored, as in Sanic's workers, the worker would
    start serving after the supervisor had stopped it, and the command would
    wait for it for ever.  One per worker process (``PENDING_STOP``); the
    supervisor keeps its own until Sanic's manager handles the signals."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signal: int | None = None

    def catch(self) -> None:
        for sig in self.SIGNALS:
            signal.signal(sig, self._keep)

    def _keep(self, sig: int, frame: Any) -> None:
        self.signal = sig

    def hand_over(self) -> None:
        """Raise the kept signal again, if the server handles it by now."""
        sig = self.signal
        if sig is not None and signal.getsignal(sig) != self._keep:
            self.signal = None
            signal.raise_signal(sig)


PENDING_STOP = PendingStop()


def _serving_stage(app: SanicApp, options: RunOptions) -> None:
    """``app.state.stage`` SERVING, as Sanic's worker sets it before its
    startup listeners: sanic-ext's health check sends its heartbeats while
    it is (``AckOnStartup`` sets it back to STOPPED on lifespan.shutdown)."""
    from sanic.application.constants import ServerStage
    from sanic.application.state import ApplicationServerInfo
    from sanic.http.constants import HTTP

    # The keys Sanic's server settings have that Sanic reads while serving
    # (TouchUp's alt-svc scheme reads "version").
    settings = {"host": options.host, "port": options.port, "unix": options.uds, "version": HTTP.VERSION_1, "app": app}
    app.state.server_info = [ApplicationServerInfo(settings=settings, stage=ServerStage.SERVING)]


def _serve(options: RunOptions, access_log: bool | None, sock: socket.socket, app: SanicApp) -> int:
    from dataclasses import replace

    from .runners import _run_daphne
    from .servers import SanicSettings, translate

    own = replace(options, workers=1, reload=False, reload_dirs=(), fd=sock.fileno())
    plan = translate(own, SanicSettings.from_app(app, access_log=access_log))
    args = [*plan.args, *plan.passthrough]
    if options.server == "uvicorn":
        return _serve_uvicorn(plan, args, sock)
    if options.server == "hypercorn":
        import hypercorn.__main__

        from . import runners

        runners.HYPERCORN_CONFIG.__dict__.update(plan.config_object)
        config = ["--config", "python:sanic_asgi._cli.runners.HYPERCORN_CONFIG"] if plan.config_object else []
        # --workers 0: serve in this process (hypercorn.run.run).
        argv = [*config, *plan.args, "--workers", "0", *plan.passthrough, WORKER_IMPORT_STRING]
        return int(hypercorn.__main__.main(argv) or 0)
    if options.server == "daphne":
        import daphne.server  # type: ignore[import-untyped]  # noqa: F401 - installs Twisted's reactor: first
        from twisted.internet import reactor as installed

        reactor: Any = installed  # twisted's interfaces type its methods without self
        # Twisted handles SIGINT only where Python's default handler is in
        # place: put it back just before the reactor installs its handlers
        # (daphne runs the lifespan startup before), then hand a stop over.
        reactor.addSystemEventTrigger("before", "startup", signal.signal, signal.SIGINT, signal.default_int_handler)
        reactor.callWhenRunning(PENDING_STOP.hand_over)
        return _run_daphne([*args, WORKER_IMPORT_STRING])
    raise AssertionError(options.server)  # pragma: no cover - why_not_supervised


def _serve_uvicorn(plan: Plan, args: list[str], sock: socket.socket) -> int:
    import inspect

    import click
    from click.core import ParameterSource
    from uvicorn import Config
    from uvicorn.config import LOGGING_CONFIG
    from uvicorn.main import main as uvicorn_command

    try:
        ctx = uvicorn_command.make_context("uvicorn", [*args, WORKER_IMPORT_STRING])
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    params = dict(ctx.params)
    for name, value in plan.overrides.items():
        if ctx.get_parameter_source(name) in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
            params[name] = value
    # What uvicorn's `main` does with its parameters before Config(...).
    if params.get("app_dir") is not None:
        sys.path.insert(0, params["app_dir"])
    if params.get("log_config") is None:
        params["log_config"] = LOGGING_CONFIG
    for name in ("reload_dirs", "reload_includes", "reload_excludes"):
        if name in params:
            params[name] = params[name] or None
    accepted = inspect.signature(Config).parameters
    config = Config(**{k: v for k, v in params.items() if k in accepted and k not in ("workers", "reload")})
    server = _worker_server_class()(config)
    server.run(sockets=[sock])
    return 0 if server.started else STARTUP_FAILURE


def _worker_server_class() -> Any:
    # Defined when used: uvicorn is an optional dependency.
    from uvicorn import Server

    class WorkerServer(Server):
        """uvicorn's Server, with SIGINT as one graceful stop: the supervisor
        and a terminal's Ctrl-C may both send it (uvicorn takes a second
        SIGINT as "exit now", skipping the drain and the lifespan shutdown)."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(signal.SIGTERM if sig == signal.SIGINT else sig, frame)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                PENDING_STOP.hand_over()
                yield

    return WorkerServer


class AckOnStartup:
    """The worker's ASGI app: tell Sanic's manager the worker is up
    (``app.ack()``, ``app.set_serving(True)``) when its lifespan startup
    completes, or when the app declines lifespan (``--lifespan off``) and
    starts lazily."""

    def __init__(self, asgi: Any, app: SanicApp) -> None:
        self.asgi = asgi
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "lifespan":
            await self.asgi(scope, receive, send)
            return
        answered = False

        async def acking_send(message: Any) -> None:
            nonlocal answered
            await send(message)
            if message.get("type") in ("lifespan.startup.complete", "lifespan.startup.failed"):
                answered = True
            if message.get("type") == "lifespan.startup.complete":
                self._ack()

        async def stopping_receive() -> Any:
            message = await receive()
            if message.get("type") == "lifespan.shutdown":
                self._stopping()
            return message

        try:
            await self.asgi(scope, stopping_receive, acking_send)
        finally:
            if not answered:  # no lifespan: the app starts before its first request
                self._ack()

    def _stopping(self) -> None:
        from sanic.application.constants import ServerStage

        for info in self.app.state.server_info:
            info.stage = ServerStage.STOPPED
        self.app.set_serving(False)

    def _ack(self) -> None:
        self.app.ack()
        self.app.set_serving(True)
        PENDING_STOP.hand_over()  # the server handles signals by now
