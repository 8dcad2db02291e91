"""sanic_asgi.pytest_plugin: off unless asked for; swaps sanic-testing's client
classes for the session only, and never touches Sanic."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from sanic import Sanic

pytest_plugins = ["pytester"]

sanic_testing = pytest.importorskip("sanic_testing.testing")
sanic_testing_manager = pytest.importorskip("sanic_testing.manager")
sanic_testing_reusable = pytest.importorskip("sanic_testing.reusable")

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


_ORIGINAL_CLIENTS = (sanic_testing.SanicTestClient, sanic_testing.SanicASGITestClient)


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
        "reusable": sanic_testing_reusable.ReusableClient,
        "inits": [vars(cls)["__init__"] for cls in (*_ORIGINAL_CLIENTS, sanic_testing_reusable.ReusableClient)],
    }


def _assert_untouched(before: dict[str, Any]) -> None:
    # What sanic-testing's own ASGI client does, and this plugin must not:
    # replace Sanic.__call__ (or anything else on the class) for good.
    after = _snapshot()
    assert after["testing"] == before["testing"]
    assert after["manager"] == before["manager"]
    assert after["reusable"] is before["reusable"]
    assert after["inits"] == before["inits"]
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
    result.stdout.fnmatch_lines(
        [
            f"sanic-asgi: app.test_client, app.asgi_client and ReusableClient serve through *({server})",
            f"sanic-asgi ({server}): 2 requests went through ASGIApp (SanicASGITestClient 1, SanicTestClient 1)",
        ]
    )
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
    result.stderr.fnmatch_lines(["ERROR: --sanic-asgi: expected one of inprocess, uvicorn, hypercorn; got 'gunicorn'"])


# ---------------------------------------------------------------------- #
# The command line: --sanic-asgi [SERVER] [paths], --sanic-asgi-option
# ---------------------------------------------------------------------- #
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--sanic-asgi"], ["--sanic-asgi"]),
        (["--sanic-asgi", "tests/"], ["--sanic-asgi=inprocess", "tests/"]),
        (["--sanic-asgi", "uvicorn", "tests/"], ["--sanic-asgi", "uvicorn", "tests/"]),
        (["--sanic-asgi=hypercorn", "tests/"], ["--sanic-asgi=hypercorn", "tests/"]),
        (["--sanic-asgi", "-k", "x"], ["--sanic-asgi", "-k", "x"]),
        (["-q", "--sanic-asgi", "tests/a.py::test_b"], ["-q", "--sanic-asgi=inprocess", "tests/a.py::test_b"]),
        (["--", "--sanic-asgi", "tests/"], ["--", "--sanic-asgi", "tests/"]),
    ],
)
def test_split_server_value(args: list[str], expected: list[str]) -> None:
    from sanic_asgi.pytest_plugin import split_server_value

    assert split_server_value(args) == expected


def test_asgi_options_are_parsed_by_name() -> None:
    from sanic_asgi.pytest_plugin import asgi_options_from

    assert asgi_options_from(
        ["sync_handlers=thread", "asgi_responses = false", "graceful_shutdown_timeout=2.5", "lifespan=on"], "test"
    ) == {"sync_handlers": "thread", "asgi_responses": False, "graceful_shutdown_timeout": 2.5, "lifespan": "on"}
    assert asgi_options_from(["graceful_shutdown_timeout=none"], "test") == {"graceful_shutdown_timeout": None}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("sync_handlers", "test: expected NAME=VALUE, got 'sync_handlers'"),
        ("threads=4", "test: unknown ASGIApp option 'threads'; known: lifespan, sync_handlers,"),
        ("sync_handlers=process", "test: sync_handlers: expected one of loop, thread, got 'process'"),
        ("asgi_responses=maybe", "test: asgi_responses: expected true or false, got 'maybe'"),
        ("graceful_shutdown_timeout=-1", "test: graceful_shutdown_timeout: expected a number of seconds >= 0"),
        ("graceful_shutdown_timeout=soon", "test: graceful_shutdown_timeout: expected a number of seconds or none"),
    ],
)
def test_bad_asgi_options_say_what_was_expected(item: str, message: str) -> None:
    from sanic_asgi.pytest_plugin import asgi_options_from

    with pytest.raises(ValueError, match="^" + __import__("re").escape(message)):
        asgi_options_from([item], "test")


MODE_TESTS = """
import threading

from sanic import Sanic, text


def test_mode(request):
    app = Sanic("mode")

    @app.get("/")
    def index(request):  # a sync handler: where it runs shows sync_handlers
        return text(threading.current_thread().name)

    client = app.test_client
    _, response = client.get("/")
    assert response.status == 200
    options = ",".join(f"{k}={v}" for k, v in sorted(type(client).asgi_options.items())) or "-"
    print("MODE", type(client).server, options, response.text == "MainThread")
"""


@pytest.fixture
def modes(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_other="def test_other():\n    pass\n")
    pytester.mkdir("sub")
    pytester.path.joinpath("sub", "test_mode.py").write_text(MODE_TESTS)
    return pytester


def _run_modes(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        "-p", "sanic_asgi.pytest_plugin", "-p", "no:cacheprovider", "-p", "no:asyncio", "-s", *args
    )


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("args", "mode"),
    [
        (("--sanic-asgi", "sub"), "inprocess"),
        (("sub", "--sanic-asgi"), "inprocess"),
        (("--sanic-asgi", "uvicorn", "sub"), "uvicorn"),
        (("--sanic-asgi=uvicorn", "sub"), "uvicorn"),
    ],
)
def test_sanic_asgi_takes_a_server_name_and_leaves_paths_to_pytest(
    modes: pytest.Pytester, args: tuple[str, ...], mode: str
) -> None:
    result = _run_modes(modes, *args)
    result.assert_outcomes(passed=1)  # only sub/ was collected
    result.stdout.fnmatch_lines([f"*MODE {mode} - True", f"sanic-asgi ({mode}): 1 request went through ASGIApp*"])


@pytest.mark.timeout(120)
def test_asgi_options_from_the_command_line_and_the_ini_file(modes: pytest.Pytester) -> None:
    modes.makeini("[pytest]\nsanic_asgi_options =\n    sync_handlers = thread\n    asgi_responses = false\n")
    result = _run_modes(modes, "--sanic-asgi", "sub")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "sanic-asgi: * (inprocess, sync_handlers='thread', asgi_responses=False)",
            "*MODE inprocess asgi_responses=False,sync_handlers=thread False",
        ]
    )
    # The command line wins over the ini file.
    result = _run_modes(modes, "--sanic-asgi", "--sanic-asgi-option", "sync_handlers=loop", "sub")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*MODE inprocess asgi_responses=False,sync_handlers=loop True"])


def test_a_bad_asgi_option_is_a_usage_error(modes: pytest.Pytester) -> None:
    result = _run_modes(modes, "--sanic-asgi", "--sanic-asgi-option", "sync_handlers=process", "sub")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --sanic-asgi-option: sync_handlers: expected one of loop, thread, got 'process'"]
    )


def test_without_sanic_testing_the_error_names_the_package(
    modes: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("sanic_testing", "sanic_testing.testing", "sanic_testing.manager", "sanic_testing.reusable"):
        monkeypatch.setitem(sys.modules, name, None)  # what find_spec() reports for a missing package
    result = _run_modes(modes, "--sanic-asgi", "sub")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.stderr.fnmatch_lines(
        ["ERROR: --sanic-asgi needs sanic-testing, which is not installed: pip install sanic-testing"]
    )


# ---------------------------------------------------------------------- #
# ReusableClient, and clients the swap could not reach
# ---------------------------------------------------------------------- #
REUSABLE_TESTS = """
from sanic import Sanic, text


def test_reusable(request):
    from sanic_testing.reusable import ReusableClient

    app = Sanic("reusable")
    started = []
    app.before_server_start(lambda app: started.append(1))

    @app.get("/")
    async def index(request):
        return text(type(request.transport).__module__)

    with ReusableClient(app) as client:
        for _ in range(3):
            req, response = client.get("/")
            assert response.text == "sanic_asgi._http"
            assert req.path == "/"
    assert started == [1]


def test_bound_early(request):
    from early_binding import EarlyReusableClient

    app = Sanic("early")

    @app.get("/")
    async def index(request):
        return text("early")

    with EarlyReusableClient(app) as client:
        _, response = client.get("/")
    client._loop.close()  # sanic-testing leaves its loop open
    assert response.text == "early"
"""

EARLY_PLUGIN = """
# A plugin loaded with -p binds sanic-testing's class before the swap.
from sanic_testing.reusable import ReusableClient as EarlyReusableClient
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("server", ["inprocess", "uvicorn"])
def test_reusable_client_is_served_through_the_adapter(pytester: pytest.Pytester, server: str) -> None:
    pytester.makepyfile(test_reusable=REUSABLE_TESTS, early_binding=EARLY_PLUGIN)
    pytester.syspathinsert()
    before = _snapshot()
    result = pytester.runpytest_inprocess(
        "-p",
        "early_binding",
        *("-p", "sanic_asgi.pytest_plugin", "-p", "no:cacheprovider", "-p", "no:asyncio"),
        f"--sanic-asgi={server}",
        "-W",
        "default::sanic_asgi.pytest_plugin.SanicASGIWarning",
    )
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*SanicASGIWarning: test_reusable.py::test_bound_early built sanic_testing's ReusableClient, bound "
            "before --sanic-asgi swapped it: its requests are served by Sanic's own server, not through ASGIApp.*",
            f"sanic-asgi ({server}): 3 requests went through ASGIApp (ReusableClient 3)",
        ]
    )
    _assert_untouched(before)


@pytest.mark.timeout(120)
def test_counts_from_xdist_workers_are_added_up(modes: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    modes.path.joinpath("sub", "test_more.py").write_text(MODE_TESTS.replace('Sanic("mode")', 'Sanic("more")'))
    result = _run_modes(modes, "--sanic-asgi", "-n", "2", "sub")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["sanic-asgi (inprocess): 2 requests went through ASGIApp (SanicTestClient 2)"])


def test_no_request_through_the_adapter_is_said(modes: pytest.Pytester) -> None:
    result = _run_modes(modes, "--sanic-asgi", "test_other.py")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["sanic-asgi (inprocess): no request went through ASGIApp: no test used *"])
