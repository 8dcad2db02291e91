"""Sanic 19.12.5: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES, REAL_SERVERS
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION

SANIC_VERSION = "19.12.5"
# sha256 of sanic-19.12.5.tar.gz, the sdist `pip download sanic==19.12.5 --no-binary sanic` fetches.
SDIST_SHA256 = "14f776892a3acca016b8a0bf801e98d368416d32dc061eb57685694f2ee76367"

# The runner: pytest-sanic and the pytest settings above; the test clients are Sanic's own
# (sanic.testing, with the httpx this release pins), so no sanic-testing.
TEST_REQUIREMENTS = ["beautifulsoup4", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("bs4",)
# sanic.testing's clients send real requests with the release's httpx: the adapter modes
# serve on a real server (no in-process mode).
MODES = REAL_SERVERS | {"own"}

# Sanic 19.12's SanicTestClient binds the fixed port 42101 (sanic.testing.PORT) for every
# request, on its own server as through the adapter: one worker, or two would collide.
XDIST = False

# Paths relative to the unpacked sdist root; a directory entry ends with "/".
SERVER_PROCESS: dict[str, str] = {
    "tests/test_bad_request.py": "sends malformed bytes to Sanic's HTTP/1 parser over a raw socket",
    "tests/test_custom_protocol.py": "a custom protocol class for Sanic's server (app.run(protocol=...))",
    "tests/test_keep_alive_timeout.py": "KEEP_ALIVE_TIMEOUT of Sanic's protocol, over ReusableClient",
    "tests/test_logo.py": "the MOTD logo Sanic's server prints at startup",
    "tests/test_multiprocessing.py": "worker processes of Sanic's server",
    "tests/test_request_buffer_queue_size.py": "flow control of Sanic's HttpProtocol (REQUEST_BUFFER_QUEUE_SIZE)",
    "tests/test_request_timeout.py": "REQUEST_TIMEOUT of Sanic's HttpProtocol, over a connector delaying the request",
    "tests/test_server_events.py": "listener order of app.create_server() / app.run() on Sanic's server",
    "tests/test_signal_handlers.py": "OS signal handlers installed by Sanic's server",
    "tests/test_worker.py": "Sanic's gunicorn worker class",
}

NO_CLIENT: dict[str, str] = {
    "tests/benchmark/": "router micro-benchmarks (pytest-benchmark); no request is served",
    "tests/test_config.py": "config loading and precedence",
    "tests/test_headers.py": "header parsing helpers (sanic.headers); no request is served",
    "tests/test_helpers.py": "sanic.helpers functions",
}

_ADAPTER = ADAPTER_MODES
_EVERYWHERE = ALL_MODES

# nodeid -> (modes, reason).  Strict xfail in those modes.
XFAIL: dict[str, tuple[frozenset[str], str]] = {}

# nodeid -> (modes, reason).  Not run in those modes; counted as not passed.
SKIP: dict[str, tuple[frozenset[str], str]] = {}

# Tests that Sanic's suite marks itself; listed so that every test that does not pass has its reason here.
SANIC_MARKED: dict[str, str] = {}
