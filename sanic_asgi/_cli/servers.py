"""Sanic's server settings -> each ASGI server's options: the mapping tables.

``TABLES`` holds one table per server: for every Sanic setting (and every
``sanic-asgi run`` option that has a Sanic counterpart) the server option it
becomes, whether the server can honour it (``yes`` / ``partly`` / ``no``) and
what the user should know.  ``translate()`` turns a ``RunOptions`` and the
app's ``SanicSettings`` into a ``Plan``: the server's own command-line flags,
the few values that cannot be written as flags, what was mapped, and one
warning per setting the server cannot (fully) honour — nothing is dropped
silently.  ``mapping_markdown()`` renders the tables for the README, so that
the documentation and the code are the same table.

Settings the adapter itself reads (``REQUEST_MAX_SIZE``, ``RESPONSE_TIMEOUT``,
``WEBSOCKET_MAX_SIZE`` as a last line of defence, the proxy settings through
Sanic's own ``request.remote_addr``...) need no server option and are not in
these tables; the README's behaviour section covers them.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._types import SanicApp

__all__ = [
    "SERVERS",
    "TABLES",
    "Plan",
    "Row",
    "RunOptions",
    "SanicSettings",
    "ServerName",
    "install_hint",
    "mapping_markdown",
    "redact",
    "translate",
    "unhonoured_settings",
]

ServerName = Literal["uvicorn", "hypercorn", "granian", "daphne", "gunicorn"]
SERVERS: tuple[ServerName, ...] = ("uvicorn", "hypercorn", "granian", "daphne", "gunicorn")
Support = Literal["yes", "partly", "no"]
LifespanMode = Literal["auto", "on", "off"]
SyncHandlersMode = Literal["loop", "thread"]

# The module each server is imported as (to check that it is installed).
SERVER_MODULES: dict[ServerName, str] = {
    "uvicorn": "uvicorn",
    "hypercorn": "hypercorn",
    "granian": "granian",
    "daphne": "daphne",
    "gunicorn": "gunicorn.asgi",  # gunicorn's own ASGI worker: gunicorn 25 on
}

# "No limit" for servers whose command line takes only an integer.
_NO_LIMIT_BYTES = sys.maxsize
# ":method" ":scheme" ":authority" ":path" (33 bytes) and 32 bytes each (RFC 7541 4.1).
_PSEUDO_HEADERS_OVERHEAD = 33 + 4 * 32
_ONE_YEAR = 365 * 24 * 3600


# Flags whose value is a secret: never printed (``redact``).
SECRET_FLAGS = frozenset({"--ssl-keyfile-password", "--keyfile-password"})
SECRET_SETTINGS = frozenset({"FORWARDED_SECRET", "TLS_CERT_PASSWORD"})
MASK = "***"


def redact(args: Sequence[str]) -> list[str]:
    """``args`` with the value of every secret flag (``--flag VALUE`` or
    ``--flag=VALUE``) replaced by ``***``, for printing."""
    shown: list[str] = []
    hide_next = False
    for arg in args:
        flag, eq, _ = arg.partition("=")
        if hide_next:
            shown.append(MASK)
        elif eq and flag in SECRET_FLAGS:
            shown.append(f"{flag}={MASK}")
        else:
            shown.append(arg)
        hide_next = not hide_next and arg in SECRET_FLAGS
    return shown


def install_hint(server: str) -> str:
    return f"pip install 'sanic-asgi[{server}]'"


# -- the tables ---------------------------------------------------------------

HOST_PORT = "host / port"
UDS = "--uds"
WORKERS = "--workers"
RELOAD = "--reload"
KEEP_ALIVE = "KEEP_ALIVE"
KEEP_ALIVE_TIMEOUT = "KEEP_ALIVE_TIMEOUT"
REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
REQUEST_MAX_HEADER_SIZE = "REQUEST_MAX_HEADER_SIZE"
WEBSOCKET_MAX_SIZE = "WEBSOCKET_MAX_SIZE"
WEBSOCKET_PING_INTERVAL = "WEBSOCKET_PING_INTERVAL"
WEBSOCKET_PING_TIMEOUT = "WEBSOCKET_PING_TIMEOUT"
PROXIES = "PROXIES_COUNT / FORWARDED_SECRET / REAL_IP_HEADER"
ACCESS_LOG = "ACCESS_LOG"
TLS = "--tls DIR / --cert / --key"
TLS_CERT_PASSWORD = "TLS_CERT_PASSWORD"
GRACEFUL_SHUTDOWN_TIMEOUT = "GRACEFUL_SHUTDOWN_TIMEOUT"

SETTINGS: tuple[str, ...] = (
    HOST_PORT,
    UDS,
    WORKERS,
    RELOAD,
    KEEP_ALIVE,
    KEEP_ALIVE_TIMEOUT,
    REQUEST_TIMEOUT,
    REQUEST_MAX_HEADER_SIZE,
    WEBSOCKET_MAX_SIZE,
    WEBSOCKET_PING_INTERVAL,
    WEBSOCKET_PING_TIMEOUT,
    PROXIES,
    ACCESS_LOG,
    TLS,
    TLS_CERT_PASSWORD,
    GRACEFUL_SHUTDOWN_TIMEOUT,
)

# Settings that concern websockets only: irrelevant to an app without ws routes.
WEBSOCKET_SETTINGS = frozenset({WEBSOCKET_MAX_SIZE, WEBSOCKET_PING_INTERVAL, WEBSOCKET_PING_TIMEOUT})


@dataclass(frozen=True)
class Row:
    setting: str
    option: str  # the server's option; "" when there is none
    support: Support
    note: str = ""


_PROXY_NOTE = (
    "Sanic reads the forwarding headers itself by these settings (`request.remote_addr`, `request.scheme`), "
    "as on its own server; the server must not rewrite the client address first, so that `request.ip` "
    "stays the peer's address"
)
_ACCESS_LOG_NOTE = (
    "the adapter writes Sanic's access log (`sanic.access`) when ACCESS_LOG is on (`--access-logs` / "
    "`--no-access-logs` override it); the server's own access log is off, so requests are not logged twice"
)
_DRAIN_NOTE = "the adapter drains requests in flight for up to this long on lifespan.shutdown"
_WORKERS_NOTE = "each worker runs all listeners, main_process_* included"
_SHARED_NOTES = {WORKERS: _WORKERS_NOTE, PROXIES: _PROXY_NOTE, ACCESS_LOG: _ACCESS_LOG_NOTE}

TABLES: dict[ServerName, dict[str, Row]] = {
    "uvicorn": {
        r.setting: r
        for r in (
            Row(HOST_PORT, "--host / --port", "yes"),
            Row(UDS, "--uds", "yes"),
            Row(WORKERS, "--workers", "yes", _WORKERS_NOTE),
            Row(RELOAD, "--reload / --reload-dir", "yes"),
            Row(
                KEEP_ALIVE,
                "--timeout-keep-alive 0",
                "yes",
                "uvicorn has no switch: the adapter answers `connection: close` (as Sanic's server does), which "
                "uvicorn honours, and the idle timeout is 0",
            ),
            Row(KEEP_ALIVE_TIMEOUT, "--timeout-keep-alive", "yes", "whole seconds, rounded up"),
            Row(REQUEST_TIMEOUT, "", "no", "uvicorn has no timeout for receiving a request's headers"),
            Row(
                REQUEST_MAX_HEADER_SIZE,
                "--h11-max-incomplete-event-size",
                "partly",
                "h11 only (`-- --http h11`): httptools, which uvicorn picks when it is installed, has no head limit, "
                "and h11 checks the size only while the head is incomplete (a head that arrives in one read reaches "
                "the adapter); the adapter refuses the rest with Sanic's 413",
            ),
            Row(WEBSOCKET_MAX_SIZE, "--ws-max-size", "yes"),
            Row(WEBSOCKET_PING_INTERVAL, "--ws-ping-interval", "yes"),
            Row(WEBSOCKET_PING_TIMEOUT, "--ws-ping-timeout", "yes"),
            Row(PROXIES, "--no-proxy-headers", "yes", _PROXY_NOTE),
            Row(ACCESS_LOG, "--no-access-log", "yes", _ACCESS_LOG_NOTE),
            Row(TLS, "--ssl-certfile / --ssl-keyfile", "yes"),
            Row(TLS_CERT_PASSWORD, "--ssl-keyfile-password", "yes"),
            Row(
                GRACEFUL_SHUTDOWN_TIMEOUT,
                "--timeout-graceful-shutdown",
                "yes",
                "whole seconds, rounded up; " + _DRAIN_NOTE,
            ),
        )
    },
    "hypercorn": {
        r.setting: r
        for r in (
            Row(HOST_PORT, "--bind HOST:PORT", "yes"),
            Row(UDS, "--bind unix:PATH", "yes"),
            Row(WORKERS, "--workers", "yes", _WORKERS_NOTE),
            Row(
                RELOAD, "--reload", "yes", "hypercorn watches the files of all loaded modules; --reload-dir is ignored"
            ),
            Row(
                KEEP_ALIVE,
                "keep_alive_max_requests = 1",
                "yes",
                "every HTTP/1.1 response says `connection: close`; given in a config object, hypercorn has no flag",
            ),
            Row(KEEP_ALIVE_TIMEOUT, "--keep-alive", "yes", "whole seconds, rounded up"),
            Row(
                REQUEST_TIMEOUT,
                "",
                "no",
                "hypercorn has no timeout for receiving a request's headers (its --read-timeout bounds every "
                "read, of idle keep-alive and websocket connections too; pass it after -- if that is what you want)",
            ),
            Row(
                REQUEST_MAX_HEADER_SIZE,
                "h11_max_incomplete_size / h2_max_header_list_size",
                "yes",
                "given in a config object, hypercorn has no flag; h11 checks the size only while the head is "
                "incomplete (a head that arrives in one 64 KiB read reaches the adapter, which refuses it with "
                "Sanic's 413); HTTP/2 counts 32 bytes more per header (RFC 7541), so its limit is 6.6 times "
                "Sanic's, plus the pseudo-headers",
            ),
            Row(
                WEBSOCKET_MAX_SIZE,
                "websocket_max_message_size",
                "yes",
                "given in a config object, hypercorn has no flag",
            ),
            Row(
                WEBSOCKET_PING_INTERVAL,
                "",
                "no",
                "not mapped: hypercorn's ping task sleeps a whole interval after its websocket closed, and "
                "shutdown waits for it (up to --graceful-timeout), so Ctrl-C after any websocket took 15 s; "
                "pass --websocket-ping-interval after -- to have pings anyway",
            ),
            Row(
                WEBSOCKET_PING_TIMEOUT,
                "",
                "no",
                "hypercorn sends pings (when asked) but never closes a connection that does not answer them",
            ),
            Row(PROXIES, "", "yes", _PROXY_NOTE + " (hypercorn does not)"),
            Row(ACCESS_LOG, "", "yes", _ACCESS_LOG_NOTE + " (hypercorn's is off without --access-logfile)"),
            Row(TLS, "--certfile / --keyfile", "yes"),
            Row(TLS_CERT_PASSWORD, "--keyfile-password", "yes"),
            Row(GRACEFUL_SHUTDOWN_TIMEOUT, "--graceful-timeout", "yes", "whole seconds, rounded up; " + _DRAIN_NOTE),
        )
    },
    "granian": {
        r.setting: r
        for r in (
            Row(HOST_PORT, "--host / --port", "yes"),
            Row(UDS, "--uds", "yes"),
            Row(WORKERS, "--workers", "yes", _WORKERS_NOTE),
            Row(RELOAD, "--reload / --reload-paths", "yes", "needs `granian[reload]`"),
            Row(KEEP_ALIVE, "--no-http1-keep-alive", "yes"),
            Row(KEEP_ALIVE_TIMEOUT, "", "no", "granian has no idle timeout for HTTP/1.1 keep-alive connections"),
            Row(
                REQUEST_TIMEOUT,
                "--http1-header-read-timeout",
                "partly",
                "milliseconds, at most 60 s; a deadline for the whole request head, where Sanic's is an idle timer",
            ),
            Row(
                REQUEST_MAX_HEADER_SIZE,
                "--http1-buffer-size / --http2-max-headers-size",
                "partly",
                "granian's HTTP/1 buffer is at least 8 KiB: a smaller limit reaches the adapter, which refuses the "
                "head with Sanic's 413; HTTP/2 counts 32 bytes more per header (RFC 7541), so its limit is 6.6 "
                "times Sanic's, plus the pseudo-headers",
            ),
            Row(
                WEBSOCKET_MAX_SIZE,
                "(the adapter closes with 1009)",
                "partly",
                "granian has no limit of its own: the adapter closes the websocket with 1009 once a bigger "
                "message has arrived (granian has read all of it by then)",
            ),
            Row(WEBSOCKET_PING_INTERVAL, "", "no", "granian sends no websocket pings"),
            Row(WEBSOCKET_PING_TIMEOUT, "", "no", "granian sends no websocket pings"),
            Row(PROXIES, "", "yes", _PROXY_NOTE + " (granian does not)"),
            Row(ACCESS_LOG, "", "yes", _ACCESS_LOG_NOTE + " (granian's is off without --access-log)"),
            Row(TLS, "--ssl-certificate / --ssl-keyfile", "yes"),
            Row(TLS_CERT_PASSWORD, "--ssl-keyfile-password", "yes"),
            Row(
                GRACEFUL_SHUTDOWN_TIMEOUT,
                "(the adapter's drain)",
                "yes",
                _DRAIN_NOTE + "; granian has no setting of its own and waits for its workers",
            ),
        )
    },
    "daphne": {
        r.setting: r
        for r in (
            Row(HOST_PORT, "--bind / --port", "yes"),
            Row(UDS, "--unix-socket", "yes"),
            Row(WORKERS, "", "no", "daphne runs one process; run several behind a load balancer"),
            Row(RELOAD, "", "no", "daphne has no reloader"),
            Row(KEEP_ALIVE, "", "no", "daphne (Twisted) cannot turn keep-alive off"),
            Row(
                KEEP_ALIVE_TIMEOUT, "", "no", "daphne (Twisted) has no idle timeout setting for keep-alive connections"
            ),
            Row(
                REQUEST_TIMEOUT,
                "",
                "no",
                "daphne has no timeout for receiving a request's headers (--http-timeout bounds the whole response)",
            ),
            Row(
                REQUEST_MAX_HEADER_SIZE,
                "",
                "no",
                "daphne has no setting: Twisted's fixed limits apply first (16 KiB of header lines, 500 headers, "
                "a 16 KiB request line; over them the connection gets 400 or is closed), Sanic's 413 below them",
            ),
            Row(WEBSOCKET_MAX_SIZE, "--websocket-max-message-size", "yes"),
            Row(
                WEBSOCKET_PING_INTERVAL,
                "--ping-interval",
                "yes",
                "whole seconds, rounded up; daphne pings a connection idle for that long",
            ),
            Row(WEBSOCKET_PING_TIMEOUT, "--ping-timeout", "yes", "whole seconds, rounded up"),
            Row(PROXIES, "", "yes", _PROXY_NOTE + " (daphne does not without --proxy-headers)"),
            Row(ACCESS_LOG, "--access-log <null device>", "yes", _ACCESS_LOG_NOTE),
            Row(
                TLS,
                "--endpoint ssl:...:privateKey=KEY:certKey=CERT",
                "yes",
                "needs Twisted's TLS extras (pyOpenSSL, service_identity)",
            ),
            Row(TLS_CERT_PASSWORD, "", "no", "Twisted's ssl: endpoint cannot read an encrypted key"),
            Row(
                GRACEFUL_SHUTDOWN_TIMEOUT,
                "(the command's lifespan bridge)",
                "yes",
                "daphne does not speak lifespan: `sanic-asgi run` runs the startup before daphne listens and the "
                "shutdown (with the drain) before daphne cancels what is left",
            ),
        )
    },
    "gunicorn": {
        r.setting: r
        for r in (
            Row(HOST_PORT, "--bind HOST:PORT", "yes"),
            Row(UDS, "--bind unix:PATH", "yes"),
            Row(
                WORKERS,
                "--workers",
                "yes",
                "main_process_* listeners run once, in gunicorn's arbiter (`-c python:sanic_asgi.gunicorn`); "
                "the others in each worker, which sees what main_process_start put in `app.shared_ctx`",
            ),
            Row(
                RELOAD,
                "",
                "no",
                "the arbiter loads the app once, for the main-process listeners, and forks every worker from it: "
                "a reloaded worker would serve the old code; use another server while developing",
            ),
            Row(KEEP_ALIVE, "--keep-alive 0", "yes"),
            Row(KEEP_ALIVE_TIMEOUT, "--keep-alive", "yes", "whole seconds, rounded up"),
            Row(REQUEST_TIMEOUT, "", "no", "gunicorn has no timeout for receiving a request's headers"),
            Row(
                REQUEST_MAX_HEADER_SIZE,
                "--limit-request-field_size",
                "partly",
                "gunicorn limits each header line (and the request line to 4,094 bytes, the headers to 100), not "
                "the whole head: a bigger head reaches the adapter, which refuses it with Sanic's 413",
            ),
            Row(WEBSOCKET_MAX_SIZE, "--websocket-max-message-size", "yes"),
            Row(WEBSOCKET_PING_INTERVAL, "", "no", "gunicorn's asgi worker sends no websocket pings"),
            Row(WEBSOCKET_PING_TIMEOUT, "", "no", "gunicorn's asgi worker sends no websocket pings"),
            Row(PROXIES, "--forwarded-allow-ips ''", "yes", _PROXY_NOTE),
            Row(ACCESS_LOG, "", "yes", _ACCESS_LOG_NOTE + " (gunicorn's is off without --access-logfile)"),
            Row(TLS, "--certfile / --keyfile", "yes"),
            Row(TLS_CERT_PASSWORD, "", "no", "gunicorn cannot read an encrypted key"),
            Row(GRACEFUL_SHUTDOWN_TIMEOUT, "--graceful-timeout", "yes", "whole seconds, rounded up; " + _DRAIN_NOTE),
        )
    },
}


def mapping_markdown(server: ServerName | None = None) -> str:
    """The tables as Markdown: one table with a column per server and the
    notes below it, or (``server=``) one server's table with its notes."""

    def show(row: Row) -> str:
        if row.support == "no":
            return "not honoured"
        option = row.option or "(nothing needed)"
        text = option if option.startswith("(") else f"`{option}`"
        return text + (" (partly)" if row.support == "partly" else "")

    if server is not None:
        lines = [f"| Sanic | {server} | notes |", "|---|---|---|"]
        for setting in SETTINGS:
            row = TABLES[server][setting]
            lines.append(f"| `{setting}` | {show(row)} | {row.note} |")
        return "\n".join(lines) + "\n"
    lines = ["| Sanic | " + " | ".join(SERVERS) + " |", "|---" * (len(SERVERS) + 1) + "|"]
    for setting in SETTINGS:
        lines.append(f"| `{setting}` | " + " | ".join(show(TABLES[s][setting]) for s in SERVERS) + " |")
    lines += ["", "**All servers**", ""]
    lines += [f"- `{setting}`: {note}." for setting, note in _SHARED_NOTES.items()]
    for name in SERVERS:
        notes = [
            row
            for row in TABLES[name].values()
            if row.note and not (row.setting in _SHARED_NOTES and row.support == "yes")
        ]
        lines += ["", f"**{name}**", ""]
        lines += [f"- `{row.setting}`: {row.note}." for row in notes]
    return "\n".join(lines) + "\n"


# -- inputs -------------------------------------------------------------------


@dataclass(frozen=True)
class SanicSettings:
    """The server settings of one Sanic app (``app.config``), and which of
    them the app changed from Sanic's defaults."""

    keep_alive: bool = True
    keep_alive_timeout: float = 120
    request_timeout: float = 60
    websocket_max_size: int | None = 2**20
    websocket_ping_interval: float | None = 20
    websocket_ping_timeout: float | None = 20
    proxies_count: int | None = None
    forwarded_secret: str | None = None
    real_ip_header: str | None = None
    access_log: bool = False
    graceful_shutdown_timeout: float = 15.0
    tls_cert_password: str = ""
    # Sanic's effective head limit (Generation.head_limit): a request head of
    # this many bytes or more, without its blank line, is refused.
    head_limit: float = 8192
    changed: frozenset[str] = frozenset()

    _KEYS = {
        "KEEP_ALIVE": "keep_alive",
        "KEEP_ALIVE_TIMEOUT": "keep_alive_timeout",
        "REQUEST_TIMEOUT": "request_timeout",
        "WEBSOCKET_MAX_SIZE": "websocket_max_size",
        "WEBSOCKET_PING_INTERVAL": "websocket_ping_interval",
        "WEBSOCKET_PING_TIMEOUT": "websocket_ping_timeout",
        "PROXIES_COUNT": "proxies_count",
        "FORWARDED_SECRET": "forwarded_secret",
        "REAL_IP_HEADER": "real_ip_header",
        "ACCESS_LOG": "access_log",
        "GRACEFUL_SHUTDOWN_TIMEOUT": "graceful_shutdown_timeout",
        "TLS_CERT_PASSWORD": "tls_cert_password",
    }

    @classmethod
    def from_app(cls, app: SanicApp, *, access_log: bool | None = None) -> SanicSettings:
        from sanic.config import DEFAULT_CONFIG

        from .._generations import detect

        config = app.config
        values: dict[str, Any] = {}
        changed = set()
        for key, attr in cls._KEYS.items():
            value = config.get(key, DEFAULT_CONFIG.get(key))
            values[attr] = value
            if key in DEFAULT_CONFIG and value != DEFAULT_CONFIG[key]:
                changed.add(key)
        if access_log is not None:
            if access_log != values["access_log"]:
                changed.add("ACCESS_LOG")
            values["access_log"] = access_log
        # The limit as the app's Sanic release computes it, from
        # REQUEST_MAX_HEADER_SIZE, REQUEST_BUFFER_SIZE and REQUEST_MAX_SIZE:
        # "changed" when it differs from the limit of Sanic's defaults.
        generation = detect(app)
        values["head_limit"], _ = generation.head_limit(config)
        if values["head_limit"] != generation.head_limit(SimpleNamespace(**DEFAULT_CONFIG))[0]:
            changed.add(REQUEST_MAX_HEADER_SIZE)
        return cls(**values, changed=frozenset(changed))

    def value(self, key: str) -> Any:
        return getattr(self, self._KEYS[key])

    @property
    def head_bytes(self) -> int:
        """The largest request head Sanic accepts, as a server counts it:
        ``head_limit - 1`` bytes and the blank line (CRLF CRLF) that ends
        the head, which Sanic does not count."""
        if not math.isfinite(self.head_limit):
            return _NO_LIMIT_BYTES
        return max(0, math.ceil(self.head_limit) - 1) + 4

    @property
    def header_list_size(self) -> int:
        """The HTTP/2 header list size (RFC 7541 section 4.1: name, value
        and 32 bytes per field, pseudo-headers included) of the largest head
        Sanic accepts.  Sanic counts a header line as name, value and 4
        bytes (": " and CRLF), at least 5 with a one-letter name: an HTTP/2
        field is at most 33/5 of its line.  The pseudo-headers
        (``:method``, ``:scheme``, ``:authority``, ``:path``) add 4 * 32
        bytes and their names over the request line."""
        if not math.isfinite(self.head_limit):
            return _NO_LIMIT_BYTES
        return math.ceil(self.head_bytes * 33 / 5) + _PSEUDO_HEADERS_OVERHEAD


@dataclass(frozen=True)
class RunOptions:
    """What ``sanic-asgi run`` was asked for; checked at construction (as
    ``uvicorn.Config`` checks its ``Literal`` options)."""

    server: ServerName = "uvicorn"
    host: str = "127.0.0.1"
    port: int = 8000
    uds: str | None = None
    workers: int = 1
    reload: bool = False
    reload_dirs: tuple[str, ...] = ()
    cert: str | None = None
    key: str | None = None
    lifespan: LifespanMode = "auto"
    sync_handlers: SyncHandlersMode = "loop"
    passthrough: tuple[str, ...] = ()
    # A listening socket inherited from a supervisor (``sanic-asgi run -w N``,
    # ``workers``): hypercorn and daphne serve on it instead of host/port.
    fd: int | None = None

    def __post_init__(self) -> None:
        if self.server not in SERVERS:
            raise ValueError(f"server must be one of {', '.join(SERVERS)}; got {self.server!r}")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0..65535; got {self.port!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be 1 or more; got {self.workers!r}")
        if (self.cert is None) != (self.key is None):
            raise ValueError(
                "TLS needs both a certificate and a key: --cert fullchain.pem --key privkey.pem, "
                "or --tls DIR (a folder with fullchain.pem and privkey.pem)"
            )
        for path in (self.cert, self.key):
            if path is not None and not os.path.isfile(path):
                raise ValueError(f"no such TLS file: {path}")
        if self.lifespan not in ("auto", "on", "off"):
            raise ValueError(f"lifespan must be auto, on or off; got {self.lifespan!r}")
        if self.sync_handlers not in ("loop", "thread"):
            raise ValueError(f"sync_handlers must be loop or thread; got {self.sync_handlers!r}")

    @property
    def tls(self) -> bool:
        return self.cert is not None

    @property
    def url(self) -> str:
        if self.uds:
            return f"unix:{self.uds}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"


# -- the plan -----------------------------------------------------------------


@dataclass(frozen=True)
class Mapped:
    setting: str
    value: str  # as the user wrote it: "120", "--workers 2"
    option: str  # what it became: "--timeout-keep-alive 120"


@dataclass(frozen=True)
class Unhonoured:
    setting: str
    value: str
    support: Support  # "partly" or "no"
    note: str
    changed: bool  # the app (or the command line) changed it from Sanic's default

    def message(self, server: str) -> str:
        verb = "is only partly honoured" if self.support == "partly" else "is not honoured"
        subject = f"{self.setting} {self.value}" if self.setting.startswith("-") else f"{self.setting}={self.value}"
        if self.setting == RELOAD:
            subject = RELOAD
        return f"{subject} {verb} by {server}: {self.note}"


@dataclass
class Plan:
    """How one server will be started."""

    server: ServerName
    options: RunOptions
    args: list[str] = field(default_factory=list)  # the server's own flags
    # Values a command line cannot express (None for "no pings"...), applied
    # unless the user passed that option after "--".
    overrides: dict[str, Any] = field(default_factory=dict)
    # hypercorn settings without a flag, given through --config python:...
    config_object: dict[str, Any] = field(default_factory=dict)
    mapped: list[Mapped] = field(default_factory=list)
    unhonoured: list[Unhonoured] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passthrough(self) -> tuple[str, ...]:
        return self.options.passthrough

    def row(self, setting: str) -> Row:
        return TABLES[self.server][setting]

    def add(self, setting: str, value: Any, *flags: str, shown: str | None = None) -> None:
        self.args.extend(flags)
        self.mapped.append(Mapped(setting, _show(value), shown if shown is not None else " ".join(flags)))

    def cannot(self, setting: str, value: Any, *, changed: bool, note: str | None = None) -> None:
        row = self.row(setting)
        support: Support = "partly" if row.support == "partly" else "no"
        self.unhonoured.append(Unhonoured(setting, _show(value), support, note or row.note, changed))

    def command_line(self, target: str) -> list[str]:
        return [self.server, *self.args, *self.passthrough, target]


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _seconds(value: float) -> int:
    return max(0, math.ceil(value))


def _flag_seconds(value: float) -> str:
    return str(_seconds(value))


def _escape_endpoint(text: str) -> str:
    """Twisted endpoint strings separate with ':' and '='."""
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=")


def translate(options: RunOptions, settings: SanicSettings) -> Plan:
    """Build the plan for ``options.server``; every row of its table is
    either mapped or reported in ``plan.unhonoured``."""
    plan = Plan(options.server, options)
    _TRANSLATORS[options.server](plan, options, settings)
    if options.reload and options.workers > 1 and options.server in ("uvicorn",):
        plan.warnings.append("uvicorn does not run several workers with --reload: one process serves")
    return plan


def unhonoured_settings(plan: Plan, *, has_websockets: bool) -> tuple[list[Unhonoured], list[Unhonoured]]:
    """The settings ``plan.server`` cannot (fully) honour, split by one rule
    that ``run`` and ``doctor`` share: ``(changed, defaults)``.

    *changed*: the app (or the command line) set them away from Sanic's
    defaults (``sanic.config.DEFAULT_CONFIG``), so this app behaves differently
    than on Sanic's server: ``run`` warns, ``doctor`` reports a difference.
    *defaults*: Sanic's own defaults, which every app on that server shares:
    one line in ``run``'s banner, notes in ``doctor``.  Websocket settings
    count only for an app with websocket routes.
    """
    relevant = [u for u in plan.unhonoured if has_websockets or u.setting not in WEBSOCKET_SETTINGS]
    return [u for u in relevant if u.changed], [u for u in relevant if not u.changed]


def _proxies_changed(s: SanicSettings) -> bool:
    return bool({"PROXIES_COUNT", "FORWARDED_SECRET", "REAL_IP_HEADER"} & s.changed)


def _proxies_value(s: SanicSettings) -> str:
    parts = [
        f"{key}={MASK if key in SECRET_SETTINGS else s.value(key)}"
        for key in ("PROXIES_COUNT", "FORWARDED_SECRET", "REAL_IP_HEADER")
        if s.value(key) is not None
    ]
    return ", ".join(parts) or "unset"


def _uvicorn(plan: Plan, o: RunOptions, s: SanicSettings) -> None:
    if o.uds:
        plan.add(UDS, o.uds, "--uds", o.uds)
    else:
        plan.add(HOST_PORT, f"{o.host}:{o.port}", "--host", o.host, "--port", str(o.port))
    if o.workers > 1:
        plan.add(WORKERS, o.workers, "--workers", str(o.workers))
    if o.reload:
        plan.add(RELOAD, "on", "--reload", *[arg for d in o.reload_dirs for arg in ("--reload-dir", d)])
    if s.keep_alive:
        plan.add(KEEP_ALIVE_TIMEOUT, s.keep_alive_timeout, "--timeout-keep-alive", _flag_seconds(s.keep_alive_timeout))
    else:
        plan.add(KEEP_ALIVE, False, "--timeout-keep-alive", "0")
    plan.cannot(REQUEST_TIMEOUT, s.request_timeout, changed="REQUEST_TIMEOUT" in s.changed)
    plan.add(REQUEST_MAX_HEADER_SIZE, s.head_limit, "--h11-max-incomplete-event-size", str(s.head_bytes))
    plan.cannot(REQUEST_MAX_HEADER_SIZE, s.head_limit, changed=REQUEST_MAX_HEADER_SIZE in s.changed)
    max_size = _NO_LIMIT_BYTES if s.websocket_max_size is None else int(s.websocket_max_size)
    plan.add(WEBSOCKET_MAX_SIZE, s.websocket_max_size, "--ws-max-size", str(max_size))
    for key, param, flag in (
        (WEBSOCKET_PING_INTERVAL, "ws_ping_interval", "--ws-ping-interval"),
        (WEBSOCKET_PING_TIMEOUT, "ws_ping_timeout", "--ws-ping-timeout"),
    ):
        value = s.value(key)
        if value is None:  # no flag can say "off": pass None itself
            plan.overrides[param] = None
            plan.mapped.append(Mapped(key, "None", f"{param}=None"))
        else:
            plan.add(key, value, flag, _show(float(value)))
    plan.add(PROXIES, _proxies_value(s), "--no-proxy-headers")
    plan.add(ACCESS_LOG, s.access_log, "--no-access-log", shown="--no-access-log (Sanic's access log by the adapter)")
    if o.cert and o.key:
        plan.add(TLS, o.cert, "--ssl-certfile", o.cert, "--ssl-keyfile", o.key)
        if s.tls_cert_password:
            plan.add(
                TLS_CERT_PASSWORD,
                "***",
                "--ssl-keyfile-password",
                s.tls_cert_password,
                shown="--ssl-keyfile-password ***",
            )
    grace = s.graceful_shutdown_timeout
    plan.add(GRACEFUL_SHUTDOWN_TIMEOUT, grace, "--timeout-graceful-shutdown", _flag_seconds(grace))


def _hypercorn(plan: Plan, o: RunOptions, s: SanicSettings) -> None:
    if o.fd is not None:
        plan.add(HOST_PORT, f"fd {o.fd}", "--bind", f"fd://{o.fd}")
    elif o.uds:
        plan.add(UDS, o.uds, "--bind", f"unix:{o.uds}")
    else:
        host = f"[{o.host}]" if ":" in o.host else o.host
        plan.add(HOST_PORT, f"{o.host}:{o.port}", "--bind", f"{host}:{o.port}")
    plan.add(WORKERS, o.workers, "--workers", str(o.workers))
    if o.reload:
        plan.add(RELOAD, "on", "--reload")
        if o.reload_dirs:
            plan.warnings.append("hypercorn ignores --reload-dir: it watches the files of all loaded modules")
    plan.add(KEEP_ALIVE_TIMEOUT, s.keep_alive_timeout, "--keep-alive", _flag_seconds(s.keep_alive_timeout))
    if not s.keep_alive:
        plan.config_object["keep_alive_max_requests"] = 1
        plan.mapped.append(Mapped(KEEP_ALIVE, "False", "keep_alive_max_requests=1"))
    plan.cannot(REQUEST_TIMEOUT, s.request_timeout, changed="REQUEST_TIMEOUT" in s.changed)
    plan.config_object["h11_max_incomplete_size"] = s.head_bytes
    plan.config_object["h2_max_header_list_size"] = s.header_list_size
    plan.mapped.append(
        Mapped(
            REQUEST_MAX_HEADER_SIZE,
            _show(s.head_limit),
            f"h11_max_incomplete_size={s.head_bytes}, h2_max_header_list_size={s.header_list_size}",
        )
    )
    max_size = _NO_LIMIT_BYTES if s.websocket_max_size is None else int(s.websocket_max_size)
    plan.config_object["websocket_max_message_size"] = max_size
    plan.mapped.append(
        Mapped(WEBSOCKET_MAX_SIZE, _show(s.websocket_max_size), f"websocket_max_message_size={max_size}")
    )
    # hypercorn 0.17-0.18: WSStream._send_pings loops `while not self.closed`
    # around a sleep of the whole interval, so it outlives its websocket by up
    # to one interval, and the server's shutdown waits for it.
    if s.websocket_ping_interval is not None:
        plan.cannot(WEBSOCKET_PING_INTERVAL, s.websocket_ping_interval, changed="WEBSOCKET_PING_INTERVAL" in s.changed)
    else:  # hypercorn's default is no pings
        plan.mapped.append(Mapped(WEBSOCKET_PING_INTERVAL, "None", "no pings (hypercorn's default)"))
    if s.websocket_ping_timeout is not None:
        plan.cannot(WEBSOCKET_PING_TIMEOUT, s.websocket_ping_timeout, changed="WEBSOCKET_PING_TIMEOUT" in s.changed)
    plan.mapped.append(Mapped(PROXIES, _proxies_value(s), "(hypercorn leaves the client address alone)"))
    plan.mapped.append(Mapped(ACCESS_LOG, _show(s.access_log), "(hypercorn's access log off; Sanic's by the adapter)"))
    if o.cert and o.key:
        plan.add(TLS, o.cert, "--certfile", o.cert, "--keyfile", o.key)
        if s.tls_cert_password:
            plan.add(
                TLS_CERT_PASSWORD, "***", "--keyfile-password", s.tls_cert_password, shown="--keyfile-password ***"
            )
    grace = s.graceful_shutdown_timeout
    plan.add(GRACEFUL_SHUTDOWN_TIMEOUT, grace, "--graceful-timeout", _flag_seconds(grace))
    if any(arg in ("--config", "-c") or arg.startswith("--config=") for arg in o.passthrough) and plan.config_object:
        plan.warnings.append(
            "your --config replaces the settings sanic-asgi gives hypercorn in a config object: "
            + ", ".join(sorted(plan.config_object))
        )


_GRANIAN_MAX_HEADER_TIMEOUT_MS = 60_000
_GRANIAN_MIN_HTTP1_BUFFER = 8192  # granian's --http1-buffer-size: x>=8192
_GRANIAN_MAX_OPTION = 2**32 - 1  # hyper takes the HTTP/2 header list size as a u32; no "no limit"


def _granian(plan: Plan, o: RunOptions, s: SanicSettings) -> None:
    plan.args += ["--interface", "asgi"]
    if o.uds:
        plan.add(UDS, o.uds, "--uds", o.uds)
    else:
        plan.add(HOST_PORT, f"{o.host}:{o.port}", "--host", o.host, "--port", str(o.port))
    plan.add(WORKERS, o.workers, "--workers", str(o.workers))
    if o.reload:
        plan.add(RELOAD, "on", "--reload", *[arg for d in o.reload_dirs for arg in ("--reload-paths", d)])
    if s.keep_alive:
        plan.cannot(KEEP_ALIVE_TIMEOUT, s.keep_alive_timeout, changed="KEEP_ALIVE_TIMEOUT" in s.changed)
    else:
        plan.add(KEEP_ALIVE, False, "--no-http1-keep-alive")
    timeout_ms = min(_GRANIAN_MAX_HEADER_TIMEOUT_MS, max(1, math.ceil(float(s.request_timeout) * 1000)))
    plan.add(REQUEST_TIMEOUT, s.request_timeout, "--http1-header-read-timeout", str(timeout_ms))
    note = plan.row(REQUEST_TIMEOUT).note
    if float(s.request_timeout) * 1000 > _GRANIAN_MAX_HEADER_TIMEOUT_MS:
        note += f"; {_show(s.request_timeout)} s was lowered to 60 s"
    plan.cannot(REQUEST_TIMEOUT, s.request_timeout, changed="REQUEST_TIMEOUT" in s.changed, note=note)
    buffer = max(_GRANIAN_MIN_HTTP1_BUFFER, min(s.head_bytes, _GRANIAN_MAX_OPTION))
    h2_headers = min(s.header_list_size, _GRANIAN_MAX_OPTION)
    plan.add(
        REQUEST_MAX_HEADER_SIZE,
        s.head_limit,
        "--http1-buffer-size",
        str(buffer),
        "--http2-max-headers-size",
        str(h2_headers),
    )
    if s.head_bytes < _GRANIAN_MIN_HTTP1_BUFFER:
        plan.cannot(REQUEST_MAX_HEADER_SIZE, s.head_limit, changed=REQUEST_MAX_HEADER_SIZE in s.changed)
    plan.cannot(WEBSOCKET_MAX_SIZE, s.websocket_max_size, changed="WEBSOCKET_MAX_SIZE" in s.changed)
    if s.websocket_ping_interval is not None:
        plan.cannot(WEBSOCKET_PING_INTERVAL, s.websocket_ping_interval, changed="WEBSOCKET_PING_INTERVAL" in s.changed)
    if s.websocket_ping_timeout is not None:
        plan.cannot(WEBSOCKET_PING_TIMEOUT, s.websocket_ping_timeout, changed="WEBSOCKET_PING_TIMEOUT" in s.changed)
    plan.mapped.append(Mapped(PROXIES, _proxies_value(s), "(granian leaves the client address alone)"))
    plan.mapped.append(Mapped(ACCESS_LOG, _show(s.access_log), "(granian's access log off; Sanic's by the adapter)"))
    if o.cert and o.key:
        plan.add(TLS, o.cert, "--ssl-certificate", o.cert, "--ssl-keyfile", o.key)
        if s.tls_cert_password:
            plan.add(
                TLS_CERT_PASSWORD,
                "***",
                "--ssl-keyfile-password",
                s.tls_cert_password,
                shown="--ssl-keyfile-password ***",
            )
    plan.mapped.append(
        Mapped(
            GRACEFUL_SHUTDOWN_TIMEOUT, _show(s.graceful_shutdown_timeout), "(drain by the adapter on lifespan.shutdown)"
        )
    )


def _daphne(plan: Plan, o: RunOptions, s: SanicSettings) -> None:
    if o.fd is not None:  # an IPv4 socket (daphne's fd endpoint adopts AF_INET only)
        plan.add(HOST_PORT, f"fd {o.fd}", "--fd", str(o.fd))
    elif o.uds:
        plan.add(UDS, o.uds, "--unix-socket", o.uds)
    elif o.cert and o.key:
        endpoint = (
            f"ssl:port={o.port}:interface={_escape_endpoint(o.host)}"
            f":privateKey={_escape_endpoint(o.key)}:certKey={_escape_endpoint(o.cert)}"
        )
        plan.add(HOST_PORT, f"{o.host}:{o.port}", "--endpoint", endpoint, shown="--endpoint ssl:...")
        plan.mapped.append(Mapped(TLS, o.cert, "--endpoint ssl:...:privateKey=...:certKey=..."))
    else:
        plan.add(HOST_PORT, f"{o.host}:{o.port}", "--bind", o.host, "--port", str(o.port))
    if o.uds and o.cert:
        plan.warnings.append("daphne serves TLS on a TCP endpoint only: --tls/--cert are ignored with --uds")
    if o.workers > 1:
        plan.cannot(WORKERS, o.workers, changed=True)
    if o.reload:
        plan.cannot(RELOAD, "on", changed=True)
    if s.keep_alive:
        plan.cannot(KEEP_ALIVE_TIMEOUT, s.keep_alive_timeout, changed="KEEP_ALIVE_TIMEOUT" in s.changed)
    else:
        plan.cannot(KEEP_ALIVE, False, changed=True)
    plan.cannot(REQUEST_TIMEOUT, s.request_timeout, changed="REQUEST_TIMEOUT" in s.changed)
    plan.cannot(REQUEST_MAX_HEADER_SIZE, s.head_limit, changed=REQUEST_MAX_HEADER_SIZE in s.changed)
    max_size = 0 if s.websocket_max_size is None else int(s.websocket_max_size)  # 0: no limit
    plan.add(WEBSOCKET_MAX_SIZE, s.websocket_max_size, "--websocket-max-message-size", str(max_size))
    for key, flag in ((WEBSOCKET_PING_INTERVAL, "--ping-interval"), (WEBSOCKET_PING_TIMEOUT, "--ping-timeout")):
        value = s.value(key)
        seconds = _ONE_YEAR if value is None else max(1, _seconds(float(value)))
        plan.add(key, value, flag, str(seconds))
    plan.mapped.append(Mapped(PROXIES, _proxies_value(s), "(daphne leaves the client address alone)"))
    plan.add(ACCESS_LOG, s.access_log, "--access-log", os.devnull, shown="--access-log (off; Sanic's by the adapter)")
    if o.cert and o.key and s.tls_cert_password:
        plan.cannot(TLS_CERT_PASSWORD, "***", changed=True)
    plan.mapped.append(
        Mapped(
            GRACEFUL_SHUTDOWN_TIMEOUT, _show(s.graceful_shutdown_timeout), "(drain by sanic-asgi before daphne stops)"
        )
    )


def _gunicorn(plan: Plan, o: RunOptions, s: SanicSettings) -> None:
    # gunicorn's own ASGI worker, with the main-process listeners run once in
    # its arbiter (sanic_asgi.gunicorn, a config module of gunicorn's).
    plan.args += ["--worker-class", "asgi", "--config", "python:sanic_asgi.gunicorn"]
    if o.uds:
        plan.add(UDS, o.uds, "--bind", f"unix:{o.uds}")
    else:
        host = f"[{o.host}]" if ":" in o.host else o.host
        plan.add(HOST_PORT, f"{o.host}:{o.port}", "--bind", f"{host}:{o.port}")
    plan.add(WORKERS, o.workers, "--workers", str(o.workers))
    if o.reload:
        plan.cannot(RELOAD, "on", changed=True)
    if s.keep_alive:
        plan.add(KEEP_ALIVE_TIMEOUT, s.keep_alive_timeout, "--keep-alive", _flag_seconds(s.keep_alive_timeout))
    else:
        plan.add(KEEP_ALIVE, False, "--keep-alive", "0")
    plan.cannot(REQUEST_TIMEOUT, s.request_timeout, changed="REQUEST_TIMEOUT" in s.changed)
    field_size = 0 if s.head_bytes == _NO_LIMIT_BYTES else s.head_bytes  # 0: no limit
    plan.add(REQUEST_MAX_HEADER_SIZE, s.head_limit, "--limit-request-field_size", str(field_size))
    plan.cannot(REQUEST_MAX_HEADER_SIZE, s.head_limit, changed=REQUEST_MAX_HEADER_SIZE in s.changed)
    max_size = 0 if s.websocket_max_size is None else int(s.websocket_max_size)  # 0: no limit
    plan.add(WEBSOCKET_MAX_SIZE, s.websocket_max_size, "--websocket-max-message-size", str(max_size))
    if s.websocket_ping_interval is not None:
        plan.cannot(WEBSOCKET_PING_INTERVAL, s.websocket_ping_interval, changed="WEBSOCKET_PING_INTERVAL" in s.changed)
    if s.websocket_ping_timeout is not None:
        plan.cannot(WEBSOCKET_PING_TIMEOUT, s.websocket_ping_timeout, changed="WEBSOCKET_PING_TIMEOUT" in s.changed)
    # gunicorn trusts X-Forwarded-* from 127.0.0.1 by default and rewrites the scheme.
    plan.add(PROXIES, _proxies_value(s), "--forwarded-allow-ips", "", shown="--forwarded-allow-ips ''")
    plan.mapped.append(Mapped(ACCESS_LOG, _show(s.access_log), "(gunicorn's access log off; Sanic's by the adapter)"))
    if o.cert and o.key:
        plan.add(TLS, o.cert, "--certfile", o.cert, "--keyfile", o.key)
        if s.tls_cert_password:
            plan.cannot(TLS_CERT_PASSWORD, "***", changed=True)
    grace = s.graceful_shutdown_timeout
    plan.add(GRACEFUL_SHUTDOWN_TIMEOUT, grace, "--graceful-timeout", _flag_seconds(grace))


_TRANSLATORS: dict[ServerName, Any] = {
    "uvicorn": _uvicorn,
    "hypercorn": _hypercorn,
    "granian": _granian,
    "daphne": _daphne,
    "gunicorn": _gunicorn,
}
