"""Hostile input: random but spec-shaped scopes and message sequences.

Hypothesis builds ASGI ``http`` and ``websocket`` conversations the way a
server could hand them over, with everything a *client* controls made
hostile: odd methods, paths with ``%00``, ``..`` and non-UTF-8 bytes, huge
and duplicate headers, lying ``content-length``/``transfer-encoding``, bodies
split into random chunks, ``more_body`` that says more is coming when nothing
does, disconnects at any point.  Some conversations also get messages no
correct server sends (``receive()`` returning a non-dict, an unknown type, a
str body): those are *server* errors (``sanic_asgi/_exceptions.py``).

For every conversation, the adapter must

* answer with a valid ASGI message sequence - every ``send()`` goes through
  ``tests.asgi_checker`` (start before body, at most one start, nothing after
  the final body, framing as promised) - and a complete one unless the
  client left first;
* never send a header name or value with CR, LF or NUL (header injection);
* never raise out of ``__call__`` for a client-caused problem; for a server
  error, raise nothing or a ``ProtocolError`` - never a bare ``TypeError``;
* never hang (each conversation has a 10 s bound), and leave no task, no
  request in flight and no unretrieved exception behind.

The default run is derandomized (the same examples every time, so CI is
stable); ``SANIC_ASGI_RELIABILITY=full`` explores ten times as many, at
random.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanic_asgi import ASGIApp, ProtocolError, UnexpectedMessage
from tests.asgi_checker import ASGIViolation, HTTPChecker, WebSocketChecker
from tests.asgi_driver import Connection, FakeServer
from tests.reliability._figures import DEFAULT, Figures
from tests.reliability.apps.reliable import SECRET_MARKER, build

MAX_SIZE = 64 * 1024
CASE_TIMEOUT = 10.0
# How long the scripted client waits for the answer after its last message
# before it goes away (a client that stalls, as after a more_body lie).
PATIENCE = 0.05

# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------
NASTY_SEGMENTS = [
    "..", ".", "%2e%2e", "%2E%2e", "%00", "\x00", "%2f", "%5c", "\\", "~", "%", "%zz", "%c0%ae",
    "é", "😀", " ", "?", "#", ";", "public.txt", "secret.txt", "sub", "%252e%252e",
]  # fmt: skip
ROUTES = ["gen", "echo", "upload", "stream", "static", "whoami", "inject", "raise", "raise-sanic", "ws", "missing"]
NUMBERS = ["0", "1", "7", "100", "4096", "-1", "00", "1e3", "0x10"]
SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Nd")), max_size=8)

GOOD_PATHS = [
    "/gen/100", "/gen/0", "/echo", "/upload", "/stream/3/10", "/static/public.txt", "/static/sub/nested.txt",
    "/whoami", "/inject/reflect", "/inject/value", "/inject/redirect", "/raise", "/ws", "/_stats", "/",
]  # fmt: skip
segment = st.one_of(st.sampled_from(ROUTES), st.sampled_from(NASTY_SEGMENTS), st.sampled_from(NUMBERS), SAFE_TEXT)
random_path = st.lists(segment, min_size=0, max_size=6).map(lambda parts: "/" + "/".join(parts))
path = st.one_of(
    st.sampled_from(GOOD_PATHS),
    st.sampled_from(GOOD_PATHS),
    st.tuples(st.sampled_from(GOOD_PATHS), st.lists(segment, min_size=1, max_size=3)).map(
        lambda t: t[0].rstrip("/") + "/" + "/".join(t[1])
    ),
    random_path,
)
# What a server could put in raw_path: the request target as it came off the
# wire (percent-encoded ASCII), or bytes the server did not check.
URL_SAFE = "/%:@!$&'()*+,;=-._~"


def wire_form(text: str) -> bytes:
    return quote(text, safe=URL_SAFE, errors="surrogateescape").encode("ascii")


query = st.one_of(
    st.just(b""),
    st.sampled_from([b"v=%0d%0ax-injected:%201", b"v=%00", b"a=1&a=2&b", b"%zz=%", b"v=" + b"%41" * 3000]),
    st.text(max_size=30).map(lambda t: quote(t, safe="=&").encode("ascii")),
    st.binary(max_size=40),
)

TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
methods = st.one_of(
    st.sampled_from(["GET", "GET", "POST", "POST", "HEAD"]),
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PROPFIND"]),
    st.sampled_from(["get", "head", "Post", "M-SEARCH", "BREW", "X" * 64]),
    st.text(TCHAR, min_size=1, max_size=12),
)
# Requests a route answers, so that hostile headers and bodies reach handlers.
GOOD_REQUESTS = [
    ("GET", "/gen/100"), ("HEAD", "/gen/100"), ("POST", "/echo"), ("POST", "/upload"), ("GET", "/stream/3/10"),
    ("GET", "/static/public.txt"), ("HEAD", "/static/public.txt"), ("GET", "/whoami"), ("GET", "/inject/reflect"),
    ("GET", "/inject/value"), ("GET", "/inject/redirect"),
]  # fmt: skip
# Not an HTTP token: no server hands such a method over (h11 and httptools
# refuse the request line), so these count as server errors.
non_token_methods = st.sampled_from(["", " ", "GET ", "G\x00T", "POST\r\n", "É", "get/1"])

HEADER_NAMES = [
    b"content-length", b"transfer-encoding", b"host", b"x-forwarded-for", b"forwarded", b"x-real-ip",
    b"x-forwarded-proto", b"x-forwarded-host", b"cookie", b"content-type", b"accept", b"range", b"if-modified-since",
    b"expect", b"connection", b"upgrade", b"x-tag", b"x-request-id", b"sec-websocket-protocol", b"origin",
]  # fmt: skip
HEADER_VALUES = [
    b"", b"0", b"-1", b"5", b"99999999999999999999", b"abc", b" 7 ", b"chunked", b"gzip, chunked", b"identity",
    b"1.2.3.4", b"1.2.3.4, 5.6.7.8", b"for=1.2.3.4;proto=https;secret=x", b"for=\"[::1]\";by=unknown",
    b"application/json", b"multipart/form-data; boundary=", b"multipart/form-data; boundary=x",
    b"application/x-www-form-urlencoded", b"bytes=0-1", b"bytes=-5", b"bytes=9-1", b"bytes=0-1,2-3,4-",
    b"100-continue", b"close", b"keep-alive", b"websocket", b"a=b; c", b"=;=", b"\xff\xfe\xfd", b"caf\xc3\xa9",
    b"x\r\ny", b"\x00", b"\t", b"example.com:99999", b"[::1]:80", b"../../etc/passwd",
]  # fmt: skip

header_name = st.one_of(
    st.sampled_from(HEADER_NAMES), st.binary(min_size=1, max_size=12).map(bytes.lower), st.just(b"x-big")
)
header_value = st.one_of(
    st.sampled_from(HEADER_VALUES),
    st.binary(max_size=40),
    # Huge values, built cheaply: hypothesis draws the unit and the count.
    st.builds(lambda unit, count: unit * count, st.binary(min_size=1, max_size=3), st.integers(1_000, 40_000)),
)
headers = st.lists(st.tuples(header_name, header_value), max_size=12)
duplicate_headers = st.builds(lambda h, n: [h] * n, st.tuples(header_name, header_value), st.integers(2, 300))

GARBAGE: list[Any] = [
    None, 42, "http.request", b"", [], {}, {"type": None}, {"type": "http.bogus"}, {"type": "websocket.receive"},
    {"type": "http.request", "body": "a str body"}, {"type": "http.request", "body": None},
    {"type": "lifespan.startup"},
]  # fmt: skip


@dataclass
class Case:
    scope: dict[str, Any]
    messages: list[Any]
    # After the script: "leave" (disconnect at once) or "wait" (for the answer, then leave).
    ending: str
    server_error: bool
    notes: list[str] = field(default_factory=list)


@st.composite
def body_messages(draw: st.DrawFn) -> tuple[list[Any], list[tuple[bytes, bytes]], list[str]]:
    chunks = draw(st.lists(st.binary(max_size=3000), max_size=8))
    if draw(st.booleans()):
        chunks.append(b"z" * draw(st.sampled_from([MAX_SIZE - 1, MAX_SIZE + 1, 3 * MAX_SIZE])))
    total = sum(map(len, chunks))
    framing = draw(st.sampled_from(["honest", "lying", "none", "chunked", "both"]))
    notes = [f"framing={framing}"]
    extra: list[tuple[bytes, bytes]] = []
    if framing == "honest":
        extra.append((b"content-length", str(total).encode()))
    elif framing == "lying":
        extra.append((b"content-length", str(draw(st.integers(0, 2 * MAX_SIZE))).encode()))
    elif framing == "chunked":
        extra.append((b"transfer-encoding", b"chunked"))
    elif framing == "both":
        extra += [(b"content-length", str(total).encode()), (b"transfer-encoding", b"chunked")]
    more_flags = [True] * (len(chunks) - 1) + [False]
    if draw(st.booleans()):  # more_body lies
        more_flags = draw(st.lists(st.booleans(), min_size=len(chunks) + 1, max_size=len(chunks) + 1))
        notes.append("more_body lies")
    messages: list[Any] = [
        {"type": "http.request", "body": chunk, "more_body": more}
        for chunk, more in zip(chunks or [b""], more_flags or [False])
    ]
    if draw(st.booleans()):
        # Another message after the final one, or a disconnect in the middle.
        where = draw(st.integers(0, len(messages)))
        messages.insert(where, draw(st.sampled_from([{"type": "http.disconnect"}, {"type": "http.request"}])))
        notes.append("extra message")
    return messages, extra, notes


@st.composite
def http_cases(draw: st.DrawFn) -> Case:
    if draw(st.booleans()):
        method, request_path = draw(st.sampled_from(GOOD_REQUESTS))
    else:
        method, request_path = draw(methods), draw(path)
    raw = draw(
        st.one_of(
            st.none(),
            st.just(wire_form(request_path)),
            st.just(wire_form(request_path)),
            st.binary(max_size=60).map(lambda b: b"/" + b),
        )
    )
    messages, framing, notes = draw(body_messages())
    scope_headers = draw(headers) + framing
    if draw(st.integers(0, 9)) == 5:
        scope_headers += draw(duplicate_headers)
        notes.append("duplicates")
    server_error = False
    if draw(st.integers(0, 19)) == 5:
        method = draw(non_token_methods)
        server_error = True
        notes.append("non-token method")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": draw(st.sampled_from(["2.0", "2.3", "2.4"]))},
        "http_version": draw(st.sampled_from(["1.0", "1.1", "2"])),
        "method": method,
        "scheme": draw(st.sampled_from(["http", "https"])),
        "path": request_path,
        "query_string": draw(query),
        "root_path": draw(st.sampled_from(["", "", "/api", "/static"])),
        "headers": scope_headers,
        "client": draw(
            st.one_of(st.none(), st.tuples(st.sampled_from(["127.0.0.1", "::1", "10.0.0.1"]), st.integers(0, 65535)))
        ),
        "server": draw(st.one_of(st.none(), st.tuples(st.sampled_from(["127.0.0.1", "::1"]), st.integers(1, 65535)))),
    }
    if raw is not None:
        scope["raw_path"] = raw
    if draw(st.integers(0, 7)) == 5:
        messages.insert(draw(st.integers(0, len(messages))), draw(st.sampled_from(GARBAGE)))
        server_error = True
        notes.append("garbage from receive()")
    return Case(scope, messages, draw(st.sampled_from(["leave", "wait", "wait"])), server_error, notes)


@st.composite
def websocket_cases(draw: st.DrawFn) -> Case:
    request_path = draw(st.one_of(st.just("/ws"), st.just("/faults/ws/k"), random_path))
    messages: list[Any] = []
    if draw(st.integers(0, 9)) != 5:
        messages.append({"type": "websocket.connect"})
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["text", "bytes", "both", "neither", "huge"]))
        if kind == "text":
            messages.append({"type": "websocket.receive", "text": draw(st.text(max_size=50))})
        elif kind == "bytes":
            messages.append({"type": "websocket.receive", "bytes": draw(st.binary(max_size=50))})
        elif kind == "both":
            messages.append({"type": "websocket.receive", "text": "t", "bytes": b"b"})
        elif kind == "neither":
            messages.append({"type": "websocket.receive"})
        else:
            messages.append({"type": "websocket.receive", "bytes": b"h" * (2**20 + 1)})
    if draw(st.booleans()):
        messages.append({"type": "websocket.disconnect", "code": draw(st.sampled_from([1000, 1001, 1006, 4000]))})
    server_error = False
    notes: list[str] = []
    if draw(st.integers(0, 7)) == 5:
        messages.insert(
            draw(st.integers(0, len(messages))), draw(st.sampled_from([*GARBAGE, {"type": "http.request"}]))
        )
        server_error = True
        notes.append("garbage from receive()")
    elif messages and messages[0].get("type") != "websocket.connect":
        server_error = True  # the spec's first message is websocket.connect
        notes.append("no websocket.connect first")
    scope: dict[str, Any] = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": draw(st.sampled_from(["ws", "wss"])),
        "path": request_path,
        "raw_path": wire_form(request_path),
        "query_string": draw(st.binary(max_size=30)),
        "root_path": "",
        "headers": draw(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "subprotocols": draw(st.lists(st.text(max_size=8), max_size=3)),
        "extensions": draw(st.sampled_from([{}, {"websocket.http.response": {}}])),
    }
    return Case(scope, messages, draw(st.sampled_from(["leave", "wait"])), server_error, notes)


# ---------------------------------------------------------------------------
# Running one conversation
# ---------------------------------------------------------------------------
@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    protocol_errors: Counter[str] = field(default_factory=Counter)
    server_5xx: list[str] = field(default_factory=list)
    sanic_5xx: Counter[str] = field(default_factory=Counter)
    errors: list[logging.LogRecord] = field(default_factory=list)
    # Counted by the spec checker, not assumed: every message of every case,
    # and the cases with a message the ASGI spec does not allow there.
    messages_checked: int = 0
    invalid_sequences: int = 0


BAD_HEADER_BYTES = (b"\r", b"\n", b"\x00")


async def converse(asgi: ASGIApp, case: Case, tally: Tally) -> None:
    scope = case.scope
    checker: HTTPChecker | WebSocketChecker = HTTPChecker(scope) if scope["type"] == "http" else WebSocketChecker(scope)
    violations: list[str] = []
    script = list(case.messages)
    answered = asyncio.Event()
    gone = {"http": {"type": "http.disconnect"}, "websocket": {"type": "websocket.disconnect", "code": 1006}}[
        scope["type"]
    ]

    async def receive() -> Any:
        if script:
            message = script.pop(0)
        else:
            if case.ending == "wait":
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(answered.wait(), PATIENCE)
            message = dict(gone)
        if isinstance(message, dict):
            tally.messages_checked += 1
            checker.on_receive(message)
        return message

    async def send(message: Any) -> None:
        tally.messages_checked += 1
        try:
            checker.on_send(message)
        except ASGIViolation as exc:
            violations.append(str(exc))
            raise
        for name, value in message.get("headers") or ():
            if any(bad in name or bad in value for bad in BAD_HEADER_BYTES):
                violations.append(f"header injection: {name!r}: {value!r}")
        if checker.complete:
            answered.set()

    before = asyncio.all_tasks()
    tally.errors.clear()
    try:
        await asyncio.wait_for(asgi(scope, receive, send), CASE_TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError(f"the adapter hung on {case}") from None
    except ProtocolError as exc:
        if not case.server_error:
            raise AssertionError(f"ProtocolError for a client-caused problem: {exc!r} in {case}") from exc
        tally.protocol_errors[type(exc).__name__] += 1
    except Exception as exc:
        if case.server_error:
            raise AssertionError(f"a server error should raise a ProtocolError, got {exc!r} for {case}") from exc
        raise AssertionError(f"raised {exc!r} out of __call__ for client input {case}") from exc
    for _ in range(5):
        await asyncio.sleep(0)
    leaked = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert not leaked, f"tasks outlived the conversation: {leaked} ({case})"
    if violations:
        tally.invalid_sequences += 1
    assert not violations, f"{violations} for {case}"
    assert asgi.runtime.inflight == 0
    if isinstance(checker, HTTPChecker):
        peer_left_first = not checker.complete and (case.ending == "leave" or checker.disconnected)
        if not case.server_error and not peer_left_first:
            assert checker.complete, f"no complete answer (state {checker.state}) for {case}"
        status = checker.status
        tally.statuses[str(status) if status else "none (client left)"] += 1
        assert SECRET_MARKER.encode() not in checker.body
        if status is not None and status >= 500 and not case.server_error:
            reason = sanic_5xx(case, checker, tally.errors)
            if reason is None:
                cause = ""
                if tally.errors:
                    record = tally.errors[-1]
                    cause = logging.Formatter().formatException(record.exc_info) if record.exc_info else record.msg
                tally.server_5xx.append(f"{status} for {case}\ncaused by: {cause}")
            else:
                tally.sanic_5xx[reason] += 1
    else:
        if not case.server_error:
            assert checker.complete or case.ending == "wait", f"websocket left {checker.state} for {case}"
        tally.statuses[f"ws:{checker.state}:{checker.close_code}"] += 1
    tally.cases["server error (garbage)" if case.server_error else "client-caused"] += 1


def sanic_5xx(case: Case, checker: HTTPChecker, errors: list[logging.LogRecord]) -> str | None:
    """Why a 5xx answer to client input is Sanic's own doing (its server
    answers the same request the same way, checked by hand with Sanic's own
    server), or None."""
    scope = case.scope
    target = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    if b"/raise" in target:
        return "the handler raises by design"
    # Sanic's answer when rendering the error page raised (it parses Accept
    # to pick the format); a HEAD answer only shows its length.
    second_error = b"An error occurred while handling an error"
    if (
        checker.body == second_error
        or (checker.method == "HEAD" and (b"content-length", str(len(second_error)).encode()) in checker.headers)
    ) and any(name == b"accept" for name, _ in scope["headers"]):
        return "error page for a malformed Accept header"
    # Sanic's static handler lets pathlib's errors through as a 500: a NUL
    # byte (ValueError: embedded null byte), a path under a file
    # (NotADirectoryError).
    exc = errors[-1].exc_info[1] if errors and errors[-1].exc_info else None
    if b"/static" in target and (
        isinstance(exc, NotADirectoryError) or (isinstance(exc, ValueError) and "null byte" in str(exc))
    ):
        return f"static file path: {type(exc).__name__}"
    return None


@contextlib.contextmanager
def quiet() -> Iterator[list[logging.LogRecord]]:
    """Keep the thousands of error logs out of the output, but keep Sanic's
    error records: an unexplained 5xx is reported with the exception behind it."""
    names = ("sanic.root", "sanic.error", "sanic.access", "sanic.websockets", "sanic_asgi", "sanic.server")
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).propagate) for name in names}
    records: list[logging.LogRecord] = []
    recorder = logging.Handler(logging.ERROR)
    recorder.emit = records.append  # type: ignore[method-assign]
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    error = logging.getLogger("sanic.error")
    handlers = error.handlers[:]
    error.setLevel(logging.ERROR)
    error.propagate = False
    error.handlers = [recorder]
    try:
        yield records
    finally:
        error.handlers = handlers
        for name, (level, propagate) in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).propagate = propagate


def run_property(figures: Figures, strategy: st.SearchStrategy[Case], label: str) -> Tally:
    scale = figures.scale
    loop = asyncio.new_event_loop()
    loop_errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda loop, context: loop_errors.append(context))
    asgi = ASGIApp(build(f"hostile_{label}_{scale.name}", {"REQUEST_MAX_SIZE": MAX_SIZE, "WEBSOCKET_MAX_SIZE": 2**20}))
    tally = Tally()

    @settings(
        max_examples=scale.hostile_examples,
        deadline=None,
        derandomize=scale is DEFAULT,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(case=strategy)
    def conversation(case: Case) -> None:
        loop.run_until_complete(converse(asgi, case, tally))

    try:
        with quiet() as tally.errors:
            loop.run_until_complete(asgi.runtime.start())
            conversation()
            loop.run_until_complete(asgi.runtime.stop())
        gc.collect()
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    assert not loop_errors, loop_errors[:3]
    return tally


@pytest.mark.timeout(300)
def test_hostile_http_conversations(figures: Figures) -> None:
    tally = run_property(figures, http_cases(), "http")
    print("statuses:", dict(tally.statuses), "protocol errors:", dict(tally.protocol_errors))
    print("5xx Sanic's own server gives too:", dict(tally.sanic_5xx))
    figures.record(
        "hostile",
        "http scopes and message sequences",
        tried=sum(tally.cases.values()),
        client_caused=tally.cases["client-caused"],
        server_errors=tally.cases["server error (garbage)"],
        protocol_errors_raised=sum(tally.protocol_errors.values()),
        status_413=tally.statuses["413"],
        sanic_own_5xx=sum(tally.sanic_5xx.values()),
        adapter_5xx=len(tally.server_5xx),
        messages_checked=tally.messages_checked,
        invalid_sequences=tally.invalid_sequences,
    )
    # Every client-caused case gets an answer: a start and a body at least.
    assert tally.messages_checked >= 2 * tally.cases["client-caused"], "the spec checker saw too few messages"
    assert tally.invalid_sequences == 0, f"{tally.invalid_sequences} cases broke the ASGI message order"
    # Every 5xx answer to client input must be one Sanic's own server gives
    # to the same request (sanic_5xx lists them, with the reason).
    assert not tally.server_5xx, tally.server_5xx[:5]


@pytest.mark.timeout(300)
def test_hostile_websocket_conversations(figures: Figures) -> None:
    tally = run_property(figures, websocket_cases(), "ws")
    print("outcomes:", dict(tally.statuses), "protocol errors:", dict(tally.protocol_errors))
    figures.record(
        "hostile",
        "websocket scopes and message sequences",
        tried=sum(tally.cases.values()),
        client_caused=tally.cases["client-caused"],
        server_errors=tally.cases["server error (garbage)"],
        protocol_errors_raised=sum(tally.protocol_errors.values()),
        messages_checked=tally.messages_checked,
        invalid_sequences=tally.invalid_sequences,
    )
    # Every client-caused case gets an answer: an accept or a close at least.
    assert tally.messages_checked >= tally.cases["client-caused"], "the spec checker saw too few messages"
    assert tally.invalid_sequences == 0, f"{tally.invalid_sequences} cases broke the ASGI message order"


# ---------------------------------------------------------------------------
# Deterministic cases: oversized bodies, and server errors with a known answer
# ---------------------------------------------------------------------------
LIMIT = 4096


@pytest.fixture
async def limited() -> AsyncIterator[FakeServer]:
    """The reliability app with ``REQUEST_MAX_SIZE = 4096``."""
    server = FakeServer(ASGIApp(build(f"limited_{uuid.uuid4().hex[:8]}", {"REQUEST_MAX_SIZE": LIMIT})))
    life = await server.startup()
    yield server
    await server.shutdown(life)


def body_messages_read(conn: Connection) -> int:
    return sum(1 for m in conn.received if isinstance(m, dict) and m.get("type") == "http.request")


# Only for routes that have Sanic buffer the body: for ``stream=True`` routes
# Sanic lifts REQUEST_MAX_SIZE (``handle_request`` sets it to infinity, the
# handler reads at its own pace and decides), and so does the adapter.
@pytest.mark.parametrize(("method", "path"), [("POST", "/echo"), ("GET", "/gen/1")])
async def test_a_declared_oversized_body_is_refused_before_any_of_it_is_read(
    limited: FakeServer, method: str, path: str, figures: Figures
) -> None:
    conn = limited.http(method, path, headers=[(b"content-length", b"1000000000000")])
    for _ in range(50):
        conn.push({"type": "http.request", "body": b"x" * 1000, "more_body": True})
    await conn.finish()
    assert conn.status == 413
    assert body_messages_read(conn) == 0
    figures.record("limits", f"content-length 1 TB: {method} {path}", status=413, body_messages_read=0)


@pytest.mark.parametrize(("method", "path"), [("POST", "/echo"), ("GET", "/gen/1")])
async def test_a_body_of_unknown_length_is_refused_as_soon_as_it_is_too_big(
    limited: FakeServer, method: str, path: str, figures: Figures
) -> None:
    conn = limited.http(method, path, headers=[(b"transfer-encoding", b"chunked")])
    for _ in range(100):
        conn.push({"type": "http.request", "body": b"x" * 1000, "more_body": True})
    await conn.finish()
    assert conn.status == 413
    read = body_messages_read(conn)
    # 4096 bytes allowed: the fifth 1000-byte chunk crosses the limit.
    assert read == LIMIT // 1000 + 1, read
    figures.record("limits", f"chunked 100 kB, limit 4 kB: {method} {path}", status=413, body_messages_read=read)


async def test_garbage_from_receive_after_the_body_is_logged_not_lost(
    limited: FakeServer, caplog: pytest.LogCaptureFixture, loop_errors: list[Any]
) -> None:
    """The disconnect watcher reads receive() in a task of its own: a server
    that hands it a non-message must not end that task with an exception
    nobody retrieves; the request still completes."""
    conn = limited.http("GET", "/faults/slow/garbage", query_string=b"seconds=0.1")
    conn.push({"type": "http.request"}, None)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        await conn.finish()
        gc.collect()
        await asyncio.sleep(0)
    conn.checker.assert_complete()
    assert conn.status == 200
    assert "UnexpectedMessage: expected 'http.disconnect', got None" in caplog.text
    assert not loop_errors


@pytest.mark.parametrize("first", [None, 42, {"type": "websocket.receive", "text": "x"}, {}])
async def test_a_websocket_that_does_not_start_with_connect_raises_unexpected_message(
    limited: FakeServer, first: Any
) -> None:
    conn = limited.websocket("/ws", connect=False)
    conn.push(first)
    with pytest.raises(UnexpectedMessage, match=r"expected 'websocket\.connect' as the first message"):
        await conn.finish()
    assert conn.sent == []


async def test_head_for_a_target_sanic_refuses_gets_an_error_page_without_a_body(limited: FakeServer) -> None:
    """Found by the property test: the 400 page for a bad URL must obey HEAD
    like every other answer (Sanic's Http sets head_only before it builds the
    Request)."""
    conn = limited.http("HEAD", "/", raw_path=b"/\x00")
    conn.push({"type": "http.request"})
    await conn.finish()
    conn.checker.assert_complete()
    assert conn.status == 400
    assert conn.body == b""
