"""The mapping tables: every Sanic setting is mapped or named, for every server."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from sanic_asgi._cli import servers
from sanic_asgi._cli.servers import (
    SERVERS,
    SETTINGS,
    TABLES,
    RunOptions,
    SanicSettings,
    mapping_markdown,
    translate,
)


def everything(server: str, tmp_path: Path, **changes: object) -> RunOptions:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("", encoding="utf-8")
    key.write_text("", encoding="utf-8")
    options = {"server": server, "workers": 2, "reload": True, "cert": str(cert), "key": str(key), **changes}
    return RunOptions(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize("server", SERVERS)
def test_every_table_has_every_setting(server: str) -> None:
    assert list(TABLES[server]) == list(SETTINGS)
    for row in TABLES[server].values():
        assert row.support in ("yes", "partly", "no")
        if row.support != "yes":
            assert row.note, f"{server}: {row.setting} needs a note saying why"


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("keep_alive", [True, False])
def test_nothing_is_dropped_silently(server: str, keep_alive: bool, tmp_path: Path) -> None:
    settings = SanicSettings(keep_alive=keep_alive, tls_cert_password="secret")
    plan = translate(everything(server, tmp_path), settings)
    named = {m.setting for m in plan.mapped} | {u.setting for u in plan.unhonoured}
    expected = set(SETTINGS) - {servers.UDS}  # --uds and host/port exclude each other
    expected -= {servers.KEEP_ALIVE_TIMEOUT} if not keep_alive else {servers.KEEP_ALIVE}
    assert expected <= named, expected - named
    for item in plan.unhonoured:
        assert TABLES[server][item.setting].support != "yes", item


def test_uvicorn_flags() -> None:
    settings = SanicSettings(
        keep_alive_timeout=7.5,
        websocket_max_size=2048,
        websocket_ping_interval=None,
        websocket_ping_timeout=3,
        graceful_shutdown_timeout=2.2,
    )
    plan = translate(RunOptions(port=9999, workers=3), settings)
    assert plan.args == [
        "--host", "127.0.0.1", "--port", "9999", "--workers", "3",
        "--timeout-keep-alive", "8",
        "--h11-max-incomplete-event-size", "8195",
        "--ws-max-size", "2048",
        "--ws-ping-timeout", "3",
        "--no-proxy-headers", "--no-access-log",
        "--timeout-graceful-shutdown", "3",
    ]  # fmt: skip
    assert plan.overrides == {"ws_ping_interval": None}  # no flag can say "no pings"
    assert [u.setting for u in plan.unhonoured] == ["REQUEST_TIMEOUT", "REQUEST_MAX_HEADER_SIZE"]
    assert not any(u.changed for u in plan.unhonoured)  # Sanic's defaults: mapped, no warning


def test_uvicorn_keep_alive_off_is_honoured() -> None:
    # uvicorn has no keep-alive switch: its idle timeout goes to 0, and the
    # adapter answers `connection: close` (as Sanic's server does).
    plan = translate(RunOptions(), SanicSettings(keep_alive=False, changed=frozenset({"KEEP_ALIVE"})))
    assert plan.args[plan.args.index("--timeout-keep-alive") + 1] == "0"
    assert "KEEP_ALIVE" not in [u.setting for u in plan.unhonoured]
    assert "connection: close" in TABLES["uvicorn"][servers.KEEP_ALIVE].note


def test_hypercorn_settings_without_flags_go_in_a_config_object(tmp_path: Path) -> None:
    plan = translate(
        RunOptions(server="hypercorn", uds=str(tmp_path / "s.sock")),
        SanicSettings(keep_alive=False, websocket_max_size=None),
    )
    assert plan.args[:2] == ["--bind", f"unix:{tmp_path / 's.sock'}"]
    assert plan.config_object == {
        "h11_max_incomplete_size": 8195,
        "h2_max_header_list_size": 54_248,
        "keep_alive_max_requests": 1,
        "websocket_max_message_size": sys.maxsize,
    }
    user_config = translate(RunOptions(server="hypercorn", passthrough=("--config", "mine.toml")), SanicSettings())
    assert any("--config replaces" in w for w in user_config.warnings), user_config.warnings


def test_hypercorn_ipv6_bind() -> None:
    plan = translate(RunOptions(server="hypercorn", host="::1", port=8443), SanicSettings())
    assert plan.args[:2] == ["--bind", "[::1]:8443"]


def test_granian_request_timeout_is_milliseconds_and_capped() -> None:
    plan = translate(
        RunOptions(server="granian"), SanicSettings(request_timeout=90, changed=frozenset({"REQUEST_TIMEOUT"}))
    )
    assert plan.args[plan.args.index("--http1-header-read-timeout") + 1] == "60000"
    (timeout,) = [u for u in plan.unhonoured if u.setting == "REQUEST_TIMEOUT"]
    assert "lowered to 60 s" in timeout.note
    assert timeout.changed
    short = translate(RunOptions(server="granian"), SanicSettings(request_timeout=0.25))
    assert short.args[short.args.index("--http1-header-read-timeout") + 1] == "250"


def test_daphne_tls_endpoint_escapes_colons(tmp_path: Path) -> None:
    odd = tmp_path / "a:b"
    odd.mkdir()
    options = everything("daphne", odd, workers=1, reload=False)
    plan = translate(options, SanicSettings())
    endpoint = plan.args[plan.args.index("--endpoint") + 1]
    assert endpoint.startswith("ssl:port=8000:interface=127.0.0.1:privateKey=")
    assert "a\\:b" in endpoint


def test_daphne_cannot_run_workers_or_reload(tmp_path: Path) -> None:
    plan = translate(RunOptions(server="daphne", workers=2, reload=True), SanicSettings())
    assert {u.setting for u in plan.unhonoured} >= {"--workers", "--reload"}
    assert "--workers" not in plan.args


def test_settings_from_the_app_know_what_changed() -> None:
    from sanic import Sanic

    app = Sanic("cli_mapping_settings")
    app.config.KEEP_ALIVE_TIMEOUT = 3
    settings = SanicSettings.from_app(app, access_log=True)
    assert settings.keep_alive_timeout == 3
    assert settings.access_log is True
    assert settings.changed == {"KEEP_ALIVE_TIMEOUT", "ACCESS_LOG"}
    assert SanicSettings.from_app(app).changed == {"KEEP_ALIVE_TIMEOUT"}


def test_run_options_are_checked_at_construction(tmp_path: Path) -> None:
    for bad in ({"server": "tornado"}, {"port": 70000}, {"workers": 0}, {"lifespan": "maybe"}, {"cert": "x.pem"}):
        with pytest.raises(ValueError):  # noqa: PT011 - each has its own message
            RunOptions(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no such TLS file"):
        RunOptions(cert=str(tmp_path / "none.pem"), key=str(tmp_path / "none.key"))
    assert RunOptions(host="::1", port=1).url == "http://[::1]:1"
    assert dataclasses.replace(RunOptions(), uds="/tmp/s").url == "unix:/tmp/s"


def test_markdown_has_a_row_per_setting_and_a_column_per_server() -> None:
    table = mapping_markdown()
    lines = table.strip().splitlines()
    assert lines[0] == "| Sanic | uvicorn | hypercorn | granian | daphne | gunicorn |"
    assert "| `REQUEST_MAX_HEADER_SIZE` | `--h11-max-incomplete-event-size` (partly) |" in table
    rows = [line for line in lines if line.startswith("| `")]
    assert len(rows) == len(SETTINGS)
    assert "`--timeout-keep-alive`" in table
    # every server's notes follow the table; shared notes once
    for name in SERVERS:
        assert f"**{name}**" in lines
    assert table.count("so that `request.ip` stays the peer's address") == 1
    single = mapping_markdown("granian")
    assert "granian has no idle timeout" in single


def test_docs_have_the_generated_mapping_table() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "command.md").read_text(encoding="utf-8")
    assert mapping_markdown() in page, "docs/command.md: paste sanic_asgi._cli.servers.mapping_markdown() again"


# -- REQUEST_MAX_HEADER_SIZE: Sanic's head limit as each server's own setting --------------


def head_limited(limit: int) -> SanicSettings:
    return SanicSettings(head_limit=limit, changed=frozenset({"REQUEST_MAX_HEADER_SIZE"}))


def option(plan: servers.Plan, flag: str) -> str:
    return plan.args[plan.args.index(flag) + 1]


def test_head_bytes_are_the_largest_head_sanic_accepts_with_its_blank_line() -> None:
    # Sanic refuses a head of `limit` bytes or more, counted without CRLF CRLF.
    assert SanicSettings(head_limit=8192).head_bytes == 8191 + 4
    assert SanicSettings(head_limit=1).head_bytes == 4
    assert SanicSettings(head_limit=float("inf")).head_bytes == sys.maxsize
    # HTTP/2: 33/5 of the HTTP/1 bytes (32 per field for 4 in a one-letter line) and the pseudo-headers
    assert SanicSettings(head_limit=8192).header_list_size == 54_087 + 161
    assert SanicSettings(head_limit=float("inf")).header_list_size == sys.maxsize


def test_an_http2_head_sanic_accepts_fits_the_header_list_size() -> None:
    # The worst case: one-letter names and empty values (5 bytes a line, 33 in HPACK).
    settings = SanicSettings(head_limit=1024)
    request_line = len("GET / HTTP/2")
    count = (1024 - 1 - request_line) // 5
    hpack = sum(len(n) + len(v) + 32 for n, v in [(":method", "GET"), (":scheme", "https"), (":path", "/")])
    hpack += len(":authority") + 32 + count * (1 + 32)
    assert hpack <= settings.header_list_size


@pytest.mark.parametrize("server", SERVERS)
def test_head_limit_at_sanic_default_is_mapped_without_a_warning(server: str) -> None:
    plan = translate(RunOptions(server=server), SanicSettings())
    assert "REQUEST_MAX_HEADER_SIZE" in {m.setting for m in plan.mapped} | {u.setting for u in plan.unhonoured}
    assert not [u for u in plan.unhonoured if u.setting == "REQUEST_MAX_HEADER_SIZE" and u.changed]


def test_head_limit_reaches_uvicorn_h11() -> None:
    plan = translate(RunOptions(), head_limited(100))
    assert option(plan, "--h11-max-incomplete-event-size") == "103"
    (item,) = [u for u in plan.unhonoured if u.setting == "REQUEST_MAX_HEADER_SIZE"]
    assert item.changed
    assert item.message("uvicorn").startswith("REQUEST_MAX_HEADER_SIZE=100 is only partly honoured by uvicorn: ")
    assert "httptools" in item.note


def test_head_limit_reaches_hypercorn_h11_and_h2() -> None:
    plan = translate(RunOptions(server="hypercorn"), head_limited(100))
    assert plan.config_object["h11_max_incomplete_size"] == 103
    assert plan.config_object["h2_max_header_list_size"] == 680 + 161
    assert "REQUEST_MAX_HEADER_SIZE" not in {u.setting for u in plan.unhonoured}


def test_head_limit_reaches_granian_within_its_range() -> None:
    plan = translate(RunOptions(server="granian"), head_limited(16384))
    assert option(plan, "--http1-buffer-size") == "16387"
    assert option(plan, "--http2-max-headers-size") == str(SanicSettings(head_limit=16384).header_list_size)
    assert "REQUEST_MAX_HEADER_SIZE" not in {u.setting for u in plan.unhonoured}
    small = translate(RunOptions(server="granian"), head_limited(100))
    assert option(small, "--http1-buffer-size") == "8192"  # granian's minimum
    (item,) = [u for u in small.unhonoured if u.setting == "REQUEST_MAX_HEADER_SIZE"]
    assert item.changed
    assert "at least 8 KiB" in item.note
    unlimited = translate(RunOptions(server="granian"), SanicSettings(head_limit=float("inf")))
    assert option(unlimited, "--http1-buffer-size") == str(2**32 - 1)


def test_head_limit_under_daphne_is_a_warning_only_when_changed() -> None:
    plan = translate(RunOptions(server="daphne"), head_limited(100))
    (item,) = [u for u in plan.unhonoured if u.setting == "REQUEST_MAX_HEADER_SIZE"]
    assert item.changed
    assert "Twisted" in item.note


@pytest.mark.parametrize(
    ("config", "limit", "changed"),
    [
        ({}, 8192, False),
        ({"REQUEST_MAX_HEADER_SIZE": 100}, 100, True),
        ({"REQUEST_MAX_SIZE": 1}, 1, True),
        ({"REQUEST_BUFFER_SIZE": 4096 + 2000}, 2000, True),
        ({"REQUEST_MAX_HEADER_SIZE": 10**6}, 16384, True),  # Http.HEADER_CEILING
        ({"REQUEST_MAX_SIZE": 10**6}, 8192, False),  # changed, but not the head limit
    ],
)
def test_settings_from_the_app_compute_sanic_head_limit(config: dict[str, int], limit: int, changed: bool) -> None:
    from sanic import Sanic

    app = Sanic(f"cli_head_limit_{len(config)}_{abs(hash(str(config)))}")
    app.config.update(config)
    settings = SanicSettings.from_app(app)
    assert settings.head_limit == limit
    assert ("REQUEST_MAX_HEADER_SIZE" in settings.changed) is changed
