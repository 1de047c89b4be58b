"""Node.js here: the npm packages devtools/node pins (@pulumi/pulumi, TypeScript, Node's types:
what sdk/nodejs is compiled against), and the TypeScript SDK packed as npm would serve it.

``sdk_tarball()`` builds ``sdk/nodejs`` as a published package ships (``tsc`` into ``bin/``, with
its package.json and README) and packs it with ``npm pack`` into
``.work/sdk/nodejs/pulumi-maytapi-<version>.tgz``; ``./dev setup nodejs`` runs it, and it runs
again only when sdk/nodejs or the pins change. ``installed(package_json, ...)`` runs a program's
`npm install` once per content, for the tests' programs to share; installs are kept in the user
cache, so that a fresh clone pays none again.

Standard library only: devtools/engine.py, which runs before the virtualenv exists, calls it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from devtools.cache import digest, once, run, user_cache

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "devtools" / "node"
SDK = ROOT / "sdk" / "nodejs"


def npm() -> str:
    found = shutil.which("npm")
    if found is None:
        raise RuntimeError("npm is not on PATH: install Node.js >= 18 (https://nodejs.org)")
    return found


def pinned() -> dict[str, str]:
    """The exact versions devtools/node/package.json pins, by package."""
    versions: dict[str, str] = json.loads((PINS / "package.json").read_text())["devDependencies"]
    return versions


def _prune(kind: str, keep: int) -> None:
    """Leave the `keep` installs of `kind` made last: each is a node_modules of some 150 MB, and
    every change of the SDK or the pins makes another."""
    made = sorted(
        (stamp.stat().st_mtime, stamp.parent) for stamp in (user_cache() / "node").glob(f"{kind}-*/.made-for")
    )
    for _, old in made[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def pinned_modules() -> Path:
    """node_modules of devtools/node, installed by `npm ci` once per lock file."""
    lock = (PINS / "package-lock.json").read_bytes()
    home = user_cache() / "node" / f"pins-{hashlib.sha256(lock).hexdigest()[:12]}"
    with once(home) as make:
        if make:
            for name in ("package.json", "package-lock.json"):
                shutil.copy(PINS / name, home)
            run(npm(), "ci", "--no-audit", "--no-fund", "--ignore-scripts", cwd=home)
    _prune("pins", keep=2)
    return home / "node_modules"


def sdk_tarball() -> Path:
    """sdk/nodejs compiled and packed: the file `npm install` takes as it would the registry's."""
    package = json.loads((SDK / "package.json").read_text())
    home = ROOT / ".work" / "sdk" / "nodejs"
    tarball = home / f"{package['name']}-{package['version']}.tgz"
    with once(
        home, digest([SDK, PINS / "package-lock.json"], skip=frozenset({"node_modules", "bin"}))
    ) as make:
        if make:
            modules = pinned_modules()
            with tempfile.TemporaryDirectory() as tmp:
                build = Path(tmp) / "nodejs"
                shutil.copytree(SDK, build)
                (build / "node_modules").symlink_to(modules)
                run(modules / ".bin" / "tsc", "--project", ".", cwd=build)
                for name in ("package.json", "README.md"):
                    shutil.copy(build / name, build / "bin")
                run(npm(), "pack", "--loglevel=error", "--pack-destination", home, cwd=build / "bin")
    return tarball


def installed(package_json: Path, *packages: str) -> Path:
    """node_modules of `npm install <packages>` in a project with this package.json, and
    @pulumi/pulumi, TypeScript and Node's types at the versions devtools/node pins (a user gets
    the newest npm serves in package.json's ranges). Made once per content; programs link to it."""
    hashed = hashlib.sha256(package_json.read_bytes())
    for package in packages:
        hashed.update(b"\0" + (Path(package).read_bytes() if Path(package).is_file() else package.encode()))
    home = user_cache() / "node" / f"program-{hashed.hexdigest()[:12]}"
    with once(home) as make:
        if make:
            shutil.copy(package_json, home / "package.json")
            versions = [f"{name}@{version}" for name, version in pinned().items()]
            run(
                npm(),
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                *packages,
                *versions,
                cwd=home,
            )
    _prune("program", keep=4)
    return home / "node_modules"
