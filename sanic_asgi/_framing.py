"""Pure decisions about a request's head and body framing (no I/O).

Sanic's HTTP/1 parser reads a request head off the wire, refuses it when it
is too large, and frames the body from its headers.  Under ASGI the server
has parsed the head already: the scope carries the method, target, version
and the header pairs, and the body arrives in ``http.request`` messages.
What is left to decide, in the style of h11's ``_body_framing``:

* ``read_headers``: one pass over the scope's header pairs that decodes them
  as Sanic's parser does, adds up the size of the head they end (the head
  limit, ``_request_head``), and notes the framing headers.  It runs on
  every request, so it is the only pass over the pairs.
* ``body_framing``: from those framing headers, how many bytes are declared
  and whether a body may follow.  The ASGI contract is the messages, not the
  headers: Mangum, test clients and proxies build scopes without framing
  headers, and the body is in the messages all the same.  A request without
  framing headers is taken to have no body only when an HTTP/1 parser read
  it off the wire (RFC 9112 6.3; ``_HTTP1_PARSERS``).
"""

from __future__ import annotations

from collections.abc import Container
from enum import Enum
from typing import Any

from ._types import Receive

__all__ = [
    "HeaderPairs",
    "ResponseFraming",
    "body_framing",
    "framing_headers",
    "has_connection_header",
    "head_line_size",
    "pairs_size",
    "read_headers",
    "response_framing",
]

HeaderPairs = list[tuple[str, str]]


def head_line_size(method: str, target: bytes, version: str) -> int:
    """The bytes of the request line ``METHOD SP target SP HTTP/version``
    (the ``HTTP/`` and the two spaces are the 7)."""
    return len(method) + len(target) + len(version) + 7


def read_headers(raw: list[Any], line_size: int) -> tuple[HeaderPairs, int, str | None, bool]:
    """The scope's header pairs decoded as Sanic's parser decodes them (names
    lowercased; strict UTF-8, so a caller falls back on ``UnicodeError``), the
    size of the head (``line_size`` plus ``name: value`` and CRLF per pair),
    the first ``content-length`` value and whether ``transfer-encoding``
    was sent."""
    headers: HeaderPairs = []
    append = headers.append
    size = line_size
    length: str | None = None
    chunked = False
    for name, value in raw:
        key = name.decode().lower()
        text = value.decode()
        append((key, text))
        size += len(name) + len(value) + 4
        if key == "content-length":
            if length is None:
                length = text
        elif key == "transfer-encoding":
            chunked = True
    return headers, size, length, chunked


def pairs_size(headers: HeaderPairs) -> int:
    """What ``read_headers`` adds for pairs already decoded (with
    ``surrogateescape``, which gives the same bytes back)."""
    size = 0
    for name, value in headers:
        size += len(name.encode("utf-8", "surrogateescape")) + len(value.encode("utf-8", "surrogateescape")) + 4
    return size


def framing_headers(headers: HeaderPairs) -> tuple[str | None, bool]:
    """The first ``content-length`` value and whether ``transfer-encoding``
    was sent, from decoded pairs (names lowercased)."""
    length: str | None = None
    chunked = False
    for name, value in headers:
        if name == "content-length":
            if length is None:
                length = value
        elif name == "transfer-encoding":
            chunked = True
    return length, chunked


def body_framing(length: str | None, chunked: bool, version: str, receive: Receive) -> tuple[int, bool]:
    """(declared content-length, whether a body may follow).

    A body may follow unless the headers or the server rule it out: a valid
    ``content-length: 0``, or no framing header on HTTP/1 from a server that
    parsed the request off the wire.  An unreadable content-length declares
    nothing: the messages are read and counted against REQUEST_MAX_SIZE."""
    if length is not None:
        try:
            declared = int(length)
        except ValueError:
            return 0, True
        if declared < 0:
            return 0, True
        return declared, declared > 0
    if chunked or version not in ("1.0", "1.1"):
        return 0, True
    # Is receive the bound method of a known server's HTTP/1 parser?
    try:
        module = receive.__self__.__class__.__module__  # type: ignore[attr-defined]
    except AttributeError:
        return 0, True
    return 0, module not in _HTTP1_PARSERS


# The modules of ASGI servers whose receive() belongs to an HTTP/1 parser
# reading the request off the wire: there, a request without content-length
# or transfer-encoding has no body (RFC 9112 6.3).  hypercorn and daphne hand
# the app an asyncio.Queue's get(), which anything could be behind, so they
# are not listed; their bodyless requests cost one receive() more when the
# route reads the body.
_HTTP1_PARSERS = ("uvicorn.protocols.http.h11_impl", "uvicorn.protocols.http.httptools_impl")


class ResponseFraming(Enum):
    """How a response's body is framed, decided once, when its head goes out."""

    # 204/304 (sanic.helpers.has_message_body): a head and nothing else.
    NO_BODY = "no body"
    # 204/304 given a body or framing headers: both dropped, with Sanic's warning.
    NO_BODY_DROPPED = "no body (body dropped)"
    # A HEAD answer whose handler declared the content-length: kept as declared.
    HEAD_DECLARED = "HEAD with its declared content-length"
    # The whole body in one block: the head gets its content-length.
    WHOLE = "content-length of the one block"
    # Streamed with a declared content-length: the chunks are counted against it.
    FIXED = "declared content-length"
    # Streamed without one: the server frames it (chunked on HTTP/1.1).
    STREAMED = "streamed, framed by the server"


def response_framing(
    status: Any, end_stream: bool, data: bytes, headers: Container[str], head_only: bool
) -> ResponseFraming:
    """``Http.http1_response_header``'s framing for a response with
    ``status`` and ``headers`` (names lowercased, as Sanic's ``Header``
    matches them), whose first ``send`` carries ``data`` and ends the body or
    not (``end_stream``); ``head_only``: the request was HEAD.  The headers
    are looked at only where the answer depends on them (a lookup in Sanic's
    ``Header`` costs more than the rest of this).  A status that is not a
    final one (an int of 200 or more) raises ``RuntimeError``, as Sanic's
    server does."""
    if not isinstance(status, int) or status < 200:
        raise RuntimeError(f"Invalid response status {status!r}")
    if status == 204 or status == 304:
        if data or not end_stream or "content-length" in headers or "transfer-encoding" in headers:
            return ResponseFraming.NO_BODY_DROPPED
        return ResponseFraming.NO_BODY
    if head_only and "content-length" in headers:
        return ResponseFraming.HEAD_DECLARED
    if end_stream:
        return ResponseFraming.WHOLE
    return ResponseFraming.FIXED if "content-length" in headers else ResponseFraming.STREAMED


def has_connection_header(http_version: object) -> bool:
    """Does the protocol have a ``connection`` header (HTTP/1)?  With
    ``KEEP_ALIVE=False`` Sanic's server answers ``connection: close`` and
    closes; on HTTP/1 the ASGI server honours the header (HTTP/2 and 3 have
    no such header)."""
    return http_version in ("1.0", "1.1")
