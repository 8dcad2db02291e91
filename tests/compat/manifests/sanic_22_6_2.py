"""Sanic 22.6.2: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import differs
from . import sanic_21_12_2 as _older
from . import sanic_22_9_1 as _newer

SANIC_VERSION = "22.6.2"
# sha256 of sanic-22.6.2.tar.gz, the sdist `pip download sanic==22.6.2 --no-binary sanic` fetches.
SDIST_SHA256 = "0edb346455ab5fba4304288c40af31c394f3503458b835051694f2607979010b"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==22.6.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 22.6.2's suite as it differs from Sanic 22.9.1's (manifests.sanic_22_9_1):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(_newer.SERVER_PROCESS, drop=("tests/worker/",))

NO_CLIENT: dict[str, str] = differs(_newer.NO_CLIENT, drop=("tests/test_init.py",))

# On 22.6 the percent-encoded redirect parameter of 22.9 - 22.12 passes, and so does the
# main_process_start config test (no main/worker split before 22.9's worker manager); a
# CancelledError in response middleware gets 503 on Sanic's server, as on 21.12.
XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_errorpages.py::test_config_fallback_before_and_after_startup",
        "tests/test_redirect.py::test_redirect_with_params[sanic test]",
    ),
    add={
        "tests/test_middleware.py::test_middleware_response_raise_cancelled_error": _older.XFAIL[
            "tests/test_middleware.py::test_middleware_response_raise_cancelled_error"
        ]
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
