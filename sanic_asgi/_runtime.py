r"""The running state of one Sanic app behind one ``ASGIApp``.

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

The runtime's state is one ``RuntimeState``::

    STOPPED --start()--------------> STARTING ----------+--listeners ok--> STARTED --stop()--> DRAINING
       \--ensure_started()--> STARTING_LAZILY ---------/                  (serving)           (serving)
                                   |                                                             |
                                   +--a listener raised--> FAILED --stop()--> STOPPED            | drained
                                                                                                 v
                                                           STOPPED <-- after_server_stop <-- STOPPING

Requests are served in STARTED and DRAINING (``serving``): on Sanic's server
open connections finish their work while shutdown drains them.  A request
that arrives in STOPPED or FAILED starts the app lazily; in STARTING (a
lifespan startup under way) or STOPPING it is refused (``_app``).

Where the lifespan state dict comes from is not part of that state: it is
``server_state``, the dict of the server's lifespan scope (ASGI spec 2.3;
the server copies it into every request scope), or None when the server
gave none (lazy start), and then each request scope gets a copy of ours.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import multiprocessing
import os
import sys
import weakref
from collections.abc import Awaitable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Callable, Protocol

from sanic.log import error_logger, logger

from ._exceptions import ConfigurationError
from ._generations import Generation, detect
from ._handlers import HandleRequest, Wrapper, handler_caller, run_in_thread
from ._main_process import main_process_elsewhere

if TYPE_CHECKING:
    from contextvars import ContextVar

    from sanic import Request

    from ._types import SanicApp

__all__ = ["AppRuntime", "RuntimeState", "SignalHandler", "served_by"]

log = logging.getLogger("sanic_asgi")

# A handler on one of Sanic's signals: called with the signal's context.
SignalHandler = Callable[..., Coroutine[Any, Any, None]]


class MountedLifespans(Protocol):
    """The lifespans of the ASGI apps mounted beside Sanic (``_mounts.MountLifespans``)."""

    async def startup(self, state: dict[str, Any]) -> None: ...

    async def shutdown(self) -> None: ...


class RuntimeState(enum.Enum):
    """One app's lifecycle behind one ``ASGIApp`` (the diagram above)."""

    STOPPED = "stopped"
    STARTING = "starting"  # on lifespan.startup
    STARTING_LAZILY = "starting lazily"  # before the first request (no lifespan startup seen)
    STARTED = "started"
    DRAINING = "draining"  # stop() runs; requests in flight finish, new ones are still served
    STOPPING = "stopping"  # drained: after_server_stop and the rest
    FAILED = "failed"  # a startup listener raised (startup_error)


_STARTED, _DRAINING = RuntimeState.STARTED, RuntimeState.DRAINING


class AppRuntime:
    """Start/stop bookkeeping and per-app settings cached at startup."""

    def __init__(
        self,
        app: SanicApp,
        *,
        graceful_shutdown_timeout: float | None = None,
        sync_handlers: str = "loop",
        signals: Sequence[tuple[str, SignalHandler]] = (),
    ) -> None:
        self.app = app
        self.generation: Generation = detect(app)
        self.conn_info_class = self.generation.conn_info_class
        self.plain_request = self.generation.plain_request
        self.state = RuntimeState.STOPPED
        self._asgi_flag = False
        self._graceful_override = graceful_shutdown_timeout
        self._start_lock: asyncio.Lock | None = None
        self._startup_error: BaseException | None = None
        # The signal handlers attached at start (sanic_asgi._signals).
        self._signals = tuple(signals)
        # The lifespan scope's "state" dict, which the server copies into
        # every request scope itself; None: the server gave none, so requests
        # get a copy of _own_state (sanic_asgi._app._share_state).
        self.server_state: dict[str, Any] | None = None
        self._own_state: dict[str, Any] = {}
        self.inflight = 0
        # Set while DRAINING waits for requests in flight (request_finished).
        self.drained: asyncio.Event | None = None
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
        self.mounts: MountedLifespans | None = None
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
        self.access_log: bool = bool(config.ACCESS_LOG) and self.generation.access_log_lines
        self.log_disconnects: bool = self.access_log and self.generation.disconnect_access_line
        self.keep_alive: bool = bool(config.get("KEEP_ALIVE", True))
        self.request_max_size: float = config.REQUEST_MAX_SIZE
        # Sanic's server refuses a request head of head_max_size bytes or more (sanic_asgi._request_head).
        self.head_max_size, self.head_too_large = self.generation.head_limit(config)
        # REQUEST_TIMEOUT and the WEBSOCKET_PING_* settings are the ASGI
        # server's to apply (sanic-asgi run maps them, sanic_asgi._cli).
        self.response_timeout: float = config.RESPONSE_TIMEOUT
        self.websocket_max_size: int | None = config.WEBSOCKET_MAX_SIZE

    @property
    def graceful_shutdown_timeout(self) -> float:
        if self._graceful_override is not None:
            return self._graceful_override
        return float(self.app.config.GRACEFUL_SHUTDOWN_TIMEOUT)

    # -- what the state means ---------------------------------------------
    @property
    def serving(self) -> bool:
        """Are requests served now (STARTED, or DRAINING during shutdown)?"""
        state = self.state
        return state is _STARTED or state is _DRAINING

    @property
    def startup_error(self) -> BaseException | None:
        """What the last failed ``start()`` raised (None after a good start)."""
        return self._startup_error

    @property
    def lifespan_state(self) -> dict[str, Any]:
        """The dict listeners and requests share: the server's, else ours."""
        state = self.server_state
        return self._own_state if state is None else state

    def adopt_server_state(self, state: dict[str, Any]) -> None:
        """Use the lifespan scope's ``state`` dict (the server copies it into
        every request scope) as the app's lifespan state."""
        self.server_state = state

    # -- start / stop -----------------------------------------------------
    async def start(self, *, lazily: bool = False) -> None:
        """Run Sanic's startup sequence; raises what a listener raised."""
        if self.state is _STARTED:
            return
        app, gen = self.app, self.generation
        _claim(app, self)
        self.state = RuntimeState.STARTING_LAZILY if lazily else RuntimeState.STARTING
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
            await self._main_process_event("main_process_start")
            _install_signals(app, self._signals)
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
            await self._main_process_event("main_process_ready")
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
        self.state = _STARTED
        self._startup_error = None

    async def ensure_started(self) -> None:
        """Start lazily, once, for servers without lifespan (concurrency-safe)."""
        if self.state is _STARTED:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self.state is _STARTED:  # another request started it meanwhile
                return
            log.info("No lifespan startup seen; starting %r lazily", self.app.name)
            await self.start(lazily=True)

    async def stop(self) -> None:
        """Run Sanic's shutdown sequence.  Listener errors are raised after
        the sequence has run to its end and the app has been reset."""
        if self.state is RuntimeState.FAILED:
            # start() undid its own work when a listener raised (routers and
            # signals are reset, so server listeners cannot be dispatched any
            # more): nothing is left to stop, as after a Sanic worker that
            # failed to start.
            self._forget_state()
            self.state = RuntimeState.STOPPED
            return
        if self.state is not _STARTED:
            return
        app, gen = self.app, self.generation
        self.state = _DRAINING
        errors: list[BaseException] = []
        steps: tuple[Callable[[], Awaitable[None]], ...] = (
            lambda: gen.server_event(app, "shutdown", "before"),
            self.drain,
            lambda: gen.server_event(app, "shutdown", "after"),
            lambda: self._main_process_event("main_process_stop"),
            self._stop_mounts,
        )
        for step in steps:
            try:
                await step()
            except Exception as exc:  # keep going: later listeners still run
                error_logger.exception("Error during ASGI lifespan shutdown")
                errors.append(exc)
        self.state = RuntimeState.STOPPING  # even when the drain raised
        gen.reset(app)
        # Not served any more: app.add_task() outside a running loop must
        # queue the task for the next start again (Sanic's `app.loop` raises
        # while the app is stopped unless app.asgi is set).
        app.asgi = self._asgi_flag
        self._forget_state()
        self.state = RuntimeState.STOPPED
        _release(app, self)
        if errors:
            raise errors[0]

    def _forget_state(self) -> None:
        # A restart starts from a clean slate, as a new Sanic worker would.
        self.server_state = None
        self._own_state = {}

    async def _main_process_event(self, event: str) -> None:
        # Not when a parent process runs them: Sanic's worker manager
        # (sanic-asgi run -w N) or gunicorn's arbiter (sanic_asgi.gunicorn).
        if not main_process_elsewhere() and not _supervised(self.app):
            await self.generation.process_event(self.app, event)

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
            if self.state is _DRAINING:
                self.state = RuntimeState.STOPPING
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
        if main and not main_process_elsewhere() and _probably_one_of_many_workers():
            error_logger.warning(
                "%s listener(s) of %r run once per worker under ASGI (this process "
                "looks like one of several workers), not once per server as on "
                "Sanic's own server. Move work that must happen once to your "
                "deployment tooling, or guard it with a lock.",
                ", ".join(main),
                self.app.name,
            )


# id(app) -> the runtime serving that app right now (from start() to stop()):
# Sanic keeps one set of finalized routers and listeners per app object, so
# one app can be served by one ASGIApp at a time.  Weak: a runtime dropped
# without stop() (a lazily started app whose server just exits) takes its
# entry with it.  Sanic apps cannot be weakly referenced (and accept no
# attributes of their own to keep the runtime on), so the entry is keyed by
# id() and checked against runtime.app.
_SERVING: dict[int, weakref.ReferenceType[AppRuntime]] = {}


def served_by(app: SanicApp) -> AppRuntime | None:
    """The runtime that serves ``app`` now (started, starting or stopping), if any."""
    ref = _SERVING.get(id(app))
    runtime = ref() if ref is not None else None
    return runtime if runtime is not None and runtime.app is app else None


def _claim(app: SanicApp, runtime: AppRuntime) -> None:
    """Mark ``app`` as served by ``runtime``, or raise ConfigurationError if
    another runtime (another ``ASGIApp`` around the same app) serves it."""
    current = served_by(app)
    if current is not None and current is not runtime:
        raise ConfigurationError(
            f"Sanic app {app.name!r} is already served by another sanic_asgi.ASGIApp in this process, "
            "and one Sanic app can be served by one ASGIApp at a time (Sanic finalizes its routes and "
            "listeners once per app). Create ASGIApp(app) once and hand that object to every server, "
            "mount and middleware, or stop the other one first."
        )
    key = id(app)

    def forget(ref: weakref.ReferenceType[AppRuntime]) -> None:
        if _SERVING.get(key) is ref:
            del _SERVING[key]

    _SERVING[key] = weakref.ref(runtime, forget)


def _release(app: SanicApp, runtime: AppRuntime) -> None:
    if served_by(app) is runtime:
        del _SERVING[id(app)]


def _install_signals(app: SanicApp, signals: Sequence[tuple[str, SignalHandler]]) -> None:
    """Attach the adapter's signal handlers through Sanic's public signal API,
    once per app (the signal router keeps them across restarts)."""
    if not signals or not hasattr(app, "signal_router"):  # Sanic < 21.3: no signals
        return
    registered = [getattr(f, "handler", None) for f in getattr(app, "_future_signals", ())]
    registered += [getattr(r, "handler", None) for r in app.signal_router.routes]
    from sanic.exceptions import InvalidSignal

    for event, handler in signals:
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
    return "gunicorn.arbiter" in sys.modules


def _supervised(app: SanicApp) -> bool:
    """Does a supervising process run the main-process listeners?  Sanic's
    ``WorkerManager`` gives each worker it starts ``app.multiplexer``
    (``app.m``); under ``sanic-asgi run -w N`` (``sanic_asgi._cli.workers``)
    it runs ``main_process_*`` once, in the supervisor, as Sanic's server."""
    return getattr(app, "multiplexer", None) is not None


def _ignore(_: Any) -> None:
    return None


def _default_request() -> type[Request]:
    from sanic.request import Request

    return Request
