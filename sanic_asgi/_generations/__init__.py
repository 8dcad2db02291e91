"""Per-generation shims: the few places where Sanic's internal API differs.

Everything the adapter needs from Sanic beyond its public API goes through a
``Generation`` object, so that a Sanic release that moves an internal shows up
here, in one small module, and nowhere else.  ``detect()`` picks the shim by
what the installed Sanic's code has (the signatures of ``handle_request`` and
``Request``, ``Sanic._startup``, ``app.state``), not by its version number, so
that every release of a generation, LTS or not, gets the same shim.

Generations (the releases they were tested on):

- ``sanic18``: the callback generation, 18.12 - 20.12 (``Sanic18``: 18.12,
  19.3; ``Sanic19``: 19.12, 20.3; ``Sanic20``: 20.6 - 20.12):
  ``handle_request(request, write_callback, stream_callback)``, listeners a
  dict of lists called ``(app, loop)``, the websocket handshake on the
  server protocol.  Its HTTP and websocket cycles are subclasses of the
  current ones, picked once per ``ASGIApp``.  ``Request`` takes ``app`` from
  19.6 on and has ``conn_info`` from 20.6 on.
- ``sanic21``: 21.3 - 21.12, the current request path (``request.stream``)
  with older start-ups: ``Sanic213`` (21.3, 21.6: listeners called by the
  server, no signals), ``Sanic219`` (21.9: ``app._startup()`` and server
  signals, no ``app.state``), ``Sanic21`` (21.12: TouchUp on every start).
- ``sanic22``: 22.3 up to the current 25.12 line.  ``Request(url_bytes,
  headers, version, method, transport, app, head, stream_id)``; responses go
  through ``request.stream``; server listeners are signals
  (``server.init.before`` ...) fired by ``app._server_event``; main-process
  listeners live in ``app.listeners``.
"""

from __future__ import annotations

from inspect import signature
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
    from sanic import Sanic
    from sanic.request import Request

    if sanic_version_tuple() < (18, 12):  # 0.x: nothing before 18.12 was ever tested
        raise ConfigurationError(
            f"sanic-asgi supports Sanic 18.12 onwards; found Sanic {sanic_version}: upgrade Sanic to 18.12 or later"
        )
    if "write_callback" in signature(Sanic.handle_request).parameters:  # before 21.3
        from .sanic18 import Sanic18, Sanic19, Sanic20

        if "app" not in signature(Request.__init__).parameters:  # 18.12, 19.3
            return Sanic18()
        if "conn_info" not in _slots(Request):  # 19.6 - 20.3
            return Sanic19()
        return Sanic20()  # 20.6 - 20.12
    from .sanic21 import Sanic21, Sanic213, Sanic219

    if not hasattr(Sanic, "_startup"):  # 21.3, 21.6
        return Sanic213()
    if not hasattr(app, "state"):  # 21.9
        return Sanic219()
    if not hasattr(app.state, "primary"):  # 21.12
        return Sanic21()
    from .sanic22 import Sanic22

    return Sanic22()  # 22.3 onwards


def _slots(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}
