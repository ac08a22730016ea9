"""Atomic output: build into a staging folder beside the target, then swap it in.

The previous output stays complete and served until the new one is whole. On
Linux the swap is a single `renameat2(RENAME_EXCHANGE)`; elsewhere two renames,
with the old folder restored by the next build if one is interrupted between.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shutil
from pathlib import Path, PurePosixPath

from sitegen.errors import SitegenError

log = logging.getLogger(__name__)

MARKER = ".sitegen-output"
_RENAME_EXCHANGE = 2


class OutputError(SitegenError):
    pass


def check_target(target: Path, site_root: Path, content: Path, force: bool) -> None:
    """Refuse output folders whose replacement would destroy something else."""
    target = target.resolve()
    dangerous = {Path("/").resolve(), Path.home().resolve(), site_root.resolve()}
    if target in dangerous:
        raise OutputError(f"refusing to write the site into {target}: it would be replaced "
                          "as a whole; choose a folder of its own, e.g. --output public")
    content = content.resolve()
    if target == content or target in content.parents:
        raise OutputError(f"refusing to write the site into {target}: it holds the content "
                          f"folder {content}")
    if target.exists():
        if not target.is_dir():
            raise OutputError(f"output {target} exists and is not a folder")
        if not (target / MARKER).exists() and any(target.iterdir()) and not force:
            raise OutputError(f"output folder {target} is not empty and was not made by "
                              "sitegen; empty it, choose another, or pass --force")


def safe_relpath(rel: str) -> str:
    """A normalised relative path that cannot leave the output folder."""
    if "\x00" in rel or "\\" in rel:
        raise OutputError(f"unsafe output path {rel!r}")
    path = PurePosixPath(rel)
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or not path.parts:
        raise OutputError(f"unsafe output path {rel!r}")
    return path.as_posix()


class Staging:
    """A folder being filled; `commit` swaps it into place, `discard` removes it."""

    def __init__(self, target: Path):
        self.target = target.resolve()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        recover(self.target)
        self.root = self.target.parent / f".{self.target.name}.sitegen-tmp-{os.getpid()}"
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir()
        (self.root / MARKER).write_text("built by sitegen; replaced as a whole on each build\n")
        self.written: set[str] = set()

    def path(self, rel: str) -> Path:
        rel = safe_relpath(rel)
        self.written.add(rel)
        full = self.root / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        return full

    def write(self, rel: str, data: str | bytes) -> None:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        with open(self.path(rel), "wb") as handle:
            handle.write(payload)

    def link(self, rel: str, source: Path) -> None:
        """Publish an existing file (audio, a cached page): hard link, else copy."""
        dest = self.path(rel)
        if dest.exists():  # two episodes may share one audio file
            dest.unlink()
        try:
            os.link(source, dest)
        except OSError:
            shutil.copyfile(source, dest)

    def commit(self) -> None:
        if self.target.exists():
            if not _exchange(self.root, self.target):
                old = self.target.parent / f".{self.target.name}.sitegen-old-{os.getpid()}"
                os.rename(self.target, old)
                os.rename(self.root, self.target)
                self.root = old
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            os.rename(self.root, self.target)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def recover(target: Path) -> None:
    """Undo what an interrupted build left: restore a missing output, drop leftovers."""
    olds = sorted(target.parent.glob(f".{target.name}.sitegen-old-*"))
    if not target.exists() and olds:
        os.rename(olds.pop(), target)
    for leftover in olds + list(target.parent.glob(f".{target.name}.sitegen-tmp-*")):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another build is running right now
        shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
