"""The catalog API: JSON reads and writes, and a streamed CSV export.

sanic-ext (which Sanic loads into every app once it is installed) documents
the routes from their ``@openapi`` decorators at ``/docs`` (the document at
``/docs/openapi.json``) and checks the body of ``POST /api/items`` against
``NewItem`` (``@validate``) before the handler runs: a body of the wrong
shape gets a 400, in the app's JSON error format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from sanic import Blueprint, Request
from sanic.exceptions import BadRequest, NotFound
from sanic.response import HTTPResponse, json
from sanic_ext import openapi, validate

from .db import Database

catalog = Blueprint("catalog", url_prefix="/api")


@dataclass
class NewItem:
    """The body of ``POST /api/items``."""

    name: str
    price: Union[float, int]


@dataclass
class Item:
    id: int
    name: str
    price: float


@dataclass
class Error:
    error: str
    status: int


def database(request: Request) -> Database:
    """The database the startup listener opened."""
    db: Database = request.app.ctx.db
    return db


@catalog.get("/items")
@openapi.summary("List the items")
@openapi.response(200, {"application/json": list[Item]}, "every item")
async def list_items(request: Request) -> HTTPResponse:
    return json(await database(request).all())


@catalog.get("/items/<item_id:int>")
@openapi.summary("One item")
@openapi.response(200, {"application/json": Item}, "the item")
@openapi.response(404, {"application/json": Error}, "no item with that id")
async def get_item(request: Request, item_id: int) -> HTTPResponse:
    item = await database(request).get(item_id)
    if item is None:
        raise NotFound(f"no item {item_id}")
    return json(item)


@catalog.post("/items")
@openapi.summary("Add an item")
@openapi.body({"application/json": NewItem}, description="the new item's name and price", required=True)
@openapi.response(201, {"application/json": Item}, "the item, with its id; the location header names it")
@openapi.response(400, {"application/json": Error}, "a body that is not JSON or not a NewItem")
@validate(json=NewItem)  # Sanic answers 400 for a body that is not JSON, sanic-ext for one of the wrong shape
async def create_item(request: Request, body: NewItem) -> HTTPResponse:
    if not body.name:
        raise BadRequest("'name' must be a non-empty string")
    if isinstance(body.price, bool) or body.price < 0:
        raise BadRequest("'price' must be a number >= 0")
    item = await database(request).add(body.name, float(body.price))
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
