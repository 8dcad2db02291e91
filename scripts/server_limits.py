"""Measure each ASGI server's own request limits, with raw sockets to 127.0.0.1.

    python scripts/server_limits.py                     # every server, a markdown table
    python scripts/server_limits.py --server granian    # one server (repeatable)
    python scripts/server_limits.py --json limits.json  # also the raw figures

Each server runs with its defaults (the command lines of ``tests._servers``)
and serves ``app`` below: a plain ASGI app with no limits of its own, which
answers 200 with what it received (header count, the length of ``x-big``,
the target's length, the body's length) and echoes the length of each
websocket message.  A probe counts as *accepted* only when the app saw all of
it.  For each server:

* **head**: one header whose value grows; the largest accepted head in bytes
  as sent (request line, header lines and the blank line).  Binary search.
* **headers**: many small headers (``x-NNNNN: v``); the largest count of
  header fields accepted (``host`` and ``connection`` included; over HTTP/2
  the pseudo-headers are not counted).
* **line**: a request target that grows; the longest request line accepted
  (``GET /aaa... HTTP/1.1``, without its CRLF).
* **body**: a ``content-length`` body doubling from 1 MiB.
* **ws message**: a binary websocket message doubling from 64 KiB.

Past each limit it records the server's answer: a status line, or how the
connection ended.  ``hypercorn-h2`` is probed over TLS with the ``h2``
library (``:path`` for the line, the HPACK header list for the head); its
websocket probe runs over HTTP/1.1 (the client library has no RFC 8441).

Not part of the test run: it takes a minute per server.
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests._servers import GUNICORN_ASGI, HOST, KINDS, ServerKind, ServerProcess, make_certificate  # noqa: E402
from tests.reliability._serve import h2_exchange  # noqa: E402

TARGET = "scripts.server_limits:app"
HEAD_CAP = 8 * 2**20
COUNT_CAP = 100_000
BODY_CAP = 256 * 2**20
BODY_CAP_H2 = 16 * 2**20  # the h2 client sends about 1.5 MiB/s
WS_CAP = 64 * 2**20
PROBE_TIMEOUT = 10.0


# -- the app the servers serve --------------------------------------------------------


async def app(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "http":
        body = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = scope["headers"]
        seen = {
            "headers": len(headers),
            "big": max((len(value) for name, value in headers if name == b"x-big"), default=-1),
            "target": len(scope.get("raw_path") or scope["path"].encode()),
            "body": body,
        }
        payload = json.dumps(seen).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))],
            }
        )
        await send({"type": "http.response.body", "body": payload})
    elif scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes") or (message.get("text") or "").encode()
            await send({"type": "websocket.send", "text": str(len(data))})


# -- probes ---------------------------------------------------------------------------


@dataclass
class Outcome:
    accepted: bool
    answer: str  # "200", "431 Request Header Fields Too Large", "closed", "reset", "timeout"
    seen: dict[str, Any] = field(default_factory=dict)


def _read_all(sock: socket.socket) -> tuple[bytes, str]:
    chunks = []
    ending = "closed"
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
            if _complete(b"".join(chunks)):
                break
    except ConnectionResetError:
        ending = "reset"
    except (TimeoutError, socket.timeout):
        ending = "timeout"
    except ssl.SSLError as exc:
        ending = f"TLS error ({exc.reason})"
    return b"".join(chunks), ending


def _complete(raw: bytes) -> bool:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def http1(port: int, head: bytes, body_size: int = 0) -> Outcome:
    """Send one request (``head`` ends with the blank line) on a fresh connection."""
    with socket.create_connection((HOST, port), timeout=PROBE_TIMEOUT) as sock:
        sent_ok = True
        try:
            sock.sendall(head)
            chunk = b"b" * 2**20
            left = body_size
            while left > 0:
                sock.sendall(chunk[: min(left, len(chunk))])
                left -= min(left, len(chunk))
        except (BrokenPipeError, ConnectionResetError):
            sent_ok = False
        raw, ending = _read_all(sock)
    if not raw:
        return Outcome(False, ending if sent_ok else f"{ending} (while sending)")
    status_line = raw.split(b"\r\n", 1)[0].decode("latin-1")
    status = status_line.split(" ", 1)[1] if " " in status_line else status_line
    if status.startswith("200"):
        _, _, body = raw.partition(b"\r\n\r\n")
        return Outcome(True, "200", json.loads(body))
    return Outcome(False, status)


def request_head(target: bytes = b"/", headers: Sequence[tuple[bytes, bytes]] = (), body: int = 0) -> bytes:
    lines = [b"GET " + target + b" HTTP/1.1", b"host: 127.0.0.1", b"connection: close"]
    if body:
        lines[0] = b"POST " + target + b" HTTP/1.1"
        lines.append(b"content-length: %d" % body)
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class H2Prober:
    """The same probes over HTTP/2 (TLS, ALPN h2), one connection each."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, path: bytes, headers: list[tuple[bytes, bytes]], body_size: int = 0) -> Outcome:
        answer, data = h2_exchange(self.port, path, headers, body_size, timeout=PROBE_TIMEOUT)
        if answer == "200":
            return Outcome(True, "200", json.loads(data))
        return Outcome(False, answer)


# -- searches -------------------------------------------------------------------------


def largest(accepts: Callable[[int], Outcome], low: int, cap: int) -> tuple[int | None, str]:
    """The largest n in [low, cap] with accepts(n), by binary search (limits
    are assumed monotonic); (None, answer) when even ``low`` is refused, and
    the answer past the limit ("" when ``cap`` is accepted)."""
    first = accepts(low)
    if not first.accepted:
        return None, first.answer
    top = accepts(cap)
    if top.accepted:
        return cap, ""
    refused = top.answer
    good, bad = low, cap
    while bad - good > 1:
        middle = (good + bad) // 2
        outcome = accepts(middle)
        if outcome.accepted:
            good = middle
        else:
            bad, refused = middle, outcome.answer
    return good, refused


def doubling(accepts: Callable[[int], Outcome], start: int, cap: int) -> tuple[int | None, str]:
    """The largest accepted of start, 2*start, ... cap; and the first refusal."""
    best: int | None = None
    size = start
    while size <= cap:
        outcome = accepts(size)
        if not outcome.accepted:
            return best, outcome.answer
        best = size
        size *= 2
    return best, ""


@dataclass
class Limits:
    server: str
    head: tuple[int | None, str]
    headers: tuple[int | None, str]
    line: tuple[int | None, str]
    body: tuple[int | None, str]
    ws: tuple[int | None, str]
    seconds: float = 0.0


def measure(kind: ServerKind, process: ServerProcess) -> Limits:
    port = process.port
    if kind.http2:
        prober = H2Prober(port)

        def send(target: bytes, headers: list[tuple[bytes, bytes]], body: int = 0) -> Outcome:
            return prober.request(target, headers, body)

        base = len(b":method") + len(b"GET") + len(b":scheme") + 5 + len(b":authority") + 9 + len(b":path") + 32 * 4
        head_overhead, line_overhead, fixed_headers = base + len(b"x-big") + 32, len(b":path") + 32, 0
    else:

        def send(target: bytes, headers: list[tuple[bytes, bytes]], body: int = 0) -> Outcome:
            return http1(port, request_head(target, headers, body), body)

        head_overhead = len(request_head(b"/", [(b"x-big", b"")]))
        line_overhead, fixed_headers = len(b"GET  HTTP/1.1"), 2  # host, connection

    def one_big(n: int) -> Outcome:
        outcome = send(b"/", [(b"x-big", b"v" * n)])
        return Outcome(outcome.accepted and outcome.seen.get("big") == n, outcome.answer, outcome.seen)

    def many(n: int) -> Outcome:
        outcome = send(b"/", [(b"x-%05d" % i, b"v") for i in range(n)])
        return Outcome(outcome.accepted and outcome.seen.get("headers", 0) >= n, outcome.answer, outcome.seen)

    def long_line(n: int) -> Outcome:
        outcome = send(b"/" + b"a" * (n - 1), [])
        return Outcome(outcome.accepted and outcome.seen.get("target") == n, outcome.answer, outcome.seen)

    def body(n: int) -> Outcome:
        outcome = send(b"/", [], n)
        return Outcome(outcome.accepted and outcome.seen.get("body") == n, outcome.answer, outcome.seen)

    value, answer = largest(one_big, 1, HEAD_CAP)
    head = (None if value is None else value + head_overhead, answer)
    count, answer = largest(many, 1, COUNT_CAP)
    headers = (None if count is None else count + fixed_headers, answer)
    target, answer = largest(long_line, 1, HEAD_CAP)
    line = (None if target is None else target + line_overhead, answer)
    body_limit = doubling(body, 2**20, BODY_CAP_H2 if kind.http2 else BODY_CAP)
    return Limits(kind.id, head, headers, line, body_limit, websocket(kind, port))


def websocket(kind: ServerKind, port: int) -> tuple[int | None, str]:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    context = None
    if kind.tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    uri = f"{kind.ws_scheme}://{HOST}:{port}/ws"

    def accepts(n: int) -> Outcome:
        try:
            with connect(uri, ssl=context, max_size=None, open_timeout=PROBE_TIMEOUT) as ws:
                ws.send(b"m" * n)
                reply = ws.recv(timeout=PROBE_TIMEOUT)
                return Outcome(reply == str(n), "echoed")
        except ConnectionClosed as exc:
            close = exc.rcvd
            return Outcome(False, f"close {close.code}" if close else "closed without a close frame")
        except (OSError, TimeoutError) as exc:
            return Outcome(False, type(exc).__name__)

    return doubling(accepts, 2**16, WS_CAP)


# -- output ---------------------------------------------------------------------------


def size(n: int | None, cap: int) -> str:
    if n is None:
        return "none accepted"
    if n >= cap:
        return f"no limit up to {_unit(cap)}"
    return _unit(n)


def _unit(n: int) -> str:
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n:,} B"


def cell(figure: tuple[int | None, str], cap: int, unit: Callable[[int | None, int], str] = size) -> str:
    value, answer = figure
    text = unit(value, cap)
    return f"{text}, then {answer}" if answer else text


def count(n: int | None, cap: int) -> str:
    if n is None:
        return "none accepted"
    return f"no limit up to {cap:,}" if n >= cap else f"{n:,}"


def table(rows: list[Limits]) -> str:
    lines = [
        "| server | head (one header) | header count | request line | body | websocket message |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.server} | {cell(r.head, HEAD_CAP)} | {cell(r.headers, COUNT_CAP, count)} | "
            f"{cell(r.line, HEAD_CAP)} | {cell(r.body, BODY_CAP_H2 if r.server.endswith('h2') else BODY_CAP)} | "
            f"{cell(r.ws, WS_CAP)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    kinds = {k.id: k for k in (*KINDS, GUNICORN_ASGI)}
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", action="append", choices=sorted(kinds), help="only these servers")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="server-limits-") as tmp:
        directory = Path(tmp)
        tls = make_certificate(directory)
        for kind_id in args.server or list(kinds):
            kind = kinds[kind_id]
            missing = kind.missing()
            if missing:
                print(f"# {kind_id}: skipped, {missing} is not installed", file=sys.stderr)
                continue
            process = ServerProcess(kind, TARGET, directory / f"{kind_id}.log", tls=tls)
            process.start()
            try:
                started = time.monotonic()
                limits = measure(kind, process)
                limits.seconds = round(time.monotonic() - started, 1)
            finally:
                process.stop()
            print(f"# {kind_id}: {limits}", file=sys.stderr)
            rows.append(limits)
    print(table(rows), end="")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
