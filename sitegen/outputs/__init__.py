"""Everything a build writes, one module per kind of output: model in, files out.

`phases()` lists them in the order the build runs them; `check_site()` gathers
the checks that `sitegen check` reports without writing anything.
"""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Callable

from sitegen.errors import Problem

if TYPE_CHECKING:
    from sitegen.model import Site


# The per-episode phases come in this many shares, so that the build's two processes
# can balance them (a whole phase of transcript files is a third of a cold build).
PARTS = 4


def phases() -> list[Callable]:
    from sitegen.outputs import feed, html, search, sitemap, transcripts
    return [html.write_list_pages, *parts(html.write_episode_pages), html.write_assets,
            html.write_audio, sitemap.write_sitemap, search.write_search_index,
            feed.write_feed, *parts(transcripts.write_transcripts)]


def parts(phase: Callable, count: int = PARTS) -> list[Callable]:
    """`phase` as `count` phases named `phase:k/count`, the k-th taking every
    count-th episode from the k-th (`part`, a slice of the site's episodes)."""
    shares = []
    for index in range(count):
        share = partial(phase, part=slice(index, None, count))
        share.__name__ = f"{phase.__name__}:{index + 1}/{count}"  # type: ignore[attr-defined]
        shares.append(share)
    return shares


def check_site(site: "Site") -> list[Problem]:
    from sitegen.outputs import checks
    return checks.check_site(site)
