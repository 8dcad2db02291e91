"""What of Sanic's own test suite runs through the adapter, and what is expected to fail.

Read by ``sanic_compat.py`` (the pytest plugin that applies it) and ``run.py``
(the command that runs the suite and prints the score).  Keep one line of
reason per entry, written for a Sanic maintainer.

* ``SERVER_PROCESS``: files that test Sanic's own server process (its CLI,
  workers, reloader, TLS, HTTP/3, sockets, raw HTTP/1 handling, MOTD...).
  Under ASGI those are the ASGI server's job, so these files are not run.
* ``NO_CLIENT``: files of unit tests that never serve a request (helpers,
  config parsing, typing); they give the same result on any server, so they
  are not run either and do not count in the score.
* Every other file is *app-level*: its tests drive an app through
  ``app.test_client`` / ``app.asgi_client`` / ``SanicTestClient``, and all of
  its tests count in the score.
* ``XFAIL``: app-level tests that fail through the adapter, with the reason
  and the modes it applies to; they run as strict xfails, so a fix shows up
  as an XPASS failure and the entry must go.
* ``SKIP``: app-level tests that are not run in a mode (they would hang or
  poison the rest of the session), with the reason; they count as not passed.
"""

from __future__ import annotations

SANIC_VERSION = "25.12.1"
# sha256 of sanic-25.12.1.tar.gz, the sdist `pip download sanic==25.12.1 --no-binary :all:` fetches.
SDIST_SHA256 = "7b51bf608e4030f06a6c002cd08fed2872e4936527e63c9a8a97d5cd06a2b47f"

ADAPTER_MODES = frozenset({"inprocess", "uvicorn", "hypercorn"})
ALL_MODES = ADAPTER_MODES | {"own"}
REAL_SERVERS = frozenset({"uvicorn", "hypercorn"})

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

# nodeid -> (modes, reason).  Strict xfail in those modes.
XFAIL: dict[str, tuple[frozenset[str], str]] = {}

# nodeid -> (modes, reason).  Not run in those modes; counted as not passed.
SKIP: dict[str, tuple[frozenset[str], str]] = {}


def not_run_reason(relpath: str) -> str | None:
    """Why the file (or directory) at ``relpath`` is not run, or None."""
    for table in (SERVER_PROCESS, NO_CLIENT):
        for entry, reason in table.items():
            if relpath == entry or (entry.endswith("/") and relpath.startswith(entry)):
                return reason
    return None
