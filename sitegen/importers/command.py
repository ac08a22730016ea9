"""`sitegen import FILE...`: each file into an episode file, with a report of every repair."""
from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from sitegen.config import load_config
from sitegen.errors import Problems, SitegenError
from sitegen.importers import ImportFailed, ImportResult, import_file
from sitegen.model import SiteConfig
from sitegen.source.audio import mime_for
from sitegen.source.episode import parse_episode
from sitegen.source.writer import EpisodeRecord, write_episode
from sitegen.timecodes import TimestampError, parse_timestamp

log = logging.getLogger(__name__)

GUID_NAMESPACE = uuid.UUID("6f1c9e2a-4b7d-5e8f-9a0b-1c2d3e4f5a6b")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import", help="turn existing transcripts into episode files",
        description="Convert transcripts (WebVTT, SRT, Podcasting 2.0 JSON, Markdown, raw "
                    "show-notes dumps) into episode files, reporting every repair by line.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="transcripts to import, one episode each")
    parser.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                        help="the site folder holding site.yaml (default: here)")
    parser.add_argument("--into", type=Path, metavar="DIR",
                        help="where to write episodes (default: SITE/content/episodes)")
    parser.add_argument("--chapters", type=Path, metavar="CHAPTERS.json",
                        help="a Podcasting 2.0 JSON chapters file for the episode")
    parser.add_argument("--audio", metavar="URL",
                        help="the episode's audio: an http(s) URL or a path under content/")
    parser.add_argument("--audio-length", type=int, metavar="BYTES",
                        help="the size of the --audio URL's file (the feed needs it)")
    parser.add_argument("--duration", metavar="H:MM:SS",
                        help="the length of the --audio URL's recording (the feed needs it)")
    parser.add_argument("--title", help="the episode's title (default: from the file)")
    parser.add_argument("--date", help="publication date, YYYY-MM-DD (default: today)")
    parser.add_argument("--force", action="store_true", help="replace an existing file")


@dataclass(frozen=True)
class Target:
    config: SiteConfig
    folder: Path
    today: date


def run_import(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if len(args.files) > 1 and (args.chapters or args.audio or args.title):
        raise SitegenError("--chapters, --audio and --title belong to one episode; "
                           "import one FILE at a time with them")
    target = _target(args)
    failed = 0
    for path in args.files:
        try:
            _import_one(path, args, target, out)
        except ImportFailed as exc:
            failed += 1
            print(f"{exc}", file=sys.stderr)
        except SitegenError as exc:
            failed += 1
            print(f"{path}: error: {exc}", file=sys.stderr)
    done = len(args.files) - failed
    print(f"Imported {done} of {len(args.files)} file{'s' * (len(args.files) != 1)}.",
          file=out)
    return 1 if failed else 0


def _target(args: argparse.Namespace) -> Target:
    root = args.site.resolve()
    problems = Problems()
    config = load_config(root, problems) if (root / "site.yaml").is_file() else None
    if config is None or problems.errors:
        log.info("no usable site.yaml in %s; checking imports against defaults", root)
        config = SiteConfig(root=root, title="Imported", description="",
                            base_url="https://example.com/")
    folder = args.into if args.into is not None else config.content_path / "episodes"
    try:
        today = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        raise SitegenError(f"--date {args.date!r} is not a date; write YYYY-MM-DD") from None
    return Target(config, folder, today)


def _import_one(path: Path, args: argparse.Namespace, target: Target, out: TextIO) -> None:
    result = import_file(path, args.chapters, target.config.people)
    notes: list[str] = []
    record = _record(path, result, args, target, notes)
    written = write_episode(record, target.folder, overwrite=args.force,
                            check=lambda text, where: _verify(text, where, target.config))
    print(f"{written} <- {path} ({result.format}): {len(result.turns)} turns, "
          f"{len(result.speakers)} speakers, {len(result.chapters)} chapters, "
          f"{len(result.links)} links", file=out)
    for repair in result.repairs:
        print(f"  {repair.format(path)}", file=out)
    for note in notes:
        print(f"  note: {note}", file=out)


def _record(path: Path, result: ImportResult, args: argparse.Namespace, target: Target,
            notes: list[str]) -> EpisodeRecord:
    title = args.title or result.title
    if not title:
        title = " ".join(re.sub(r"[_\-.]+", " ", path.stem).split()) or "Imported episode"
        notes.append(f"the file has no title: used {title!r} from its name; set `title:` "
                     "(or import with --title)")
    if not args.date:
        notes.append(f"date set to today ({target.today}); set `date:` to the real one")
    audio, audio_type = _audio(args.audio, target.config)
    duration = _duration(args.duration)
    remote_incomplete = audio is not None and audio_type is not None \
        and not (args.audio_length and duration)
    if audio is None:
        notes.append("no --audio given: written as a draft without audio, so `sitegen build` "
                     "leaves it out (`sitegen build --drafts` previews it, outside the feed); "
                     "add `audio:` and remove `draft: true` to publish it")
    elif remote_incomplete:
        notes.append("the feed needs the size and duration of remote audio: written as a "
                     "draft; give --audio-length and --duration, or add `length:` and "
                     "`duration:` under `audio:`, then remove `draft: true`")
    # Stable across re-imports of the same file as the same episode (`--force`).
    digest = hashlib.sha256(path.read_bytes() + f"|{title}|{target.today}".encode()).hexdigest()
    return EpisodeRecord(
        title=title[:300], date=target.today, guid=str(uuid.uuid5(GUID_NAMESPACE, digest)),
        summary=result.summary, notes=result.notes, audio=audio, audio_type=audio_type,
        audio_length=args.audio_length, duration=duration,
        speakers=result.speakers, inherited=result.inherited, chapters=result.chapters,
        links=result.links, turns=result.turns, draft=audio is None or remote_incomplete)


def _duration(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parse_timestamp(value) if ":" in value else float(value)
    except (TimestampError, ValueError):
        raise SitegenError(f"--duration {value!r}: write H:MM:SS or seconds") from None


def _audio(value: str | None, config: SiteConfig) -> tuple[str | None, str | None]:
    """The `audio:` value as the episode file writes it, and its type for URLs."""
    if not value:
        return None, None
    if re.match(r"https?://", value):
        mime = mime_for(value)
        if not mime:
            raise SitegenError(f"--audio {value!r}: cannot tell the audio type from the URL; "
                               "use a URL ending in .mp3, .m4a, .ogg, .opus, .flac or .wav")
        return value, mime
    content = config.content_path.resolve()
    local = Path(value)
    candidates = [local.resolve()] if local.is_absolute() else \
        [(content / local).resolve(), local.resolve()]
    for candidate in candidates:
        try:
            relative = candidate.relative_to(content)
        except ValueError:
            continue
        if candidate.is_file():
            return relative.as_posix(), None
    raise SitegenError(f"--audio {value!r} is not an http(s) URL nor a file under {content}")


def _verify(text: str, path: Path, config: SiteConfig) -> None:
    """Read the text back as the build will, before writing; an error is a bug, said so."""
    problems = Problems()
    parse_episode(text, path, config, problems)
    if problems.errors:
        details = "; ".join(p.format() for p in problems.errors[:5])
        raise SitegenError(f"the written episode does not read back cleanly ({details}); "
                           "this is a sitegen bug, please report it with the source file")


__all__ = ["add_parser", "run_import"]
