"""Point 6: framing as Sanic's server frames responses.

``Http.http1_response_header`` sets ``content-length`` on a body sent in one
block, sends no body for HEAD/1xx/204/304, keeps repeated headers, and
encodes header values with UTF-8 (``surrogateescape``).  Through ASGI the
server does the byte-level framing, so these tests look at the bytes on the
wire (raw sockets speak HTTP/1.1, also to hypercorn-h2 over TLS) and at what
httpx sees over HTTP/2.
"""

from __future__ import annotations

import pytest
from sanic.response import BaseHTTPResponse

from tests._servers import HOST

from .conftest import Served, require
from .test_disconnect import assert_quiet

# gunicorn 27 reads http.response.start's "headers" twice (it checks them, then
# writes them); Sanic's native mode passes a generator, which the ASGI spec
# allows (an iterable), so the second pass writes no header at all.
GUNICORN_READS_HEADERS_TWICE = "every response header lost: gunicorn iterates the headers generator Sanic sends twice"


def split_response(raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, f"no end of headers in {raw[:300]!r}"
    status_line, *lines = head.split(b"\r\n")
    status = int(status_line.split(b" ")[1])
    headers = []
    for line in lines:
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower(), value.strip()))
    return status, headers, body


def header_values(headers: list[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [v for k, v in headers if k == name]


def request_bytes(method: str, path: str, *extra: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1".encode(), f"Host: {HOST}".encode(), b"Connection: close", *extra]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def dechunk_if_chunked(headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    return unchunk(body) if header_values(headers, b"transfer-encoding") == [b"chunked"] else body


def unchunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, body = out + body[:size], body[size + 2 :]
    return out


# granian buffers a first body message that ends the response and adds the
# length itself, which hides the gap there.
@pytest.mark.native_gap(
    "no content-length on a body sent in one block: the server falls back to chunked", not_on=("granian",)
)
def test_content_length_on_a_single_block(server: Served) -> None:
    status, headers, body = split_response(server.raw(request_bytes("GET", "/hello")))
    assert status == 200
    assert header_values(headers, b"content-length") == [b"12"]
    assert header_values(headers, b"transfer-encoding") == []
    assert body == b"Hello, world"


@pytest.mark.native_gap("no content-length on a body sent in one block", servers=("hypercorn-h2",))
def test_content_length_over_http2(server: Served) -> None:
    require(server.kind, "http2")
    response = server.get("/hello")
    assert response.headers.get("content-length") == "12"
    assert response.content == b"Hello, world"


def test_streamed_body_without_length_is_chunked(server: Served) -> None:
    status, headers, body = split_response(server.raw(request_bytes("GET", "/stream-out")))
    assert status == 200
    assert header_values(headers, b"content-length") == []
    assert header_values(headers, b"transfer-encoding") == [b"chunked"]
    assert unchunk(body) == b"chunk0;chunk1;chunk2;"
    assert server.get("/stream-out").text == "chunk0;chunk1;chunk2;"


@pytest.mark.native_gap(GUNICORN_READS_HEADERS_TWICE, servers=("gunicorn-asgi",))
def test_streamed_body_with_declared_length(server: Served) -> None:
    status, headers, body = split_response(server.raw(request_bytes("GET", "/stream-out-sized")))
    assert status == 200
    assert header_values(headers, b"content-length") == [b"12"]
    assert header_values(headers, b"transfer-encoding") == []
    assert body == b"abcdefghijkl"


@pytest.mark.native_gap("HEAD answers lack the content-length the GET would carry", not_on=("granian",))
def test_head_has_get_headers_and_no_body(server: Served) -> None:
    status, headers, body = split_response(server.raw(request_bytes("HEAD", "/hello")))
    assert status == 200
    assert header_values(headers, b"content-length") == [b"12"]
    assert header_values(headers, b"content-type") == [b"text/plain; charset=utf-8"]
    assert body == b""
    with server.client() as client:
        response = client.head("/hello")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("code", [204, 304])
def test_no_body_for_204_and_304(server: Served, code: int) -> None:
    status, headers, body = split_response(server.raw(request_bytes("GET", f"/status/{code}")))
    assert status == code
    assert body == b""
    assert header_values(headers, b"transfer-encoding") == []
    assert header_values(headers, b"content-length") in ([], [b"0"])
    response = server.get(f"/status/{code}")
    assert response.status_code == code
    assert response.content == b""


@pytest.mark.native_gap(GUNICORN_READS_HEADERS_TWICE, servers=("gunicorn-asgi",))
def test_multiple_set_cookie_and_repeated_headers(server: Served) -> None:
    status, headers, _ = split_response(server.raw(request_bytes("GET", "/cookies")))
    assert status == 200
    cookies = header_values(headers, b"set-cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith(b"one=1")
    assert cookies[1].startswith(b"two=2")
    assert header_values(headers, b"x-multi") == [b"a", b"b"]
    response = server.get("/cookies")
    assert response.headers.get_list("set-cookie") == [c.decode() for c in cookies]
    assert response.cookies["one"] == "1"
    assert response.cookies["two"] == "2"


@pytest.mark.native_gap(GUNICORN_READS_HEADERS_TWICE, servers=("gunicorn-asgi",))
def test_header_bytes(server: Served) -> None:
    """Request header bytes reach the handler as Sanic's parser decodes them
    (UTF-8 with surrogateescape: a latin-1 byte becomes a lone surrogate);
    response header values leave as Sanic encodes them (UTF-8)."""
    raw = server.raw(request_bytes("GET", "/header-bytes", b"X-Latin: caf\xe9"))
    status, headers, body = split_response(raw)
    assert status == 200
    assert dechunk_if_chunked(headers, body) == b"'caf\\udce9'"
    assert header_values(headers, b"x-unicode") == ["café".encode()]


@pytest.mark.native_gap("HEAD answers lack the content-length the GET would carry", not_on=("granian",))
def test_head_of_a_body_sent_in_its_first_send(server: Served) -> None:
    """HEAD on a handler that sends its whole body with ``end_stream=True``:
    the GET's headers, no body, and one response: the second ending of the
    stream that Sanic then asks for is dropped, as on Sanic's server, not
    sent as a second final body message (which the server refuses)."""
    mark = server.log_mark()
    status, headers, body = split_response(server.raw(request_bytes("HEAD", "/respond-once")))
    assert (status, body) == (200, b"")
    assert header_values(headers, b"content-length") == [b"4"]
    assert server.get("/respond-once").content == b"once"
    assert_quiet(server.log_since(mark))


@pytest.mark.native_gap(GUNICORN_READS_HEADERS_TWICE, servers=("gunicorn-asgi",))
def test_header_values_as_sanic_encodes_them(server: Served) -> None:
    """Names lowercased (ASGI), values as Sanic's processed_headers makes
    them: text of any value, CR/LF/NUL removed on Sanic 25.12+."""
    sanitised = hasattr(BaseHTTPResponse, "_sanitize_header_value")
    status, headers, _ = split_response(server.raw(request_bytes("GET", "/header-values")))
    assert status == 200
    assert header_values(headers, b"x-int") == [b"7"]
    assert header_values(headers, b"x-mixed-case") == [b"kept"]
    assert header_values(headers, b"x-injected") == []
    if sanitised:
        assert header_values(headers, b"x-crlf") == [b"okX-Injected: hdr"]
        assert header_values(headers, b"x-nul") == [b"ab"]


def test_body_round_trip(server: Served) -> None:
    payload = bytes(range(256)) * 64
    with server.client() as client:
        response = client.post("/echo", content=payload)
    assert response.status_code == 200
    assert response.content == payload
