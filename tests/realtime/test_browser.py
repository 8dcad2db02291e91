"""A real browser as the client: headless Chromium on ``examples/realtime.py``.

The page (``examples/realtime_static/index.html``) opens an ``EventSource``
and a ``WebSocket`` on the example app, which uvicorn serves through the
adapter.  The test watches the ticks arrive in the page, chats with the page
from a Python websockets client (both directions), and saves a screenshot to
``artifacts/realtime-browser.png``.

It needs Debian's ``chromium`` package (``apt-get install -y chromium``) and
the ``playwright`` Python package (the ``[dev]`` extra); Playwright's own
browser download is never used (``executable_path`` points at the system
Chromium).  Without either the test is skipped, with the reason.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests._servers import ROOT
from tests.realtime.conftest import Served

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = ROOT / "artifacts" / "realtime-browser.png"
WAIT_MS = 20_000


@pytest.fixture
def page(tmp_path: Path) -> Any:
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh profile every time
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 720},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def chat_lines(page: Any) -> list[str]:
    return page.locator("#chat-log li").all_inner_texts()  # type: ignore[no-any-return]


def test_browser_sees_events_and_chats(example_server: Served, page: Any) -> None:
    from websockets.sync.client import connect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{example_server.url}/?interval=0.2&name=chromium")

    # Server-sent events arrive one by one in the page.
    page.wait_for_function("document.querySelectorAll('#sse-log li').length >= 5", timeout=WAIT_MS)
    ticks = page.locator("#sse-log li").all_inner_texts()
    assert [t.split(" at ")[0] for t in ticks[:5]] == [f"tick {n}" for n in range(1, 6)]
    assert page.locator("#sse-state").inner_text() == "open"

    # The page's websocket is open and welcomed.
    page.wait_for_function("document.getElementById('ws-state').textContent === 'open'", timeout=WAIT_MS)
    page.wait_for_function(
        "[...document.querySelectorAll('#chat-log li')].some(li => li.textContent === 'server: welcome, chromium')",
        timeout=WAIT_MS,
    )

    with connect(f"{example_server.ws_url}/chat?name=python", open_timeout=10, proxy=None) as peer:
        assert json.loads(peer.recv(timeout=10))["text"] == "welcome, python"
        # Browser -> server -> Python client.
        page.fill("#chat-input", "hello from chromium")
        page.click("#chat-send")
        while True:
            message = json.loads(peer.recv(timeout=10))
            if message["from"] == "chromium":
                break
        assert message == {"from": "chromium", "text": "hello from chromium"}
        # Python client -> server -> browser.
        peer.send("hello from python")
        page.wait_for_function(
            "[...document.querySelectorAll('#chat-log li')].some(li => li.textContent === 'python: hello from python')",
            timeout=WAIT_MS,
        )
    page.wait_for_function(
        "[...document.querySelectorAll('#chat-log li')].some(li => li.textContent === 'server: python left')",
        timeout=WAIT_MS,
    )

    lines = chat_lines(page)
    for expected in ("chromium: hello from chromium", "server: python joined", "python: hello from python"):
        assert expected in lines, lines
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert errors == []
