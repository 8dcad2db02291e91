"""Reading an ASGI scope into what Sanic's ``Request`` takes.

Sanic's HTTP/1 parser gives ``Request`` the raw request target (path and
query, still percent-encoded) and headers decoded with UTF-8 and
``surrogateescape``, names lowercased (``sanic/http/http1.py``).  We build the
same from the scope so that a handler sees byte-for-byte what it would see on
Sanic's server.
"""

from __future__ import annotations

from urllib.parse import quote

from ._exceptions import MalformedScope
from ._types import Scope

__all__ = ["headers_from_scope", "route_path", "scope_method", "target_from_scope"]

# RFC 3986 pchar minus "%" (we are re-encoding a decoded path) plus "/".
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def scope_method(scope: Scope) -> str:
    """The http scope's ``method``, or ``MalformedScope`` saying what the
    scope holds instead."""
    try:
        method: str = scope["method"]
    except KeyError:
        keys = ", ".join(sorted(map(str, scope)))
        raise MalformedScope(f"http scope has no 'method' key: type={scope.get('type')!r}, keys: {keys}") from None
    if method.__class__ is not str and not isinstance(method, str):
        raise MalformedScope(f"scope['method'] must be a str, got {method!r:.100}")
    return method


def route_path(scope: Scope) -> str:
    """``scope["path"]`` with ``root_path`` removed, as Starlette's
    ``get_route_path``: servers (uvicorn >= 0.26) and Starlette's ``Mount``
    put the full path in ``path`` and the prefix in ``root_path``."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        rest = path[len(root_path) :]
        if not rest or rest[0] == "/":
            return rest or "/"
    return path


def target_from_scope(scope: Scope) -> bytes:
    """The request target (``/path?query``) as Sanic's router expects it."""
    try:
        raw_path = scope.get("raw_path")
        root_path: str = scope.get("root_path", "")
        if raw_path:
            # httpx's ASGITransport puts the query string into raw_path too.
            raw_path = raw_path.split(b"?", 1)[0]
            if root_path:
                root = root_path.encode("utf-8")
                if raw_path.startswith(root) and raw_path[len(root) : len(root) + 1] in (b"", b"/"):
                    raw_path = raw_path[len(root) :] or b"/"
        else:
            # raw_path is optional in the spec: re-encode the decoded path.
            raw_path = quote(route_path(scope), safe=PATH_SAFE).encode("ascii")
        query: bytes = scope.get("query_string", b"")
        target: bytes = raw_path + b"?" + query if query else raw_path
    except (KeyError, AttributeError, TypeError, UnicodeError) as exc:
        raise MalformedScope(
            f"expected scope['path'] (str), optional 'raw_path' and 'query_string' "
            f"(bytes); got path={scope.get('path')!r}, raw_path={scope.get('raw_path')!r}, "
            f"query_string={scope.get('query_string')!r}"
        ) from exc
    return target


def headers_from_scope(scope: Scope) -> list[tuple[str, str]]:
    """Header pairs decoded exactly as Sanic's HTTP/1 parser decodes them."""
    try:
        raw = scope.get("headers", ())
        if raw.__class__ is not list and raw.__class__ is not tuple:
            raw = list(raw)  # an iterator is read twice below
        try:
            # Valid UTF-8 decodes the same strictly, and bytes.decode() with
            # no arguments skips the codec-name lookup (per request, per header).
            return [(name.decode().lower(), value.decode()) for name, value in raw]
        except UnicodeDecodeError:
            return [
                (name.decode("utf-8", "surrogateescape").lower(), value.decode("utf-8", "surrogateescape"))
                for name, value in raw
            ]
    except (AttributeError, TypeError, ValueError) as exc:
        raise MalformedScope(
            f"expected scope['headers'] as an iterable of [name, value] byte pairs; got {scope.get('headers')!r:.200}"
        ) from exc
