"""Sanic 21.6.2: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_20_12_7 as _older
from . import sanic_21_9_3 as _newer
from . import sanic_25_12_1 as _current

SANIC_VERSION = "21.6.2"
# sha256 of sanic-21.6.2.tar.gz, the sdist `pip download sanic==21.6.2 --no-binary sanic` fetches.
SDIST_SHA256 = "c35513d7dd68266f90c247cf8be710dacd5bbf60c6a4ffdb5c70829dffe8b795"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing its setup.py asks
# for (>=0.7.0b1: 0.7.0 and later call app._startup(), which 21.6 lacks) and its test extras.
# Its httpx 0.18 predates the transport API of sanic_asgi.testing's clients: the plugin
# serves Sanic's own clients through ASGIApp instead (sanic_asgi._legacy_testing), as on 20.12.
TEST_REQUIREMENTS = ["sanic-testing==0.7.0b1", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 21.6.2's suite as it differs from Sanic 21.9.3's (manifests.sanic_21_9_3):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=("tests/test_graceful_shutdown.py", "tests/test_http.py"),
    add={"tests/test_request_timeout.py": _older.SERVER_PROCESS["tests/test_request_timeout.py"]},
)

NO_CLIENT: dict[str, str] = differs(_newer.NO_CLIENT, drop=("tests/test_touchup.py",))

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_logging.py::test_access_log_client_ip_remote_addr",
        "tests/test_logging.py::test_access_log_client_ip_reqip",
        "tests/test_exceptions.py::test_exception_in_ws_logged",
        "tests/test_headers.py::test_raw_headers",
    ),
    add={
        "tests/test_headers.py::test_raw_headers": _current.XFAIL["tests/test_headers.py::test_raw_headers"],
        # Sanic's own clients through ASGIApp, as on 20.12 (see TEST_REQUIREMENTS):
        "tests/test_asgi.py::test_cookie_customization": _older.XFAIL["tests/test_asgi.py::test_cookie_customization"],
        "tests/test_request_cancel.py::test_request_cancel_when_connection_lost": (
            ADAPTER_MODES,
            (
                "cancels the client task mid-request and expects the handler cancelled; Sanic's native ASGI client "
                "cancels the app call in-process; through a real server the handler ran to its end. Sanic's own client "
                "with this release's httpx (0.18, sanic-testing's pin) fails so, as with 19.12's 0.9 and 20.6's 0.11,"
                " while 20.9 - 20.12's 0.15 and 21.3's 0.17 pass: the cancelled request does not close its "
                "connection (inferred from those versions, not traced)"
            ),
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
