"""``sanic-floor``: the least any ASGI adapter for Sanic must do per request.

Not a usable adapter - a measuring stick.  Per ``http`` scope it decodes the
headers (Sanic's ``Request`` takes ``str`` pairs), builds Sanic's own
``Request``, calls ``app.handle_request`` and turns the response into the two
ASGI messages (the head through ``sanic_asgi._generations._processed_headers``, the cheapest known way
to make ``processed_headers``' pairs); the body is read in one go.  Nothing else: no disconnect
watcher, no ``RESPONSE_TIMEOUT``, no framing rules (HEAD, 1xx/204/304,
declared lengths), no ``REQUEST_MAX_SIZE``, no ``root_path``, no ``ConnInfo``,
no access log, no error page once the handler ran, no drain on shutdown.
Lifespan and websockets go to a real ``ASGIApp``.

``sanic-asgi`` minus ``sanic-floor`` is what those features cost; ``sanic-floor``
minus the bare ASGI app is what Sanic itself costs under uvicorn.
"""

from __future__ import annotations

from typing import Any

from sanic.http import Stage

from sanic_asgi._generations._processed_headers import response_head

__all__ = ["make_floor"]


class _Stream:
    """The ``request.stream`` Sanic's ``handle_request`` needs, and no more."""

    __slots__ = ("_body", "_receive", "_send", "request_body", "request_max_size", "response", "send", "stage")

    def __init__(self, receive: Any, send: Any, request_body: bool) -> None:
        self._receive = receive
        self._send = send
        self.request_body = request_body
        self.request_max_size = float("inf")
        self.response: Any = None
        self.stage = Stage.HANDLER
        self.send: Any = self._send_start
        self._body = True

    def respond(self, response: Any) -> Any:
        self.response, response.stream = response, self
        return response

    async def read(self) -> bytes | None:
        if not self._body:
            return None
        message = await self._receive()
        self._body = message.get("more_body", False)
        return message.get("body", b"")  # type: ignore[no-any-return]

    def __aiter__(self) -> Any:
        return self

    async def __anext__(self) -> bytes:
        data = await self.read()
        if data is None:
            raise StopAsyncIteration
        return data

    async def _send_start(self, data: bytes, end_stream: bool) -> None:
        res = self.response
        if not data and res.body:
            data, end_stream = res.body, True
        headers = response_head(res)
        if end_stream:
            headers.append((b"content-length", b"%d" % len(data)))
        await self._send({"type": "http.response.start", "status": res.status, "headers": headers})
        self.stage = Stage.IDLE if end_stream else Stage.RESPONSE
        self.send = None if end_stream else self._send_body
        if end_stream or data:
            await self._send({"type": "http.response.body", "body": data, "more_body": not end_stream})

    async def _send_body(self, data: bytes, end_stream: bool) -> None:
        if end_stream:
            self.stage, self.send = Stage.IDLE, None
        await self._send({"type": "http.response.body", "body": data, "more_body": not end_stream})


def make_floor(app: Any) -> Any:
    from sanic_asgi import ASGIApp

    asgi = ASGIApp(app)
    request_class = app.request_class

    async def floor(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await asgi(scope, receive, send)
            return
        headers = [(name.decode().lower(), value.decode()) for name, value in scope["headers"]]
        query = scope["query_string"]
        url = scope["raw_path"] + b"?" + query if query else scope["raw_path"]
        stream = _Stream(receive, send, scope["method"] == "POST")
        request = request_class(url, headers, scope["http_version"], scope["method"], stream, app)
        request.stream = stream
        await app.handle_request(request)
        if stream.stage is Stage.RESPONSE:
            await stream.response.send(end_stream=True)
        request.stream = stream.response.stream = None

    return floor
