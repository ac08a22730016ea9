"""The site's HTML pages: which pages exist, at which paths, with what context.

URLs are a public contract: `/`, `/page/N/`, `/episodes/<slug>/`, `/speakers/`,
`/speakers/<slug>/`, `/search/`, `/404.html`.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, overload

from markupsafe import Markup

from sitegen.model import Episode, Site, Speaker
from sitegen.render.colors import SpeakerStyle
from sitegen.render.markdown import render_inline, render_notes
from sitegen.render.theme import escape_output
from sitegen.timecodes import format_clock, format_seconds


@dataclass(frozen=True)
class Page:
    path: str          # output path, e.g. episodes/x/index.html
    template: str
    context: dict[str, Any]
    url: str           # site-relative URL, e.g. episodes/x/


def episode_url(episode: Episode) -> str:
    return f"episodes/{episode.slug}/"


def speaker_url(speaker: Speaker) -> str:
    return f"speakers/{speaker.slug}/"


def paged_url(first: str, page: int) -> str:
    """Page `page` of a list whose first page is at `first` (`""` is the home page)."""
    return first if page == 1 else f"{first}page/{page}/"


def home_url(page: int) -> str:
    return paged_url("", page)


def paginate(episodes: tuple[Episode, ...], per_page: int, first: str
             ) -> Iterator[tuple[tuple[Episode, ...], dict[str, Any]]]:
    """Each page's episodes and its `pagination` context, for a list starting at `first`."""
    total = max(1, math.ceil(len(episodes) / per_page))
    for number in range(1, total + 1):
        yield episodes[(number - 1) * per_page:number * per_page], {
            "number": number,
            "total": total,
            "newer": paged_url(first, number - 1) if number > 1 else None,
            "older": paged_url(first, number + 1) if number < total else None,
        }


def duration_text(seconds: float | None) -> str:
    if not seconds:
        return ""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def chapter_entries(episode: Episode) -> list[dict[str, Any]]:
    targets = chapter_targets(episode)
    entries = []
    for index, (chapter, target) in enumerate(zip(episode.chapters, targets), 1):
        entries.append({
            "id": f"chapter-{index}",
            "start": format_seconds(chapter.start),
            "clock": format_clock(chapter.start),
            "title": chapter.title,
            "url": chapter.url,
            "toc": chapter.toc,
            "target": target,
        })
    return entries


def chapter_targets(episode: Episode) -> list[str | None]:
    """The anchor of the turn in progress at each chapter's start (`Episode.turns_at`)."""
    return [turn.anchor if turn else None
            for turn in episode.turns_at(chapter.start for chapter in episode.chapters)]


def turn_entries(episode: Episode, styles: dict[str, SpeakerStyle]) -> list[dict[str, Any]]:
    by_id = {s.id: (s, styles[s.slug].css_class) for s in episode.speakers}
    entries = []
    previous = None
    for turn in episode.turns:
        speaker, css_class = by_id[turn.speaker_id]
        start, clock = turn_times(turn.start)
        entries.append({
            "anchor": turn.anchor,
            "speaker": speaker,
            "css_class": css_class,
            "start": start,
            "clock": clock,
            "paragraphs": [Markup(render_inline(p)) for p in turn.paragraphs],
            "continues": previous == turn.speaker_id,
        })
        previous = turn.speaker_id
    return entries


@lru_cache(maxsize=8192)
def turn_times(seconds: float) -> tuple[str, str]:
    """A turn's start as `data-start` and as shown: the same few thousand in every episode."""
    return format_seconds(seconds), format_clock(seconds)


class TurnEntries(Sequence):
    """An episode page's `turns`: turn_entries, made on first use. The built-in
    episode.html writes its turns with `turns_html` and only asks whether there are any."""

    def __init__(self, episode: Episode, styles: dict[str, SpeakerStyle]) -> None:
        self.episode = episode
        self.styles = styles
        self._entries: list[dict[str, Any]] | None = None

    def entries(self) -> list[dict[str, Any]]:
        if self._entries is None:
            self._entries = turn_entries(self.episode, self.styles)
        return self._entries

    def __len__(self) -> int:
        return len(self.episode.turns)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        return self.entries()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries())

    def __eq__(self, other: object) -> bool:
        return list(self) == other if isinstance(other, (list, TurnEntries)) else NotImplemented

    __hash__ = None  # type: ignore[assignment]   # as a list's

    def __repr__(self) -> str:
        return repr(self.entries())


def turns_html(episode: Episode, styles: dict[str, SpeakerStyle]) -> Markup:
    """What the built-in episode.html's `turns` block writes for the episode, written in
    Python: some 150 turns a page cost most of its rendering in Jinja. The markup is
    the block's, byte for byte (tests/test_render.py renders both on random episodes);
    a theme with its own episode.html gets its own loop (see Renderer.template)."""
    heads = {speaker.id: _turn_head(speaker, styles[speaker.slug].css_class)
             for speaker in episode.speakers}
    parts: list[str] = []
    add = parts.append
    previous = None
    for turn in episode.turns:
        opening, speaker_start, name_link = heads[turn.speaker_id]
        anchor = escape_output(turn.anchor)
        start, clock = turn_times(turn.start)
        add(f'{opening}{" continues" if turn.speaker_id == previous else ""}" id="{anchor}'
            f'{speaker_start}{start}{name_link}{anchor}" data-seek="{start}"><time '
            f'datetime="PT{start}S">{clock}</time><span class="visually-hidden">, play from '
            'here</span></a></p>\n')
        for paragraph in turn.paragraphs:
            add(f"<p>{render_inline(paragraph)}</p>\n")
        add("      </div>\n")
        previous = turn.speaker_id
    return Markup("".join(parts))


def _turn_head(speaker: Speaker, css_class: str) -> tuple[str, str, str]:
    """The parts of a turn's opening markup that depend on its speaker alone."""
    role = " host" if speaker.is_host else " guest"
    return (f'      <div class="turn {escape_output(css_class)}{role}',
            f'" data-speaker="{escape_output(speaker.slug)}" data-start="',
            f'">\n        <p class="turn-head"><cite class="speaker">{escape_output(speaker.name)}'
            '</cite> <a class="ts seek" href="#')


def player_src(site: Site, episode: Episode) -> str | None:
    """The audio for the page's player: local files root-relative, so a preview or the
    dev server plays its own copy instead of the one at base_url."""
    audio = episode.audio
    if audio is None:
        return None
    base = site.config.absolute_url("")
    if audio.local_path is not None and audio.url.startswith(base):
        return site.config.base_path + audio.url[len(base):]
    return audio.url


def episode_page(site: Site, episode: Episode, styles: dict[str, SpeakerStyle],
                 index: int) -> Page:
    url = episode_url(episode)
    newer = site.episodes[index - 1] if index > 0 else None
    older = site.episodes[index + 1] if index + 1 < len(site.episodes) else None
    formats = site.config.transcript_formats if episode.turns else ()
    context = {
        "page_title": episode.title,
        "description": episode.summary,
        "episode": episode,
        "notes_html": Markup(
            render_notes(episode.notes, site.config.allow_html)),
        "chapters": chapter_entries(episode),
        "turns": TurnEntries(episode, styles),
        "speakers": [(s, styles[s.slug]) for s in episode.speakers_in_order()],
        "duration": duration_text(episode.duration),
        "newer": newer,
        "older": older,
        "transcript_files": [(fmt, f"{url}transcript.{fmt}") for fmt in formats],
        "chapters_file": f"{url}chapters.json" if episode.chapters else None,
        "audio_src": player_src(site, episode),
        "canonical": url,
        "jsonld": jsonld_episode(site, episode),
    }
    return Page(f"{url}index.html", "episode.html", context, url)


def home_pages(site: Site) -> Iterator[Page]:
    for chunk, pagination in paginate(site.episodes, site.config.episodes_per_page, ""):
        number = pagination["number"]
        url = home_url(number)
        yield Page(f"{url}index.html", "index.html", {
            "page_title": site.config.title if number == 1 else f"Episodes, page {number}",
            "description": site.config.description,
            "episodes": chunk,
            "pagination": pagination,
            "canonical": url,
            "jsonld": jsonld_series(site) if number == 1 else None,
        }, url)


def speaker_pages(site: Site, styles: dict[str, SpeakerStyle]) -> Iterator[Page]:
    speakers = site.speakers()
    yield Page("speakers/index.html", "speakers.html", {
        "page_title": "Speakers",
        "description": f"Everyone who has spoken on {site.config.title}.",
        "speakers": [(s, styles[s.slug], len(site.episodes_with(s.slug))) for s in speakers],
        "canonical": "speakers/",
        "jsonld": None,
    }, "speakers/")
    for speaker in speakers:
        first = speaker_url(speaker)
        episodes = site.episodes_with(speaker.slug)
        for chunk, pagination in paginate(episodes, site.config.episodes_per_page, first):
            number = pagination["number"]
            url = paged_url(first, number)
            yield Page(f"{url}index.html", "speaker.html", {
                "page_title": speaker.name if number == 1 else f"{speaker.name}, page {number}",
                "description": f"Episodes of {site.config.title} with {speaker.name}.",
                "speaker": speaker,
                "style": styles[speaker.slug],
                "episodes": chunk,
                "episode_count": len(episodes),
                "pagination": pagination,
                "canonical": url,
                "jsonld": None,
            }, url)


def not_found_page(site: Site) -> Page:
    return Page("404.html", "404.html", {
        "page_title": "Page not found",
        "description": "",
        "episodes": site.episodes[:3],
        "canonical": None,
        "jsonld": None,
    }, "404.html")


def search_page(site: Site) -> Page:
    """`/search/`: the page search.js runs on; `?q=` searches on load."""
    return Page("search/index.html", "search.html", {
        "page_title": "Search",
        "description": f"Search every episode and transcript of {site.config.title}.",
        "index_url": "search/index/manifest.json",
        "canonical": "search/",
        "jsonld": None,
    }, "search/")


def jsonld_series(site: Site) -> str:
    config = site.config
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastSeries",
        "name": config.title,
        "description": config.description,
        "url": config.base_url,
        "webFeed": config.absolute_url("feed.xml"),
        "inLanguage": config.language,
    }
    if config.author:
        data["author"] = {"@type": "Person", "name": config.author}
    return _json_for_script(data)


def jsonld_episode(site: Site, episode: Episode) -> str:
    config = site.config
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "url": config.absolute_url(episode_url(episode)),
        "datePublished": episode.date.date().isoformat(),
        "description": episode.summary,
        "partOfSeries": {"@type": "PodcastSeries", "name": config.title,
                         "url": config.base_url},
    }
    if episode.number is not None:
        data["episodeNumber"] = episode.number
    if episode.audio:
        data["associatedMedia"] = {"@type": "MediaObject", "contentUrl": episode.audio.url}
        if episode.duration:
            data["timeRequired"] = f"PT{int(episode.duration)}S"
    return _json_for_script(data)


def _json_for_script(data: Any) -> str:
    """JSON safe inside <script>: no `</script>`, no `<!--`, no U+2028 surprises."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
