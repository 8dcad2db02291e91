"""Sanic 20.6.3: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_20_9_1 as _newer

SANIC_VERSION = "20.6.3"
# sha256 of sanic-20.6.3.tar.gz, the sdist `pip download sanic==20.6.3 --no-binary sanic` fetches.
SDIST_SHA256 = "30e83d9f677b609d6b8ccab7c9551ca7e9a5f19ac0579f5aa10199ab6d4138ed"

# The runner: pytest-sanic and the pytest settings above; the test clients are Sanic's own
# (sanic.testing, with the httpx this release pins), so no sanic-testing.
TEST_REQUIREMENTS = _newer.TEST_REQUIREMENTS
REQUIRED_MODULES = _newer.REQUIRED_MODULES
# sanic.testing's clients send real requests with the release's httpx: the adapter modes
# serve on a real server (no in-process mode).
MODES = _newer.MODES

XDIST = _newer.XDIST

# Sanic 20.6.3's suite as it differs from Sanic 20.9.1's (manifests.sanic_20_9_1):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = dict(_newer.SERVER_PROCESS)

NO_CLIENT: dict[str, str] = differs(
    _newer.NO_CLIENT,
    drop=("tests/test_load_module_from_file_location.py", "tests/test_update_config.py"),
)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_app.py::test_app_websocket_parameters",
        "tests/test_response.py::test_chunked_streaming_returns_correct_content_asgi",
    ),
    add={
        "tests/test_request_cancel.py::test_request_cancel_when_connection_lost": (
            ADAPTER_MODES,
            "cancels the client task mid-request; Sanic's native ASGI client then cancels the app call "
            "in-process, but a cancelled request of httpx 0.11.1 (this release's pin; 20.9's 0.15 passes) "
            "does not close its connection, so a real server never sees the client go (as on 19.12)",
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
