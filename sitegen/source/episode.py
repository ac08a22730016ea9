"""Episode files: YAML front matter, Markdown show notes, then the transcript.

    ---
    title: ...
    ---
    Show notes in Markdown.

    ## Transcript

    Ada Quill: 0:00 Welcome...

The line `## Transcript` (alone on its line) starts the transcript. Each turn
begins with `Speaker Name: M:SS text` at the start of a line and runs until the
next turn; blank lines inside a turn separate its paragraphs. A continuation
line that would look like a turn can be escaped with a leading backslash.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from sitegen import schema
from sitegen.errors import Problems
from sitegen.model import Audio, Chapter, Episode, Link, SiteConfig, Speaker, Turn
from sitegen.people import parse_people
from sitegen.slugs import is_slug, slugify, unique
from sitegen.source.audio import AudioError, mime_for, probe
from sitegen.timecodes import TimestampError, parse_timestamp
from sitegen.yamlsafe import LineDict, LineList, YamlError, key_line, load

log = logging.getLogger(__name__)

TRANSCRIPT_MARKER = "## Transcript"
MAX_FILE_BYTES = 64 * 1024 * 1024
TURN_LINE = re.compile(
    r"^(?P<name>[^\s:\\#>*\-][^:]{0,79}?)[ \t]*:[ \t]+"
    r"(?P<ts>[\[(]?\d{1,3}(?::\d{1,3}){1,2}(?:[.,]\d{1,3})?[\])]?)"
    r"(?:[ \t]+(?P<text>.*))?$")
# A known speaker's name and a timestamp that TURN_LINE did not accept: a typo
# such as `Ada:0:15 text` or `Ada: 0:15text` would otherwise join the turn above.
NEAR_TURN = re.compile(r"^(?P<name>[^\s:\\][^:]{0,79}?)[ \t]*:[ \t]*[\[(]?\d{1,3}:\d")
DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
EPISODE_TYPES = ("full", "trailer", "bonus")
GUID_NAMESPACE = uuid.UUID("2b5c1a52-5f0e-4a8e-9d6e-3c0b8f1d7a11")


def _audio(value: Any) -> dict:
    if isinstance(value, str):
        return {"src": schema.text(2000)(value)}
    data = schema.mapping(value)
    src = data.get("url") or data.get("file")
    if not src:
        raise schema.Invalid("audio needs a file or url",
                             "audio: audio/episode-1.mp3, or audio: {url: ..., length: ...}")
    return {
        "src": schema.text(2000)(src),
        "length": schema.integer(1, 10**12)(data["length"]) if "length" in data else None,
        "type": schema.text(50)(data["type"]) if "type" in data else None,
        "duration": _duration(data["duration"]) if "duration" in data else None,
    }


MAX_SECONDS = 100 * 3600  # timestamps are written up to 99:59:59


def _seconds(value: Any) -> float:
    """A time in seconds, from a number or a timestamp such as `1:02:05`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        try:
            seconds = parse_timestamp(schema.text(20)(value))
        except TimestampError as exc:
            raise schema.Invalid(str(exc), "write it as H:MM:SS or a number of seconds") \
                from None
    if not 0 <= seconds < MAX_SECONDS:  # also refuses inf and nan
        raise schema.Invalid(f"{value!r} is out of range", "use 0 to 99:59:59")
    return seconds


def _duration(value: Any) -> float:
    seconds = _seconds(value)
    if seconds <= 0:
        raise schema.Invalid("duration must be positive")
    return seconds


def _link(value: Any) -> Link:
    data = schema.mapping(value)
    if "url" not in data:
        raise schema.Invalid("a link needs a url", "{title: ..., url: https://...}")
    return Link(schema.text(300)(data.get("title") or data["url"]), schema.link_url(data["url"]))


EPISODE_FIELDS: dict[str, schema.Field] = {
    "title": schema.Field(schema.text(300), required=True, doc="the episode's title"),
    "date": schema.Field(schema.datetime_value, required=True,
                         doc="publication date, YYYY-MM-DD or YYYY-MM-DD HH:MM"),
    "number": schema.Field(schema.integer(0, 100_000)),
    "season": schema.Field(schema.integer(0, 10_000)),
    "type": schema.Field(schema.one_of(*EPISODE_TYPES), default="full"),
    "summary": schema.Field(schema.text(4000), default=""),
    "audio": schema.Field(_audio),
    "duration": schema.Field(_duration),
    "explicit": schema.Field(schema.boolean),
    "image": schema.Field(schema.text(2000)),
    "speakers": schema.Field(lambda v: v),
    "chapters": schema.Field(schema.list_of(lambda v: v, 500), default=()),
    "links": schema.Field(schema.list_of(_link, 500), default=()),
    "guid": schema.Field(schema.text(300)),
    "slug": schema.Field(schema.text(100)),
    "draft": schema.Field(schema.boolean, default=False),
}


@dataclass(frozen=True)
class SourceText:
    """An episode file split into its three parts, each with its first line number."""
    front_matter: str
    notes: str
    notes_line: int
    transcript: list[str]
    transcript_line: int


def read_text(path: Path, problems: Problems) -> str | None:
    """The file as text (BOM and CRLF removed), or None with the problem recorded."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.error(f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes "
                           f"({MAX_FILE_BYTES // 2**20} MB)", path,
                           hint="split the episode, or move what is not transcript out of it")
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.error(f"cannot read file: {exc.strerror}", path)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        problems.error(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", path, line,
                       "save the file as UTF-8")
        return None
    if "\x00" in text:
        problems.error("contains NUL characters; is this a binary file?", path,
                       text[:text.index("\x00")].count("\n") + 1)
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_source(text: str, path: Path, problems: Problems) -> SourceText | None:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.error("an episode file starts with front matter between `---` lines",
                       path, 1, "put `---` on the first line, the YAML keys, then `---`")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        problems.error("the front matter is never closed", path, 1,
                       "end it with a line holding only `---`")
        return None
    marker = next((i for i in range(end + 1, len(lines))
                   if lines[i].strip() == TRANSCRIPT_MARKER), None)
    notes_end = marker if marker is not None else len(lines)
    return SourceText(
        front_matter="\n".join(lines[1:end]),
        notes="\n".join(lines[end + 1:notes_end]).strip("\n"),
        notes_line=end + 2,
        transcript=lines[marker + 1:] if marker is not None else [],
        transcript_line=marker + 2 if marker is not None else 0,
    )


def load_episode(path: Path, config: SiteConfig, problems: Problems) -> Episode | None:
    """Read one episode file; every problem goes to `problems` (None when unusable)."""
    text = read_text(path, problems)
    if text is None:
        return None
    return parse_episode(text, path, config, problems)


def parse_episode(text: str, path: Path, config: SiteConfig,
                  problems: Problems) -> Episode | None:
    before = len(problems.errors)
    parts = split_source(text, path, problems)
    if parts is None:
        return None
    try:
        data = load(parts.front_matter) if parts.front_matter.strip() else LineDict()
    except YamlError as exc:
        problems.error(str(exc), path, exc.line + 1 if exc.line else None)
        return None
    values = schema.validate_mapping(data, EPISODE_FIELDS, problems, path, 1,
                                     what="front matter")
    if not isinstance(data, dict):
        return None
    known = {p.id: p for p in config.people}
    speakers = parse_people(values["speakers"], problems, path, 1, known,
                            line=1 + data.line_of("speakers") if "speakers" in data else 2)
    if not speakers and parts.transcript:
        problems.error("the transcript has turns but the front matter lists no speakers",
                       path, 2, "add `speakers:` with an entry per voice")
    check_distinct(speakers, path, problems,
                   1 + data.line_of("speakers") if "speakers" in data else 2)
    chapters = parse_chapters(values["chapters"], data, path, problems)
    turns = parse_transcript(parts.transcript, parts.transcript_line, speakers, path,
                             problems)
    audio = resolve_audio(values["audio"], values["duration"], path, config, problems,
                          1 + data.line_of("audio") if "audio" in data else None)
    if len(problems.errors) > before:
        return None
    date = values["date"]
    if date.tzinfo is None:
        date = date.replace(tzinfo=ZoneInfo(config.timezone))
    slug = episode_slug(path, values["slug"], problems)
    return Episode(
        source=path,
        slug=slug,
        title=values["title"],
        date=date,
        guid=values["guid"] or default_guid(date, values["number"], values["title"]),
        summary=values["summary"],
        notes=parts.notes,
        notes_line=parts.notes_line,
        number=values["number"],
        season=values["season"],
        episode_type=values["type"],
        audio=audio,
        explicit=values["explicit"],
        image=values["image"],
        speakers=speakers,
        chapters=chapters,
        links=values["links"],
        turns=turns,
        draft=values["draft"],
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )


def episode_slug(path: Path, given: str | None, problems: Problems) -> str:
    if given:
        if not is_slug(given):
            problems.warning(f"slug {given!r} is not lower-case letters, digits and hyphens;"
                             f" using {slugify(given)!r}", path)
        return slugify(given)
    return slugify(DATE_PREFIX.sub("", path.stem), "episode")


def default_guid(date: datetime, number: int | None, title: str) -> str:
    """A GUID that survives moving the site or renaming the file (but not retitling).

    Episodes that may be retitled should pin `guid:`; `sitegen new` writes one.
    """
    key = f"{date.isoformat()}|{number if number is not None else title}"
    return str(uuid.uuid5(GUID_NAMESPACE, key))


def parse_chapters(raw: Iterable[Any], data: Any, path: Path,
                   problems: Problems) -> tuple[Chapter, ...]:
    line = 1 + data.line_of("chapters") if isinstance(data, LineDict) and "chapters" in data \
        else None
    written = data.get("chapters") if isinstance(data, LineDict) else None
    chapters: list[Chapter] = []
    for index, entry in enumerate(raw, 1):
        where = f"chapter {index}"
        if isinstance(written, LineList) and line is not None:
            line = 1 + written.line_of(index - 1)
        try:
            if isinstance(entry, str):
                stamp, _, title = entry.strip().partition(" ")
                chapter = Chapter(parse_timestamp(stamp), schema.text(300)(title), line=line)
            elif isinstance(entry, dict):
                if "start" not in entry or "title" not in entry:
                    raise schema.Invalid("needs start and title",
                                         '{start: "1:15", title: "...", url: ...}')
                start = entry["start"]
                seconds = _seconds(start)
                chapter = Chapter(
                    seconds, schema.text(300)(entry["title"]),
                    url=schema.link_url(entry["url"]) if entry.get("url") else None,
                    toc=schema.boolean(entry.get("toc", True)),
                    image=schema.text(2000)(entry["image"]) if entry.get("image") else None,
                    line=line)
            else:
                raise schema.Invalid('write "M:SS Title" or {start: ..., title: ...}')
        except TimestampError as exc:
            problems.error(f"{where}: {exc}", path, line)
            continue
        except schema.Invalid as exc:
            problems.error(f"{where}: {exc}", path, line, exc.hint)
            continue
        if chapters and chapter.start <= chapters[-1].start:
            problems.error(f"{where} ({chapter.title!r}) starts at or before the one "
                           "above it", path, line, "list chapters in time order")
        chapters.append(chapter)
    return tuple(chapters)


def check_distinct(speakers: Iterable[Speaker], path: Path, problems: Problems,
                   line: int) -> None:
    """A transcript name must point at one speaker, and a slug name one page."""
    owners: dict[tuple[str, str], str] = {}
    for speaker in speakers:
        keys = {("name or id", _name_key(speaker.id)), ("name or id", _name_key(speaker.name)),
                ("slug", speaker.slug)}
        for kind, key in sorted(keys):
            other = owners.setdefault((kind, key), speaker.id)
            if other != speaker.id:
                problems.error(f"speakers {other!r} and {speaker.id!r} share the {kind} "
                               f"{key!r}", path, line,
                               "give each speaker their own name, id and slug")


def _speaker_index(speakers: Iterable[Speaker]) -> dict[str, Speaker]:
    index: dict[str, Speaker] = {}
    for speaker in speakers:
        index[_name_key(speaker.id)] = speaker
        index[_name_key(speaker.name)] = speaker
    return index


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _close_turn(speaker_id: str, start: float, line: int, paragraphs: list[str],
                anchors: set[str], path: Path, problems: Problems) -> Turn:
    if not paragraphs:
        problems.warning("turn has no text", path, line)
    anchor = f"t-{int(start)}"
    if anchor in anchors:
        anchor = unique(anchor, anchors)
    else:
        anchors.add(anchor)
    return Turn(speaker_id, start, tuple(paragraphs), line, anchor)


# An hour-long archive writes the same few thousand timestamps again and again.
_turn_timestamp = lru_cache(maxsize=4096)(parse_timestamp)


def parse_transcript(lines: list[str], first_line: int, speakers: Iterable[Speaker],
                     path: Path, problems: Problems) -> tuple[Turn, ...]:
    """Turns from transcript lines; `first_line` is the file line of `lines[0]`.

    About 150 turns an episode, each a line of its own: the open turn is kept in
    local variables and each line looked at once (tests/test_parser.py compares
    this with a plain reading on random transcripts)."""
    by_name = _speaker_index(speakers)
    written: dict[str, Speaker | None] = {}  # a name as written -> its speaker, if known
    turns: list[Turn] = []
    anchors: set[str] = set()
    speaker_id: str | None = None   # of the open turn; None before the first turn
    start = 0.0
    turn_line = 0
    paragraphs: list[str] = []      # the open turn's paragraphs so far
    paragraph: list[str] = []       # the lines of the paragraph being read (only in a turn)
    line_no = first_line - 1
    for raw in lines:
        line_no += 1
        line = raw.strip()
        if not line:
            if paragraph:
                paragraphs.append(" ".join(paragraph))
                paragraph = []
            continue
        # Both patterns need a colon; most lines of a transcript are prose without one.
        match = TURN_LINE.match(line) if ":" in line else None
        if match is None:
            if speaker_id is None:
                _text_before_turns(path, line_no, problems)
                continue
            if ":" in line:
                _warn_near_turn(line, by_name, path, line_no, problems)
            paragraph.append(line[1:] if line[0] == "\\" else line)
            continue
        name, stamp, text = match.group("name", "ts", "text")
        speaker = written.get(name, _UNSEEN)
        if speaker is _UNSEEN:
            speaker = written[name] = by_name.get(_name_key(name))
        if speaker is None:
            _unknown_speaker(name, by_name, path, line_no, problems)
            continue
        try:
            seconds = _turn_timestamp(stamp)
        except TimestampError as exc:
            problems.error(str(exc), path, line_no)
            continue
        if speaker_id is not None:
            if paragraph:
                paragraphs.append(" ".join(paragraph))
            turns.append(_close_turn(speaker_id, start, turn_line, paragraphs, anchors, path,
                                     problems))
        if turns and seconds < turns[-1].start:
            problems.warning(f"turn starts at {stamp}, before the turn above it "
                             f"(line {turns[-1].line})", path, line_no)
        speaker_id, start, turn_line, paragraphs = speaker.id, seconds, line_no, []
        text = text.strip() if text else ""
        paragraph = [text] if text else []
    if speaker_id is not None:
        if paragraph:
            paragraphs.append(" ".join(paragraph))
        turns.append(_close_turn(speaker_id, start, turn_line, paragraphs, anchors, path,
                                 problems))
    return tuple(turns)


_UNSEEN = object()


def _text_before_turns(path: Path, line_no: int, problems: Problems) -> None:
    problems.error("text before the first turn of the transcript", path, line_no,
                   "start the transcript with `Speaker Name: 0:00 ...`, or move "
                   "this text above `## Transcript`")


def _unknown_speaker(name: str, by_name: dict[str, Speaker], path: Path, line_no: int,
                     problems: Problems) -> None:
    known = ", ".join(sorted({s.name for s in by_name.values()})) or "none"
    problems.error(f"unknown speaker {name!r}", path, line_no,
                   f"add them under `speakers:` (known: {known}); if this line "
                   "continues the previous turn, start it with a backslash")


def _warn_near_turn(line: str, by_name: dict[str, Speaker], path: Path, line_no: int,
                    problems: Problems) -> None:
    near = NEAR_TURN.match(line)
    if near and _name_key(near["name"]) in by_name:
        problems.warning(f"this looks like a turn by {near['name']!r} but is read as "
                         "text of the turn above", path, line_no,
                         "write `Name: M:SS text` with spaces after the colon and "
                         "the timestamp, or start the line with a backslash")


def resolve_audio(values: dict | None, duration: float | None, path: Path,
                  config: SiteConfig, problems: Problems, line: int | None) -> Audio | None:
    if values is None:
        return None
    src = values["src"]
    mime = values.get("type") or mime_for(src)
    if src.startswith(("http://", "https://")):
        try:
            schema.url(src)
        except schema.Invalid as exc:
            problems.error(f"audio: {exc}", path, line, exc.hint)
            return None
        if not mime:
            problems.error("audio: cannot tell the audio type from the URL", path, line,
                           "add `type: audio/mpeg` (or the file's real type)")
        return Audio(src, mime or "", values.get("length"), values.get("duration") or duration)
    if "://" in src or src.startswith(("/", "\\")) or ".." in Path(src).parts:
        problems.error(f"audio: {src!r} must be a path inside {config.content_dir}/ or an "
                       "http(s) URL", path, line)
        return None
    content = config.content_path.resolve()
    local = (config.content_path / src)
    try:
        resolved = local.resolve()
        resolved.relative_to(content)
    except (ValueError, OSError):
        problems.error(f"audio: {src!r} points outside {config.content_dir}/", path, line)
        return None
    if not resolved.is_file():
        problems.error(f"audio file {config.content_dir}/{src} does not exist", path, line,
                       "check the path (relative to the content folder)")
        return None
    if not mime:
        problems.error(f"audio: unknown audio type for {src!r}", path, line,
                       "use .mp3, .m4a, .ogg, .opus, .flac or .wav, or add `type:`")
        return None
    try:
        length, probed = probe(resolved)
    except (AudioError, OSError) as exc:
        problems.error(f"audio {config.content_dir}/{src}: {exc}", path, line)
        return None
    rel = resolved.relative_to(content).as_posix()
    return Audio(config.absolute_url(rel), mime, length, probed, resolved)


def load_episodes(config: SiteConfig, problems: Problems, include_drafts: bool = False,
                  loader: Callable[[Path, SiteConfig, Problems], Episode | None] | None = None
                  ) -> tuple[Episode, ...]:
    """Every episode under content/episodes, newest first; `loader` may cache."""
    folder = config.content_path / "episodes"
    if not folder.is_dir():
        problems.error(f"no episodes folder at {folder}", folder,
                       hint="create content/episodes/ or run `sitegen new \"Title\"`")
        return ()
    episodes: list[Episode] = []
    for path, is_symlink in episode_files(config):
        if is_symlink and not _inside(path, config.root):
            problems.error("symlink points outside the site; refused", path)
            continue
        episode = (loader or load_episode)(path, config, problems)
        if episode is not None and (include_drafts or not episode.draft):
            episodes.append(episode)
    check_unique(episodes, problems)
    episodes.sort(key=lambda e: (e.date, e.number or 0, e.slug), reverse=True)
    return tuple(episodes)


def episode_files(config: SiteConfig) -> list[tuple[Path, bool]]:
    """The episode files under content/episodes by name, each with whether it is a
    symlink; not the names starting with "." (editors' lock and temporary files)."""
    folder = config.content_path / "episodes"
    try:
        with os.scandir(folder) as found:   # no stat per file: the loader takes one anyway
            files = sorted((entry.name, entry.is_symlink()) for entry in found
                           if entry.name.endswith(".md") and not entry.name.startswith("."))
    except OSError:
        return []
    return [(folder / name, is_symlink) for name, is_symlink in files]


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False


def check_unique(episodes: list[Episode], problems: Problems) -> None:
    """Slugs and GUIDs must be unique (errors); so should enclosure URLs be (a warning:
    apps that key episodes by their audio merge or drop one of them)."""
    oldest_first = sorted(episodes, key=attrgetter("date"))   # the newer one is reported
    slugs = [e.slug for e in oldest_first]
    guids = [e.guid for e in oldest_first]
    audio = [e.audio.url if e.audio else None for e in oldest_first]
    for key, values, report in (("slug", slugs, problems.error), ("guid", guids, problems.error),
                                ("audio", audio, problems.warning)):
        if len(set(values)) == len(values):
            continue   # the common case, in one set
        seen: dict[str, Episode] = {}
        for episode, value in zip(oldest_first, values):
            if value is None:
                continue
            if value in seen:
                what = "enclosure URL" if key == "audio" else key
                report(f"{what} {value!r} is also used by {seen[value].source.name}",
                       episode.source, key_line(episode.source, key),
                       hint=f"give one of them its own `{key}:`")
            else:
                seen[value] = episode