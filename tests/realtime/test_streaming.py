"""Streaming responses (SSE) and streaming request bodies through real servers.

"No buffering" is shown without timing: the handler waits on a gate after
each event, and the test opens the gate only after it has read the event, so
the event cannot have been held back until a later one or the end of the
response.  The same trick shows request bodies reaching the handler chunk by
chunk: the client sends the next chunk only once the handler has recorded
the previous one.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator

import pytest

from tests.realtime.conftest import Served, new_key

pytestmark = pytest.mark.timeout(60)


def read_event(lines: Iterator[str]) -> list[str]:
    """The lines of the next server-sent event (up to the blank line)."""
    event = []
    for line in lines:
        if line == "":
            if event:
                return event
            continue
        event.append(line)
    raise AssertionError(f"the stream ended inside an event: {event}")


# --------------------------------------------------------------------------- #
# Responses
# --------------------------------------------------------------------------- #
# gunicorn 27 reads http.response.start's headers twice; Sanic's native mode
# passes a generator (an iterable, as the spec allows): no header is written.
@pytest.mark.native_gap(
    "every response header lost: gunicorn iterates the headers generator Sanic sends twice",
    servers=("gunicorn-asgi",),
)
def test_sse_events_arrive_one_at_a_time(served: Served) -> None:
    key = new_key()
    with served.client() as client, client.stream("GET", f"/sse/{key}") as res:
        assert res.status_code == 200
        assert res.headers["content-type"] == "text/event-stream"
        assert "content-length" not in res.headers
        lines = res.iter_lines()
        assert read_event(lines) == ["event: tick", "data: one"]
        # The handler is parked before its second send: event one was not buffered.
        assert served.events(key) == ["sent:one"]
        served.get(f"/gate/{key}")
        assert read_event(lines) == ["event: tick", "data: two"]


@pytest.mark.native_gap("no http.disconnect watcher: a streaming handler idle between events is never cancelled")
def test_sse_client_going_away_cancels_the_handler(served: Served) -> None:
    key = new_key()
    with served.client() as client, client.stream("GET", f"/sse/{key}") as res:
        lines = res.iter_lines()
        read_event(lines)
        served.get(f"/gate/{key}")
        read_event(lines)
    # The client is gone while the handler sleeps: it must be cancelled, and
    # its finally block must run, promptly (as Sanic's connection_lost does).
    events = served.wait_events(key, lambda e: "finally" in e, served.patience)
    assert events == ["sent:one", "sent:two", "cancelled", "finally"]


def test_response_stream_events_arrive_one_at_a_time(served: Served) -> None:
    key = new_key()
    with served.client() as client, client.stream("GET", f"/sse-compat/{key}") as res:
        assert res.status_code == 200
        lines = res.iter_lines()
        assert read_event(lines) == ["data: one"]
        assert served.events(key) == ["sent:one"]
        served.get(f"/gate/{key}")
        assert read_event(lines) == ["data: two"]
        assert list(lines) == []  # and the response ends when the function returns


def test_large_streamed_response_arrives_intact(served: Served) -> None:
    count, size = 64, 65536
    with served.client() as client:
        res = client.get("/stream-bytes", params={"count": count, "size": size})
    assert res.status_code == 200
    assert res.content == b"".join(bytes([i]) * size for i in range(count))


# --------------------------------------------------------------------------- #
# Request bodies
# --------------------------------------------------------------------------- #
def raw_request(served: Served, request: bytes, timeout: float) -> bytes:
    """Send ``request`` in one write; everything read until the server closes."""
    chunks = []
    with served.connect(timeout) as sock:
        sock.sendall(request)
        try:
            while data := sock.recv(65536):
                chunks.append(data)
        except (ConnectionResetError, ssl.SSLError):
            pass
        except socket.timeout:
            raise AssertionError(f"no complete answer within {timeout}s; got {b''.join(chunks)!r}") from None
    return b"".join(chunks)


# uvicorn and gunicorn hand a body that arrived whole to the app as one
# http.request with more_body=False; native read() returns it and, asked again,
# waits in receive() for a message that only comes when the client disconnects.
@pytest.mark.native_gap(
    "read() after a final chunk that carried data waits for the next message: the handler hangs",
    servers=("uvicorn-h11", "uvicorn-httptools", "gunicorn-asgi"),
)
def test_stream_read_loop_ends_after_a_final_chunk_with_data(served: Served) -> None:
    key = new_key()
    body = b"z" * 1000
    head = (
        f"POST /upload-read/{key} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    answer = raw_request(served, head.encode() + body, served.patience)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
    body_part = answer.partition(b"\r\n\r\n")[2]
    if b"transfer-encoding: chunked" in answer.lower():
        body_part = body_part.split(b"\r\n")[1]  # one chunk: size line, data
    assert json.loads(body_part)["total"] == 1000
    assert sum(served.events(key)) == 1000


def test_request_body_reaches_the_handler_chunk_by_chunk(served: Served) -> None:
    if served.kind.id == "daphne":
        pytest.skip("daphne reads the whole request body before it calls the app")
    key = new_key()
    parts = ["alpha", "beta", "gamma"]

    def body() -> Iterator[bytes]:
        for i, part in enumerate(parts):
            yield part.encode()
            # The next chunk leaves only once the handler has this one.
            seen = served.wait_events(key, lambda e, n=i + 1: len(e) >= n, served.patience)  # type: ignore[misc]
            assert seen == parts[: i + 1], f"the handler had {seen} after chunk {part!r} was sent"

    with served.client() as client:
        res = client.post(f"/upload-iter/{key}", content=body())
    assert res.status_code == 200
    assert res.text == "alphabetagamma"
