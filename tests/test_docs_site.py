"""The documentation site as users read it: it builds with `mkdocs build --strict` (a broken
link, a missing anchor or a page left out of the nav fails)."""

from __future__ import annotations

from pathlib import Path

from devtools import docs, docs_blocks


def test_the_site_builds_strict(tmp_path: Path) -> None:
    done = docs.build(tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "index.html").exists()


def test_every_code_block_is_run_type_checked_or_marked() -> None:
    assert docs_blocks.problems() == []


def test_a_block_that_is_none_of_these_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n```python\nprint('never run')\n```\n\n<!-- block: output -->\n```text\nran\n```\n\n"
        '```python\n--8<-- "examples/quickstart/__main__.py"\n```\n\n```python\n--8<-- "examples/nowhere.py"\n```\n'
    )
    found = [docs_blocks.problem(b, docs_blocks.checked_files()) for b in docs_blocks.blocks(page)]
    assert [p is None for p in found] == [False, True, True, False]
    assert "neither runs nor type-checks" in str(found[0]) and "examples/nowhere.py" in str(found[3])
