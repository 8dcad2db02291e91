"""One manifest per third-party suite: where its tests are, what they need, and
every test that does not pass in a mode, with the reason.

``sanic_ext.py``, ``sanic_jwt.py``: read by ``thirdparty_plugin.py`` (the
pytest plugin that applies a manifest) and ``run.py`` (runs each suite plain
and through the adapter, prints the score).  A manifest holds:

* ``SUITE``: the suite's name (``--suites``); ``FOLDER``: its folder in
  ``../shared/thirdparty`` (read-only data; ``run.py`` copies its ``tests/``
  into ``.cache/thirdparty/<SUITE>/``, ignored by git, and runs it there);
* ``REQUIREMENTS``: what the suite needs installed, pinned (``.ci/run``
  installs them into a venv of their own: sanic-ext loads itself into every
  Sanic app of a venv it is installed in); ``DISTRIBUTIONS``: the versions
  ``run.py`` checks before a run;
* ``PYTEST_INI``: the suite's own pytest settings; ``PYTHONPATH``: folders
  of the copy put on ``sys.path`` (as the suite's tox.ini does);
* ``XFAIL``: node id -> (modes, reason): strict xfails, so a fix shows up
  as an XPASS failure and the entry must go; ``SKIP``: the same for tests
  not run in a mode (they hang); the modes are ``own`` (Sanic's own server,
  sanic-testing unchanged), ``inprocess`` and ``uvicorn`` (through
  ``ASGIApp``, ``pytest --sanic-asgi=MODE``);
* ``MARKED``: node id -> why: tests the suite marks xfail or skip itself.

``run.py`` fails a mode in which a test does not pass without a reason here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType

OWN = "own"
INPROCESS = "inprocess"
UVICORN = "uvicorn"
ADAPTER = frozenset({INPROCESS, UVICORN})
ALL_MODES = ADAPTER | {OWN}

NAMES = {"sanic-ext": "sanic_ext", "sanic-jwt": "sanic_jwt"}

Entry = tuple[frozenset[str], str]


def entries(modes: Iterable[str], reason: str, *nodeids: str) -> dict[str, Entry]:
    """One reason for several tests: ``{nodeid: (modes, reason)}``."""
    frozen = frozenset(modes)
    unknown = frozen - ALL_MODES
    if unknown:
        raise ValueError(f"unknown modes {sorted(unknown)}; known: {sorted(ALL_MODES)}")
    return {nodeid: (frozen, reason) for nodeid in nodeids}


def load(suite: str) -> ModuleType:
    """The manifest of ``suite`` (``SystemExit`` naming the known ones if none)."""
    if suite not in NAMES:
        raise SystemExit(f"no third-party suite {suite!r}; have: {', '.join(NAMES)}")
    return importlib.import_module(f"{__name__}.{NAMES[suite]}")


def explained(manifest: ModuleType, nodeid: str, mode: str) -> bool:
    """Does the manifest give the reason why ``nodeid`` does not pass in ``mode``?"""
    for table in (manifest.XFAIL, manifest.SKIP):
        entry = table.get(nodeid)
        if entry is not None and mode in entry[0]:
            return True
    return nodeid in manifest.MARKED
