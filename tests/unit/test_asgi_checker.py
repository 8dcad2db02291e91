"""The checker that every unit test relies on must itself catch violations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.asgi_checker import ASGIViolation, HTTPChecker, LifespanChecker, WebSocketChecker, checker_for

START = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}


def body(data: bytes = b"", more: bool = False) -> dict[str, Any]:
    return {"type": "http.response.body", "body": data, "more_body": more}


def feed(checker: Any, *messages: dict[str, Any]) -> None:
    for message in messages:
        checker.on_send(message)


def test_http_valid_sequences() -> None:
    checker = HTTPChecker({"method": "GET"})
    feed(checker, START, body(b"a", True), body(b"b", True), body())
    checker.assert_complete()
    assert checker.body == b"ab"
    assert checker.status == 200

    head = HTTPChecker({"method": "HEAD"})
    feed(head, {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]}, body())
    head.assert_complete()


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([body(b"x")], "before http.response.start"),
        ([START, START], "a second http.response.start"),
        ([START, body(), body()], "after the response was complete"),
        ([{"type": "http.response.start", "status": "200", "headers": []}], "status must be an int"),
        ([{"type": "http.response.start", "status": True, "headers": []}], "status must be an int"),
        ([{"type": "http.response.start", "status": 42, "headers": []}], "not an HTTP status code"),
        ([{"type": "http.response.start", "status": 200, "headers": [("a", "b")]}], "must be bytes"),
        ([{"type": "http.response.start", "status": 200, "headers": [(b"A", b"b")]}], "lowercase"),
        ([{"type": "http.response.start", "status": 200, "headers": [(b"a",)]}], "pair"),
        ([{"type": "http.response.start", "status": 200, "headers": b"a: b"}], "iterable"),
        ([{"type": "http.response.start", "status": 200, "trailers": "no"}], "trailers must be a bool"),
        ([START, {"type": "http.response.body", "body": "text"}], "body must be bytes"),
        ([START, {"type": "http.response.body", "body": b"", "more_body": 1}], "more_body must be a bool"),
        ([{"type": "http.response.zerocopysend"}], "may not send 'http.response.zerocopysend'"),
        (
            [{"type": "http.response.start", "status": 200, "headers": [(b"transfer-encoding", b"chunked")]}],
            "left to the server",
        ),
        (
            [{"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")] * 2}],
            "more than one content-length",
        ),
        ([{"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"x")]}], "not a number"),
        (
            [{"type": "http.response.start", "status": 204, "headers": [(b"content-length", b"0")]}],
            "must not declare a content-length",
        ),
        ([{"type": "http.response.start", "status": 304, "headers": []}, body(b"x")], "a body on a GET 304"),
        (
            [{"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}, body(b"xx")],
            "exceeds content-length",
        ),
        (
            [{"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"3")]}, body(b"xx")],
            "ends short of content-length",
        ),
    ],
)
def test_http_violations(messages: list[dict[str, Any]], error: str) -> None:
    checker = HTTPChecker({"method": "GET"})
    with pytest.raises(ASGIViolation, match=error):
        feed(checker, *messages)


def test_http_incomplete() -> None:
    checker = HTTPChecker()
    feed(checker, START, body(b"x", True))
    with pytest.raises(ASGIViolation, match="incomplete"):
        checker.assert_complete()
    checker.on_receive({"type": "http.disconnect"})
    assert checker.disconnected


def test_http_framing_can_be_switched_off() -> None:
    checker = HTTPChecker({"method": "HEAD"}, framing=False)
    feed(checker, START, body(b"a body on HEAD"))
    checker.assert_complete()


def test_websocket_valid_sequences() -> None:
    checker = WebSocketChecker({"subprotocols": ["chat"]})
    checker.on_receive({"type": "websocket.connect"})
    feed(
        checker,
        {"type": "websocket.accept", "subprotocol": "chat"},
        {"type": "websocket.send", "text": "t"},
        {"type": "websocket.send", "bytes": b"b"},
        {"type": "websocket.close", "code": 4000, "reason": "bye"},
    )
    checker.assert_complete()
    assert checker.sent_messages == ["t", b"b"]
    assert (checker.close_code, checker.close_reason) == (4000, "bye")

    denial = WebSocketChecker({"extensions": {"websocket.http.response": {}}})
    feed(
        denial,
        {"type": "websocket.http.response.start", "status": 403, "headers": []},
        {"type": "websocket.http.response.body", "body": b"no", "more_body": True},
        {"type": "websocket.http.response.body", "body": b"!"},
    )
    denial.assert_complete()
    assert denial.body == b"no!"

    gone = WebSocketChecker()
    feed(gone, {"type": "websocket.accept"})
    gone.on_receive({"type": "websocket.disconnect", "code": 1001})
    gone.assert_complete()


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([{"type": "websocket.send", "text": "x"}], "before websocket.accept"),
        ([{"type": "websocket.accept"}, {"type": "websocket.accept"}], "accept twice"),
        ([{"type": "websocket.accept", "subprotocol": "nope"}], "was not offered"),
        ([{"type": "websocket.accept", "subprotocol": 1}], "must be a str or None"),
        ([{"type": "websocket.accept"}, {"type": "websocket.send"}], "exactly one of text and bytes"),
        ([{"type": "websocket.accept"}, {"type": "websocket.send", "text": "a", "bytes": b"b"}], "exactly one"),
        ([{"type": "websocket.accept"}, {"type": "websocket.send", "text": b"a"}], "text must be a str"),
        ([{"type": "websocket.accept"}, {"type": "websocket.send", "bytes": "a"}], "bytes must be bytes"),
        ([{"type": "websocket.close", "code": "1000"}], "code must be an int"),
        ([{"type": "websocket.close", "reason": 5}], "reason must be a str"),
        ([{"type": "websocket.close"}, {"type": "websocket.close"}], "after the websocket was closed"),
        ([{"type": "websocket.http.response.start", "status": 403}], "without the websocket.http.response extension"),
        ([{"type": "websocket.http.response.body", "body": b""}], "without a response start"),
        ([{"type": "http.response.start"}], "may not send"),
    ],
)
def test_websocket_violations(messages: list[dict[str, Any]], error: str) -> None:
    checker = WebSocketChecker({"subprotocols": ["chat"]})
    with pytest.raises(ASGIViolation, match=error):
        feed(checker, *messages)


def test_websocket_denial_violations() -> None:
    scope = {"extensions": {"websocket.http.response": {}}}
    start = {"type": "websocket.http.response.start", "status": 403, "headers": []}
    for second, error in [
        ({"type": "websocket.close"}, "in the middle of a denial"),
        ({"type": "websocket.accept"}, "after a denial started"),
        (start, "after the handshake was answered"),
    ]:
        checker = WebSocketChecker(scope)
        with pytest.raises(ASGIViolation, match=error):
            feed(checker, start, second)
    checker = WebSocketChecker(scope)
    feed(checker, start)
    with pytest.raises(ASGIViolation, match="left 'denying'"):
        checker.assert_complete()


def test_lifespan_sequences() -> None:
    checker = LifespanChecker()
    checker.on_receive({"type": "lifespan.startup"})
    feed(checker, {"type": "lifespan.startup.complete"})
    checker.on_receive({"type": "lifespan.shutdown"})
    with pytest.raises(ASGIViolation, match="never answered"):
        checker.assert_complete()
    feed(checker, {"type": "lifespan.shutdown.complete"})
    checker.assert_complete()
    with pytest.raises(ASGIViolation, match="after the lifespan conversation ended"):
        feed(checker, {"type": "lifespan.shutdown.complete"})

    early = LifespanChecker()
    with pytest.raises(ASGIViolation, match="not an answer to 'nothing'"):
        feed(early, {"type": "lifespan.startup.complete"})

    wrong = LifespanChecker()
    wrong.on_receive({"type": "lifespan.startup"})
    with pytest.raises(ASGIViolation, match=r"not an answer to 'lifespan\.startup'"):
        feed(wrong, {"type": "lifespan.shutdown.complete"})

    failed = LifespanChecker()
    failed.on_receive({"type": "lifespan.startup"})
    with pytest.raises(ASGIViolation, match="message must be a str"):
        feed(failed, {"type": "lifespan.startup.failed", "message": 1})


def test_checker_for() -> None:
    assert isinstance(checker_for({"type": "http"}), HTTPChecker)
    assert isinstance(checker_for({"type": "websocket"}), WebSocketChecker)
    assert isinstance(checker_for({"type": "lifespan"}), LifespanChecker)
    with pytest.raises(ValueError, match="no checker"):
        checker_for({"type": "other"})


EXTENSIONS = {
    "extensions": {
        "http.response.trailers": {},
        "http.response.early_hint": {},
        "http.response.push": {},
        "http.response.pathsend": {},
    }
}


def test_http_extension_messages() -> None:
    checker = HTTPChecker(EXTENSIONS)
    feed(
        checker,
        {"type": "http.response.early_hint", "links": [b"</a.css>; rel=preload"]},
        {"type": "http.response.start", "status": 200, "headers": [], "trailers": True},
        {"type": "http.response.push", "path": "/a.css", "headers": []},
        body(b"x"),
        {"type": "http.response.trailers", "headers": [(b"x-sum", b"1")], "more_trailers": True},
        {"type": "http.response.trailers", "headers": [(b"x-more", b"2")]},
    )
    checker.assert_complete()
    assert checker.trailers == [(b"x-sum", b"1"), (b"x-more", b"2")]
    assert checker.early_hints == [[b"</a.css>; rel=preload"]]
    assert checker.pushes == ["/a.css"]

    sendfile = HTTPChecker(EXTENSIONS)
    feed(sendfile, START, {"type": "http.response.pathsend", "path": "/srv/file.txt"})
    sendfile.assert_complete()
    assert sendfile.pathsend == "/srv/file.txt"


@pytest.mark.parametrize(
    ("scope", "messages", "error"),
    [
        ({}, [{"type": "http.response.early_hint", "links": []}], "without the 'http.response.early_hint' extension"),
        ({}, [START, {"type": "http.response.push", "path": "/x"}], "without the 'http.response.push'"),
        ({}, [START, {"type": "http.response.pathsend", "path": "/x"}], "without the 'http.response.pathsend'"),
        ({}, [{**START, "trailers": True}], "without the 'http.response.trailers'"),
        (EXTENSIONS, [START, {"type": "http.response.early_hint", "links": []}], "after http.response.start"),
        (EXTENSIONS, [{"type": "http.response.early_hint", "links": ["str"]}], "list of bytes"),
        (EXTENSIONS, [START, {"type": "http.response.push", "path": b"/x"}], "path must be a str"),
        (EXTENSIONS, [{"type": "http.response.pathsend", "path": "/x"}], "outside the body"),
        (EXTENSIONS, [START, {"type": "http.response.pathsend", "path": "rel"}], "absolute path"),
        (EXTENSIONS, [START, body(), {"type": "http.response.trailers"}], "after the response was complete"),
        (EXTENSIONS, [START, {"type": "http.response.trailers"}], "without trailers=True"),
        (EXTENSIONS, [{**START, "trailers": True}, {"type": "http.response.trailers"}], "before the body ended"),
        (EXTENSIONS, [{**START, "trailers": True}, body(), body()], "after the body ended"),
        (
            EXTENSIONS,
            [{**START, "trailers": True}, body(), {"type": "http.response.trailers", "more_trailers": "no"}],
            "more_trailers must be a bool",
        ),
    ],
)
def test_http_extension_violations(scope: dict[str, Any], messages: list[dict[str, Any]], error: str) -> None:
    checker = HTTPChecker(scope)
    with pytest.raises(ASGIViolation, match=error):
        feed(checker, *messages)
