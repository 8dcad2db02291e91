"""Sanic 22.12.0: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_23_12_2 as _newer

SANIC_VERSION = "22.12.0"
# sha256 of sanic-22.12.0.tar.gz, the sdist `pip download sanic==22.12.0 --no-binary sanic` fetches.
SDIST_SHA256 = "e5f81115f838956957046b6c52e7a08c1bd6e8ff530ee1376471eaf1579bfffa"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==22.12.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("sanic_testing", "bs4")
MODES = ALL_MODES

XDIST = True

# Sanic 22.12.0's suite as it differs from Sanic 23.12.2's (manifests.sanic_23_12_2):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = dict(_newer.SERVER_PROCESS)

NO_CLIENT: dict[str, str] = differs(
    _newer.NO_CLIENT,
    drop=(
        "tests/test_response_file.py",
        "tests/typing/",
    ),
)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_exceptions_handler.py::test_chained_exception_handler",
        "tests/test_exceptions_handler.py::test_html_traceback_output_in_debug_mode",
        "tests/test_requests.py::test_conflicting_body_methods_overload",
        "tests/test_routes.py::test_websocket_route_with_subprotocols[None-None]",
        "tests/test_routes.py::test_websocket_route_with_subprotocols[subprotocols2-None]",
        "tests/test_asgi.py::test_asgi_headers_decoding",
    ),
    add={
        "tests/test_redirect.py::test_redirect_with_params[sanic test]": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: after the redirect the route parameter arrives percent-encoded "
                "('sanic%20test'); the test expects it decoded"
            ),
        ),
        "tests/test_app.py::test_app_websocket_parameters": (
            ADAPTER_MODES,
            (
                "asserts that app.run() builds Sanic's WebSocketProtocol with the WEBSOCKET_* settings (it mocks the "
                "protocol class Sanic's server uses); no Sanic protocol class exists under ASGI"
            ),
        ),
        "tests/test_response.py::test_response_header": (
            ADAPTER_MODES,
            (
                "asserts the `connection: keep-alive` and `keep-alive` headers Sanic's HTTP/1 writer adds; connection"
                " management is the ASGI server's (uvicorn and hypercorn send no such header on HTTP/1.1, which "
                "allows that)"
            ),
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.SKIP,
    add={
        "tests/test_app.py::test_asyncio_server_start_serving": (
            ADAPTER_MODES,
            (
                "Sanic's own create_server() (no test client) on the fixed port 43124, which "
                "test_asyncio_server_no_start_serving leaves bound without closing its server; in the matrix (right "
                "after the own-server run) the port was still in use when these ran, in standalone adapter runs they "
                "pass: not run rather than flaky"
            ),
        ),
        "tests/test_app.py::test_create_server_no_startup": (
            ADAPTER_MODES,
            (
                "Sanic's own create_server() (no test client) on the fixed port 43124, which "
                "test_asyncio_server_no_start_serving leaves bound without closing its server; in the matrix (right "
                "after the own-server run) the port was still in use when these ran, in standalone adapter runs they "
                "pass: not run rather than flaky"
            ),
        ),
    },
)

SANIC_MARKED: dict[str, str] = differs(
    _newer.SANIC_MARKED,
    drop=(
        "tests/test_asgi.py::test_listeners_triggered",
        "tests/test_asgi.py::test_listeners_triggered_async",
        "tests/test_asgi.py::test_non_default_uvloop_config_raises_warning",
    ),
)
