"""ASGI type aliases.

The message shapes themselves are asgiref's TypedDicts (``asgiref.typing``);
the adapter builds plain dicts on the hot path, so the callables below take
mutable mappings, as the ASGI spec and Starlette's ``types`` module do.
"""

from __future__ import annotations

from collections.abc import Awaitable, MutableMapping
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from sanic import Sanic

    SanicApp = Sanic[Any, Any]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApplication = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["ASGIApplication", "Message", "Receive", "SanicApp", "Scope", "Send"]
