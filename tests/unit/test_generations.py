"""The per-Sanic-generation shims (``sanic_asgi._generations``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from sanic import Request, Sanic, response
from sanic.models.server_types import ConnInfo

import sanic_asgi._generations as generations
from sanic_asgi import ConfigurationError
from sanic_asgi._generations import Generation, detect, sanic_version_tuple
from sanic_asgi._generations import sanic22 as sanic22_module
from sanic_asgi._generations.sanic22 import Sanic22, ScopeConnInfo
from sanic_asgi._runtime import AppRuntime


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("25.12.1", (25, 12)),
        ("22.12.0", (22, 12)),
        ("23.6", (23, 6)),
        ("24.12.0rc1", (24, 12)),
        ("25.3b2.0", (25, 3)),
        ("26.x.0", (26, 0)),
    ],
)
def test_sanic_version_tuple(version: str, expected: tuple[int, int]) -> None:
    assert sanic_version_tuple(version) == expected


def test_installed_sanic_is_supported(app: Sanic) -> None:
    generation = detect(app)
    assert isinstance(generation, Sanic22)
    assert generation.name == "sanic22"


def test_sanic_before_18_12_is_refused(app: Sanic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generations, "sanic_version_tuple", lambda: (0, 8))
    monkeypatch.setattr(generations, "sanic_version", "0.8.3")
    with pytest.raises(ConfigurationError, match=r"Sanic 18\.12 onwards; found Sanic 0\.8\.3: upgrade Sanic"):
        detect(app)


async def _old_handle_request(self: Any, request: Any, write_callback: Any, stream_callback: Any) -> None:
    """The shape of ``Sanic.handle_request`` before 21.3."""


def _request_init_without_app(
    self: Any, url_bytes: Any, headers: Any, version: Any, method: Any, transport: Any
) -> None:
    """The shape of ``Request.__init__`` before 19.6."""


# detect() reads the installed Sanic's code: each case gives the current
# Sanic the shape an older release has (the legacy matrix checks the real
# releases: tests/legacy/test_legacy.py::test_generation_is_detected).
@pytest.mark.parametrize(
    ("shape", "name"),
    [
        ("callbacks, Request without app", "sanic18"),
        ("callbacks, Request without conn_info", "sanic19"),
        ("callbacks", "sanic20"),
        ("no _startup", "sanic21_3"),
        ("no app.state", "sanic21_9"),
        ("no app.state.primary", "sanic21"),
        ("current", "sanic22"),
    ],
)
def test_generation_is_read_from_the_code(app: Sanic, monkeypatch: pytest.MonkeyPatch, shape: str, name: str) -> None:
    target: Any = app
    if shape.startswith("callbacks"):
        monkeypatch.setattr(Sanic, "handle_request", _old_handle_request)
        if "without app" in shape:
            monkeypatch.setattr(Request, "__init__", _request_init_without_app)
        if "without conn_info" in shape:
            monkeypatch.setattr(Request, "__slots__", tuple(s for s in Request.__slots__ if s != "conn_info"))
    elif shape == "no _startup":
        monkeypatch.delattr(Sanic, "_startup")
    elif shape == "no app.state":
        target = SimpleNamespace()
    elif shape == "no app.state.primary":
        target = SimpleNamespace(state=SimpleNamespace(is_started=False))
    assert detect(target).name == name


def test_base_generation_is_abstract(app: Sanic) -> None:
    base = Generation()

    async def run_all() -> None:
        for call in (
            lambda: base.startup(app),
            lambda: base.server_event(app, "init", "before"),
            lambda: base.process_event(app, "main_process_start"),
        ):
            with pytest.raises(NotImplementedError):
                await call()

    for sync_call in (
        lambda: base.make_request(Request, b"/", [], "1.1", "GET", None, app),
        lambda: base.setup_logging(app),
        lambda: base.background_tasks(app),
        lambda: base.reset(app),
    ):
        with pytest.raises(NotImplementedError):
            sync_call()
    asyncio.run(run_all())


def test_scope_conn_info_is_a_sanic_conn_info() -> None:
    info = ScopeConnInfo({"client": ("1.2.3.4", 5), "server": ("5.6.7.8", 8080), "scheme": "http"})
    assert isinstance(info, ConnInfo)
    assert info.client_ip == "1.2.3.4"
    assert info.client_port == 5
    assert info.server == "5.6.7.8:8080"
    assert info.server_port == 8080
    assert info.ssl is False
    assert info.lost is False
    assert info.cert == {}
    assert info.network_paths == []


@pytest.mark.parametrize(
    ("scheme", "port", "server"),
    [("https", 443, "h"), ("https", 80, "h:80"), ("http", 80, "h"), ("http", 443, "h:443"), ("wss", 443, "h")],
)
def test_scope_conn_info_default_ports(scheme: str, port: int, server: str) -> None:
    info = ScopeConnInfo({"scheme": scheme, "server": ("h", port)})
    assert info.server == server


def test_scope_conn_info_empty_scope() -> None:
    info = ScopeConnInfo({})
    assert info.server == info.client == info.client_ip == ""
    assert info.peername is None
    assert info.sockname is None
    assert info.ssl is False


def test_scope_conn_info_keeps_what_was_written_before_the_first_read() -> None:
    # The fields are filled on the first read; a disconnect (lost) or a
    # handler's ctx written before that must survive the fill.
    info = ScopeConnInfo({"client": ("1.2.3.4", 5), "scheme": "http"})
    info.lost = True
    info.ctx = ctx = SimpleNamespace(user="ada")
    assert info.client_ip == "1.2.3.4"
    assert info.lost is True
    assert info.ctx is ctx
    info.client_ip = "9.9.9.9"
    assert info.client_ip == "9.9.9.9"  # filled once, not again


def test_scope_conn_info_ctx_is_one_namespace_per_request() -> None:
    first, second = ScopeConnInfo({}), ScopeConnInfo({})
    first.ctx.seen = True
    assert not hasattr(second.ctx, "seen")
    assert first.ctx is first.ctx


def test_scope_conn_info_unknown_attribute_raises() -> None:
    info = ScopeConnInfo({"client": ("1.2.3.4", 5)})
    with pytest.raises(AttributeError, match="no_such_field"):
        info.no_such_field  # noqa: B018
    assert not hasattr(info, "__wrapped__")


def test_setup_logging_without_sanic_setup(app: Sanic, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sanic 22.12/23.3 have no sanic.logging.setup: setup_logging is a no-op.
    monkeypatch.setattr(sanic22_module, "_setup_logging", None)
    Sanic22().setup_logging(app)


async def test_process_event_listener_styles(app: Sanic) -> None:
    calls: list[Any] = []

    def sync_listener(app: Sanic) -> None:
        calls.append("sync")

    async def async_listener(app: Sanic) -> None:
        calls.append("async")

    def old_style(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        calls.append(("old", loop is asyncio.get_running_loop()))

    for listener in (sync_listener, async_listener, old_style):
        app.register_listener(listener, "main_process_start")
    await Sanic22().process_event(app, "main_process_start")
    await Sanic22().process_event(app, "main_process_stop")  # none registered
    assert calls == ["sync", "async", ("old", True)]


async def test_background_tasks_are_the_apps_own(app: Sanic) -> None:
    @app.get("/")
    async def index(request: Request) -> Any:
        return response.text("ok")

    runtime = AppRuntime(app)
    gen = runtime.generation
    await runtime.start()  # app.add_task needs a running app
    try:
        stranger = asyncio.ensure_future(asyncio.sleep(5))  # not the app's
        # Tasks still running when they are looked up (never awaited to their end).
        app.add_task(asyncio.sleep(5), name="named")
        app.add_task(asyncio.sleep(5))
        await asyncio.sleep(0)
        tasks = gen.background_tasks(app)
        assert len(tasks) == 2
        assert stranger not in tasks
        assert "named" in [t.get_name() for t in tasks]
        for task in [*tasks, stranger]:
            task.cancel()
        await asyncio.gather(*tasks, stranger, return_exceptions=True)
        assert gen.background_tasks(app) == []
    finally:
        await runtime.stop()


# TouchUp's rewrites are process-wide (class attributes of Sanic and its
# protocol classes), so each order runs in a fresh interpreter.
_CLIENTS_IN_TURN = """
import sys
from sanic import Sanic
from sanic.response import text
from sanic_asgi.testing import SanicTestClient, TestClient

app = Sanic("turns")

@app.get("/")
async def index(request):
    return text("ok")

for step in sys.argv[1]:
    if step == "starlette":
        with TestClient(app) as client:
            assert client.get("/").text == "ok"
    else:
        request, response = SanicTestClient(app).get("/")
        assert response.text == "ok", response.text
print("served")
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("order", [("starlette", "sanic"), ("sanic", "starlette"), ("starlette", "starlette")])
def test_an_app_started_outside_then_inside_test_mode_starts_again(order: tuple[str, str]) -> None:
    # TestClient leaves Sanic.test_mode off; SanicTestClient (as sanic-testing's
    # clients) turns it on.  TouchUp's first run outside test mode keeps no
    # originals, so a later start in test mode must not run it again
    # (it raised KeyError: '_run_request_middleware' from TouchUp.run).
    script = _CLIENTS_IN_TURN.replace("sys.argv[1]", repr(list(order)))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=50, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("served")
