"""pytest plugin that applies a release's manifest (``manifests/``) to Sanic's own test suite.

Loaded by ``run.py`` with ``-p sanic_compat`` (``tests/compat`` on
``PYTHONPATH``), next to ``sanic_asgi.pytest_plugin`` in the adapter modes.

* files listed as not run are not collected;
* ``XFAIL`` entries for the current mode get a strict xfail mark and
  ``SKIP`` entries a skip mark, each with its reason;
* at the end the outcome counts over the app-level tests are written as JSON
  (``--compat-json``), with the node ids of every test that did not pass.

The mode is the ``--sanic-asgi`` value, or ``own`` without it (Sanic's own
server, for the baseline); the manifest is the one of ``--compat-sanic``
(default: the installed Sanic's version).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import manifests  # tests/compat is on PYTHONPATH (run.py puts it there)
import pytest
from scoring import ScoreKeeper

_MANIFEST = pytest.StashKey[ModuleType]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--compat-json", default=None, help="write the compat score of this run to this JSON file")
    parser.addoption("--compat-sanic", default=None, help="the Sanic release whose manifest applies")


def _manifest(config: pytest.Config) -> ModuleType:
    return config.stash[_MANIFEST]


def _mode(config: pytest.Config) -> str:
    return str(config.getoption("sanic_asgi", None) or "own")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    try:
        relpath = collection_path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return None
    if collection_path.is_dir():
        relpath += "/"
    if manifests.not_run_reason(_manifest(config), relpath) is not None:
        return True
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    mode = _mode(config)
    manifest = _manifest(config)
    for item in items:
        entry = manifest.SKIP.get(item.nodeid)
        if entry is not None and mode in entry[0]:
            item.add_marker(pytest.mark.skip(reason=f"[compat manifest] {entry[1]}"))
            continue
        entry = manifest.XFAIL.get(item.nodeid)
        if entry is not None and mode in entry[0]:
            item.add_marker(pytest.mark.xfail(reason=f"[compat manifest] {entry[1]}", strict=True))
    collected = {item.nodeid for item in items}
    files = {nodeid.split("::", 1)[0] for nodeid in collected}
    stale = sorted(
        nodeid
        for table in (manifest.XFAIL, manifest.SKIP)
        for nodeid in table
        if nodeid.split("::", 1)[0] in files and nodeid not in collected
    )
    config.stash[_STALE] = stale


_STALE = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    version = config.getoption("compat_sanic", None)
    if not version:
        from sanic import __version__ as version
    config.stash[_MANIFEST] = manifests.load(version)
    if not config.pluginmanager.has_plugin("sanic"):
        raise pytest.UsageError("Sanic's tests run under pytest-sanic: put its wheel on PYTHONPATH (run.py does)")
    if not hasattr(config, "workerinput"):  # the xdist controller sees every worker's reports
        manifest = config.stash[_MANIFEST]
        keeper = ScoreKeeper(
            config,
            mode=_mode(config),
            label={"sanic": manifest.SANIC_VERSION},
            explained=lambda nodeid, mode: manifests.explained(manifest, nodeid, mode),
            stale=lambda: config.stash.get(_STALE, []),
            title="sanic-asgi compat score",
            json_path=config.getoption("compat_json"),
        )
        config.pluginmanager.register(keeper, "sanic_compat_score")
