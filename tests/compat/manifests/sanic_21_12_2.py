"""Sanic 21.12.2: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION

SANIC_VERSION = "21.12.2"
# sha256 of sanic-21.12.2.tar.gz, the sdist `pip download sanic==21.12.2 --no-binary sanic` fetches.
SDIST_SHA256 = "c426e15aac6984860c6d1221329be17e02e2dfed4ce0abf8532ab096026ee5e3"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==0.8.3", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("sanic_testing", "bs4")
MODES = ALL_MODES

XDIST = True

# Paths relative to the unpacked sdist root; a directory entry ends with "/".
SERVER_PROCESS: dict[str, str] = {
    "tests/test_bad_request.py": "sends malformed bytes to Sanic's HTTP/1 parser over a raw socket",
    "tests/test_cli.py": "the `sanic` command line",
    "tests/test_coffee.py": "the MOTD logo Sanic's server prints at startup",
    "tests/test_ext_integration.py": "sanic-ext set up by app.run() on Sanic's server",
    "tests/test_graceful_shutdown.py": "connection draining of Sanic's server, driven over raw sockets",
    "tests/test_http.py": "raw HTTP/1 framing and keep-alive of Sanic's protocol (RawClient, ReusableClient)",
    "tests/test_keep_alive_timeout.py": "KEEP_ALIVE_TIMEOUT of Sanic's protocol, over ReusableClient",
    "tests/test_logo.py": "the MOTD logo Sanic's server prints at startup",
    "tests/test_motd.py": "the MOTD Sanic's server prints at startup",
    "tests/test_multiprocessing.py": "worker processes of Sanic's server",
    "tests/test_pipelining.py": "HTTP/1 pipelining on Sanic's protocol, over ReusableClient",
    "tests/test_reloader.py": "the auto-reloader process",
    "tests/test_server_events.py": "listener order of app.create_server() / app.run() on Sanic's server",
    "tests/test_server_loop.py": "event loop policy (uvloop) set up by Sanic's server",
    "tests/test_signal_handlers.py": "OS signal handlers installed by Sanic's server",
    "tests/test_timeout_logic.py": "timeout checks of Sanic's HttpProtocol class, called directly",
    "tests/test_tls.py": "TLS on Sanic's server (certificates, SNI, TLS-only apps); TLS is the ASGI server's job",
    "tests/test_unix_socket.py": "UNIX sockets bound by Sanic's server",
    "tests/test_worker.py": "Sanic's gunicorn worker class",
}

NO_CLIENT: dict[str, str] = {
    "tests/benchmark/": "router micro-benchmarks (pytest-benchmark); no request is served",
    "tests/test_base.py": "names and reprs of apps and blueprints",
    "tests/test_config.py": "config loading and precedence",
    "tests/test_deprecation.py": "the deprecation helper",
    "tests/test_headers.py": "header parsing helpers (sanic.headers); no request is served",
    "tests/test_helpers.py": "sanic.helpers functions",
    "tests/test_json_encoding.py": "JSON encoder selection on response objects",
    "tests/test_signals.py": "the signal router, dispatched directly; no request is served",
    "tests/test_touchup.py": "TouchUp code rewriting at startup",
    "tests/test_utils.py": "sanic.utils.load_module_from_file_location",
}

_ADAPTER = ADAPTER_MODES
_EVERYWHERE = ALL_MODES

# nodeid -> (modes, reason).  Strict xfail in those modes.
XFAIL: dict[str, tuple[frozenset[str], str]] = {}

# nodeid -> (modes, reason).  Not run in those modes; counted as not passed.
SKIP: dict[str, tuple[frozenset[str], str]] = {}

# Tests that Sanic's suite marks itself; listed so that every test that does not pass has its reason here.
SANIC_MARKED: dict[str, str] = {}
