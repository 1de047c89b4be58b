"""The documentation site (MkDocs with Material, ``mkdocs.yml``): ``./dev docs`` serves it on
127.0.0.1, ``./dev docs --build`` builds it into ``.work/site`` (strict: a broken link, a missing
anchor or a page left out of the nav fails), ``./dev docs --generate`` rewrites the generated
pages (``docs/reference/``, the registry's ``docs/_index.md`` and
``docs/installation-configuration.md``) and the examples the schema carries, from the core's
tables (``_core/properties.py``, ``_core/functions.py``) and ``examples/reference/``.
``tests/test_docs_site.py`` fails when any of them is stale."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from devtools.docs_reference import generated, stale_reference_pages
from devtools.stack import ROOT, VENV

SITE = ROOT / ".work" / "site"


def build(site: Path = SITE) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` into ``site``; the result, output captured."""
    return subprocess.run(
        [str(VENV / "bin" / "mkdocs"), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev docs", description=__doc__)
    parser.add_argument("--build", action="store_true", help="build the site into .work/site and stop")
    parser.add_argument("--generate", action="store_true", help="rewrite the generated pages and stop")
    parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    args = parser.parse_args(argv)
    if args.generate:
        for path, text in generated().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        for stale in stale_reference_pages():
            stale.unlink()
        print(f"[docs] wrote {len(generated())} generated files")
        return 0
    if args.build:
        done = build()
        print(done.stdout + done.stderr, end="")
        if done.returncode == 0:
            print(f"[docs] built {SITE.relative_to(ROOT)}/index.html")
        return done.returncode
    return subprocess.call(
        [str(VENV / "bin" / "mkdocs"), "serve", "--strict", "--dev-addr", f"127.0.0.1:{args.port}"], cwd=ROOT
    )


if __name__ == "__main__":
    sys.exit(main())
