"""Where the API token lives, exactly as docs/operations/security.md says: encrypted in the stack
config and in the default provider's state entry (of the dynamic resources or of the native
provider), in clear only with --show-secrets, not in the engine's own debug logs (engine v3.277;
v3.260 logged it at -v=9), and nowhere in what the usual commands print."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from devtools.stack import Project
from maytapi_pulumi import __version__
from tests.conftest import TOKEN, Family

PROGRAM = """
IMPORTS
PhoneConfig("phone", phone_id="12", webhook="https://hooks.example.com/maytapi")
Redeploy("redeploy", phone_id="12", revision=1)
"""


def test_the_token_lives_only_where_the_readme_says(
    make_project: Callable[..., Project], tmp_path: Path, family: Family
) -> None:
    project = make_project(PROGRAM.replace("IMPORTS", family.imports("PhoneConfig", "Redeploy")))
    config = (project.directory / "Pulumi.dev.yaml").read_text()
    assert TOKEN not in config and "maytapi:apiToken:\n    secure: v1:" in config

    # the usual commands print nothing of it
    printed = [project.cli(*args).output for args in (("preview",), ("up", "--yes"), ("refresh", "--yes"))]
    assert not any(TOKEN in out for out in printed)

    # the state: encrypted, in the default provider's entry only. The engine gives the
    # provider of a package the package's config: for the dynamic resources that is the
    # default `pulumi-python` provider (shared with any other dynamic resource of the
    # program); for the native one, the default `maytapi` provider, named after the plugin's
    # version the generated SDK asks for
    assert TOKEN not in project.cli("stack", "export").stdout
    revealed = json.loads(project.cli("stack", "export", "--show-secrets").stdout)["deployment"]["resources"]
    holding = [r["urn"].rsplit("::", 2)[-2:] for r in revealed if TOKEN in json.dumps(r)]
    if family.native:
        assert holding == [["pulumi:providers:maytapi", f"default_{__version__.replace('.', '_')}"]]
    else:
        assert holding == [["pulumi:providers:pulumi-python", "default"]]
    backend = Path(project.stack.workspace.env_vars["PULUMI_BACKEND_URL"].removeprefix("file://"))
    stored = [f for f in backend.rglob("*") if f.is_file()]
    assert stored and not any(TOKEN.encode() in f.read_bytes() for f in stored)

    # the engine's own debug logs (v3.260 wrote it there in clear; v3.276 and v3.277 do not), whether
    # written to the temp directory or to stderr, the plugins' logs flowing into them, with a
    # change to apply
    with tempfile.TemporaryDirectory() as temp:
        quiet = project.cli("up", "--yes", "-v=9", env={"TMPDIR": temp})
        assert TOKEN not in quiet.output
        logs = list(Path(temp).glob("pulumi.*.log.INFO.*"))
        assert logs and not any(TOKEN in log.read_text(errors="replace") for log in logs)
    changed = PROGRAM.replace("hooks.example.com/maytapi", "hooks.example.com/v2")
    project.write_program(changed.replace("IMPORTS", family.imports("PhoneConfig", "Redeploy")))
    verbose = project.cli("up", "--yes", "-v=11", "--logflow", "--logtostderr").output
    assert "Configure" in verbose and TOKEN not in verbose
