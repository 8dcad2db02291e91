"""Sanic 21.9.3: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_20_12_7 as _older
from . import sanic_21_12_2 as _newer

SANIC_VERSION = "21.9.3"
# sha256 of sanic-21.9.3.tar.gz, the sdist `pip download sanic==21.9.3 --no-binary sanic` fetches.
SDIST_SHA256 = "5edb41d0d30cf47a25cf991b7465f53ea161b43e3cd20d8985e68ecf7fb7ad24"

# The runner: pytest-sanic and the pytest settings above, 21.12's sanic-testing (0.8.3: its
# httpx has follow_redirects=, which sanic_asgi.testing's client passes; 0.7.0, of the 21.9
# line, pins an httpx that only knows allow_redirects=; 0.8.3's own ASGI client, used on Sanic's
# server, calls app._server_event, which 21.9 has) and the test extras of its setup.py.
TEST_REQUIREMENTS = ["sanic-testing==0.8.3", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = _newer.REQUIRED_MODULES
MODES = _newer.MODES

XDIST = True

# Sanic 21.9.3's suite as it differs from Sanic 21.12.2's (manifests.sanic_21_12_2):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=(
        "tests/test_coffee.py",
        "tests/test_ext_integration.py",
        "tests/test_motd.py",
        "tests/test_server_loop.py",
        "tests/test_tls.py",
    ),
)

NO_CLIENT: dict[str, str] = differs(
    _newer.NO_CLIENT,
    drop=("tests/test_deprecation.py",),
)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_app.py::test_uvloop_config",
        "tests/test_asgi.py::test_non_default_uvloop_config_raises_warning",
        "tests/test_exceptions_handler.py::test_exception_handler_response_was_sent",
        "tests/test_response.py::test_multiple_responses",
    ),
    add={
        **dict.fromkeys(
            ("tests/test_asgi.py::test_mockprotocol_events", "tests/test_asgi.py::test_protocol_push_data"),
            (
                ALL_MODES,
                (
                    "fails on Sanic's own server too (an error in its fixture): this release's MockProtocol "
                    "(sanic/models/asgi.py) passes loop= to asyncio.Event, which CPython 3.10 no longer takes"
                ),
            ),
        ),
        # In test_requests.py / test_logging.py here, as on 20.12 (test_tls.py from 21.12 on).
        **{nodeid: _older.XFAIL[nodeid] for nodeid in _older.XFAIL if "ssl" in nodeid or "secure" in nodeid},
        "tests/test_exceptions.py::test_exception_in_ws_logged": (
            ADAPTER_MODES,
            (
                "finds Sanic's error record by position: index 2 counts the 'connection open' INFO record that "
                "websockets >= 10 logs in Sanic's websocket protocol; the ASGI server runs its own websocket "
                "protocol, which logs no such record, so the error record is at index 1 (21.12 searches for it)"
            ),
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.SKIP,
    drop=("tests/test_app.py::test_create_server_no_startup",),
)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
