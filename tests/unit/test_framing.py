"""``sanic_asgi._framing``: the head read in one pass, and body framing decisions."""

from __future__ import annotations

from typing import Any

import pytest
from uvicorn.protocols.http.h11_impl import RequestResponseCycle as H11Cycle
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle as HttptoolsCycle

from sanic_asgi._framing import body_framing, framing_headers, head_line_size, pairs_size, read_headers


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
