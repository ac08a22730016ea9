"""The HTML pages, the theme's static files and local audio."""
from __future__ import annotations

from sitegen.model import Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.pages import (Page, episode_page, home_pages, not_found_page,
                                  search_page, speaker_pages)


def all_pages(site: Site, renderer: Renderer) -> list[Page]:
    pages = list(home_pages(site))
    pages += [episode_page(site, episode, renderer.styles, index)
              for index, episode in enumerate(site.episodes)]
    pages += list(speaker_pages(site, renderer.styles))
    pages.append(search_page(site))
    pages.append(not_found_page(site))
    return pages


def write_pages(site: Site, renderer: Renderer, staging: Staging) -> None:
    for page in all_pages(site, renderer):
        staging.write(page.path, renderer.render(page))


def write_assets(site: Site, renderer: Renderer, staging: Staging) -> None:
    for public_name, data in renderer.assets.items():
        staging.write(public_name, data)
    staging.write("robots.txt", "User-agent: *\nAllow: /\n\nSitemap: "
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
