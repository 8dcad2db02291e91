"""pytest plugin applying a third-party suite's manifest (``suites/``).

Loaded by ``run.py`` with ``-p thirdparty_plugin`` (``tests/thirdparty`` and
``tests/compat`` on ``PYTHONPATH``), next to ``sanic_asgi.pytest_plugin`` in
the adapter modes: marks the manifest's strict xfails and skips for the mode
(``own`` without ``--sanic-asgi``) and writes the score (``scoring.py``,
shared with the compat suite) to ``--thirdparty-json``.
"""

from __future__ import annotations

from types import ModuleType

import pytest
import suites  # tests/thirdparty is on PYTHONPATH (run.py puts it there)
from scoring import ScoreKeeper  # tests/compat/scoring.py

_MANIFEST = pytest.StashKey[ModuleType]()
_STALE = pytest.StashKey[list[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--thirdparty-suite", default=None, help="the suite whose manifest applies (sanic-ext...)")
    parser.addoption("--thirdparty-json", default=None, help="write the score of this run to this JSON file")


def _mode(config: pytest.Config) -> str:
    return str(config.getoption("sanic_asgi", None) or suites.OWN)


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("thirdparty_suite")
    if not name:
        raise pytest.UsageError("thirdparty_plugin needs --thirdparty-suite NAME (run.py passes it)")
    manifest = config.stash[_MANIFEST] = suites.load(name)
    if not hasattr(config, "workerinput"):  # the xdist controller sees every worker's reports
        keeper = ScoreKeeper(
            config,
            mode=_mode(config),
            label={"suite": manifest.SUITE},
            explained=lambda nodeid, mode: suites.explained(manifest, nodeid, mode),
            stale=lambda: config.stash.get(_STALE, []),
            title=f"sanic-asgi third-party score: {manifest.SUITE}",
            json_path=config.getoption("thirdparty_json"),
        )
        config.pluginmanager.register(keeper, "thirdparty_score")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    mode = _mode(config)
    manifest = config.stash[_MANIFEST]
    for item in items:
        entry = manifest.SKIP.get(item.nodeid)
        if entry is not None and mode in entry[0]:
            item.add_marker(pytest.mark.skip(reason=f"[manifest] {entry[1]}"))
            continue
        entry = manifest.XFAIL.get(item.nodeid)
        if entry is not None and mode in entry[0]:
            item.add_marker(pytest.mark.xfail(reason=f"[manifest] {entry[1]}", strict=True))
    collected = {item.nodeid for item in items}
    files = {nodeid.split("::", 1)[0] for nodeid in collected}
    config.stash[_STALE] = sorted(
        nodeid
        for table in (manifest.XFAIL, manifest.SKIP)
        for nodeid in table
        if nodeid.split("::", 1)[0] in files and nodeid not in collected
    )
