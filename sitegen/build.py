"""The orchestrator: load, validate, render, write; each phase a small function.

`build()` is what `sitegen build`, `check` and `serve` all stand on. The output is
written to a staging folder and swapped in only when every phase succeeded.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from sitegen.config import load_config
from sitegen.errors import BuildError, Problem, Problems
from sitegen.model import Site
from sitegen.output import Staging, check_target
from sitegen.render.context import Renderer
from sitegen.source import load_episodes

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
    site: Site
    output: Path
    pages: int
    files: int
    seconds: float
    warnings: list[Problem] = field(default_factory=list)


def load_site(options: BuildOptions, problems: Problems) -> Site:
    """Phase 1: site.yaml and every episode, into the frozen model."""
    root = options.site_dir.resolve()
    config = load_config(root, problems)
    if options.base_url:
        config = replace(config, base_url=options.base_url)
    if problems.errors:  # without a valid config, episodes would only add noise
        return Site(config, ())
    episodes = load_episodes(config, problems, include_drafts=options.drafts)
    return Site(config, episodes)


def output_path(options: BuildOptions, site: Site) -> Path:
    if options.output_dir is not None:
        return options.output_dir.resolve()
    return (site.config.root / site.config.output_dir).resolve()


# Each output phase takes the site, the renderer and the staging folder.
OutputPhase = Callable[[Site, Renderer, Staging], None]


def output_phases() -> list[OutputPhase]:
    from sitegen.outputs import phases
    return phases()


def build(options: BuildOptions, progress: Callable[[str], None] | None = None) -> BuildResult:
    started = time.perf_counter()
    problems = Problems()
    site = load_site(options, problems)
    problems.raise_if_errors(options.strict)
    target = output_path(options, site)
    check_target(target, site.config.root, site.config.content_path, options.force)
    renderer = Renderer(site, live_reload=options.live_reload)
    problems.extend(renderer.problems.items)
    problems.raise_if_errors(options.strict)
    staging = Staging(target)
    try:
        for phase in output_phases():
            if progress:
                progress(phase.__name__)
            phase(site, renderer, staging)
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return BuildResult(
        site=site,
        output=target,
        pages=sum(1 for p in staging.written if p.endswith(".html")),
        files=len(staging.written),
        seconds=time.perf_counter() - started,
        warnings=problems.warnings,
    )


def check(options: BuildOptions) -> list[Problem]:
    """Every problem with the site, without writing it."""
    problems = Problems()
    site = load_site(options, problems)
    if not problems.errors:
        from sitegen.outputs import check_site
        problems.extend(check_site(site))
    return problems.items


__all__ = ["BuildError", "BuildOptions", "BuildResult", "build", "check", "load_site"]
