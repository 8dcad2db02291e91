"""sanic_asgi.pytest_plugin: off unless asked for; swaps sanic-testing's client
classes for the session only, and never touches Sanic."""

from __future__ import annotations

from typing import Any

import pytest
from sanic import Sanic

pytest_plugins = ["pytester"]

sanic_testing = pytest.importorskip("sanic_testing.testing")
sanic_testing_manager = pytest.importorskip("sanic_testing.manager")

INNER_TESTS = """
import pytest
from sanic import Sanic, text
from sanic_testing.testing import SanicTestClient as ImportedAtModuleLevel

Sanic.test_mode = True


def make_app(name):
    app = Sanic(name)

    @app.get("/")
    async def index(request):
        return text(type(request.transport).__module__)

    return app


def test_test_client(request):
    app = make_app("inner_sync")
    _, response = app.test_client.get("/")
    assert response.status == 200
    assert response.text == request.config.getoption("expected_transport")
    assert type(app.test_client).__module__.split(".")[0] == request.config.getoption("expected_client")


async def _get(app):
    return await app.asgi_client.get("/")


def test_asgi_client(request):
    import asyncio

    app = make_app("inner_async")
    _, response = asyncio.run(_get(app))
    assert response.status == 200
    assert type(app.asgi_client).__module__.split(".")[0] == request.config.getoption("expected_client")


def test_module_level_import(request):
    assert ImportedAtModuleLevel.__module__.split(".")[0] == request.config.getoption("expected_client")
"""

INNER_CONFTEST = """
def pytest_addoption(parser):
    parser.addoption("--expected-client")
    parser.addoption("--expected-transport")
"""


def _touchup_names() -> set[str]:
    """Attributes Sanic's own TouchUp rewrites on Sanic when an app starts
    (``handle_request`` and friends, their ``_``-prefixed originals and
    ``__touched__``): Sanic's doing, on any server, so not compared."""
    from sanic.touchup import TouchUp

    names = {"__touched__"}
    for _target, method in TouchUp._registry:
        names |= {method, f"_{method}"}
    return names


def _snapshot() -> dict[str, Any]:
    skip = _touchup_names()
    return {
        "Sanic": {name: value for name, value in vars(Sanic).items() if name not in skip},
        "testing": (sanic_testing.SanicTestClient, sanic_testing.SanicASGITestClient),
        "manager": (sanic_testing_manager.SanicTestClient, sanic_testing_manager.SanicASGITestClient),
    }


def _assert_untouched(before: dict[str, Any]) -> None:
    # What sanic-testing's own ASGI client does, and this plugin must not:
    # replace Sanic.__call__ (or anything else on the class) for good.
    after = _snapshot()
    assert after["testing"] == before["testing"]
    assert after["manager"] == before["manager"]
    assert after["Sanic"].keys() == before["Sanic"].keys()
    changed = [name for name, value in after["Sanic"].items() if value is not before["Sanic"][name]]
    assert changed == []
    assert Sanic.__call__ is before["Sanic"]["__call__"]


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    return pytester


@pytest.mark.timeout(120)
@pytest.mark.parametrize("server", ["inprocess", "uvicorn"])
def test_plugin_serves_test_clients_through_the_adapter(inner: pytest.Pytester, server: str) -> None:
    before = _snapshot()
    result = inner.runpytest_inprocess(
        "-p",
        "sanic_asgi.pytest_plugin",
        f"--sanic-asgi={server}",
        "--expected-client=sanic_asgi",
        "--expected-transport=sanic_asgi._http",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:asyncio",
    )
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"sanic-asgi: app.test_client and app.asgi_client serve through *({server})"])
    _assert_untouched(before)


@pytest.mark.timeout(120)
def test_plugin_is_off_unless_asked_for(inner: pytest.Pytester) -> None:
    before = _snapshot()
    result = inner.runpytest_inprocess(
        "-p",
        "sanic_asgi.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:asyncio",
        "--expected-client=sanic_testing",
        "--expected-transport=sanic_asgi._http",  # unused by the sync test below
        "-k",
        "module_level_import",
    )
    result.assert_outcomes(passed=1)
    assert "sanic-asgi:" not in result.stdout.str()
    _assert_untouched(before)


def test_plugin_rejects_unknown_servers(inner: pytest.Pytester) -> None:
    result = inner.runpytest_inprocess("-p", "sanic_asgi.pytest_plugin", "-p", "no:asyncio", "--sanic-asgi=gunicorn")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid choice: 'gunicorn'*"])
