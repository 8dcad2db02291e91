"""One manifest per Sanic release: what of its own test suite runs through the adapter,
and what is expected to fail.

``sanic_<major>_<minor>_<micro>.py`` (``sanic_25_12_1.py`` for 25.12.1), read
by ``sanic_compat.py`` (the pytest plugin that applies it) and ``run.py`` (the
command that runs the suite and prints the score).  Keep one line of reason per
entry, written for a Sanic maintainer.

What a manifest holds:

* ``SANIC_VERSION``, ``SDIST_SHA256``: the release and the sha256 of the sdist
  ``pip download sanic==VERSION --no-binary sanic --no-deps`` fetches (the
  tests come from it).
* The runner, the same for Sanic's own server and the adapter modes:
  ``PYTEST_SANIC_VERSION`` / ``PYTEST_SANIC_SHA256`` (the wheel is put on
  ``PYTHONPATH`` for the run), ``PYTEST_INI`` (Sanic's pytest settings),
  ``TEST_REQUIREMENTS`` (what ``scripts/legacy_matrix.py`` installs next to that
  release for its suite) and ``REQUIRED_MODULES`` (checked before a run).
* ``XDIST``: whether the suite may run on several pytest-xdist workers.
* ``MODES``: the modes the suite runs in for that release (``own`` and the
  adapter modes its test clients can be served in).
* ``SERVER_PROCESS``: files that test Sanic's own server process (its CLI,
  workers, reloader, TLS, HTTP/3, sockets, raw HTTP/1 handling, MOTD...).
  Under ASGI those are the ASGI server's job, so these files are not run.
* ``NO_CLIENT``: files of unit tests that never serve a request (helpers,
  config parsing, typing); they give the same result on any server, so they
  are not run either and do not count in the score.
* Every other file is *app-level*: its tests drive an app through
  ``app.test_client`` / ``app.asgi_client`` / ``SanicTestClient``, and all of
  its tests count in the score.
* ``XFAIL``: app-level tests that fail through the adapter, with the reason
  and the modes it applies to; they run as strict xfails, so a fix shows up
  as an XPASS failure and the entry must go.
* ``SKIP``: app-level tests that are not run in a mode (they would hang or
  poison the rest of the session), with the reason; they count as not passed.
* ``SANIC_MARKED``: tests Sanic's suite skips or xfails itself, with why.

``run.py`` fails an adapter mode in which a test does not pass without a
reason in the manifest (a failure, or a skip, say for a missing test dependency).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")

ADAPTER_MODES = frozenset({"inprocess", "uvicorn", "hypercorn"})
ALL_MODES = ADAPTER_MODES | {"own"}
REAL_SERVERS = frozenset({"uvicorn", "hypercorn"})

# Sanic's tox.ini [pytest] section (of the 25.x releases), which its tests are written against.
PYTEST_INI = """\
[pytest]
filterwarnings =
    ignore:.*async with lock.* instead:DeprecationWarning
    ignore::pytest.PytestUnhandledThreadExceptionWarning
addopts = --strict-markers
markers =
    asyncio
    xdist_group(name): mark test to run on same worker as others with same group name
"""

# Sanic's runner: its `loop` fixture and coroutine tests.  Its metadata pins
# websockets < 11, so run.py fetches the wheel into the cache and puts it on
# PYTHONPATH for the compat run only, instead of installing it.  1.9.1 (the
# last release) runs the suites of every release here.
PYTEST_SANIC_VERSION = "1.9.1"
PYTEST_SANIC_SHA256 = "a9a11f61dedbc3738c6a4f3d8ec24c42d48e25314ca1696f00782c7a0b3e1f16"

_HERE = Path(__file__).resolve().parent


def differs(newer: dict[_K, _V], *, drop: Iterable[_K] = (), add: dict[_K, _V] | None = None) -> dict[_K, _V]:
    """A table of an older release's manifest, written as its difference from
    the next release's: that table less ``drop``, plus ``add``."""
    dropped = set(drop)
    unknown = dropped - newer.keys()
    if unknown:
        raise ValueError(f"drop names entries the newer release does not have: {sorted(map(str, unknown))}")
    table = {key: value for key, value in newer.items() if key not in dropped}
    table.update(add or {})
    return table


def module_name(version: str) -> str:
    return "sanic_" + version.replace(".", "_")


def versions() -> list[str]:
    """The releases that have a manifest, oldest first."""
    found = []
    for path in _HERE.glob("sanic_*.py"):
        match = re.fullmatch(r"sanic_(\d+)_(\d+)_(\d+)", path.stem)
        if match:
            found.append(tuple(int(part) for part in match.groups()))
    return [".".join(map(str, v)) for v in sorted(found)]


def load(version: str) -> ModuleType:
    """The manifest of Sanic ``version`` (``SystemExit`` naming the known ones if none)."""
    if version not in versions():
        raise SystemExit(f"no compat manifest for Sanic {version}; have: {', '.join(versions())}")
    return importlib.import_module(f"{__name__}.{module_name(version)}")


def explained(manifest: ModuleType, nodeid: str, mode: str) -> bool:
    """Does the manifest give the reason why ``nodeid`` does not pass in ``mode``?"""
    for table in (manifest.XFAIL, manifest.SKIP):
        entry = table.get(nodeid)
        if entry is not None and mode in entry[0]:
            return True
    return nodeid in manifest.SANIC_MARKED


def not_run_reason(manifest: ModuleType, relpath: str) -> str | None:
    """Why the file (or directory) at ``relpath`` is not run, or None."""
    for table in (manifest.SERVER_PROCESS, manifest.NO_CLIENT):
        for entry, reason in table.items():
            if relpath == entry or (entry.endswith("/") and relpath.startswith(entry)):
                return reason
    return None
