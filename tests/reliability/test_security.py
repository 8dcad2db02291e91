"""Security defaults: what a hostile client cannot get out of the adapter.

* Proxy headers are trusted only as Sanic's config says: no IP or scheme
  spoofing through ``X-Forwarded-For``/``X-Real-IP``/``Forwarded`` by default.
* Error pages show no traceback and no exception text unless DEBUG.
* Static files (Sanic's ``app.static`` and a Starlette ``StaticFiles`` mounted
  with ``ASGIApp(mounts=...)``) cannot be left through ``..``, encoded dots,
  NUL bytes or symlinks.
* A header value or name with CR/LF set by a handler never splits into a
  second header on the wire (checked on a raw socket, through real servers).
* A body declared too big is refused before it is sent.

In-process cases use ``tests.asgi_driver.FakeServer``; the wire cases run
uvicorn (httptools and h11) and granian.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from sanic import Sanic
from sanic.application.constants import Mode

from sanic_asgi import ASGIApp
from tests._servers import ServerProcess
from tests.asgi_driver import Connection, FakeServer
from tests.reliability._figures import Figures
from tests.reliability._serve import connect, raw_exchange, read_head, serving, split_response
from tests.reliability.apps.reliable import ERROR_MARKER, SECRET_MARKER, STATIC_ROOT, build

WIRE_KINDS = ("uvicorn-httptools", "uvicorn-h11", "granian")
_names = itertools.count()


def fresh(config: dict[str, Any] | None = None) -> Sanic[Any, Any]:
    return build(f"security_{next(_names)}", config)


@pytest.fixture
async def serve() -> AsyncIterator[Any]:
    started: list[tuple[FakeServer, Connection]] = []

    async def start(asgi: ASGIApp) -> FakeServer:
        server = FakeServer(asgi)
        started.append((server, await server.startup()))
        return server

    yield start
    for server, life in started:
        await server.shutdown(life)


@pytest.fixture(scope="module", params=WIRE_KINDS)
def wire(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with serving(request.param, "load", tmp_path_factory.mktemp("security")) as process:
        yield process


def get(path: bytes | str, *headers: tuple[str, str]) -> bytes:
    target = path if isinstance(path, bytes) else path.encode()
    lines = [b"GET " + target + b" HTTP/1.1", b"host: test", b"connection: close"]
    lines += [f"{k}: {v}".encode("latin-1") for k, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


# ---------------------------------------------------------------------------
# Proxy headers
# ---------------------------------------------------------------------------
SPOOF = [
    (b"x-forwarded-for", b"6.6.6.6"),
    (b"x-real-ip", b"6.6.6.6"),
    (b"forwarded", b"for=6.6.6.6;proto=https;host=evil.example;secret=guess"),
    (b"x-forwarded-proto", b"https"),
    (b"x-forwarded-host", b"evil.example"),
    (b"x-scheme", b"https"),
]


async def test_proxy_headers_are_not_trusted_by_default(serve: Any, figures: Figures) -> None:
    server = await serve(ASGIApp(fresh()))
    conn = await server.request("GET", "/whoami", headers=SPOOF)
    who = json.loads(conn.body)
    expected = {
        "ip": "127.0.0.1",
        "client_ip": "127.0.0.1",
        "remote_addr": "",
        "forwarded": {},
        "scheme": "http",
        "host": "testserver",
    }
    breaches = {key: who[key] for key, value in expected.items() if who[key] != value}
    figures.record("security", "proxy headers by default (in-process)", probes=len(SPOOF), breached=len(breaches))
    assert not breaches, f"spoofed headers were trusted: {breaches}"


@pytest.mark.parametrize(
    ("config", "headers", "remote_addr"),
    [
        # One proxy in front: the last X-Forwarded-For entry is the client.
        ({"PROXIES_COUNT": 1}, [(b"x-forwarded-for", b"6.6.6.6, 10.0.0.7")], "10.0.0.7"),
        # A client cannot push its own entry past the proxies Sanic was told about.
        ({"PROXIES_COUNT": 1}, [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"10.0.0.7")], "10.0.0.7"),
        ({"REAL_IP_HEADER": "x-real-ip"}, [(b"x-real-ip", b"10.0.0.8")], "10.0.0.8"),
        ({"FORWARDED_SECRET": "s3cret"}, [(b"forwarded", b"for=10.0.0.9;secret=s3cret")], "10.0.0.9"),
        ({"FORWARDED_SECRET": "s3cret"}, [(b"forwarded", b"for=6.6.6.6;secret=guess")], ""),
        ({"REAL_IP_HEADER": "x-real-ip"}, [(b"x-forwarded-for", b"6.6.6.6")], ""),
    ],
)
async def test_proxy_headers_are_trusted_only_as_configured(
    serve: Any, config: dict[str, Any], headers: list[tuple[bytes, bytes]], remote_addr: str
) -> None:
    server = await serve(ASGIApp(fresh(config)))
    who = json.loads((await server.request("GET", "/whoami", headers=headers)).body)
    assert who["remote_addr"] == remote_addr
    assert who["ip"] == "127.0.0.1"  # the peer itself never changes


def test_proxy_headers_through_a_real_server(wire: ServerProcess, figures: Figures) -> None:
    raw = raw_exchange(wire.port, get("/whoami", *((k.decode(), v.decode()) for k, v in SPOOF)))
    status, _, body = split_response(raw)
    assert status.startswith(b"HTTP/1.1 200"), raw[:300]
    who = json.loads(body)
    expected = {"remote_addr": "", "ip": "127.0.0.1", "forwarded": {}}
    breaches = {key: who[key] for key, value in expected.items() if who[key] != value}
    figures.record("security", f"proxy headers by default ({wire.kind.id})", probes=len(SPOOF), breached=len(breaches))
    assert not breaches, f"spoofed headers were trusted: {breaches}"


# ---------------------------------------------------------------------------
# Error pages
# ---------------------------------------------------------------------------
ACCEPTS = ["text/html", "application/json", "text/plain", "*/*", ""]
LEAKS = (ERROR_MARKER, "hunter2", "Traceback", "reliable.py", "ValueError")


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_error_pages_leak_nothing_unless_debug(serve: Any, accept: str, figures: Figures) -> None:
    headers = [(b"accept", accept.encode())] if accept else []
    server = await serve(ASGIApp(fresh()))
    conn = await server.request("GET", "/raise", headers=headers)
    assert conn.status == 500
    text = conn.body.decode("utf-8", "replace")
    leaked = [leak for leak in LEAKS if leak in text]

    # The same app in DEBUG shows the traceback: the check above is not vacuous.
    debug_app = fresh()
    debug_app.state.mode = Mode.DEBUG
    debug = await (await serve(ASGIApp(debug_app))).request("GET", "/raise", headers=headers)
    assert debug.status == 500
    assert ERROR_MARKER in debug.body.decode("utf-8", "replace")
    figures.record(
        "security", f"500 page, accept: {accept or '(none)'}; DEBUG shows it", probes=1, breached=int(bool(leaked))
    )
    assert not leaked, f"the 500 page shows {leaked}: {text}"


async def test_a_failing_websocket_handler_closes_without_its_error_text(serve: Any) -> None:
    server = await serve(ASGIApp(fresh()))
    conn = server.websocket("/ws/raise")
    conn.start()
    assert (await conn.next_message())["type"] == "websocket.accept"
    conn.push({"type": "websocket.receive", "text": "go"})
    close = await conn.next_message()
    assert close["type"] == "websocket.close"
    assert close["code"] == 1011
    assert ERROR_MARKER not in (close.get("reason") or "")
    conn.disconnect(1011)
    await conn.finish()


def test_error_page_through_a_real_server(wire: ServerProcess) -> None:
    status, _, body = split_response(raw_exchange(wire.port, get("/raise", ("accept", "text/html"))))
    assert status.startswith(b"HTTP/1.1 500")
    text = body.decode("utf-8", "replace")
    assert not [leak for leak in LEAKS if leak in text], text


# ---------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------
TRAVERSALS = [
    b"/static/../secret.txt",
    b"/static/%2e%2e/secret.txt",
    b"/static/%2E%2E/secret.txt",
    b"/static/..%2fsecret.txt",
    b"/static/%2e%2e%2fsecret.txt",
    b"/static/sub/../../secret.txt",
    b"/static/sub/%2e%2e/%2e%2e/secret.txt",
    b"/static/..%5csecret.txt",
    b"/static/..\\secret.txt",
    b"/static/%252e%252e/secret.txt",
    b"/static/%c0%ae%c0%ae/secret.txt",
    b"/static//work/secret.txt",
    b"/static/%2fetc%2fpasswd",
    b"/static/....//secret.txt",
    b"/static/.%2e/secret.txt",
    b"/static/public.txt%00",
    b"/static/%00../secret.txt",
    b"/static/public.txt%00/../../secret.txt",
    b"/static/public.txt/../../secret.txt",
    b"/static/public.txt/x",
]


def refusal_breach(status: int | None, body: bytes, raw: bytes) -> str | None:
    """What is wrong with the answer to the traversal ``raw`` (None: refused as it should be)."""
    if SECRET_MARKER.encode() in body or b"root:" in body:
        return f"{raw!r} served a file outside the root: {body[:200]!r}"
    # Sanic's static handler answers a NUL byte (ValueError from pathlib) and a
    # path under a file (NotADirectoryError) with a 500, on its own server as
    # here; nothing is served.
    allowed = (400, 404, 500) if b"%00" in raw or raw.endswith(b".txt/x") else (400, 404)
    if status not in allowed:
        return f"{raw!r} answered {status}, expected one of {allowed}: {body[:200]!r}"
    return None


def request_for(server: FakeServer, raw: bytes) -> Connection:
    """A GET for the target ``raw``, with ``path`` and ``raw_path`` as uvicorn builds them."""
    conn = server.http("GET", unquote(raw.decode("latin-1")), raw_path=raw)
    conn.push({"type": "http.request"})
    return conn


async def test_sanic_static_cannot_be_escaped(serve: Any, figures: Figures) -> None:
    server = await serve(ASGIApp(fresh()))
    assert (await server.request("GET", "/static/public.txt")).body == b"public file\n"
    breaches = []
    for raw in TRAVERSALS:
        conn = request_for(server, raw)
        await conn.finish()
        breaches.append(refusal_breach(conn.status, conn.body, raw))
    breaches = [breach for breach in breaches if breach]
    figures.record("security", "app.static traversal (in-process)", probes=len(TRAVERSALS), breached=len(breaches))
    assert not breaches, breaches


async def test_sanic_static_does_not_follow_a_symlink_out(serve: Any, tmp_path: Path) -> None:
    root = tmp_path / "public"
    root.mkdir()
    (root / "ok.txt").write_text("ok")
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRET_MARKER)
    os.symlink(outside, root / "link.txt")
    app = Sanic(f"security_symlink_{next(_names)}")
    app.static("/files", root)
    server = await serve(ASGIApp(app))
    assert (await server.request("GET", "/files/ok.txt")).body == b"ok"
    conn = await server.request("GET", "/files/link.txt")
    assert refusal_breach(conn.status, conn.body, b"/files/link.txt") is None


def test_sanic_static_through_real_servers(wire: ServerProcess, figures: Figures) -> None:
    status, _, body = split_response(raw_exchange(wire.port, get("/static/public.txt")))
    assert status.startswith(b"HTTP/1.1 200")
    assert body == b"public file\n"
    breaches = []
    for raw in TRAVERSALS:
        answer = raw_exchange(wire.port, get(raw))
        if not answer:
            continue  # the server dropped the request line itself: refused
        status, _, body = split_response(answer)
        breach = refusal_breach(int(status.split()[1]), body, raw)
        if breach:
            breaches.append(breach)
    figures.record("security", f"app.static traversal ({wire.kind.id})", probes=len(TRAVERSALS), breached=len(breaches))
    assert not breaches, breaches


async def test_mounted_starlette_static_files_cannot_be_escaped(serve: Any, figures: Figures) -> None:
    pytest.importorskip("starlette")
    from starlette.staticfiles import StaticFiles

    try:
        asgi = ASGIApp(fresh(), mounts={"/files": StaticFiles(directory=STATIC_ROOT)})  # type: ignore[call-arg]
    except TypeError:
        pytest.skip("this ASGIApp has no mounts= option")
    server = await serve(asgi)
    assert (await server.request("GET", "/files/public.txt")).body == b"public file\n"
    attempts = [b"/files" + raw[len(b"/static") :] for raw in TRAVERSALS]
    breaches = []
    for raw in attempts:
        conn = request_for(server, raw)
        await conn.finish()
        if SECRET_MARKER.encode() in conn.body or conn.status not in (400, 404, 405):
            breaches.append(f"{raw!r} answered {conn.status}: {conn.body[:200]!r}")
    figures.record(
        "security", "mounted StaticFiles traversal (in-process)", probes=len(attempts), breached=len(breaches)
    )
    assert not breaches, breaches


# ---------------------------------------------------------------------------
# Header injection, on the wire
# ---------------------------------------------------------------------------
INJECTIONS = [
    "value",
    "name",
    "nul",
    "redirect",
    "cookie",
    "reflect?v=ok%0d%0ax-injected:%201%0d%0aset-cookie:%20pwned=1",
]


def test_header_injection_never_reaches_the_wire(wire: ServerProcess, figures: Figures) -> None:
    breaches = []
    for where in INJECTIONS:
        raw = raw_exchange(wire.port, get(f"/inject/{where}"))
        status, lines, _ = split_response(raw)
        assert status.split()[1] in (b"200", b"302"), raw[:500]
        names = [line.split(b":", 1)[0].strip().lower() for line in lines]
        injected = b"x-injected" in names or any(line.lower().startswith(b"set-cookie: pwned") for line in lines)
        if injected or any(bad in line for line in lines for bad in (b"\x00", b"\r", b"\n")):
            breaches.append(f"{where}: {raw[:1000]!r}")
    figures.record(
        "security", f"CR/LF/NUL header injection ({wire.kind.id})", probes=len(INJECTIONS), breached=len(breaches)
    )
    assert not breaches, breaches


# ---------------------------------------------------------------------------
# Oversized bodies, on the wire
# ---------------------------------------------------------------------------
def test_a_declared_oversized_body_is_refused_before_it_is_sent(wire: ServerProcess) -> None:
    request = b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 1000000000000\r\n\r\n"
    with connect(wire.port, timeout=30) as sock:
        sock.sendall(request)
        status = read_head(sock)[0].split(b"\r\n")[0]
    # Sanic's default REQUEST_MAX_SIZE is 100 MB: refused from the header alone.
    assert status.startswith(b"HTTP/1.1 413"), status
