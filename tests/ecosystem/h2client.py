"""A small HTTP/2 client (h2 over TLS) that shows what httpx hides: 1xx
informational responses, server pushes and trailers."""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events

HOST = "127.0.0.1"


@dataclass
class Exchange:
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    informational: list[tuple[int, list[tuple[str, str]]]] = field(default_factory=list)
    trailers: list[tuple[str, str]] = field(default_factory=list)
    pushes: dict[str, dict[str, object]] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)


def h2_get(port: int, cafile: str, path: str, headers: list[tuple[str, str]] | None = None) -> Exchange:
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(["h2"])
    raw = socket.create_connection((HOST, port), timeout=10)
    with context.wrap_socket(raw, server_hostname=HOST) as sock:
        assert sock.selected_alpn_protocol() == "h2"
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        conn.initiate_connection()
        stream_id = conn.get_next_available_stream_id()
        request = [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", f"{HOST}:{port}")]
        conn.send_headers(stream_id, request + list(headers or ()), end_stream=True)
        sock.sendall(conn.data_to_send())
        exchange = Exchange()
        pushed: dict[int, dict[str, object]] = {}
        open_streams = {stream_id}
        deadline = time.monotonic() + 10
        while open_streams and time.monotonic() < deadline:
            data = sock.recv(65536)
            if not data:
                break
            for event in conn.receive_data(data):
                sid = getattr(event, "stream_id", None)
                if isinstance(event, h2.events.PushedStreamReceived):
                    request_headers = dict(event.headers)
                    pushed[event.pushed_stream_id] = {"request": request_headers, "status": 0, "body": b""}
                    exchange.pushes[str(request_headers[":path"])] = pushed[event.pushed_stream_id]
                    open_streams.add(event.pushed_stream_id)
                elif isinstance(event, h2.events.InformationalResponseReceived):
                    items = list(event.headers)
                    status = int(dict(items)[":status"])
                    exchange.informational.append((status, [(k, v) for k, v in items if not k.startswith(":")]))
                elif isinstance(event, h2.events.ResponseReceived):
                    items = list(event.headers)
                    if sid == stream_id:
                        exchange.status = int(dict(items)[":status"])
                        exchange.headers = [(k, v) for k, v in items if not k.startswith(":")]
                    elif sid in pushed:
                        pushed[sid]["status"] = int(dict(items)[":status"])
                elif isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    if sid == stream_id:
                        exchange.body += event.data
                    elif sid in pushed:
                        pushed[sid]["body"] = bytes(pushed[sid]["body"]) + event.data  # type: ignore[arg-type]
                elif isinstance(event, h2.events.TrailersReceived) and sid == stream_id:
                    exchange.trailers = list(event.headers)
                elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)):
                    open_streams.discard(event.stream_id)
            sock.sendall(conn.data_to_send())
        conn.close_connection()
        sock.sendall(conn.data_to_send())
    return exchange
