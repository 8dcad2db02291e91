"""The adapter's handlers on Sanic's signals, attached through Sanic's public
signal API (``app.signal(event)``) when a runtime starts an app.

They sit above ``_http``/``_websocket`` and ``_runtime`` alike: the runtime is
handed them as data (``AppRuntime(signals=...)``) and never imports the cycles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sanic.exceptions import ServerError

from ._http import HTTPCycle, Stage
from ._runtime import log
from ._websocket import WebSocketConnection

if TYPE_CHECKING:
    from ._runtime import SignalHandler

__all__ = ["SIGNALS"]


async def _on_websocket_handler_exception(**context: Any) -> None:
    """Sanic closes a failed handler's websocket with ``ws.close()``: mark our
    connection so that the close carries 1011 (internal error)."""
    websocket = context.get("websocket")
    if isinstance(websocket, WebSocketConnection):
        websocket.handler_failed()


async def _on_http_exception(**context: Any) -> None:
    """Sanic's handle_exception only logs an error raised after the response
    started; tell the cycle, so that it aborts the connection."""
    request = context.get("request")
    stream = getattr(request, "stream", None)
    if not isinstance(stream, HTTPCycle):
        return
    exception = context.get("exception")
    if stream.stage is Stage.RESPONSE:
        stream.failed_after_start = exception
    runtime = stream.runtime
    if not runtime.asgi_responses and not runtime.asgi_response_hint_given and _invalid_response_type(exception):
        # Sanic answers 500 and logs its own error; say once what would send it.
        runtime.asgi_response_hint_given = True
        log.warning(
            "A route handler returned a response Sanic cannot send (%s); if it is an ASGI response "
            "object (Starlette's Response), serve the app with ASGIApp(app, asgi_responses=True)",
            str(exception).removeprefix("Invalid response type ").split(" (need HTTPResponse)")[0][:120],
        )


def _invalid_response_type(exception: object) -> bool:
    # Sanic's handle_request (21.3+): ServerError(f"Invalid response type {response!r} (need HTTPResponse)")
    return isinstance(exception, ServerError) and str(exception).startswith("Invalid response type ")


SIGNALS: tuple[tuple[str, SignalHandler], ...] = (
    ("websocket.handler.exception", _on_websocket_handler_exception),
    ("http.lifecycle.exception", _on_http_exception),
)
