"""The wheel and the sdist as a user gets them: built with hatchling (the
build backend, no isolation: ~1 s), their files and metadata checked."""

from __future__ import annotations

import ast
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def build(source: Path, outdir: Path, *targets: str) -> list[Path]:
    flags = [arg for target in targets for arg in ("-t", target)]
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", *flags, "-d", str(outdir)],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return sorted(outdir.iterdir())


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    built = build(ROOT, tmp_path_factory.mktemp("dist"), "sdist", "wheel")
    return {
        "sdist": next(p for p in built if p.name.endswith(".tar.gz")),
        "wheel": next(p for p in built if p.suffix == ".whl"),
    }


def sdist_names(path: Path) -> list[str]:
    with tarfile.open(path) as tar:
        return [name.split("/", 1)[1] for name in tar.getnames() if "/" in name]


def wheel_metadata(path: Path) -> Message:
    with zipfile.ZipFile(path) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(whl.read(name).decode())


def test_the_wheel_carries_the_license_and_only_the_package(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = whl.namelist()
        license_text = next(whl.read(n) for n in names if n.endswith(".dist-info/licenses/LICENSE")).decode()
    assert license_text == (ROOT / "LICENSE").read_text()
    assert "MIT License" in license_text
    assert {name.split("/")[0] for name in names} == {"sanic_asgi", dists["wheel"].name.split("-py3")[0] + ".dist-info"}
    assert "sanic_asgi/py.typed" in names
    assert wheel_metadata(dists["wheel"])["License-Expression"] == "MIT"


def test_the_sdist_has_the_license_no_tests_and_no_vcs_files(dists: dict[str, Path]) -> None:
    names = sdist_names(dists["sdist"])
    assert "LICENSE" in names
    assert ".gitignore" not in names
    # The test suite needs benchmarks/, scripts/ and the [dev] servers: it runs from a clone, not an sdist.
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "scripts/"))]
    assert {n.split("/")[0] for n in names} == {
        "sanic_asgi",
        "examples",
        "docs",
        "mkdocs.yml",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "pyproject.toml",
        "hatch_build.py",
        "PKG-INFO",
    }


def test_a_wheel_built_from_the_sdist_equals_the_wheel(dists: dict[str, Path], tmp_path: Path) -> None:
    with tarfile.open(dists["sdist"]) as tar:
        tar.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.iterdir()
    (wheel,) = build(unpacked, tmp_path / "out", "wheel")
    with zipfile.ZipFile(wheel) as rebuilt, zipfile.ZipFile(dists["wheel"]) as original:
        assert sorted(rebuilt.namelist()) == sorted(original.namelist())


def test_every_extra_asks_only_for_extras_its_distributions_provide(dists: dict[str, Path]) -> None:
    # pip warns "X does not provide the extra 'y'" on install otherwise
    # (hypercorn[h2]: hypercorn has h2 as a plain dependency).
    meta = wheel_metadata(dists["wheel"])
    ours = {canonicalize_name(e) for e in meta.get_all("Provides-Extra") or []}
    checked = 0
    for line in meta.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if not requirement.extras:
            continue
        if canonicalize_name(requirement.name) == "sanic-asgi":
            provided = ours
        else:
            try:
                provided = {
                    canonicalize_name(e) for e in metadata.metadata(requirement.name).get_all("Provides-Extra") or []
                }
            except metadata.PackageNotFoundError:
                continue  # not in this environment: nothing to compare with
        missing = {canonicalize_name(e) for e in requirement.extras} - provided
        assert not missing, f"{line}: {requirement.name} provides no extra {sorted(missing)}"
        checked += 1
    assert checked >= 2  # uvicorn[standard] and the sanic-asgi[...] of dev at least


def test_the_testing_extra_has_what_the_readme_test_examples_need(dists: dict[str, Path]) -> None:
    meta = wheel_metadata(dists["wheel"])
    testing = {
        canonicalize_name(Requirement(line).name)
        for line in meta.get_all("Requires-Dist") or []
        if "extra == 'testing'" in line
    }
    # TestClient (starlette over httpx), AsyncTestClient (httpx); `async def` tests need pytest-asyncio.
    assert {"httpx", "starlette", "pytest", "pytest-asyncio"} <= testing
    readme = (ROOT / "README.md").read_text()
    assert "async def test_" in readme  # the README's async example, which pytest-asyncio runs


def test_classifiers_name_every_python_ci_runs(dists: dict[str, Path]) -> None:
    meta = wheel_metadata(dists["wheel"])
    classified = {
        c.rsplit(" :: ", 1)[1]
        for c in meta.get_all("Classifier") or []
        if c.startswith("Programming Language :: Python :: 3.")
    }
    source = (ROOT / "scripts" / "legacy_matrix.py").read_text()
    matrix = next(
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MATRIX"
    )
    ci = {python for python, _ in ast.literal_eval(matrix).values()} | {f"{sys.version_info[0]}.{sys.version_info[1]}"}
    assert ci <= classified
    requires = SpecifierSet(meta["Requires-Python"])
    assert [python for python in ci if not requires.contains(f"{python}.0")] == [], requires
    lowest = min(ci, key=lambda v: tuple(map(int, v.split("."))))
    assert not requires.contains(f"{lowest.split('.')[0]}.{int(lowest.split('.')[1]) - 1}.0")


MISSING_HTTPX = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "{module}" or name.startswith("{module}."):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Block())
import sanic_asgi.testing
{then}
"""


@pytest.mark.parametrize(
    ("module", "then", "needed_by"),
    [
        ("httpx", "", "sanic_asgi.testing"),
        ("starlette", "sanic_asgi.testing.TestClient", "sanic_asgi.testing.TestClient"),
    ],
)
def test_a_missing_client_library_names_the_extra(module: str, then: str, needed_by: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", MISSING_HTTPX.format(module=module, then=then)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        f"ModuleNotFoundError: {needed_by} needs {module}, which is not installed; "
        "install it with: pip install 'sanic-asgi[testing]'"
    )
