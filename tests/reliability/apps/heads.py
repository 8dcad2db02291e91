"""The app of the oversized-head tests (``tests/reliability/test_heads.py``).

* ``app`` - the Sanic app; ``python -m tests.reliability.apps.heads PORT``
  serves it on Sanic's own server (one process), for the reference answers;
* ``asgi`` - ``ASGIApp(app)``, for the ASGI servers.

``GET /`` counts the requests its handler ran (``GET /_ran`` reads the count),
so that a test can tell that a refused head never reached the handler.  The
app's own error handler answers ``PayloadTooLarge``: a refusal that went
through Sanic carries its text.
"""

from __future__ import annotations

import sys

from sanic import Request, Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.response import HTTPResponse

from sanic_asgi import ASGIApp

RAN = [0]

app = Sanic("reliability_heads")
app.config.ACCESS_LOG = False


@app.route("/", methods=["GET", "POST"])
async def index(request: Request) -> HTTPResponse:
    RAN[0] += 1
    return response.text("handled")


@app.route("/_ran")
async def ran(request: Request) -> HTTPResponse:
    return response.json({"ran": RAN[0]})


@app.exception(PayloadTooLarge)
async def too_large(request: Request, exception: PayloadTooLarge) -> HTTPResponse:
    return response.text(f"refused by the app's handler: {exception}", status=exception.status_code)


asgi = ASGIApp(app)

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), single_process=True, access_log=False, motd=False)
