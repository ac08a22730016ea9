"""`sitegen serve`: build into a temporary folder, serve it, rebuild on every change.

Three kinds of threads: the HTTP server (one thread per connection), the
watchdog observer feeding a Debouncer, and one builder thread that takes a
burst of changes at a time, calls `build()` and tells open pages the outcome.
`build()` swaps its output in atomically, so the folder served is always a
complete build; a failed build leaves the last good one in place.
"""
from __future__ import annotations

import errno
import gc
import logging
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sitegen.build import BuildOptions, BuildResult, BuildSession, build
from sitegen.config import load_config
from sitegen.errors import BuildError, Problem, Problems, SitegenError
from sitegen.config import builtin_theme_dir
from sitegen.serve.livereload import LiveReload, problem_dicts, reload_scope
from sitegen.serve.server import DevHTTPServer
from sitegen.serve.watcher import ChangeSet, Debouncer, Watcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeOptions:
    site_dir: Path
    bind: str = "127.0.0.1"
    port: int = 8000
    poll: bool = False
    drafts: bool = False
    quiet: float = 0.03          # seconds of calm that end a burst of changes
    heartbeat: float = 10.0      # seconds between keep-alive comments on event streams
    max_streams: int = 100


@dataclass(frozen=True)
class Outcome:
    """One build attempt, as the builder thread saw it."""
    number: int
    ok: bool
    seconds: float
    changes: ChangeSet | None
    problems: tuple[Problem, ...] = ()
    result: BuildResult | None = None


COLLECT_EVERY = 25


class DevServer:
    def __init__(self, options: ServeOptions, report: Callable[[str], None] = print):
        self.options = options
        self.root = options.site_dir.resolve()
        self.report = report
        self.hub = LiveReload(heartbeat=options.heartbeat, max_streams=options.max_streams)
        self.debouncer = Debouncer(quiet=options.quiet)
        self.tempdir: Path | None = None
        self.httpd: DevHTTPServer | None = None
        self.watcher: Watcher | None = None
        self.last: Outcome | None = None
        self.output_lock = threading.Lock()   # see DevHTTPServer.output_lock
        # Parsed episodes and compiled templates, kept between builds.
        self.session = BuildSession(commit_lock=self.output_lock, persist_manifest=False)
        self._builds_since_collect = 0
        self._good = False
        self._outcome = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()
        self._serving = False
        self._closed = False

    @property
    def url(self) -> str:
        assert self.httpd is not None, "start() first"
        return self.httpd.url

    @property
    def output_dir(self) -> Path:
        assert self.tempdir is not None, "start() first"
        return self.tempdir / "site"

    def start(self) -> str:
        """Bind, build once, then serve and watch; returns the URL."""
        self.tempdir = _make_tempdir(self.root)
        try:
            self.httpd = _bind(self.options, self._served_root, self.hub, self.output_lock)
            # The first build runs before any other thread starts, so it may fork and use
            # every core; a browser that connects meanwhile waits in the listen backlog.
            self.rebuild(None)
            self._spawn("sitegen-http", lambda: self.httpd.serve_forever(poll_interval=0.2))
            self._serving = True
            self._start_watching()
            self._spawn("sitegen-builder", self._build_loop)
        except BaseException:
            self.stop()
            raise
        return self.url

    def _spawn(self, name: str, target: Callable[[], Any]) -> None:
        thread = threading.Thread(target=target, name=name)
        thread.start()
        self._threads.append(thread)

    def _served_root(self) -> Path | None:
        return self.output_dir if self._good else None

    def _start_watching(self) -> None:
        """site.yaml, the source folders, the content folder if site.yaml moves it, and
        the built-in theme; never the temp folder or the site's own output folder."""
        config = load_config(self.root, Problems())
        folders = [f for f in (builtin_theme_dir(), config.content_path) if f.is_dir()]
        ignore = [self.tempdir, config.root / config.output_dir]
        self.watcher = Watcher(self.root, self.debouncer, poll=self.options.poll,
                               extra_folders=folders, ignore=ignore)
        self.watcher.start()

    def _build_loop(self) -> None:
        while True:
            changes = self.debouncer.next_batch()
            if changes is None:
                return
            self.rebuild(changes)

    def rebuild(self, changes: ChangeSet | None) -> Outcome:
        """Build once and publish the outcome; never raises for a bad site."""
        started = time.perf_counter()
        try:
            result = build(self._build_options(), session=self.session)
        except BuildError as exc:
            return self._failed(changes, started, exc.problems)
        except (SitegenError, OSError) as exc:
            return self._failed(changes, started, (Problem(str(exc)),))
        except Exception as exc:  # a bug in sitegen must not end the session
            log.exception("internal error during rebuild")
            message = f"internal error: {type(exc).__name__}: {exc} (run with -v for details)"
            return self._failed(changes, started, (Problem(message),))
        self._good = True
        outcome = Outcome(self._next_number(), True, time.perf_counter() - started, changes,
                          tuple(result.warnings), result)
        # Nothing changed in the output: no page reloads, unless one shows the overlay.
        pages = frozenset() if result.up_to_date else reload_scope(result.changed)
        self.hub.publish_success(css_only=bool(changes and changes.css_only), pages=pages)
        self._record(outcome)
        self._settle_memory()
        what = "Built" if changes is None else "Rebuilt"
        written = "no output changed" if result.up_to_date else \
            f"{len(result.changed)} output files changed"
        self.report(f"{what} {result.episodes} episodes in {outcome.seconds * 1000:.0f} ms, "
                    f"{written}" + _changed_note(changes, self.root))
        return outcome

    def _settle_memory(self) -> None:
        """Keep the garbage collector from walking the whole parsed site on every rebuild.

        What the session holds lives for the whole session: frozen, the collector
        skips it. Every COLLECT_EVERY builds the garbage of earlier ones is collected,
        after the open pages were told of the build.
        """
        self._builds_since_collect += 1
        if self._builds_since_collect >= COLLECT_EVERY:
            gc.unfreeze()
            gc.collect()
            self._builds_since_collect = 0
        gc.freeze()

    def _failed(self, changes: ChangeSet | None, started: float,
                problems: tuple[Problem, ...]) -> Outcome:
        outcome = Outcome(self._next_number(), False, time.perf_counter() - started, changes,
                          problems)
        self.hub.publish_failure(problem_dicts(problems, self.root))
        self._record(outcome)
        lines = [p.format(self.root) for p in problems if p.is_error]
        kept = "keeping the last good build" if self._good else "no good build yet"
        self.report("Build failed (" + kept + "):\n  " + "\n  ".join(lines))
        return outcome

    def _build_options(self) -> BuildOptions:
        return BuildOptions(site_dir=self.root, output_dir=self.output_dir,
                            drafts=self.options.drafts, base_url=self.url, live_reload=True)

    def _next_number(self) -> int:
        with self._outcome:
            return (self.last.number if self.last else 0) + 1

    def _record(self, outcome: Outcome) -> None:
        with self._outcome:
            self.last = outcome
            self._outcome.notify_all()

    def wait_for_build(self, after: int, timeout: float) -> Outcome | None:
        """The first build outcome numbered above `after`, or None on timeout."""
        with self._outcome:
            self._outcome.wait_for(lambda: self.last is not None and self.last.number > after,
                                   timeout=timeout)
            return self.last if self.last and self.last.number > after else None

    def serve_forever(self) -> None:
        """Block until `stop()` or Ctrl-C (KeyboardInterrupt), then stop cleanly."""
        try:
            while not self._stopped.wait(0.5):
                pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop watching, finish the running build, end streams, join, remove temp."""
        if self._closed:
            return
        self._closed = True
        self._stopped.set()
        if self.watcher is not None:
            self.watcher.stop()
        self.debouncer.close()
        self.hub.close()
        if self._serving:
            self.httpd.shutdown()  # returns once serve_forever's loop has ended
        for thread in self._threads:
            if thread.name == "sitegen-builder":
                thread.join()
        if self.httpd is not None:
            self.httpd.close_connections()
            self.httpd.server_close()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        if self.tempdir is not None:
            shutil.rmtree(self.tempdir, ignore_errors=True)


def _changed_note(changes: ChangeSet | None, root: Path) -> str:
    if changes is None:
        return ""
    if changes.full:
        return f" (full rebuild: {len(changes.paths)} changes)"
    names = sorted(_relative(p, root) for p in changes.paths)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f" ({shown})"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _make_tempdir(root: Path) -> Path:
    """A private folder outside the site (and so outside every watched folder)."""
    tempdir = Path(tempfile.mkdtemp(prefix="sitegen-serve-")).resolve()
    if tempdir == root or root in tempdir.parents:
        shutil.rmtree(tempdir, ignore_errors=True)
        raise SitegenError(f"the temporary folder {tempdir} is inside the site {root}; "
                           "set TMPDIR to a folder outside the site")
    return tempdir


def _bind(options: ServeOptions, root: Callable[[], Path | None], hub: LiveReload,
          lock: threading.Lock) -> DevHTTPServer:
    try:
        return DevHTTPServer((options.bind, options.port), root, hub, output_lock=lock)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SitegenError(f"port {options.port} on {options.bind} is in use; choose "
                               "another with --port, or --port 0 for any free one") from None
        raise SitegenError(f"cannot listen on {options.bind}:{options.port}: "
                           f"{exc.strerror}") from None
