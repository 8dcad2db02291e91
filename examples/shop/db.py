"""A stand-in for an async database driver: connect, query, close."""

from __future__ import annotations

import asyncio
from typing import Any

Item = dict[str, Any]


class Database:
    """An in-memory item table behind an async API."""

    def __init__(self) -> None:
        self._items: dict[int, Item] = {}
        self._next_id = 1
        self.connected = False

    async def connect(self) -> None:
        await asyncio.sleep(0)  # a real driver would open a pool here
        self.connected = True
        for name, price in (("coffee", 4.0), ("croissant", 2.5), ("juice", 3.0)):
            await self.add(name, price)

    async def close(self) -> None:
        await asyncio.sleep(0)
        self.connected = False

    async def all(self) -> list[Item]:
        self._check()
        return [dict(item) for item in self._items.values()]

    async def get(self, item_id: int) -> Item | None:
        self._check()
        item = self._items.get(item_id)
        return dict(item) if item is not None else None

    async def add(self, name: str, price: float) -> Item:
        self._check()
        item = {"id": self._next_id, "name": name, "price": price}
        self._items[self._next_id] = item
        self._next_id += 1
        return dict(item)

    def _check(self) -> None:
        if not self.connected:
            raise RuntimeError("the database is not connected")
