"""How a target names an app: Sanic's CLI rules plus file paths."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from sanic import Sanic

from sanic_asgi import ASGIApp
from sanic_asgi._cli.loader import (
    STARTUP_REPORT_ENV,
    TARGET_ENV,
    AppLoadError,
    StartupReporter,
    Target,
    build_from_environment,
    encode_target,
    load_target,
)

_names = itertools.count()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pkg.server:app", {"module": "pkg.server", "attribute": "app", "factory": False}),
        ("pkg.server", {"module": "pkg.server", "attribute": "app", "implied_attribute": True, "dotted": True}),
        ("server", {"module": "server", "attribute": "app", "implied_attribute": True, "dotted": False}),
        ("pkg.server:create_app()", {"module": "pkg.server", "attribute": "create_app", "factory": True}),
        ("pkg.server.create_app()", {"module": "pkg.server", "attribute": "create_app", "factory": True}),
        ("pkg/server.py", {"path": "pkg/server.py", "attribute": "app", "implied_attribute": True}),
        ("pkg/server.py:api", {"path": "pkg/server.py", "attribute": "api"}),
        ("server.py:make()", {"path": "server.py", "attribute": "make", "factory": True}),
    ],
)
def test_parse(text: str, expected: dict[str, object]) -> None:
    target = Target.parse(text)
    for key, value in expected.items():
        assert getattr(target, key) == value, key


@pytest.mark.parametrize("text", ["", ":app", "pkg:", "create_app()"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(AppLoadError):
        Target.parse(text)


def test_module_attribute_and_the_implied_app() -> None:
    from tests.cli.apps import basic

    assert load_target(Target.parse("tests.cli.apps.basic:app")).app is basic.app
    assert load_target(Target.parse("tests.cli.apps.basic")).app is basic.app
    assert load_target(Target.parse("tests.cli.apps.basic.app")).app is basic.app  # Sanic's dotted form


def test_factories_run_once_per_process() -> None:
    from tests.cli.apps import factory

    first = load_target(Target.parse("tests.cli.apps.factory:create_app()")).app
    assert isinstance(first, Sanic)
    calls = len(factory.CALLS)
    again = load_target(Target.parse("tests.cli.apps.factory:create_app()")).app
    assert again is first
    assert len(factory.CALLS) == calls
    # A plain function is a factory without "()" (as Sanic's loader); a
    # callable object only with --factory.
    assert isinstance(load_target(Target.parse("tests.cli.apps.factory:create_app")).app, Sanic)
    assert isinstance(load_target(Target.parse("tests.cli.apps.factory:builder", factory=True)).app, Sanic)
    with pytest.raises(AppLoadError, match="Builder, not a Sanic app"):
        load_target(Target.parse("tests.cli.apps.factory:builder"))


def test_a_factory_in_a_module_that_also_built_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    # examples/shop/app.py: `app = create_app()` at import, and the target
    # `create_app()`: Sanic refuses a second app of one name; the factory's
    # new app is served and takes the name in Sanic's registry.
    monkeypatch.setattr(Sanic, "test_mode", False)  # the registry's check, as outside tests
    from tests.cli.apps import factory_and_app

    loaded = load_target(Target.parse("tests.cli.apps.factory_and_app:create_app()"))
    assert loaded.app is not factory_and_app.app
    assert loaded.app.name == "cli_factory_and_app"
    assert Sanic.get_app("cli_factory_and_app") is loaded.app
    assert loaded.notes == [
        "tests.cli.apps.factory_and_app:create_app built a new app 'cli_factory_and_app'; the one the module "
        "built at import is not served (it was taken out of Sanic's app registry)"
    ]


def test_a_factory_clashing_with_another_modules_app_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", False)
    from tests.cli.apps import basic

    with pytest.raises(AppLoadError, match=r'factory_and_app:clashing_factory raised SanicException: .*"cli_basic"'):
        load_target(Target.parse("tests.cli.apps.factory_and_app:clashing_factory()"))
    assert Sanic.get_app("cli_basic") is basic.app


def test_an_asgiapp_is_served_as_it_is() -> None:
    from tests.cli.apps import wrapped

    loaded = load_target(Target.parse("tests.cli.apps.wrapped:asgi"))
    assert loaded.asgi is wrapped.asgi
    assert loaded.app is wrapped.app


def test_a_file_path(tmp_path: Path) -> None:
    name = f"cli_file_{next(_names)}"
    (tmp_path / f"{name}_server.py").write_text(
        f"from sanic import Sanic\napi = Sanic({name!r})\napp = api\n", encoding="utf-8"
    )
    loaded = load_target(Target.parse(f"{tmp_path}/{name}_server.py:api"))
    assert loaded.app.name == name
    assert load_target(Target.parse(f"{tmp_path}/{name}_server.py")).app is loaded.app


def test_a_directory_is_sanics_simple_server(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("hi", encoding="utf-8")
    previous = Sanic._app_registry.pop("SimpleServer", None)
    try:
        loaded = load_target(Target.parse(f"{tmp_path}/"))
        assert loaded.app.name == "SimpleServer"
    finally:
        Sanic._app_registry.pop("SimpleServer", None)
        if previous is not None:
            Sanic._app_registry["SimpleServer"] = previous


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no_such_module_xyz:app", "no module named 'no_such_module_xyz'"),
        ("tests.cli.apps.no_such:app", "no module named 'tests.cli.apps.no_such'"),
        (
            "tests.cli.apps.basic:nope",
            "module 'tests.cli.apps.basic' has no attribute 'nope'; it has tests.cli.apps.basic:app",
        ),
        ("tests.cli.apps", "Sanic's default name 'app' was tried"),
        ("tests.cli.apps.factory:not_an_app", "is a int, not a Sanic app"),
        ("tests/cli/apps/missing.py", "no file 'tests/cli/apps/missing.py'"),
    ],
)
def test_errors_name_what_was_not_found(text: str, message: str) -> None:
    with pytest.raises(AppLoadError) as error:
        load_target(Target.parse(text))
    assert message in str(error.value)


def test_an_import_error_inside_the_module_is_not_blamed_on_the_target(tmp_path: Path) -> None:
    (tmp_path / "cli_broken_module.py").write_text("import not_installed_dependency_xyz\n", encoding="utf-8")
    with pytest.raises(AppLoadError, match="importing 'cli_broken_module' failed: ModuleNotFoundError") as error:
        load_target(Target.parse("cli_broken_module:app"), cwd=str(tmp_path))
    assert "not_installed_dependency_xyz" in str(error.value)


def test_build_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="sanic-asgi run"):
        build_from_environment("")
    raw = encode_target(
        Target.parse("tests.cli.apps.clean:app"),
        cwd=os.getcwd(),
        asgi_options={"lifespan": "off", "sync_handlers": "thread"},
        config={"ACCESS_LOG": True},
    )
    monkeypatch.setenv(TARGET_ENV, raw)
    monkeypatch.delenv(STARTUP_REPORT_ENV, raising=False)
    asgi = build_from_environment()
    assert isinstance(asgi, ASGIApp)
    assert asgi.lifespan == "off"
    assert asgi.app.config.ACCESS_LOG is True
    asgi.app.config.ACCESS_LOG = False

    monkeypatch.setenv(STARTUP_REPORT_ENV, "/dev/null")
    assert isinstance(build_from_environment(), StartupReporter)


async def test_startup_reporter_writes_a_failed_startup(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("", encoding="utf-8")
    sent = []

    async def app(scope: dict, receive: object, send: object) -> None:
        await send({"type": "lifespan.startup.failed", "message": "RuntimeError: boom"})  # type: ignore[operator]

    async def send(message: dict) -> None:
        sent.append(message)

    await StartupReporter(app, str(report))({"type": "lifespan"}, None, send)  # type: ignore[arg-type]
    assert report.read_text(encoding="utf-8") == "RuntimeError: boom\n"
    assert sent == [{"type": "lifespan.startup.failed", "message": "RuntimeError: boom"}]
