"""The focused legacy test set: one app (``app.py``), every Sanic release.

Run by ``scripts/legacy_matrix.py`` in a venv per (Sanic, CPython) pair; it
also passes in the dev venv (current Sanic).  Sanic 18.12's sdist ships no
tests, so this is what covers it: HTTP, bodies, cookies, error pages,
streaming, websockets and listeners, in process and through real servers.
Only the standard library and the ``websockets`` client that the Sanic
release itself pins are used, so every venv can run it.
"""

from __future__ import annotations

import asyncio
import http.client
import importlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
_T = TypeVar("_T")


# --------------------------------------------------------------------- #
# In process: the ASGI messages themselves
# --------------------------------------------------------------------- #
async def _call(asgi: Any, scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for message in incoming:
        queue.put_nowait(message)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return await queue.get()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "websocket.send":
            queue.put_nowait({"type": "websocket.receive", "text": "bye"})

    await asyncio.wait_for(asgi(scope, receive, send), 10)
    return sent


def _http_scope(
    method: str, path: str, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver")] + (headers or []),
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }


def _response(sent: list[dict[str, Any]]) -> tuple[int, dict[bytes, bytes], bytes, int]:
    start = sent[0]
    assert start["type"] == "http.response.start"
    body = b"".join(m.get("body", b"") for m in sent[1:] if m["type"] == "http.response.body")
    assert not sent[-1].get("more_body", False)
    return start["status"], dict(start["headers"]), body, len(sent) - 1


@pytest.fixture
def served() -> Any:
    """The app, started through the lifespan protocol, stopped after the test."""
    from tests.legacy import app as module

    loop = asyncio.new_event_loop()
    yield module, loop
    loop.close()


def _run(
    module: Any, loop: asyncio.AbstractEventLoop, scope: dict[str, Any], incoming: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return _run_with_lifespan(module, loop, lambda: _call(module.asgi, scope, incoming))


def _run_with_lifespan(module: Any, loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[_T]]) -> _T:
    """``call()`` between the app's lifespan startup and shutdown."""

    async def main() -> _T:
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        events.put_nowait({"type": "lifespan.startup"})
        out: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            out.append(message)

        life = asyncio.ensure_future(module.asgi({"type": "lifespan", "asgi": {"version": "3.0"}}, events.get, send))
        while not out:  # noqa: ASYNC110 - the app's send() is the only signal
            await asyncio.sleep(0.01)
        assert out[0]["type"] == "lifespan.startup.complete", out
        try:
            return await call()
        finally:
            events.put_nowait({"type": "lifespan.shutdown"})
            await asyncio.wait_for(life, 10)
            assert out[-1]["type"] == "lifespan.shutdown.complete", out

    return loop.run_until_complete(main())


def test_json_and_listeners(served: Any) -> None:
    module, loop = served
    sent = _run(module, loop, _http_scope("GET", "/json", b"a=1"), [{"type": "http.request"}])
    status, headers, body, _ = _response(sent)
    assert status == 200
    assert headers[b"content-type"] == b"application/json"
    assert int(headers[b"content-length"]) == len(body)
    data = json.loads(body)
    assert data["args"] == {"a": "1"}
    assert data["ip"] == "127.0.0.1"
    assert data["path"] == "/json"
    assert data["events"][:2] == ["before_server_start", "after_server_start"]


# The shim each release was tested with; detect() reads the code, this table
# is the check that what it reads still says the same (a release whose
# internals moved shows up here as a different name, or a missing entry).
GENERATIONS = {
    (18, 12): "sanic18",
    (19, 3): "sanic18",
    (19, 12): "sanic19",
    (20, 3): "sanic19",
    (20, 6): "sanic20",
    (20, 9): "sanic20",
    (20, 12): "sanic20",
    (21, 3): "sanic21_3",
    (21, 6): "sanic21_3",
    (21, 9): "sanic21_9",
    (21, 12): "sanic21",
}


def test_generation_is_detected() -> None:
    from sanic import Sanic

    from sanic_asgi._generations import detect, sanic_version_tuple

    release = sanic_version_tuple()
    expected = GENERATIONS.get(release, "sanic22" if release >= (22, 3) else None)
    assert detect(Sanic("detect_probe")).name == expected, release


def test_response_head_shortcut() -> None:
    """Sanic's processed_headers has one of the shapes sanic_asgi._generations._processed_headers
    encodes itself on every release that has the property (21.3 on: a
    release that changes it would silently lose the shortcut); older
    releases build their head in the legacy cycle."""
    from sanic import response
    from sanic.response import HTTPResponse

    from sanic_asgi._generations._processed_headers import _sanics, head_encoder, response_head

    encoder = head_encoder(HTTPResponse)
    if not hasattr(HTTPResponse, "processed_headers"):  # 18.12 - 20.12: the legacy cycle writes its own head
        assert encoder is _sanics
        return
    assert encoder is not _sanics
    ours, sanics = (response.text("x", headers={"X-Int": 7, "x-b": "v"}) for _ in range(2))
    assert response_head(ours) == [(name.lower(), value) for name, value in sanics.processed_headers]


def test_post_body(served: Any) -> None:
    module, loop = served
    scope = _http_scope("POST", "/echo", headers=[(b"content-length", b"10")])
    parts = [{"type": "http.request", "body": b"hello", "more_body": True}, {"type": "http.request", "body": b"world"}]
    status, headers, body, _ = _response(_run(module, loop, scope, parts))
    assert (status, body, headers[b"x-length"]) == (200, b"helloworld", b"10")


def _upload(
    module: Any, loop: asyncio.AbstractEventLoop, second: dict[str, Any], timeout: float
) -> tuple[list[dict[str, Any]], BaseException | None, bool]:
    """POST /upload (a stream route) in two parts; before 21.3 the second is
    held back until the first is echoed, so it reaches a handler that has
    returned and whose ``stream()`` function waits for the body.  Returns the
    messages sent, the error the call ended with, and whether the release
    reads the body after the handler returned (before 21.3)."""
    from sanic.request import Request

    reads_after_return = not hasattr(Request, "respond")
    scope = _http_scope("POST", "/upload", headers=[(b"transfer-encoding", b"chunked")])

    async def main() -> tuple[list[dict[str, Any]], BaseException | None]:
        echoed = asyncio.Event()
        parts = [{"type": "http.request", "body": b"hello ", "more_body": True}, second]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            if len(parts) == 1 and reads_after_return:
                await echoed.wait()  # the handler has returned and waits for the body
            if not parts:  # the client stays until the response ends, as a real one
                await asyncio.Event().wait()
            return parts.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message.get("body"):
                echoed.set()

        call = asyncio.ensure_future(module.asgi(scope, receive, send))
        done, _ = await asyncio.wait({call}, timeout=timeout)
        if not done:
            call.cancel()
            await asyncio.gather(call, return_exceptions=True)
            raise AssertionError(f"the request did not end: {sent}")
        return sent, call.exception()

    sent, error = _run_with_lifespan(module, loop, main)
    return sent, error, reads_after_return


def test_stream_route_reads_the_body_after_the_handler_returned(served: Any) -> None:
    """A stream route before 21.3 returns ``stream(fn)`` at once and ``fn``
    reads ``request.stream``: the body must keep coming after the handler
    returned."""
    module, loop = served
    sent, error, _ = _upload(module, loop, {"type": "http.request", "body": b"world"}, 10)
    assert error is None
    status, _, body, _ = _response(sent)
    assert (status, body) == (200, b"hello world")


@pytest.mark.parametrize("failure", ["client leaves", "body too large"])
def test_stream_route_body_that_fails(served: Any, failure: str, caplog: pytest.LogCaptureFixture) -> None:
    """The body of a stream route fails half-way (the client leaves, or it
    passes REQUEST_MAX_SIZE) while the handler waits for it: the request ends
    at once, not after RESPONSE_TIMEOUT, and never as a complete answer to
    half a body.  From 21.3 on Sanic lifts REQUEST_MAX_SIZE for a stream
    handler: the whole body is answered there."""
    from sanic.log import LOGGING_CONFIG_DEFAULTS

    module, loop = served
    too_large = failure == "body too large"
    second = {"type": "http.request", "body": b"x" * 2000} if too_large else {"type": "http.disconnect"}
    access = logging.getLogger("sanic.access")
    limit = module.app.config.REQUEST_MAX_SIZE
    if too_large:  # (above the request head, which counts against it on the old releases)
        module.app.config.REQUEST_MAX_SIZE = 1000
    access.addHandler(caplog.handler)
    try:
        sent, error, reads_after_return = _upload(module, loop, second, 5)  # RESPONSE_TIMEOUT is 60 s
    finally:
        module.app.config.REQUEST_MAX_SIZE = limit
        access.removeHandler(caplog.handler)
    if error is not None:  # an error after the head went out: the server aborts the response
        assert reads_after_return, error
        assert too_large, error
    # Every access line fits this release's own access log format (before 21.3:
    # "%(status)d %(byte)d", where a disconnect line would be a logging error).
    config = LOGGING_CONFIG_DEFAULTS["formatters"]["access"]  # 24.x+: a class of its own, no format
    module_name, _, name = config["class"].rpartition(".")
    formatter_class = getattr(importlib.import_module(module_name), name)
    formatter = formatter_class(config["format"]) if "format" in config else formatter_class()
    for record in caplog.records:
        if record.name == "sanic.access":
            formatter.format(record)
    complete = bool(sent) and sent[-1]["type"] == "http.response.body" and not sent[-1].get("more_body", False)
    if too_large and not reads_after_return:
        assert (sent[0]["status"], complete) == (200, True), sent  # no limit for a stream handler
        assert b"".join(m.get("body", b"") for m in sent[1:]) == b"hello " + b"x" * 2000
    else:
        assert not (complete and sent[0]["status"] == 200), sent


def test_cookie(served: Any) -> None:
    module, loop = served
    sent = _run(module, loop, _http_scope("GET", "/cookie"), [{"type": "http.request"}])
    cookies = [value for name, value in sent[0]["headers"] if name == b"set-cookie"]
    assert len(cookies) == 1
    assert cookies[0].startswith(b"flavour=oat")


@pytest.mark.parametrize(("path", "expected"), [("/error", 500), ("/missing", 404)])
def test_error_pages(served: Any, path: str, expected: int) -> None:
    module, loop = served
    status, _, body, _ = _response(_run(module, loop, _http_scope("GET", path), [{"type": "http.request"}]))
    assert status == expected
    assert body


def test_streaming(served: Any) -> None:
    module, loop = served
    status, headers, body, messages = _response(
        _run(module, loop, _http_scope("GET", "/stream"), [{"type": "http.request"}])
    )
    assert (status, body) == (200, b"one,two,three")
    assert b"content-length" not in headers
    assert b"transfer-encoding" not in headers
    assert messages >= 3  # streamed, not buffered


def test_websocket_echo(served: Any) -> None:
    module, loop = served
    scope = dict(_http_scope("GET", "/ws"), type="websocket", scheme="ws", subprotocols=[])
    sent = _run(module, loop, scope, [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "hi"}])
    kinds = [m["type"] for m in sent]
    assert kinds[0] == "websocket.accept"
    assert {"type": "websocket.send", "text": "hi"} in sent
    assert {"type": "websocket.send", "text": "bye!"} in sent
    assert kinds[-1] == "websocket.close"


# --------------------------------------------------------------------- #
# Real servers
# --------------------------------------------------------------------- #
def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except Exception:  # not installed, or too new for the h11/h2 the Sanic release pins
        return False
    return True


SERVERS = [
    name for name, probe in (("uvicorn", "uvicorn"), ("hypercorn", "hypercorn.protocol.h11")) if _importable(probe)
]
# uvicorn's websockets implementations need websockets 10.4+ (Sanic 18.12-21.12
# pin older ones): wsproto then, where it installs.
UVICORN_WS = ["--ws", "wsproto"] if _importable("wsproto") else []


# A copy of sanic_asgi.testing's free_port, kept on purpose: this file runs in
# the legacy venvs, where sanic_asgi.testing's imports (httpx) are not installed.
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> Any:
    port = _free_port()
    target = "tests.legacy.app:asgi"
    if request.param == "uvicorn":
        cmd = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), *UVICORN_WS]
    else:
        cmd = [sys.executable, "-m", "hypercorn", target, "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{request.param} did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
                    ) from None
                time.sleep(0.1)
        yield request.param, port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        if proc.stderr is not None:
            proc.stderr.close()


def _get(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body)
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


@pytest.mark.timeout(60)
def test_real_server_http(server: Any) -> None:
    _, port = server
    status, headers, body = _get(port, "GET", "/json?a=1")
    assert status == 200
    assert json.loads(body)["args"] == {"a": "1"}
    assert _get(port, "POST", "/echo", b"x" * 1000)[2] == b"x" * 1000
    assert _get(port, "POST", "/upload", b"y" * 100_000)[2] == b"y" * 100_000  # a stream route
    status, headers, body = _get(port, "GET", "/stream")
    assert (status, body) == (200, b"one,two,three")
    assert headers.get("transfer-encoding") == "chunked"
    assert _get(port, "GET", "/missing")[0] == 404
    assert _get(port, "GET", "/error")[0] == 500


def _ws_talk(port: int, messages: list[str | bytes]) -> list[str | bytes]:
    """A blocking websocket client on wsproto: the ``websockets`` clients the
    old Sanic releases pin (6.0, 8.1) do not run on every CPython here."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Message, Request, TextMessage

    conn = WSConnection(ConnectionType.CLIENT)
    sock = socket.create_connection(("127.0.0.1", port), 10)
    replies: list[str | bytes] = []
    try:
        sock.sendall(conn.send(Request(host="127.0.0.1", target="/ws")))
        pending = list(messages)
        accepted = False
        while len(replies) < len(messages):
            data = sock.recv(65536)
            if not data:
                break
            conn.receive_data(data)
            for event in conn.events():
                if isinstance(event, AcceptConnection):
                    accepted = True
                elif isinstance(event, Message):
                    replies.append(event.data)
                elif isinstance(event, CloseConnection):
                    return replies
            if accepted and pending and len(replies) == len(messages) - len(pending):
                item = pending.pop(0)
                event_out = TextMessage(data=item) if isinstance(item, str) else BytesMessage(data=item)
                sock.sendall(conn.send(event_out))
        sock.sendall(conn.send(CloseConnection(code=1000)))
    finally:
        sock.close()
    return replies


@pytest.mark.timeout(60)
def test_real_server_websocket(server: Any) -> None:
    pytest.importorskip("wsproto")
    _, port = server
    assert _ws_talk(port, ["hello", b"\x00bin", "bye"]) == ["hello", b"\x00bin", "bye!"]
