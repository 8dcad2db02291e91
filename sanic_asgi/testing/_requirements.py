"""The libraries of the ``testing`` extra, checked before they are imported.

Without them ``import sanic_asgi.testing`` would end in a bare
``ModuleNotFoundError: No module named 'httpx'``; this names the extra that
installs them instead.
"""

from __future__ import annotations

import importlib

__all__ = ["INSTALL_HINT", "require"]

INSTALL_HINT = "pip install 'sanic-asgi[testing]'"


def require(module: str, needed_by: str) -> None:
    """Raise ``ModuleNotFoundError`` naming the extra when ``module`` is missing."""
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:  # something the library itself imports: its own error says more
            raise
        raise ModuleNotFoundError(
            f"{needed_by} needs {module}, which is not installed; install it with: {INSTALL_HINT}", name=module
        ) from None
