"""Sanic 21.3.4: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import differs
from . import sanic_21_6_2 as _newer

SANIC_VERSION = "21.3.4"
# sha256 of sanic-21.3.4.tar.gz, the sdist `pip download sanic==21.3.4 --no-binary sanic` fetches.
SDIST_SHA256 = "1cbd12b9138b3ca69656286b0be91fff02b826e8cb72dd76a2ca8c5eb1288d8e"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing of that line
# (0.3.1: httpx < 0.18, served through Sanic's own clients as on 21.6) and its test extras.
TEST_REQUIREMENTS = ["sanic-testing==0.3.1", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 21.3.4's suite as it differs from Sanic 21.6.2's (manifests.sanic_21_6_2):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=("tests/test_cli.py", "tests/test_pipelining.py"),
)

NO_CLIENT: dict[str, str] = dict(_newer.NO_CLIENT)

# CPython 3.9 still takes asyncio.Event(loop=...): MockProtocol's tests pass here.
XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_asgi.py::test_mockprotocol_events",
        "tests/test_asgi.py::test_protocol_push_data",
        # passes with this release's httpx (0.17.1, sanic-testing 0.3.1's pin); see 21.6's entry
        "tests/test_request_cancel.py::test_request_cancel_when_connection_lost",
    ),
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
