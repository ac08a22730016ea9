"""sitemap.xml: every public page, with the date it last changed."""
from __future__ import annotations

from xml.sax.saxutils import escape

from sitegen.model import Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.pages import episode_url, home_url, speaker_url


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


def write_sitemap(site: Site, renderer: Renderer, staging: Staging) -> None:
    staging.write("sitemap.xml", sitemap_xml(site))
