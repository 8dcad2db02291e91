"""ASGI extensions, for Sanic handlers.

A server advertises what it can do beyond the base protocol in
``scope["extensions"]`` (ASGI spec, "Extensions").  These functions take the
Sanic ``Request`` and use an extension when the server advertised it; when it
did not, they do nothing and say so (``False`` / ``None``), so a handler can
call them unconditionally::

    @app.get("/")
    async def index(request):
        await sanic_asgi.early_hints(request, ["</app.css>; rel=preload; as=style"])
        await sanic_asgi.push(request, "/app.css")
        trailers = sanic_asgi.response_trailers(request)
        response = await request.respond(content_type="text/plain")
        await response.send("...")
        if trailers is not None:
            trailers["x-checksum"] = "..."
        await response.eof()

Which servers advertise which extension is measured by
``tests/ecosystem/test_extensions.py`` (table in the README).  Requests not
served by ``sanic_asgi.ASGIApp`` (Sanic's own server) have no extensions.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union

from ._generations._names import Header, Stage
from ._headers import encode_pairs, encode_value

if TYPE_CHECKING:
    from sanic import Request

    from ._http import HTTPCycle
    from ._types import Message

__all__ = ["asgi_extensions", "early_hints", "push", "response_trailers"]

HeaderPairs = Union[Mapping[str, str], Iterable[tuple[Union[str, bytes], Union[str, bytes]]]]


def asgi_extensions(request: Request) -> Mapping[str, Any]:
    """``scope["extensions"]`` of the request (empty when the server sent none
    or the request is not served through ASGI)."""
    scope = getattr(request.transport, "scope", None)
    if not isinstance(scope, Mapping):
        return {}
    extensions = scope.get("extensions")
    return extensions if isinstance(extensions, Mapping) else {}


async def push(request: Request, path: str, headers: HeaderPairs = ()) -> bool:
    """HTTP/2 server push of ``path`` (``http.response.push``); the server
    builds the pushed request from the current one plus ``headers``.  True if
    the push message was sent, False when the server has no push support or
    the response has ended."""
    cycle = _cycle(request)
    if cycle is None or "http.response.push" not in cycle.extensions or cycle.stage is Stage.IDLE:
        return False
    if not isinstance(path, str):
        raise TypeError(f"push() takes the path as a str, got {path!r}")
    pairs = encode_pairs(headers.items() if isinstance(headers, Mapping) else headers)
    await cycle.send_message({"type": "http.response.push", "path": path, "headers": pairs})
    return True


async def early_hints(request: Request, links: Iterable[str | bytes]) -> bool:
    """Send a ``103 Early Hints`` response with one ``link`` header per entry
    (``http.response.early_hint``; gunicorn's asgi worker:
    ``http.response.informational``).  Only before the response starts; True
    if it was sent."""
    if isinstance(links, (str, bytes)):
        links = [links]
    cycle = _cycle(request)
    if cycle is None or cycle.stage is not Stage.HANDLER:
        return False
    encoded = [encode_value(link) for link in links]
    if not encoded:
        return False
    message = early_hint_message(cycle.extensions, _takes_informational(), encoded)
    if message is None:
        return False
    await cycle.send_message(message)
    return True


def early_hint_message(extensions: Mapping[str, Any], informational: bool, links: list[bytes]) -> Message | None:
    """The message that sends ``links`` as a 103 through this server, or None
    when it has no way to.  ``informational``: the server writes
    ``http.response.informational`` messages."""
    if "http.response.early_hint" in extensions:
        return {"type": "http.response.early_hint", "links": links}
    if informational:
        return {"type": "http.response.informational", "status": 103, "headers": [(b"link", link) for link in links]}
    return None


def _takes_informational() -> bool:
    # gunicorn's asgi worker (gunicorn 25 on) advertises no extension but
    # writes any 1xx it gets as ``http.response.informational`` (status,
    # headers), over HTTP/1.1 and HTTP/2: a message of its own, not the spec's
    # ``early_hint``.  Its worker module is loaded only in the processes it
    # serves from (gunicorn loads worker classes by name), so this holds
    # behind ASGI middleware too, which passes unknown messages on.
    return "gunicorn.workers.gasgi" in sys.modules


def response_trailers(request: Request) -> Header | None:
    """Declare that the response ends with trailers (``http.response.trailers``)
    and return the (initially empty) header collection to put them in; it is
    sent after the last body chunk.  Call it before the response starts.
    None when the server has no trailer support.  Applies to Sanic responses;
    an ASGI response object sends its own trailers."""
    cycle = _cycle(request)
    if cycle is None or "http.response.trailers" not in cycle.extensions:
        return None
    if cycle.trailers is None:
        if cycle.stage is not Stage.HANDLER:
            raise RuntimeError("response_trailers() must be called before the response starts")
        cycle.trailers = Header()
    return cycle.trailers


def _cycle(request: Request) -> HTTPCycle | None:
    from ._http import HTTPCycle

    transport = getattr(request, "transport", None)
    return transport if isinstance(transport, HTTPCycle) else None
