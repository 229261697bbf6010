"""Stage 6, write: stream the site into a staging folder, then swap it into place in one step.

The output folder always exists and is always a whole site, old or new, at every
instant, even if the build is killed: the new tree is written beside it and exchanged
with it by one atomic rename (Linux `renameat2(RENAME_EXCHANGE)`, macOS
`renamex_np(RENAME_SWAP)`; elsewhere two renames, with a moment in between). A lock
makes a second build into the same folder wait; leftovers of killed builds are removed
by the next one. The build replaces only a folder that is absent, empty, or marked as
a previous hub build, so `--out` can never delete anything else.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .errors import BuildError, ContentError

MARKER = ".hub-site"
MARKER_TEXT = "Built by the Relationships Hub (build.py). The next build replaces this folder whole.\n"


class HashingFile:
    """A binary file being written, and the SHA-1 of what was written: close() returns it (hex)."""

    def __init__(self, path: Path):
        self.file = open(path, "wb")
        self.hash = hashlib.sha1()

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.hash.update(data)

    def close(self) -> str:
        self.file.close()
        return self.hash.hexdigest()


class OutputError(Exception):
    """The output folder cannot be used; the message says why, in one line."""


def refuse_reason(out_dir: Path, root: Path) -> str | None:
    """Why `out_dir` must not be replaced by a build, or None when it may."""
    if out_dir == root or out_dir in root.parents:
        return f"{out_dir} holds the project itself; choose a folder for the site alone (the default is site/)"
    for folder in ("content", "templates", "assets", ".git"):
        source = root / folder
        if out_dir == source or source in out_dir.parents:
            return f"{out_dir} is inside the project's {folder}/ folder; choose a folder outside it"
    if not out_dir.exists() and not out_dir.is_symlink():
        return None
    if out_dir.is_symlink() or not out_dir.is_dir():
        return f"{out_dir} exists and is not a folder; choose another --out"
    try:
        names = os.listdir(out_dir)
    except OSError as exc:
        return f"cannot read {out_dir}: {exc.strerror}"
    if not names or MARKER in names or is_earlier_hub_build(out_dir, names):
        return None
    return (f"refusing to replace {out_dir}: it is not empty and not a hub build (it has no {MARKER} file); "
            "choose an empty or new folder")


def is_earlier_hub_build(out_dir: Path, names: list[str]) -> bool:
    """A site built before the marker existed: index.html beside an index.js that sets HUB_INDEX."""
    if "index.html" not in names or "index.js" not in names:
        return False
    try:
        with open(out_dir / "index.js", "rb") as f:
            return f.read(20).startswith(b"window.HUB_INDEX")
    except OSError:
        return False


class Output:
    """A build's output: a locked staging folder beside `out_dir`, published by an atomic swap."""

    def __init__(self, out_dir: Path, root: Path, jobs: int | None = None):
        self.out_dir = out_dir
        self.root = root
        self.jobs = jobs  # the --jobs option: how many processes may remove the old tree (remove_tree)
        self.staging: Path | None = None
        self._lock = None
        self._made: set[str] = set()

    # Before writing ----------------------------------------------------------------

    def open(self, on_wait=None) -> None:
        """Check the folder may be replaced, take the lock, clean leftovers, make the staging folder."""
        reason = refuse_reason(self.out_dir, self.root)
        if reason:
            raise OutputError(reason)
        parent = self.out_dir.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._lock = take_lock(parent / f".{self.out_dir.name}.lock", on_wait)
            for pattern in (f".{self.out_dir.name}.new-*", f".{self.out_dir.name}.old-*"):
                for leftover in parent.glob(pattern):  # from builds that were killed
                    shutil.rmtree(leftover, ignore_errors=True)
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=parent))
            os.chmod(self.staging, 0o755)
        except OSError as exc:
            self.close()
            raise OutputError(f"cannot prepare {self.out_dir}: {exc.strerror or exc}") from None

    # Writing -----------------------------------------------------------------------

    def target(self, rel: str) -> Path:
        if rel.startswith("/") or rel.startswith("../") or "/../" in rel or rel in ("", ".", ".."):
            raise BuildError([ContentError(rel, 0, "refusing to write outside the output folder")])
        folder = rel.rpartition("/")[0]
        if folder and folder not in self._made:
            (self.staging / folder).mkdir(parents=True, exist_ok=True)
            self._made.add(folder)
        return self.staging / rel

    def write(self, rel: str, data: bytes, digest: str | None = None) -> None:
        with open(self.target(rel), "wb") as f:
            f.write(data)

    def copy(self, rel: str, source: Path) -> None:
        shutil.copyfile(source, self.target(rel))

    def opener(self, rel: str) -> HashingFile:
        """A binary file to stream `rel` into."""
        return HashingFile(self.target(rel))

    # Publishing --------------------------------------------------------------------

    def publish(self) -> None:
        """Swap the staging folder into place: one atomic step; then remove the old tree."""
        try:
            (self.staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
            if self.out_dir.exists():
                exchange(self.staging, self.out_dir)
                remove_tree(self.staging, self.jobs)  # it now holds the previous site
            else:
                os.rename(self.staging, self.out_dir)
            self.staging = None
        except OSError as exc:
            raise OutputError(f"cannot publish into {self.out_dir}: {exc.strerror or exc}") from None
        finally:
            self.close()

    def close(self) -> None:
        """Remove what was not published, and release the lock."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def remove_tree(path: Path, jobs: int | None = None, workers: int | None = None) -> None:
    """shutil.rmtree(path), its folders' folders shared among worker processes where there are many:
    the file system's own work, per file and folder, is most of it (10 000 case studies' folders on
    a tmpfs: 0.26 s alone, 0.16 s on two cores). `workers` overrides worker_count's choice."""
    from .workers import fork_map, portions, worker_count

    try:
        folders = [inner.path for outer in os.scandir(path) if outer.is_dir(follow_symlinks=False)
                   for inner in os.scandir(outer.path) if inner.is_dir(follow_symlinks=False)]
    except OSError:
        folders = []
    if workers is None:
        workers = worker_count(len(folders) // 64, jobs)  # a fork is worth it from a few thousand folders
    if workers and folders:
        fork_map(_remove_each, portions(folders, workers), workers, here=True)
    shutil.rmtree(path, ignore_errors=True)


def _remove_each(folders: list[str]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def take_lock(path: Path, on_wait=None) -> int:
    """An exclusive lock on `path` (held until closed); waits, saying so, while another build holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        import fcntl
    except ImportError:  # no advisory locks here: carry on unlocked
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if on_wait:
            on_wait()
        fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


# The atomic swap --------------------------------------------------------------------

AT_FDCWD = -100
RENAME_EXCHANGE = 2  # Linux renameat2 flag
RENAME_SWAP = 2  # macOS renamex_np flag
SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "arm64": 276, "riscv64": 276, "ppc64le": 357, "s390x": 347}


def _libc():
    """The C library, for the swap (ctypes is imported here, and libc found without ctypes.util, which
    imports subprocess and runs ldconfig: together a few to thirty milliseconds of every build)."""
    import ctypes

    program = ctypes.CDLL(None, use_errno=True)  # this process's own symbols: libc's among them, found at once
    if hasattr(program, "renameat2") or hasattr(program, "renamex_np") or hasattr(program, "syscall"):
        return program
    import ctypes.util

    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def exchange(a: Path, b: Path) -> None:
    """Swap the paths `a` and `b` atomically where the system can; else with two renames."""
    fa, fb = os.fsencode(a), os.fsencode(b)
    try:
        libc = _libc()
    except OSError:
        libc = None
    if libc is not None and sys.platform.startswith("linux"):
        if hasattr(libc, "renameat2"):
            result = libc.renameat2(AT_FDCWD, fa, AT_FDCWD, fb, RENAME_EXCHANGE)
        elif (number := SYS_RENAMEAT2.get(os.uname().machine)) is not None:
            result = libc.syscall(number, AT_FDCWD, fa, AT_FDCWD, fb, RENAME_EXCHANGE)
        else:
            result = None
        if result == 0:
            return
    elif libc is not None and sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        if libc.renamex_np(fa, fb, RENAME_SWAP) == 0:
            return
    # The fallback: b is missing for the moment between the two renames.
    old = Path(tempfile.mkdtemp(prefix=f".{b.name}.old-", dir=b.parent))
    old.rmdir()
    os.rename(b, old)
    os.rename(a, b)
    os.rename(old, a)
