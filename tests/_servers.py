"""Real ASGI servers as subprocesses: the one launcher of every suite.

Each ``ServerKind`` knows how to build the command line of one server (and
protocol implementation) for an app given as ``module:attribute``; a
``ServerProcess`` runs it on a free loopback port in its own process group,
polls the port until the server accepts connections (bounded), captures its
output into a file that tests read (``log_since``), and stops it by PID
(SIGTERM to the server, SIGKILL to its group after a grace period).

The kinds (``KINDS``):

=================  ==========================================  ======== ==== ===== ========
id                 command                                     lifespan ws   http2 tls
=================  ==========================================  ======== ==== ===== ========
uvicorn-h11        uvicorn --http h11 --ws wsproto             yes      yes  no    no
uvicorn-httptools  uvicorn --http httptools --ws websockets    yes      yes  no    no
hypercorn-h11      hypercorn (plain TCP: HTTP/1.1 via h11)     yes      yes  no    no
hypercorn-h2       hypercorn --certfile/--keyfile (h2 by ALPN) yes      yes  yes   yes
granian            granian --interface asgi (asginl: no life.) yes      yes  no    no
daphne             daphne                                      no       yes  no    no
gunicorn-asgi      gunicorn -k asgi (gunicorn 25+)             yes      yes  no    no
=================  ==========================================  ======== ==== ===== ========

A ``Launcher`` starts processes and stops every one it started (the
``launcher``/``launch`` fixtures of ``tests/conftest.py`` hold one per session
/ per test, and each suite's ``Served`` wraps a process in what its tests talk
to); ``serving`` is one process for a ``with`` block.  The session-scoped
``kind`` fixture (``tests/conftest.py``) parametrizes a test over ``KINDS``;
``CONFORMANCE_SERVERS=uvicorn-h11,daphne`` narrows a run to some of them.  Waits poll with
``tests.asgi_driver.poll``, bounded, on a condition.

HTTP/2 is tested over TLS with ALPN rather than h2c prior knowledge: it is
how HTTP/2 is deployed, and it makes the scope carry ``scheme="https"`` /
``"wss"``, which point 4 of the adapter's contract (connection info) needs a
real server for.  The certificate is self-signed, generated at test time with
``cryptography`` (``make_certificate``).
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.asgi_driver import poll


def free_port() -> int:
    """The one ``free_port`` (``sanic_asgi.testing`` uses it for its in-loop
    servers too), imported when called: importing ``sanic_asgi.testing`` at
    collection would need its clients' libraries (websockets 9+, httpx),
    which the venvs of old Sanic releases (``tests/legacy``) do not have."""
    from sanic_asgi.testing._servers import free_port as sanic_asgi_free_port

    return sanic_asgi_free_port()


__all__ = [
    "GUNICORN_ASGI",
    "HOST",
    "IMPLS",
    "KINDS",
    "ROOT",
    "SELECTED_IMPLS",
    "SELECTED_KINDS",
    "Launcher",
    "Options",
    "ProcessView",
    "ServerKind",
    "ServerProcess",
    "TLSFiles",
    "free_port",
    "installed",
    "make_certificate",
    "serving",
]

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class TLSFiles:
    cert: Path
    key: Path


def make_certificate(directory: Path) -> TLSFiles:
    """A self-signed certificate for 127.0.0.1 / localhost (key in PKCS#8)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TLSFiles(directory / "cert.pem", directory / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


@dataclass(frozen=True)
class Options:
    """What may vary between two processes of the same kind and app."""

    lifespan: bool = True
    root_path: str = ""


CommandBuilder = Callable[["ServerKind", str, int, Options, "TLSFiles | None"], list[str]]


@dataclass(frozen=True)
class ServerKind:
    id: str
    requires: tuple[str, ...]
    build: CommandBuilder = field(repr=False)
    lifespan: bool = True
    websockets: bool = True
    http2: bool = False
    tls: bool = False
    # Can lifespan be switched off on the command line?
    lifespan_off: bool = False
    # The server's `root_path` option (None: it has none).
    root_path_option: str | None = "--root-path"
    # Does the app get the request body as it arrives?  Twisted (daphne)
    # reads the whole body before the app is called.
    streams_request_body: bool = True
    # Does the client send the root_path prefix in the request target?
    # uvicorn (>= 0.26) expects a proxy to have stripped it and prepends it
    # to scope["path"] itself; hypercorn, granian and daphne take the path
    # as it arrives, prefix included.
    root_path_in_request: bool = True
    # A line the server prints once it serves (beyond accepting on the port).
    ready_log: str | None = None

    def missing(self) -> str | None:
        """The first required module that is not importable, if any."""
        for module in self.requires:
            if importlib.util.find_spec(module) is None:
                return module
        return None

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def ws_scheme(self) -> str:
        return "wss" if self.tls else "ws"

    def command(self, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
        return self.build(self, target, port, options, tls)


def _uvicorn(http: str, ws: str) -> CommandBuilder:
    def build(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
        cmd = [sys.executable, "-m", "uvicorn", target, "--host", HOST, "--port", str(port)]
        # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default and
        # rewrites scope["client"]; the proxy tests test Sanic's rules.
        cmd += ["--http", http, "--ws", ws, "--no-proxy-headers", "--timeout-graceful-shutdown", "5"]
        cmd += ["--lifespan", "on" if options.lifespan else "off"]
        if options.root_path:
            cmd += ["--root-path", options.root_path]
        return cmd

    return build


def _hypercorn(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
    cmd = [sys.executable, "-m", "hypercorn", target, "--bind", f"{HOST}:{port}", "--graceful-timeout", "5"]
    cmd += ["--error-logfile", "-"]
    if kind.tls:
        assert tls is not None
        cmd += ["--certfile", str(tls.cert), "--keyfile", str(tls.key)]
    if options.root_path:
        cmd += ["--root-path", options.root_path]
    return cmd


def _granian(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
    interface = "asgi" if options.lifespan else "asginl"  # asginl: ASGI without lifespan
    cmd = [sys.executable, "-m", "granian", "--interface", interface, "--host", HOST, "--port", str(port)]
    cmd += ["--workers", "1", "--runtime-threads", "1", "--loop", "asyncio", "--working-dir", str(ROOT)]
    cmd += ["--workers-kill-timeout", "5"]
    if options.root_path:
        cmd += ["--url-path-prefix", options.root_path]
    return [*cmd, target]


def _daphne(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
    cmd = [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port)]
    if options.root_path:
        cmd += ["--root-path", options.root_path]
    return [*cmd, target]


def _gunicorn(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
    cmd = [sys.executable, "-m", "gunicorn", "-k", "asgi", "--bind", f"{HOST}:{port}", "--workers", "1"]
    cmd += ["--graceful-timeout", "5", "--chdir", str(ROOT), "--no-control-socket"]
    # gunicorn trusts X-Forwarded-* from 127.0.0.1 by default and rewrites
    # scope["scheme"]/["client"]; the proxy tests test Sanic's rules.
    cmd += ["--forwarded-allow-ips", ""]
    cmd += ["--asgi-lifespan", "on" if options.lifespan else "off"]
    if options.root_path:
        cmd += ["--root-path", options.root_path]
    return [*cmd, target]


KINDS: tuple[ServerKind, ...] = (
    ServerKind(
        "uvicorn-h11",
        ("uvicorn", "h11", "wsproto"),
        _uvicorn("h11", "wsproto"),
        lifespan_off=True,
        root_path_in_request=False,
    ),
    ServerKind(
        "uvicorn-httptools",
        ("uvicorn", "httptools", "websockets"),
        _uvicorn("httptools", "websockets"),
        lifespan_off=True,
        root_path_in_request=False,
    ),
    ServerKind("hypercorn-h11", ("hypercorn", "h11", "wsproto"), _hypercorn),
    ServerKind("hypercorn-h2", ("hypercorn", "h2", "cryptography"), _hypercorn, http2=True, tls=True),
    ServerKind(
        "granian",
        ("granian",),
        _granian,
        lifespan_off=True,
        root_path_option="--url-path-prefix",
        # The main process binds the port before its worker has run lifespan startup.
        ready_log="Started worker",
    ),
    ServerKind("daphne", ("daphne",), _daphne, lifespan=False, streams_request_body=False),
)

IMPLS = ("ours", "native")


def _selected(variable: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """``CONFORMANCE_SERVERS=uvicorn-h11,daphne`` / ``CONFORMANCE_IMPLS=ours``
    narrow a run; unset means all."""
    import pytest  # here, not at the top: scripts/server_limits.py runs without pytest

    value = os.environ.get(variable, "").strip()
    if not value:
        return known
    chosen = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise pytest.UsageError(f"{variable}: unknown {unknown}; choose from {', '.join(known)}")
    return chosen


# gunicorn's own ASGI worker (gunicorn 25 on, ``-k asgi``).  The arbiter binds
# the port before its worker has run lifespan startup; the worker says when it
# serves.
GUNICORN_ASGI = ServerKind(
    "gunicorn-asgi",
    ("gunicorn.asgi",),
    _gunicorn,
    lifespan_off=True,
    ready_log="ASGI server listening on",
)
KINDS += (GUNICORN_ASGI,)

SELECTED_KINDS = [k for k in KINDS if k.id in _selected("CONFORMANCE_SERVERS", tuple(k.id for k in KINDS))]
SELECTED_IMPLS = _selected("CONFORMANCE_IMPLS", IMPLS)


class ServerProcess:
    """One server process serving ``target`` on a free port."""

    def __init__(
        self,
        kind: ServerKind,
        target: str,
        log_path: Path,
        *,
        options: Options | None = None,
        tls: TLSFiles | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.target = target
        self.options = options or Options()
        self.tls = tls
        self.log_path = log_path
        self.env = env or {}
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<ServerProcess {self.kind.id} {self.target} port={self.port}>"

    @property
    def prefix(self) -> str:
        """What the client puts before the app's own paths."""
        return self.options.root_path if self.kind.root_path_in_request else ""

    @property
    def url(self) -> str:
        return f"{self.kind.scheme}://{HOST}:{self.port}{self.prefix}"

    @property
    def ws_url(self) -> str:
        return f"{self.kind.ws_scheme}://{HOST}:{self.port}{self.prefix}"

    @property
    def origin(self) -> str:
        return f"{self.kind.scheme}://{HOST}:{self.port}"

    # -- lifecycle ------------------------------------------------------------
    def start(self, *, wait: bool = True) -> ServerProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **self.env}
        env.pop("PYTEST_CURRENT_TEST", None)
        env.pop("COVERAGE_PROCESS_START", None)
        for _ in range(3):  # another process may take the port in between
            self.port = free_port()
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(
                    self.kind.command(self.target, self.port, self.options, self.tls),
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if not wait:
                return self
            if self.wait_ready():
                return self
            if "address already in use" not in self.log().lower():
                break
        self.stop()
        raise RuntimeError(f"{self} did not become ready; its output:\n{self.log()[-4000:]}")

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> bool:
        """Poll until the port accepts connections; False if the process died
        or the timeout passed."""
        return poll(self._readiness, lambda ready: ready is not None, timeout) is True

    def _readiness(self) -> bool | None:
        """True: serving; False: the process has exited; None: not yet."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=0.5):
            if self.kind.ready_log is None or self.kind.ready_log in self.log():
                return True
        return None

    def wait_exit(self, timeout: float = READY_TIMEOUT) -> int | None:
        """The exit status, waiting for it up to ``timeout`` (None: still running)."""
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM the server, then SIGKILL its process group after
        ``timeout``; the exit status.

        Only the main process gets SIGTERM: servers with worker processes
        (hypercorn, granian) shut their workers down themselves, and a
        hypercorn worker killed by a signal of its own skips lifespan shutdown.
        """
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        # Children (granian's worker) share the group: make sure none is left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        return proc.returncode

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- output -----------------------------------------------------------------
    def log(self) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_mark(self) -> int:
        """The current end of the output, for ``log_since``."""
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, mark: int) -> str:
        with self.log_path.open("rb") as f:
            f.seek(mark)
            return f.read().decode("utf-8", "replace")

    def wait_for_log(self, needle: str, mark: int = 0, timeout: float = 5.0) -> str:
        """The output since ``mark`` once it contains ``needle`` (or after the timeout)."""
        return poll(lambda: self.log_since(mark), lambda text: needle in text, timeout)


class ProcessView:
    """What every suite's ``Served`` fixture object reads from its server
    process (the subclass has a ``process`` field)."""

    process: ServerProcess

    @property
    def kind(self) -> ServerKind:
        return self.process.kind

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def ws_url(self) -> str:
        return self.process.ws_url

    @property
    def port(self) -> int:
        return self.process.port


def installed(kind: ServerKind) -> ServerKind:
    """``kind``, or a skip naming the module it needs that is not installed."""
    import pytest  # here, not at the top: scripts/server_limits.py runs without pytest

    missing = kind.missing()
    if missing:
        pytest.skip(f"{kind.id}: module {missing!r} is not installed")
    return kind


class Launcher:
    """Starts ``ServerProcess``es, each on a free port with its log in
    ``directory``; ``close()`` stops every one of them by PID.  Every suite
    starts its servers through one of these (the ``launcher`` and ``launch``
    fixtures of ``tests/conftest.py``, or a suite's subclass that wraps the
    process in what its tests talk to)."""

    def __init__(self, directory: Path, tls: TLSFiles | None = None) -> None:
        self.directory = directory
        self.tls = tls
        self.processes: list[ServerProcess] = []

    def start(
        self,
        kind: ServerKind,
        target: str,
        *,
        options: Options | None = None,
        env: dict[str, str] | None = None,
        wait: bool = True,
        label: str = "",
    ) -> ServerProcess:
        """``target`` (``module:attribute``) served by ``kind``; skipped when
        the kind's modules, or the certificate a TLS kind needs, are missing."""
        import pytest  # here, not at the top: scripts/server_limits.py runs without pytest

        installed(kind)
        if kind.tls and self.tls is None:
            pytest.skip(f"{kind.id}: needs 'cryptography' to make a certificate")
        self.directory.mkdir(parents=True, exist_ok=True)
        name = label or target.replace(":", "-")
        log = self.directory / f"{kind.id}-{name}-{len(self.processes)}.log"
        process = ServerProcess(kind, target, log, options=options, tls=self.tls if kind.tls else None, env=env)
        self.processes.append(process)
        process.start(wait=wait)
        return process

    def ssl_context(self, kind: ServerKind) -> ssl.SSLContext | None:
        """A client context trusting this launcher's certificate (None for plain kinds)."""
        if not kind.tls or self.tls is None:
            return None
        return ssl.create_default_context(cafile=str(self.tls.cert))

    def close(self) -> None:
        for process in self.processes:
            process.stop()


@contextlib.contextmanager
def serving(
    kind: ServerKind,
    target: str,
    directory: Path,
    *,
    options: Options | None = None,
    tls: TLSFiles | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """One server process for a ``with`` block, stopped by PID on exit."""
    launcher = Launcher(directory, tls)
    try:
        yield launcher.start(kind, target, options=options, env=env)
    finally:
        launcher.close()
