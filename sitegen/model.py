"""The site as data: frozen dataclasses that every renderer and output reads.

Nothing here does I/O. `source/` and `config` build these; `render/` and
`outputs/` only read them.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import accumulate
from pathlib import Path
from typing import Iterable

ROLES = ("host", "guest", "other")


@dataclass(frozen=True)
class Speaker:
    id: str
    name: str
    slug: str
    role: str = "guest"
    url: str | None = None
    image: str | None = None
    color: str | None = None

    @property
    def is_host(self) -> bool:
        return self.role == "host"


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str
    url: str | None = None
    toc: bool = True
    image: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Turn:
    speaker_id: str
    start: float
    paragraphs: tuple[str, ...]
    line: int
    anchor: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Audio:
    """Where the audio is and what it is; length in bytes, duration in seconds."""
    url: str
    mime: str
    length: int | None = None
    duration: float | None = None
    local_path: Path | None = None


@dataclass(frozen=True)
class Episode:
    source: Path
    slug: str
    title: str
    date: datetime
    guid: str
    summary: str = ""
    notes: str = ""
    notes_line: int = 1
    number: int | None = None
    season: int | None = None
    episode_type: str = "full"
    audio: Audio | None = None
    explicit: bool | None = None
    image: str | None = None
    speakers: tuple[Speaker, ...] = ()
    chapters: tuple[Chapter, ...] = ()
    links: tuple[Link, ...] = ()
    turns: tuple[Turn, ...] = ()
    draft: bool = False
    digest: str = ""

    @property
    def duration(self) -> float | None:
        return self.audio.duration if self.audio else None

    def speaker(self, speaker_id: str) -> Speaker:
        for speaker in self.speakers:
            if speaker.id == speaker_id:
                return speaker
        raise KeyError(speaker_id)

    def speakers_in_order(self) -> tuple[Speaker, ...]:
        """Hosts first, then the others, each in front-matter order."""
        return tuple(sorted(self.speakers, key=lambda s: (not s.is_host,)))

    def turn_at(self, seconds: float) -> Turn | None:
        """The turn in progress at `seconds` (the last one starting at or before it)."""
        current = None
        for turn in self.turns:
            if turn.start <= seconds + 1e-6:
                current = turn
            else:
                break
        return current or (self.turns[0] if self.turns else None)

    def turns_at(self, times: Iterable[float]) -> list[Turn | None]:
        """turn_at for each of `times`, by bisection. turn_at stops at the first turn
        starting after the time, so its turn is the one before the first whose running
        maximum of starts is past the time (the same turn when starts are out of order)."""
        if not self.turns:
            return [None for _ in times]
        latest = list(accumulate((turn.start for turn in self.turns), max))
        return [self.turns[max(0, bisect_right(latest, seconds + 1e-6) - 1)]
                for seconds in times]

    def turn_end(self, index: int) -> float:
        """When turn `index` ends: the next turn's start, else the episode's end."""
        if index + 1 < len(self.turns):
            return self.turns[index + 1].start
        end = self.duration
        start = self.turns[index].start
        if end and end > start:
            return end
        words = len(self.turns[index].text.split())
        return start + max(1.0, words / 2.5)


@dataclass(frozen=True)
class Owner:
    name: str
    email: str


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: str
    description: str
    base_url: str
    language: str = "en"
    author: str = ""
    owner: Owner | None = None
    artwork: str | None = None
    categories: tuple[tuple[str, ...], ...] = ()
    explicit: bool = False
    copyright: str = ""
    theme: str = "default"
    output_dir: str = "public"
    content_dir: str = "content"
    episodes_per_page: int = 10
    timezone: str = "UTC"
    show_type: str = "episodic"
    podcast_guid: str | None = None
    locked: bool = True
    funding: tuple[Link, ...] = ()
    people: tuple[Speaker, ...] = ()
    allow_html: bool = False
    transcript_formats: tuple[str, ...] = ("vtt", "srt", "json", "html")
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def content_path(self) -> Path:
        return self.root / self.content_dir

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, `/` or `/show/`."""
        from urllib.parse import urlsplit
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def absolute_url(self, path: str) -> str:
        """`path` (site-relative, like `episodes/x/`) as a full URL under base_url."""
        base = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
        return base + path.lstrip("/")


@dataclass(frozen=True)
class Site:
    """Everything a build reads: the config and the episodes, newest first."""
    config: SiteConfig
    episodes: tuple[Episode, ...]

    def speakers(self) -> tuple[Speaker, ...]:
        """Every speaker across the site once, by slug, hosts first then by name."""
        seen: dict[str, Speaker] = {}
        for episode in self.episodes:
            for speaker in episode.speakers:
                seen.setdefault(speaker.slug, speaker)
        return tuple(sorted(seen.values(), key=lambda s: (not s.is_host, s.name.lower())))

    def episodes_with(self, speaker_slug: str) -> tuple[Episode, ...]:
        return self._episodes_by_speaker.get(speaker_slug, ())

    @cached_property
    def _episodes_by_speaker(self) -> dict[str, tuple[Episode, ...]]:
        found: dict[str, list[Episode]] = {}
        for episode in self.episodes:
            for slug in dict.fromkeys(s.slug for s in episode.speakers):
                found.setdefault(slug, []).append(episode)
        return {slug: tuple(episodes) for slug, episodes in found.items()}
