"""Sanic names that appeared or moved between 18.12 and 25.12, imported once.

The adapter's modules import these from here instead of from Sanic, so that
the package imports on every supported Sanic line.  Where the current Sanic
has the name, it is Sanic's own object (Sanic's error handlers compare
``request.stream.stage`` with *its* ``Stage``); where an older release lacks
it, a stand-in with the same meaning is defined, and only the adapter uses it.
"""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any

from sanic.exceptions import SanicException
from sanic.helpers import has_message_body  # every supported line has it
from sanic.log import logger

__all__ = [
    "CLIENT_FIRST_SUBPROTOCOL",
    "HTTP_VERSION_1",
    "WEBSOCKET_ACCESS_LOG",
    "ConnInfo",
    "Header",
    "RequestCancelled",
    "ResponseStream",
    "Stage",
    "WebsocketClosed",
    "has_message_body",
    "websockets_logger",
]

try:  # Sanic 21.3+ (sanic.http became a package in 22.x; both export Stage)
    from sanic.http import Stage
except ImportError:  # Sanic 18.12 - 20.12: no sanic.http at all

    class Stage(Enum):  # type: ignore[no-redef]
        """``sanic.http.Stage`` of Sanic 21.3+; the adapter's own states."""

        IDLE = 0
        REQUEST = 1
        HANDLER = 3
        RESPONSE = 4
        FAILED = 100


try:  # Sanic 22.9+: Request.stream_id reads request.stream.version
    from sanic.http.constants import HTTP

    HTTP_VERSION_1: Any = HTTP.VERSION_1
except ImportError:  # nothing reads it before 22.9
    HTTP_VERSION_1 = 1

try:  # Sanic 22.6+
    from sanic.exceptions import RequestCancelled
except ImportError:

    class RequestCancelled(asyncio.CancelledError):  # type: ignore[no-redef]
        """``sanic.exceptions.RequestCancelled`` (22.6+): the client is gone."""

        quiet = True


try:  # Sanic 21.12+
    from sanic.exceptions import WebsocketClosed
except ImportError:

    class WebsocketClosed(SanicException):  # type: ignore[no-redef]
        """``sanic.exceptions.WebsocketClosed`` (21.12+)."""

        quiet = True


try:  # Sanic 22.3+
    from sanic.log import websockets_logger
except ImportError:
    websockets_logger = logger

try:  # Sanic 24.x+: its websocket protocol writes OPEN / CLOSE access-log lines
    from sanic.server.protocols.websocket_protocol import WebSocketProtocol as _WebSocketProtocol
except ImportError:  # Sanic 18.12 - 20.12
    WEBSOCKET_ACCESS_LOG = False
else:
    WEBSOCKET_ACCESS_LOG = hasattr(_WebSocketProtocol, "log_websocket")

try:  # Sanic 19.3+
    from sanic.compat import Header
except ImportError:  # Sanic 18.12: headers are a CIMultiDict
    from multidict import CIMultiDict as Header  # type: ignore[assignment]

try:  # Sanic 21.3+
    from sanic.response import ResponseStream
except ImportError:  # before: the streaming response has another name
    from sanic.response import StreamingHTTPResponse as ResponseStream  # type: ignore[attr-defined,no-redef]

try:  # Sanic 21.9+
    from sanic.models.server_types import ConnInfo
except ImportError:  # Sanic 20.6 - 21.6 (before 20.6: no ConnInfo; the callback generation has its own)
    try:
        from sanic.server import ConnInfo
    except ImportError:
        ConnInfo = None  # type: ignore[assignment,misc]

try:  # Sanic 21.9+: the websockets-based implementation, whose handshake lets
    # websockets pick the subprotocol (the route's order)
    import sanic.server.websockets.impl  # noqa: F401
except ImportError:  # Sanic 18.12 - 21.6 chose in their own handshake code: the
    # first one the client offers that the route lists
    CLIENT_FIRST_SUBPROTOCOL = True
else:
    CLIENT_FIRST_SUBPROTOCOL = False
