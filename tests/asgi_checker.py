"""Check the messages an ASGI application sends against the ASGI spec.

One small state machine per scope type.  Feed it every message the
application sends (``on_send``) and every message the server delivered
(``on_receive``); it raises ``ASGIViolation`` (an ``AssertionError``) at the
first message that is not valid at that point, so the failing test points at
the offending ``send()``, not at a summary afterwards.  ``assert_complete()``
then checks that the conversation was brought to its end.

The rules are those of the ASGI HTTP & WebSocket spec 2.4 and the lifespan
spec 2.0:

http
    exactly one ``http.response.start`` before any ``http.response.body``;
    ``status`` an ``int``; ``headers`` an iterable of ``(bytes, bytes)`` with
    lowercase names; ``body`` bytes and ``more_body`` bool; nothing after
    the body message with ``more_body=False``.  On top of the spec (these are
    sanic-asgi's framing promises, checked with ``framing=True``): no
    ``transfer-encoding`` header (chunking is the server's job); no body on
    1xx/204/304 answers or on HEAD; when ``content-length`` is declared the
    body never exceeds it and, once complete, matches it.
    Extensions, each only when the scope advertises it: ``early_hint``
    before the start, ``push`` while the response is open, ``pathsend`` as
    the end of the body, ``trailers`` after the body when the start said
    ``trailers=True``.
websocket
    before the handshake completes: ``websocket.accept``, ``websocket.close``
    or (only with the ``websocket.http.response`` extension) a denial response
    ``websocket.http.response.start`` + ``...body`` messages; after accept:
    ``websocket.send`` with exactly one of ``text`` (str) / ``bytes`` (bytes),
    or ``websocket.close`` with an int ``code``; nothing after the close.
lifespan
    ``lifespan.startup.complete``/``.failed`` only in answer to
    ``lifespan.startup``, ``lifespan.shutdown.complete``/``.failed`` only in
    answer to ``lifespan.shutdown``; ``message`` a str on failures; nothing
    after a ``.failed`` or after the shutdown answer.

Usage::

    checker = checker_for(scope)
    ...
    checker.on_receive(message)   # what the server handed to receive()
    checker.on_send(message)      # what the app passed to send()
    ...
    checker.assert_complete()
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Union

__all__ = [
    "ASGIViolation",
    "HTTPChecker",
    "LifespanChecker",
    "WebSocketChecker",
    "checker_for",
]

Message = Mapping[str, Any]


class ASGIViolation(AssertionError):
    """The application sent a message the ASGI spec does not allow here."""


def _fail(text: str, message: Message | None = None) -> None:
    if message is not None:
        text = f"{text}; message: {dict(message)!r:.300}"
    raise ASGIViolation(text)


def _check_headers(message: Message, *, where: str) -> list[tuple[bytes, bytes]]:
    headers = message.get("headers", [])
    if isinstance(headers, (bytes, str)) or not isinstance(headers, Iterable):
        _fail(f"{where}: headers must be an iterable of [name, value] pairs", message)
    pairs: list[tuple[bytes, bytes]] = []
    for pair in headers:
        if isinstance(pair, (bytes, str)) or len(pair) != 2:
            _fail(f"{where}: each header must be a [name, value] pair, got {pair!r}", message)
        name, value = pair
        if not isinstance(name, bytes) or not isinstance(value, bytes):
            _fail(f"{where}: header name and value must be bytes, got {pair!r}", message)
        if name != name.lower():
            _fail(f"{where}: header names must be lowercase, got {name!r}", message)
        pairs.append((name, value))
    return pairs


def _check_status(message: Message, *, where: str) -> int:
    status = message.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        _fail(f"{where}: status must be an int", message)
    if not 100 <= status <= 599:
        _fail(f"{where}: status {status} is not an HTTP status code", message)
    return status


def _check_body(message: Message, *, where: str) -> tuple[bytes, bool]:
    body = message.get("body", b"")
    more_body = message.get("more_body", False)
    if not isinstance(body, bytes):
        _fail(f"{where}: body must be bytes", message)
    if not isinstance(more_body, bool):
        _fail(f"{where}: more_body must be a bool", message)
    return body, more_body


class HTTPChecker:
    """The ``http`` scope: response start, then body messages, then nothing
    (or the trailers, when the start announced them)."""

    def __init__(self, scope: Mapping[str, Any] | None = None, *, framing: bool = True) -> None:
        scope = scope or {}
        self.method: str = scope.get("method", "GET")
        self.extensions: Mapping[str, Any] = scope.get("extensions") or {}
        self.framing = framing
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""
        self.state = "start"  # start -> body -> [trailers ->] done
        self.declared_length: int | None = None
        self.trailers_declared = False
        self.trailers: list[tuple[bytes, bytes]] = []
        self.early_hints: list[list[bytes]] = []
        self.pushes: list[str] = []
        self.pathsend: str | None = None
        self.disconnected = False

    def on_receive(self, message: Message) -> None:
        # Malformed messages are delivered on purpose by tests of the app's
        # error handling: only note the disconnect.
        if message.get("type") == "http.disconnect":
            self.disconnected = True

    def _require_extension(self, kind: str, message: Message) -> None:
        if kind not in self.extensions:
            _fail(f"{kind} without the {kind!r} extension in the scope", message)

    def on_send(self, message: Message) -> None:
        kind = message.get("type")
        if self.state == "done":
            _fail(f"{kind!r} sent after the response was complete", message)
        if kind == "http.response.start":
            if self.state != "start":
                _fail("a second http.response.start", message)
            self.status = _check_status(message, where=kind)
            self.headers = _check_headers(message, where=kind)
            trailers = message.get("trailers", False)
            if not isinstance(trailers, bool):
                _fail("http.response.start: trailers must be a bool", message)
            if trailers:
                self._require_extension("http.response.trailers", message)
            self.trailers_declared = trailers
            if self.framing:
                self._check_framing_headers(message)
            self.state = "body"
        elif kind == "http.response.body":
            if self.state == "trailers":
                _fail("http.response.body after the body ended", message)
            if self.state != "body":
                _fail("http.response.body before http.response.start", message)
            body, more_body = _check_body(message, where=kind)
            self.body += body
            if self.framing:
                self._check_framing_body(message, more_body)
            if not more_body:
                self.state = "trailers" if self.trailers_declared else "done"
        elif kind == "http.response.pathsend":
            # ASGI extension: the server sends the file; it ends the body.
            self._require_extension(kind, message)
            if self.state != "body":
                _fail("http.response.pathsend outside the body", message)
            path = message.get("path")
            if not isinstance(path, str) or not path.startswith("/"):
                _fail("http.response.pathsend: path must be an absolute path (str)", message)
            self.pathsend = path
            self.state = "trailers" if self.trailers_declared else "done"
        elif kind == "http.response.trailers":
            if not self.trailers_declared:
                _fail("http.response.trailers without trailers=True in http.response.start", message)
            if self.state != "trailers":
                _fail("http.response.trailers before the body ended", message)
            self.trailers += _check_headers(message, where=kind)
            more = message.get("more_trailers", False)
            if not isinstance(more, bool):
                _fail("http.response.trailers: more_trailers must be a bool", message)
            if not more:
                self.state = "done"
        elif kind == "http.response.early_hint":
            self._require_extension(kind, message)
            if self.state != "start":
                _fail("http.response.early_hint after http.response.start", message)
            links = message.get("links")
            if not isinstance(links, list) or not all(isinstance(link, bytes) for link in links):
                _fail("http.response.early_hint: links must be a list of bytes", message)
            self.early_hints.append(links)
        elif kind == "http.response.push":
            self._require_extension(kind, message)
            path = message.get("path")
            if not isinstance(path, str):
                _fail("http.response.push: path must be a str", message)
            _check_headers(message, where=kind)
            self.pushes.append(path)
        else:
            _fail(f"an http app may not send {kind!r}", message)

    def _check_framing_headers(self, message: Message) -> None:
        names = [name for name, _ in self.headers]
        if b"transfer-encoding" in names:
            _fail("transfer-encoding must be left to the server", message)
        lengths = [value for name, value in self.headers if name == b"content-length"]
        if len(lengths) > 1:
            _fail("more than one content-length header", message)
        if lengths:
            if not lengths[0].isdigit():
                _fail(f"content-length {lengths[0]!r} is not a number", message)
            self.declared_length = int(lengths[0])
        if self.status in (204, 304) and lengths:
            _fail(f"a {self.status} answer must not declare a content-length", message)

    @property
    def no_body(self) -> bool:
        return self.method == "HEAD" or self.status in (204, 304) or (self.status or 200) < 200

    def _check_framing_body(self, message: Message, more_body: bool) -> None:
        if self.no_body and self.body:
            _fail(f"a body on a {self.method} {self.status} answer", message)
        if self.no_body or self.declared_length is None:
            return
        if len(self.body) > self.declared_length:
            _fail(f"body of {len(self.body)} bytes exceeds content-length {self.declared_length}", message)
        if not more_body and len(self.body) != self.declared_length:
            _fail(f"body of {len(self.body)} bytes ends short of content-length {self.declared_length}", message)

    @property
    def complete(self) -> bool:
        return self.state == "done"

    def assert_complete(self) -> None:
        if self.state != "done":
            _fail(f"the response is incomplete (state {self.state!r})")


class WebSocketChecker:
    """The ``websocket`` scope: handshake answer, messages, one close."""

    def __init__(self, scope: Mapping[str, Any] | None = None) -> None:
        scope = scope or {}
        self.extensions: Mapping[str, Any] = scope.get("extensions") or {}
        self.subprotocols: list[str] = list(scope.get("subprotocols") or ())
        # connecting -> open -> closed | connecting -> denying -> denied | connecting -> closed
        self.state = "connecting"
        self.connected = False
        self.accepted_subprotocol: str | None = None
        self.close_code: int | None = None
        self.close_reason = ""
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""
        self.sent_messages: list[str | bytes] = []
        self.peer_gone = False

    def on_receive(self, message: Message) -> None:
        kind = message.get("type")
        # Out-of-order messages are delivered on purpose by tests of the
        # app's error handling: only note what happened.
        if kind == "websocket.connect":
            self.connected = True
        elif kind == "websocket.disconnect":
            self.peer_gone = True

    def on_send(self, message: Message) -> None:
        kind = message.get("type")
        if self.state in ("closed", "denied"):
            _fail(f"{kind!r} sent after the websocket was {self.state}", message)
        if kind == "websocket.accept":
            if self.state != "connecting":
                _fail("websocket.accept twice or after a denial started", message)
            subprotocol = message.get("subprotocol")
            if subprotocol is not None:
                if not isinstance(subprotocol, str):
                    _fail("websocket.accept: subprotocol must be a str or None", message)
                if subprotocol not in self.subprotocols:
                    _fail(f"websocket.accept: subprotocol {subprotocol!r} was not offered", message)
            _check_headers(message, where=kind)
            self.accepted_subprotocol = subprotocol
            self.state = "open"
        elif kind == "websocket.send":
            if self.state != "open":
                _fail("websocket.send before websocket.accept", message)
            text, data = message.get("text"), message.get("bytes")
            if (text is None) == (data is None):
                _fail("websocket.send needs exactly one of text and bytes", message)
            if text is not None and not isinstance(text, str):
                _fail("websocket.send: text must be a str", message)
            if data is not None and not isinstance(data, bytes):
                _fail("websocket.send: bytes must be bytes", message)
            self.sent_messages.append(text if text is not None else data)
        elif kind == "websocket.close":
            if self.state == "denying":
                _fail("websocket.close in the middle of a denial response", message)
            code = message.get("code", 1000)
            if not isinstance(code, int) or isinstance(code, bool):
                _fail("websocket.close: code must be an int", message)
            reason = message.get("reason") or ""
            if not isinstance(reason, str):
                _fail("websocket.close: reason must be a str", message)
            self.close_code, self.close_reason = code, reason
            self.state = "closed"
        elif kind == "websocket.http.response.start":
            if "websocket.http.response" not in self.extensions:
                _fail("websocket.http.response.start without the websocket.http.response extension", message)
            if self.state != "connecting":
                _fail("websocket.http.response.start after the handshake was answered", message)
            self.status = _check_status(message, where=kind)
            self.headers = _check_headers(message, where=kind)
            self.state = "denying"
        elif kind == "websocket.http.response.body":
            if self.state != "denying":
                _fail("websocket.http.response.body without a response start", message)
            body, more_body = _check_body(message, where=kind)
            self.body += body
            if not more_body:
                self.state = "denied"
        else:
            _fail(f"a websocket app may not send {kind!r}", message)

    @property
    def complete(self) -> bool:
        return self.state in ("closed", "denied") or (self.peer_gone and self.state != "denying")

    def assert_complete(self) -> None:
        if not self.complete:
            _fail(f"the websocket was left {self.state!r}: no close and no complete denial")


class LifespanChecker:
    """The ``lifespan`` scope: one answer per event, in order."""

    _ANSWERS = {
        "lifespan.startup": ("lifespan.startup.complete", "lifespan.startup.failed"),
        "lifespan.shutdown": ("lifespan.shutdown.complete", "lifespan.shutdown.failed"),
    }

    def __init__(self, scope: Mapping[str, Any] | None = None) -> None:
        self.pending: str | None = None  # the event awaiting an answer
        self.answers: list[str] = []
        self.finished = False

    def on_receive(self, message: Message) -> None:
        kind = message.get("type")
        if kind not in self._ANSWERS:
            # Out-of-order and unknown events are delivered on purpose by tests
            # of the app's error handling; nothing to check on our side.
            return
        self.pending = kind

    def on_send(self, message: Message) -> None:
        kind = message.get("type")
        if self.finished:
            _fail(f"{kind!r} sent after the lifespan conversation ended", message)
        if self.pending is None or kind not in self._ANSWERS[self.pending]:
            _fail(f"{kind!r} is not an answer to {self.pending or 'nothing'!r}", message)
        if kind.endswith(".failed") and not isinstance(message.get("message", ""), str):
            _fail(f"{kind}: message must be a str", message)
        self.answers.append(kind)
        self.pending = None
        if kind.endswith(".failed") or kind.startswith("lifespan.shutdown"):
            self.finished = True

    @property
    def complete(self) -> bool:
        return self.pending is None

    def assert_complete(self) -> None:
        if self.pending is not None:
            _fail(f"{self.pending!r} was never answered")


Checker = Union[HTTPChecker, WebSocketChecker, LifespanChecker]


def checker_for(scope: Mapping[str, Any]) -> Checker:
    """The checker for ``scope["type"]``."""
    kind = scope.get("type")
    if kind == "http":
        return HTTPChecker(scope)
    if kind == "websocket":
        return WebSocketChecker(scope)
    if kind == "lifespan":
        return LifespanChecker(scope)
    raise ValueError(f"no checker for scope type {kind!r}")
