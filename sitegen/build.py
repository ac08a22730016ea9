"""The orchestrator: load, validate, render, write; each phase a small function.

`build()` is what `sitegen build`, `check` and `serve` all stand on. The output is
written to a staging folder and swapped in only when every phase succeeded.
"""
from __future__ import annotations

import gc
import logging
import os
import pickle
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from sitegen.cache import (CACHE_DIR, BuildSession, EpisodeStore, Manifest, MemoStore,
                           Signature, code_fingerprint,
                           config_fingerprint, digest, folder_fingerprint, forget_manifest,
                           inputs_fingerprint, load_manifest, save_manifest, template_cache)
from sitegen.config import CONFIG_NAME, builtin_theme_dir, load_config
from sitegen.errors import BuildError, Problem, Problems
from sitegen.model import Site, SiteConfig
from sitegen.output import MARKER, Staging, check_target, output_intact
from sitegen.source import episode_files, load_episodes

if TYPE_CHECKING:
    from sitegen.render.context import Renderer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    site_dir: Path = Path(".")
    output_dir: Path | None = None
    strict: bool = False
    drafts: bool = False
    force: bool = False
    base_url: str | None = None   # the dev server serves from its own address
    live_reload: bool = False


@dataclass
class BuildResult:
    output: Path
    pages: int
    files: int
    seconds: float
    warnings: list[Problem] = field(default_factory=list)
    episodes: int = 0
    up_to_date: bool = False            # nothing changed: the output was left alone
    changed: tuple[str, ...] = ()       # output files written or removed by this build
    timings: dict[str, float] = field(default_factory=dict)   # seconds per output phase
    _site: Site | None = field(default=None, repr=False)
    _load: Callable[[], Site] | None = field(default=None, repr=False)

    @property
    def site(self) -> Site:
        """The site built (loaded from the cache on first use after a no-change build)."""
        if self._site is None and self._load is not None:
            self._site = self._load()
        assert self._site is not None
        return self._site


def load_site(options: BuildOptions, problems: Problems,
              store: EpisodeStore | None = None) -> Site:
    """Phase 1: site.yaml and every episode, into the frozen model."""
    return _load_site(_load_config(options, problems), options, problems, store)


def _load_config(options: BuildOptions, problems: Problems) -> SiteConfig:
    config = load_config(options.site_dir.resolve(), problems)
    return replace(config, base_url=options.base_url) if options.base_url else config


def _session_config(options: BuildOptions, session: BuildSession,
                    problems: Problems) -> SiteConfig:
    """site.yaml's config, parsed again only when its bytes change: the same object
    across a session's builds keeps what is computed once per config (its fingerprint)."""
    path = options.site_dir.resolve() / CONFIG_NAME
    try:
        data = path.read_bytes()
    except OSError:   # load_config reports it
        return _load_config(options, problems)
    key = (str(path), data, options.base_url)
    if session.config is None or session.config[0] != key:
        found = Problems()
        session.config = (key, _load_config(options, found), tuple(found.items))
    problems.extend(session.config[2])
    return session.config[1]


def _load_site(config: SiteConfig, options: BuildOptions, problems: Problems,
               store: EpisodeStore | None) -> Site:
    if problems.errors:  # without a valid config, episodes would only add noise
        return Site(config, ())
    with _gc_paused():
        if store is not None and _can_fork() and not store.entries:  # a cold start
            files = [path for path, is_symlink in episode_files(config) if not is_symlink]
            store.preload(files, config, _cpus())
        episodes = load_episodes(config, problems, include_drafts=options.drafts,
                                 loader=store.load if store is not None else None)
    return Site(config, episodes)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the episodes are parsed or unpickled: the
    model holds no cycles, and each full collection walks every episode made so far."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def output_path(options: BuildOptions, site: Site) -> Path:
    return _target(options, site.config)


def _target(options: BuildOptions, config: SiteConfig) -> Path:
    if options.output_dir is not None:
        return options.output_dir.resolve()
    return _configured_output(config)


def _configured_output(config: SiteConfig) -> Path:
    """site.yaml's output folder (`public/`), whether or not this build writes there."""
    return (config.root / config.output_dir).resolve()


# Each output phase takes the site, the renderer and the staging folder.
OutputPhase = Callable[[Site, "Renderer", Staging], None]


def output_phases() -> list[OutputPhase]:
    from sitegen.outputs import phases
    return phases()


def build(options: BuildOptions, progress: Callable[[str], None] | None = None,
          session: BuildSession | None = None) -> BuildResult:
    """Build the site into its output folder; `session` keeps state between calls.

    Unchanged episodes are not re-parsed and unchanged files not re-rendered
    (see sitegen/cache.py); when no input changed at all, the output is left alone.
    """
    started = time.perf_counter()
    session = session if session is not None else BuildSession()
    root = options.site_dir.resolve()
    cache_root = root / CACHE_DIR
    if session.episodes is None:
        session.episodes = EpisodeStore(cache_root / "episodes")
    if session.memos is None:
        session.memos = MemoStore(cache_root / "memo")
    problems = Problems()
    config = _session_config(options, session, problems)
    target = _target(options, config)
    manifest = _previous_manifest(session, cache_root, target)
    inputs_ns = time.time_ns()
    seen: dict[str, Signature | None] = {}
    inputs, racy = _inputs(options, root, [target, _configured_output(config)], manifest, seen)
    if not problems.errors and manifest is not None and not racy \
            and _unchanged(inputs, target, manifest, verify=not _remembered(session, manifest)):
        return _up_to_date(options, session, manifest, started)
    session.episodes.seen = seen   # the loader takes these stats instead of its own
    try:
        site = _load_site(config, options, problems, session.episodes)
    finally:
        session.episodes.seen = {}
    # Frozen: the collections during the phases (in the forked process too) skip the
    # loaded site instead of walking all of it; thawed after, unless something else
    # froze objects before (sitegen serve, which collects on its own schedule).
    thaw = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        problems.raise_if_errors(options.strict)
        check_target(target, site.config.root, site.config.content_path, options.force)
        renderer = _renderer(site, options, session, cache_root)
        problems.extend(renderer.problems.items)
        problems.raise_if_errors(options.strict)
        scope = digest(code_fingerprint(), config_fingerprint(site.config), options.live_reload,
                       folder_fingerprint(renderer.path), _asset_names(renderer),
                       renderer.env.globals.get("now_year"))
        staging = Staging(target, manifest.files if manifest else None, scope, session.memos,
                          manifest.groups if manifest else None)
        # This process wrote the output it remembers: no need to stat it file by file.
        staging.verify = not _remembered(session, manifest)
        staging.commit_lock = session.commit_lock
        staging.resident = session.resident
        staging.previous_site = _previous_site(session, manifest, scope, options)
        try:
            timings = run_phases(output_phases(), site, renderer, staging, progress,
                                 manifest.timings if manifest else {},
                                 parallel=not _small_change(session))
            staging.commit()
        except BaseException:
            staging.discard()
            raise
        new = Manifest(str(target), staging.records, inputs, inputs_ns, len(site.episodes),
                       problems.warnings, timings, staging.groups)
        _save(session, cache_root, new)
        session.built[new.target] = (scope, options, site)
        log.info("parsed %d episode files, rendered %d files, kept %d", session.episodes.parsed,
                 len(staging.keys), len(staging.kept))
        session.episodes.parsed = 0
        session.site = site
        return _result(new, staging.changed, started, site)
    finally:
        if thaw:
            gc.unfreeze()


# A session's rebuild after at most this many episode files changed runs its phases in
# this process: a fork costs more than it saves, and phases keep state (resident) here.
SMALL_CHANGE = 8


def _small_change(session: BuildSession) -> bool:
    return session.site is not None and session.episodes is not None \
        and session.episodes.parsed <= SMALL_CHANGE


# Expected share of a cold build, to start the long phases first when none was timed
# (a phase in parts, `name:k/n`, expects its share).
PHASE_PRIOR = {"write_transcripts": 20.0, "write_episode_pages": 8.0,
               "write_search_index": 11.0, "write_feed": 1.0, "write_list_pages": 0.5}


def _expected(name: str, timings: dict[str, float]) -> float:
    if name in timings:
        return timings[name]
    phase, _, share = name.partition(":")
    return PHASE_PRIOR.get(phase, 0.0) / int(share.split("/")[1] if share else 1)


def run_phases(phases: list[OutputPhase], site: Site, renderer: "Renderer", staging: Staging,
               progress: Callable[[str], None] | None,
               timings: dict[str, float], parallel: bool = True) -> dict[str, float]:
    """Run every phase; with 2+ CPUs, a forked process takes phases from the same queue.

    Phases write disjoint files through `staging`; the child sends back what it
    wrote. Longest-first (by the last build's timings) keeps both processes busy.
    """
    order = sorted(phases, key=lambda ph: -_expected(ph.__name__, timings))
    if len(order) < 2 or not parallel or not _can_fork():
        return {ph.__name__: _run_phase(ph, site, renderer, staging, progress) for ph in order}
    return _run_phases_forked(order, site, renderer, staging, progress)


def _can_fork() -> bool:
    """Two processes pay off, and forking is safe (no other threads to deadlock on)."""
    return (_cpus() >= 2 and threading.active_count() == 1 and hasattr(os, "fork")
            and os.environ.get("SITEGEN_JOBS") != "1")


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _run_phase(phase: OutputPhase, site: Site, renderer: "Renderer", staging: Staging,
               progress: Callable[[str], None] | None) -> float:
    if progress:
        progress(phase.__name__)
    started = time.perf_counter()
    phase(site, renderer, staging)
    return time.perf_counter() - started


def _run_phases_forked(order: list[OutputPhase], site: Site, renderer: "Renderer",
                       staging: Staging, progress: Callable[[str], None] | None
                       ) -> dict[str, float]:
    import multiprocessing
    next_phase = multiprocessing.get_context("fork").Value("i", 0)
    staging.jobs = 1     # two processes already: phases must not fork pools of their own
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        os.close(reader)
        status = 1
        try:
            report = _take_phases(order, next_phase, site, renderer, staging, progress)
            status = 0
        except BaseException as exc:  # the parent re-runs the phase to raise it properly
            report = {"failed": getattr(exc, "phase", "?")}
        finally:
            with os.fdopen(writer, "wb") as out:
                out.write(pickle.dumps(report))
            os._exit(status)
    os.close(writer)
    try:
        mine = _take_phases(order, next_phase, site, renderer, staging, progress)
    finally:
        with os.fdopen(reader, "rb") as incoming:
            data = incoming.read()
        os.waitpid(pid, 0)
        staging.jobs = 0
    theirs = pickle.loads(data) if data else {"failed": "?"}
    if "failed" in theirs:
        failed = [ph for ph in order if ph.__name__ == theirs["failed"]] or order
        staging.foreign_files = True   # the child may have staged some of their files
        for phase in failed:  # raises the real error here, or succeeds if it was transient
            mine["timings"][phase.__name__] = _run_phase(phase, site, renderer, staging, None)
        return mine["timings"]
    staging.merge(theirs["staging"])
    return mine["timings"] | theirs["timings"]


def _take_phases(order: list[OutputPhase], next_phase: Any, site: Site, renderer: "Renderer",
                 staging: Staging, progress: Callable[[str], None] | None) -> dict[str, Any]:
    timings: dict[str, float] = {}
    while True:
        with next_phase.get_lock():
            index = next_phase.value
            next_phase.value += 1
        if index >= len(order):
            return {"timings": timings, "staging": staging.state()}
        phase = order[index]
        try:
            timings[phase.__name__] = _run_phase(phase, site, renderer, staging, progress)
        except BaseException as exc:
            exc.phase = phase.__name__  # type: ignore[attr-defined]
            raise


def _remembered(session: BuildSession, manifest: Manifest | None) -> bool:
    """Whether `manifest` is this session's own record of the output it wrote."""
    return manifest is not None and session.manifests.get(manifest.target) is manifest


def _previous_site(session: BuildSession, manifest: Manifest | None, scope: str,
                   options: BuildOptions) -> Site | None:
    """The site this session last built `manifest`'s output from, if that build had the
    same scope and options: its episode objects are what that output was made from."""
    if manifest is None or not _remembered(session, manifest):
        return None
    found = session.built.get(manifest.target)
    if found is None or found[0] != scope or found[1] != options:
        return None
    return found[2]


def _previous_manifest(session: BuildSession, cache_root: Path, target: Path) -> Manifest | None:
    manifest = session.manifests.get(str(target))
    return manifest if manifest is not None else load_manifest(cache_root, target)


def _inputs(options: BuildOptions, root: Path, outputs: list[Path], manifest: Manifest | None,
            seen: dict[str, Signature | None] | None = None) -> tuple[str, bool]:
    """The state of every input (site folder files, built-in theme, code, options),
    and whether a file changed too recently to trust its stat. `outputs` (this
    build's target first, then the configured output folder) are not inputs. The
    signature of every site file goes into `seen`."""
    extra = [code_fingerprint(), folder_fingerprint([builtin_theme_dir()]), outputs[0],
             options.drafts, options.base_url, options.live_reload, options.strict]
    return inputs_fingerprint(root, [*outputs, root / CACHE_DIR], extra,
                              manifest.recorded_ns if manifest else 0, seen)


def _unchanged(inputs: str, target: Path, manifest: Manifest, verify: bool = True) -> bool:
    """Nothing to do: same inputs as the last build, whose output is still intact
    (taken on trust, without `verify`, when this process wrote it)."""
    if inputs != manifest.inputs:
        return False
    return not verify or output_intact(target, manifest.files)


def _up_to_date(options: BuildOptions, session: BuildSession, manifest: Manifest,
                started: float) -> BuildResult:
    store = session.episodes

    def load() -> Site:
        site = load_site(options, Problems(), store)
        if store is not None:
            store.save()
        return site

    result = _result(manifest, (), started, session.site)
    result.up_to_date = True
    result._load = load
    return result


def _result(manifest: Manifest, changed: Iterable[str], started: float,
            site: Site | None) -> BuildResult:
    files = [rel for rel in manifest.files if rel != MARKER]
    return BuildResult(
        output=Path(manifest.target),
        pages=sum(1 for rel in files if rel.endswith(".html")),
        files=len(files),
        seconds=time.perf_counter() - started,
        warnings=list(manifest.warnings),
        episodes=manifest.episodes,
        changed=tuple(changed),
        timings=dict(manifest.timings),
        _site=site,
    )


def _renderer(site: Site, options: BuildOptions, session: BuildSession,
              cache_root: Path) -> "Renderer":
    from sitegen.render.context import Renderer
    renderer = Renderer(site, live_reload=options.live_reload)
    renderer.env.bytecode_cache = template_cache(cache_root / "templates", session.templates)
    return renderer


def _asset_names(renderer: "Renderer") -> list[str]:
    names = set(renderer.assets.files) | set(renderer.assets.generated)
    return [renderer.assets.public_name(name) for name in sorted(names)]


def _save(session: BuildSession, cache_root: Path, manifest: Manifest) -> None:
    """Keep the cache for the next build; a cache that cannot be written is only slower."""
    session.manifests[manifest.target] = manifest
    try:
        if session.episodes is not None:
            session.episodes.save()
        if session.memos is not None:
            session.memos.save()
        if session.persist_manifest:
            save_manifest(cache_root, manifest)
    except OSError as exc:
        log.warning("build cache not saved (%s); the next build starts cold", exc)
        forget_manifest(cache_root, Path(manifest.target))


def check(options: BuildOptions) -> list[Problem]:
    """Every problem with the site, without writing it."""
    problems = Problems()
    site = load_site(options, problems)
    if not problems.errors:
        from sitegen.outputs import check_site
        problems.extend(check_site(site))
    return problems.items


__all__ = ["BuildError", "BuildOptions", "BuildResult", "BuildSession", "build", "check",
           "load_site"]
