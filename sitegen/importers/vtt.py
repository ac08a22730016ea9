"""WebVTT transcripts (through webvtt-py), with or without `<v Speaker>` voice tags."""
from __future__ import annotations

import re
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Timestamp

from sitegen.importers.common import ImportFailed, Parsed, Repair
from sitegen.importers.cues import Cue, assign_lines, timing_lines, to_turns, voice_and_text

HEADER = "WEBVTT"
# What webvtt-py reads: a fraction of exactly three digits keeps the milliseconds exact.
VTT_TIME = re.compile(r"^\s*(?:\d{1,2}:)?[0-5]?\d:[0-5]?\d\.\d{3}\s*$")


def looks_like(text: str) -> bool:
    return text.lstrip("\ufeff \t\n").startswith(HEADER)


def parse(text: str, path: Path) -> Parsed:
    repairs: list[Repair] = []
    if not looks_like(text):
        repairs.append(Repair(1, "format", "no WEBVTT header; read as WebVTT anyway"))
        text = f"{HEADER}\n" + text
        shift = 1
    else:
        text = text.lstrip("\ufeff \t\n")
        shift = 0
    text = _drop_unreadable_timings(text, shift, repairs)
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        raise ImportFailed(f"not readable as WebVTT: {exc}", path, 1) from None
    starts = [_seconds(c.start_time) for c in captions]
    lines = [n - shift for n in assign_lines(starts, timing_lines(text))]
    cues = []
    for caption, start, line in zip(captions, starts, lines):
        speaker, body = voice_and_text(caption.raw_text)
        end = _seconds(caption.end_time)
        if end <= start:
            repairs.append(Repair(line, "timing", "cue ends before it starts; kept"))
        cues.append(Cue(start, end, speaker, body, max(1, line)))
    turns = to_turns(cues, repairs)
    if not turns:
        raise ImportFailed("no cues with text in this WebVTT file", path, 1)
    return Parsed("webvtt", tuple(turns), repairs=tuple(repairs))


def _drop_unreadable_timings(text: str, shift: int, repairs: list[Repair]) -> str:
    """Blank out cue timing lines that cannot be read, so their cue is skipped, reported."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if "-->" not in line or index == 0:
            continue
        left, _, right = line.partition("-->")
        end = re.match(r"\s*(\S+)", right)
        if not VTT_TIME.match(left) or end is None or not VTT_TIME.match(end[1]):
            repairs.append(Repair(max(1, index + 1 - shift), "timing", "cue timing "
                                  f"{line.strip()[:60]!r} cannot be read; cue dropped"))
            lines[index] = ""
    return "\n".join(lines)


def _seconds(stamp: Timestamp) -> float:
    """A webvtt-py Timestamp in seconds, exact to the millisecond."""
    millis = ((stamp.hours * 60 + stamp.minutes) * 60 + stamp.seconds) * 1000 \
        + stamp.milliseconds
    return millis / 1000
