"""Other ASGI apps mounted beside the Sanic app: ``ASGIApp(app, mounts={...})``.

The rule
--------
Mounts are matched *before* Sanic's router, by the longest prefix: a request
whose path (after the server's ``root_path``) is ``prefix`` or starts with
``prefix + "/"`` goes to the mounted app, whatever Sanic routes exist under
that prefix.  Everything else goes to Sanic.  So a mount owns its whole
subtree, as a ``Mount`` listed first does in Starlette, and the outcome never
depends on Sanic's routing internals; a Sanic route under a mounted prefix is
unreachable, and startup logs a warning naming it.  The ASGI middleware of
``ASGIApp(middleware=...)`` wraps mounts too.

The mounted app's scope is the one Starlette's ``Mount`` (0.33+) builds: a
copy with ``root_path`` extended by the prefix, ``path`` and ``raw_path``
unchanged (the child strips ``root_path`` itself), and ``path_params`` and
``endpoint`` set.  Two differences, both because no Starlette router sits
above the mounted app: ``app_root_path`` is the extended ``root_path`` and an
outer ``router`` key is dropped, so that the mounted app's own router builds
its URLs (``request.url_for``) with the prefix; and a request for the prefix
itself (``/static``) goes to the mount too, with an empty route path - what
it answers is the mounted app's choice (Starlette's router redirects to
``/static/``).

Websocket scopes are routed the same way.  Mounted requests count as
requests in flight, so shutdown drains them with Sanic's.  An
``HTTPException`` (anything with ``status_code`` and ``detail``) that a
mounted app raises before its response starts is answered as Starlette's
``ExceptionMiddleware`` answers it, so a bare ``StaticFiles`` can be mounted
(it raises its 404s, relying on a Starlette app around it).

Lifespan
--------
Servers send lifespan events to the outermost app only, and Starlette's
``Mount`` forwards none.  The adapter drives each mounted app's lifespan as a
server would (``MountedLifespan``): on startup, before Sanic's listeners run,
each mounted app (in the order given) gets ``lifespan.startup`` and is
awaited until it answers; ``startup.failed`` fails the whole startup with the
mounted app's message (mounts already started are shut down again).  An app
that returns or raises before answering is taken to not speak the lifespan
protocol (as uvicorn's ``--lifespan auto`` does) and is left alone.  On
shutdown, after Sanic's listeners and the drain, each started app gets
``lifespan.shutdown`` in reverse order.  Mounted apps share the lifespan
``state`` dict with the Sanic app (``sanic_asgi.lifespan_state``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sanic.log import error_logger, logger

from ._exceptions import ConfigurationError, LifespanFailure
from ._headers import encode_pairs
from ._scope import route_path

if TYPE_CHECKING:
    from ._types import ASGIApplication, Message, Receive, SanicApp, Scope, Send

__all__ = ["MountLifespans", "MountPoint", "MountTable", "MountedLifespan"]


class _Requests(Protocol):
    """What a mount uses of the app's runtime (``AppRuntime``): the lifespan
    state to copy into the scope, and the in-flight count for draining."""

    @property
    def lifespan_state(self) -> dict[str, Any]: ...

    def request_started(self) -> None: ...
    def request_finished(self) -> None: ...


_LIFESPAN_ASGI = {"version": "3.0", "spec_version": "2.0"}


@dataclass(frozen=True)
class MountPoint:
    prefix: str
    app: ASGIApplication


class MountTable:
    """The mounts of one ``ASGIApp``, validated at construction."""

    def __init__(self, mounts: Mapping[str, ASGIApplication] | Iterable[tuple[str, ASGIApplication]] | None) -> None:
        items: list[tuple[Any, Any]]
        if mounts is None:
            items = []
        elif isinstance(mounts, Mapping):
            items = list(mounts.items())
        elif isinstance(mounts, (str, bytes)) or not isinstance(mounts, Iterable):
            raise ConfigurationError(
                f"mounts must map path prefixes to ASGI apps, e.g. {{'/static': app}}; got {mounts!r}"
            )
        else:
            items = list(mounts)
        points: list[MountPoint] = []
        for item in items:
            try:
                raw, app = item
            except (TypeError, ValueError):
                raise ConfigurationError(f"mounts entries must be (prefix, app) pairs; got {item!r}") from None
            prefix = _normalize(raw)
            if not callable(app):
                raise ConfigurationError(f"mounts[{raw!r}] is not an ASGI application: {app!r}")
            if any(p.prefix == prefix for p in points):
                raise ConfigurationError(f"two mounts at {prefix!r}")
            points.append(MountPoint(prefix, app))
        # Declaration order for lifespan; longest prefix first for matching.
        self.points: tuple[MountPoint, ...] = tuple(points)
        self._by_length = sorted(points, key=lambda p: len(p.prefix), reverse=True)

    def __bool__(self) -> bool:
        return bool(self.points)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{p.prefix!r}: {p.app!r}" for p in self.points) + "}"

    def match(self, scope: Scope) -> tuple[MountPoint, Scope] | None:
        """The mount for this http/websocket scope and the scope to give it."""
        path = route_path(scope)
        for point in self._by_length:
            prefix = point.prefix
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                child = dict(scope)
                child["root_path"] = child["app_root_path"] = scope.get("root_path", "") + prefix
                # No router above the mounted app knows its prefix: its own
                # router must build its URLs (Request.url_for).
                child.pop("router", None)
                child["path_params"] = dict(scope.get("path_params", {}))
                child["endpoint"] = point.app
                return point, child
        return None

    async def dispatch(self, runtime: _Requests, scope: Scope, receive: Receive, send: Send) -> bool:
        """Serve the scope with a mounted app if one matches; False if none does."""
        found = self.match(scope)
        if found is None:
            return False
        point, child = found
        if "state" not in child:
            # A server without lifespan state (or a lazy start): give the
            # mounted app the shared state, copied as servers copy it.
            child["state"] = dict(runtime.lifespan_state)
        runtime.request_started()
        try:
            if child["type"] == "http":
                await _serve_http(point.app, child, receive, send)
            else:
                await point.app(child, receive, send)
        finally:
            runtime.request_finished()
        return True

    def shadowed_routes(self, app: SanicApp) -> list[tuple[str, str]]:
        """(route uri, mount prefix) for each Sanic route no request can reach."""
        shadowed = []
        for route in app.router.routes:
            literal = "/" + "/".join(_literal_segments(route.path))
            for point in self._by_length:
                if literal == point.prefix or literal.startswith(point.prefix + "/"):
                    shadowed.append((getattr(route, "uri", "/" + route.path), point.prefix))
                    break
        return shadowed


async def _serve_http(app: ASGIApplication, scope: Scope, receive: Receive, send: Send) -> None:
    """Call a mounted app for an http scope, answering an ``HTTPException``
    raised before the response started as Starlette's ``ExceptionMiddleware``
    would: Starlette's ``StaticFiles`` raises its 404s and 405s, relying on
    a Starlette app around it."""
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        if message.get("type") == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except Exception as exc:
        status = getattr(exc, "status_code", None)
        if started or not isinstance(status, int) or isinstance(status, bool) or not hasattr(exc, "detail"):
            raise
        headers = encode_pairs((getattr(exc, "headers", None) or {}).items())
        body = b"" if status in (204, 304) else str(exc.detail).encode("utf-8")
        if body:
            headers += [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _literal_segments(path: str) -> list[str]:
    segments = []
    for segment in path.split("/"):
        if "<" in segment:
            break
        segments.append(segment)
    return segments


def _normalize(prefix: Any) -> str:
    if not isinstance(prefix, str):
        raise ConfigurationError(f"a mount prefix must be a str such as '/static'; got {prefix!r}")
    if not prefix.startswith("/"):
        raise ConfigurationError(f"a mount prefix must start with '/'; got {prefix!r}")
    if any(ch in prefix for ch in "{}<>?#"):
        raise ConfigurationError(f"a mount prefix is a literal path, without parameters or query; got {prefix!r}")
    normalized = prefix.rstrip("/")
    if not normalized:
        raise ConfigurationError(
            "a mount at '/' would take every request from the Sanic app; mount at a prefix such as "
            "'/legacy', or wrap the Sanic app with the other app's router instead"
        )
    return normalized


class MountedLifespan:
    """One mounted app's lifespan, driven as a server drives it."""

    def __init__(self, point: MountPoint) -> None:
        self.point = point
        self.started = False
        self._task: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[Message] | None = None
        self._from_app: asyncio.Queue[Message | None] | None = None
        self._error: BaseException | None = None

    async def startup(self, state: dict[str, Any]) -> None:
        self._to_app = asyncio.Queue()
        self._from_app = asyncio.Queue()
        self._error = None
        scope: Scope = {"type": "lifespan", "asgi": dict(_LIFESPAN_ASGI), "state": state}
        self._task = asyncio.get_running_loop().create_task(self._run(scope))
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._from_app.get()
        kind = message.get("type") if message is not None else None
        if kind == "lifespan.startup.complete":
            self.started = True
            return
        if kind == "lifespan.startup.failed":
            await self._settle()
            text = message.get("message", "") if message is not None else ""
            raise LifespanFailure(_with_detail(f"the app mounted at {self.point.prefix!r} failed to start", text))
        if message is None:  # returned or raised without a word: no lifespan support
            why = f" ({type(self._error).__name__}: {self._error})" if self._error is not None else ""
            logger.info("The app mounted at %r does not support ASGI lifespan%s", self.point.prefix, why)
            return
        await self._settle()
        raise LifespanFailure(f"the app mounted at {self.point.prefix!r} sent {kind!r} in answer to lifespan.startup")

    async def shutdown(self) -> None:
        if not self.started:
            return
        self.started = False
        assert self._to_app is not None
        assert self._from_app is not None
        await self._to_app.put({"type": "lifespan.shutdown"})
        message = await self._from_app.get()
        await self._settle()
        kind = message.get("type") if message is not None else None
        if kind == "lifespan.shutdown.failed":
            text = message.get("message", "") if message is not None else ""
            raise LifespanFailure(_with_detail(f"the app mounted at {self.point.prefix!r} failed to shut down", text))
        if kind is None and self._error is not None:
            raise LifespanFailure(
                f"the app mounted at {self.point.prefix!r} raised during shutdown: "
                f"{type(self._error).__name__}: {self._error}"
            )

    async def _run(self, scope: Scope) -> None:
        assert self._to_app is not None
        assert self._from_app is not None
        try:
            await self.point.app(scope, self._to_app.get, self._send)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._error = exc
            if self.started:
                error_logger.exception("The lifespan of the app mounted at %r raised", self.point.prefix)
        finally:
            self._from_app.put_nowait(None)

    async def _send(self, message: Message) -> None:
        assert self._from_app is not None
        await self._from_app.put(message)

    async def _settle(self) -> None:
        """Let the app's lifespan task finish (Starlette re-raises after
        sending startup.failed); cancel it if it does not."""
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), 5.0)
        except asyncio.TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        except Exception:  # already recorded by _run
            pass


class MountLifespans:
    """The lifespans of every mounted app, started and stopped together."""

    def __init__(self, table: MountTable, app: SanicApp) -> None:
        self.table = table
        self.app = app
        self.lifespans = [MountedLifespan(point) for point in table.points]

    async def startup(self, state: dict[str, Any]) -> None:
        for uri, prefix in self.table.shadowed_routes(self.app):
            error_logger.warning(
                "Sanic route %s of %r is unreachable: requests under %r go to the app mounted there",
                uri,
                self.app.name,
                prefix,
            )
        started: list[MountedLifespan] = []
        for lifespan in self.lifespans:
            try:
                await lifespan.startup(state)
            except BaseException:
                await _shutdown_quietly(reversed(started))
                raise
            started.append(lifespan)

    async def shutdown(self) -> None:
        errors: list[Exception] = []
        for lifespan in reversed(self.lifespans):
            try:
                await lifespan.shutdown()
            except Exception as exc:
                error_logger.error("%s", exc)
                errors.append(exc)
        if errors:
            raise errors[0]


def _with_detail(summary: str, detail: Any) -> str:
    return f"{summary}: {detail}" if detail else summary


async def _shutdown_quietly(lifespans: Iterable[MountedLifespan]) -> None:
    for lifespan in lifespans:
        try:
            await lifespan.shutdown()
        except Exception as exc:
            error_logger.error("%s", exc)
