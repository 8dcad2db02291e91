"""Hatchling build hook: keep the VCS ignore file out of the sdist.

hatchling always adds ``.gitignore`` to an sdist (it reads it to decide what
to leave out); an sdist is not a checkout, so the file has no use there.
"""

from __future__ import annotations

import os
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DropVCSFiles(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        force_include = build_data.get("force_include", {})
        for source in [s for s in force_include if os.path.basename(s) in (".gitignore", ".hgignore")]:
            del force_include[source]
