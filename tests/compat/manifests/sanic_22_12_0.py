"""Sanic 22.12.0: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION

SANIC_VERSION = "22.12.0"
# sha256 of sanic-22.12.0.tar.gz, the sdist `pip download sanic==22.12.0 --no-binary sanic` fetches.
SDIST_SHA256 = "e5f81115f838956957046b6c52e7a08c1bd6e8ff530ee1376471eaf1579bfffa"

# The runner: pytest-sanic and the pytest settings above, the sanic-testing release of
# that Sanic line and the test extras of its setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing==22.12.0", "beautifulsoup4", "chardet==3.*", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("sanic_testing", "bs4")
MODES = ALL_MODES

XDIST = True

# Paths relative to the unpacked sdist root; a directory entry ends with "/".
SERVER_PROCESS: dict[str, str] = {
    "tests/http3/": "HTTP/3 (aioquic) is served by Sanic's own server only",
    "tests/test_bad_request.py": "sends malformed bytes to Sanic's HTTP/1 parser over a raw socket",
    "tests/test_cli.py": "the `sanic` command line",
    "tests/test_coffee.py": "the MOTD logo Sanic's server prints at startup",
    "tests/test_ext_integration.py": "sanic-ext set up by app.run() on Sanic's server",
    "tests/test_graceful_shutdown.py": "connection draining of Sanic's server, driven over raw sockets",
    "tests/test_http.py": "raw HTTP/1 framing and keep-alive of Sanic's protocol (RawClient, ReusableClient)",
    "tests/test_http_alt_svc.py": "Alt-Svc header of Sanic's HTTP/3 server",
    "tests/test_keep_alive_timeout.py": "KEEP_ALIVE_TIMEOUT of Sanic's protocol, over ReusableClient",
    "tests/test_logo.py": "the MOTD logo Sanic's server prints at startup",
    "tests/test_motd.py": "the MOTD Sanic's server prints at startup",
    "tests/test_multi_serve.py": "Sanic.serve() of several apps in one server",
    "tests/test_multiprocessing.py": "worker processes of Sanic's server",
    "tests/test_pipelining.py": "HTTP/1 pipelining on Sanic's protocol, over ReusableClient",
    "tests/test_prepare.py": "app.prepare() server settings (dev mode, reload dirs, fast workers)",
    "tests/test_reloader.py": "the auto-reloader process",
    "tests/test_server_events.py": "listener order of app.create_server() / app.run() on Sanic's server",
    "tests/test_server_loop.py": "event loop policy (uvloop) set up by Sanic's server",
    "tests/test_signal_handlers.py": "OS signal handlers installed by Sanic's server",
    "tests/test_timeout_logic.py": "timeout checks of Sanic's HttpProtocol class, called directly",
    "tests/test_tls.py": "TLS on Sanic's server (certificates, SNI, TLS-only apps); TLS is the ASGI server's job",
    "tests/test_unix_socket.py": "UNIX sockets bound by Sanic's server",
    "tests/test_websockets.py": "unit tests of Sanic's WebsocketImplProtocol (its server's websocket code)",
    "tests/worker/": "Sanic's worker manager, multiplexer, reloader, inspector and shared ctx processes",
}

NO_CLIENT: dict[str, str] = {
    "tests/benchmark/": "router micro-benchmarks (pytest-benchmark); no request is served",
    "tests/test_base.py": "names and reprs of apps and blueprints",
    "tests/test_config.py": "config loading and precedence",
    "tests/test_deprecation.py": "the deprecation helper",
    "tests/test_headers.py": "header parsing helpers (sanic.headers); no request is served",
    "tests/test_helpers.py": "sanic.helpers functions",
    "tests/test_init.py": "package imports",
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
