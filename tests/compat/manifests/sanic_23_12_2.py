"""Sanic 23.12.2: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_24_12_0 as _newer

SANIC_VERSION = "23.12.2"
# sha256 of sanic-23.12.2.tar.gz, the sdist `pip download sanic==23.12.2 --no-binary sanic` fetches.
SDIST_SHA256 = "4d909aa8a1cb39b0c42a5ec9fe6eb128013cc822bcf4c554326304b9ac427117"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==23.12.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("sanic_testing", "bs4")
MODES = ALL_MODES

XDIST = True

# Sanic 23.12.2's suite as it differs from Sanic 24.12.0's (manifests.sanic_24_12_0):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = dict(_newer.SERVER_PROCESS)

NO_CLIENT: dict[str, str] = dict(_newer.NO_CLIENT)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=("tests/test_response.py::test_send_response_after_eof_should_fail_asgi",),
    add={
        "tests/test_requests.py::test_conflicting_body_methods_overload": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: httpx >= 0.28 writes json= bodies without spaces; the test expects "
                "json.dumps' default separators"
            ),
        ),
        "tests/test_logging.py::test_log_connection_lost[False]": (
            ADAPTER_MODES,
            (
                "closes request.transport in the handler to drop the connection before the response; an ASGI app "
                "cannot drop a connection before it starts a response (the ASGI server then answers 500)"
            ),
        ),
        "tests/test_logging.py::test_log_connection_lost[True]": (
            ADAPTER_MODES,
            (
                "closes request.transport in the handler to drop the connection before the response; an ASGI app "
                "cannot drop a connection before it starts a response (the ASGI server then answers 500)"
            ),
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = dict(_newer.SKIP)

SANIC_MARKED: dict[str, str] = differs(
    _newer.SANIC_MARKED,
    drop=("tests/test_logging.py::test_debug_formatter_formatException[True-False-True]",),
    add={
        "tests/test_asgi.py::test_listeners_triggered": "Sanic's own @pytest.mark.skip",
        "tests/test_asgi.py::test_listeners_triggered_async": "Sanic's own @pytest.mark.skip",
        "tests/test_asgi.py::test_non_default_uvloop_config_raises_warning": "Sanic's own @pytest.mark.skip",
    },
)
