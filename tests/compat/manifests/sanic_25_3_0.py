"""Sanic 25.3.0: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import differs
from . import sanic_24_12_0 as _previous
from . import sanic_25_12_1 as _newer

SANIC_VERSION = "25.3.0"
# sha256 of sanic-25.3.0.tar.gz, the sdist `pip download sanic==25.3.0 --no-binary sanic` fetches.
SDIST_SHA256 = "775d522001ec81f034ec8e4d7599e2175bfc097b8d57884f5e4c9322f5e369bb"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==24.6.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 25.3.0's suite as it differs from Sanic 25.12.1's (manifests.sanic_25_12_1):
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

# The two debug-page tests fail on Sanic's own server on CPython 3.13 as on 24.12 (same reason).
_DEBUG_PAGE = (
    "tests/test_exceptions_handler.py::test_chained_exception_handler",
    "tests/test_exceptions_handler.py::test_html_traceback_output_in_debug_mode",
)
XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    add={nodeid: _previous.XFAIL[nodeid] for nodeid in _DEBUG_PAGE},
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
