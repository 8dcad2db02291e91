"""Sanic 25.12.1: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION

SANIC_VERSION = "25.12.1"
# sha256 of sanic-25.12.1.tar.gz, the sdist `pip download sanic==25.12.1 --no-binary sanic` fetches.
SDIST_SHA256 = "7b51bf608e4030f06a6c002cd08fed2872e4936527e63c9a8a97d5cd06a2b47f"

# The runner (see manifests/__init__.py): pytest-sanic and Sanic's tox.ini settings (imported
# above), sanic-testing and the test extras of Sanic's setup.py that the app-level tests use.
TEST_REQUIREMENTS = ["sanic-testing>=24.6", "beautifulsoup4", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("sanic_testing", "bs4")
MODES = ALL_MODES

XDIST = True

# Paths relative to the unpacked sdist root; a directory entry ends with "/".
SERVER_PROCESS: dict[str, str] = {
    "tests/http3/": "HTTP/3 (aioquic) is served by Sanic's own server only",
    "tests/worker/": "Sanic's worker manager, multiplexer, reloader, inspector and shared ctx processes",
    "tests/test_bad_request.py": "sends malformed bytes to Sanic's HTTP/1 parser over a raw socket",
    "tests/test_cli.py": "the `sanic` command line",
    "tests/test_coffee.py": "the MOTD logo Sanic's server prints at startup",
    "tests/test_daemon.py": "daemon mode of Sanic's server process",
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
    "tests/test_startup_errors.py": "error handling of Sanic's server startup (address in use...)",
    "tests/test_timeout_logic.py": "timeout checks of Sanic's HttpProtocol class, called directly",
    "tests/test_tls.py": "TLS on Sanic's server (certificates, SNI, TLS-only apps); TLS is the ASGI server's job",
    "tests/test_unix_socket.py": "UNIX sockets bound by Sanic's server",
    "tests/test_websockets.py": "unit tests of Sanic's WebsocketImplProtocol (its server's websocket code)",
}

NO_CLIENT: dict[str, str] = {
    "tests/benchmark/": "router micro-benchmarks (pytest-benchmark); no request is served",
    "tests/typing/": "mypy checks of Sanic's type annotations",
    "tests/test_base.py": "names and reprs of apps and blueprints",
    "tests/test_config.py": "config loading and precedence",
    "tests/test_deprecation.py": "the deprecation helper",
    "tests/test_helpers.py": "sanic.helpers functions",
    "tests/test_init.py": "package imports",
    "tests/test_json_encoding.py": "JSON encoder selection on response objects",
    "tests/test_response_file.py": "file-response helpers (validate_file, guess_content_type)",
    "tests/test_response_header_injection.py": "header sanitising on response objects",
    "tests/test_touchup.py": "TouchUp code rewriting at startup",
    "tests/test_utils.py": "sanic.utils.load_module_from_file_location",
}

_ADAPTER = ADAPTER_MODES
_EVERYWHERE = ALL_MODES

# nodeid -> (modes, reason).  Strict xfail in those modes.
XFAIL: dict[str, tuple[frozenset[str], str]] = {
    # -- fail on Sanic's own server too -------------------------------------
    "tests/test_routes.py::test_websocket_route_with_subprotocols[None-None]": (
        _EVERYWHERE,
        "fails on Sanic's own server too: with websockets >= 13.1 a handshake offering no subprotocol "
        "to a route that lists some is refused with 400; the test expects it to open with None",
    ),
    "tests/test_routes.py::test_websocket_route_with_subprotocols[subprotocols2-None]": (
        _EVERYWHERE,
        "fails on Sanic's own server too: with websockets >= 13.1 a handshake offering only unknown "
        "subprotocols is refused with 400; the test expects it to open with None",
    ),
    # -- assert Sanic's own server classes and process setup -----------------
    "tests/test_app.py::test_app_websocket_parameters": (
        _ADAPTER,
        "asserts that app.run() builds Sanic's WebSocketProtocol class with the WEBSOCKET_* settings "
        "(it mocks sanic.mixins.startup.WebSocketProtocol); no Sanic protocol class exists under ASGI",
    ),
    "tests/test_request.py::test_protocol_attribute": (
        _ADAPTER,
        "asserts the built-in protocol class: request.protocol is an HttpProtocol",
    ),
    "tests/test_errorpages.py::test_config_fallback_before_and_after_startup": (
        _ADAPTER,
        "asserts that a main_process_start listener's config change does not reach the serving process; "
        "an ASGI worker has no separate main process, so the adapter runs main-process listeners in it",
    ),
    # -- what Sanic's HTTP/1 protocol writes or logs itself ------------------
    "tests/test_headers.py::test_raw_headers": (
        _ADAPTER,
        "asserts header names in their original case in request.raw_headers ('Host: example.com'); the adapter "
        "rebuilds the head from the scope, whose names every ASGI server lowercases",
    ),
    "tests/test_response.py::test_response_header": (
        _ADAPTER,
        "asserts the `connection: keep-alive` header Sanic's HTTP/1 writer adds; connection management "
        "is the ASGI server's (uvicorn and hypercorn send no such header on HTTP/1.1, which allows that)",
    ),
    "tests/test_logging.py::test_access_log_client_ip_remote_addr": (
        _ADAPTER,
        "patches sanic.http.http1.access_logger, the logger of Sanic's HTTP/1 class; the adapter writes "
        "the same access-log record through sanic.log.access_logger",
    ),
    "tests/test_logging.py::test_access_log_client_ip_reqip": (
        _ADAPTER,
        "patches sanic.http.http1.access_logger, the logger of Sanic's HTTP/1 class; the adapter writes "
        "the same access-log record through sanic.log.access_logger",
    ),
    "tests/test_static.py::test_stack_trace_on_not_found": (
        _ADAPTER,
        "counts the INFO lines Sanic's server runner logs (sanic.server 'Starting worker' ... and "
        "'Server Stopped'); an ASGI server logs its own",
    ),
    "tests/test_static.py::test_no_stack_trace_on_not_found": (
        _ADAPTER,
        "counts the INFO lines Sanic's server runner logs (sanic.server 'Starting worker' ... and "
        "'Server Stopped'); an ASGI server logs its own",
    ),
    # -- a deliberate difference of the adapter ------------------------------
    "tests/test_exceptions_handler.py::test_exception_handler_response_was_sent": (
        _ADAPTER,
        "an exception after the response has started: Sanic's server logs it and ends the chunked "
        "body cleanly, so the client takes the truncated body for a complete one; the adapter makes "
        "the ASGI server abort the connection instead (the client sees an incomplete response)",
    ),
    "tests/test_response.py::test_multiple_responses": (
        _ADAPTER,
        "a second respond() after the first response started: Sanic's server logs it and ends the "
        "chunked body cleanly; the adapter makes the ASGI server abort the connection instead, so a "
        "truncated body cannot pass for a complete one",
    ),
    # -- assert what Sanic's native ASGI mode does differently ---------------
    "tests/test_asgi.py::test_asgi_headers_decoding": (
        _ADAPTER,
        "expects BadRequest raised out of Sanic's native ASGI __call__ into the test for a non-ASCII "
        "header name; the adapter answers 400 as Sanic's own server does (and over a real connection "
        "httpx refuses to send such a header at all)",
    ),
    "tests/test_response.py::test_send_response_after_eof_should_fail_asgi": (
        _ADAPTER,
        "expects the error text of Sanic's native ASGI mode ('There is no request to respond to...'); "
        "the adapter logs the text of Sanic's own server for the same error, which "
        "test_send_response_after_eof_should_fail checks",
    ),
}

# nodeid -> (modes, reason).  Not run in those modes; counted as not passed.
SKIP: dict[str, tuple[frozenset[str], str]] = {}

# Tests that Sanic's suite marks itself; not applied here, listed so that every
# test that does not pass has its reason in this file.
SANIC_MARKED: dict[str, str] = {
    "tests/test_static.py::test_double_backslash_prohibited_on_win32": "Sanic runs it on Windows only (skipif)",
    "tests/test_logging.py::test_debug_formatter_formatException[True-False-True]": (
        "Sanic's own non-strict xfail ('Runs on local but fails on CI'); its sibling parameters pass"
    ),
}
