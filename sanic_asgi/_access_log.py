"""Sanic's access log lines, written for ASGI connections.

Sanic's own server writes one line per response (``sanic.http.Http.log_response``),
one per request whose client left (``HttpProtocol.log_disconnect``) and an
OPEN and a CLOSE line per websocket (``WebSocketProtocol.log_websocket``), all
to ``sanic.access`` with the ``status``, ``byte``, ``host``, ``request`` and
``duration`` fields its log format reads.  These functions write the same
lines from what an ASGI cycle knows; the cycles decide when.
"""

from __future__ import annotations

from time import perf_counter
from typing import TYPE_CHECKING, Any

from sanic.log import access_logger

if TYPE_CHECKING:
    from sanic import Request
    from sanic.response import BaseHTTPResponse

__all__ = ["log_disconnect", "log_response", "log_websocket", "peer_for_log"]


def peer_for_log(request: Request | None, owner: object) -> str:
    """``ip:port`` of the client, or Sanic's stand-in for a peer it does not
    know (four hex digits of the connection's id and ``unx``)."""
    if request is not None:
        ip = request.remote_addr or request.ip  # Request.client_ip (23.6+) is this
        if ip:
            return f"{ip}:{request.port}"
    return f"{id(owner):X}"[-5:-1] + "unx"


def log_response(
    request: Request,
    response: BaseHTTPResponse,
    owner: object,
    *,
    chunked: bool,
    length: int | None = None,
    started: float | None = None,
) -> None:
    """``Http.log_response``: status, body size (``chunked`` for a body of
    unknown length), and the time since ``started`` (a ``perf_counter``)."""
    byte: Any = "chunked" if chunked else (response.headers.get("content-length", 0) if length is None else length)
    extra = {
        "status": getattr(response, "status", 0),
        "byte": byte,
        "host": peer_for_log(request, owner),
        "request": f"{request.method} {request.url}",
        "duration": f" {1000 * (perf_counter() - started):.1f}ms" if started is not None else "",
    }
    access_logger.info("", extra=extra)


def log_disconnect(request: Request | None, response: BaseHTTPResponse | None, stage: object, owner: object) -> None:
    """``HttpProtocol.log_disconnect``: the client left before the response ended."""
    extra = {
        "status": response.status if response else str(stage),
        "byte": "DISCONNECTED",
        "host": peer_for_log(request, owner),
        "request": f"{request.method} {request.url}" if request else "nil",
        "duration": "",
    }
    access_logger.info("", extra=extra)


def log_websocket(message: str, *, status: Any, close: str, host: str, url: str) -> None:
    """``WebSocketProtocol.log_websocket``: ``message`` is OPEN, CLOSE or
    CLOSE_ABN; ``status`` the close code, ``close`` who closed and why."""
    extra = {"status": status, "byte": close, "host": host, "request": f" 🔌 {url}", "duration": ""}
    access_logger.info(message, extra=extra)
