"""The smallest Sanic app served through sanic-asgi.

Run it from the repository root with any ASGI server::

    uvicorn examples.hello:asgi
    hypercorn examples.hello:asgi
    granian --interface asgi examples.hello:asgi
    daphne examples.hello:asgi

then ``curl http://127.0.0.1:8000/``.  ``app`` is an ordinary Sanic app (it
still runs on Sanic's own server with ``sanic examples.hello:app``); ``asgi``
is the same app as an ASGI callable.
"""

from sanic import Request, Sanic
from sanic.response import HTTPResponse, text

from sanic_asgi import ASGIApp

app = Sanic("hello")


@app.get("/")
async def hello(request: Request) -> HTTPResponse:
    return text("Hello, world!")


asgi = ASGIApp(app)
