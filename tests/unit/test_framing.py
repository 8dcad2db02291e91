"""``sanic_asgi._framing``: the head read in one pass, and body framing decisions."""

from __future__ import annotations

from typing import Any

import pytest
from uvicorn.protocols.http.h11_impl import RequestResponseCycle as H11Cycle
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle as HttptoolsCycle

from sanic_asgi._framing import (
    ResponseFraming,
    body_framing,
    framing_headers,
    has_connection_header,
    head_line_size,
    pairs_size,
    read_headers,
    response_framing,
)


async def _plain_receive() -> Any:  # a test client's or an adapter's receive
    raise AssertionError("not called")


HTTPTOOLS = object.__new__(HttptoolsCycle).receive
H11 = object.__new__(H11Cycle).receive


def test_read_headers_decodes_sizes_and_finds_the_framing_headers() -> None:
    raw = [(b"Host", b"example.com"), (b"content-length", b"5"), (b"x-utf8", "é".encode()), (b"content-length", b"7")]
    headers, size, length, chunked = read_headers(raw, head_line_size("POST", b"/p?q", "1.1"))
    assert headers == [("host", "example.com"), ("content-length", "5"), ("x-utf8", "é"), ("content-length", "7")]
    request_line = b"POST /p?q HTTP/1.1"
    lines = [b"Host: example.com", b"content-length: 5", "x-utf8: é".encode(), b"content-length: 7"]
    assert size == len(b"\r\n".join([request_line, *lines]))
    assert size == head_line_size("POST", b"/p?q", "1.1") + pairs_size(headers)
    assert (length, chunked) == ("5", False)  # the first content-length, as Sanic's parser takes it
    assert framing_headers(headers) == ("5", False)
    assert read_headers([(b"transfer-encoding", b"chunked")], 0)[2:] == (None, True)


def test_read_headers_is_strict_utf8() -> None:
    with pytest.raises(UnicodeError):
        read_headers([(b"x", b"\xff")], 0)


@pytest.mark.parametrize(
    ("length", "chunked", "version", "receive", "framing"),
    [
        ("5", False, "1.1", _plain_receive, (5, True)),
        ("0", False, "1.1", _plain_receive, (0, False)),
        (None, True, "1.1", HTTPTOOLS, (0, True)),
        # No framing header: a body may follow, unless an HTTP/1 parser read the request off the wire.
        (None, False, "1.1", _plain_receive, (0, True)),
        (None, False, "1.1", HTTPTOOLS, (0, False)),
        (None, False, "1.1", H11, (0, False)),
        (None, False, "1.0", HTTPTOOLS, (0, False)),
        (None, False, "2", HTTPTOOLS, (0, True)),
        # An unreadable content-length declares nothing: the messages are read.
        ("x", False, "1.1", HTTPTOOLS, (0, True)),
        ("-1", False, "1.1", HTTPTOOLS, (0, True)),
    ],
)
def test_body_framing(length: str | None, chunked: bool, version: str, receive: Any, framing: tuple[int, bool]) -> None:
    assert body_framing(length, chunked, version, receive) == framing


CL = {"content-length": "5"}
TE = {"transfer-encoding": "chunked"}
F = ResponseFraming


@pytest.mark.parametrize(
    ("status", "end_stream", "data", "headers", "head_only", "framing"),
    [
        # A body in one block: its content-length goes into the head.
        (200, True, b"hello", {}, False, F.WHOLE),
        (200, True, b"", {}, False, F.WHOLE),
        (404, True, b"hello", CL, False, F.WHOLE),  # a declared length is replaced by the real one
        # Streamed: counted against a declared length, else framed by the server.
        (200, False, b"he", CL, False, F.FIXED),
        (200, False, b"he", {}, False, F.STREAMED),
        (200, False, b"", TE, False, F.STREAMED),
        # HEAD: a declared length stays as declared; otherwise as for GET.
        (200, True, b"", CL, True, F.HEAD_DECLARED),
        (200, False, b"", CL, True, F.HEAD_DECLARED),
        (200, True, b"hello", {}, True, F.WHOLE),
        (200, False, b"", {}, True, F.STREAMED),
        # 204 and 304 carry no body: one given is dropped (with Sanic's warning).
        (204, True, b"", {}, False, F.NO_BODY),
        (304, True, b"", {}, True, F.NO_BODY),
        (204, True, b"x", {}, False, F.NO_BODY_DROPPED),
        (304, False, b"", {}, False, F.NO_BODY_DROPPED),
        (204, True, b"", CL, False, F.NO_BODY_DROPPED),
        (304, True, b"", TE, False, F.NO_BODY_DROPPED),
    ],
)
def test_response_framing(
    status: int, end_stream: bool, data: bytes, headers: dict[str, str], head_only: bool, framing: ResponseFraming
) -> None:
    assert response_framing(status, end_stream, data, headers, head_only) is framing


@pytest.mark.parametrize("status", [100, 101, 199, "200", None, 200.0])
def test_response_framing_refuses_a_status_that_is_not_final(status: Any) -> None:
    with pytest.raises(RuntimeError, match="Invalid response status"):
        response_framing(status, True, b"", {}, False)


class _Untouchable(dict):  # type: ignore[type-arg]
    def __contains__(self, key: object) -> bool:
        raise AssertionError(f"looked up {key!r}")


def test_a_whole_body_is_framed_without_looking_at_the_headers() -> None:
    """The common answer costs no header lookup (each one costs more in Sanic's Header than the rest)."""
    assert response_framing(200, True, b"{}", _Untouchable(), False) is F.WHOLE


@pytest.mark.parametrize(("version", "has"), [("1.1", True), ("1.0", True), ("2", False), ("3", False), (None, False)])
def test_has_connection_header(version: Any, has: bool) -> None:
    assert has_connection_header(version) is has
