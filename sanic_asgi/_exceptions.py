"""The exceptions sanic-asgi raises.

::

    SanicASGIError                   base class, never raised itself
    ├── ConfigurationError           an ASGIApp option was invalid, or the app is served twice
    ├── ProtocolError                the server broke the ASGI contract
    │   ├── UnsupportedScope         scope["type"] is not http/websocket/lifespan
    │   ├── MalformedScope           a required scope key is missing or has the wrong type
    │   └── UnexpectedMessage        receive() returned a message not valid at that point
    └── LifespanFailure              a listener raised during lifespan startup or shutdown

Errors caused by the *client* (bad headers, oversized bodies, disconnects) are
never raised out of ``ASGIApp.__call__``: they become the HTTP status Sanic's own
server would answer with, or a close code.  ``ProtocolError`` is raised for
mistakes of the *server* (or of an ASGI middleware in front of us), because
there is no client to answer.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "LifespanFailure",
    "MalformedScope",
    "ProtocolError",
    "SanicASGIError",
    "UnexpectedMessage",
    "UnsupportedScope",
]


class SanicASGIError(Exception):
    """Base class of every exception raised by sanic-asgi."""


class ConfigurationError(SanicASGIError, ValueError):
    """An option given to ``ASGIApp`` was invalid, or a second ``ASGIApp`` tried to
    start a Sanic app that another one is serving."""


class ProtocolError(SanicASGIError):
    """The ASGI server (or middleware) broke the ASGI contract."""


class UnsupportedScope(ProtocolError):
    """The scope's ``type`` is not one the adapter serves."""


class MalformedScope(ProtocolError):
    """A required scope key is missing or of the wrong type."""


class UnexpectedMessage(ProtocolError):
    """``receive()`` returned a message that is not valid at this point."""


class LifespanFailure(SanicASGIError):
    """A Sanic listener raised during lifespan startup or shutdown."""
