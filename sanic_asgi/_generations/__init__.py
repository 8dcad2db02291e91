"""Per-generation shims: the few places where Sanic's internal API differs.

Everything the adapter needs from Sanic beyond its public API goes through a
``Generation`` object, so that a Sanic release that moves an internal shows up
here, in one small module, and nowhere else.  ``detect()`` picks the module
from ``sanic.__version__``.

Generations:

- ``sanic18``: 18.12, 19.12 and 20.12, the callback generation:
  ``handle_request(request, write_callback, stream_callback)``, listeners a
  dict of lists called ``(app, loop)``, the websocket handshake on the
  server protocol.  Its HTTP and websocket cycles are subclasses of the
  current ones, picked once per ``ASGIApp``.
- ``sanic21``: 21.12; the current request path (``request.stream``, signals,
  ``app._startup()``), older ``ConnInfo`` and ``app.state``.
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
    if major_minor >= (21, 12):
        from .sanic21 import Sanic21

        return Sanic21()
    if (18, 12) <= major_minor < (21, 3):
        from .sanic18 import Sanic18, Sanic19, Sanic20

        if major_minor >= (20, 12):
            return Sanic20()
        if major_minor >= (19, 12):
            return Sanic19()
        if major_minor == (18, 12):
            return Sanic18()
    raise ConfigurationError(
        "sanic-asgi supports the Sanic LTS lines 18.12, 19.12, 20.12, 21.12 and 22.12 onwards; "
        f"found Sanic {sanic_version}"
    )
