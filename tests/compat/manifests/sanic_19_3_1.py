"""Sanic 19.3.1: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ALL_MODES, REAL_SERVERS, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_19_12_5 as _newer

SANIC_VERSION = "19.3.1"
# sha256 of sanic-19.3.1.tar.gz, the sdist `pip download sanic==19.3.1 --no-binary sanic` fetches.
SDIST_SHA256 = "ce434eb154872ca64493a6c3a288f11fd10bca0de7be7bf9f1d0d063185e51ec"

# The runner: pytest-sanic and the pytest settings above; the test client is Sanic's own
# (sanic.testing), which sends with aiohttp: its setup.py's tests_require pins
# aiohttp <= 3.2.1, which has no wheel for CPython 3.9 but builds from its sdist there.
# httpx: pytest-sanic 1.9.1 imports it (its own test_client fixture, unused by this suite).
TEST_REQUIREMENTS = ["aiohttp==3.2.1", "httpx", "beautifulsoup4", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("aiohttp", "bs4")
# sanic.testing's client sends real requests with aiohttp: the adapter modes serve on a
# real server (no in-process mode).
MODES = REAL_SERVERS | {"own"}

# Sanic 19.3's SanicTestClient binds the fixed port 42101 (sanic.testing.PORT) for every
# request, on its own server as through the adapter: one worker, or two would collide.
XDIST = False

# Sanic 19.3.1's suite as it differs from Sanic 19.12.5's (manifests.sanic_19_12_5):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=("tests/test_request_buffer_queue_size.py",),
)

NO_CLIENT: dict[str, str] = dict(_newer.NO_CLIENT)

_PYTEST_SANIC_CLIENT = (
    "fails on Sanic's own server too: it uses pytest-sanic's test_client fixture, which serves on Sanic's own "
    "server in every mode and whose release here (1.9.1, the runner of every suite) answers httpx responses "
    "(status_code), where this test reads the aiohttp response (status) of the pytest-sanic of 19.3's time"
)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        # files this release does not have
        *(key for key in _newer.XFAIL if key.startswith(("tests/test_asgi", "tests/test_headers.py"))),
        # its 100-continue cases came with 19.12
        "tests/test_request_stream.py::test_request_stream_100_continue[headers1-True]",
        # pytest-sanic's test_client fixture here: Sanic's own server in every mode
        "tests/test_request_cancel.py::test_request_cancel_when_connection_lost",
    ),
    add={
        f"tests/test_redirect.py::test_redirect_with_params[{case}]": (ALL_MODES, _PYTEST_SANIC_CLIENT)
        for case in ("sanic test", "sanic-test", "sanictest")
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
