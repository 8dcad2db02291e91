"""Sanic 20.3.0: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import differs
from . import sanic_20_6_3 as _newer

SANIC_VERSION = "20.3.0"
# sha256 of sanic-20.3.0.tar.gz, the sdist `pip download sanic==20.3.0 --no-binary sanic` fetches.
SDIST_SHA256 = "b4078fe0654d0304f2e86e4f35f3d2d0d5aff56cc0e6d8978838282dff645aff"

# The runner: pytest-sanic and the pytest settings above; the test clients are Sanic's own
# (sanic.testing, with the httpx this release pins), so no sanic-testing.
TEST_REQUIREMENTS = _newer.TEST_REQUIREMENTS
REQUIRED_MODULES = _newer.REQUIRED_MODULES
# sanic.testing's clients send real requests with the release's httpx: the adapter modes
# serve on a real server (no in-process mode).
MODES = _newer.MODES

XDIST = _newer.XDIST

# Sanic 20.3.0's suite as it differs from Sanic 20.6.3's (manifests.sanic_20_6_3):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=("tests/test_reloader.py", "tests/test_unix_socket.py"),
)

NO_CLIENT: dict[str, str] = dict(_newer.NO_CLIENT)

XFAIL: dict[str, tuple[frozenset[str], str]] = dict(_newer.XFAIL)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
