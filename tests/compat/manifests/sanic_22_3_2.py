"""Sanic 22.3.2: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import differs
from . import sanic_21_12_2 as _older
from . import sanic_22_6_2 as _newer

SANIC_VERSION = "22.3.2"
# sha256 of sanic-22.3.2.tar.gz, the sdist `pip download sanic==22.3.2 --no-binary sanic` fetches.
SDIST_SHA256 = "39d02762a8abbd7aa24130d1bbd12f6b6b15d398bc439a6f1a0387840b0484b9"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==22.3.1", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 22.3.2's suite as it differs from Sanic 22.6.2's (manifests.sanic_22_6_2):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=("tests/http3/", "tests/test_http_alt_svc.py"),
)

NO_CLIENT: dict[str, str] = dict(_newer.NO_CLIENT)

XFAIL: dict[str, tuple[frozenset[str], str]] = dict(_newer.XFAIL)

# test_cookie_expires parametrizes its expiry at collection (utcnow() + 60 s), as in 21.12
# (22.6 changed the test): the same reason as 21.12's entry.
_COOKIE_EXPIRES = "tests/test_cookies.py::test_cookie_expires[expires0]"
SKIP: dict[str, tuple[frozenset[str], str]] = differs(_newer.SKIP, add={_COOKIE_EXPIRES: _older.SKIP[_COOKIE_EXPIRES]})

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
