"""Start a server the way its own command line does.

Why the server's own entry point
--------------------------------

Each server's command-line entry point is what gets signal handling, worker
processes, the reloader and exit codes right (uvicorn's ``main`` exits with 3
when lifespan startup fails; hypercorn's returns the failed worker's exit
code; granian's exits 1 when a worker dies).  So ``sanic-asgi run`` builds the
server's own command line from the mapping tables (``servers.translate``),
appends what the user put after ``--``, and runs that entry point *in this
process*, with the import string ``sanic_asgi._cli._target:asgi`` as the
application:

* **uvicorn**, **granian** (click commands): the command line is parsed by the
  server's own parser, so flags after ``--`` override the translated ones (the
  last occurrence wins) and are checked exactly as the server checks them.
  A few values have no flag spelling (uvicorn cannot be told "no websocket
  pings" on the command line); they are set on the parsed parameters when the
  user did not give that option, then the command runs.
* **hypercorn** (argparse, ``hypercorn.__main__.main``): settings without a
  flag (``websocket_max_message_size``, ``keep_alive_max_requests``) go in a
  config object, ``--config python:sanic_asgi._cli.runners.HYPERCORN_CONFIG``.
  hypercorn 0.18 exits 0 when a worker dies of a failed lifespan startup; the
  workers report such a failure in a file (``loader.StartupReporter``) and the
  command exits with 3 instead.
* **gunicorn** (``gunicorn -k asgi``, gunicorn 25 on) reads ``sys.argv``; the
  command adds ``--config python:sanic_asgi.gunicorn``, so that the
  main-process listeners run once, in gunicorn's arbiter.
* **daphne** does not speak lifespan.  Its ``CommandLineInterface`` runs with
  a ``Server`` subclass that drives the ASGI lifespan protocol itself: startup
  before daphne listens (a failing listener ends the process with exit code 3,
  as uvicorn's ``STARTUP_FAILURE``), and on shutdown the lifespan shutdown
  (which drains requests in flight for ``GRACEFUL_SHUTDOWN_TIMEOUT``) before
  daphne cancels what is left.

The process keeps its PID (nothing is exec'd), so a supervisor's signals reach
the server's own handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import tempfile
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable

from .loader import COMMAND_PID_ENV, IMPORT_STRING, STARTUP_FAILURE, STARTUP_REPORT_ENV

if TYPE_CHECKING:
    from .servers import Plan

__all__ = ["HYPERCORN_CONFIG", "STARTUP_FAILURE", "run_plan"]

HYPERCORN_CONFIG = SimpleNamespace()

log = logging.getLogger("sanic_asgi.cli")


def run_plan(plan: Plan, serve: Callable[[Plan], int] | None = None) -> int:
    """Run the planned server until it stops; return the exit code.

    Every server's worker reports a failed lifespan startup in a file
    (``loader.StartupReporter``); when one did, the command ends with one
    ``sanic-asgi: error:`` line and ``STARTUP_FAILURE``, whatever exit code
    the server chose (hypercorn 0.18 returns 0, granian 1).  ``serve``
    runs the server instead of its own command (``workers.supervise``).
    """
    fd, report = tempfile.mkstemp(prefix="sanic-asgi-startup-", suffix=".txt")
    os.close(fd)
    os.environ[STARTUP_REPORT_ENV] = report
    os.environ[COMMAND_PID_ENV] = str(os.getpid())
    try:
        try:
            code = (serve or _run_server)(plan)
        except SystemExit as exc:  # uvicorn's sys.exit(STARTUP_FAILURE), daphne's bridge
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        with open(report, encoding="utf-8") as file:
            failures = "; ".join(sorted({line for line in file.read().splitlines() if line}))
    finally:
        os.environ.pop(STARTUP_REPORT_ENV, None)
        os.environ.pop(COMMAND_PID_ENV, None)
        with contextlib.suppress(OSError):
            os.unlink(report)
    if failures:
        sys.stderr.write(
            f"sanic-asgi: error: the app failed to start on {plan.server}: {failures} "
            f"(a startup listener raised it; its traceback is above); fix it and run the command again\n"
        )
        return STARTUP_FAILURE
    return code


def _run_server(plan: Plan) -> int:
    args = [*plan.args, *plan.passthrough]
    if plan.server == "uvicorn":
        from uvicorn.main import main as uvicorn_command

        return _invoke_click(uvicorn_command, "uvicorn", [*args, IMPORT_STRING], plan.overrides)
    if plan.server == "granian":
        from granian.cli import cli as granian_command

        return _invoke_click(
            granian_command, "granian", [*args, IMPORT_STRING], plan.overrides, auto_envvar_prefix="GRANIAN"
        )
    if plan.server == "hypercorn":
        return _run_hypercorn(plan, args)
    if plan.server == "daphne":
        return _run_daphne([*args, IMPORT_STRING])
    if plan.server == "gunicorn":
        return _run_gunicorn([*args, IMPORT_STRING])
    raise AssertionError(plan.server)  # pragma: no cover - RunOptions checks the name


def _run_hypercorn(plan: Plan, args: list[str]) -> int:
    import hypercorn.__main__

    global HYPERCORN_CONFIG
    HYPERCORN_CONFIG = SimpleNamespace(**plan.config_object)
    config = ["--config", f"python:{__name__}.HYPERCORN_CONFIG"] if plan.config_object else []
    return int(hypercorn.__main__.main([*config, *args, IMPORT_STRING]) or 0)


def _invoke_click(
    command: Any, prog: str, args: list[str], overrides: dict[str, Any], auto_envvar_prefix: str | None = None
) -> int:
    import click
    from click.core import ParameterSource

    try:
        with command.make_context(prog, args, auto_envvar_prefix=auto_envvar_prefix) as ctx:
            for name, value in overrides.items():
                if ctx.get_parameter_source(name) in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
                    ctx.params[name] = value
            command.invoke(ctx)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.Abort:
        return 1
    return 0


# -- gunicorn ----------------------------------------------------------------------


def _run_gunicorn(args: list[str]) -> int:
    """gunicorn's command line reads ``sys.argv``; its arbiter ends with
    ``sys.exit`` (``run_plan`` takes the status from it).

    The arbiter forks its workers from this call, and a worker ends with
    ``sys.exit`` too: that exit must not unwind through the command (whose
    cleanup removes the startup report the arbiter reads), so a worker ends
    here, with its status."""
    from gunicorn.app.wsgiapp import WSGIApplication  # type: ignore[import-untyped]

    command = os.getpid()
    argv = sys.argv
    sys.argv = ["gunicorn", *args]
    try:
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]", prog="gunicorn").run()
    except SystemExit as exc:
        if os.getpid() != command:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1))
        raise
    finally:
        sys.argv = argv
    return 0


# -- daphne ------------------------------------------------------------------------


def _run_daphne(args: list[str]) -> int:
    # daphne.server installs Twisted's asyncio reactor when imported: first.
    import daphne.server  # type: ignore[import-untyped]
    from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]

    class LifespanServer(daphne.server.Server):  # type: ignore[misc]
        """daphne's Server, with the ASGI lifespan run around it."""

        def run(self) -> None:
            from twisted.internet import reactor

            _leave_sanic_logs_to_sanic()

            loop: asyncio.AbstractEventLoop = reactor._asyncioEventloop
            asyncio.set_event_loop(loop)
            self.lifespan = LifespanDriver(self.application)
            error = loop.run_until_complete(self.lifespan.startup())
            if error is not None:  # run_plan says what failed (loader.StartupReporter)
                raise SystemExit(STARTUP_FAILURE)
            try:
                super().run()
            finally:
                if not self.lifespan.finished:  # the reactor stopped without its shutdown triggers
                    loop.run_until_complete(self.lifespan.shutdown())

        def kill_all_applications(self) -> Any:
            """Twisted's "before shutdown" trigger: lifespan shutdown (with
            Sanic's drain of requests in flight) first, then daphne's cancel."""
            from twisted.internet import defer

            async def shutdown_then_kill() -> None:
                await self.lifespan.shutdown()
                super(LifespanServer, self).kill_all_applications()

            return defer.Deferred.fromFuture(asyncio.ensure_future(shutdown_then_kill()))

    class LifespanCommandLine(CommandLineInterface):  # type: ignore[misc]
        server_class = LifespanServer

    LifespanCommandLine().run(args)
    return 0


class _NotSanics(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "sanic" or record.name.startswith("sanic."))


def _leave_sanic_logs_to_sanic() -> None:
    """daphne's command line puts a handler on the root logger
    (``logging.basicConfig``); Sanic's loggers have handlers of their own and
    propagate, so every Sanic line (a failing listener's traceback too) was
    printed twice.  The root handlers daphne installed skip Sanic's records;
    Sanic's own handlers print them, as on Sanic's server."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NotSanics())


class LifespanDriver:
    """Play the server's side of the ASGI lifespan protocol for one app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[Any] | None = None
        self.supported = True
        self.finished = False

    async def startup(self) -> str | None:
        """Run lifespan startup; return the failure message, or None."""
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        self._task = asyncio.ensure_future(self.app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._next()
        if message is None:
            self.supported = False
            return None
        if message.get("type") != "lifespan.startup.complete":
            self.finished = True
            # The app re-raises the listener's exception after startup.failed
            # (its traceback is logged already): retrieve it, so that asyncio
            # does not log it again as "Task exception was never retrieved".
            with contextlib.suppress(BaseException):
                await self._task
            return str(message.get("message") or message.get("type"))
        return None

    async def shutdown(self) -> None:
        if self.finished or not self.supported or self._task is None:
            self.finished = True
            return
        self.finished = True
        await self._to_app.put({"type": "lifespan.shutdown"})
        message = await self._next()
        if message is not None and message.get("type") != "lifespan.shutdown.complete":
            log.error("Application shutdown failed: %s", message.get("message"))

    async def _next(self) -> dict[str, Any] | None:
        """The app's next message; None when the app returned without one
        (it does not support lifespan)."""
        assert self._task is not None
        getter = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            return getter.result()
        getter.cancel()
        if not self._task.cancelled() and self._task.exception() is not None:
            exc = self._task.exception()
            return {"type": "error", "message": f"{type(exc).__name__}: {exc}"}
        return None
