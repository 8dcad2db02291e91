"""One codec for every header pair the adapter hands to an ASGI server.

ASGI header names and values are byte strings.  Sanic's own server writes a
response head from ``BaseHTTPResponse.processed_headers``: the name encoded
as ASCII and the value as ``f"{value}"`` in UTF-8 with ``surrogateescape``
(so that a value decoded with ``surrogateescape`` gives its bytes back).
Every pair the adapter encodes - the response head (through
``_generations._processed_headers``), an ASGI response object's head,
trailers, push and early hints, a mounted app's error page, the pre-21.3
responses - goes through the functions below, so "é" leaves as the same two
bytes wherever it is sent.  Names are lowercased, as ASGI asks; a name that is
not ASCII cannot be a header name (RFC 9110 5.1: a token) and raises
``UnicodeEncodeError``, as on Sanic's own server.  Bytes are passed through.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["HeadPairs", "encode_name", "encode_pairs", "encode_value"]

HeadPairs = list[tuple[bytes, bytes]]


def encode_name(name: Any) -> bytes:
    """A header name as ASGI bytes: lowercased, ASCII (``str`` or bytes-like)."""
    if isinstance(name, str):  # multidict's istr too (Sanic's Header keys)
        return name.encode("ascii").lower()
    if isinstance(name, (bytes, bytearray, memoryview)):
        return bytes(name).lower()
    return f"{name}".encode("ascii").lower()


def encode_value(value: Any) -> bytes:
    """A header value as ASGI bytes: ``f"{value}"`` in UTF-8 with
    ``surrogateescape`` (``sanic.response.BaseHTTPResponse.processed_headers``);
    bytes-like values are passed through."""
    if value.__class__ is str:
        return value.encode(errors="surrogateescape")  # str.encode's default codec is UTF-8
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return f"{value}".encode("utf-8", "surrogateescape")


def encode_pairs(pairs: Iterable[tuple[Any, Any]]) -> HeadPairs:
    """``(name, value)`` pairs (``Header.items()`` for Sanic's headers) as
    ASGI ``headers``.  Every response head goes through
    here, so the ``str`` case is written out (it is ``encode_name`` and
    ``encode_value`` without their calls)."""
    return [
        (
            name.encode("ascii").lower() if isinstance(name, str) else encode_name(name),
            value.encode(errors="surrogateescape") if value.__class__ is str else encode_value(value),
        )
        for name, value in pairs
    ]
