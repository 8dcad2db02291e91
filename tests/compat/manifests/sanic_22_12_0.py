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
XFAIL: dict[str, tuple[frozenset[str], str]] = {
    "tests/test_redirect.py::test_redirect_with_params[sanic test]": (
        _EVERYWHERE,
        (
            "fails on Sanic's own server too: after the redirect the route parameter arrives percent-encoded "
            "('sanic%20test'); the test expects it decoded"
        ),
    ),
    "tests/test_app.py::test_app_websocket_parameters": (
        _ADAPTER,
        (
            "asserts that app.run() builds Sanic's WebSocketProtocol with the WEBSOCKET_* settings (it mocks the "
            "protocol class Sanic's server uses); no Sanic protocol class exists under ASGI"
        ),
    ),
    "tests/test_app.py::test_uvloop_config[False]": (
        _ADAPTER,
        "asserts that Sanic's server calls try_use_uvloop(); under ASGI the server owns the event loop",
    ),
    "tests/test_app.py::test_uvloop_config[True]": (
        _ADAPTER,
        "asserts that Sanic's server calls try_use_uvloop(); under ASGI the server owns the event loop",
    ),
    "tests/test_errorpages.py::test_config_fallback_before_and_after_startup": (
        _ADAPTER,
        (
            "asserts that a main_process_start listener's config change does not reach the serving process; an ASGI"
            " worker has no separate main process, so the adapter runs main-process listeners in it"
        ),
    ),
    "tests/test_exceptions_handler.py::test_exception_handler_response_was_sent": (
        _ADAPTER,
        (
            "an exception after the response has started: Sanic's server logs it and ends the chunked body cleanly,"
            " so the client takes the truncated body for a complete one; the adapter makes the ASGI server abort "
            "the connection instead (the client sees an incomplete response)"
        ),
    ),
    "tests/test_logging.py::test_access_log_client_ip_remote_addr": (
        _ADAPTER,
        (
            "patches sanic.http.http1.access_logger, the logger of Sanic's HTTP/1 class; the adapter writes the "
            "same access-log record through sanic.log.access_logger"
        ),
    ),
    "tests/test_logging.py::test_access_log_client_ip_reqip": (
        _ADAPTER,
        (
            "patches sanic.http.http1.access_logger, the logger of Sanic's HTTP/1 class; the adapter writes the "
            "same access-log record through sanic.log.access_logger"
        ),
    ),
    "tests/test_logging.py::test_log_connection_lost[False]": (
        _ADAPTER,
        (
            "closes request.transport in the handler to drop the connection before the response; an ASGI app cannot"
            " drop a connection before it starts a response (the ASGI server then answers 500)"
        ),
    ),
    "tests/test_logging.py::test_log_connection_lost[True]": (
        _ADAPTER,
        (
            "closes request.transport in the handler to drop the connection before the response; an ASGI app cannot"
            " drop a connection before it starts a response (the ASGI server then answers 500)"
        ),
    ),
    "tests/test_payload_too_large.py::test_payload_too_large_at_data_received_default": (
        _ADAPTER,
        (
            "REQUEST_MAX_SIZE = 1: Sanic's server counts the request head against REQUEST_MAX_SIZE (data_received);"
            " the adapter applies it to bodies and leaves request-head limits to the ASGI server"
        ),
    ),
    "tests/test_payload_too_large.py::test_payload_too_large_from_error_handler": (
        _ADAPTER,
        (
            "REQUEST_MAX_SIZE = 1: Sanic's server counts the request head against REQUEST_MAX_SIZE (data_received);"
            " the adapter applies it to bodies and leaves request-head limits to the ASGI server"
        ),
    ),
    "tests/test_request.py::test_protocol_attribute": (
        _ADAPTER,
        "asserts the built-in protocol class: request.protocol is an HttpProtocol",
    ),
    "tests/test_response.py::test_multiple_responses": (
        _ADAPTER,
        (
            "a second respond() after the first response started: Sanic's server logs it and ends the chunked body "
            "cleanly; the adapter makes the ASGI server abort the connection instead, so a truncated body cannot "
            "pass for a complete one"
        ),
    ),
    "tests/test_response.py::test_response_header": (
        _ADAPTER,
        (
            "asserts the `connection: keep-alive` and `keep-alive` headers Sanic's HTTP/1 writer adds; connection "
            "management is the ASGI server's (uvicorn and hypercorn send no such header on HTTP/1.1, which allows "
            "that)"
        ),
    ),
    "tests/test_static.py::test_no_stack_trace_on_not_found": (
        _ADAPTER,
        (
            "counts the INFO lines Sanic's server runner logs (sanic.server 'Starting worker' ... and 'Server "
            "Stopped'); an ASGI server logs its own"
        ),
    ),
    "tests/test_static.py::test_stack_trace_on_not_found": (
        _ADAPTER,
        (
            "counts the INFO lines Sanic's server runner logs (sanic.server 'Starting worker' ... and 'Server "
            "Stopped'); an ASGI server logs its own"
        ),
    ),
}

# nodeid -> (modes, reason).  Not run in those modes; counted as not passed.
SKIP: dict[str, tuple[frozenset[str], str]] = {
    "tests/test_app.py::test_asyncio_server_start_serving": (
        _ADAPTER,
        (
            "Sanic's own create_server() (no test client) on the fixed port 43124, which "
            "test_asyncio_server_no_start_serving leaves bound without closing its server; in the matrix "
            "(right after the own-server run) the port was still in use when these ran, in standalone "
            "adapter runs they pass: not run rather than flaky"
        ),
    ),
    "tests/test_app.py::test_create_server_no_startup": (
        _ADAPTER,
        (
            "Sanic's own create_server() (no test client) on the fixed port 43124, which "
            "test_asyncio_server_no_start_serving leaves bound without closing its server; in the matrix "
            "(right after the own-server run) the port was still in use when these ran, in standalone "
            "adapter runs they pass: not run rather than flaky"
        ),
    ),
}

# Tests that Sanic's suite marks itself; listed so that every test that does not pass has its reason here.
SANIC_MARKED: dict[str, str] = {
    "tests/test_static.py::test_double_backslash_prohibited_on_win32": "Sanic runs it on Windows only (skipif)",
}
