"""Oversized request heads through every server, answered as Sanic's server answers.

Sanic's own server refuses a request head of ``Http.HEADER_MAX_SIZE`` bytes
or more (8 KiB by default) with ``413 Request header exceeds the size
limit``, through the app's error handler, and never runs the route handler.
The same raw requests go to Sanic's own server (the reference) and to each
ASGI server serving ``ASGIApp(app)``, with the servers' default settings:

* *just over* Sanic's limit (about 12 KB: one header, 1,000 small headers, a
  long request line) - under most servers' own limits, so the adapter must
  refuse: the answer is Sanic's, byte for byte (status and the error
  handler's body);
* *far over* (about 2 MB of each) - where a server has a limit of its own it
  refuses first, and ``EXPECTED`` states its answer (``431``, ``400``,
  ``414``, an HTTP/2 ``GOAWAY``); where it has none (uvicorn with httptools)
  the adapter refuses with Sanic's 413.

In every case the route handler never ran, the server still serves, and the
server's memory (RSS of its process group, read from ``/proc``) stays bounded
after the far-over heads were sent five times each.  The limits each server
has, and the option ``sanic-asgi run`` maps ``REQUEST_MAX_HEADER_SIZE`` to,
are in the README (measured by ``scripts/server_limits.py``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests._servers import GUNICORN_ASGI, HOST, KINDS, ServerKind, ServerProcess, installed, make_certificate, serving
from tests.asgi_driver import poll
from tests.reliability._figures import Figures
from tests.reliability._serve import h2_exchange

APP = "tests.reliability.apps.heads"
SANIC = "413 (Sanic's answer)"  # the adapter refused, with the app's error handler
ENDED = "ended without an answer"  # closed, reset, an HTTP/2 GOAWAY, a TLS alert
TIMEOUT = 15.0
ROUNDS = 5  # the far-over heads, sent this many times before RSS is read again
RSS_BOUND_KIB = 64 * 1024  # generous: a server that kept what it read would pass it


@dataclass(frozen=True)
class Case:
    path: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()

    def http1(self) -> bytes:
        lines = [b"GET " + self.path + b" HTTP/1.1", b"host: 127.0.0.1", b"connection: close"]
        lines += [name + b": " + value for name, value in self.headers]
        return b"\r\n".join(lines) + b"\r\n\r\n"


def many(count: int) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((b"x-%06d" % i, b"v") for i in range(count))


CASES = {
    "one header, 12 KB": Case(b"/", ((b"x-big", b"v" * 12_000),)),
    "1,000 headers, 13 KB": Case(b"/", many(1_000)),
    "request line, 12 KB": Case(b"/?" + b"q" * 12_000),
    "one header, 2 MB": Case(b"/", ((b"x-big", b"v" * 2_000_000),)),
    "100,000 headers, 1.3 MB": Case(b"/", many(100_000)),
    "request line, 2 MB": Case(b"/?" + b"q" * 2_000_000),
}
FAR = [name for name in CASES if "MB" in name]

# What each server answers, with its default settings (tests._servers), where
# it refuses before the adapter sees the head.
EXPECTED: dict[str, dict[str, str]] = {
    # h11 buffers up to 16 KiB of an incomplete head, then uvicorn answers 400.
    "uvicorn-h11": {name: "400" if name in FAR else SANIC for name in CASES},
    # httptools has no head limit, only one on the URL (64 KiB).
    "uvicorn-httptools": {**{name: SANIC for name in CASES}, "request line, 2 MB": "400"},
    # h11_max_incomplete_size (16 KiB), then 431.
    "hypercorn-h11": {name: "431" if name in FAR else SANIC for name in CASES},
    # h2_max_header_list_size (64 KiB, RFC 7541 sizes): GOAWAY (or the TLS
    # connection closed while the client still sends).
    "hypercorn-h2": {name: ENDED if name in FAR else SANIC for name in CASES},
    # --http1-buffer-size (408 KiB) and at most 100 headers: 431 (a URL
    # between 64 KiB and the buffer size would get 414).
    "granian": {**{name: "431" if name in FAR else SANIC for name in CASES}, "1,000 headers, 13 KB": "431"},
    # Twisted: more than 500 headers or 16 KiB of header lines, 400; a line
    # over 16 KiB, the connection closed without an answer.
    "daphne": {
        **{name: ENDED if name in FAR else SANIC for name in CASES},
        "1,000 headers, 13 KB": "400",
        "100,000 headers, 1.3 MB": "400",
    },
    # --limit-request-field_size 8190, --limit-request-fields 100: 431; --limit-request-line 4094: 414.
    "gunicorn-asgi": {name: "414" if name.startswith("request line") else "431" for name in CASES},
}
SERVERS = {kind.id: kind for kind in (*KINDS, GUNICORN_ASGI)}
SANIC_OWN = ServerKind(
    "sanic", ("sanic",), lambda kind, target, port, options, tls: [sys.executable, "-m", APP, str(port)]
)


@dataclass(frozen=True)
class Answer:
    status: str  # "413", or ENDED
    body: bytes = b""  # with ENDED: how ("closed", "reset", "GOAWAY ENHANCE_YOUR_CALM"...)


def http1_exchange(port: int, request: bytes) -> Answer:
    """Send ``request`` from a thread while reading the answer: a server that
    answers early and closes would otherwise reset the connection before its
    answer is read."""
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as sock:

        def send() -> None:
            with contextlib.suppress(OSError):
                sock.sendall(request)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        chunks: list[bytes] = []
        ending = "closed"
        try:
            while data := sock.recv(65536):
                chunks.append(data)
        except ConnectionResetError:
            ending = "reset"
        sender.join(TIMEOUT)
    raw = b"".join(chunks)
    if not raw:
        return Answer(ENDED, ending.encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    return Answer(head.split(b" ", 2)[1].decode(), body)


def exchange(kind: ServerKind, port: int, case: Case) -> Answer:
    if kind.http2:
        status, body = h2_exchange(port, case.path, list(case.headers), timeout=TIMEOUT)
        return Answer(status, body) if status.isdigit() else Answer(ENDED, status.encode())
    return http1_exchange(port, case.http1())


def group_rss_kib(pgid: int) -> int:
    """The RSS of every process in the group (a server and its workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:  # field 5: pgrp
                continue
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


@contextlib.contextmanager
def served(kind: ServerKind, target: str, directory: Path) -> Iterator[ServerProcess]:
    tls = make_certificate(directory) if installed(kind).tls else None
    with serving(kind, target, directory, tls=tls) as process:
        yield process


def handler_runs(kind: ServerKind, port: int) -> int:
    with httpx.Client(base_url=f"{kind.scheme}://{HOST}:{port}", verify=False, http2=kind.http2) as client:
        response = client.get("/_ran", timeout=TIMEOUT)
    return int(response.json()["ran"])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Answer]:
    """Sanic's own server's answer to every case."""
    with served(SANIC_OWN, APP, tmp_path_factory.mktemp("sanic-own")) as process:
        answers = {name: http1_exchange(process.port, case.http1()) for name, case in CASES.items()}
        assert handler_runs(SANIC_OWN, process.port) == 0
    return answers


def test_sanic_own_server_refuses_every_case(reference: dict[str, Answer]) -> None:
    for name, answer in reference.items():
        assert answer == Answer("413", b"refused by the app's handler: Request header exceeds the size limit"), name


@pytest.mark.parametrize("kind_id", list(EXPECTED))
def test_oversized_heads(
    kind_id: str, reference: dict[str, Answer], tmp_path_factory: pytest.TempPathFactory, figures: Figures
) -> None:
    kind = SERVERS[kind_id]
    with served(kind, f"{APP}:asgi", tmp_path_factory.mktemp(kind_id)) as process:
        assert process.proc is not None
        rss_before = group_rss_kib(process.proc.pid)
        for names in [list(CASES), *[FAR] * (ROUNDS - 1)]:
            for name in names:
                answer = exchange(kind, process.port, CASES[name])
                expected = EXPECTED[kind_id][name]
                if expected == SANIC:
                    assert answer == reference[name], f"{kind_id}, {name}: not Sanic's answer: {answer}"
                else:
                    assert answer.status == expected, f"{kind_id}, {name}: {answer}"
        # The refusals are answered; their buffers may still be being freed.
        pid = process.proc.pid
        grown = poll(lambda: group_rss_kib(pid) - rss_before, lambda kib: kib <= RSS_BOUND_KIB, 5, 0.1)
        assert grown <= RSS_BOUND_KIB, f"{kind_id}: RSS grew by {grown} KiB"
        refused_mb = ROUNDS * sum(len(CASES[name].http1()) for name in FAR) // 10**6
        figures.record("limits", f"oversized heads ({kind_id})", sent_mb=refused_mb, rss_growth_kib=grown)
        assert handler_runs(kind, process.port) == 0
        assert exchange(kind, process.port, Case(b"/")) == Answer("200", b"handled")
        assert handler_runs(kind, process.port) == 1
