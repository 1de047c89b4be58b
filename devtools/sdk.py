"""The native provider's SDKs under ``sdk/``: Pulumi's own generators run on the schema the
plugin serves. ``./dev sdk`` regenerates them; ``tests/test_sdk.py`` fails when they drift.

The schema comes from the installed plugin itself (``pulumi package get-schema
pulumi-resource-maytapi``), so it is the one the engine sees. ``pulumi package gen-sdk`` would
hand the schema to each language's plugin, and the Node.js and Go plugins are not available
here; ``pulumi-sdkgen`` (``engine/sdkgen``, built when first needed) calls the same generators
of the pinned ``pulumi/pkg/v3`` directly.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools import engine
from devtools.stack import ROOT, VENV, engine_env

SDK_DIR = ROOT / "sdk"
LANGUAGES = ("python", "nodejs", "go")
PLUGIN = VENV / "bin" / "pulumi-resource-maytapi"


def schema_json(work: Path) -> str:
    """The schema the plugin serves to the engine (GetSchema), as JSON."""
    done = subprocess.run(
        [str(VENV / "bin" / "pulumi"), "package", "get-schema", str(PLUGIN)],
        cwd=work,
        env=engine_env(work / "state"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pulumi package get-schema failed:\n{done.stderr}")
    return done.stdout


def generate(out: Path) -> dict[str, int]:
    """Write the SDK of every language into ``out/<language>``; the number of files of each."""
    engine.require("sdkgen")
    with tempfile.TemporaryDirectory() as tmp:
        schema = Path(tmp) / "schema.json"
        schema.write_text(schema_json(Path(tmp)))
        for language in LANGUAGES:
            subprocess.run(
                [str(VENV / "bin" / "pulumi-sdkgen"), str(schema), language, str(out / language)],
                check=True,
                capture_output=True,
                timeout=120,
            )
    return {language: sum(1 for f in (out / language).rglob("*") if f.is_file()) for language in LANGUAGES}


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        counts = generate(Path(tmp))
        for language in LANGUAGES:
            shutil.rmtree(SDK_DIR / language, ignore_errors=True)
            shutil.copytree(Path(tmp) / language, SDK_DIR / language)
    files = ", ".join(f"{language} {n} files" for language, n in counts.items())
    print(f"[sdk] regenerated {SDK_DIR.relative_to(ROOT)}/ ({files}) in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
