"""Sanic 24.12.0: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ALL_MODES, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_25_12_1 as _newer

SANIC_VERSION = "24.12.0"
# sha256 of sanic-24.12.0.tar.gz, the sdist `pip download sanic==24.12.0 --no-binary sanic` fetches.
SDIST_SHA256 = "09c23aa917616c1e60e44c66dfd7582cb9fd6503f78298c309945909f5839836"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==24.6.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("sanic_testing", "bs4")
MODES = ALL_MODES

XDIST = True

# Sanic 24.12.0's suite as it differs from Sanic 25.12.1's (manifests.sanic_25_12_1):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=(
        "tests/test_daemon.py",
        "tests/test_startup_errors.py",
    ),
)

NO_CLIENT: dict[str, str] = differs(
    _newer.NO_CLIENT,
    drop=("tests/test_response_header_injection.py",),
)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    add={
        "tests/test_exceptions_handler.py::test_chained_exception_handler": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: on this Python the debug error page does not show the source line "
                "of the failing frame that the test looks for"
            ),
        ),
        "tests/test_exceptions_handler.py::test_html_traceback_output_in_debug_mode": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: on this Python the debug error page does not show the source line "
                "of the failing frame that the test looks for"
            ),
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
