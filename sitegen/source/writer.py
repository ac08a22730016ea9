"""Writes an episode file in our format: the one place that format is written.

What `write_text` produces, `source.episode.parse_episode` reads back to the
same speakers, chapters and turns. Two things need care: YAML scalars are
always double-quoted (titles with colons, quotes or `yes`), and a transcript
paragraph that would read as a turn line, or starts with a backslash, gets a
leading backslash, which the parser strips.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import yaml

from sitegen.errors import SitegenError
from sitegen.model import Chapter, Episode, Link, Speaker, Turn
from sitegen.slugs import slugify
from sitegen.source.episode import TRANSCRIPT_MARKER, TURN_LINE

log = logging.getLogger(__name__)

MAX_HOURS = 99  # the timestamp reader accepts at most two hour digits


@dataclass(frozen=True)
class EpisodeRecord:
    """An episode as its source file states it (audio as written, not resolved)."""
    title: str
    date: date | datetime
    guid: str | None = None
    summary: str = ""
    notes: str = ""
    number: int | None = None
    season: int | None = None
    episode_type: str = "full"
    audio: str | None = None
    audio_type: str | None = None
    audio_length: int | None = None
    duration: float | None = None
    explicit: bool | None = None
    image: str | None = None
    speakers: tuple[Speaker, ...] = ()
    inherited: frozenset[str] = frozenset()  # speaker ids defined in site.yaml people
    chapters: tuple[Chapter, ...] = ()
    links: tuple[Link, ...] = ()
    turns: tuple[Turn, ...] = ()
    draft: bool = False
    slug: str | None = None


def record_from_episode(episode: Episode) -> EpisodeRecord:
    """The record of a parsed episode; audio keeps its URL (local files become URLs)."""
    audio = episode.audio
    return EpisodeRecord(
        title=episode.title, date=episode.date, guid=episode.guid, summary=episode.summary,
        notes=episode.notes, number=episode.number, season=episode.season,
        episode_type=episode.episode_type, audio=audio.url if audio else None,
        audio_type=audio.mime if audio else None,
        audio_length=audio.length if audio else None,
        duration=audio.duration if audio else None, explicit=episode.explicit,
        image=episode.image, speakers=episode.speakers, chapters=episode.chapters,
        links=episode.links, turns=episode.turns, draft=episode.draft, slug=episode.slug)


def quote(value: str) -> str:
    """`value` as a double-quoted YAML scalar on one line."""
    return yaml.safe_dump(value, default_style='"', allow_unicode=True,
                          width=float("inf")).rstrip("\n")


def format_time(seconds: float) -> str:
    """`4:44`, `1:04:44` or `4:44.250`: what the timestamp reader reads back exactly."""
    millis = int(round(seconds * 1000))
    if millis < 0 or millis >= (MAX_HOURS + 1) * 3_600_000:
        raise SitegenError(f"time {seconds!r} s is outside 0 to {MAX_HOURS}:59:59")
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    clock = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{clock}.{millis:03d}" if millis else clock


def one_line(text: str) -> str:
    return " ".join(text.split())


def _date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return quote(value.isoformat())
        return value.strftime("%Y-%m-%d %H:%M" if not value.second else "%Y-%m-%d %H:%M:%S")
    return value.isoformat()


def _flow(pairs: list[tuple[str, Any]]) -> str:
    items = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, bool):
            items.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, int):
            items.append(f"{key}: {value}")
        else:
            items.append(f"{key}: {quote(str(value))}")
    return "{" + ", ".join(items) + "}"


def _speaker(speaker: Speaker, inherited: bool) -> str:
    if inherited:
        return f"  {quote(speaker.id)}: {{}}"
    return f"  {quote(speaker.id)}: " + _flow([
        ("name", one_line(speaker.name)), ("role", speaker.role), ("url", speaker.url),
        ("image", speaker.image), ("color", speaker.color)])


def _chapter(chapter: Chapter) -> str:
    return "  - " + _flow([
        ("start", format_time(chapter.start)), ("title", one_line(chapter.title)),
        ("url", chapter.url), ("image", chapter.image),
        ("toc", None if chapter.toc else False)])


def _audio(record: EpisodeRecord) -> str | None:
    if not record.audio:
        return None
    if not record.audio_type and not record.audio_length:
        return f"audio: {quote(record.audio)}"
    return "audio: " + _flow([("url", record.audio), ("type", record.audio_type),
                              ("length", record.audio_length)])


def front_matter(record: EpisodeRecord) -> list[str]:
    lines = [f"title: {quote(one_line(record.title))}", f"date: {_date(record.date)}"]
    for key, value in (("number", record.number), ("season", record.season)):
        if value is not None:
            lines.append(f"{key}: {int(value)}")
    if record.episode_type != "full":
        lines.append(f"type: {record.episode_type}")
    if one_line(record.summary):
        lines.append(f"summary: {quote(one_line(record.summary))}")
    audio = _audio(record)
    if audio:
        lines.append(audio)
    if record.duration is not None:
        lines.append(f"duration: {quote(format_time(record.duration))}")
    if record.explicit is not None:
        lines.append(f"explicit: {'true' if record.explicit else 'false'}")
    if record.image and record.image.strip():
        lines.append(f"image: {quote(record.image.strip())}")
    if record.guid:
        lines.append(f"guid: {quote(record.guid)}")
    if record.slug:
        lines.append(f"slug: {quote(record.slug)}")
    if record.draft:
        lines.append("draft: true")
    if record.speakers:
        lines.append("speakers:")
        lines.extend(_speaker(s, s.id in record.inherited) for s in record.speakers)
    if record.chapters:
        lines.append("chapters:")
        lines.extend(_chapter(c) for c in record.chapters)
    if record.links:
        lines.append("links:")
        lines.extend("  - " + _flow([("title", one_line(link.title)), ("url", link.url)])
                     for link in record.links)
    return lines


def safe_notes(notes: str) -> str:
    """Notes with any line that would end them early (`## Transcript`) escaped."""
    lines = notes.strip("\n").split("\n")
    return "\n".join("\\" + line.lstrip() if line.strip() == TRANSCRIPT_MARKER else line
                     for line in lines)


def continuation(paragraph: str) -> str:
    """A paragraph after a turn's first: escaped when the parser would misread it."""
    if paragraph.startswith("\\") or TURN_LINE.match(paragraph):
        return "\\" + paragraph
    return paragraph


def turn_lines(turn: Turn, name: str) -> list[str]:
    paragraphs = [p for p in (one_line(p) for p in turn.paragraphs) if p]
    head = f"{one_line(name)}: {format_time(turn.start)}"
    if not paragraphs:
        return [head]
    lines = [f"{head} {paragraphs[0]}"]
    for paragraph in paragraphs[1:]:
        lines.extend(["", continuation(paragraph)])
    return lines


def check_names(speakers: tuple[Speaker, ...]) -> None:
    """Every name must read back as itself at the start of a turn line."""
    for speaker in speakers:
        name = one_line(speaker.name)
        match = TURN_LINE.match(f"{name}: 0:00 x")
        if not match or match["name"].strip() != name:
            raise SitegenError(f"speaker name {speaker.name!r} cannot start a turn line "
                               "(no colons, at most 80 characters, not starting with - # > *)")
    keys = [" ".join(s.name.split()).casefold() for s in speakers]
    ids = {" ".join(s.id.split()).casefold(): s for s in speakers}
    for speaker, key in zip(speakers, keys):
        other = ids.get(key)
        if keys.count(key) > 1 or (other is not None and other is not speaker):
            raise SitegenError(f"speaker name {speaker.name!r} is also another speaker's "
                               "name or id; the transcript could not tell them apart")


def write_text(record: EpisodeRecord) -> str:
    """The episode file's text."""
    check_names(record.speakers)
    names = {s.id: s.name for s in record.speakers}
    parts = ["---", *front_matter(record), "---"]
    notes = safe_notes(record.notes)
    if notes.strip():
        parts.append(notes)
    if record.turns:
        parts.extend(["", TRANSCRIPT_MARKER])
        for turn in record.turns:
            parts.append("")
            parts.extend(turn_lines(turn, names[turn.speaker_id]))
    return "\n".join(parts) + "\n"


def file_name(record: EpisodeRecord) -> str:
    day = record.date.date() if isinstance(record.date, datetime) else record.date
    return f"{day.isoformat()}-{record.slug or slugify(record.title, 'episode')}.md"


def write_episode(record: EpisodeRecord, folder: Path, overwrite: bool = False,
                  check: Callable[[str, Path], None] | None = None) -> Path:
    """Write the record into `folder` as `YYYY-MM-DD-slug.md`; returns the path.

    `check(text, path)` runs before anything is written and may raise to stop it.
    """
    path = folder / file_name(record)
    if path.exists() and not overwrite:
        raise SitegenError(f"{path} already exists; pass --force to replace it, or give "
                           "another --title or --date")
    text = write_text(record)
    if check is not None:
        check(text, path)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    log.debug("wrote %s (%d bytes)", path, len(text))
    return path
