"""A thin layer over ``tests._servers`` for the reliability suite.

``serving(kind_id, target, directory)`` runs one server process (uvicorn,
granian, ... as ``tests._servers.KINDS`` builds their command lines) on a free
loopback port, in its own process group, and stops it by PID on exit.  The
helpers below read the app's ``/_stats`` and ``/_events`` routes and talk
raw HTTP/1.1 over a socket where a client library would hide what is on the
wire.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from tests import _servers as servers
from tests._servers import HOST, KINDS, ServerKind, ServerProcess
from tests.asgi_driver import poll

__all__ = [
    "APP",
    "HOST",
    "LOAD_KINDS",
    "abort",
    "connect",
    "h2_exchange",
    "kind",
    "raw_exchange",
    "read_head",
    "serving",
    "settled_stats",
    "split_response",
    "stats",
    "wait_events",
]

APP = "tests.reliability.apps.reliable"
# The servers the load and fault runs use: uvicorn (httptools + websockets)
# and granian, the two most deployed implementations with different cores.
LOAD_KINDS = ("uvicorn-httptools", "granian")
_BY_ID = {k.id: k for k in KINDS}


def kind(kind_id: str) -> ServerKind:
    return servers.installed(_BY_ID[kind_id])


@contextlib.contextmanager
def serving(
    kind_id: str, variant: str, directory: Path, *, env: dict[str, str] | None = None
) -> Iterator[ServerProcess]:
    """``tests.reliability.apps.reliable:<variant>`` served by ``kind_id``."""
    with servers.serving(kind(kind_id), f"{APP}:{variant}", directory, env=env) as process:
        yield process


def stats(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/_stats", timeout=10)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def settled_stats(url: str, done: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
    """``/_stats`` once ``done(stats)`` holds (or after ``timeout``: the last reading)."""
    return poll(lambda: stats(url), done, timeout)


def wait_events(url: str, key: str, done: Callable[[list[Any]], bool], timeout: float = 10.0) -> list[Any]:
    """``/_events/<key>`` once ``done(events)`` holds (or after ``timeout``)."""

    def read() -> list[Any]:
        response = httpx.get(f"{url}/_events/{key}", timeout=10)
        response.raise_for_status()
        events: list[Any] = response.json()
        return events

    return poll(read, done, timeout)


def connect(port: int, timeout: float = 10.0, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        # Set before connect(), so that the TCP window is negotiated small.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect((HOST, port))
    return sock


def abort(sock: socket.socket) -> None:
    """Close with a RST (SO_LINGER 0): the rudest way a client can go."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()


def raw_exchange(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Send ``request`` on a fresh connection; everything read until the server closes."""
    with connect(port, timeout) as sock:
        sock.sendall(request)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
    return b"".join(chunks)


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read up to the end of the response headers; (head, the body bytes read with it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before the response head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def split_response(raw: bytes) -> tuple[bytes, list[bytes], bytes]:
    """(status line, header lines, body) of a raw HTTP/1.1 response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    return status, lines, body


def h2_exchange(
    port: int, path: bytes, headers: list[tuple[bytes, bytes]], body_size: int = 0, timeout: float = 10.0
) -> tuple[str, bytes]:
    """One HTTP/2 request (TLS, ALPN h2, the ``h2`` library) on a fresh
    connection: GET, or POST with ``body_size`` bytes.  (status, body), or
    how the exchange ended when no response came: ``GOAWAY <error>``,
    ``RST_STREAM <error>``, ``closed``, ``reset``, ``timeout``."""
    import h2.config
    import h2.connection
    import h2.events

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    # Pure-Python Huffman coding of megabytes takes minutes: literal strings.
    conn.encoder.encode = functools.partial(conn.encoder.encode, huffman=False)  # type: ignore[method-assign]
    status, data, ending = "", b"", "closed"
    with (
        socket.create_connection((HOST, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as sock,
    ):
        conn.initiate_connection()
        method = b"POST" if body_size else b"GET"
        pseudo = [(b":method", method), (b":scheme", b"https"), (b":authority", b"127.0.0.1"), (b":path", path)]
        conn.send_headers(1, [*pseudo, *headers], end_stream=not body_size)
        sent = 0
        try:
            sock.sendall(conn.data_to_send())
            done = False
            while not done:
                while body_size and sent < body_size:
                    window = min(conn.local_flow_control_window(1), conn.max_outbound_frame_size)
                    if window <= 0:
                        break
                    n = min(window, body_size - sent)
                    sent += n
                    conn.send_data(1, b"b" * n, end_stream=sent == body_size)
                    sock.sendall(conn.data_to_send())
                incoming = sock.recv(65536)
                if not incoming:
                    break
                for event in conn.receive_data(incoming):
                    if isinstance(event, h2.events.ResponseReceived):
                        status = dict(event.headers)[b":status"].decode()
                    elif isinstance(event, h2.events.DataReceived):
                        data += event.data
                        conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    elif isinstance(event, h2.events.StreamEnded):
                        done = True
                    elif isinstance(event, h2.events.StreamReset):
                        ending, done = f"RST_STREAM {event.error_code.name}", True
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        ending, done = f"GOAWAY {event.error_code.name}", True
                with contextlib.suppress(OSError):
                    sock.sendall(conn.data_to_send())
        except (ConnectionResetError, BrokenPipeError):
            ending = "reset"
        except (TimeoutError, socket.timeout):
            ending = "timeout"
        except ssl.SSLError as exc:
            ending = f"TLS error ({exc.reason})"
    return (status, data) if status else (ending, b"")
