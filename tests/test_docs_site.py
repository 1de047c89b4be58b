"""The documentation site as users read it: it builds with `mkdocs build --strict` (a broken
link, a missing anchor or a page left out of the nav fails), every code block is checked, the
generated pages are up to date, and the schema and the SDKs carry the examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools import docs, docs_blocks
from devtools.docs_reference import examples, generated, stale_reference_pages
from devtools.stack import ROOT
from maytapi_pulumi._core.properties import KINDS
from maytapi_pulumi._native.schema import schema


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


def test_the_generated_pages_are_what_the_core_and_the_examples_make() -> None:
    stale = [
        p.relative_to(ROOT).as_posix()
        for p, text in generated().items()
        if not p.exists() or p.read_text() != text
    ]
    stale += [p.relative_to(ROOT).as_posix() for p in stale_reference_pages()]
    assert stale == [], (
        f"{stale} differ from what the core's tables and examples/reference/ make: run ./dev docs --generate"
    )


def test_a_kind_without_examples_fails_saying_what_to_add_where() -> None:
    with pytest.raises(SystemExit, match=r"add examples/reference/multi-phone-redeploy/python-dynamic.py, "):
        examples("MultiPhoneRedeploy")


def test_the_schema_carries_each_example_and_the_sdks_their_docstrings() -> None:
    resources = schema()["resources"]
    for kind in KINDS:
        description = resources[f"maytapi:index:{kind.name}"]["description"]
        assert "{{% examples %}}" in description and examples(kind.name)["index.ts"] in description
    docstring = (ROOT / "sdk/python/pulumi_maytapi/logout.py").read_text()
    assert 'maytapi.Logout("retired-logout", phone_id="16", revision="2026-12-01")' in docstring
