"""Live reload over Server-Sent Events: `/_sitegen/events` and `/_sitegen/livereload.js`.

Each build outcome is an event with a version. A page learns the version it was
served at (the server adds `?b=<token>-<version>` to the script's URL), so a
build that finishes between serving a page and opening its stream is not lost:
the stream starts by catching up. The token changes with each server process,
so pages left open across a restart reload once.

Every open stream holds a server thread, so streams are capped and each one
notices a client that went away (socket closed) within a second, and a dead
peer (no FIN) at the next heartbeat write.
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

log = logging.getLogger(__name__)

SCRIPT_PATH = "/_sitegen/livereload.js"
EVENTS_PATH = "/_sitegen/events"
SCRIPT = (Path(__file__).resolve().parent / "livereload.js").read_bytes()

RELOAD = "reload"        # a good build: the page patches itself, or reloads
CSS = "css"              # a good build that changed only stylesheets: swap them
PROBLEMS = "problems"    # a failed build: show the overlay, keep the page

_WAKE_EVERY = 1.0        # seconds between checks that a stream's client is still there


@dataclass(frozen=True)
class Event:
    version: int
    kind: str
    data: str                          # JSON
    pages: frozenset[str] | None = None  # the pages it concerns (see reload_scope); None: all

    def concerns(self, page: str | None) -> bool:
        if page is None or self.pages is None:
            return True
        return any(page == key or (key.endswith("/") and page.startswith(key))
                   for key in self.pages)


class LiveReload:
    """The build outcomes that open pages follow; thread-safe."""

    def __init__(self, heartbeat: float = 10.0, max_streams: int = 100, history: int = 64):
        self.token = secrets.token_hex(4)
        self.heartbeat = heartbeat
        self.max_streams = max_streams
        self._cond = threading.Condition()
        self._version = 0
        self._events: deque[Event] = deque(maxlen=history)
        self._problems: str | None = None   # JSON of the current failure, if any
        self._streams = 0
        self._closed = False

    @property
    def build_id(self) -> str:
        """What a page served now should report when it opens its stream."""
        with self._cond:
            return f"{self.token}-{self._version}"

    @property
    def open_streams(self) -> int:
        with self._cond:
            return self._streams

    def publish_success(self, css_only: bool = False,
                        pages: frozenset[str] | None = None) -> None:
        """A good build; `pages` (output paths, see reload_scope) limits who reloads."""
        with self._cond:
            recovering = self._problems is not None
            self._problems = None
            if css_only and not recovering:
                self._publish(CSS, "{}")
            else:
                self._publish(RELOAD, "{}", None if recovering else pages)

    def publish_failure(self, problems: list[dict[str, Any]]) -> None:
        with self._cond:
            self._problems = json.dumps({"problems": problems})
            self._publish(PROBLEMS, self._problems)

    def _publish(self, kind: str, data: str, pages: frozenset[str] | None = None) -> None:
        self._version += 1
        self._events.append(Event(self._version, kind, data, pages))
        self._cond.notify_all()

    def close(self) -> None:
        """End every stream (their threads return) and refuse new ones."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def since(self, build_id: str | None) -> int:
        """The version a client has seen: -1 for another server's page (reload it)."""
        with self._cond:
            if not build_id:
                return self._version
            token, _, version = build_id.rpartition("-")
            if token != self.token or not version.isdigit():
                return -1
            return min(int(version), self._version)

    def stream(self, write: Callable[[bytes], None], seen: int,
               connected: Callable[[], bool], page: str | None = None) -> None:
        """Send events to the client showing `page` (its output path, e.g.
        `episodes/x/index.html`) until it goes away or the hub closes."""
        with self._cond:
            if self._closed or self._streams >= self.max_streams:
                raise StreamsFull(self.max_streams)
            self._streams += 1
        try:
            write(b"retry: 500\n\n")
            self._follow(write, seen, connected, page)
        except OSError:
            log.debug("live-reload client went away")
        finally:
            with self._cond:
                self._streams -= 1

    def _follow(self, write: Callable[[bytes], None], seen: int,
                connected: Callable[[], bool], page: str | None) -> None:
        with self._cond:
            message, seen = self._catch_up(seen, True, page), self._version
        if message:
            write(message)
        quiet = 0.0
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or self._version > seen,
                                    timeout=_WAKE_EVERY)
                if self._closed:
                    return
                changed = self._version > seen
                message = self._catch_up(seen, False, page) if changed else None
                seen = self._version
            if changed:
                quiet = 0.0
                if message:
                    write(message)
                continue
            if not connected():
                return
            quiet += _WAKE_EVERY
            if quiet >= self.heartbeat:
                quiet = 0.0
                write(b": heartbeat\n\n")

    def _catch_up(self, seen: int, initial: bool, page: str | None) -> bytes | None:
        """One message that brings a client from version `seen` to now (lock held).

        A page served during a failed build must show the overlay at once, so a
        new stream always starts with the current failure.
        """
        missed = [e for e in self._events if e.version > seen]
        if self._problems is not None:
            if initial or missed:
                return _message(self._version, self.token, PROBLEMS, self._problems)
            return None
        truncated = seen < 0 or bool(missed and missed[0].version > seen + 1)
        if truncated or any(e.kind == RELOAD and e.concerns(page) for e in missed):
            return _message(self._version, self.token, RELOAD, "{}")
        if any(e.kind == CSS for e in missed):
            return _message(self._version, self.token, CSS, "{}")
        return None


def reload_scope(changed: Iterable[str]) -> frozenset[str] | None:
    """The pages a build's changed output files concern; None when that is every page.

    A changed HTML file concerns itself. Files no page shows (the feed, sitemap,
    robots.txt) concern none. A changed file in an episode's or speaker's folder
    (transcripts, chapters) concerns that folder's page; one under search/ (the
    index) the search page. Anything else (stylesheets, scripts, images, audio)
    may be used by any page.
    """
    pages: set[str] = set()
    for rel in changed:
        parts = rel.split("/")
        if rel.endswith(".html"):
            pages.add(rel)
        elif len(parts) == 1 and rel.endswith((".xml", ".txt")):
            continue
        elif len(parts) == 3 and parts[0] in ("episodes", "speakers"):
            pages.add(f"{parts[0]}/{parts[1]}/")
        elif parts[0] == "search" and len(parts) > 1:
            pages.add("search/")
        else:
            return None
    return frozenset(pages)


class StreamsFull(RuntimeError):
    def __init__(self, limit: int):
        super().__init__(f"{limit} live-reload streams are open already")


def _message(version: int, token: str, kind: str, data: str) -> bytes:
    return f"id: {token}-{version}\nevent: {kind}\ndata: {data}\n\n".encode()


def problem_dicts(problems: Any, root: Path) -> list[dict[str, Any]]:
    """Problems as the overlay shows them: file relative to the site, line, message."""
    out = []
    for problem in problems:
        if not problem.is_error:
            continue
        file = None
        if problem.path is not None:
            try:
                file = Path(problem.path).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                file = str(problem.path)
        out.append({"file": file, "line": problem.line, "message": problem.message,
                    "hint": problem.hint})
    return out
