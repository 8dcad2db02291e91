"""Sanic 23.6.0: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_23_12_2 as _newer

SANIC_VERSION = "23.6.0"
# sha256 of sanic-23.6.0.tar.gz, the sdist `pip download sanic==23.6.0 --no-binary sanic` fetches.
SDIST_SHA256 = "ccb1e9fea9c868a67fe5a213ca4a64d92c410caca3bfefa0947f6d838f2bcf60"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==23.6.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 23.6.0's suite as it differs from Sanic 23.12.2's (manifests.sanic_23_12_2):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = dict(_newer.SERVER_PROCESS)

NO_CLIENT: dict[str, str] = dict(_newer.NO_CLIENT)

XFAIL: dict[str, tuple[frozenset[str], str]] = dict(_newer.XFAIL)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
