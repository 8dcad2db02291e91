"""Sanic 20.9.1: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_19_12_5 as _older
from . import sanic_20_12_7 as _newer

SANIC_VERSION = "20.9.1"
# sha256 of sanic-20.9.1.tar.gz, the sdist `pip download sanic==20.9.1 --no-binary sanic` fetches.
SDIST_SHA256 = "8687db10f11942b3163e789af80951f5b85bde02f752acbc5073b985bba6e01a"

# The runner: pytest-sanic and the pytest settings above; the test clients are Sanic's own
# (sanic.testing, with the httpx this release pins), so no sanic-testing.
TEST_REQUIREMENTS = _newer.TEST_REQUIREMENTS
REQUIRED_MODULES = _newer.REQUIRED_MODULES
# sanic.testing's clients send real requests with the release's httpx: the adapter modes
# serve on a real server (no in-process mode).
MODES = _newer.MODES

XDIST = _newer.XDIST

# Sanic 20.9.1's suite as it differs from Sanic 20.12.7's (manifests.sanic_20_12_7):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = dict(_newer.SERVER_PROCESS)

NO_CLIENT: dict[str, str] = dict(_newer.NO_CLIENT)

# Sanic's native-ASGI listener tests, run under uvicorn, fail on Sanic's own server too with
# the websockets this release pins (8.1), as on 19.12.
_NATIVE_UVICORN = ("tests/test_asgi.py::test_listeners_triggered", "tests/test_asgi.py::test_listeners_triggered_async")
XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    add={
        **{nodeid: _older.XFAIL[nodeid] for nodeid in _NATIVE_UVICORN},
        "tests/test_response.py::test_chunked_streaming_returns_correct_content_asgi": (
            ADAPTER_MODES,
            "asserts the chunked framing ('4\\r\\nfoo,\\r\\n...') that this release's native ASGI mode wrote into "
            "the body of a streaming response (20.12 fixed it, its test expects 'foo,bar'); the adapter sends the "
            "body itself and the ASGI server frames it, so the client reads 'foo,bar'",
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
