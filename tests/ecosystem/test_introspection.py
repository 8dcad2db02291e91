"""Nothing that inspects the app can tell that the adapter serves it.

The app of ``apps.handlers`` has a route handler of every shape (function,
``def``, ``functools.partial``, ``functools.wraps``-decorated, bound and
static methods, a class-based view, sanic-ext's decorators when sanic-ext is
installed) and records, at every listener and in every handler, which object
``route.handler`` is and what ``inspect``/``typing`` find on it.

It is served with both call wrappers on (``sync_handlers="thread"`` and ASGI
response objects): in-process and on a real uvicorn, each started twice in one
process, and once on Sanic's own server (sanic-testing) for reference.  Every
record must show the handler object that was registered, with the
fingerprint Sanic's own server shows.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sanic import Sanic

from sanic_asgi import ASGIApp
from sanic_asgi.testing import serve
from tests.ecosystem.apps.handlers import LISTENERS, Fingerprint, build

pytestmark = [
    pytest.mark.timeout(60),
    # sanic-testing's own listener, on Sanic's server (the reference run).
    pytest.mark.filterwarnings("ignore:.*Passing the loop argument to listeners:DeprecationWarning"),
]

PATHS = {
    "plain": ("GET", "/plain"),
    "sync": ("GET", "/sync"),
    "partial": ("GET", "/partial"),
    "decorated": ("GET", "/decorated"),
    "method": ("GET", "/method"),
    "static": ("GET", "/static"),
    "view": ("GET", "/view"),
    "starlette": ("GET", "/starlette"),
    "documented": ("POST", "/documented"),
}
SERVED_LISTENERS = ("before_server_start", "after_server_start", "before_server_stop", "after_server_stop")


def _route_names(app: Sanic[Any, Any]) -> dict[str, Any]:
    return {route.name: route.handler for route in app.router.routes}


def _requests(app: Sanic[Any, Any]) -> list[tuple[str, str, str]]:
    """(route name, method, path) of every route of ours the app has."""
    prefix = f"{app.name}."
    names = {route.name.removeprefix(prefix) for route in app.router.routes}
    return [(name, *PATHS[name]) for name in PATHS if name in names]


async def _exercise(app: Sanic[Any, Any], server: str) -> dict[str, httpx.Response]:
    answers = {}
    async with serve(ASGIApp(app, sync_handlers="thread", asgi_responses=True), server) as served:  # type: ignore[arg-type]
        base_url = f"http://{served.host}:{served.port}"
        async with httpx.AsyncClient(transport=served.http_transport(), base_url=base_url) as client:
            for name, method, path in _requests(app):
                answers[name] = await client.request(method, path, json={"name": "x"})
    return answers


def _own_server_reference() -> dict[str, dict[str, Fingerprint]]:
    """What Sanic's own server shows: fingerprints per listener and per request."""
    from sanic_testing.testing import SanicTestClient

    app = build("IntrospectionOwn")
    client = SanicTestClient(app)  # Sanic's own server, on a free port, started for each request
    for name, method, path in _requests(app):
        _, answer = client.request(path, http_method=method.lower(), json={"name": "x"})
        # Sanic's own server answers an ASGI response object with a 500 (the adapter's feature).
        assert answer.status == (500 if name == "starlette" else 200), (name, answer.body)
    return {where: {route: fp for route, (_, fp) in seen.items()} for where, seen in app.ctx.seen.items()}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Fingerprint]]:
    return _own_server_reference()


def _short(seen: dict[str, Any], app: Sanic[Any, Any]) -> dict[str, Any]:
    prefix = f"{app.name}."
    return {name.removeprefix(prefix): value for name, value in seen.items()}


@pytest.mark.parametrize("server", ["inprocess", "uvicorn"])
async def test_handlers_are_the_apps_own_at_every_listener_and_request(
    server: str, reference: dict[str, dict[str, Fingerprint]]
) -> None:
    app = build(f"Introspection_{server}")
    registered = _route_names(app)
    for start in (1, 2):
        app.ctx.seen.clear()
        answers = await _exercise(app, server)

        # The call wrappers did their work: plain def handlers ran in a
        # thread, the Starlette response was sent as it is.
        assert answers["sync"].json() == {"on_loop": False}, f"start {start}"
        assert answers["view"].json() == {"on_loop": True}
        assert answers["starlette"].text == "from starlette"
        assert answers["starlette"].headers["x-shape"] == "asgi-response"
        for name, answer in answers.items():
            assert answer.status_code == 200, (start, name, answer.text)

        # ...and every look at the routes saw the registered objects (routes
        # that extensions add at startup, sanic-ext's auto HEAD/OPTIONS, the
        # same object at every look).
        now = _route_names(app)
        assert {name: now.get(name) for name in registered} == registered
        first_seen = dict(registered)
        seen = app.ctx.seen
        assert set(SERVED_LISTENERS) <= set(seen), sorted(seen)
        for where, records in seen.items():
            own = reference.get(where.replace(app.name, "IntrospectionOwn"), {})
            for route_name, (handler, fp) in records.items():
                expected = first_seen.setdefault(route_name, handler)
                assert handler is expected, f"start {start}, {where}: {route_name} is {handler!r}"
                own_fp = own.get(route_name.replace(app.name, "IntrospectionOwn"))
                if own_fp is not None or (where in SERVED_LISTENERS and route_name in registered):
                    # What inspect/typing find is what they find on Sanic's server.
                    assert fp == own_fp, f"start {start}, {where}: {route_name}"
            if where in SERVED_LISTENERS:
                assert set(registered) <= set(records), f"start {start}, {where}: routes missing"


def test_the_reference_saw_every_listener(reference: dict[str, dict[str, Fingerprint]]) -> None:
    assert set(SERVED_LISTENERS) <= set(reference), sorted(reference)
    assert set(reference) <= {*LISTENERS, *(f"request IntrospectionOwn.{name}" for name in PATHS)}
