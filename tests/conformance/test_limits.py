"""Point 5: REQUEST_MAX_SIZE, RESPONSE_TIMEOUT and streamed request bodies.

The ``tuned`` app has ``REQUEST_MAX_SIZE=1024`` and ``RESPONSE_TIMEOUT=1``.
The 413 tests send the headers and only the start of the body, then wait
for the answer: an implementation that read the whole body first would wait
for bytes that never come, so a 413 proves the body was not read.
"""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest

from tests._servers import HOST
from tests.asgi_driver import poll

from .conftest import Served, new_key, require

# Long enough for any server to answer, short enough that a native xfail
# (which waits for the rest of the body) stays cheap.
ANSWER_WAIT = 1.5


def read_status(sock: socket.socket, timeout: float = ANSWER_WAIT) -> int:
    """The status of the response that arrives, without sending anything more."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ssl.SSLError, ConnectionResetError):
        pass
    assert data.startswith(b"HTTP/1.1 "), f"no response within {timeout}s: {data[:200]!r}"
    return int(data.split(b" ")[1])


@pytest.mark.native_gap("REQUEST_MAX_SIZE is not enforced: the handler waits for the whole body")
def test_413_on_content_length_before_the_body_is_read(tuned_server: Served) -> None:
    require(tuned_server.kind, "streams_request_body")
    with tuned_server.connect() as sock:
        sock.sendall(
            f"POST /echo HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/octet-stream\r\n"
            "Content-Length: 10000000\r\n\r\n".encode()
            + b"x" * 100
        )
        assert read_status(sock) == 413


@pytest.mark.native_gap("REQUEST_MAX_SIZE is not enforced on chunked bodies")
def test_413_on_a_chunked_body_over_the_limit(tuned_server: Served) -> None:
    require(tuned_server.kind, "streams_request_body")
    with tuned_server.connect() as sock:
        sock.sendall(f"POST /echo HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        for _ in range(3):  # 1536 bytes, and no last chunk
            sock.sendall(b"200\r\n" + b"y" * 512 + b"\r\n")
        assert read_status(sock) == 413


@pytest.mark.native_gap("REQUEST_MAX_SIZE is not enforced", servers=("hypercorn-h2",))
def test_413_over_http2(tuned_server: Served) -> None:
    if not tuned_server.kind.http2:
        pytest.skip(f"{tuned_server.kind.id}: HTTP/1.1 is covered by the raw-socket tests")

    def body() -> object:
        yield b"z" * 600
        yield b"z" * 600

    with tuned_server.client() as client:
        response = client.post("/echo", content=body())  # type: ignore[arg-type]
    assert response.status_code == 413


def test_body_under_the_limit(tuned_server: Served) -> None:
    with tuned_server.client() as client:
        response = client.post("/echo", content=b"a" * 1000)
    assert response.status_code == 200
    assert response.content == b"a" * 1000


@pytest.mark.native_gap("RESPONSE_TIMEOUT is not enforced: the handler runs to its end")
def test_response_timeout_is_503_and_cancels_the_handler(tuned_server: Served) -> None:
    key = new_key()
    with tuned_server.client(timeout=10) as client:
        response = client.get(f"/slow/{key}", params={"seconds": 2.5})
    assert response.status_code == 503
    assert "Response Timeout" in response.text
    assert tuned_server.wait_events(key, lambda e: "finally" in e) == ["started", "cancelled", "finally"]


def test_stream_route_reads_the_body_incrementally(server: Served) -> None:
    """Each chunk is sent only once the handler has seen the previous one:
    an implementation that buffered the body before calling a
    ``stream=True`` handler would never let this finish."""
    require(server.kind, "streams_request_body")
    key = new_key()
    sizes = [100, 2000, 50, 7]

    with server.client(timeout=10) as observer:

        def events() -> list[int]:
            response = observer.get(f"/events/{key}")
            assert response.status_code == 200, response.text
            return response.json()  # type: ignore[no-any-return]

        def body() -> object:
            for i, size in enumerate(sizes):
                yield b"q" * size
                sent = sum(sizes[: i + 1])
                seen = poll(lambda: sum(events()), lambda seen, sent=sent: seen >= sent, 5, 0.02)
                assert seen >= sent, f"handler had not seen chunk {i} after 5s: {events()}"

        with server.client(timeout=30) as client:
            response = client.post(f"/stream-in/{key}", content=body())  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert response.json()["total"] == sum(sizes)


# hypercorn and granian answer the extra receive() with http.disconnect once
# the client waits for the response, which hides the gap there.
@pytest.mark.native_gap(
    "a stream=True handler hangs: read() after the message that ended the body waits for another message",
    servers=("uvicorn-h11", "uvicorn-httptools", "gunicorn-asgi"),
)
def test_stream_route_with_a_body_in_one_message(server: Served) -> None:
    """Headers and a Content-Length body in one packet reach the app as one
    ``http.request`` message with ``more_body=False``; the next ``read()``
    must return None at once."""
    key = new_key()
    with server.connect() as sock:
        sock.sendall(
            f"POST /stream-in/{key} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 800\r\n\r\n".encode() + b"w" * 800
        )
        assert read_status(sock) == 200
    assert server.events(key) == [800]


@pytest.mark.parametrize("size", [1025, 5000])
@pytest.mark.native_gap("REQUEST_MAX_SIZE is not enforced")
def test_413_for_a_whole_body_over_the_limit(tuned_server: Served, size: int) -> None:
    with tuned_server.client() as client:
        try:
            response = client.post("/echo", content=b"b" * size)
        except httpx.RemoteProtocolError:
            pytest.fail("the server dropped the connection instead of answering 413")
    assert response.status_code == 413
