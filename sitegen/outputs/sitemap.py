"""sitemap.xml: every public page, with the date it last changed."""
from __future__ import annotations

from xml.sax.saxutils import escape

from sitegen.cache import digest
from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.pages import episode_url, home_url, speaker_url

SITEMAP_PATH = "sitemap.xml"


def sitemap_xml(site: Site) -> str:
    config = site.config
    latest = site.episodes[0].date.date().isoformat() if site.episodes else None
    entries: list[tuple[str, str | None]] = [(home_url(1), latest)]
    entries += [(episode_url(e), e.date.date().isoformat()) for e in site.episodes]
    entries.append(("speakers/", latest))
    for speaker in site.speakers():
        newest = site.episodes_with(speaker.slug)[0].date.date().isoformat()
        entries.append((speaker_url(speaker), newest))
    entries.append(("search/", latest))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, lastmod in entries:
        lines.append(f"  <url><loc>{escape(config.absolute_url(url))}</loc>"
                     + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def sitemap_inputs(episode: Episode) -> tuple[object, ...]:
    """What `sitemap_xml` reads of an episode (besides its place in the list)."""
    return episode.slug, episode.date.date().isoformat(), episode.speakers


def write_sitemap(site: Site, renderer: Renderer, staging: Staging) -> None:
    if _same_as_before(site, staging) and staging.keep(SITEMAP_PATH):
        return
    xml = sitemap_xml(site)
    key = staging.key(SITEMAP_PATH, [digest(xml)])
    if not staging.reuse(SITEMAP_PATH, key):
        staging.write(SITEMAP_PATH, xml, key)


def _same_as_before(site: Site, staging: Staging) -> bool:
    """The episodes in the same places, each the object the previous sitemap was made
    from or one that differs from it only in what the sitemap does not show."""
    same = staging.same_positions(site)   # None without a previous site
    if same is None:
        return False
    before = staging.previous_site.episodes  # type: ignore[union-attr]
    return all(sitemap_inputs(site.episodes[i]) == sitemap_inputs(before[i])
               for i, unchanged in enumerate(same) if not unchanged)
