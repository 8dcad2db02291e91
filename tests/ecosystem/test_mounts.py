"""Point 2: ASGI apps mounted inside a Sanic app, through real servers.

The rule under test (``sanic_asgi/_mounts.py``): mounts are matched before
Sanic's router, longest prefix first; Sanic serves everything outside every
mounted prefix.  The app is ``tests/ecosystem/apps/mounts.py``.
"""

from __future__ import annotations

import ssl
from email.utils import formatdate

import pytest
from websockets.sync.client import connect

from tests._servers import Options
from tests.ecosystem.apps.common import STATIC
from tests.ecosystem.conftest import ALL_KINDS, Served, Servers, kinds

ALPHABET = (STATIC / "alphabet.txt").read_bytes()


@pytest.fixture(params=kinds("uvicorn-h11", "hypercorn-h2", "granian", "daphne"))
def served(request: pytest.FixtureRequest, servers: Servers) -> Served:
    return servers.get(request.param, "tests.ecosystem.apps.mounts:mounted")


# -- Sanic wins outside the prefixes, mounts win inside -------------------------------
def test_sanic_serves_paths_outside_every_mount(served: Served) -> None:
    assert served.get("/").text == "sanic home"
    # "/static-info" only shares characters with "/static": not under it.
    assert served.get("/static-info").text == "sanic static-info"


def test_mount_wins_over_sanic_routes_under_its_prefix(served: Served) -> None:
    shadowed = served.get("/static/shadowed")
    assert shadowed.status_code == 404  # StaticFiles' answer, not Sanic's route
    assert shadowed.text == "Not Found"
    assert served.get("/api/v2/health").json() == {"from": "fastapi"}


def test_longest_prefix_wins(served: Served) -> None:
    assert served.get("/api/other").text == "bare api"
    assert served.get("/api").text == "bare api"
    assert served.get("/api/v2/items/3").json()["item"] == 3


def test_unreachable_sanic_routes_are_logged_at_startup(served: Served) -> None:
    log = served.process.log()
    assert "Sanic route /static/shadowed of 'mounted' is unreachable" in log
    assert "Sanic route /api/v2/health of 'mounted' is unreachable" in log


# -- The mounted app's scope ----------------------------------------------------------
def test_mounted_scope_is_starlette_mounts(served: Served) -> None:
    data = served.get("/api/v2/items/5").json()
    assert data["root_path"] == "/api/v2"
    assert data["path"] == "/api/v2/items/5"  # full path kept; the child strips root_path
    assert data["url_for"].endswith("/api/v2/items/7")
    assert data["raw_path"] in ("/api/v2/items/5", "")  # unchanged where the server sends one


def test_wsgi_app_through_a2wsgi(served: Served) -> None:
    data = served.get("/legacy/hello").json()
    assert data == {"from": "flask", "script_name": "/legacy", "path_info": "/hello", "url_for": "/legacy/hello"}


def test_websocket_routed_to_mount(served: Served) -> None:
    context = None
    if served.ssl_context is not None:
        context = ssl.create_default_context(cafile=served.cafile)
        context.set_alpn_protocols(["http/1.1"])
    with connect(f"{served.ws_url}/api/v2/ws", ssl=context, open_timeout=10) as ws:
        assert ws.recv(timeout=10) == "fastapi ws at root_path=/api/v2"


# -- StaticFiles: ranges and conditional requests ---------------------------------------
def test_static_file(served: Served) -> None:
    response = served.get("/static/alphabet.txt")
    assert response.status_code == 200
    assert response.content == ALPHABET
    assert response.headers["content-type"].startswith("text/plain")


def test_static_range_request(served: Served) -> None:
    response = served.get("/static/alphabet.txt", headers={"range": "bytes=2-5"})
    assert response.status_code == 206
    assert response.content == b"cdef"
    assert response.headers["content-range"] == f"bytes 2-5/{len(ALPHABET)}"


def test_static_not_modified(served: Served) -> None:
    first = served.get("/static/style.css")
    etag = first.headers["etag"]
    again = served.get("/static/style.css", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    since = served.get("/static/style.css", headers={"if-modified-since": formatdate(usegmt=True)})
    assert since.status_code == 304


# -- Lifespan forwarding ----------------------------------------------------------------
def test_mounted_lifespan_ran_before_sanic_listeners(served: Served) -> None:
    events = served.events("lifespan")
    assert events[:3] == ["fastapi-startup", "sanic-startup", {"db seen by Sanic": "connected"}]
    # The state FastAPI's lifespan yielded reaches its requests.
    assert served.get("/api/v2/items/1").json()["db"] == "connected"


@pytest.mark.parametrize("kind", kinds("uvicorn-h11", "hypercorn-h11", "granian"))
def test_mounted_lifespan_shutdown_after_sanic(servers: Servers, kind: object) -> None:
    served = servers.start(kind, "tests.ecosystem.apps.mounts:mounted")  # type: ignore[arg-type]
    assert served.get("/").status_code == 200
    served.process.stop()
    log = served.process.log()
    assert "MOUNT-LIFESPAN fastapi startup" in log
    sanic_stop = log.index("SANIC-LISTENER after_server_stop")
    assert log.index("MOUNT-LIFESPAN fastapi shutdown") > sanic_stop


@pytest.mark.parametrize("kind", kinds("uvicorn-h11", "hypercorn-h11"))
def test_mounted_startup_failure_fails_startup(servers: Servers, kind: object) -> None:
    served = servers.start(kind, "tests.ecosystem.apps.mounts:mount_fails", wait=False)  # type: ignore[arg-type]
    status = served.process.wait_exit(20)
    log = served.process.log()
    assert "the app mounted at '/broken' failed to start" in log
    assert "database unreachable" in log
    if ALL_KINDS["uvicorn-h11"] is kind:
        assert status not in (None, 0)
    served.process.stop()


def test_server_root_path_is_kept_under_mounts(servers: Servers) -> None:
    (param,) = kinds("uvicorn-h11")
    if param.marks:
        pytest.skip("uvicorn is not installed")
    served = servers.get(param.values[0], "tests.ecosystem.apps.mounts:mounted", Options(root_path="/outer"))
    data = served.get("/api/v2/items/2").json()  # served.url ends with /outer
    assert data["root_path"] == "/outer/api/v2"
    assert data["path"] == "/outer/api/v2/items/2"
    assert data["url_for"].endswith("/outer/api/v2/items/7")
    assert served.get("/static-info").text == "sanic static-info"
