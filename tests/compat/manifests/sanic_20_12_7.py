"""Sanic 20.12.7: what of its test suite runs through the adapter (see ``manifests/__init__.py``)."""

from __future__ import annotations

from . import ADAPTER_MODES, REAL_SERVERS, differs
from . import PYTEST_INI as PYTEST_INI
from . import PYTEST_SANIC_SHA256 as PYTEST_SANIC_SHA256
from . import PYTEST_SANIC_VERSION as PYTEST_SANIC_VERSION
from . import sanic_21_12_2 as _newer

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

# Sanic 20.12.7's suite as it differs from Sanic 21.12.2's (manifests.sanic_21_12_2):
# ``drop``: the newer release's entries that do not apply to this one; ``add``: this
# release's own entries (an entry whose reason or modes differ counts as added).

SERVER_PROCESS: dict[str, str] = differs(
    _newer.SERVER_PROCESS,
    drop=(
        "tests/test_cli.py",
        "tests/test_coffee.py",
        "tests/test_ext_integration.py",
        "tests/test_graceful_shutdown.py",
        "tests/test_http.py",
        "tests/test_motd.py",
        "tests/test_pipelining.py",
        "tests/test_server_loop.py",
        "tests/test_timeout_logic.py",
        "tests/test_tls.py",
    ),
    add={
        "tests/test_custom_protocol.py": "a custom protocol class for Sanic's server (app.run(protocol=...))",
        "tests/test_request_buffer_queue_size.py": "flow control of Sanic's HttpProtocol (REQUEST_BUFFER_QUEUE_SIZE)",
        "tests/test_request_timeout.py": (
            "REQUEST_TIMEOUT of Sanic's HttpProtocol, over a connector delaying the request"
        ),
    },
)

NO_CLIENT: dict[str, str] = differs(
    _newer.NO_CLIENT,
    drop=(
        "tests/test_base.py",
        "tests/test_deprecation.py",
        "tests/test_json_encoding.py",
        "tests/test_signals.py",
        "tests/test_touchup.py",
        "tests/test_utils.py",
    ),
    add={
        "tests/test_headers.py": "the header parsers (sanic.headers.parse_content_header), called directly",
        "tests/test_load_module_from_file_location.py": "sanic.utils.load_module_from_file_location",
        "tests/test_update_config.py": "config updates from objects and files",
    },
)

XFAIL: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.XFAIL,
    drop=(
        "tests/test_asgi.py::test_listeners_triggered",
        "tests/test_asgi.py::test_listeners_triggered_async",
        "tests/test_asgi.py::test_non_default_uvloop_config_raises_warning",
        "tests/test_app.py::test_uvloop_config",
        "tests/test_exceptions_handler.py::test_exception_handler_response_was_sent",
        "tests/test_headers.py::test_raw_headers",
        "tests/test_logging.py::test_access_log_client_ip_remote_addr",
        "tests/test_logging.py::test_access_log_client_ip_reqip",
        "tests/test_request.py::test_protocol_attribute",
        "tests/test_response.py::test_multiple_responses",
        "tests/test_static.py::test_no_stack_trace_on_not_found",
        "tests/test_static.py::test_stack_trace_on_not_found",
    ),
    add={
        "tests/test_asgi.py::test_cookie_customization": (
            ADAPTER_MODES,
            (
                "Sanic's native ASGI client sends to http://mockserver:1234 in-process; ours sends the same Host "
                "header to a real server on 127.0.0.1, and this release's httpx files the cookies under the URL host,"
                " so the jar shows 127.0.0.1 as the domain"
            ),
        ),
        "tests/test_logging.py::test_logger": (
            ADAPTER_MODES,
            (
                "expects the last log line to be 'Server Stopped', which Sanic's server runner logs; an ASGI server "
                "logs its own"
            ),
        ),
        "tests/test_logging.py::test_logger_static_and_secure": (
            ADAPTER_MODES,
            (
                "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's "
                "--ssl-certfile), so the client's https request meets a plain-HTTP server"
            ),
        ),
        "tests/test_middleware.py::test_middleware_response_raise_cancelled_error": (
            ADAPTER_MODES,
            (
                "a response middleware raises CancelledError: Sanic's server then writes nothing until its "
                "RESPONSE_TIMEOUT handler answers 503; the adapter answers 500 at once"
            ),
        ),
        "tests/test_request_stream.py::test_request_stream_100_continue[headers1-True]": (
            ADAPTER_MODES,
            (
                "an Expect header other than 100-continue: Sanic's server answers 417 and the client errors out; "
                "under ASGI the Expect handshake is the ASGI server's (uvicorn ignores an unknown expectation)"
            ),
        ),
        "tests/test_requests.py::test_invalid_ssl_dict": (
            ADAPTER_MODES,
            (
                "expects app.run(ssl={...}) to refuse an incomplete certificate dict when Sanic's server sets up TLS;"
                " under ASGI the TLS settings go to the ASGI server"
            ),
        ),
        "tests/test_requests.py::test_url_attributes_with_ssl_context[/bar/baz--https://{}:{}/bar/baz]": (
            ADAPTER_MODES,
            (
                "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's "
                "--ssl-certfile), so the client's https request meets a plain-HTTP server"
            ),
        ),
        "tests/test_requests.py::test_url_attributes_with_ssl_context[/foo--https://{}:{}/foo]": (
            ADAPTER_MODES,
            (
                "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's "
                "--ssl-certfile), so the client's https request meets a plain-HTTP server"
            ),
        ),
        "tests/test_requests.py::test_url_attributes_with_ssl_context[/moo/boo-arg1=val1-https://{}:{}/moo/boo?arg1=val1]": (  # noqa: E501
            ADAPTER_MODES,
            (
                "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's "
                "--ssl-certfile), so the client's https request meets a plain-HTTP server"
            ),
        ),
        "tests/test_requests.py::test_url_attributes_with_ssl_dict[/bar/baz--https://{}:{}/bar/baz]": (
            ADAPTER_MODES,
            (
                "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's "
                "--ssl-certfile), so the client's https request meets a plain-HTTP server"
            ),
        ),
        "tests/test_requests.py::test_url_attributes_with_ssl_dict[/foo--https://{}:{}/foo]": (
            ADAPTER_MODES,
            (
                "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's "
                "--ssl-certfile), so the client's https request meets a plain-HTTP server"
            ),
        ),
        "tests/test_requests.py::test_url_attributes_with_ssl_dict[/moo/boo-arg1=val1-https://{}:{}/moo/boo?arg1=val1]": (  # noqa: E501
            ADAPTER_MODES,
            (
                "app.run(ssl=...) makes Sanic's server speak TLS; under ASGI TLS is the ASGI server's (uvicorn's "
                "--ssl-certfile), so the client's https request meets a plain-HTTP server"
            ),
        ),
    },
)

SKIP: dict[str, tuple[frozenset[str], str]] = differs(
    _newer.SKIP,
    drop=(
        "tests/test_app.py::test_asyncio_server_start_serving",
        "tests/test_app.py::test_create_server_no_startup",
        "tests/test_cookies.py::test_cookie_expires[expires0]",
    ),
)

SANIC_MARKED: dict[str, str] = dict(_newer.SANIC_MARKED)
