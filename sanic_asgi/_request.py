"""The request class used for requests served under a ``root_path``.

Sanic's ``Request.url_for`` builds an absolute URL from the scheme, host and
route path; it cannot know that a proxy (``uvicorn --root-path /api``) or a
Starlette ``Mount("/api", ...)`` put the app under a prefix.  For requests
whose scope has a non-empty ``root_path`` the adapter therefore instantiates a
subclass of the app's own request class that adds the prefix to the path of
``url_for``'s result.  It has the same name and no instance attributes of its
own (``__slots__ = ()``), so ``isinstance`` checks, ``Request.get_current()``
and ``repr`` are unchanged; requests without a prefix use the app's class
itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sanic.request import Request  # `from sanic import Request` needs Sanic 21.3+

__all__ = ["prefixed_request_class"]

_CACHE: dict[type[Request], type[Request]] = {}


def prefixed_request_class(base: type[Request]) -> type[Request]:
    """Return (and cache) the root_path-aware subclass of ``base``."""
    cls = _CACHE.get(base)
    if cls is None:
        cls = _CACHE[base] = _make_subclass(base)
    return cls


def _make_subclass(base: type[Request]) -> type[Request]:
    def url_for(self: Request, view_name: str, **kwargs: Any) -> str:
        url: str = base.url_for(self, view_name, **kwargs)
        root_path: str = (getattr(self.transport, "scope", None) or {}).get("root_path", "")
        if not root_path:
            return url
        parts = urlsplit(url)
        if parts.path == root_path or parts.path.startswith(root_path.rstrip("/") + "/"):
            return url  # SERVER_NAME already carried the prefix
        return urlunsplit(parts._replace(path=root_path.rstrip("/") + parts.path))

    url_for.__doc__ = base.url_for.__doc__
    namespace = {"__slots__": (), "url_for": url_for, "__module__": base.__module__, "__qualname__": base.__qualname__}
    return type(base.__name__, (base,), namespace)
