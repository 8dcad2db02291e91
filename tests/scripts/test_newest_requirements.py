""".ci/newest_requirements.py: what the "newest" CI leg installs, read from pyproject.toml."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("tomllib", reason="the CI script reads pyproject.toml with tomllib (Python 3.11+)")


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("newest_requirements", ROOT / ".ci" / "newest_requirements.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


newest = load_script()


def test_dev_without_the_websockets_bound() -> None:
    reqs = newest.requirements(ROOT / "pyproject.toml")
    assert "websockets" in reqs  # unbounded: the newest release, 17 and on
    assert not [r for r in reqs if r.startswith("websockets") and r != "websockets"]
    # The self-reference sanic-asgi[uvicorn,...,testing] is expanded into those extras' requirements.
    assert not [r for r in reqs if r.startswith("sanic-asgi")]
    for kept in ("sanic>=18.12", "uvicorn[standard]>=0.30", "hypercorn>=0.17", "mangum>=0.17", "httpx>=0.27"):
        assert kept in reqs
    assert "pytest-timeout>=2.3" in reqs  # [dev]'s own


def test_an_unreadable_requirement_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = []\n[project.optional-dependencies]\ndev = ["!!nonsense"]\n'
    )
    with pytest.raises(SystemExit, match=r"cannot read the requirement '!!nonsense' of \[dev\]"):
        newest.requirements(tmp_path / "pyproject.toml")
