"""Real servers for the ecosystem tests.

``servers.get(kind, "module:attr")`` starts (once per test module) a server
process of ``kind`` (``tests._servers.ServerKind``) for an app and returns a
``Served``; every process is stopped when the module's tests are done.
Kinds are the conformance suite's (``tests._servers.KINDS``) plus three of
our own: ``uvicorn-zttp-h2`` (uvicorn's HTTP/2, zttp), ``uvicorn-workers``
(``--workers 2``) and ``gunicorn`` (two ``uvicorn_worker.UvicornWorker``s).
A kind whose modules are not installed is skipped.
"""

from __future__ import annotations

import ssl
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests._servers import HOST, KINDS, Launcher, Options, ProcessView, ServerKind, ServerProcess, TLSFiles


def _uvicorn_zttp(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
    assert tls is not None
    cmd = [sys.executable, "-m", "uvicorn", target, "--host", HOST, "--port", str(port), "--http", "zttp", "--http2"]
    cmd += ["--ssl-certfile", str(tls.cert), "--ssl-keyfile", str(tls.key), "--no-proxy-headers"]
    return [*cmd, "--timeout-graceful-shutdown", "5"]


def _uvicorn_workers(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
    cmd = [sys.executable, "-m", "uvicorn", target, "--host", HOST, "--port", str(port), "--workers", "2"]
    return [*cmd, "--no-proxy-headers", "--timeout-graceful-shutdown", "5"]


def _gunicorn(kind: ServerKind, target: str, port: int, options: Options, tls: TLSFiles | None) -> list[str]:
    cmd = [sys.executable, "-m", "gunicorn", target, "--bind", f"{HOST}:{port}", "--workers", "2"]
    return [*cmd, "--worker-class", "uvicorn_worker.UvicornWorker", "--graceful-timeout", "5"]


OWN_KINDS = (
    ServerKind("uvicorn-zttp-h2", ("uvicorn", "zttp", "cryptography"), _uvicorn_zttp, http2=True, tls=True),
    ServerKind("uvicorn-workers", ("uvicorn",), _uvicorn_workers, ready_log="Application startup complete"),
    ServerKind("gunicorn", ("gunicorn", "uvicorn_worker"), _gunicorn, ready_log="Application startup complete"),
)
ALL_KINDS = {kind.id: kind for kind in (*KINDS, *OWN_KINDS)}


def kinds(*ids: str) -> list[Any]:
    """``pytest.param``s for the server kinds ``ids``, skipped when not installed."""
    params = []
    for kind_id in ids:
        kind = ALL_KINDS[kind_id]
        missing = kind.missing()
        marks = [pytest.mark.skip(reason=f"{kind_id}: module {missing!r} is not installed")] if missing else []
        params.append(pytest.param(kind, id=kind_id, marks=marks))
    return params


def setups(variant: str, *ids: str) -> list[Any]:
    """``pytest.param((kind, variant))`` for each server kind: an app variant served by it."""
    return [pytest.param((p.values[0], variant), id=f"{variant}-{p.id}", marks=p.marks) for p in kinds(*ids)]


@dataclass
class Served(ProcessView):
    process: ServerProcess
    ssl_context: ssl.SSLContext | None

    @property
    def cafile(self) -> str | None:
        return str(self.process.tls.cert) if self.process.tls else None

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 10.0)
        http2 = self.kind.http2
        return httpx.Client(base_url=self.url, verify=self.ssl_context or True, http2=http2, http1=not http2, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        with self.client() as client:
            return client.get(path, **kwargs)

    def events(self, key: str, prefix: str = "") -> list[Any]:
        response = self.get(f"{prefix}/events/{key}", headers={"x-forwarded-proto": "https"})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


class Servers:
    """Server processes started on demand through a ``tests._servers.Launcher``,
    one per (kind, target, options)."""

    def __init__(self, launcher: Launcher) -> None:
        self.launcher = launcher
        self.running: dict[tuple[str, str, Options], Served] = {}

    def get(self, kind: ServerKind, target: str, options: Options | None = None) -> Served:
        options = options or Options()
        key = (kind.id, target, options)
        served = self.running.get(key)
        if served is None or not served.process.running:
            served = self.running[key] = self.start(kind, target, options=options)
        return served

    def start(
        self,
        kind: ServerKind,
        target: str,
        *,
        options: Options | None = None,
        env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> Served:
        process = self.launcher.start(kind, target, options=options, env=env, wait=wait)
        return Served(process, self.launcher.ssl_context(kind))


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, tls_files: TLSFiles | None) -> Iterator[Servers]:
    """A test module's servers, stopped when its tests are done."""
    launcher = Launcher(tmp_path_factory.mktemp("ecosystem-servers"), tls_files)
    yield Servers(launcher)
    launcher.close()


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex[:12]
