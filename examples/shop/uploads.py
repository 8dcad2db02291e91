"""A streamed upload: the body is hashed chunk by chunk, never held whole.

``stream=True`` routes get the body as the server delivers it
(``request.stream.read()``), and Sanic lifts ``REQUEST_MAX_SIZE`` for them.
"""

from __future__ import annotations

import hashlib

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

uploads = Blueprint("uploads", url_prefix="/uploads")


@uploads.route("", methods=["POST", "PUT"], stream=True)
async def upload(request: Request) -> HTTPResponse:
    digest = hashlib.sha256()
    size = chunks = 0
    assert request.stream is not None
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            break
        digest.update(chunk)
        size += len(chunk)
        chunks += 1
    return json({"bytes": size, "chunks": chunks, "sha256": digest.hexdigest()}, status=201)
