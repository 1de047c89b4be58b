"""Phones that change hands: which resource declares each phone in a program, and which phones
a deployment has written, so that no create/delete order the engine picks wipes a phone that
another resource now declares.

The engine runs the creates of a deployment (and the creates of replacements) before the
deletes of the resources they replace or that left the program. A PhoneConfig's delete restores
the product default; if another resource wrote the same phone earlier in the same deployment
(a swap of phone ids, a rename without alias, a move into a component, a dynamic resource
replaced by a native one), that reset would wipe it. So every write claims its phone for the
deployment, and a delete of a claimed phone makes no call. The engine may also run a delete and
another resource's write of the same phone at once (two delete-before-replace chains swapping
phones): a write and a delete of one phone therefore hold the phone's lock, so the delete sees
the claim of a write in flight instead of landing its reset after it.

Claims are files, not memory: the resources of one deployment may be served by several
provider processes (the dynamic provider and the native one are separate plugins of the same
engine). A deployment is named by its engine: the plugins' parent process (its pid and start
time) and the engine's address, which every plugin receives as its first argument. A plugin
must therefore be the engine's child: a launcher script must `exec` it. Registries whose
engine has exited are removed by the next one opened on the machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from .. import _validation
from .._errors import InvalidInputError

if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int, take: bool) -> None:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK if take else msvcrt.LK_UNLCK, 1)
                return
            except OSError:  # LK_LOCK gives up after 10 s; a write may hold the phone longer
                if not take:
                    raise

else:
    import fcntl

    def _lock(fd: int, take: bool) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX if take else fcntl.LOCK_UN)


_ROOT_NAME = "maytapi-pulumi-claims"


class Claims:
    """The phones written in one deployment, shared by every plugin process of its engine."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(mode=0o700, exist_ok=True)

    @classmethod
    def of_engine(cls, engine_pid: int, engine_address: str, root: Path | None = None) -> Claims:
        """The claims of the deployment run by the engine `engine_pid` serving at `engine_address`.
        Registries of engines that have exited are removed on the way."""
        # One root per user: another user's engines are none of ours, and their files not ours to remove.
        user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
        root = root or Path(tempfile.gettempdir()) / f"{_ROOT_NAME}-{user}"
        root.mkdir(mode=0o700, exist_ok=True)
        name = _name(engine_pid, engine_address)
        for registry in root.iterdir():
            if registry.name != name and _stale(registry.name):
                shutil.rmtree(registry, ignore_errors=True)
        return cls(root / name)

    def _path(self, product_id: str, phone_id: str) -> str:
        # One file per phone, its lock and its claim (a byte written into it), named with plain
        # strings: a Fleet claims thousands of phones, and creating a file and building pathlib
        # objects cost more than the lock itself.
        return os.path.join(self.directory, f"{product_id}-{phone_id}")

    def claim(self, product_id: str, phone_id: str) -> None:
        with self.holding(product_id, phone_id) as lock:
            _mark(lock)

    def claimed(self, product_id: str, phone_id: str) -> bool:
        try:
            return os.stat(self._path(product_id, phone_id)).st_size > 0
        except FileNotFoundError:
            return False

    @contextlib.contextmanager
    def writing(self, product_id: str, phone_id: str) -> Iterator[None]:
        """Around a write (or an adoption) of the phone: its lock, then its claim once done."""
        with self.holding(product_id, phone_id) as lock:
            yield
            _mark(lock)

    @contextlib.contextmanager
    def holding(self, product_id: str, phone_id: str) -> Iterator[int]:
        """The phone's lock, across the deployment's plugin processes and their threads: the
        phone's file, open (its descriptor) and locked."""
        lock = os.open(self._path(product_id, phone_id), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            _lock(lock, True)
            try:
                yield lock
            finally:
                _lock(lock, False)
        finally:
            os.close(lock)


def _mark(lock: int) -> None:
    """Claim the phone whose file `lock` holds: a byte after the one msvcrt locks (a range from the
    file's position), the position put back for the unlock."""
    os.lseek(lock, 1, os.SEEK_SET)
    os.write(lock, b"c")
    os.lseek(lock, 0, os.SEEK_SET)


def _name(pid: int, engine_address: str) -> str:
    """A registry's name: the engine's pid and start time (so a reused pid is another engine),
    then a digest of its address."""
    return f"{pid}-{_started(pid)}-{hashlib.sha256(engine_address.encode()).hexdigest()[:16]}"


def _stale(name: str) -> bool:
    """Whether a registry's engine has exited (or its pid now names another process)."""
    pid, started, *_ = [*name.split("-"), "", ""]
    return pid.isdigit() and (started == "gone" or started != _started(int(pid)))


def _started(pid: int) -> str:
    """When the process started ("gone" once it has exited); Linux tells, elsewhere "" (alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        pass
    try:
        # Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


class Declarations:
    """Which resource declares each phone in one program (or one deployment): a phone has one
    config, so a second resource declaring it is refused before anything is written."""

    def __init__(self) -> None:
        self._by_phone: dict[str, str] = {}
        self._lock = threading.Lock()

    def declare(self, phone_id: object, resource: str) -> None:
        """Record that `resource` declares `phone_id`; raises naming both resources if another
        one already does. An invalid phone id is left to the input check."""
        try:
            phone = _validation.phone_id(phone_id)
        except InvalidInputError:
            return
        with self._lock:
            owner = self._by_phone.setdefault(phone, resource)
        if owner != resource:
            # Named in a fixed order: a native provider's Checks arrive in no fixed order.
            first, second = sorted((owner, resource))
            raise InvalidInputError(
                "phone_id",
                f"phone {phone} is declared by both {first} and {second}; a phone has one config",
                "keep one of them, or give each its own phone",
            )
