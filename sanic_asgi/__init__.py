"""Run Sanic apps under any ASGI server, with the behaviour of Sanic's own server."""

from __future__ import annotations

from ._app import ASGIApp, lifespan_state
from ._exceptions import (
    ConfigurationError,
    LifespanFailure,
    MalformedScope,
    ProtocolError,
    SanicASGIError,
    UnexpectedMessage,
    UnsupportedScope,
)
from ._extensions import asgi_extensions, early_hints, push, response_trailers
from ._responses import as_asgi, file_response
from ._websocket import WebSocketConnection

__version__ = "0.1.0"

__all__ = [
    "ASGIApp",
    "ConfigurationError",
    "LifespanFailure",
    "MalformedScope",
    "ProtocolError",
    "SanicASGIError",
    "UnexpectedMessage",
    "UnsupportedScope",
    "WebSocketConnection",
    "__version__",
    "as_asgi",
    "asgi_extensions",
    "early_hints",
    "file_response",
    "lifespan_state",
    "push",
    "response_trailers",
]
