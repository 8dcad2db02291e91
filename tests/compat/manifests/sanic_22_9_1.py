"""Sanic 22.9.1: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import differs
from . import sanic_21_12_2 as _older
from . import sanic_22_12_0 as _newer

SANIC_VERSION = "22.9.1"
# sha256 of sanic-22.9.1.tar.gz, the sdist `pip download sanic==22.9.1 --no-binary sanic` fetches.
SDIST_SHA256 = "9793919827f3753fd16433c8750625472f1a08e2147d6870bb7ff94ab12caaea"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==22.9.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 22.9.1's suite as it differs from Sanic 22.12.0's (manifests.sanic_22_12_0):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = dict(_newer.SERVER_PROCESS)

# test_signals.py serves no request before 22.12 (as on 21.12); inherited by 22.3 and 22.6.
NO_CLIENT: dict[str, str] = differs(
    _newer.NO_CLIENT,
    add={"tests/test_signals.py": _older.NO_CLIENT["tests/test_signals.py"]},
)

# test_asgi.py's native-uvicorn tests fail on Sanic's own server too, as on 21.12: uvicorn's
# websockets protocol imports websockets.server.ServerProtocol, which websockets 10.4 lacks.
_NATIVE_UVICORN = (
    "tests/test_asgi.py::test_listeners_triggered",
    "tests/test_asgi.py::test_listeners_triggered_async",
    "tests/test_asgi.py::test_non_default_uvloop_config_raises_warning",
)
XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    add={
        **{nodeid: _older.XFAIL[nodeid] for nodeid in _NATIVE_UVICORN},
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
