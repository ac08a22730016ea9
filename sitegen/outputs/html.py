"""The HTML pages, the theme's static files and local audio.

Every page is keyed by what it is made from, so a rebuild keeps the pages whose
inputs did not change: an episode page by its episode and its two neighbours,
a list page by a fingerprint of its whole context. Theme, config, speaker
colours and sitegen's code are in every key through `staging.scope`. When many
episode pages must be rendered, worker processes share the work.

In a session (the dev server) a rebuild skips the episode pages whose episode and
neighbours are the very objects the previous build used (`Staging.same_positions`),
and compares each list page's context with the previous build's instead of
fingerprinting it again.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from operator import is_
from dataclasses import fields, is_dataclass
from functools import lru_cache
from typing import Any, Callable

from sitegen.cache import digest, episode_fingerprint, kept_on
from sitegen.errors import SitegenError
from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.pages import (Page, episode_page, episode_url, home_pages, not_found_page,
                                  search_page, speaker_pages)

log = logging.getLogger(__name__)

PARALLEL_MIN = 24      # fewer episode pages than this render in the build process
CHUNK = 8

# What forked workers render from; set only while a pool is running.
_JOB: tuple[Site, Renderer] | None = None


def list_pages(site: Site, renderer: Renderer) -> list[Page]:
    pages = list(home_pages(site))
    pages += list(speaker_pages(site, renderer.styles))
    pages.append(search_page(site))
    pages.append(not_found_page(site))
    return pages


def all_pages(site: Site, renderer: Renderer) -> list[Page]:
    pages = list_pages(site, renderer)
    pages += [episode_page(site, episode, renderer.styles, index)
              for index, episode in enumerate(site.episodes)]
    return pages


def episode_path(episode: Episode) -> str:
    return f"{episode_url(episode)}index.html"


def episode_dependencies(site: Site, index: int) -> list[object]:
    """An episode page shows its episode and links its newer and older neighbours
    (by what a link to an episode shows: `card`), so editing one transcript does not
    re-render the pages beside it."""
    episodes = site.episodes
    newer = card(episodes[index - 1]) if index > 0 else None
    older = card(episodes[index + 1]) if index + 1 < len(episodes) else None
    return ["episode.html", episodes[index], newer, older]


def card(episode: Episode) -> str:
    """What a link to an episode may show: everything but its notes and transcript."""
    return kept_on(episode, "_card", lambda: digest(
        episode.slug, episode.title, episode.date, episode.summary, episode.number,
        episode.season, episode.duration, episode.image, episode.draft, episode.audio,
        episode.speakers))


def write_list_pages(site: Site, renderer: Renderer, staging: Staging) -> None:
    """Home, archive, speaker, search and 404 pages."""
    fingerprint = context_fingerprinter()
    same = context_comparer()
    before = _previous_list_pages(staging)
    made: dict[str, tuple[Page, str]] = {}
    for page in list_pages(site, renderer):
        old = before.get(page.path)
        if old is not None and (old[0].template, old[0].url) == (page.template, page.url) \
                and same(old[0].context, page.context):
            key = old[1]   # what the same fingerprint would give
        else:
            key = staging.key(page.path, [page.template, page.url, fingerprint(page.context)])
        made[page.path] = (page, key)
        if not staging.reuse(page.path, key):
            staging.write(page.path, renderer.render(page), key)
    staging.resident["list-pages"] = (staging.scope, made)


def _previous_list_pages(staging: Staging) -> dict[str, tuple[Page, str]]:
    """The list pages the last build in this process made in this scope, and their keys."""
    found = staging.resident.get("list-pages")
    return found[1] if found is not None and found[0] == staging.scope else {}


def write_episode_pages(site: Site, renderer: Renderer, staging: Staging,
                        part: slice = slice(None)) -> None:
    todo: list[tuple[int, str, str]] = []
    same = staging.same_positions(site)
    for index in range(len(site.episodes))[part]:
        episode = site.episodes[index]
        rel = episode_path(episode)
        if same is not None and all(same[max(0, index - 1):index + 2]) and staging.keep(rel):
            continue  # the episode and its neighbours are the objects the page was made from
        key = staging.key(rel, episode_dependencies(site, index))
        if not staging.reuse(rel, key):
            todo.append((index, rel, key))
    render_episode_pages(site, renderer, staging, todo)


def render_episode_pages(site: Site, renderer: Renderer, staging: Staging,
                         todo: list[tuple[int, str, str]]) -> None:
    workers = worker_count(len(todo), staging.jobs)
    if workers > 1:
        try:
            _render_parallel(site, renderer, staging, todo, workers)
            return
        except (OSError, _WorkerFailed) as exc:  # redo in-process: a real error surfaces there
            log.debug("parallel rendering failed (%s); rendering in-process", exc)
    for index, rel, key in todo:
        staging.write(rel, _render_episode(site, renderer, index), key)


def worker_count(pages: int, jobs: int = 0) -> int:
    """Worker processes for `pages` pages: fork only from a single-threaded process."""
    if pages < PARALLEL_MIN or threading.active_count() > 1 or jobs == 1:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = os.environ.get("SITEGEN_JOBS")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = jobs or (int(wanted) if wanted and wanted.isdigit() else (cpus or 1))
    return max(1, min(count, pages // CHUNK))


class _WorkerFailed(SitegenError):
    pass


def _render_episode(site: Site, renderer: Renderer, index: int) -> str:
    return renderer.render(episode_page(site, site.episodes[index], renderer.styles, index))


def _render_parallel(site: Site, renderer: Renderer, staging: Staging,
                     todo: list[tuple[int, str, str]], workers: int) -> None:
    global _JOB
    jobs = [(index, str(staging.path(rel, key))) for index, rel, key in todo]
    chunks = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    _JOB = (site, renderer)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for failed in pool.imap_unordered(_render_chunk, chunks):
                if failed:
                    raise _WorkerFailed(failed)
    finally:
        _JOB = None


def _render_chunk(jobs: list[tuple[int, str]]) -> str:
    """In a worker: render and write pages; a failure is reported, never raised."""
    assert _JOB is not None
    site, renderer = _JOB
    for index, path in jobs:
        try:
            html = _render_episode(site, renderer, index)
            with open(path, "wb") as handle:
                handle.write(html.encode("utf-8"))
        except Exception as exc:  # the parent re-renders in-process to report it properly
            return f"{site.episodes[index].source.name}: {exc}"
    return ""


@lru_cache(maxsize=None)
def _holds_episodes(cls: type) -> bool:
    """Whether a dataclass may hold an Episode, whose repr is no fingerprint."""
    return cls is Episode or any("Episode" in str(f.type) or "Any" in str(f.type)
                                 or "object" in str(f.type) for f in fields(cls))


def context_fingerprinter() -> Callable[[Any], str]:
    """A function giving a stable text for a page context; episodes by fingerprint.

    Anything without a stable text (an object's default repr holds its address)
    makes a key that never matches, so such a page is always re-rendered.
    """
    def fingerprint(context: Any) -> str:
        parts: list[str] = []
        add = parts.append

        def walk(value: Any) -> None:   # appends, no generators: 582 list pages at 1,000 episodes
            if isinstance(value, str):
                add(repr(value))
            elif isinstance(value, Episode):
                add(episode_fingerprint(value))   # kept on the episode
            elif isinstance(value, dict):
                for key in sorted(value, key=str):
                    add(repr(key))
                    walk(value[key])
                add("}")
            elif isinstance(value, (list, tuple)):
                for item in value:
                    walk(item)
                add("]")
            elif is_dataclass(value) and not isinstance(value, type):
                if _holds_episodes(type(value)):
                    add(type(value).__name__)
                    for item in fields(value):
                        walk(getattr(value, item.name))
                    add(")")
                else:  # a frozen record of plain values (Speaker, SpeakerStyle...)
                    add(repr(value))
            else:
                add(f"{type(value).__name__}:{value!r}")

        walk(context)
        return "\x1f".join(parts)

    return fingerprint


_PLAIN_TYPES = frozenset({"str", "int", "float", "bool", "None"})


@lru_cache(maxsize=None)
def _plain_record(cls: type) -> bool:
    """A frozen dataclass of plain values only: the same object always has the same repr."""
    params = getattr(cls, "__dataclass_params__", None)
    return bool(params and params.frozen) and all(
        part.strip() in _PLAIN_TYPES for f in fields(cls) for part in str(f.type).split("|"))


def context_comparer() -> Callable[[Any, Any], bool]:
    """A function telling whether two page contexts have the same fingerprint (as
    `context_fingerprinter` makes it), cheaper than making both: episodes compare by
    identity (the same object has the same fingerprint), and anything else as its
    fingerprint text shows it. False may be wrong (the caller then fingerprints),
    True never is, as long as objects that outlive a build (the model's) are never
    changed in place."""
    reprs: dict[int, tuple[Any, str]] = {}   # both contexts stay alive meanwhile

    def text(value: Any) -> str:
        found = reprs.get(id(value))
        if found is None:
            found = reprs[id(value)] = (value, repr(value))
        return found[1]

    def same(old: Any, new: Any) -> bool:
        kind = type(new)
        if kind is not type(old):
            return False
        if kind is str:
            return old == new
        if kind is Episode:
            return old is new
        if kind is dict:
            if old.keys() != new.keys():
                return False
            for key, value in new.items():
                if type(key) is not str or not same(old[key], value):
                    return False
            return True
        if kind is tuple or kind is list:
            if len(old) != len(new):
                return False
            if all(map(is_, old, new)):   # a page's episodes, as a rule
                return True
            for one, other in zip(old, new):
                if not same(one, other):
                    return False
            return True
        if kind is int or kind is bool or new is None:
            return old == new
        if is_dataclass(kind):
            if _holds_episodes(kind):
                return all(same(getattr(old, f.name), getattr(new, f.name))
                           for f in fields(kind))
            return (old is new and _plain_record(kind)) or text(old) == text(new)
        return text(old) == text(new)

    return same


def write_assets(site: Site, renderer: Renderer, staging: Staging) -> None:
    # The scope holds the theme's bytes, the assets' hashed names and the config: an
    # unchanged scope means unchanged files.
    for public_name, data in renderer.assets.items():
        staging.cached(public_name, [], lambda data=data: data)
    staging.cached("robots.txt", [], lambda: "User-agent: *\nAllow: /\n\nSitemap: "
                   f"{site.config.absolute_url('sitemap.xml')}\n")


def write_audio(site: Site, renderer: Renderer, staging: Staging) -> None:
    content = site.config.content_path.resolve()
    for episode in site.episodes:
        audio = episode.audio
        if audio and audio.local_path is not None:
            staging.link(audio.local_path.relative_to(content).as_posix(), audio.local_path)
    if site.config.artwork:
        artwork = (site.config.content_path / site.config.artwork)
        if artwork.is_file():
            staging.link(site.config.artwork, artwork)
