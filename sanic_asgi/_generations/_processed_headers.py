"""A Sanic response's headers as the ``headers`` of ``http.response.start``
(``response_head``): per-release knowledge of ``processed_headers``.

Sanic's own server writes ``BaseHTTPResponse.processed_headers`` into the
response head: it adds the ``content-type`` default to a response that has a
body, then encodes every header, name as ASCII and value (``f"{value}"``)
with ``surrogateescape``.  ASGI wants the same pairs with lowercased names:
the codec of ``sanic_asgi._headers``, written out in the two encoders below
because every response runs them (a call per pair cost 3,000 instructions
per JSON request; ``tests/unit/test_headers.py`` checks that they agree).

The property is a generator, and Sanic 25.12 runs each name and each value
through ``str.translate`` with a deletion table (``\\r``, ``\\n``, NUL) in a
static method: under uvicorn that was 18,000 of the 242,000 instructions a
small JSON request cost.  This module encodes the same headers by the same
rules in one loop, and calls Sanic's sanitiser only for a name or value
that holds a character the table could delete (all of them are
non-printable, so a printable string is left as it is).

The property has had three shapes (21.12-23.6: entity headers dropped from
304 and 412 answers; 23.12-25.3: encoding only; 25.12: sanitised).  Which one
the installed Sanic has is read from its code, not its version number: the
names and string constants the property's code uses.  A response class that
overrides the property (or the sanitiser), a shape not known here, and the
304/412 answers of the first shape get Sanic's own property, so a release
that changes it is served correctly, only without the shortcut.
``tests/unit/test_processed_headers.py`` compares both for every shape it can see, and
the legacy matrix checks that each line from 21.12 on is recognised.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any, Callable

from sanic.response import BaseHTTPResponse

from .._headers import HeadPairs

if TYPE_CHECKING:
    from sanic.response import HTTPResponse

__all__ = ["HEAD_ENCODERS", "head_encoder", "response_head"]

Encoder = Callable[[Any], HeadPairs]


def _sanics(res: HTTPResponse) -> HeadPairs:
    """Sanic's own property, names lowercased (the fallback)."""
    return [(name.lower(), value) for name, value in res.processed_headers]


def _plain(res: HTTPResponse) -> HeadPairs:
    """Sanic 23.12-25.3 (and 21.12-23.6 outside 304/412)."""
    status = res.status
    headers = res.headers
    if status not in (204, 304) and not 100 <= status < 200:  # sanic.helpers.has_message_body
        headers.setdefault("content-type", res.content_type)
    return [
        (
            name.encode("ascii").lower(),
            (value if value.__class__ is str else f"{value}").encode(errors="surrogateescape"),
        )
        for name, value in headers.items()
    ]


def _sanitized(res: HTTPResponse) -> HeadPairs:
    """Sanic 25.12: names and values without ``\\r``, ``\\n`` and NUL."""
    status = res.status
    headers = res.headers
    if status not in (204, 304) and not 100 <= status < 200:  # sanic.helpers.has_message_body
        headers.setdefault("content-type", res.content_type)
    pairs: HeadPairs = []
    for name, value in headers.items():
        if value.__class__ is not str:
            value = f"{value}"
        if not name.isprintable():
            name = _sanitize(name)
        if not value.isprintable():
            value = _sanitize(value)
        pairs.append((name.encode("ascii").lower(), value.encode(errors="surrogateescape")))
    return pairs


def _entity(res: HTTPResponse) -> HeadPairs:
    """Sanic 21.12-23.6: 304 and 412 answers lose their entity headers."""
    if res.status in (304, 412):
        return _sanics(res)
    return _plain(res)


def _shape(func: Any) -> frozenset[str]:
    """The names and string constants a function's code uses (docstring
    excluded), nested code (the generator expression) included: the same
    on every CPython a Sanic release runs on."""
    found: set[str] = set()
    doc = getattr(func, "__doc__", None)

    def walk(code: types.CodeType) -> None:
        found.update(code.co_names)
        nested = [const for const in code.co_consts if isinstance(const, types.CodeType)]
        for inner in nested:
            walk(inner)
        for const in code.co_consts:
            # Before 3.11 a nested function's qualified name is a constant too.
            if isinstance(const, str) and const != doc and not any(_names(const, inner) for inner in nested):
                found.add(const)

    code = getattr(func, "__code__", None)
    if code is not None:
        walk(code)
    return frozenset(found)


def _names(const: str, code: types.CodeType) -> bool:
    return const == code.co_name or const.endswith("." + code.co_name)


_BASE = {"has_message_body", "status", "headers", "setdefault", "content_type", "items", "encode"}
_BASE |= {"content-type", "ascii", "surrogateescape"}
_SHAPES: dict[frozenset[str], Encoder] = {
    frozenset(_BASE | {"remove_entity_headers"}): _entity,
    frozenset(_BASE): _plain,
    frozenset(_BASE | {"_sanitize_header_value"}): _sanitized,
}

_PROPERTY = BaseHTTPResponse.__dict__.get("processed_headers")
_SANITIZER: Callable[[str], str] | None = getattr(BaseHTTPResponse, "_sanitize_header_value", None)


def _sanitize(value: str) -> str:
    return _SANITIZER(value)  # type: ignore[misc]  # only reached when _sanitized was picked


def _has_message_body_matches() -> bool:
    """Is ``sanic.helpers.has_message_body`` the rule inlined above?"""
    try:
        from sanic.helpers import has_message_body
    except ImportError:  # pragma: no cover - every supported release has it
        return False
    return all(
        has_message_body(status) == (status not in (204, 304) and not 100 <= status < 200)
        for status in (100, 101, 103, 199, 200, 201, 204, 205, 304, 404, 412, 500)
    )


def _table_is_non_printable() -> bool:
    """Does the sanitiser only delete non-printable characters (so that a
    printable string can skip it)?  Checked on its table, when Sanic has one."""
    try:
        from sanic.response.types import HEADER_TRANSLATION_TABLE
    except ImportError:
        return False
    return all(not chr(code).isprintable() and target is None for code, target in HEADER_TRANSLATION_TABLE.items())


def _base_encoder() -> Encoder:
    if not isinstance(_PROPERTY, property) or not _has_message_body_matches():
        return _sanics
    encoder = _SHAPES.get(_shape(_PROPERTY.fget), _sanics)
    if encoder is _sanitized and (
        _shape(_SANITIZER) != {"translate", "HEADER_TRANSLATION_TABLE"} or not _table_is_non_printable()
    ):
        return _sanics
    return encoder


_BASE_ENCODER = _base_encoder()
# The encoder per response class; a class overriding what the shortcut
# stands in for gets Sanic's property.
HEAD_ENCODERS: dict[type[Any], Encoder] = {}


def head_encoder(cls: type[Any]) -> Encoder:
    """The function that turns a ``cls`` response into ASGI header pairs."""
    encoder = HEAD_ENCODERS.get(cls)
    if encoder is None:
        encoder = _BASE_ENCODER
        if getattr(cls, "processed_headers", None) is not _PROPERTY or (
            encoder is _sanitized and getattr(cls, "_sanitize_header_value", None) is not _SANITIZER
        ):
            encoder = _sanics
        if len(HEAD_ENCODERS) > 256:  # classes made on the fly: do not grow without bound
            HEAD_ENCODERS.clear()
        HEAD_ENCODERS[cls] = encoder
    return encoder


def response_head(res: Any) -> HeadPairs:
    """``res.processed_headers`` with lowercased names, as a list."""
    return (HEAD_ENCODERS.get(res.__class__) or head_encoder(res.__class__))(res)
