"""An MkDocs hook: the site's "Reference" section lists the pages of docs/reference/, which
`./dev docs --generate` writes (one per resource and function), so the nav never goes stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The reference's own order: its index, the provider, then each folder's pages.
_FOLDERS = ("", "resources", "functions")


def reference_nav(docs: Path) -> list[Any]:
    reference = docs / "reference"
    nav: list[Any] = []
    for folder in _FOLDERS:
        pages = sorted((reference / folder).glob("*.md"), key=lambda p: (p.name != "index.md", p.name))
        entries = [p.relative_to(docs).as_posix() for p in pages]
        if folder and entries:
            nav.append({folder.title(): entries})
        else:
            nav.extend(entries)
    return nav


def on_config(config: Any) -> Any:
    for entry in config["nav"]:
        if isinstance(entry, dict) and "Reference" in entry:
            entry["Reference"] = reference_nav(Path(config["docs_dir"]))
    return config
