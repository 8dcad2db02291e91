"""End to end: real servers on loopback, server and client pinned to
separate cores.

``python -m benchmarks.e2e`` (throughput mode): wrk against each server,
candidates interleaved A B C A B C ... for ``--rounds`` rounds, medians and
spread of requests/s.  ``server_cpu_table`` (used by ``python -m
benchmarks``): a sequential keep-alive client sends a fixed number of
requests (websocket messages) and the server's CPU time per request is read
from ``/proc`` -- steadier than requests/s on a shared machine.
``--memory``: RSS per idle keep-alive connection and per open websocket.

Servers listen on 127.0.0.1, on a free port, in their own session, and are
stopped by process group.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sanic_asgi.testing._servers import free_port

from .inproc import ECHO_SIZE, REQUESTS, WS_HANDSHAKE, http_response_size, ws_client_frame, ws_frame_size

__all__ = ["SERVERS", "main", "server_cpu_table"]

ROOT = Path(__file__).resolve().parent.parent
SERVER_CPU, CLIENT_CPU = 0, 1
BIN = Path(sys.executable).parent


# label -> command (PORT is replaced).  One worker each, uvloop where offered.
def _granian(target: str) -> list[str]:
    return [
        str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", "PORT",
        "--workers", "1", "--loop", "uvloop", target,
    ]  # fmt: skip


def _hypercorn(target: str) -> list[str]:
    return [str(BIN / "hypercorn"), "--bind", "127.0.0.1:PORT", "--workers", "1", "-k", "uvloop", target]


def _uvicorn(target: str) -> list[str]:
    return [
        str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", "PORT", "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--no-proxy-headers", "--timeout-keep-alive", "3600", "--ws-ping-interval", "0", target,
    ]  # fmt: skip


SERVERS: dict[str, list[str]] = {
    "sanic-server": [sys.executable, "-m", "benchmarks.serve_sanic", "PORT"],
    "granian+sanic-native": _granian("benchmarks.served.sanic_native:app"),
    "granian+sanic-asgi": _granian("benchmarks.served.sanic_asgi:app"),
    "granian+starlette": _granian("benchmarks.served.starlette:app"),
    "granian+bare": _granian("benchmarks.served.bare:app"),
    "granian+sanic-floor": _granian("benchmarks.served.sanic_floor:app"),
    "hypercorn+sanic-native": _hypercorn("benchmarks.served.sanic_native:app"),
    "hypercorn+sanic-asgi": _hypercorn("benchmarks.served.sanic_asgi:app"),
    "hypercorn+starlette": _hypercorn("benchmarks.served.starlette:app"),
    "uvicorn+sanic-asgi": _uvicorn("benchmarks.served.sanic_asgi:app"),
    "uvicorn+starlette": _uvicorn("benchmarks.served.starlette:app"),
    "uvicorn+sanic-native": _uvicorn("benchmarks.served.sanic_native:app"),
    "uvicorn+sanic-floor": _uvicorn("benchmarks.served.sanic_floor:app"),
    "uvicorn+bare": _uvicorn("benchmarks.served.bare:app"),
}
# The bare app (each server's own ceiling) and the floor are measuring sticks,
# not candidates: asked for by name.
DEFAULT_E2E = [
    name for name in SERVERS if not name.startswith("uvicorn") and not name.endswith(("+bare", "+sanic-floor"))
]


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > cpu:  # type: ignore[operator]
        os.sched_setaffinity(0, {cpu})


@contextmanager
def running(name: str) -> Iterator[tuple[int, int]]:
    """Start server ``name``; yield (port, process group id)."""
    port = free_port()
    cmd = [part.replace("PORT", str(port)) for part in SERVERS[name]]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True, preexec_fn=lambda: _pin(SERVER_CPU)
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{name} exited ({proc.returncode}): {log.read()[-2000:].decode(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not listen within 30s") from None
                time.sleep(0.1)
        time.sleep(0.5)  # let the server finish starting its workers
        yield port, proc.pid
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: pgrp
            pids.append(int(entry))
    return pids


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by a process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _group_pids(pgid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def group_rss(pgid: int) -> int:
    """Resident set size in bytes, summed over a process group."""
    total = 0
    for pid in _group_pids(pgid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


# -- a small client ---------------------------------------------------------------
class Client:
    """One keep-alive connection that sends a request and reads a response of
    known size (learned from the first one)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._connect()

    def _connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def exchange(self, data: bytes, complete: Any) -> bytes:
        self.sock.sendall(data)
        buf = b""
        while True:
            chunk = self.sock.recv(1 << 17)
            if not chunk:
                raise ConnectionError("server closed the connection")
            buf += chunk
            size = complete(buf)
            if size:
                if b"\r\nconnection: close\r\n" in buf[: buf.find(b"\r\n\r\n") + 2].lower():
                    # hypercorn ends a connection after 1000 requests
                    # (keep_alive_max_requests): open the next one.
                    self.sock.close()
                    self._connect()
                return buf[:size]

    def close(self) -> None:
        self.sock.close()


def _run_client(port: int, scenario: str, count: int) -> None:
    client = Client(port)
    try:
        if scenario == "ws":
            head = client.exchange(WS_HANDSHAKE, http_response_size)
            if not head.startswith(b"HTTP/1.1 101"):
                raise RuntimeError(f"websocket handshake failed: {head[:200]!r}")
            data, complete = ws_client_frame(), ws_frame_size
        else:
            data = REQUESTS[scenario]
            complete = http_response_size
        for _ in range(count):
            client.exchange(data, complete)
    finally:
        client.close()


def server_cpu(name: str, scenarios: list[str], count: int) -> dict[str, float]:
    """Server CPU seconds per request for each scenario (client pinned)."""
    result: dict[str, float] = {}
    with running(name) as (port, pgid):
        _pin(CLIENT_CPU)
        try:
            for scenario in scenarios:
                _run_client(port, scenario, max(50, count // 10))  # warm up
                before = group_cpu(pgid)
                _run_client(port, scenario, count)
                result[scenario] = (group_cpu(pgid) - before) / count
        finally:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return result


def server_cpu_table(scenarios: list[str], count: int, servers: list[str] | None = None) -> dict[str, Any]:
    from .__main__ import table

    names = servers or DEFAULT_E2E
    data: dict[str, dict[str, float]] = {}
    for name in names:
        try:
            data[name] = {s: v * 1e6 for s, v in server_cpu(name, scenarios, count).items()}
        except Exception as exc:  # a server that cannot run here: say so, go on
            print(f"{name}: {exc}", file=sys.stderr)
    title = f"End to end: server CPU time per request (µs), {count} sequential keep-alive requests, loopback"
    return {"data": data, "table": table(title, data, scenarios, "µs", "{:.0f}", bare=None, labels={})}


# -- wrk throughput -------------------------------------------------------------------
_ECHO_LUA = f"""wrk.method = "POST"
wrk.body = string.rep("e", {ECHO_SIZE})
wrk.headers["Content-Type"] = "application/octet-stream"
"""


def wrk_rps(port: int, scenario: str, seconds: float, connections: int) -> float:
    path = {"json": "/json", "echo": "/echo", "stream": "/stream"}[scenario]
    cmd = ["taskset", "-c", str(CLIENT_CPU), "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_ECHO_LUA if scenario == "echo" else "")
    try:
        cmd += ["-s", script.name, f"http://127.0.0.1:{port}{path}"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    finally:
        os.unlink(script.name)
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match or "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk: unexpected output:\n{out}")
    return float(match.group(1))


def throughput(names: list[str], scenarios: list[str], rounds: int, seconds: float, connections: int) -> str:
    samples: dict[str, dict[str, list[float]]] = {n: {s: [] for s in scenarios} for n in names}
    for _ in range(rounds):
        for name in names:  # A B C A B C: drifting load hits every candidate alike
            with running(name) as (port, _pgid):
                for scenario in scenarios:
                    wrk_rps(port, scenario, 1, connections)  # warm up
                    samples[name][scenario].append(wrk_rps(port, scenario, seconds, connections))
    lines = [
        f"### Requests/s (wrk -t1 -c{connections}, {seconds:g}s, {rounds} interleaved rounds: median [min-max])",
        "",
        "| server | " + " | ".join(f"{s} req/s | {s} /own" for s in scenarios) + " |",
        "|---|" + "---:|---:|" * len(scenarios),
    ]
    own = {s: statistics.median(samples["sanic-server"][s]) for s in scenarios} if "sanic-server" in samples else {}
    for name in names:
        cells = []
        for s in scenarios:
            values = samples[name][s]
            med = statistics.median(values)
            cells.append(f"{med:.0f} [{min(values):.0f}-{max(values):.0f}]")
            cells.append(f"{med / own[s]:.2f}x" if own.get(s) else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- memory ----------------------------------------------------------------------------
def memory(names: list[str], connections: int, websockets: int) -> str:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * connections + 256)), hard))
    lines = [
        f"### Memory: RSS growth per idle keep-alive connection ({connections} open) and per open websocket "
        f"({websockets} open)",
        "",
        "| server | KiB per keep-alive connection | KiB per websocket |",
        "|---|---:|---:|",
    ]
    for name in names:
        with running(name) as (port, pgid):
            _run_client(port, "json", 50)
            base = group_rss(pgid)
            clients = []
            for _ in range(connections):
                client = Client(port)
                client.exchange(REQUESTS["json"], http_response_size)
                clients.append(client)
            time.sleep(1)
            per_conn = (group_rss(pgid) - base) / connections / 1024
            for client in clients:
                client.close()
        # A fresh server: memory freed by the closed connections would be
        # reused by the websockets and hide their cost.
        with running(name) as (port, pgid):
            _run_client(port, "ws", 50)
            base = group_rss(pgid)
            sockets = []
            for _ in range(websockets):
                client = Client(port)
                head = client.exchange(WS_HANDSHAKE, http_response_size)
                if not head.startswith(b"HTTP/1.1 101"):
                    raise RuntimeError(f"{name}: websocket handshake failed")
                client.exchange(ws_client_frame(), ws_frame_size)
                sockets.append(client)
            time.sleep(1)
            per_ws = (group_rss(pgid) - base) / websockets / 1024
            for client in sockets:
                client.close()
        lines.append(f"| {name} | {per_conn:.1f} | {per_ws:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.e2e", description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default=",".join(["sanic-server", *DEFAULT_E2E[1:], "uvicorn+sanic-asgi"]))
    parser.add_argument("--scenarios", default="json,echo,stream")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--memory", action="store_true", help="measure RSS per connection / websocket instead")
    parser.add_argument("--memory-connections", type=int, default=1000)
    parser.add_argument("--memory-websockets", type=int, default=200)
    args = parser.parse_args(argv)
    names = args.servers.split(",")
    from .__main__ import header

    print(f"sanic-asgi end-to-end benchmark, {header()}\n", flush=True)
    if args.memory:
        print(memory(names, args.memory_connections, args.memory_websockets))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk")
    print(throughput(names, args.scenarios.split(","), args.rounds, args.seconds, args.connections))


if __name__ == "__main__":
    main()
