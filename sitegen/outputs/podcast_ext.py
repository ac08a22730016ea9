"""feedgen extensions: the Podcasting 2.0 `podcast:` tags, and the iTunes tags that
feedgen's own podcast extension gets wrong.

Register them on the FeedGenerator (feed level) so `xmlns:podcast` is declared on
the root `<rss>` element and every item's tags carry the prefix `podcast` exactly:
readers match the prefix literally.

    fg.register_extension("podcastindex", PodcastIndexExtension,
                          PodcastIndexEntryExtension)
    fg.podcastindex.guid("...")
    entry.podcastindex.transcript(Transcript(url, "text/vtt", "en", "captions"))
"""
from __future__ import annotations

from dataclasses import dataclass

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


@dataclass(frozen=True)
class Person:
    name: str
    role: str = "host"
    group: str = "cast"
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True)
class Transcript:
    url: str
    type: str
    language: str | None = None
    rel: str | None = None


@dataclass(frozen=True)
class Funding:
    url: str
    text: str


def _podcast(parent, tag: str, text: str | None = None, **attributes: str | None):
    element = xml_elem(f"{{{PODCAST_NS}}}{tag}", parent)
    for name, value in attributes.items():
        if value is not None:
            element.attrib[name] = value
    if text is not None:
        element.text = text
    return element


def _persons(parent, persons: list[Person]) -> None:
    for person in persons:
        _podcast(parent, "person", person.name, role=person.role, group=person.group,
                 href=person.href, img=person.img)


class PodcastIndexExtension(BaseExtension):
    """Channel tags: guid, locked, funding, person."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._locked: bool | None = None
        self._owner: str | None = None
        self._funding: list[Funding] = []
        self._persons: list[Person] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def guid(self, value: str) -> None:
        self._guid = value

    def locked(self, locked: bool, owner: str | None = None) -> None:
        self._locked, self._owner = locked, owner

    def funding(self, funding: Funding) -> None:
        self._funding.append(funding)

    def person(self, person: Person) -> None:
        self._persons.append(person)

    def extend_rss(self, rss_feed):
        channel = rss_feed[0]
        if self._guid:
            _podcast(channel, "guid", self._guid)
        if self._locked is not None:
            _podcast(channel, "locked", "yes" if self._locked else "no", owner=self._owner)
        for funding in self._funding:
            _podcast(channel, "funding", funding.text, url=funding.url)
        _persons(channel, self._persons)
        return rss_feed


class PodcastIndexEntryExtension(BaseEntryExtension):
    """Item tags: person, transcript, chapters, season, episode."""

    def __init__(self) -> None:
        self._persons: list[Person] = []
        self._transcripts: list[Transcript] = []
        self._chapters: str | None = None
        self._season: int | None = None
        self._episode: int | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def person(self, person: Person) -> None:
        self._persons.append(person)

    def transcript(self, transcript: Transcript) -> None:
        self._transcripts.append(transcript)

    def chapters(self, url: str) -> None:
        self._chapters = url

    def season(self, number: int) -> None:
        self._season = number

    def episode(self, number: int) -> None:
        self._episode = number

    def extend_rss(self, item):
        if self._season is not None:
            _podcast(item, "season", str(self._season))
        if self._episode is not None:
            _podcast(item, "episode", str(self._episode))
        _persons(item, self._persons)
        for transcript in self._transcripts:
            _podcast(item, "transcript", url=transcript.url, type=transcript.type,
                     language=transcript.language, rel=transcript.rel)
        if self._chapters:
            _podcast(item, "chapters", url=self._chapters, type="application/json+chapters")
        return item


def _itunes(parent, tag: str, text: str | None = None, **attributes: str):
    element = xml_elem(f"{{{ITUNES_NS}}}{tag}", parent, **attributes)
    if text is not None:
        element.text = text
    return element


class AppleExtension(BaseExtension):
    """`itunes:explicit` as true/false (feedgen only writes yes/no/clean) and
    `itunes:image` for any JPEG/PNG URL (feedgen drops `.jpeg` silently)."""

    def __init__(self) -> None:
        self._explicit: bool | None = None
        self._image: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def explicit(self, value: bool) -> None:
        self._explicit = value

    def image(self, url: str) -> None:
        self._image = url

    def extend_rss(self, rss_feed):
        self._write(rss_feed[0])
        return rss_feed

    def _write(self, parent) -> None:
        if self._image:
            _itunes(parent, "image", href=self._image)
        if self._explicit is not None:
            _itunes(parent, "explicit", "true" if self._explicit else "false")


class AppleEntryExtension(BaseEntryExtension, AppleExtension):
    def extend_rss(self, item):
        self._write(item)
        return item
