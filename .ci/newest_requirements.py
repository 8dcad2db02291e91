"""Print, one a line, the requirements of the "newest" CI leg.

Every requirement of ``[dev]`` (its ``sanic-asgi[...]`` self-reference expanded
into those extras), with the one upper bound ``[dev]`` carries for Sanic's own
suite (``websockets<17``) dropped: that leg installs what a user gets today,
``pip install -U --upgrade-strategy eager`` of these names.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

# Upper bounds [dev] keeps for a reason outside the default suite; this leg drops them.
UNPINNED = {"websockets"}
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")


def requirements(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    own = project["name"]
    out: list[str] = list(project["dependencies"])
    todo = ["dev"]
    seen: set[str] = set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for req in extras[extra]:
            match = NAME.match(req)
            if match is None:
                sys.exit(f"newest_requirements: cannot read the requirement {req!r} of [{extra}] in {pyproject}")
            name, brackets = match.group(1), match.group(2)
            if name == own:
                todo.extend(part.strip() for part in (brackets or "[]")[1:-1].split(",") if part.strip())
            elif name in UNPINNED:
                out.append(name + (brackets or ""))
            else:
                out.append(req)
    return sorted(set(out))


if __name__ == "__main__":
    print("\n".join(requirements(Path(__file__).resolve().parent.parent / "pyproject.toml")))
