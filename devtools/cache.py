"""What the project builds once and keeps: the user cache's place, a directory made once per key
(test workers on other xdist workers may want it at the same time), a command run for it, and
the content digest its keys are made of.

Standard library only: devtools/engine.py, which runs before the virtualenv exists, uses it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def user_cache() -> Path:
    """Where the project keeps what outlives a checkout (builds, virtualenvs): one per machine."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "maytapi-pulumi"


@contextmanager
def once(directory: Path, key: str = "") -> Iterator[bool]:
    """Whether `directory` must be (re)made, empty, for `key` (a key already in its name needs
    none); one process at a time makes it, and it counts as made only once the block has run
    without error."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with (directory.parent / f".{directory.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = directory / ".made-for"
        fresh = stamp.exists() and stamp.read_text() == key
        if not fresh:
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
        yield not fresh
        if not fresh:
            stamp.write_text(key)


def run(*args: str | Path, cwd: Path = ROOT) -> None:
    """`args` run to completion; a failure raises with what the command printed."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(map(str, args))}` failed in {cwd}:\n{done.stdout}\n{done.stderr}")


def digest(paths: Iterable[Path], seed: bytes = b"", skip: frozenset[str] = frozenset()) -> str:
    """The content of `paths` (files, or every file under a directory but in a `skip`ped
    directory), each named by its path in the checkout: a cache key."""
    hashed = hashlib.sha256(seed)
    for base in paths:
        for path in sorted([base] if base.is_file() else base.rglob("*")):
            if path.is_file() and not skip & set(path.relative_to(base).parts):
                hashed.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return hashed.hexdigest()
