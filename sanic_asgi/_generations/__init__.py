"""Per-generation shims: the few places where Sanic's internal API differs.

Everything the adapter needs from Sanic beyond its public API goes through a
``Generation`` object, so that a Sanic release that moves an internal shows up
here, in one small module, and nowhere else.  ``detect()`` picks the module
from ``sanic.__version__``.

Generations:

- ``sanic22``: 22.12 up to the current 25.12 line.  ``Request(url_bytes,
  headers, version, method, transport, app, head, stream_id)``; responses go
  through ``request.stream``; server listeners are signals
  (``server.init.before`` ...) fired by ``app._server_event``; main-process
  listeners live in ``app.listeners``.
"""

from __future__ import annotations

from itertools import takewhile
from typing import TYPE_CHECKING

from sanic import __version__ as sanic_version

from .._exceptions import ConfigurationError
from ._base import Generation

if TYPE_CHECKING:
    from .._types import SanicApp

__all__ = ["Generation", "detect", "sanic_version_tuple"]


def sanic_version_tuple(version: str = sanic_version) -> tuple[int, int]:
    """``"25.12.1"`` -> ``(25, 12)``; pre-release suffixes are ignored."""
    major, minor, *_ = version.split(".")
    return int(major), int("".join(takewhile(str.isdigit, minor)) or 0)


def detect(app: SanicApp) -> Generation:
    """Return the shim for the Sanic release that ``app`` comes from."""
    major_minor = sanic_version_tuple()
    if major_minor >= (22, 12):
        from .sanic22 import Sanic22

        return Sanic22()
    raise ConfigurationError(f"sanic-asgi supports Sanic 22.12 and newer; found Sanic {sanic_version}")
