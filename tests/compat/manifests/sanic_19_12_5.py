"""Sanic 19.12.5: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES, REAL_SERVERS, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_20_12_7 as _newer

SANIC_VERSION = "19.12.5"
# sha256 of sanic-19.12.5.tar.gz, the sdist `pip download sanic==19.12.5 --no-binary sanic` fetches.
SDIST_SHA256 = "14f776892a3acca016b8a0bf801e98d368416d32dc061eb57685694f2ee76367"

# The runner: pytest-sanic and the pytest settings above; the test clients are Sanic's own
# (sanic.testing, with the httpx this release pins), so no sanic-testing.
TEST_REQUIREMENTS = ["beautifulsoup4", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("bs4",)
# sanic.testing's clients send real requests with the release's httpx: the adapter modes
# serve on a real server (no in-process mode).
MODES = REAL_SERVERS | {"own"}

# Sanic 19.12's SanicTestClient binds the fixed port 42101 (sanic.testing.PORT) for every
# request, on its own server as through the adapter: one worker, or two would collide.
XDIST = False

# Sanic 19.12.5's suite as it differs from Sanic 20.12.7's (manifests.sanic_20_12_7):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=(
        "tests/test_reloader.py",
        "tests/test_unix_socket.py",
    ),
)

NO_CLIENT: dict[str, str] = differs(
    _newer.NO_CLIENT,
    drop=(
        "tests/test_load_module_from_file_location.py",
        "tests/test_update_config.py",
    ),
)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_app.py::test_app_websocket_parameters",
        "tests/test_logging.py::test_logger_static_and_secure",
    ),
    add={
        "tests/test_asgi.py::test_listeners_triggered": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: it runs the app natively under uvicorn, whose websockets support "
                "needs websockets >= 10.4 (this release pins 8.1)"
            ),
        ),
        "tests/test_asgi.py::test_listeners_triggered_async": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: it runs the app natively under uvicorn, whose websockets support "
                "needs websockets >= 10.4 (this release pins 8.1)"
            ),
        ),
        "tests/test_request_cancel.py::test_request_cancel_when_connection_lost": (
            ADAPTER_MODES,
            (
                "cancels the client task mid-request; Sanic's native ASGI client then cancels the app call "
                "in-process, but a cancelled httpx 0.9 request (the release's pin) does not close its connection, so "
                "a real server never sees the client go"
            ),
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = differs(
    _newer.SANIC_MARKED,
    drop=("tests/test_static.py::test_double_backslash_prohibited_on_win32",),
)
