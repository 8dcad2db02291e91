"""The request head: its size limit, and ``request.head`` rebuilt from the scope.

Sanic's HTTP/1 parser (``Http.http1_request_header``, 21.12 on) keeps the
head it read - the request line and the header lines, joined by CRLF,
without the blank line that ends them - as ``request.head``
(``request.request_line`` and ``request.raw_headers`` split it), and refuses
a head of ``Http.HEADER_MAX_SIZE`` bytes or more with ``PayloadTooLarge``
("Request header exceeds the size limit"), answered by the app's error
handler.  ``HEADER_MAX_SIZE`` is the smallest of ``REQUEST_MAX_HEADER_SIZE``,
``REQUEST_BUFFER_SIZE - 4096``, ``REQUEST_MAX_SIZE`` and 16,384
(``Http.HEADER_CEILING``); the generations say which rule a release has
(``Generation.head_limit``).

An ASGI server delivers the head parsed: ``method``, ``raw_path`` and
``query_string``, ``http_version`` and the header pairs, names lowercased
and values stripped of surrounding whitespace.  The head is rebuilt from
those as ``METHOD SP target SP HTTP/version`` and ``name: value`` lines, so
its size is known without building it (``head_size``): the limit is checked
on every request at the cost of one pass over the header pairs, which the
HTTP cycle makes anyway to decode them (``_framing.read_headers``).

The bytes themselves are built only when something reads them:
``request.head`` is a ``RequestHead``, which holds the scope and the size
and builds the bytes on first use.  It has the methods of ``bytes``
(``split``, ``decode``, ``startswith``...), compares equal to the bytes, and
``bytes(request.head)`` is the bytes object; ``isinstance(request.head,
bytes)`` is False.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Union
from urllib.parse import quote

from ._framing import HeaderPairs, head_line_size, pairs_size
from ._scope import PATH_SAFE
from ._types import Scope

__all__ = ["RequestHead", "delivered_target", "head_size", "rebuild_head"]

_Other = Union[bytes, bytearray, memoryview, "RequestHead"]


def head_size(method: str, target: bytes, version: str, headers: HeaderPairs) -> int:
    """The size of the head Sanic's parser measures, for pairs already
    decoded (``_framing.read_headers`` adds it up while it decodes)."""
    return head_line_size(method, target, version) + pairs_size(headers)


def delivered_target(scope: Scope) -> bytes:
    """The request target as the server received it: ``raw_path`` (root path
    included) and the query string; the path re-encoded when the server sent
    no ``raw_path``."""
    raw_path = scope.get("raw_path")
    query: bytes = scope.get("query_string") or b""
    if not raw_path:  # optional in the spec: the path, re-encoded
        raw_path = quote(str(scope.get("path", "/")), safe=PATH_SAFE).encode("ascii")
    if b"?" in raw_path:  # httpx's ASGITransport puts the query into raw_path
        return bytes(raw_path)
    return raw_path + b"?" + query if query else bytes(raw_path)


def rebuild_head(scope: Scope) -> bytes:
    """``request.head`` as Sanic's parser would have kept it for the head
    the server delivered (names as the server gave them: lowercased)."""
    line = b"%s %s HTTP/%s" % (
        str(scope.get("method", "GET")).encode("utf-8", "surrogateescape"),
        delivered_target(scope),
        str(scope.get("http_version", "1.1")).encode("ascii", "backslashreplace"),
    )
    return b"\r\n".join([line, *(bytes(name) + b": " + bytes(value) for name, value in scope.get("headers", ()))])


class RequestHead:
    """``request.head`` of a request served through the adapter: the bytes of
    ``rebuild_head(scope)``, built on first use (this object is made for
    every request; the bytes only for those that read them)."""

    __slots__ = ("_bytes", "_scope")
    _bytes: bytes

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def __bytes__(self) -> bytes:
        try:
            return self._bytes
        except AttributeError:
            built = self._bytes = rebuild_head(self._scope)
            return built

    def __getattr__(self, name: str) -> Any:
        # The methods of bytes (split, decode, find, startswith...); only
        # names that RequestHead itself does not define get here.
        if name.startswith("_"):  # bytes has no such public name; and no recursion before __init__
            raise AttributeError(name)
        return getattr(self.__bytes__(), name)

    def __len__(self) -> int:
        return len(self.__bytes__())

    def __bool__(self) -> bool:
        return True  # a head always has its request line

    def __repr__(self) -> str:
        return repr(self.__bytes__())

    def __str__(self) -> str:
        return str(self.__bytes__())

    def __hash__(self) -> int:
        return hash(self.__bytes__())

    def __eq__(self, other: object) -> bool:
        return bool(self.__bytes__() == _plain(other))

    def __ne__(self, other: object) -> bool:
        return bool(self.__bytes__() != _plain(other))

    def __lt__(self, other: _Other) -> bool:
        return bool(self.__bytes__() < _plain(other))

    def __le__(self, other: _Other) -> bool:
        return bool(self.__bytes__() <= _plain(other))

    def __gt__(self, other: _Other) -> bool:
        return bool(self.__bytes__() > _plain(other))

    def __ge__(self, other: _Other) -> bool:
        return bool(self.__bytes__() >= _plain(other))

    def __contains__(self, item: object) -> bool:
        return bool(_plain(item) in self.__bytes__())

    def __iter__(self) -> Iterator[int]:
        return iter(self.__bytes__())

    def __getitem__(self, index: Any) -> Any:
        return self.__bytes__()[index]

    def __add__(self, other: _Other) -> bytes:
        return self.__bytes__() + bytes(_plain(other))

    def __radd__(self, other: _Other) -> bytes:
        return bytes(_plain(other)) + self.__bytes__()

    def __mul__(self, count: int) -> bytes:
        return self.__bytes__() * count

    __rmul__ = __mul__

    def __buffer__(self, flags: int) -> memoryview:  # Python 3.12+: memoryview(), b"".join()
        return memoryview(self.__bytes__())


def _plain(other: Any) -> Any:
    return other.__bytes__() if other.__class__ is RequestHead else other
