"""pytest plugin: run existing ``app.test_client`` / ``app.asgi_client`` tests through ``ASGIApp``.

Off unless asked for::

    pytest --sanic-asgi                 # in-process (same as --sanic-asgi=inprocess)
    pytest --sanic-asgi=uvicorn         # a real uvicorn per request, on a free port
    pytest --sanic-asgi=hypercorn
    pytest -p sanic_asgi.pytest_plugin --sanic-asgi=uvicorn   # if not installed as an entry point

A project's tests then run unchanged, but every ``app.test_client`` and
``app.asgi_client`` call serves the app through ``sanic_asgi.ASGIApp``
instead of Sanic's own server / Sanic's native ASGI mode: the way to show
that an app behaves the same under an ASGI server before switching servers.

How: Sanic's ``app.test_client`` and ``app.asgi_client`` properties import
``SanicTestClient`` / ``SanicASGITestClient`` from ``sanic_testing.testing``
when first used on an app.  For the session, the plugin points those two
names (there and in ``sanic_testing.manager``) at the sanic-asgi clients of
the same call shapes (``sanic_asgi.testing``), with pytest's ``MonkeyPatch``,
and puts the originals back when the session ends.  Sanic itself is not
touched: no class attribute of ``Sanic`` changes, unlike sanic-testing's own
ASGI client, which replaces ``Sanic.__call__`` for good.  Tests that import
``SanicTestClient`` from ``sanic_testing.testing`` at module level get ours,
because the swap happens before collection.  ``ReusableClient`` is left as
it is (it drives Sanic's server directly).

Sanic 19.12 and 20.12 have no sanic-testing: their clients are
``sanic.testing.SanicTestClient`` / ``SanicASGITestClient``, which
``sanic.app`` imports by name at import time.  The plugin then swaps those
names, in ``sanic.testing`` and in ``sanic.app`` (module attributes, the same
MonkeyPatch, undone at the end; the ``Sanic`` class is still not touched), for
subclasses of Sanic's own clients that serve on uvicorn or hypercorn
(``sanic_asgi._legacy_testing``; no ``inprocess`` there).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .testing import ServerName

__all__ = ["ClientSwap"]

_SERVERS = ("inprocess", "uvicorn", "hypercorn")
_SWAP_KEY = pytest.StashKey["ClientSwap"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sanic-asgi", "serve Sanic test clients through sanic_asgi.ASGIApp")
    group.addoption(
        "--sanic-asgi",
        action="store",
        nargs="?",
        const="inprocess",
        default=None,
        choices=_SERVERS,
        metavar="SERVER",
        dest="sanic_asgi",
        help=(
            "serve app.test_client / app.asgi_client through sanic_asgi.ASGIApp: "
            "in-process (default when given without a value), or on a real uvicorn or hypercorn. "
            "Write it as --sanic-asgi=SERVER."
        ),
    )


class ClientSwap:
    """The session's swap of sanic-testing's client classes (undone by ``undo``)."""

    def __init__(self, server: ServerName) -> None:
        self.server = server
        self._monkeypatch = pytest.MonkeyPatch()

    def install(self) -> None:
        if importlib.util.find_spec("sanic_testing") is None:
            self._install_legacy()
            return
        # Import both modules first: manager.py binds the names at import.
        testing_module = importlib.import_module("sanic_testing.testing")
        manager_module = importlib.import_module("sanic_testing.manager")

        from .testing import SanicASGITestClient, SanicTestClient
        from .testing._servers import warm_up

        warm_up(self.server)

        attrs: dict[str, Any] = {"server": self.server, "__module__": SanicTestClient.__module__}
        test_client = type("SanicTestClient", (SanicTestClient,), dict(attrs))
        asgi_client = type("SanicASGITestClient", (SanicASGITestClient,), dict(attrs))
        for module in (testing_module, manager_module):
            self._monkeypatch.setattr(module, "SanicTestClient", test_client)
            self._monkeypatch.setattr(module, "SanicASGITestClient", asgi_client)

    def _install_legacy(self) -> None:
        testing_module = importlib.import_module("sanic.testing")
        app_module = importlib.import_module("sanic.app")
        if not hasattr(testing_module, "SanicTestClient"):
            raise pytest.UsageError("--sanic-asgi needs sanic-testing (pip install sanic-testing)")
        if self.server == "inprocess":
            raise pytest.UsageError("with Sanic < 21 (sanic.testing clients), use --sanic-asgi=uvicorn or hypercorn")
        from ._legacy_testing import legacy_clients

        test_client, asgi_client = legacy_clients(
            testing_module.SanicTestClient, testing_module.SanicASGITestClient, self.server
        )
        for module in (testing_module, app_module):
            self._monkeypatch.setattr(module, "SanicTestClient", test_client)
            self._monkeypatch.setattr(module, "SanicASGITestClient", asgi_client)

    def undo(self) -> None:
        self._monkeypatch.undo()


def pytest_configure(config: pytest.Config) -> None:
    server = config.getoption("sanic_asgi", None)
    if not server:
        return
    swap = ClientSwap(server)  # argparse checked it against _SERVERS
    swap.install()
    config.stash[_SWAP_KEY] = swap


def pytest_unconfigure(config: pytest.Config) -> None:
    swap = config.stash.get(_SWAP_KEY, None)
    if swap is not None:
        swap.undo()
        del config.stash[_SWAP_KEY]


def pytest_report_header(config: pytest.Config) -> str | None:
    swap = config.stash.get(_SWAP_KEY, None)
    if swap is None:
        return None
    return f"sanic-asgi: app.test_client and app.asgi_client serve through sanic_asgi.ASGIApp ({swap.server})"
