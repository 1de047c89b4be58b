"""The documentation site as users read it: it builds with `mkdocs build --strict` (a broken
link, a missing anchor or a page left out of the nav fails), every code block is checked, the
generated pages are up to date, and the schema and the SDKs carry the examples."""

from __future__ import annotations

import functools
import html
import http.server
import re
import shutil
import subprocess
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools import docs, docs_blocks
from devtools.docs_reference import examples, generated, stale_reference_pages
from devtools.stack import ROOT
from maytapi_pulumi._core.properties import KINDS
from maytapi_pulumi._native.schema import schema

SCREENSHOTS = ROOT / ".work" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for the file's tests."""
    built = tmp_path_factory.mktemp("site")
    done = docs.build(built)
    assert done.returncode == 0, done.stdout + done.stderr
    return built


def test_the_site_builds_strict(site: Path) -> None:
    assert (site / "index.html").exists()
    assert (site / "reference" / "resources" / "phone-config" / "index.html").exists()


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1, as a browser reads it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Debian's Chromium, headless, with a fresh profile (`./dev test` installs it when missing)."""
    browser = shutil.which("chromium")
    if browser is None:
        pytest.fail(
            "chromium is not installed: ./dev test installs Debian's package (apt-get install chromium)"
        )
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,900", "--hide-scrollbars",
    ]  # fmt: skip
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120, check=True)


def distinct_bytes(png: Path) -> int:
    """How many byte values the PNG's pixel rows hold: a blank page has a handful."""
    data, pixels = png.read_bytes(), b""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at = 8
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        if data[at + 4 : at + 8] == b"IDAT":
            pixels += data[at + 8 : at + 8 + size]
        at += 12 + size
    return len(set(zlib.decompress(pixels)))


@pytest.mark.parametrize(
    ("path", "title", "code"),
    [
        ("", "maytapi-pulumi", "from maytapi_pulumi import PhoneConfig"),
        ("reference/resources/phone-config/", "PhoneConfig - maytapi-pulumi", "maytapi.NewPhoneConfig"),
    ],
    ids=["home", "reference"],
)
def test_the_site_renders_in_headless_chromium(
    served: str, tmp_path: Path, path: str, title: str, code: str
) -> None:
    """The page as Chromium renders it (scripts run): its title, the navigation, a code block;
    and a screenshot that is not blank (kept under .work/screenshots/ to look at)."""
    shot = SCREENSHOTS / f"{path.strip('/').replace('/', '-') or 'home'}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    dom = chromium(f"--screenshot={shot}", "--dump-dom", f"{served}/{path}", profile=tmp_path).stdout
    assert f"<title>{title}</title>" in dom
    nav = dom.split('<nav class="md-nav md-nav--primary"', 1)[1].split("md-sidebar--secondary", 1)[0]
    assert all(entry in nav for entry in ("Getting started", "Guides", "Reference", "Operations"))
    blocks = re.findall(r'<div class="highlight">.*?</div>', dom, re.S)
    assert any(code in html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks), blocks[:1]
    assert distinct_bytes(shot) > 64


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
