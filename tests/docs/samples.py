"""The code samples of the README and of docs/, as data.

A fenced block is a *sample* when the line before it is a marker comment,
which Markdown and mkdocs do not render:

    <!-- sample: file shop.py -->        the block is the file shop.py
    <!-- sample: test -->                the block is a pytest module of its own
    <!-- sample: script -->              the block runs as `python script.py`, exit 0
    <!-- sample: shell -->               each line runs in bash, exit 0

All samples of one page share one directory, so a test can import the app a
`file` sample defines.  Every ``python`` block must be a sample: a page may
not show Python that no test runs.  Shell blocks without a marker (server
command lines that keep running) are shown, not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

KINDS = ("file", "test", "script", "shell")
MARKER = re.compile(r"^<!-- sample: (?P<kind>\w+)(?: (?P<arg>\S+))? -->$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<lang>[\w+-]*)")


class SampleError(ValueError):
    """A page's samples cannot be run as written (a marker without a block,
    an unknown kind, an unmarked python block)."""


@dataclass(frozen=True)
class Sample:
    page: str
    line: int  # of the opening fence, 1-based
    kind: str
    name: str  # the file the sample becomes, relative to the page's directory
    lang: str
    code: str


def parse(page: str, text: str) -> list[Sample]:
    """Every sample of one page, in page order."""
    samples: list[Sample] = []
    lines = text.splitlines()
    marker: re.Match[str] | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if not fence:
            if line.strip():
                if marker is not None:
                    raise SampleError(f"{page}:{index}: a sample marker must be followed by a fenced block")
                marker = MARKER.match(line.strip())
            index += 1
            continue
        indent, ticks, lang = fence["indent"], fence["fence"], fence["lang"]
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(ticks):
            body.append(lines[index][len(indent) :] if lines[index].startswith(indent) else lines[index])
            index += 1
        index += 1  # the closing fence
        code = "\n".join(body) + "\n"
        if marker is None:
            if lang in ("python", "py"):
                raise SampleError(
                    f"{page}:{start + 1}: a python block without a sample marker; "
                    "put `<!-- sample: file NAME.py -->`, `test` or `script` on the line before it"
                )
            continue
        kind, arg = marker["kind"], marker["arg"]
        marker = None
        if kind not in KINDS:
            raise SampleError(f"{page}:{start + 1}: unknown sample kind {kind!r}; expected one of {', '.join(KINDS)}")
        number = len(samples) + 1
        if kind == "file":
            if not arg:
                raise SampleError(f"{page}:{start + 1}: `file` needs the file's name")
            name = arg
        else:
            name = {"test": f"test_sample_{number}.py", "script": f"script_{number}.py", "shell": f"shell_{number}.sh"}[
                kind
            ]
        samples.append(Sample(page, start + 1, kind, name, lang, code))
    if marker is not None:
        raise SampleError(f"{page}: the last sample marker has no block after it")
    return samples


def write(samples: list[Sample], directory: Path) -> None:
    for sample in samples:
        path = directory / sample.name
        if path.exists():
            raise SampleError(f"{sample.page}:{sample.line}: a second sample named {sample.name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sample.code, encoding="utf-8")


def module_name(name: str) -> str | None:
    """The dotted name a `file` sample is imported by (None: not a module)."""
    if not name.endswith(".py"):
        return None
    parts = name[: -len(".py")].split("/")
    if not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)
