"""The exception tree drawn in ``sanic_asgi._exceptions``."""

from __future__ import annotations

import pytest

import sanic_asgi
from sanic_asgi import (
    ConfigurationError,
    LifespanFailure,
    MalformedScope,
    ProtocolError,
    SanicASGIError,
    UnexpectedMessage,
    UnsupportedScope,
    _exceptions,
)


@pytest.mark.parametrize(
    ("exc", "parents"),
    [
        (ConfigurationError, (SanicASGIError, ValueError)),
        (ProtocolError, (SanicASGIError,)),
        (UnsupportedScope, (ProtocolError, SanicASGIError)),
        (MalformedScope, (ProtocolError, SanicASGIError)),
        (UnexpectedMessage, (ProtocolError, SanicASGIError)),
        (LifespanFailure, (SanicASGIError,)),
        (SanicASGIError, (Exception,)),
    ],
)
def test_tree(exc: type[BaseException], parents: tuple[type[BaseException], ...]) -> None:
    for parent in parents:
        assert issubclass(exc, parent)


def test_protocol_errors_are_not_configuration_errors() -> None:
    assert not issubclass(ProtocolError, ValueError)
    assert not issubclass(LifespanFailure, ProtocolError)


def test_every_exception_is_public_and_documented() -> None:
    for name in _exceptions.__all__:
        exc = getattr(_exceptions, name)
        assert getattr(sanic_asgi, name) is exc
        assert exc.__doc__, f"{name} has no docstring"
        # The module docstring draws the tree; every class is in it.
        assert name in (_exceptions.__doc__ or "")


def test_catch_all_base() -> None:
    with pytest.raises(SanicASGIError):
        raise MalformedScope("scope has no 'type'")
