"""Everything a build writes, one module per kind of output: model in, files out.

`phases()` lists them in the order the build runs them; `check_site()` gathers
the checks that `sitegen check` reports without writing anything.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sitegen.errors import Problem

if TYPE_CHECKING:
    from sitegen.model import Site


def phases() -> list[Callable]:
    from sitegen.outputs import feed, html, search, sitemap, transcripts
    return [html.write_pages, html.write_assets, html.write_audio, sitemap.write_sitemap,
            search.write_search_index, feed.write_feed, transcripts.write_transcripts]


def check_site(site: "Site") -> list[Problem]:
    from sitegen.outputs import checks
    return checks.check_site(site)
