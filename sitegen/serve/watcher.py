"""Watching the site's sources: which changes count, and one rebuild per burst.

Editors save in odd ways. Vim writes `4913` and `.x.swp`, Emacs `.#x` and
`#x#`, LibreOffice `.~lock.x#`, many editors write a temp file and rename it
over the original (an atomic save). Only the file that ends up changed counts:
a rename counts as a change of its destination. Opening or reading a file is
not a change. A burst of events becomes one `ChangeSet` once the folder has
been quiet for a moment; a mass change (a git checkout) becomes one full one.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

log = logging.getLogger(__name__)

WATCHED_FOLDERS = ("content", "themes", "templates", "static")
CONFIG_NAME = "site.yaml"
IGNORED_NAMES = frozenset({"4913", ".DS_Store", "Thumbs.db", "desktop.ini"})
IGNORED_PREFIXES = (".", "#", "~$")   # hidden, `.#x` / `#x#` (Emacs), `.~lock.` (LibreOffice)
IGNORED_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".swpx", ".tmp", ".temp", ".part",
                    ".crdownload", ".bak", ".orig", "___jb_tmp___", "___jb_old___", "#")
IGNORED_FOLDERS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules",
                             ".idea", ".vscode"})
# Events that say a file was only looked at.
READ_ONLY_EVENTS = frozenset({"opened", "closed_no_write"})


def is_ignored(path: Path) -> bool:
    """True for editor temp files, hidden files and version-control folders."""
    name = path.name
    if name in IGNORED_NAMES or name.startswith(IGNORED_PREFIXES):
        return True
    if name.endswith(IGNORED_SUFFIXES) or name.isdigit():  # vim also probes with numbers
        return True
    return any(part in IGNORED_FOLDERS for part in path.parts)


@dataclass(frozen=True)
class ChangeSet:
    paths: frozenset[Path]
    full: bool            # rebuild everything: a mass change or the site's config

    @property
    def css_only(self) -> bool:
        """Only stylesheets under a static/ folder changed: pages can swap them."""
        return bool(self.paths) and not self.full and all(
            p.suffix.lower() == ".css" and "static" in p.parts for p in self.paths)


class Debouncer:
    """Collects changed paths; `next_batch` returns them once they stop coming."""

    def __init__(self, quiet: float = 0.03, max_wait: float = 2.0, mass: int = 40,
                 clock: Callable[[], float] = time.monotonic):
        self.quiet = quiet
        self.max_wait = max_wait
        self.mass = mass
        self._clock = clock
        self._cond = threading.Condition()
        self._paths: set[Path] = set()
        self._born: set[Path] = set()   # files created during this burst
        self._full = False
        self._first = self._last = 0.0
        self._closed = False

    def add(self, paths: Iterable[Path], full: bool = False, born: bool = False) -> None:
        """`born`: the paths were just created (a file gone again by the end of the
        burst, such as an editor's temp file renamed over the original, is no change)."""
        with self._cond:
            now = self._clock()
            if not self._paths and not self._full:
                self._first = now
            paths = set(paths)
            if born:
                self._born |= paths - self._paths
            self._paths |= paths
            self._full = self._full or full
            self._last = now
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _quiet_window(self) -> float:
        # A mass change is written over a while: wait longer for it to settle.
        return self.quiet * 5 if len(self._paths) >= self.mass else self.quiet

    def next_batch(self, timeout: float | None = None) -> ChangeSet | None:
        """Block until a burst is over; None once closed or after `timeout` idle seconds."""
        give_up = None if timeout is None else self._clock() + timeout
        with self._cond:
            while True:
                if self._closed:
                    return None
                if not self._paths and not self._full:
                    if give_up is not None and self._clock() >= give_up:
                        return None
                    self._cond.wait(None if give_up is None else give_up - self._clock())
                    continue
                now = self._clock()
                due = min(self._last + self._quiet_window(), self._first + self.max_wait)
                if now >= due:
                    return self._take()
                self._cond.wait(due - now)

    def _take(self) -> ChangeSet:
        transient = {p for p in self._born if not p.exists()}
        paths = frozenset(self._paths - transient)
        full = self._full or len(paths) >= self.mass
        full = full or any(p.name == CONFIG_NAME for p in paths)
        self._paths, self._born, self._full = set(), set(), False
        return ChangeSet(paths, full)


class _Handler(FileSystemEventHandler):
    def __init__(self, relevant: Callable[[Path], bool], debouncer: Debouncer,
                 on_folder: Callable[[Path], None]):
        self.relevant = relevant
        self.debouncer = debouncer
        self.on_folder = on_folder

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in READ_ONLY_EVENTS:
            return
        if event.is_directory and event.event_type in ("modified", "closed", "attrib"):
            return  # a folder's mtime moves with every file written in it
        paths = [Path(_text(event.src_path))]
        if event.event_type == "moved":
            paths.append(Path(_text(event.dest_path)))   # an atomic save lands here
        changed = [p for p in paths if self.relevant(p)]
        if not changed:
            return
        if event.is_directory:
            for path in changed:
                self.on_folder(path)
        # A folder moved or deleted as a whole hides which files it held.
        self.debouncer.add(changed, full=event.is_directory,
                           born=event.event_type == "created" and not event.is_directory)


def _text(path: str | bytes) -> str:
    return path.decode() if isinstance(path, bytes) else path


class Watcher:
    """Watches site.yaml and the source folders of one site; feeds a Debouncer."""

    def __init__(self, root: Path, debouncer: Debouncer, poll: bool = False,
                 extra_folders: Iterable[Path] = (), ignore: Iterable[Path] = (),
                 poll_interval: float = 0.5):
        self.root = root.resolve()
        self.debouncer = debouncer
        self.folders = [self.root / name for name in WATCHED_FOLDERS]
        self.folders += [Path(p).resolve() for p in extra_folders]
        self.ignore = [Path(p).resolve() for p in ignore]
        self.observer = PollingObserver(timeout=poll_interval) if poll else Observer()
        self._handler = _Handler(self.relevant, debouncer, self._folder_appeared)
        self._scheduled: set[Path] = set()
        self._lock = threading.Lock()

    def relevant(self, path: Path) -> bool:
        if is_ignored(path):
            return False
        if any(path == i or i in path.parents for i in self.ignore):
            return False
        if path == self.root / CONFIG_NAME:
            return True
        return any(path == f or f in path.parents for f in self.folders)

    def start(self) -> None:
        self.observer.schedule(self._handler, str(self.root), recursive=False)
        for folder in self.folders:
            self._watch(folder)
        self.observer.start()

    def _watch(self, folder: Path) -> None:
        with self._lock:
            covered = any(s == folder or s in folder.parents for s in self._scheduled)
            if covered or not folder.is_dir():
                return
            self._scheduled.add(folder)
        self.observer.schedule(self._handler, str(folder), recursive=True)

    def _folder_appeared(self, path: Path) -> None:
        """A watched folder created after start (e.g. templates/) gets its own watch."""
        if path in self.folders:
            self._watch(path)

    def stop(self) -> None:
        self.observer.stop()
        if self.observer.is_alive():
            self.observer.join()
