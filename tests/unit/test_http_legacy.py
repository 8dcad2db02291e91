"""``sanic_asgi._http_legacy``: the callback generation's HTTP cycle is the
current one with its declared hooks, picked from the generation."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import sanic_asgi
from sanic_asgi._generations import Generation
from sanic_asgi._generations.sanic18 import Sanic18, Sanic20
from sanic_asgi._http import HTTPCycle
from sanic_asgi._http_legacy import LegacyHTTPCycle, http_cycle_class

# HTTPCycle's hooks (its docstring names them): what a cycle of another generation may override.
HOOKS = {"build_request", "build_empty_request", "handle", "answer_error", "too_large_message"}


def test_the_cycle_is_picked_from_the_generation() -> None:
    assert http_cycle_class(Sanic18()) is LegacyHTTPCycle
    assert http_cycle_class(Sanic20()) is LegacyHTTPCycle
    assert http_cycle_class(Generation()) is HTTPCycle


def test_the_legacy_cycle_overrides_only_declared_hooks() -> None:
    """A renamed hook must fail here, not silently drop the override."""
    overridden = {name for name in vars(LegacyHTTPCycle) if hasattr(HTTPCycle, name) and not name.startswith("__")}
    assert overridden == HOOKS
    for hook in HOOKS:
        assert hook in inspect.getdoc(HTTPCycle)  # type: ignore[operator]


def test_generations_import_nothing_of_the_http_cycle() -> None:
    """Per-release shims sit below the cycles: no import of them, not even in a function."""
    folder = Path(sanic_asgi.__file__).parent / "_generations"
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert node.module not in ("_http", "_http_legacy", "_supervisor"), f"{path.name} imports {node.module}"
