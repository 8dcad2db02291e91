"""Sanic 21.12.2: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_22_12_0 as _newer

SANIC_VERSION = "21.12.2"
# sha256 of sanic-21.12.2.tar.gz, the sdist `pip download sanic==21.12.2 --no-binary sanic` fetches.
SDIST_SHA256 = "c426e15aac6984860c6d1221329be17e02e2dfed4ce0abf8532ab096026ee5e3"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==0.8.3", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("sanic_testing", "bs4")
MODES = ALL_MODES

XDIST = True

# Sanic 21.12.2's suite as it differs from Sanic 22.12.0's (manifests.sanic_22_12_0):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=(
        "tests/http3/",
        "tests/test_http_alt_svc.py",
        "tests/test_multi_serve.py",
        "tests/test_prepare.py",
        "tests/test_websockets.py",
        "tests/worker/",
    ),
    add={
        "tests/test_worker.py": "Sanic's gunicorn worker class",
    },
)

NO_CLIENT: dict[str, str] = differs(
    _newer.NO_CLIENT,
    drop=("tests/test_init.py",),
    add={
        # Inherited by 21.3 - 21.9; 22.9.1's manifest adds it back for 22.3 - 22.9.
        "tests/test_signals.py": (
            "the signal router, dispatched directly (app.dispatch, app.signal_router); no test of this release's "
            "copy serves a request (test_add_signal_method_handler, which does, came with 22.12)"
        ),
    },
)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_redirect.py::test_redirect_with_params[sanic test]",
        "tests/test_errorpages.py::test_config_fallback_before_and_after_startup",
    ),
    add={
        # Inherited by 21.9 (same runner).
        "tests/test_headers.py::test_raw_headers": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: it expects User-Agent before the test's FOO header; the httpx of "
                "this runner (0.23, sanic-testing 0.8.3's) sends the headers it sets by default after the ones "
                "given. Through the adapter, also: " + _newer.XFAIL["tests/test_headers.py::test_raw_headers"][1]
            ),
        ),
        "tests/test_asgi.py::test_listeners_triggered": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: it runs the app natively under uvicorn, whose websockets protocol "
                "needs a newer websockets than this release pins (10.4)"
            ),
        ),
        "tests/test_asgi.py::test_listeners_triggered_async": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: it runs the app natively under uvicorn, whose websockets protocol "
                "needs a newer websockets than this release pins (10.4)"
            ),
        ),
        "tests/test_asgi.py::test_non_default_uvloop_config_raises_warning": (
            ALL_MODES,
            (
                "fails on Sanic's own server too: it runs the app natively under uvicorn, whose websockets protocol "
                "needs a newer websockets than this release pins (10.4)"
            ),
        ),
        "tests/test_app.py::test_uvloop_config": (
            ADAPTER_MODES,
            "asserts that Sanic's server calls try_use_uvloop(); under ASGI the server owns the event loop",
        ),
        "tests/test_middleware.py::test_middleware_response_raise_cancelled_error": (
            ADAPTER_MODES,
            (
                "a response middleware raises CancelledError: Sanic's server then answers 503 on its response-timeout"
                " path; the adapter answers 500 at once"
            ),
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.SKIP,
    add={
        "tests/test_cookies.py::test_cookie_expires[expires0]": (
            ADAPTER_MODES,
            (
                "its cookie expires 60 s after the module is collected (utcnow() in parametrize); through a real "
                "server the run reaches it later than that, the client then drops the expired cookie: not run rather "
                "than flaky"
            ),
        ),
    },
)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
