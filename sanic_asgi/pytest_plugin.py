"""pytest plugin: run existing ``app.test_client`` / ``app.asgi_client`` tests through ``ASGIApp``.

Off unless asked for::

    pytest --sanic-asgi tests/                  # in-process
    pytest --sanic-asgi=uvicorn tests/          # a real uvicorn per request, on a free port
    pytest --sanic-asgi hypercorn tests/
    pytest --sanic-asgi --sanic-asgi-option sync_handlers=thread
    pytest -p sanic_asgi.pytest_plugin --sanic-asgi=uvicorn   # if not installed as an entry point

``--sanic-asgi`` takes the word after it as its value only when that word is
a server name (``inprocess``, ``uvicorn``, ``hypercorn``); anything else
after it (a path, ``-k``) is pytest's, and the mode is in-process.
``--sanic-asgi-option NAME=VALUE`` (repeatable) and the ini key
``sanic_asgi_options`` (one ``NAME=VALUE`` a line) pass keyword arguments to
every ``ASGIApp`` the clients build: ``lifespan``, ``sync_handlers``,
``graceful_shutdown_timeout`` (seconds or ``none``), ``asgi_responses``
(``true``/``false``); the command line wins over the ini file.

A project's tests then run unchanged, but every ``app.test_client``,
``app.asgi_client`` and ``sanic_testing.reusable.ReusableClient`` call serves
the app through ``sanic_asgi.ASGIApp`` instead of Sanic's own server / Sanic's
native ASGI mode: the way to show that an app behaves the same under an ASGI
server before switching servers.  At the end of the session a line says how
many requests went through ``ASGIApp``, per client; a test that builds one of
sanic-testing's own clients anyway (a class bound before the plugin swapped
it) gets a ``SanicASGIWarning`` naming it.

How: Sanic's ``app.test_client`` and ``app.asgi_client`` properties import
``SanicTestClient`` / ``SanicASGITestClient`` from ``sanic_testing.testing``
when first used on an app.  For the session, the plugin points those names
(there and in ``sanic_testing.manager``), and ``ReusableClient`` in
``sanic_testing.reusable``, at the sanic-asgi clients of the same call shapes
(``sanic_asgi.testing``), with pytest's ``MonkeyPatch``, and puts the
originals back when the session ends.  Sanic itself is not touched: no class
attribute of ``Sanic`` changes, unlike sanic-testing's own ASGI client, which
replaces ``Sanic.__call__`` for good.  The swap happens before the first
conftest is imported, so modules that import the clients at module level get
ours.

Sanic 19.3 - 20.12 have no sanic-testing: their clients are
``sanic.testing.SanicTestClient`` / ``SanicASGITestClient`` (from 19.12 on;
19.3's client sends with aiohttp), which ``sanic.app`` imports by name at
import time.  The plugin then swaps those names, in ``sanic.testing`` and in
``sanic.app`` (module attributes, the same MonkeyPatch, undone at the end;
the ``Sanic`` class is still not touched), for subclasses of Sanic's own
clients that serve on uvicorn or hypercorn (``sanic_asgi._legacy_testing``;
no ``inprocess`` there).  The same goes for sanic-testing with an httpx
older than 0.20 (the releases of Sanic 21.3 - 21.6 pin 0.18 or older): its
``sanic_testing.testing`` / ``sanic_testing.manager`` names are swapped for
such subclasses of its own clients.
"""

from __future__ import annotations

import copy
import functools
import importlib
import importlib.util
import os
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Callable

import pytest

if TYPE_CHECKING:
    from .testing import ServerName

__all__ = ["ClientSwap", "SanicASGIWarning", "asgi_options_from", "split_server_value"]

_SERVERS = ("inprocess", "uvicorn", "hypercorn")
_FLAG = "--sanic-asgi"
_SWAP_KEY = pytest.StashKey["ClientSwap"]()
_WORKER_COUNTS = "sanic_asgi_requests"
# sanic-testing's client classes, by module: what the swap replaces.
_SANIC_TESTING_NAMES = {
    "sanic_testing.testing": ("SanicTestClient", "SanicASGITestClient"),
    "sanic_testing.manager": ("SanicTestClient", "SanicASGITestClient"),
    "sanic_testing.reusable": ("ReusableClient",),
}


class SanicASGIWarning(UserWarning):
    """A test used a client that does not serve through ``ASGIApp``."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sanic-asgi", "serve Sanic test clients through sanic_asgi.ASGIApp")
    group.addoption(
        _FLAG,
        action="store",
        nargs="?",
        const="inprocess",
        default=None,
        # No argparse choices: they would reject ``--sanic-asgi tests/`` in
        # pytest's early parse, before pytest_load_initial_conftests can
        # split it; the value is checked there.
        metavar="SERVER",
        dest="sanic_asgi",
        help=(
            "serve app.test_client / app.asgi_client / ReusableClient through sanic_asgi.ASGIApp: "
            "in-process (when given without a server name), or on a real uvicorn or hypercorn. "
            "The next word is taken as the server only if it is one of inprocess, uvicorn, hypercorn."
        ),
    )
    group.addoption(
        "--sanic-asgi-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="sanic_asgi_options",
        help=f"a keyword argument for ASGIApp ({', '.join(_OPTION_PARSERS)}); repeatable",
    )
    parser.addini(
        "sanic_asgi_options",
        type="linelist",
        default=[],
        help="keyword arguments for ASGIApp under --sanic-asgi, one NAME=VALUE a line",
    )


# ---------------------------------------------------------------------- #
# Pure decisions: the command line and the options
# ---------------------------------------------------------------------- #
def split_server_value(args: list[str]) -> list[str]:
    """``args`` with ``--sanic-asgi WORD`` written as ``--sanic-asgi=inprocess
    WORD`` when WORD is not a server name (a path, another option), so that
    argparse's optional value does not swallow it; server names and
    ``--sanic-asgi=SERVER`` are left as they are.  Arguments after ``--`` are
    never touched."""
    result: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            return [*result, *args[index:]]
        result.append(arg)
        if arg == _FLAG:
            following = args[index + 1] if index + 1 < len(args) else None
            if following is not None and following not in _SERVERS and not following.startswith("-"):
                result[-1] = f"{_FLAG}=inprocess"
    return result


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _seconds_or_none(value: str) -> float | None:
    if value.strip().lower() == "none":
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"expected a number of seconds or none, got {value!r}") from None
    if seconds < 0:
        raise ValueError(f"expected a number of seconds >= 0, got {value!r}")
    return seconds


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    return parse


# ASGIApp's keyword arguments that can be written as text (middleware and mounts cannot).
_OPTION_PARSERS: dict[str, Callable[[str], Any]] = {
    "lifespan": _one_of("auto", "on", "off"),
    "sync_handlers": _one_of("loop", "thread"),
    "graceful_shutdown_timeout": _seconds_or_none,
    "asgi_responses": _boolean,
}


def asgi_options_from(items: Iterable[str], source: str) -> dict[str, Any]:
    """``ASGIApp`` keyword arguments from ``NAME=VALUE`` strings; ``ValueError``
    saying which item of ``source`` is wrong and what was expected."""
    options: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"{source}: expected NAME=VALUE, got {item!r}")
        parse = _OPTION_PARSERS.get(name)
        if parse is None:
            raise ValueError(f"{source}: unknown ASGIApp option {name!r}; known: {', '.join(_OPTION_PARSERS)}")
        try:
            options[name] = parse(value.strip())
        except ValueError as exc:
            raise ValueError(f"{source}: {name}: {exc}") from None
    return options


def requests_line(server: str, counts: Counter[str]) -> str:
    """The end-of-session line: how many requests went through ``ASGIApp``."""
    total = sum(counts.values())
    if not total:
        return (
            f"sanic-asgi ({server}): no request went through ASGIApp: no test used app.test_client, "
            "app.asgi_client or ReusableClient"
        )
    per_client = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    noun = "request" if total == 1 else "requests"
    return f"sanic-asgi ({server}): {total} {noun} went through ASGIApp ({per_client})"


# ---------------------------------------------------------------------- #
# The swap
# ---------------------------------------------------------------------- #
class ClientSwap:
    """The session's swap of sanic-testing's client classes (undone by ``undo``)."""

    def __init__(self, server: ServerName, asgi_options: dict[str, Any] | None = None) -> None:
        self.server = server
        self.asgi_options = dict(asgi_options or {})
        self.counts: Counter[str] = Counter()
        self._monkeypatch = pytest.MonkeyPatch()

    def install(self) -> None:
        if importlib.util.find_spec("sanic_testing") is None:
            self._install_legacy()
            return
        if _httpx_before_020():
            # sanic-testing <= 0.7 (Sanic 21.3 - 21.6) pins httpx 0.18 or older, whose
            # transport API sanic_asgi.testing's clients do not speak: Sanic's own
            # clients, served on a real server (sanic_asgi._legacy_testing).
            self._install_legacy(importlib.import_module("sanic_testing.testing"), "sanic_testing.manager")
            return
        # Import every module first: manager.py binds the names at import.
        modules = {name: importlib.import_module(name) for name in _SANIC_TESTING_NAMES}

        from .testing import ReusableClient, SanicASGITestClient, SanicTestClient
        from .testing._servers import warm_up

        warm_up(self.server)
        attrs: dict[str, Any] = {
            "server": self.server,
            "asgi_options": self.asgi_options,
            "tally": self,
            "__module__": SanicTestClient.__module__,
        }
        ours = {
            cls.__name__: type(cls.__name__, (cls,), dict(attrs))
            for cls in (SanicTestClient, SanicASGITestClient, ReusableClient)
        }
        originals: dict[str, type] = {}
        for module_name, names in _SANIC_TESTING_NAMES.items():
            for name in names:
                originals.setdefault(name, getattr(modules[module_name], name))
                self._monkeypatch.setattr(modules[module_name], name, ours[name])
        for name, original in originals.items():
            self._warn_on_use(original, name)

    def _warn_on_use(self, original: type, name: str) -> None:
        """Make sanic-testing's own class warn when a test builds it anyway
        (bound before the swap): it serves on Sanic's own server."""
        init = vars(original).get("__init__")
        if init is None:  # (each of sanic-testing's clients defines its own)
            return

        @functools.wraps(init)
        def warning_init(client: Any, *args: Any, **kwargs: Any) -> None:
            test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0] or "a test"
            warnings.warn(
                f"{test} built sanic_testing's {name}, bound before --sanic-asgi swapped it: its requests are served "
                f"by Sanic's own server, not through ASGIApp. Import the client inside the test, or use "
                f"app.test_client / app.asgi_client.",
                SanicASGIWarning,
                stacklevel=2,
            )
            init(client, *args, **kwargs)

        self._monkeypatch.setattr(original, "__init__", warning_init)

    def _install_legacy(self, testing_module: Any = None, app_module_name: str = "sanic.app") -> None:
        if testing_module is None:
            if importlib.util.find_spec("sanic.testing") is None:
                raise pytest.UsageError(
                    "--sanic-asgi needs sanic-testing, which is not installed: pip install sanic-testing"
                )
            testing_module = importlib.import_module("sanic.testing")
        app_module = importlib.import_module(app_module_name)
        if not hasattr(testing_module, "SanicTestClient"):
            raise pytest.UsageError(
                "--sanic-asgi needs sanic-testing, which is not installed: pip install sanic-testing"
            )
        if self.server == "inprocess":
            raise pytest.UsageError(
                "with Sanic < 21 (sanic.testing clients) or httpx < 0.20, use --sanic-asgi=uvicorn or hypercorn"
            )
        from ._legacy_testing import legacy_clients

        test_client, asgi_client = legacy_clients(
            testing_module.SanicTestClient,
            getattr(testing_module, "SanicASGITestClient", None),  # (none in Sanic 19.3)
            self.server,
            asgi_options=self.asgi_options,
            count=self.add,
        )
        for module in (testing_module, app_module):
            self._monkeypatch.setattr(module, "SanicTestClient", test_client)
            if asgi_client is not None:
                self._monkeypatch.setattr(module, "SanicASGITestClient", asgi_client)

    def add(self, client: str) -> None:
        """Count one request a swapped client served through ``ASGIApp``."""
        self.counts[client] += 1

    def undo(self) -> None:
        self._monkeypatch.undo()


def _httpx_before_020() -> bool:
    try:
        from importlib.metadata import version

        major, minor = (int(part) for part in version("httpx").split(".")[:2])
    except Exception:
        return False
    return (major, minor) < (0, 20)


# ---------------------------------------------------------------------- #
# Hooks
# ---------------------------------------------------------------------- #
@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # The first hook that sees the arguments with our option known, and runs
    # before any conftest is imported: fix ``--sanic-asgi PATH`` here (pytest
    # picks the initial conftests from the namespace parsed below), then swap.
    fixed = split_server_value(args)
    if fixed != args:
        args[:] = fixed
        early_config.known_args_namespace = parser.parse_known_args(args, namespace=copy.copy(early_config.option))
    server = getattr(early_config.known_args_namespace, "sanic_asgi", None)
    if not server:
        return
    if server not in _SERVERS:
        raise pytest.UsageError(f"--sanic-asgi: expected one of {', '.join(_SERVERS)}; got {server!r}")
    try:
        options = asgi_options_from(early_config.getini("sanic_asgi_options"), "ini sanic_asgi_options")
        options.update(
            asgi_options_from(
                getattr(early_config.known_args_namespace, "sanic_asgi_options", None) or [], "--sanic-asgi-option"
            )
        )
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    swap = ClientSwap(server, options)
    swap.install()
    early_config.stash[_SWAP_KEY] = swap


def pytest_unconfigure(config: pytest.Config) -> None:
    swap = config.stash.get(_SWAP_KEY, None)
    if swap is not None:
        swap.undo()
        del config.stash[_SWAP_KEY]


def pytest_report_header(config: pytest.Config) -> str | None:
    swap = config.stash.get(_SWAP_KEY, None)
    if swap is None:
        return None
    options = "".join(f", {name}={value!r}" for name, value in swap.asgi_options.items())
    return (
        "sanic-asgi: app.test_client, app.asgi_client and ReusableClient serve through "
        f"sanic_asgi.ASGIApp ({swap.server}{options})"
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    swap = session.config.stash.get(_SWAP_KEY, None)
    workeroutput = getattr(session.config, "workeroutput", None)
    if swap is not None and workeroutput is not None:  # an xdist worker: the controller prints the line
        workeroutput[_WORKER_COUNTS] = dict(swap.counts)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    swap = node.config.stash.get(_SWAP_KEY, None)
    counts = getattr(node, "workeroutput", {}).get(_WORKER_COUNTS)
    if swap is not None and counts:
        swap.counts.update(counts)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    swap = config.stash.get(_SWAP_KEY, None)
    if swap is None or hasattr(config, "workerinput"):
        return
    terminalreporter.write_line(requests_line(swap.server, swap.counts))
