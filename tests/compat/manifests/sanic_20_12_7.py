"""Sanic 20.12.7: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, ALL_MODES, REAL_SERVERS
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION

SANIC_VERSION = "20.12.7"
# sha256 of sanic-20.12.7.tar.gz, the sdist `pip download sanic==20.12.7 --no-binary sanic` fetches.
SDIST_SHA256 = "6ff1c900775eaf4c35f50261513cbf6134b3c38e620437c92ed1c712d4dbe0dd"

# The runner: pytest-sanic and the pytest settings above; the test clients are Sanic's own
# (sanic.testing, with the httpx this release pins), so no sanic-testing.
TEST_REQUIREMENTS = ["beautifulsoup4", "pytest-xdist", "pytest-timeout"]
REQUIRED_MODULES = ("bs4",)
# sanic.testing's clients send real requests with the release's httpx: the adapter modes
# serve on a real server (no in-process mode).
MODES = REAL_SERVERS | {"own"}

XDIST = True

# Paths relative to the unpacked sdist root; a directory entry ends with "/".
SERVER_PROCESS: dict[str, str] = {
    "tests/test_bad_request.py": "sends malformed bytes to Sanic's HTTP/1 parser over a raw socket",
    "tests/test_custom_protocol.py": "a custom protocol class for Sanic's server (app.run(protocol=...))",
    "tests/test_keep_alive_timeout.py": "KEEP_ALIVE_TIMEOUT of Sanic's protocol, over ReusableClient",
    "tests/test_logo.py": "the MOTD logo Sanic's server prints at startup",
    "tests/test_multiprocessing.py": "worker processes of Sanic's server",
    "tests/test_reloader.py": "the auto-reloader process",
    "tests/test_request_buffer_queue_size.py": "flow control of Sanic's HttpProtocol (REQUEST_BUFFER_QUEUE_SIZE)",
    "tests/test_request_timeout.py": "REQUEST_TIMEOUT of Sanic's HttpProtocol, over a connector delaying the request",
    "tests/test_server_events.py": "listener order of app.create_server() / app.run() on Sanic's server",
    "tests/test_signal_handlers.py": "OS signal handlers installed by Sanic's server",
    "tests/test_unix_socket.py": "UNIX sockets bound by Sanic's server",
    "tests/test_worker.py": "Sanic's gunicorn worker class",
}

NO_CLIENT: dict[str, str] = {
    "tests/benchmark/": "router micro-benchmarks (pytest-benchmark); no request is served",
    "tests/test_config.py": "config loading and precedence",
    "tests/test_headers.py": "header parsing helpers (sanic.headers); no request is served",
    "tests/test_helpers.py": "sanic.helpers functions",
    "tests/test_load_module_from_file_location.py": "sanic.utils.load_module_from_file_location",
    "tests/test_update_config.py": "config updates from objects and files",
}

_ADAPTER = ADAPTER_MODES
_EVERYWHERE = ALL_MODES

# nodeid -> (modes, reason).  Strict xfail in those modes.
XFAIL: dict[str, tuple[frozenset[str], str]] = {
    "tests/test_app.py::test_app_websocket_parameters": (
        _ADAPTER,
        (
            "asserts that app.run() builds Sanic's WebSocketProtocol with the WEBSOCKET_* settings (it mocks the "
            "protocol class Sanic's server uses); no Sanic protocol class exists under ASGI"
        ),
    ),
    "tests/test_asgi.py::test_cookie_customization": (
        _ADAPTER,
        (
            "Sanic's native ASGI client sends to http://mockserver:1234 in-process; ours sends the same Host header"
            " to a real server on 127.0.0.1, and this release's httpx files the cookies under the URL host, so the "
            "jar shows 127.0.0.1 as the domain"
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
    "tests/test_logging.py::test_logger": (
        _ADAPTER,
        (
            "expects the last log line to be 'Server Stopped', which Sanic's server runner logs; an ASGI server "
            "logs its own"
        ),
    ),
    "tests/test_logging.py::test_logger_static_and_secure": (
        _ADAPTER,
        (
            "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's --ssl-"
            "certfile), so the client's https request meets a plain-HTTP server"
        ),
    ),
    "tests/test_middleware.py::test_middleware_response_raise_cancelled_error": (
        _ADAPTER,
        (
            "a response middleware raises CancelledError: Sanic's server then writes nothing until its "
            "RESPONSE_TIMEOUT handler answers 503; the adapter answers 500 at once"
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
    "tests/test_request_stream.py::test_request_stream_100_continue[headers1-True]": (
        _ADAPTER,
        (
            "an Expect header other than 100-continue: Sanic's server answers 417 and the client errors out; under "
            "ASGI the Expect handshake is the ASGI server's (uvicorn ignores an unknown expectation)"
        ),
    ),
    "tests/test_requests.py::test_invalid_ssl_dict": (
        _ADAPTER,
        (
            "expects app.run(ssl={...}) to refuse an incomplete certificate dict when Sanic's server sets up TLS; "
            "under ASGI the TLS settings go to the ASGI server"
        ),
    ),
    "tests/test_requests.py::test_url_attributes_with_ssl_context[/bar/baz--https://{}:{}/bar/baz]": (
        _ADAPTER,
        (
            "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's --ssl-"
            "certfile), so the client's https request meets a plain-HTTP server"
        ),
    ),
    "tests/test_requests.py::test_url_attributes_with_ssl_context[/foo--https://{}:{}/foo]": (
        _ADAPTER,
        (
            "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's --ssl-"
            "certfile), so the client's https request meets a plain-HTTP server"
        ),
    ),
    "tests/test_requests.py::test_url_attributes_with_ssl_context[/moo/boo-arg1=val1-https://{}:{}/moo/boo?arg1=val1]": (  # noqa: E501
        _ADAPTER,
        (
            "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's --ssl-"
            "certfile), so the client's https request meets a plain-HTTP server"
        ),
    ),
    "tests/test_requests.py::test_url_attributes_with_ssl_dict[/bar/baz--https://{}:{}/bar/baz]": (
        _ADAPTER,
        (
            "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's --ssl-"
            "certfile), so the client's https request meets a plain-HTTP server"
        ),
    ),
    "tests/test_requests.py::test_url_attributes_with_ssl_dict[/foo--https://{}:{}/foo]": (
        _ADAPTER,
        (
            "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's --ssl-"
            "certfile), so the client's https request meets a plain-HTTP server"
        ),
    ),
    "tests/test_requests.py::test_url_attributes_with_ssl_dict[/moo/boo-arg1=val1-https://{}:{}/moo/boo?arg1=val1]": (
        _ADAPTER,
        (
            "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's --ssl-"
            "certfile), so the client's https request meets a plain-HTTP server"
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
}

# nodeid -> (modes, reason).  Not run in those modes; counted as not passed.
SKIP: dict[str, tuple[frozenset[str], str]] = {}

# Tests that Sanic's suite marks itself; listed so that every test that does not pass has its reason here.
SANIC_MARKED: dict[str, str] = {
    "tests/test_static.py::test_double_backslash_prohibited_on_win32": "Sanic runs it on Windows only (skipif)",
}
