"""Find the Sanic app a command line names.

The rules are those of Sanic's own CLI (``sanic.worker.loader.AppLoader``),
plus a path to a Python file, as uvicorn and hypercorn accept it:

==============================  ===========================================================
target                          meaning
==============================  ===========================================================
``pkg.server:app``              attribute ``app`` of module ``pkg.server``
``pkg.server``                  the same: the attribute is ``app`` when none is given
``pkg.server.app``              Sanic's dotted form: module ``pkg.server``, attribute ``app``
``pkg.server:create_app``       a function is a factory: it is called (Sanic calls plain
                                functions too); ``--factory`` calls any callable
``pkg.server:create_app()``     explicitly a factory
``path/to/server.py[:app]``     a file: imported as a module from its directory
``./static/``                   a directory: Sanic's simple static-file server
==============================  ===========================================================

The attribute may also be a ``sanic_asgi.ASGIApp``: it is served as it is,
with the options it was built with.

The current directory is put on ``sys.path`` as Sanic's loader does, and a
loaded target is cached per process: a factory runs once per process, so the
app object the command inspected is the one a single-process server serves.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._app import ASGIApp
    from .._types import ASGIApplication, Message, Receive, SanicApp, Scope, Send

__all__ = [
    "COMMAND_PID_ENV",
    "IMPORT_STRING",
    "STARTUP_REPORT_ENV",
    "TARGET_ENV",
    "AppLoadError",
    "LoadedTarget",
    "StartupReporter",
    "Target",
    "build_from_environment",
    "encode_target",
    "load_target",
]

# What the servers import (see _target.py), and where it finds its target.
# The names do not start with SANIC_: Sanic would read them into app.config.
IMPORT_STRING = "sanic_asgi._cli._target:asgi"
TARGET_ENV = "_SANIC_ASGI_TARGET"
STARTUP_REPORT_ENV = "_SANIC_ASGI_STARTUP_REPORT"
COMMAND_PID_ENV = "_SANIC_ASGI_COMMAND_PID"
STARTUP_FAILURE = 3  # as uvicorn.main.STARTUP_FAILURE


class AppLoadError(Exception):
    """The target could not be turned into a Sanic app; the message says why."""


@dataclass(frozen=True)
class Target:
    """A parsed ``module:attribute`` (or file, or directory) target."""

    text: str
    module: str = ""
    attribute: str = "app"
    path: str = ""  # a file or a directory, when the target is one
    factory: bool = False
    implied_attribute: bool = False
    dotted: bool = False  # Sanic's "pkg.server.app" form is possible

    @classmethod
    def parse(cls, text: str, *, factory: bool = False) -> Target:
        text = text.strip()
        if not text:
            raise AppLoadError("no app given: expected module:app, a factory module:create_app(), or a path")
        path_part, _, attribute = text.partition(":") if _looks_like_path(text) else ("", "", "")
        if path_part:
            attribute, called = _strip_call(attribute)
            if Path(path_part).is_dir() and not attribute:
                return cls(text, path=path_part, attribute="", factory=factory)
            return cls(
                text,
                path=path_part,
                attribute=attribute or "app",
                factory=factory or called,
                implied_attribute=not attribute,
            )
        if ":" in text:
            module, _, attribute = text.rpartition(":")
            attribute, called = _strip_call(attribute)
            if not module or not attribute:
                raise AppLoadError(f"cannot read {text!r}: expected module:attribute, e.g. server:app")
            return cls(text, module=module, attribute=attribute, factory=factory or called)
        attribute, called = _strip_call(text)
        if called:  # "pkg.server.create_app()"
            module, _, attribute = attribute.rpartition(".")
            if not module:
                raise AppLoadError(f"cannot read {text!r}: expected module:create_app()")
            return cls(text, module=module, attribute=attribute, factory=True)
        return cls(text, module=text, attribute="app", factory=factory, implied_attribute=True, dotted="." in text)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "factory": self.factory}


def _looks_like_path(text: str) -> bool:
    head = text.split(":", 1)[0] if not _is_drive(text) else text
    return "/" in head or "\\" in head or head.endswith(".py") or head in (".", "..")


def _is_drive(text: str) -> bool:  # C:\app\server.py
    return len(text) > 2 and text[1] == ":" and text[2] in "\\/"


def _strip_call(attribute: str) -> tuple[str, bool]:
    if attribute.endswith("()"):
        return attribute[:-2], True
    return attribute, False


@dataclass
class LoadedTarget:
    """What a target resolved to."""

    target: Target
    app: SanicApp
    asgi: ASGIApp | None = None  # the target was an ASGIApp: serve that object
    module_file: str | None = None
    notes: list[str] = field(default_factory=list)


# (target text, factory, cwd) -> LoadedTarget: one load per process.
_LOADED: dict[tuple[str, bool, str], LoadedTarget] = {}


def load_target(target: Target, *, cwd: str | None = None) -> LoadedTarget:
    """Import the target and return the Sanic app it names.

    Raises ``AppLoadError`` with a message that names what was not found;
    an exception raised while importing the user's module is chained.
    """
    cwd = os.path.abspath(cwd or os.getcwd())
    key = (target.text, target.factory, cwd)
    cached = _LOADED.get(key)
    if cached is not None:
        return cached
    if cwd not in sys.path:  # as Sanic's AppLoader does
        sys.path.append(cwd)
    loaded = _load(target, cwd)
    _LOADED[key] = loaded
    return loaded


def _load(target: Target, cwd: str) -> LoadedTarget:
    from sanic import Sanic

    from .._app import ASGIApp

    if target.path:
        path = Path(target.path)
        if not path.is_absolute():
            path = Path(cwd) / path
        if path.is_dir() and not target.attribute:
            from sanic.simple import create_simple_server

            return LoadedTarget(
                target, create_simple_server(path), notes=[f"serving directory {path} (Sanic's simple server)"]
            )
        if not path.is_file():
            raise AppLoadError(f"no file {target.path!r} (looked in {path.parent})")
        module = _import_file(path, target)
    else:
        module = _import_module(target)

    obj: Any = _find_attribute(module, target)
    if target.factory or (inspect.isfunction(obj) and not isinstance(obj, (Sanic, ASGIApp))):
        if not callable(obj):
            raise AppLoadError(f"{target.text!r} is a factory target, but {_where(module, target)} is a {_type(obj)}")
        obj, notes = _call_factory(obj, module, target)
    else:
        notes = []
    if isinstance(obj, ASGIApp):
        return LoadedTarget(target, obj.app, asgi=obj, module_file=getattr(module, "__file__", None), notes=notes)
    if not isinstance(obj, Sanic):
        hint = _suggest(module)
        raise AppLoadError(
            f"{_where(module, target)} is a {_type(obj)}, not a Sanic app"
            + (" (nor a factory returning one)" if not target.factory else " (it returned that)")
            + (f"; {hint}" if hint else "")
        )
    return LoadedTarget(target, obj, module_file=getattr(module, "__file__", None), notes=notes)


def _call_factory(factory: Any, module: Any, target: Target) -> tuple[Any, list[str]]:
    """Call the factory; when it fails only because the module already built
    an app of that name at import (``app = create_app()`` beside the factory:
    Sanic refuses a second app of one name), take the module's app out of
    Sanic's app registry and call the factory again, so that the factory's
    fresh app is the one served, as the target asks."""
    try:
        return factory(), []
    except Exception as exc:
        clash = _module_app_named_in(exc, module)
        if clash is None:
            raise AppLoadError(f"the factory {_where(module, target)} raised {_describe(exc)}") from exc
    _unregister(clash)
    try:
        made = factory()
    except Exception as exc:
        _register(clash)
        raise AppLoadError(f"the factory {_where(module, target)} raised {_describe(exc)}") from exc
    return made, [
        f"{_where(module, target)} built a new app {clash.name!r}; the one the module built at import "
        "is not served (it was taken out of Sanic's app registry)"
    ]


def _module_app_named_in(exc: Exception, module: Any) -> Any:
    """The Sanic app of ``module`` whose name ``exc`` says is already in use
    (Sanic's ``register_app``: 'Sanic app name "shop" already in use.')."""
    from sanic import Sanic

    text = str(exc)
    if "already in use" not in text:
        return None
    registry = getattr(Sanic, "_app_registry", {})
    for value in vars(getattr(module, "module", module)).values():
        if isinstance(value, Sanic) and f'"{value.name}"' in text and registry.get(value.name) is value:
            return value
    return None


def _unregister(app: Any) -> None:
    from sanic import Sanic

    Sanic._app_registry.pop(app.name, None)  # Sanic.unregister_app (21.3+) does the same


def _register(app: Any) -> None:
    from sanic import Sanic

    Sanic._app_registry[app.name] = app


def _import_module(target: Target) -> Any:
    try:
        return importlib.import_module(target.module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if target.dotted and _is_part_of(missing, target.module):
            # Sanic's "pkg.server.app" form: module "pkg.server", attribute "app".
            module_name, _, attribute = target.module.rpartition(".")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                pass
            else:
                return _Dotted(module, attribute)
        if _is_part_of(missing, target.module):
            raise AppLoadError(
                f"no module named {missing!r} (from {target.text!r}; looked in {os.getcwd()} and sys.path). "
                "Give the module as you would import it (pkg.server:app) or a path to the file (pkg/server.py)."
            ) from exc
        raise AppLoadError(f"importing {target.module!r} failed: {_describe(exc)}") from exc
    except Exception as exc:
        raise AppLoadError(f"importing {target.module!r} failed: {_describe(exc)}") from exc


class _Dotted:
    """A module found through Sanic's dotted form, and the attribute to read."""

    def __init__(self, module: Any, attribute: str) -> None:
        self.module = module
        self.attribute = attribute


def _import_file(path: Path, target: Target) -> Any:
    directory, name = str(path.parent), path.stem
    if directory not in sys.path:
        sys.path.insert(0, directory)
    existing = sys.modules.get(name)
    if existing is not None and os.path.abspath(getattr(existing, "__file__", "") or "") != str(path):
        raise AppLoadError(
            f"cannot import {target.path!r} as module {name!r}: a different module of that name is already "
            f"imported ({getattr(existing, '__file__', None) or existing!r}); rename the file or use module:app"
        )
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise AppLoadError(f"importing {target.path!r} failed: {_describe(exc)}") from exc


def _find_attribute(module: Any, target: Target) -> Any:
    if isinstance(module, _Dotted):
        value = getattr(module.module, module.attribute, None)
        if value is None:
            raise AppLoadError(_no_attribute(module.module, module.attribute, target))
        return value
    value = module
    for part in target.attribute.split("."):
        value = getattr(value, part, None)
        if value is None:
            raise AppLoadError(_no_attribute(module, target.attribute, target))
    return value


def _no_attribute(module: Any, attribute: str, target: Target) -> str:
    name = getattr(module, "__name__", "?")
    hint = _suggest(module)
    if target.implied_attribute:
        message = (
            f"module {name!r} has no attribute {attribute!r}: give the app's name as {name}:<name> "
            "(only a module was given, so Sanic's default name 'app' was tried)"
        )
    else:
        message = f"module {name!r} has no attribute {attribute!r}"
    return message + (f"; {hint}" if hint else "")


def _suggest(module: Any) -> str:
    """Name the Sanic apps and ASGIApps the module does have."""
    from sanic import Sanic

    from .._app import ASGIApp

    name = getattr(module, "__name__", "?")
    found = [
        f"{name}:{attr}"
        for attr, value in sorted(vars(module).items())
        if not attr.startswith("_") and isinstance(value, (Sanic, ASGIApp))
    ]
    return f"it has {', '.join(found)}" if found else ""


def _where(module: Any, target: Target) -> str:
    if isinstance(module, _Dotted):
        return f"{module.module.__name__}.{module.attribute}"
    return f"{getattr(module, '__name__', '?')}:{target.attribute}"


def _is_part_of(missing: str, module: str) -> bool:
    return bool(missing) and (module == missing or module.startswith(missing + "."))


def _type(obj: Any) -> str:
    return type(obj).__qualname__


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def encode_target(
    target: Target, *, cwd: str, asgi_options: dict[str, Any], config: dict[str, Any] | None = None
) -> str:
    """The value of ``TARGET_ENV`` for ``build_from_environment``."""
    return json.dumps(
        {"target": target.text, "factory": target.factory, "cwd": cwd, "asgi": asgi_options, "config": config or {}}
    )


def build_from_environment(raw: str | None = None) -> ASGIApplication:
    """The ``ASGIApp`` that ``TARGET_ENV`` describes (what ``_target.asgi`` is),
    wrapped in a ``StartupReporter`` when ``STARTUP_REPORT_ENV`` names a file."""
    asgi = _build(raw)
    report = os.environ.get(STARTUP_REPORT_ENV)
    return StartupReporter(asgi, report) if report else asgi


class StartupReporter:
    """Append a failed lifespan startup's message to a file, for
    ``sanic-asgi run`` to report in one line with one exit code.

    The servers' own exit codes differ (hypercorn 0.18 returns 0 after a
    worker died of a failed startup, granian 1, uvicorn 3).  In a worker
    process of the server (not the command's own process, ``COMMAND_PID_ENV``)
    the worker then exits at once with ``STARTUP_FAILURE``: the adapter has
    logged the listener's traceback, the worker has nothing to clean up, and
    the server would only print the same failure again in tracebacks of its
    own (hypercorn re-raises it as ``LifespanFailureError`` in the worker,
    granian logs the app's exception once more).
    """

    def __init__(self, app: ASGIApplication, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "lifespan":
            await self.app(scope, receive, send)
            return

        async def reporting_send(message: Message) -> None:
            if message.get("type") == "lifespan.startup.failed":
                self._write(str(message.get("message") or "lifespan.startup.failed"))
                if os.environ.get(COMMAND_PID_ENV, str(os.getpid())) != str(os.getpid()):
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(STARTUP_FAILURE)
            await send(message)

        await self.app(scope, receive, reporting_send)

    def _write(self, text: str) -> None:  # once, as the worker fails: blocking is fine
        with open(self.path, "a", encoding="utf-8") as report:
            report.write(text + "\n")


def _build(raw: str | None) -> ASGIApp:
    from .._app import ASGIApp

    raw = os.environ.get(TARGET_ENV) if raw is None else raw
    if not raw:
        raise RuntimeError(
            f"{IMPORT_STRING} is the app that `sanic-asgi run` serves; it reads its target from the "
            f"{TARGET_ENV} environment variable, which is not set. Run `sanic-asgi run module:app` instead, "
            "or give the server your own `ASGIApp(app)`."
        )
    spec = json.loads(raw)
    loaded = load_target(Target.parse(spec["target"], factory=spec["factory"]), cwd=spec["cwd"])
    for key, value in spec.get("config", {}).items():
        loaded.app.config[key] = value
    if loaded.asgi is not None:
        return loaded.asgi
    return ASGIApp(loaded.app, **spec.get("asgi", {}))
