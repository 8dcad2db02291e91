"""The running state of one Sanic app behind one ``ASGIApp``.

Theory of operation
-------------------

Sanic's own server starts an app in a fixed order (``serve()`` in
``sanic/mixins/startup.py`` and ``_serve_http_1`` in ``sanic/server/runners.py``)::

    main process:  main_process_start
    worker:        app._startup()            routes and signals finalized, TouchUp
                   before_server_start       (signal server.init.before)
                   ...socket bound...
                   after_server_start        (signal server.init.after)
    main process:  main_process_ready
    ...serving...
    worker:        before_server_stop        (signal server.shutdown.before)
                   ...connections drained for GRACEFUL_SHUTDOWN_TIMEOUT...
                   after_server_stop         (signal server.shutdown.after)
    main process:  main_process_stop
                   routers reset

Under ASGI there is one process per worker and no "main process" that we can
see, so ``AppRuntime.start`` runs the whole sequence, main-process listeners
included, once per worker: on ``lifespan.startup`` when the server speaks the
lifespan protocol, or lazily before the first request when it does not
(daphne, ``uvicorn --lifespan off``).  ``stop`` runs the shutdown half and
resets what ``start`` set, so that the same app object can be started again
(test suites and reloaders do this).

The runtime also counts requests in flight, so that shutdown can drain them
the way Sanic's server drains its connections.

ASGI apps mounted beside Sanic (``ASGIApp(mounts=...)``, ``_mounts``) have
their lifespans run around that sequence: started before
``main_process_start``, shut down after ``main_process_stop``; a mounted
app's startup failure is a startup failure of the whole.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import multiprocessing
import os
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Callable

from sanic.exceptions import ServerError
from sanic.log import error_logger, logger

from ._exceptions import ConfigurationError
from ._generations import Generation, detect
from ._handlers import HandleRequest, Wrapper, handler_caller, run_in_thread

if TYPE_CHECKING:
    from contextvars import ContextVar

    from sanic import Request

    from ._mounts import MountLifespans
    from ._types import SanicApp

__all__ = ["AppRuntime", "RuntimeState"]

log = logging.getLogger("sanic_asgi")


class RuntimeState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    STARTED = "started"
    STOPPING = "stopping"
    FAILED = "failed"


class AppRuntime:
    """Start/stop bookkeeping and per-app settings cached at startup."""

    def __init__(
        self,
        app: SanicApp,
        *,
        graceful_shutdown_timeout: float | None = None,
        sync_handlers: str = "loop",
    ) -> None:
        self.app = app
        self.generation: Generation = detect(app)
        self.conn_info_class = self.generation.conn_info_class
        self.plain_request = self.generation.plain_request
        self.state = RuntimeState.STOPPED
        self._asgi_flag = False
        self._graceful_override = graceful_shutdown_timeout
        self._start_lock: asyncio.Lock | None = None
        self.starting_lazily = False
        self._startup_error: BaseException | None = None
        # Shared with every request scope when the server has no lifespan
        # state of its own (lazy start).
        self.lifespan_state: dict[str, Any] = {}
        # True when lifespan_state is the server's own dict (lifespan scope
        # "state"), which the server copies into request scopes itself.
        self.server_state = False
        self.inflight = 0
        self.drained: asyncio.Event | None = None
        # True from the end of startup until the end of the shutdown drain:
        # requests arriving while shutdown drains are still served, as on
        # Sanic's server, where open connections finish their work.
        self.serving = False
        # How route handlers are called while served (sanic_asgi._handlers):
        # through these wrappers, without replacing any route's handler.
        self.handler_wrappers: list[Wrapper] = [run_in_thread] if sync_handlers == "thread" else []
        self.handle_request: HandleRequest = app.handle_request
        # ASGIApp(asgi_responses=True) adds its call wrapper (_responses); without
        # it, a handler that returns one gets Sanic's 500 and one hint in the log.
        self.asgi_responses = False
        self.asgi_response_hint_given = False
        # The lifespans of ASGI apps mounted beside Sanic (sanic_asgi._mounts):
        # started before the listeners, shut down after them.
        self.mounts: MountLifespans | None = None
        self.refresh_settings()

    # -- settings -------------------------------------------------------
    def refresh_settings(self) -> None:
        """Read the config values Sanic's protocol reads once per connection."""
        config = self.app.config
        self.request_class: type[Request] = self.app.request_class or _default_request()
        # Request.get_current() reads this context variable (Sanic 22.3+;
        # Sanic's HTTP/1 parser sets it for every request).
        current = getattr(self.request_class, "_current", None)
        self.set_current_request: Callable[[Request], Any] = current.set if current is not None else _ignore
        # The variable itself: cleared while a response's last message goes out (_http).
        self.current_request: ContextVar[Any] | None = current
        # Sanic's HTTP/1 parser dispatches http.lifecycle.request for every
        # request; its server's TouchUp removes the call when no handler is
        # registered.  Signals are fixed once the app has started.
        router = getattr(self.app, "signal_router", None)
        self.request_signal: bool = router is not None and "http.lifecycle.request" in router.name_index
        self.access_log: bool = bool(config.ACCESS_LOG)
        self.keep_alive: bool = bool(config.get("KEEP_ALIVE", True))
        self.request_max_size: float = config.REQUEST_MAX_SIZE
        # Sanic's server refuses a request head of head_max_size bytes or more (sanic_asgi._request_head).
        self.head_max_size, self.head_too_large = self.generation.head_limit(config)
        self.request_timeout: float = config.REQUEST_TIMEOUT
        self.response_timeout: float = config.RESPONSE_TIMEOUT
        self.websocket_max_size: int | None = config.WEBSOCKET_MAX_SIZE
        # Sanic 18.12 has no ping settings (its config raises AttributeError).
        self.websocket_ping_interval: float | None = getattr(config, "WEBSOCKET_PING_INTERVAL", None)
        self.websocket_ping_timeout: float | None = getattr(config, "WEBSOCKET_PING_TIMEOUT", None)

    @property
    def graceful_shutdown_timeout(self) -> float:
        if self._graceful_override is not None:
            return self._graceful_override
        return float(self.app.config.GRACEFUL_SHUTDOWN_TIMEOUT)

    def _is_started(self) -> bool:
        return self.state is RuntimeState.STARTED

    # -- start / stop -----------------------------------------------------
    async def start(self) -> None:
        """Run Sanic's startup sequence; raises what a listener raised."""
        if self.state is RuntimeState.STARTED:
            return
        app, gen = self.app, self.generation
        _claim(app, self)
        self.state = RuntimeState.STARTING
        try:
            if self.mounts is not None:
                await self.mounts.startup(self.lifespan_state)
            # The flag Sanic's own ASGI entry point sets: it makes `app.loop`
            # usable without Sanic's server and `request.scope` available.
            # stop() puts the old value back, as Sanic's server clears it.
            self._asgi_flag = getattr(app, "asgi", False)  # Sanic 18.12 has no flag
            app.asgi = True
            gen.setup_logging(app)
            supervised = _supervised(app)
            if not supervised:
                self._warn_about_workers()
            gen.setup_extensions(app)
            if not supervised:
                await gen.process_event(app, "main_process_start")
            _install_signals(app)
            await gen.startup(app)
            if gen.handler_calls:
                self.handle_request, wrapped = handler_caller(app, self.handler_wrappers)
                if not wrapped and run_in_thread in self.handler_wrappers:
                    log.warning(
                        "sync_handlers='thread' does not apply: %s overrides handle_request, so its plain def "
                        "handlers run on the loop, as on Sanic's server; make them async to keep the loop free",
                        type(app).__name__,
                    )
            await gen.server_event(app, "init", "before")
            await gen.server_event(app, "init", "after")
            if not supervised:
                await gen.process_event(app, "main_process_ready")
            # Sanic's HttpProtocol reads these per connection, after every
            # startup listener has run: listeners may set them.
            self.refresh_settings()
        except BaseException as exc:
            self.state = RuntimeState.FAILED
            self._startup_error = exc
            if gen.is_started(app):
                gen.reset(app)
            if self.mounts is not None:
                try:
                    await self.mounts.shutdown()  # those that started
                except Exception:
                    error_logger.exception("Error shutting down mounted apps after a failed startup")
            _release(app, self)
            raise
        self.state = RuntimeState.STARTED
        self.serving = True
        self._startup_error = None

    async def ensure_started(self) -> None:
        """Start lazily, once, for servers without lifespan (concurrency-safe)."""
        if self.state is RuntimeState.STARTED:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._is_started():  # another request started it meanwhile
                return
            log.info("No lifespan startup seen; starting %r lazily", self.app.name)
            self.starting_lazily = True
            try:
                await self.start()
            finally:
                self.starting_lazily = False

    async def stop(self) -> None:
        """Run Sanic's shutdown sequence.  Listener errors are raised after
        the sequence has run to its end and the app has been reset."""
        if self.state is RuntimeState.FAILED:
            # start() undid its own work when a listener raised (routers and
            # signals are reset, so server listeners cannot be dispatched any
            # more): nothing is left to stop, as after a Sanic worker that
            # failed to start.
            self.lifespan_state = {}
            self.server_state = False
            self.state = RuntimeState.STOPPED
            return
        if self.state is not RuntimeState.STARTED:
            return
        app, gen = self.app, self.generation
        self.state = RuntimeState.STOPPING
        errors: list[BaseException] = []
        steps: tuple[Callable[[], Awaitable[None]], ...] = (
            lambda: gen.server_event(app, "shutdown", "before"),
            self.drain,
            lambda: gen.server_event(app, "shutdown", "after"),
            lambda: gen.process_event(app, "main_process_stop") if not _supervised(app) else _nothing(),
            self._stop_mounts,
        )
        for step in steps:
            try:
                await step()
            except Exception as exc:  # keep going: later listeners still run
                error_logger.exception("Error during ASGI lifespan shutdown")
                errors.append(exc)
        self.serving = False
        gen.reset(app)
        # Not served any more: app.add_task() outside a running loop must
        # queue the task for the next start again (Sanic's `app.loop` raises
        # while the app is stopped unless app.asgi is set).
        app.asgi = self._asgi_flag
        self.lifespan_state = {}
        self.server_state = False
        self.state = RuntimeState.STOPPED
        _release(app, self)
        if errors:
            raise errors[0]

    async def _stop_mounts(self) -> None:
        if self.mounts is not None:
            await self.mounts.shutdown()

    # -- in-flight requests ------------------------------------------------
    def request_started(self) -> None:
        self.inflight += 1

    def request_finished(self) -> None:
        self.inflight -= 1
        if not self.inflight and self.drained is not None:
            self.drained.set()

    async def drain(self) -> None:
        """Sanic's graceful shutdown, on one deadline (Sanic's
        GRACEFUL_SHUTDOWN_TIMEOUT unless overridden): first wait for requests
        in flight, as Sanic's server waits for its connections; then give
        running ``app.add_task`` tasks the time left, and cancel the rest."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.graceful_shutdown_timeout
        try:
            await self._wait_for_inflight(deadline)
        finally:
            self.serving = False
        await self._wait_for_background_tasks(deadline)

    async def _wait_for_inflight(self, deadline: float) -> None:
        if not self.inflight:
            return
        self.drained = asyncio.Event()
        timeout = max(0.0, deadline - asyncio.get_running_loop().time())
        logger.info("Waiting up to %.1fs for %d request(s) in flight", timeout, self.inflight)
        try:
            await asyncio.wait_for(self.drained.wait(), timeout)
        except asyncio.TimeoutError:
            error_logger.warning(
                "%d request(s) still in flight after the %ss grace period",
                self.inflight,
                self.graceful_shutdown_timeout,
            )
        finally:
            self.drained = None

    def background_tasks(self) -> list[asyncio.Task[Any]]:
        """The app's background tasks (``app.add_task``) still running."""
        return self.generation.background_tasks(self.app)

    async def _wait_for_background_tasks(self, deadline: float) -> None:
        tasks = self.background_tasks()
        if not tasks:
            # Purge even then, as Sanic's shutdown_tasks does: a named task
            # that raised stays in the registry, and its error is reported
            # (asyncio's "Task exception was never retrieved") only once the
            # registry lets go of it.
            self.generation.purge_tasks(self.app)
            return
        timeout = max(0.0, deadline - asyncio.get_running_loop().time())
        logger.info("Waiting up to %.1fs for %d background task(s)", timeout, len(tasks))
        _, pending = await asyncio.wait(tasks, timeout=timeout) if timeout else (set(), set(tasks))
        if pending:
            error_logger.warning(
                "Cancelling %d background task(s) still running after the grace period: %s",
                len(pending),
                ", ".join(sorted(task.get_name() for task in pending)),
            )
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=1.0)
        self.generation.purge_tasks(self.app)

    # -- diagnostics ---------------------------------------------------------
    def _warn_about_workers(self) -> None:
        listeners = self.app.listeners
        main = [e for e in ("main_process_start", "main_process_ready", "main_process_stop") if listeners.get(e)]
        if main and _probably_one_of_many_workers():
            error_logger.warning(
                "%s listener(s) of %r run once per worker under ASGI (this process "
                "looks like one of several workers), not once per server as on "
                "Sanic's own server. Move work that must happen once to your "
                "deployment tooling, or guard it with a lock.",
                ", ".join(main),
                self.app.name,
            )


# id(app) -> (app, runtime) for the apps started right now, and by which
# runtime: Sanic keeps one set of finalized routers and listeners per app
# object, so one app can be served by one ASGIApp at a time.  An entry lives
# from start() to stop() only (nothing outlives its serving), and Sanic apps
# accept no attributes of their own to keep it on.
_SERVING: dict[int, tuple[Any, AppRuntime]] = {}


def _claim(app: SanicApp, runtime: AppRuntime) -> None:
    """Mark ``app`` as served by ``runtime``, or raise ConfigurationError if
    another runtime (another ``ASGIApp`` around the same app) serves it."""
    entry = _SERVING.get(id(app))
    if entry is not None and entry[0] is app and entry[1] is not runtime:
        raise ConfigurationError(
            f"Sanic app {app.name!r} is already served by another sanic_asgi.ASGIApp in this process, "
            "and one Sanic app can be served by one ASGIApp at a time (Sanic finalizes its routes and "
            "listeners once per app). Create ASGIApp(app) once and hand that object to every server, "
            "mount and middleware, or stop the other one first."
        )
    _SERVING[id(app)] = (app, runtime)


def _release(app: SanicApp, runtime: AppRuntime) -> None:
    entry = _SERVING.get(id(app))
    if entry is not None and entry[1] is runtime:
        del _SERVING[id(app)]


async def _on_websocket_handler_exception(**context: Any) -> None:
    """Sanic closes a failed handler's websocket with ``ws.close()``: mark our
    connection so that the close carries 1011 (internal error)."""
    from ._websocket import WebSocketConnection

    websocket = context.get("websocket")
    if isinstance(websocket, WebSocketConnection):
        websocket._handler_failed()


async def _on_http_exception(**context: Any) -> None:
    """Sanic's handle_exception only logs an error raised after the response
    started; tell the cycle, so that it aborts the connection."""
    from ._http import HTTPCycle, Stage

    request = context.get("request")
    stream = getattr(request, "stream", None)
    if not isinstance(stream, HTTPCycle):
        return
    exception = context.get("exception")
    if stream.stage is Stage.RESPONSE:
        stream.failed_after_start = exception
    runtime = stream.runtime
    if not runtime.asgi_responses and not runtime.asgi_response_hint_given and _invalid_response_type(exception):
        # Sanic answers 500 and logs its own error; say once what would send it.
        runtime.asgi_response_hint_given = True
        log.warning(
            "A route handler returned a response Sanic cannot send (%s); if it is an ASGI response "
            "object (Starlette's Response), serve the app with ASGIApp(app, asgi_responses=True)",
            str(exception).removeprefix("Invalid response type ").split(" (need HTTPResponse)")[0][:120],
        )


def _invalid_response_type(exception: object) -> bool:
    # Sanic's handle_request (21.3+): ServerError(f"Invalid response type {response!r} (need HTTPResponse)")
    return isinstance(exception, ServerError) and str(exception).startswith("Invalid response type ")


_SIGNALS = (
    ("websocket.handler.exception", _on_websocket_handler_exception),
    ("http.lifecycle.exception", _on_http_exception),
)


def _install_signals(app: SanicApp) -> None:
    """Attach the adapter's signal handlers through Sanic's public signal API,
    once per app (the signal router keeps them across restarts)."""
    if not hasattr(app, "signal_router"):  # Sanic < 21.3: no signals
        return
    registered = [getattr(f, "handler", None) for f in getattr(app, "_future_signals", ())]
    registered += [getattr(r, "handler", None) for r in app.signal_router.routes]
    from sanic.exceptions import InvalidSignal

    for event, handler in _SIGNALS:
        if handler not in registered:
            try:
                app.signal(event)(handler)
            except InvalidSignal:  # a reserved event this Sanic never dispatches (21.3/21.6: http.*)
                continue


def _probably_one_of_many_workers() -> bool:
    # uvicorn --workers and hypercorn --workers spawn children with
    # multiprocessing; gunicorn forks workers; WEB_CONCURRENCY is the
    # conventional knob both read.
    if multiprocessing.parent_process() is not None:
        return True
    try:
        if int(os.environ.get("WEB_CONCURRENCY", "1")) > 1:
            return True
    except ValueError:
        pass
    import sys

    return "gunicorn.arbiter" in sys.modules


def _supervised(app: SanicApp) -> bool:
    """Does a supervising process run the main-process listeners?  Sanic's
    ``WorkerManager`` gives each worker it starts ``app.multiplexer``
    (``app.m``); under ``sanic-asgi run -w N`` (``sanic_asgi._cli.workers``)
    it runs ``main_process_*`` once, in the supervisor, as Sanic's server."""
    return getattr(app, "multiplexer", None) is not None


async def _nothing() -> None:
    return None


def _ignore(_: Any) -> None:
    return None


def _default_request() -> type[Request]:
    from sanic.request import Request

    return Request
