"""A small but realistic Sanic app served through sanic-asgi: a shop.

Run it from the repository root with any ASGI server::

    uvicorn examples.shop:asgi
    hypercorn examples.shop:asgi
    granian --interface asgi examples.shop:asgi

(``sanic examples.shop:app`` still runs the very same app on Sanic's own
server.)  Then try::

    curl localhost:8000/
    curl localhost:8000/api/items
    curl -X POST localhost:8000/api/items -d '{"name": "tea", "price": 3.5}'
    curl localhost:8000/api/items/42                    # JSON 404 from the error handler
    curl -X POST localhost:8000/api/items -d '{"name": "tea"}'  # 400 from sanic-ext's validation
    curl localhost:8000/docs/openapi.json               # OpenAPI document (sanic-ext); /docs shows it
    curl localhost:8000/api/export.csv                  # a streamed response
    curl -N 'localhost:8000/live/events?count=5'        # server-sent events
    curl -T some-big-file localhost:8000/uploads        # a streamed upload
    python -m websockets ws://localhost:8000/live/echo  # a websocket echo

Where things are:

``app.py``
    ``create_app()``: config, listeners that open and close the database and
    keep it in app.ctx and the lifespan state, request/response middleware, error handler.
``catalog.py``
    a blueprint under ``/api``: JSON reads and writes, a streamed CSV export;
    OpenAPI docs and body validation by sanic-ext (``pip install sanic-ext``).
``live.py``
    a blueprint under ``/live``: server-sent events and a websocket echo.
``uploads.py``
    a ``stream=True`` upload route that never holds the body in memory.
``db.py``
    a stand-in for an async database driver.
"""

from .app import app, asgi, create_app

__all__ = ["app", "asgi", "create_app"]
