"""One header codec (``sanic_asgi._headers``): Sanic's own server's, names
ASCII and lowercased, values UTF-8 with ``surrogateescape``, wherever the
adapter encodes a pair."""

from __future__ import annotations

from typing import Any

import pytest
from sanic import Request, Sanic, response

from sanic_asgi import push, response_trailers
from sanic_asgi._generations._processed_headers import response_head
from sanic_asgi._headers import encode_name, encode_pairs, encode_value
from tests.asgi_driver import FakeServer

pytestmark = pytest.mark.timeout(20)

E_ACUTE = "é".encode()  # b"\xc3\xa9": the two UTF-8 bytes, not latin-1's one


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", b"plain"),
        ("café", b"caf" + E_ACUTE),
        ("\udce9", b"\xe9"),  # a value decoded with surrogateescape gives its byte back
        (b"raw\xe9", b"raw\xe9"),
        (bytearray(b"ba"), b"ba"),
        (42, b"42"),
        (None, b"None"),  # f"{value}", as Sanic's processed_headers
    ],
)
def test_encode_value(value: Any, expected: bytes) -> None:
    assert encode_value(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("X-Thing", b"x-thing"), (b"X-Raw", b"x-raw"), ("content-type", b"content-type")],
)
def test_encode_name(name: Any, expected: bytes) -> None:
    assert encode_name(name) == expected


def test_a_name_that_is_not_ascii_is_refused_as_on_sanics_server() -> None:
    with pytest.raises(UnicodeEncodeError):
        encode_name("nämé")


def test_encode_pairs_takes_a_mapping_or_pairs() -> None:
    assert encode_pairs({"A": "é"}.items()) == [(b"a", E_ACUTE)]
    assert encode_pairs([("A", "1"), (b"B", b"2")]) == [(b"a", b"1"), (b"b", b"2")]


async def test_one_codec_for_head_trailers_and_push(app: Sanic, server: FakeServer) -> None:
    """The same value leaves as the same bytes in every message that carries headers."""

    @app.get("/")
    async def index(request: Request) -> Any:
        await push(request, "/style.css", {"x-note": "é"})
        trailers = response_trailers(request)
        assert trailers is not None
        trailers["x-note"] = "é"
        return response.text("ok", headers={"x-note": "é"})

    extensions = {"http.response.trailers": {}, "http.response.push": {}}
    conn = await server.request("GET", "/", extensions=extensions)
    by_type = {message["type"]: message for message in conn.sent}
    assert (b"x-note", E_ACUTE) in by_type["http.response.start"]["headers"]
    assert (b"x-note", E_ACUTE) in by_type["http.response.trailers"]["headers"]
    assert (b"x-note", E_ACUTE) in by_type["http.response.push"]["headers"]


@pytest.mark.parametrize("status", [200, 204, 404])
def test_the_response_head_fast_path_agrees_with_the_codec(status: int) -> None:
    """``_generations._processed_headers`` writes the codec out for speed: the same bytes."""
    res = response.text("ok", status=status, headers={"X-Note": "é", "x-num": 5, "x-raw": "\udce9"})
    head = response_head(res)
    assert head == encode_pairs(res.headers.items())
    assert (b"x-note", E_ACUTE) in head
