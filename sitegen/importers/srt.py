"""SRT subtitles (through the `srt` package), with or without `Name:` prefixes."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import srt

from sitegen.importers.common import ImportFailed, Parsed, Repair, line_of
from sitegen.importers.common import clean_text
from sitegen.importers.cues import VOICE, Cue, assign_lines, timing_lines, to_turns

# The package logs each skipped block; the import report already names them by line.
logging.getLogger("srt").setLevel(logging.ERROR)
# SRT formatting tags; other angle brackets and entities are text.
TAGS = re.compile(r"</?(?:i|b|u|font|v)(?:[ \t.][^>]*)?>", re.IGNORECASE)
FIRST_CUE = re.compile(r"\A\s*\d+[ \t]*\n[ \t]*\d{1,3}:\d{1,2}:\d{1,2}[,.]\d{1,3}[ \t]*-->",
                       re.MULTILINE)


def looks_like(text: str) -> bool:
    return bool(FIRST_CUE.match(text.lstrip("\ufeff")))


def parse(text: str, path: Path) -> Parsed:
    repairs: list[Repair] = []
    subtitles = _subtitles(text, path, repairs)
    starts = [s.start.total_seconds() for s in subtitles]
    lines = assign_lines(starts, timing_lines(text))
    cues = []
    for subtitle, start, line in zip(subtitles, starts, lines):
        voice = VOICE.search(subtitle.content)
        speaker = clean_text(voice["name"]) if voice else None
        body = clean_text(TAGS.sub("", subtitle.content))
        end = subtitle.end.total_seconds()
        if start < 0 or end < 0:
            repairs.append(Repair(line, "timing", "negative cue time; cue dropped"))
            continue
        if end <= start:
            repairs.append(Repair(line, "timing", "cue ends before it starts; kept"))
        cues.append(Cue(round(start, 3), round(end, 3), speaker, body, line))
    turns = to_turns(cues, repairs)
    if not turns:
        raise ImportFailed("no subtitles with text in this SRT file", path, 1,
                           "SRT cues are a number, a `00:00:01,000 --> 00:00:04,000` line, "
                           "then text")
    return Parsed("srt", tuple(turns), repairs=tuple(repairs))


def _subtitles(text: str, path: Path, repairs: list[Repair]) -> list[srt.Subtitle]:
    """Every subtitle; text the parser cannot read is skipped and reported by line."""
    try:
        return list(srt.parse(text))
    except srt.SRTParseError as exc:
        repairs.append(Repair(line_of(text, exc.expected_start), "format",
                              f"text that is not an SRT cue skipped: "
                              f"{exc.unmatched_content.strip()[:60]!r}"))
    except (ValueError, OverflowError) as exc:
        raise ImportFailed(f"not readable as SRT: {exc}", path, 1) from None
    try:
        return list(srt.parse(text, ignore_errors=True))
    except (srt.SRTParseError, ValueError, OverflowError) as exc:
        raise ImportFailed(f"not readable as SRT: {exc}", path, 1) from None
