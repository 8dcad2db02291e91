"""``examples/realtime.py`` under uvicorn, with Python clients (the browser is
in ``test_browser.py``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.realtime.conftest import Served
from tests.realtime.test_streaming import read_event

pytestmark = pytest.mark.timeout(60)


def test_page_is_served(example_server: Served) -> None:
    res = example_server.get("/")
    assert res.status_code == 200
    assert res.headers["content-type"] == "text/html; charset=utf-8"
    assert 'new EventSource("/clock' in res.text
    assert "new WebSocket(" in res.text


def test_clock_ticks_and_resumes_after_last_event_id(example_server: Served) -> None:
    with example_server.client() as client:
        with client.stream("GET", "/clock", params={"interval": "0.05"}) as res:
            assert res.status_code == 200
            assert res.headers["content-type"] == "text/event-stream; charset=utf-8"
            lines = res.iter_lines()
            assert read_event(lines) == ["retry: 2000"]
            ids = []
            for _ in range(3):
                event = read_event(lines)
                assert event[1] == "event: tick"
                ids.append(event[0])
                assert json.loads(event[2].removeprefix("data: "))["n"] == int(event[0].removeprefix("id: "))
            assert ids == ["id: 1", "id: 2", "id: 3"]
        # An EventSource that reconnects sends the last id it saw.
        with client.stream("GET", "/clock", params={"interval": "0.05"}, headers={"last-event-id": "41"}) as res:
            lines = res.iter_lines()
            read_event(lines)
            assert read_event(lines)[0] == "id: 42"
        assert client.get("/clock", params={"interval": "0"}).status_code == 400


async def next_matching(ws: Any, match: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
    """The next chat message for which ``match`` is true (others are skipped)."""

    async def matching() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if match(message):
                return message  # type: ignore[no-any-return]

    return await asyncio.wait_for(matching(), timeout)  # (asyncio.timeout is 3.11+)


async def test_chat_broadcasts_to_every_member(example_server: Served) -> None:
    async with example_server.ws("/chat?name=alice") as alice:
        welcome = json.loads(await alice.recv())
        assert welcome["text"] == "welcome, alice"
        async with example_server.ws("/chat?name=bob") as bob:
            assert json.loads(await bob.recv())["text"] == "welcome, bob"
            await next_matching(alice, lambda m: m["text"] == "bob joined")
            await bob.send("hi all")
            said = {"from": "bob", "text": "hi all"}
            assert await next_matching(alice, lambda m: m["from"] == "bob") == said
            assert await next_matching(bob, lambda m: m["from"] == "bob") == said
        # bob's client closed: his handler ended and the others are told.
        await next_matching(alice, lambda m: m["text"] == "bob left")
