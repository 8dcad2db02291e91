"""Fixtures of the reliability suite.

* ``scale`` - the sizes of this run (``tests.reliability._figures``:
  default for CI, ``SANIC_ASGI_RELIABILITY=full`` for the README figures).
* ``figures`` - where tests record what they did; printed at the end of the
  session and written as JSON for ``python -m tests.reliability.report``.
* ``loop_errors`` - everything the running loop's exception handler was given
  during the test ("Task exception was never retrieved", "Task was destroyed
  but it is pending", ...): a lost error shows up there.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sanic import Sanic

from tests.reliability._figures import FIGURES_ENV, Figures, Scale, current_scale


@pytest.fixture(scope="package", autouse=True)
def _sanic_test_mode() -> Iterator[None]:
    """Sanic's test mode (apps may share a name, no registry check) for this
    package's tests only, undone when pytest leaves the package."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sanic, "test_mode", True)
        yield


_FIGURES = pytest.StashKey[Figures]()


@pytest.fixture(scope="session")
def scale() -> Scale:
    return current_scale()


@pytest.fixture(scope="session")
def figures(request: pytest.FixtureRequest, scale: Scale) -> Figures:
    stash = request.config.stash
    if _FIGURES not in stash:
        stash[_FIGURES] = Figures(scale)
    return stash[_FIGURES]


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda loop, context: errors.append(context))
    try:
        yield errors
    finally:
        loop.set_exception_handler(previous)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the soak tests first among ours: their RSS figures should be the
    adapter's, not the high-water mark the property tests leave behind."""
    here = Path(__file__).parent
    positions = [i for i, item in enumerate(items) if here in Path(str(item.path)).parents]
    ours = [items[i] for i in positions]
    ours.sort(key=lambda item: Path(str(item.path)).name != "test_soak.py")
    for position, item in zip(positions, ours):
        items[position] = item


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    figures = config.stash.get(_FIGURES, None)
    if figures is None or not figures.rows:
        return
    terminalreporter.section("reliability figures")
    for line in figures.lines():
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    figures = session.config.stash.get(_FIGURES, None)
    path = os.environ.get(FIGURES_ENV)
    if figures is not None and path:
        figures.write(path)
