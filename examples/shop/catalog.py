"""The catalog API: JSON reads and writes, and a streamed CSV export."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.exceptions import BadRequest, NotFound
from sanic.response import HTTPResponse, json

from sanic_asgi import lifespan_state

from .db import Database

catalog = Blueprint("catalog", url_prefix="/api")


def database(request: Request) -> Database:
    """The database the startup listener put into the lifespan state."""
    db: Database = lifespan_state(request)["db"]
    return db


@catalog.get("/items")
async def list_items(request: Request) -> HTTPResponse:
    return json(await database(request).all())


@catalog.get("/items/<item_id:int>")
async def get_item(request: Request, item_id: int) -> HTTPResponse:
    item = await database(request).get(item_id)
    if item is None:
        raise NotFound(f"no item {item_id}")
    return json(item)


@catalog.post("/items")
async def create_item(request: Request) -> HTTPResponse:
    data: Any = request.json  # Sanic answers 400 for a body that is not JSON
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    name, price = data.get("name"), data.get("price")
    if not isinstance(name, str) or not name:
        raise BadRequest("'name' must be a non-empty string")
    if not isinstance(price, (int, float)) or isinstance(price, bool) or price < 0:
        raise BadRequest("'price' must be a number >= 0")
    item = await database(request).add(name, float(price))
    location = request.app.url_for("catalog.get_item", item_id=item["id"])
    return json(item, status=201, headers={"location": location})


@catalog.get("/export.csv")
async def export_csv(request: Request) -> None:
    """Rows are sent as they are produced: no content-length, the ASGI
    server frames the body (chunked on HTTP/1.1)."""
    response = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="items.csv"'},
    )
    await response.send("id,name,price\n")
    for item in await database(request).all():
        await response.send(f"{item['id']},{item['name']},{item['price']:.2f}\n")
    await response.eof()
