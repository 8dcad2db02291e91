"""Sanic 23.3.0: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import differs
from . import sanic_22_12_0 as _older
from . import sanic_23_6_0 as _newer

SANIC_VERSION = "23.3.0"
# sha256 of sanic-23.3.0.tar.gz, the sdist `pip download sanic==23.3.0 --no-binary sanic` fetches.
SDIST_SHA256 = "b80ebc5c38c983cb45ae5ecc7a669a54c823ec1dff297fbd5f817b1e9e9e49af"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==23.3.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 23.3.0's suite as it differs from Sanic 23.6.0's (manifests.sanic_23_6_0):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = dict(_newer.SERVER_PROCESS)

NO_CLIENT: dict[str, str] = differs(_newer.NO_CLIENT, drop=("tests/typing/",))

# 23.3's sanic-testing pins an httpx before 0.28 (json= bodies with json.dumps' spaces), so
# test_conflicting_body_methods_overload passes; the percent-encoded redirect parameter of
# 22.12 fails on Sanic's own server too.
XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=("tests/test_requests.py::test_conflicting_body_methods_overload",),
    add={
        "tests/test_redirect.py::test_redirect_with_params[sanic test]": _older.XFAIL[
            "tests/test_redirect.py::test_redirect_with_params[sanic test]"
        ]
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
