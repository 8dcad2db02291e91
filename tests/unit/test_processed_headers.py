"""The response head (``sanic_asgi._generations._processed_headers``): the same pairs as Sanic's
``processed_headers``, names lowercased, for every response the shortcut
takes, and Sanic's own property for every response it does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sanic.helpers import has_message_body
from sanic.response import BaseHTTPResponse, HTTPResponse, empty, json, raw, redirect, text

from sanic_asgi._generations import _processed_headers as _head
from sanic_asgi._generations import sanic_version_tuple
from sanic_asgi._generations._processed_headers import head_encoder, response_head

pytestmark = pytest.mark.timeout(10)


class Formatted(str):
    """A str subclass with its own ``__format__``: f"{value}" is not the value."""

    def __format__(self, spec: str) -> str:
        return "formatted"


class Stringy:
    def __str__(self) -> str:
        return "stringy\r\n"


def _cookies(res: HTTPResponse) -> HTTPResponse:
    if not hasattr(res, "add_cookie"):  # before Sanic 23.3
        res.cookies["one"] = "1"
        res.cookies["two"] = "2"
        return res
    res.add_cookie("one", "1")
    res.add_cookie("two", "2", path="/a\r\nSet-Cookie: evil=1")
    return res


def _headers(**values: Any) -> Callable[[HTTPResponse], HTTPResponse]:
    def apply(res: HTTPResponse) -> HTTPResponse:
        for name, value in values.items():
            res.headers[name.replace("_", "-")] = value
        return res

    return apply


def _plain_dict(res: HTTPResponse) -> HTTPResponse:
    res.headers = {"X-Dict": "1", "Content-Type": "text/x-dict"}  # type: ignore[assignment]
    return res


def _repeated(res: HTTPResponse) -> HTTPResponse:
    res.headers.add("x-multi", "a")
    res.headers.add("X-Multi", "b")
    return res


def _weird_names(res: HTTPResponse) -> HTTPResponse:
    res.headers["X-Foo\r\nX-Injected: evil"] = "bar"
    res.headers["X-Nul\x00"] = "v"
    res.headers["X-Tab\t"] = "v"
    return res


MAKERS: dict[str, Callable[[], HTTPResponse]] = {
    "json": lambda: json({"a": 1}),
    "text": lambda: text("hi"),
    "raw, no content-type": lambda: raw(b"x", content_type=None),  # type: ignore[arg-type]
    "HTTPResponse(content_type=None)": lambda: HTTPResponse(b"x"),
    "empty 204": lambda: empty(),
    "304": lambda: text("x", status=304, headers={"etag": "1", "content-type": "text/plain", "expires": "0"}),
    "412": lambda: text("x", status=412, headers={"content-encoding": "gzip", "x-keep": "1"}),
    "101": lambda: HTTPResponse(status=101, headers={"upgrade": "x"}),
    "redirect": lambda: redirect("/there?a=b"),
    "500": lambda: text("boom", status=500),
    "values": lambda: _headers(
        x_int=7,
        x_float=1.5,
        x_none=None,
        x_crlf="ok\r\nX-Injected: hdr",
        x_nul="a\x00b",
        x_tab="a\tb",
        x_unicode="café",
        x_surrogate="caf\udce9",
        x_formatted=Formatted("raw"),
        x_stringy=Stringy(),
        x_bytes=b"b",
    )(text("v")),
    "content-type with CRLF": lambda: text("v", content_type="text/plain\r\nX-Injected: evil"),
    "cookies": lambda: _cookies(text("c")),
    "repeated": lambda: _repeated(text("r")),
    "plain dict headers": lambda: _plain_dict(text("d")),
    "names": lambda: _weird_names(text("n")),
}


def _sanics_pairs(res: BaseHTTPResponse) -> list[tuple[bytes, bytes]]:
    return [(name.lower(), value) for name, value in res.processed_headers]


@pytest.mark.parametrize("make", list(MAKERS.values()), ids=list(MAKERS))
def test_the_same_pairs_as_processed_headers(make: Callable[[], HTTPResponse]) -> None:
    ours, sanics = make(), make()
    assert response_head(ours) == _sanics_pairs(sanics)
    # processed_headers also changes the response (the content-type default,
    # entity headers on 21.12-23.6): the shortcut must leave it the same.
    assert [(name, f"{value}") for name, value in ours.headers.items()] == [
        (name, f"{value}") for name, value in sanics.headers.items()
    ]


def test_a_name_that_is_not_ascii_fails_as_in_sanic() -> None:
    ours, sanics = text("x"), text("x")
    ours.headers["x-café"] = sanics.headers["x-café"] = "1"
    with pytest.raises(UnicodeEncodeError):
        _sanics_pairs(sanics)
    with pytest.raises(UnicodeEncodeError):
        response_head(ours)


def test_a_value_that_cannot_be_encoded_fails_as_in_sanic() -> None:
    class Unprintable:
        def __format__(self, spec: str) -> str:
            raise ValueError("no")

    ours, sanics = text("x"), text("x")
    ours.headers["x-bad"] = sanics.headers["x-bad"] = Unprintable()
    with pytest.raises(ValueError, match="no"):
        _sanics_pairs(sanics)
    with pytest.raises(ValueError, match="no"):
        response_head(ours)


def test_the_installed_sanic_is_recognised() -> None:
    # Sanic 21.12 onwards: one of the three known shapes.  Older releases
    # build their head differently and always get Sanic's own property.
    if sanic_version_tuple() >= (21, 12):
        assert head_encoder(HTTPResponse) is not _head._sanics
    else:
        assert head_encoder(HTTPResponse) is _head._sanics


def test_a_class_overriding_processed_headers_gets_its_own() -> None:
    class Custom(HTTPResponse):
        @property
        def processed_headers(self) -> Any:
            return iter([(b"X-Custom", b"1")])

    assert head_encoder(Custom) is _head._sanics
    assert response_head(Custom(b"x")) == [(b"x-custom", b"1")]


def test_a_class_overriding_the_sanitiser_gets_sanics_property() -> None:
    if not hasattr(BaseHTTPResponse, "_sanitize_header_value"):
        pytest.skip("this Sanic has no header sanitiser")

    class Strict(HTTPResponse):
        @staticmethod
        def _sanitize_header_value(value: str) -> str:
            return value.upper()

    assert head_encoder(Strict) is _head._sanics
    res = Strict(b"x", headers={"x-a": "low"})
    assert (b"x-a", b"LOW") in response_head(res)


def test_a_subclass_that_changes_nothing_takes_the_shortcut() -> None:
    class Plain(HTTPResponse):
        pass

    assert head_encoder(Plain) is head_encoder(HTTPResponse)
    assert response_head(Plain(b"x", headers={"x-a": "1"})) == _sanics_pairs(Plain(b"x", headers={"x-a": "1"}))


def test_an_unknown_shape_falls_back_to_sanics_property(monkeypatch: pytest.MonkeyPatch) -> None:
    def processed_headers(self: Any) -> Any:
        return ((name.encode("ascii"), f"{value}".upper().encode()) for name, value in self.headers.items())

    monkeypatch.setattr(_head, "_PROPERTY", property(processed_headers))
    assert _head._base_encoder() is _head._sanics


def test_each_known_shape_is_told_apart() -> None:
    # The three shapes, written as Sanic's releases wrote them.
    def entity(self: Any) -> Any:
        if self.status in (304, 412):
            self.headers = remove_entity_headers(self.headers)  # noqa: F821
        if has_message_body(self.status):
            self.headers.setdefault("content-type", self.content_type)
        return (
            (name.encode("ascii"), f"{value}".encode(errors="surrogateescape")) for name, value in self.headers.items()
        )

    def plain(self: Any) -> Any:
        if has_message_body(self.status):
            self.headers.setdefault("content-type", self.content_type)
        return (
            (name.encode("ascii"), f"{value}".encode(errors="surrogateescape")) for name, value in self.headers.items()
        )

    def sanitized(self: Any) -> Any:
        """A docstring is not part of the shape."""
        if has_message_body(self.status):
            self.headers.setdefault("content-type", self.content_type)
        return (
            (
                self._sanitize_header_value(name).encode("ascii"),
                self._sanitize_header_value(f"{value}").encode(errors="surrogateescape"),
            )
            for name, value in self.headers.items()
        )

    assert _head._SHAPES[_head._shape(entity)] is _head._entity
    assert _head._SHAPES[_head._shape(plain)] is _head._plain
    assert _head._SHAPES[_head._shape(sanitized)] is _head._sanitized


def test_the_class_cache_does_not_grow_without_bound() -> None:
    for index in range(300):
        head_encoder(type(f"Made{index}", (HTTPResponse,), {}))
    assert len(_head.HEAD_ENCODERS) <= 257
