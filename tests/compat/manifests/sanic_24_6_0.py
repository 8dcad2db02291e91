"""Sanic 24.6.0: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import differs
from . import sanic_23_12_2 as _previous
from . import sanic_24_12_0 as _newer

SANIC_VERSION = "24.6.0"
# sha256 of sanic-24.6.0.tar.gz, the sdist `pip download sanic==24.6.0 --no-binary sanic` fetches.
SDIST_SHA256 = "2e0841e2c8c28e68a0e6fc570c42aafbbe3b385d7141b9f96997d9d6c17d7afb"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==24.6.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 24.6.0's suite as it differs from Sanic 24.12.0's (manifests.sanic_24_12_0):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = dict(_newer.SERVER_PROCESS)

NO_CLIENT: dict[str, str] = dict(_newer.NO_CLIENT)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    add={
        # httpx >= 0.28's compact json= bodies, as on 23.12 (fails on Sanic's own server too).
        "tests/test_requests.py::test_conflicting_body_methods_overload": _previous.XFAIL[
            "tests/test_requests.py::test_conflicting_body_methods_overload"
        ],
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
