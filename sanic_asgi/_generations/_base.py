from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from sanic import Request

    from .._types import SanicApp, Scope


# An HTTP response refusing a websocket handshake: status, body, header pairs.
WebSocketDenial = tuple[int, bytes, list[tuple[bytes, bytes]]]


class Generation:
    """What the adapter needs from Sanic's internals; one subclass per line."""

    name = "base"
    # Does Sanic hand the response to callbacks (handle_request(request,
    # write_callback, stream_callback), before 21.3)?  Then the HTTP cycle is
    # sanic_asgi._http_legacy's (http_cycle_class).  Websockets have one cycle
    # for every release (sanic_asgi._websocket), with the hooks below.
    response_callbacks = False
    # Can handler calls be wrapped (sync_handlers="thread", ASGI responses)?
    # Sanic's handle_request takes the handler from self.router.get() from
    # 21.3 on (sanic_asgi._handlers).
    handler_calls = True
    # Does Sanic's access log take the adapter's lines (sanic_asgi._access_log)?
    # Before 21.3 its format is "%(status)d %(byte)d" and its server logged no
    # disconnect: there are no access lines there (ACCESS_LOG is ignored).
    access_log_lines = True
    # Does Sanic's server log a client that left mid-response ("DISCONNECTED",
    # HttpProtocol.log_disconnect, 24.6 on)?  Before, its access format is
    # "%(byte)d" (to 22.12) and its server wrote no such line.
    disconnect_access_line = False
    # Can `sanic-asgi run -w N` run Sanic's process model (sanic_asgi._cli.workers):
    # WorkerManager, app.m, shared_ctx handed to workers, app.ack()?
    process_model = False
    # Builds request.conn_info from the scope (called as conn_info_class(scope)).
    conn_info_class: Callable[[Scope], Any]
    # Is make_request just request_class(url_bytes, headers, version, method,
    # transport, app)?  Then the HTTP cycle calls the class itself (the call
    # saved runs on every request).
    plain_request = False

    def make_request(
        self,
        request_class: type[Request],
        url_bytes: bytes,
        headers: list[tuple[str, str]],
        version: str,
        method: str,
        transport: Any,
        app: SanicApp,
        head: Any = b"",
    ) -> Request:
        raise NotImplementedError

    def setup_logging(self, app: SanicApp) -> None:
        raise NotImplementedError

    def head_limit(self, config: Any) -> tuple[float, str]:
        """The size at which the release's own server refuses a request head
        (its size counted as ``sanic_asgi._request_head.head_size``), and the
        ``PayloadTooLarge`` message it answers with."""
        raise NotImplementedError

    def setup_extensions(self, app: SanicApp) -> None:
        """Load Sanic Extensions where the release's server does so before
        ``main_process_start`` (otherwise ``app._startup()`` loads them)."""
        return None

    async def handle_exception(
        self, app: SanicApp, request: Request, exception: BaseException, run_middleware: bool
    ) -> None:
        """``app.handle_exception``; it takes ``run_middleware`` from 22.6 on."""
        await app.handle_exception(request, exception, run_middleware)

    async def startup(self, app: SanicApp) -> None:
        """Finalize routes and signals, as Sanic's server does before serving."""
        raise NotImplementedError

    async def server_event(self, app: SanicApp, concern: str, action: str) -> None:
        """Fire ``server.<concern>.<action>`` listeners (priority honoured)."""
        raise NotImplementedError

    async def process_event(self, app: SanicApp, event: str) -> None:
        """Fire main-process listeners such as ``main_process_start``."""
        raise NotImplementedError

    def background_tasks(self, app: SanicApp) -> list[asyncio.Task[Any]]:
        """The app's running ``app.add_task`` tasks, named or not."""
        raise NotImplementedError

    def reset(self, app: SanicApp) -> None:
        """Undo what ``startup`` did, so that the app can be started again."""
        raise NotImplementedError

    def purge_tasks(self, app: SanicApp) -> None:
        """Let go of finished ``app.add_task`` tasks (``app.purge_tasks``)."""
        app.purge_tasks()

    def is_started(self, app: SanicApp) -> bool:
        """Has ``startup`` run (and ``reset`` not yet)?"""
        return bool(app.state.is_started)

    # -- websocket hooks (sanic_asgi._websocket.WebSocketCycle) ----------------
    # Is the upgrade request's head checked against head_limit() before the
    # handler runs, as Sanic's HTTP/1 parser does (21.3 onwards)?
    websocket_head_limit = True
    # Is request.stream the websocket's cycle?  Before 21.3 Sanic's server gave
    # a websocket request no stream (the handshake went through
    # request.transport.get_protocol()).
    websocket_request_stream = True

    def websocket_conn_info(self, request: Request, conn_info: Any) -> Any:
        """Give the upgrade request its ``conn_info``; returns what the cycle keeps."""
        request.conn_info = conn_info
        return conn_info

    async def call_websocket_handler(self, app: SanicApp, request: Request) -> WebSocketDenial | None:
        """Run the websocket route as Sanic's server does.  Returns the HTTP
        response to send instead of the handshake when the release hands a
        response back rather than sending it (status, body, header pairs),
        else None: the current releases send it through ``request.stream``."""
        # As Sanic's HTTP/1 parser, for the upgrade request too.
        if "http.lifecycle.request" in app.signal_router.name_index:
            await app.dispatch("http.lifecycle.request", inline=True, context={"request": request})
        await app.handle_request(request)
        return None
