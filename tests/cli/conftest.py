"""Helpers for the ``sanic-asgi`` command's tests.

``cli`` starts ``python -m sanic_asgi ...`` as a subprocess in its own process
group, with its output in a file (``CLIProcess.output()``); ``wait_ready``
polls the port (bounded) and fails with the output if the process exits
first.  The command under test is the launcher here, so it is not a
``tests._servers`` kind: each test picks its arguments and its signal.  Every
process is stopped by PID at teardown (SIGTERM to the group,
SIGKILL after a grace period).  Servers listen on 127.0.0.1, on a free port.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._servers import HOST, make_certificate
from tests.asgi_driver import poll

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
SERVERS = ("uvicorn", "hypercorn", "granian", "daphne", "gunicorn")


def installed(server: str) -> bool:
    return importlib.util.find_spec(server) is not None


def server_params(*servers: str) -> list[object]:
    return [
        pytest.param(s, marks=pytest.mark.skipif(not installed(s), reason=f"{s} is not installed"), id=s)
        for s in servers or SERVERS
    ]


class CLIProcess:
    def __init__(self, args: list[str], *, env: dict[str, str] | None, log_path: Path, port: int | None) -> None:
        self.args = args
        self.port = port
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", **(env or {})}
        full_env.pop("WEB_CONCURRENCY", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sanic_asgi", *args],
            cwd=ROOT,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = READY_TIMEOUT, path: str | None = None) -> None:
        """Until the port (or UNIX socket ``path``) accepts a connection."""
        state = poll(lambda: self._listening(path), lambda state: state != "starting", timeout, 0.1)
        if state == "exited":
            pytest.fail(f"sanic-asgi exited with {self.proc.returncode} before listening:\n{self.output()}")
        if state == "starting":
            pytest.fail(f"sanic-asgi did not listen within {timeout}s:\n{self.output()}")

    def _listening(self, path: str | None) -> str:
        if self.proc.poll() is not None:
            return "exited"
        family = socket.AF_UNIX if path else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            try:
                sock.connect(path if path else (HOST, self.port))
            except OSError:
                return "starting"
        return "listening"

    def wait_exit(self, timeout: float = READY_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"sanic-asgi did not exit within {timeout}s:\n{self.output()}")

    def stop(self, sig: int = signal.SIGTERM, *, group: bool = True) -> int:
        """Signal the process group (or, ``group=False``, the command's own
        process, as a supervisor would); SIGKILL the group after STOP_TIMEOUT.
        The exit code."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                if group:
                    os.killpg(self.proc.pid, sig)
                else:
                    os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(STOP_TIMEOUT)
        # Workers of a process that has exited may linger in the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[object]:
    """``cli(*args, env={}, port=...)`` -> a started ``CLIProcess``."""
    started: list[CLIProcess] = []

    def start(*args: str, env: dict[str, str] | None = None, port: int | None = None) -> CLIProcess:
        process = CLIProcess(list(args), env=env, log_path=tmp_path / f"cli-{len(started)}.log", port=port)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def make_tls_dir(directory: Path) -> Path:
    """A folder with a self-signed fullchain.pem and privkey.pem for 127.0.0.1 (as Sanic's --tls)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = make_certificate(directory)
    files.cert.replace(directory / "fullchain.pem")
    files.key.replace(directory / "privkey.pem")
    return directory
