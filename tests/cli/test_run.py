"""``sanic-asgi run`` against real servers: each started through the command
(a subprocess on a free port, stopped by PID), and the mapped settings seen
taking effect on the wire."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests._servers import HOST, free_port
from tests.asgi_driver import poll

from .conftest import make_tls_dir, server_params

BASIC = "tests.cli.apps.basic:app"


def clean_stop(server: str) -> tuple[int, ...]:
    """Exit codes of a graceful stop on SIGTERM: 0, or death by SIGTERM for
    uvicorn, which re-raises the signal after its graceful shutdown (as the
    ``uvicorn`` command itself does)."""
    return (0, -signal.SIGTERM) if server == "uvicorn" else (0,)


def start(cli: Any, server: str, *extra: str, env: dict[str, str] | None = None, target: str = BASIC) -> Any:
    port = free_port()
    process = cli("run", target, "--server", server, "--port", str(port), *extra, env=env, port=port)
    process.wait_ready()
    return process


def raw_request(port: int, path: str = "/", headers: str = "") -> tuple[socket.socket, bytes]:
    """Send one keep-alive GET on a raw socket; return it and the whole response."""
    sock = socket.create_connection((HOST, port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{headers}\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return sock, head


def seconds_until_closed(sock: socket.socket, limit: float) -> float:
    """How long until the server closes the connection (fails after ``limit``)."""
    started = time.monotonic()
    sock.settimeout(limit)
    try:
        leftover = sock.recv(1)
    except TimeoutError:
        pytest.fail(f"the server kept the idle connection open for more than {limit}s")
    assert leftover == b""
    return time.monotonic() - started


@pytest.mark.parametrize("server", server_params())
def test_serves_the_app_and_stops_cleanly(cli: Any, server: str) -> None:
    process = start(cli, server)
    response = httpx.get(f"http://{HOST}:{process.port}/", timeout=10)
    assert response.status_code == 200
    assert response.text == "hello from cli_basic"
    # SIGTERM to the command's PID (hypercorn's workers die at once when the
    # signal reaches them directly, without running lifespan shutdown).
    assert process.stop(signal.SIGTERM, group=False) in clean_stop(server)
    output = process.output()
    assert f"· {server} " in output  # the banner names the server
    assert "mapped" in output
    # Sanic's stop listener ran when the server stopped (daphne: by the command's lifespan bridge).
    assert "cli_basic: after_server_stop ran" in output


# hypercorn and granian drain too (checked once); these two are the ones the
# command changes: daphne's drain is the command's, uvicorn's is mapped.
@pytest.mark.parametrize("server", server_params("daphne", "uvicorn"))
def test_a_request_in_flight_finishes_when_the_server_stops(cli: Any, server: str) -> None:
    # daphne: the command runs the lifespan shutdown (Sanic's drain) before
    # daphne cancels what is still running (a bare `daphne` cancels it).
    import threading

    process = start(cli, server)
    result: dict[str, Any] = {}

    def slow_request() -> None:
        try:
            result["response"] = httpx.get(f"http://{HOST}:{process.port}/slow?seconds=1.5", timeout=20)
        except httpx.HTTPError as exc:
            result["error"] = exc

    thread = threading.Thread(target=slow_request)
    thread.start()
    poll(process.output, lambda output: "slow request started" in output, 10)
    assert process.stop(signal.SIGTERM, group=False) in clean_stop(server)
    thread.join(20)
    assert "error" not in result, result
    assert result["response"].text == "slow done"


def test_a_factory_in_a_module_that_also_builds_the_app(cli: Any) -> None:
    # `sanic-asgi run "examples.shop.app:create_app()"` failed with
    # "Sanic app name 'shop' already in use": the module builds its app too.
    process = start(cli, "uvicorn", target="examples.shop.app:create_app()")
    response = httpx.get(f"http://{HOST}:{process.port}/api/items", timeout=10)
    assert response.status_code == 200, process.output()
    assert process.stop(signal.SIGTERM, group=False) in clean_stop("uvicorn")
    assert "already in use" not in process.output()
    assert "note       examples.shop.app:create_app built a new app 'shop'" in process.output()


@pytest.mark.parametrize("server", server_params())
def test_a_failing_startup_listener_is_one_traceback_one_error_line_and_exit_3(cli: Any, server: str) -> None:
    process = cli("run", "tests.cli.apps.failing:app", "--server", server, "--port", str(free_port()))
    assert process.wait_exit() == 3
    output = process.output()
    # The listener's traceback once (the adapter logs it, as Sanic's server
    # does), no traceback of the server's own, and one summary line.
    assert output.count("Traceback (most recent call last)") == 1, output
    assert output.count('raise RuntimeError("database is down (cli_failing)")') == 1, output
    errors = [line for line in output.splitlines() if line.startswith("sanic-asgi: error:")]
    assert errors == [
        f"sanic-asgi: error: the app failed to start on {server}: RuntimeError: database is down (cli_failing) "
        "(a startup listener raised it; its traceback is above); fix it and run the command again"
    ], output


@pytest.mark.parametrize("server", server_params())
def test_a_port_in_use_is_one_error_line_and_exit_4(cli: Any, server: str) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = cli("run", BASIC, "--server", server, "--port", str(port))
        assert process.wait_exit() == 4
    assert process.output() == (
        f"sanic-asgi: error: cannot listen on {HOST}:{port}: the address is in use (another server runs there); "
        "stop it, or choose another port with --port\n"
    )


@pytest.mark.parametrize("server", server_params("uvicorn", "hypercorn"))
def test_keep_alive_timeout_is_the_servers_idle_timeout(cli: Any, server: str) -> None:
    # Both servers default to 5 s; KEEP_ALIVE_TIMEOUT=1 must close an idle
    # connection well before that.
    process = start(cli, server, env={"SANIC_KEEP_ALIVE_TIMEOUT": "1"})
    sock, head = raw_request(process.port)
    with sock:
        assert head.startswith(b"HTTP/1.1 200")
        assert seconds_until_closed(sock, limit=4.5) >= 0.5


@pytest.mark.parametrize("server", server_params("uvicorn", "hypercorn", "granian"))
def test_keep_alive_false_closes_after_each_response(cli: Any, server: str) -> None:
    process = start(cli, server, env={"SANIC_KEEP_ALIVE": "false"})
    sock, head = raw_request(process.port)
    with sock:
        assert b"connection: close" in head.lower()
        seconds_until_closed(sock, limit=10)


@pytest.mark.parametrize("server", server_params())
def test_a_websocket_message_over_websocket_max_size_is_refused(cli: Any, server: str) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    process = start(cli, server, env={"SANIC_WEBSOCKET_MAX_SIZE": "1024"})
    with connect(f"ws://{HOST}:{process.port}/echo", open_timeout=10, close_timeout=5, max_size=None) as ws:
        ws.send("x" * 1000)
        assert ws.recv(timeout=10) == "x" * 1000
        ws.send("y" * 4000)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    code = closed.value.rcvd.code if closed.value.rcvd else None
    if server == "daphne":
        # autobahn fails the connection "by drop": no close frame, but the
        # message was refused all the same (it was not echoed).
        assert code in (1009, None), closed.value
        return
    assert code == 1009, closed.value
    if server != "granian":
        # The server refused the frame itself: the adapter's close reason is
        # "message too big"; a server's is its own.
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.reason != "message too big"


# The server's answer to a head over its own limit: uvicorn (h11) 400, hypercorn and granian 431.
HEAD_REFUSALS = {"uvicorn": b"400", "hypercorn": b"431", "granian": b"431"}


@pytest.mark.parametrize("server", server_params("uvicorn", "hypercorn", "granian"))
def test_the_server_refuses_a_head_over_sanics_limit_before_it_ends(cli: Any, server: str) -> None:
    # 12 KB of head and no blank line: under the servers' defaults (16 KiB for
    # h11, 408 KiB for granian) they would wait for the rest; with Sanic's
    # limit mapped (4,096 -> 4,099; granian's smallest buffer, 8,192) they
    # answer now, before the head is complete.
    flags = ("--", "--http", "h11") if server == "uvicorn" else ()  # httptools has no head limit
    process = start(cli, server, *flags, env={"SANIC_REQUEST_MAX_HEADER_SIZE": "4096"})
    with socket.create_connection((HOST, process.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nhost: test\r\nx-big: " + b"v" * 12_000)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 " + HEAD_REFUSALS[server]), answer[:200]


@pytest.mark.parametrize("server", server_params())
def test_ctrl_c_after_a_websocket_is_prompt(cli: Any, server: str) -> None:
    # hypercorn's ping task sleeps a whole interval after its websocket closed
    # and its shutdown waits for it (up to the graceful timeout): with both
    # long, a stop that waits on either would outlast wait_exit's bound many
    # times over; a prompt one ends at once.
    from websockets.sync.client import connect

    env = {"SANIC_WEBSOCKET_PING_INTERVAL": "600", "SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "600"}
    process = start(cli, server, env=env)
    with connect(f"ws://{HOST}:{process.port}/echo", open_timeout=10, close_timeout=5) as ws:
        ws.send("hi")
        assert ws.recv(timeout=10) == "hi"
    os.kill(process.pid, signal.SIGINT)  # Ctrl-C, as a terminal sends it to the command
    assert process.wait_exit(timeout=60) in (0, -signal.SIGINT, 128 + signal.SIGINT), process.output()
    if server == "gunicorn":
        # SIGINT is gunicorn's quick shutdown: its workers skip lifespan
        # shutdown (SIGTERM is its graceful stop, tests/process_model).
        assert "cli_basic: after_server_stop ran" not in process.output()
        return
    assert "cli_basic: after_server_stop ran" in process.output()


# hypercorn logs a traceback of its own connection task's cancellation, and
# granian does not stop while a stream is open: neither is the adapter's
# output, both are left for their own fixes.
@pytest.mark.parametrize("server", server_params("uvicorn", "daphne"))
def test_stopping_with_an_event_stream_open_is_quiet(cli: Any, server: str) -> None:
    # Sanic's server, past GRACEFUL_SHUTDOWN_TIMEOUT, closes the stream and
    # logs one INFO line; under uvicorn the adapter raised the server's
    # cancellation back, which uvicorn logged as an ERROR traceback.  uvicorn
    # still says "Cancel 1 running task(s)" and "ASGI callable returned
    # without completing response." itself (one line each, at ERROR).
    import threading

    process = start(cli, server, env={"SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "1"})
    received: list[str] = []

    def listen() -> None:
        try:
            with httpx.stream("GET", f"http://{HOST}:{process.port}/events", timeout=30) as events:
                for chunk in events.iter_text():
                    received.append(chunk)
        except httpx.HTTPError as exc:  # the stream is cut when the server stops
            received.append(f"cut: {type(exc).__name__}")

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    poll(process.output, lambda output: "cli_basic: events stream open" in output, 10)
    assert received, process.output()
    assert received[0].startswith("data: first"), process.output()
    os.kill(process.pid, signal.SIGINT)
    assert process.wait_exit(timeout=60) in (0, -signal.SIGINT, 128 + signal.SIGINT), process.output()
    listener.join(10)
    output = process.output()
    assert "Traceback" not in output, output
    assert "Exception in ASGI application" not in output, output
    stopped = [line for line in output.splitlines() if "stopped. Transport is closed." in line]
    if server == "uvicorn":
        assert len(stopped) == 1, output
        assert "INFO: Request: GET http://" in stopped[0], output


def test_proxy_headers_are_left_to_sanic(cli: Any) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default and would make
    # request.ip the forwarded address; on Sanic's server request.ip is the
    # peer and PROXIES_COUNT decides request.remote_addr.
    process = start(cli, "uvicorn", env={"SANIC_PROXIES_COUNT": "1"})
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    data = httpx.get(f"http://{HOST}:{process.port}/peer", headers=headers, timeout=10).json()
    assert data == {"ip": "127.0.0.1", "remote_addr": "203.0.113.7", "scheme": "https"}


@pytest.mark.parametrize("server", server_params("uvicorn", "daphne"))
def test_access_log_is_sanics_and_written_once(cli: Any, server: str) -> None:
    process = start(cli, server, "--access-logs")
    assert httpx.get(f"http://{HOST}:{process.port}/", timeout=10).status_code == 200
    process.stop()
    lines = [line for line in process.output().splitlines() if "GET" in line and "/" in line]
    sanic_lines = [line for line in lines if f"http://{HOST}:{process.port}/" in line]
    assert len(sanic_lines) == 1, lines  # Sanic's access line, with its full URL
    assert len(lines) == 1, lines  # and no access line of the server's own


@pytest.mark.parametrize("server", server_params("uvicorn", "hypercorn", "granian", "daphne"))
def test_tls_directory_as_sanics_tls_option(cli: Any, server: str, tmp_path: Path) -> None:
    tls = make_tls_dir(tmp_path / "tls")
    process = start(cli, server, "--tls", str(tls))
    response = httpx.get(f"https://{HOST}:{process.port}/peer", verify=False, timeout=10)
    assert response.json()["scheme"] == "https"


def test_unix_socket(cli: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "app.sock")
    process = cli("run", BASIC, "--uds", path)
    process.wait_ready(path=path)
    transport = httpx.HTTPTransport(uds=path)
    with httpx.Client(transport=transport, base_url="http://app") as client:
        assert client.get("/").text == "hello from cli_basic"


def test_several_workers(cli: Any) -> None:
    process = start(cli, "uvicorn", "--workers", "2")
    for _ in range(4):
        assert httpx.get(f"http://{HOST}:{process.port}/", timeout=10).status_code == 200
    assert process.stop() in clean_stop("uvicorn"), process.output()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("group", [False, True], ids=["pid", "group"])
def test_several_workers_stop_on_sigterm_right_after_the_first_answer(cli: Any, group: bool) -> None:
    # The first worker answers while the other may still be starting; SIGTERM
    # to the group reaches the workers and the process of Sanic's worker state too.
    process = start(cli, "uvicorn", "--workers", "2")
    assert httpx.get(f"http://{HOST}:{process.port}/", timeout=10).status_code == 200
    assert process.stop(signal.SIGTERM, group=group) == 0, process.output()
    output = process.output()
    assert "Traceback" not in output, output
    assert output.rstrip().endswith("Server Stopped"), output


def test_reload(cli: Any) -> None:
    process = start(cli, "uvicorn", "--reload", "--reload-dir", "tests/cli/apps")
    assert httpx.get(f"http://{HOST}:{process.port}/", timeout=10).status_code == 200
    assert "reload" in process.output().lower()
    assert process.stop() in clean_stop("uvicorn")


def test_server_flags_after_double_dash_reach_the_server(cli: Any) -> None:
    process = start(cli, "uvicorn", "--", "--header", "x-served-by:sanic-asgi")
    response = httpx.get(f"http://{HOST}:{process.port}/", timeout=10)
    assert response.headers["x-served-by"] == "sanic-asgi"
    assert "--header x-served-by:sanic-asgi" in process.output()  # named in the banner


def test_factory_target_and_an_asgiapp_target(cli: Any) -> None:
    process = start(cli, "hypercorn", target="tests.cli.apps.factory:create_app()")
    assert httpx.get(f"http://{HOST}:{process.port}/", timeout=10).text == "made by a factory"
    wrapped = start(cli, "uvicorn", target="tests.cli.apps.wrapped:asgi")
    assert httpx.get(f"http://{HOST}:{wrapped.port}/", timeout=10).text == "wrapped"


def test_python_file_target(cli: Any) -> None:
    process = start(cli, "uvicorn", target="tests/cli/apps/basic.py:app")
    assert httpx.get(f"http://{HOST}:{process.port}/", timeout=10).text == "hello from cli_basic"


def test_dry_run_prints_the_command_line(cli: Any) -> None:
    process = cli("run", BASIC, "--server", "granian", "--dry-run", "--", "--workers", "3")
    assert process.wait_exit() == 0
    first = process.output().splitlines()
    command = next(line for line in first if line.startswith("granian "))
    assert command.endswith("--workers 3 sanic_asgi._cli._target:asgi")
    env_line = next(line for line in first if line.startswith("# environment: "))
    assert json.loads(env_line.split("=", 1)[1])["target"] == BASIC
