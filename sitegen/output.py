"""Atomic output: build into a staging folder beside the target, then swap it in.

The previous output stays complete and served until the new one is whole. On
Linux the swap is a single `renameat2(RENAME_EXCHANGE)`; elsewhere two renames,
with the old folder restored by the next build if one is interrupted between.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import shutil
import stat
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator

from sitegen.cache import FileRecord, MemoStore, digest, episode_fingerprint, record_for
from sitegen.errors import SitegenError
from sitegen.model import Episode, Site

log = logging.getLogger(__name__)

MARKER = ".sitegen-output"
# Up to this many changed files (or half the site) are moved into the live folder
# one by one (cheaper than linking every kept file into a new folder and deleting
# the old one); more, and a whole new folder is swapped in.
IN_PLACE_MIN = 200
KNOWN_KEYS_MAX = 200_000   # forgotten past this many (stale ones pile up over edits)
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


@lru_cache(maxsize=1 << 17)
def safe_relpath(rel: str) -> str:
    """A normalised relative path that cannot leave the output folder."""
    if "\x00" in rel or "\\" in rel:
        raise OutputError(f"unsafe output path {rel!r}")
    path = PurePosixPath(rel)
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or not path.parts:
        raise OutputError(f"unsafe output path {rel!r}")
    return path.as_posix()


class Staging:
    """A folder being filled; `commit` swaps it into place, `discard` removes it.

    With `previous` (the last build's manifest of this target), a file whose key
    is unchanged is kept instead of rewritten (`reuse`, `cached`). `commit` then
    either swaps in a whole new folder (kept files hard-linked into it) or, when
    only a few files changed, moves just those into the live folder, each with one
    atomic rename, after every phase has succeeded.
    """

    def __init__(self, target: Path, previous: dict[str, FileRecord] | None = None,
                 scope: str = "", memos: MemoStore | None = None,
                 previous_groups: dict[str, tuple[str, list[str]]] | None = None):
        self.target = target.resolve()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        recover(self.target)
        self.root = self.target.parent / f".{self.target.name}.sitegen-tmp-{os.getpid()}"
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir()
        self._folders: set[str] = {str(self.root)}   # made in the staging folder
        # True once another process may have staged files this one does not know of
        # (a phase re-run after it failed in a forked process)
        self.foreign_files = False
        self.previous = previous or {}
        self.previous_groups = previous_groups or {}
        # groups of files made from one input (an episode's transcripts...): name -> key, files
        self.groups: dict[str, tuple[str, list[str]]] = {}
        # False when `previous` is this process's own record of the output (a dev server
        # session): kept files are then not stat'ed one by one, nor the folder walked.
        self.verify = True
        self.scope = scope
        self.written: set[str] = set()           # every file of the new output
        self.kept: dict[str, FileRecord] = {}     # unchanged, left where they are
        self.keys: dict[str, str | None] = {}     # staged files and their keys
        self.linked: set[str] = set()
        self.records: dict[str, FileRecord] = {}  # after commit: the new manifest
        self.changed: list[str] = []              # after commit: written or removed
        self.in_place = False
        self.jobs = 0    # processes a phase may fork for itself; 0: as many as CPUs
        self.commit_lock: Any = None   # held while updating the live folder in place
        self.memos = memos if memos is not None else MemoStore(None)
        # What a phase keeps in memory for its next build in this process (see
        # BuildSession.resident); a forked process's changes to it are lost.
        self.resident: dict[str, Any] = {}
        # The site the previous output was built from, when this process built it in the
        # same scope and with the same options (a session): an episode that is the very
        # object it held made the same files then (see `same_positions`, `keep`).
        self.previous_site: Site | None = None
        self.write(MARKER, "built by sitegen; replaced as a whole on each build\n")

    def path(self, rel: str, key: str | None = None) -> Path:
        return Path(self._staged_file(rel, key))

    def _staged_file(self, rel: str, key: str | None) -> str:
        """The staging path for `rel`, its folder made and any earlier copy gone."""
        rel = safe_relpath(rel)
        staged_before = rel in self.keys
        self.written.add(rel)
        self.kept.pop(rel, None)
        self.linked.discard(rel)
        self.keys[rel] = key
        full = os.path.join(self.root, rel)
        if staged_before or self.foreign_files:
            # never write through a hard link into a published file
            with contextlib.suppress(FileNotFoundError):
                os.unlink(full)
        # A file is staged once per build, so this process made the folders it knows;
        # the syscalls saved count on a cold build of twenty thousand files.
        folder = os.path.dirname(full)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        return full

    def write(self, rel: str, data: str | bytes, key: str | None = None,
              group: str | None = None) -> None:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        with open(self._staged_file(rel, key), "wb") as handle:
            handle.write(payload)
        if group is not None:
            self.groups[group][1].append(safe_relpath(rel))

    def link(self, rel: str, source: Path) -> None:
        """Publish an existing file (audio, a cached page): hard link, else copy."""
        dest = self.path(rel)
        try:
            os.link(source, dest)
            self.linked.add(safe_relpath(rel))
        except OSError:
            shutil.copyfile(source, dest)

    def key(self, rel: str, depends_on: Iterable[object]) -> str:
        """The key of `rel`: the build's scope plus what the file is made from."""
        parts = tuple(episode_fingerprint(p) if isinstance(p, Episode) else p
                      for p in depends_on)
        try:
            return self._known_keys[rel, parts]
        except KeyError:
            found = self._known_keys[rel, parts] = digest(self.scope, rel, *parts)
            return found
        except TypeError:   # an unhashable part
            return digest(self.scope, rel, *parts)

    @cached_property
    def _known_keys(self) -> dict[tuple, str]:
        """Keys computed for this scope in this process (kept in `resident`): a session's
        rebuild asks for thousands of unchanged ones, and a lookup costs less than a
        SHA-256."""
        found = self.resident.get("staging-keys")
        if found is None or found[0] != self.scope or len(found[1]) > KNOWN_KEYS_MAX:
            found = self.resident["staging-keys"] = (self.scope, {})
        return found[1]

    def reuse(self, rel: str, key: str) -> bool:
        """Keep the published `rel` if it was made from `key` and is untouched since."""
        rel = safe_relpath(rel)
        record = self.previous.get(rel)
        return record is not None and record.key == key and self._keep(rel, record)

    def keep(self, rel: str) -> bool:
        """Keep the published `rel` as the previous build made it, without a key: for a
        caller that knows it would be made from the very inputs it was made from then
        (`same_positions`). False when there is no such file to keep."""
        rel = safe_relpath(rel)
        record = self.previous.get(rel)
        return record is not None and self.previous_site is not None \
            and self._keep(rel, record)

    def _keep(self, rel: str, record: FileRecord) -> bool:
        if rel in self.written:
            return False
        if self.verify and not record.matches(os.path.join(self.target, rel)):
            return False
        self.written.add(rel)
        self.kept[rel] = record
        return True

    def same_positions(self, site: Site) -> list[bool] | None:
        """For each of `site.episodes`, whether the previous build had the very same
        object at the same place; None when there is no previous site or its episode
        count differs (then neighbours, pages and counts may all have moved)."""
        previous = self.previous_site
        if previous is None or len(previous.episodes) != len(site.episodes):
            return None
        return [new is old for new, old in zip(site.episodes, previous.episodes)]

    def keep_group(self, group: str, key: str) -> bool:
        """Keep every file the last build wrote in `group` if the group was made from `key`.

        One check for a set of files made from the same input; otherwise the caller
        writes them again with `write(..., group=group)` after `start_group`.
        """
        found = self.previous_groups.get(group)
        if found is None or found[0] != key:
            return False
        records = [self.previous.get(rel) for rel in found[1]]
        if any(r is None for r in records) or not self.written.isdisjoint(found[1]):
            return False
        if self.verify and not all(r.matches(os.path.join(self.target, rel))  # type: ignore
                                   for r, rel in zip(records, found[1])):
            return False
        self.written.update(found[1])
        self.kept.update(zip(found[1], records))  # type: ignore[arg-type]
        self.groups[group] = found
        return True

    def start_group(self, group: str, key: str) -> None:
        """Files written with `group=` from now on are the group made from `key`."""
        self.groups[group] = (key, [])

    def cached(self, rel: str, depends_on: Iterable[object],
               produce: Callable[[], str | bytes]) -> bool:
        """Write `produce()` to `rel` unless an unchanged copy is kept; True when kept.

        `depends_on` must name everything the file is made from besides the scope
        (site config, theme, sitegen's code): episodes (by fingerprint), strings...
        """
        key = self.key(rel, depends_on)
        if self.reuse(rel, key):
            return True
        self.write(rel, produce(), key)
        return False

    def state(self) -> dict[str, Any]:
        """What this staging knows, for a forked process to hand back with `merge`."""
        memos = self.memos
        return {"written": self.written, "kept": self.kept, "keys": self.keys,
                "linked": self.linked, "groups": self.groups, "memo_used": memos.used,
                "memo_new": {key: memos.values[key] for key in memos.dirty},
                "memo_written": set(memos.values) - memos.dirty}

    def merge(self, state: dict[str, Any]) -> None:
        self.written |= state["written"]
        self.kept.update(state["kept"])
        self.keys.update(state["keys"])
        self.linked |= state["linked"]
        self.groups.update(state["groups"])
        self.memos.used |= state["memo_used"]
        self.memos.values.update(state["memo_new"])
        self.memos.dirty |= set(state["memo_new"])
        self.memos.stored_elsewhere |= state["memo_written"] - set(self.memos.values)

    def memo(self, name: str, depends_on: Iterable[object], produce: Callable[[], Any]) -> Any:
        """`produce()`, or the value it gave in an earlier build for the same inputs.

        For data a whole-site output is assembled from, e.g. one episode's search
        records: `staging.memo("search-records", [episode], lambda: records(episode))`.
        Values must pickle; the key includes the scope, as for files.
        """
        return self.memos.get(self.key(f"memo:{name}", depends_on), produce)

    @property
    def staged(self) -> list[str]:
        return sorted(self.keys)

    def commit(self) -> None:
        if self._can_update_in_place():
            self.in_place = True
            with self.commit_lock or contextlib.nullcontext():
                self._update_in_place()
        else:
            self._swap()

    def _can_update_in_place(self) -> bool:
        marker = self.previous.get(MARKER)
        if marker is None or not marker.matches(self.target / MARKER):
            return False
        return len(self.keys) <= max(IN_PLACE_MIN, len(self.written) // 2)

    def _swap(self) -> None:
        for rel in sorted(self.kept):
            dest = self.root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.target / rel, dest)
            except OSError:
                shutil.copyfile(self.target / rel, dest)
        keys = {rel: self.kept[rel].key for rel in self.kept} | self.keys
        if self.target.exists():
            if not _exchange(self.root, self.target):
                old = self.target.parent / f".{self.target.name}.sitegen-old-{os.getpid()}"
                os.rename(self.target, old)
                os.rename(self.root, self.target)
                self.root = old
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            os.rename(self.root, self.target)
        self.records = {rel: record_for(self.target / rel, keys[rel]) for rel in keys}
        self.changed = self.staged + sorted(set(self.previous) - self.written)

    def _update_in_place(self) -> None:
        """Move the changed files into the live folder, then drop the ones now gone."""
        records = dict(self.kept)
        for rel in self.staged:
            src, dest = self.root / rel, self.target / rel
            if not self._same(rel, src, dest):
                dest.parent.mkdir(parents=True, exist_ok=True)
                if dest.is_dir():
                    shutil.rmtree(dest)
                os.replace(src, dest)
                self.changed.append(rel)
            records[rel] = record_for(dest, self.keys[rel])
        present = published_files(self.target) if self.verify else set(self.previous)
        for rel in sorted(present - self.written, reverse=True):
            _remove(self.target, rel)
            self.changed.append(rel)
        shutil.rmtree(self.root, ignore_errors=True)
        self.records = records

    def _same(self, rel: str, src: Path, dest: Path) -> bool:
        """Is the published file already exactly what was staged?"""
        if rel not in self.previous:
            return False
        try:
            a, b = os.stat(src), os.stat(dest)
        except OSError:
            return False
        if rel in self.linked:
            return (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev)
        if a.st_size != b.st_size or not stat.S_ISREG(b.st_mode):
            return False
        with open(src, "rb") as one, open(dest, "rb") as other:
            return one.read() == other.read()

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def output_intact(target: Path, files: dict[str, FileRecord]) -> bool:
    """`target` holds exactly `files`, each as it was published (size, mtime, inode).

    One pass over the folder, stopping at the first difference: the check a
    no-change build makes of thousands of files."""
    found = 0
    try:
        for rel, entry in _published(target, strict=True):
            record = files.get(rel)
            if record is None or not record.matches_stat(entry.stat()):
                return False
            found += 1
    except OSError:
        return False
    return found == len(files)


def published_files(target: Path) -> set[str]:
    """Every file (and symlink) under `target`, as relative POSIX paths."""
    return {rel for rel, _ in _published(target, strict=False)}


def _published(target: Path, strict: bool) -> Iterator[tuple[str, os.DirEntry]]:
    """Every file (and symlink) under `target`: its relative POSIX path and entry.
    A folder that cannot be listed raises with `strict`, else is passed over."""
    folders = [(str(target), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            if strict:
                raise
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, rel + "/"))
            else:
                yield rel, entry


def _remove(target: Path, rel: str) -> None:
    """Delete a published file and the folders it leaves empty."""
    path = target / rel
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except (IsADirectoryError, PermissionError):
        return
    parent = path.parent
    while parent != target:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


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
