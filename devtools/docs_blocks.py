"""Every code block of the README and the docs is checked by the suite, or says why not.

A block is one of:

- an **include** of files the suite runs or type-checks: its lines are pymdownx.snippets
  includes (``--8<-- "examples/..."``), each of a file under ``examples/``;
- a **copy** of such a file, word for word (the README, which PyPI shows without includes, and
  the generated pages);
- marked, on the line before its fence, ``<!-- block: output -->`` (what a command prints),
  ``<!-- block: illustration -->`` (commands with placeholders, fragments a reader adapts) or
  ``<!-- block: tested by tests/test_x.py -->`` (a test reads the block from the page and runs or
  compares it; that test file must name the page).

Anything else fails ``tests/test_docs_site.py``, naming the page, the line and what to do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devtools.stack import ROOT

EXAMPLES = ROOT / "examples"
_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>.*)$")
_MARK = re.compile(r"^ *<!-- block: (?P<kind>output|illustration|tested by (?P<test>\S+)) -->$")
_INCLUDE = re.compile(r'^--8<-- "(?P<path>[^"]+)"$')


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, from 1
    info: str
    body: str
    mark: str | None  # the marker's kind, or None
    tested_by: str | None


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(page: Path) -> Iterator[Block]:
    lines = page.read_text().split("\n")
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        end = i + 1
        while end < len(lines) and not re.match(
            rf"^ {{0,{len(indent) + 3}}}{re.escape(fence)}\s*$", lines[end]
        ):
            end += 1
        body = "\n".join(line[len(indent) :] for line in lines[i + 1 : end]) + "\n"
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        mark = _MARK.match(before)
        yield Block(
            page,
            i + 1,
            opening["info"].strip(),
            body,
            mark["kind"] if mark else None,
            mark["test"] if mark else None,
        )
        i = end + 1


def checked_files() -> dict[str, str]:
    """Every file under examples/ (the suite runs or type-checks each) by its path, with its text."""
    return {
        p.relative_to(ROOT).as_posix(): p.read_text()
        for p in sorted(EXAMPLES.rglob("*"))
        if p.is_file() and p.suffix in {".py", ".ts", ".go", ".yaml", ".yml", ".json"}
    }


def _shown(page: Path) -> str:
    return page.relative_to(ROOT).as_posix() if page.is_relative_to(ROOT) else str(page)


def problem(block: Block, files: dict[str, str]) -> str | None:
    """Why `block` is not checked, or None when it is."""
    where = f"{_shown(block.page)}:{block.line}"
    if block.mark is not None:
        if block.tested_by is None:
            return None
        test = ROOT / block.tested_by
        page = _shown(block.page)
        if not test.is_file() or page not in test.read_text():
            return f"{where}: marked as tested by {block.tested_by}, which does not read {page}"
        return None
    lines = [line for line in block.body.split("\n") if line.strip()]
    includes = [_INCLUDE.match(line.strip()) for line in lines]
    if lines and all(includes):
        missing = [m["path"] for m in includes if m and m["path"] not in files]
        return f"{where}: includes {missing}, which are not files under examples/" if missing else None
    if block.body in files.values():
        return None
    return (
        f"{where}: a ```{block.info} block that the suite neither runs nor type-checks. Put the code "
        'in a file under examples/ and include it (--8<-- "examples/..."), or mark the line before '
        "the fence with <!-- block: output -->, <!-- block: illustration --> or "
        "<!-- block: tested by tests/<file>.py --> (see devtools/docs_blocks.py)"
    )


def problems() -> list[str]:
    files = checked_files()
    return [p for page in pages() for block in blocks(page) if (p := problem(block, files)) is not None]
