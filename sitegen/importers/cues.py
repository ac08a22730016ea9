"""Timed cues (WebVTT, SRT, JSON segments) into turns.

When every cue names its speaker, consecutive cues of one speaker merge into a
turn. When only some do, a named cue starts a turn and unnamed cues continue
it (exports name the speaker where it changes). With no names at all, cues
group into turns at pauses, under one speaker the report asks to rename.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from sitegen.importers.common import RawTurn, Repair, clean_text

UNKNOWN = "Speaker"
PAUSE = 2.0          # seconds of silence that end an unnamed turn
LONGEST_UNNAMED = 30.0
VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+(?P<name>[^>]+)>")
TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d{1,2}:\d{2}[^>]*>")
PREFIX = re.compile(r"^(?:-[ \t]*|>>[ \t]*)?(?P<name>[^\W\d_][^:\n<>]{0,79}?)[ \t]*:[ \t]+"
                    r"(?P<text>\S.*)$", re.DOTALL)


@dataclass(frozen=True)
class Cue:
    start: float
    end: float | None
    speaker: str | None
    text: str
    line: int


def strip_tags(text: str) -> str:
    return clean_text(html.unescape(TAG.sub("", text)))


def voice_and_text(raw: str) -> tuple[str | None, str]:
    """The `<v Name>` speaker of a cue's raw text, and its text without tags."""
    match = VOICE.search(raw)
    return (clean_text(match["name"]) if match else None), strip_tags(raw)


def name_prefixes(cues: list[Cue]) -> list[Cue]:
    """Cues without a voice tag whose text starts `Name: `, when the file names speakers so.

    A name counts when it recurs, or when other names recur and it looks like one.
    """
    found = [(i, m) for i, c in enumerate(cues) if c.speaker is None
             and (m := PREFIX.match(c.text)) and len(m["name"].split()) <= 4]
    counts: dict[str, int] = {}
    for _, match in found:
        counts[match["name"].strip()] = counts.get(match["name"].strip(), 0) + 1
    voiced = {c.speaker for c in cues if c.speaker}
    convention = any(count >= 2 for count in counts.values())
    result = list(cues)
    for index, match in found:
        name = match["name"].strip()
        if counts[name] >= 2 or name in voiced or (convention and _looks_like_name(name)):
            cue = cues[index]
            result[index] = Cue(cue.start, cue.end, name, match["text"].strip(), cue.line)
    return result


def _looks_like_name(name: str) -> bool:
    """`Bo`, `Ada Quill`, `Dr. Lind`: up to three words, each capitalised."""
    words = name.split()
    return 0 < len(words) <= 3 and all(w[:1].isupper() for w in words)


def to_turns(cues: list[Cue], repairs: list[Repair]) -> list[RawTurn]:
    """Turns from cues in file order (see the module text for the rules)."""
    cues = [c for c in name_prefixes(cues) if c.text]
    if not cues:
        return []
    if not any(c.speaker for c in cues):
        repairs.append(Repair(cues[0].line, "speaker", "no speaker names in the file: every "
                              f"turn is {UNKNOWN!r}, split at pauses; rename in the front "
                              "matter (and the transcript lines) if you know who speaks"))
        return _by_pauses(cues)
    every = all(c.speaker for c in cues)
    turns: list[dict] = []
    for cue in cues:
        current = turns[-1] if turns else None
        continues = current is not None and (
            cue.speaker is None or (every and cue.speaker == current["name"]))
        if continues:
            current["texts"].append(cue.text)
            continue
        if cue.speaker is None:
            repairs.append(Repair(cue.line, "speaker", f"first cue names no speaker: "
                                  f"attributed to {UNKNOWN!r}"))
        turns.append({"name": cue.speaker or UNKNOWN, "start": cue.start, "line": cue.line,
                      "texts": [cue.text]})
    return [RawTurn(t["name"], None, (" ".join(t["texts"]),), t["line"], t["start"])
            for t in turns]


def _by_pauses(cues: list[Cue]) -> list[RawTurn]:
    turns: list[RawTurn] = []
    group: list[Cue] = []
    for cue in cues:
        if group:
            last = group[-1]
            pause = last.end is not None and cue.start - last.end >= PAUSE
            long = cue.start - group[0].start >= LONGEST_UNNAMED \
                and last.text.rstrip().endswith((".", "?", "!"))
            if pause or long:
                turns.append(_turn(group))
                group = []
        group.append(cue)
    turns.append(_turn(group))
    return turns


def _turn(group: list[Cue]) -> RawTurn:
    return RawTurn(UNKNOWN, None, (" ".join(c.text for c in group),), group[0].line,
                   group[0].start)


def timing_lines(text: str) -> list[tuple[int, float]]:
    """(line, start seconds) of every cue timing line that reads, in file order."""
    result = []
    for number, line in enumerate(text.split("\n"), 1):
        if "-->" in line:
            start = cue_time(line.split("-->", 1)[0])
            if start is not None:
                result.append((number, start))
    return result


_CUE_TIME = re.compile(r"^\s*(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?\s*$")


def cue_time(text: str) -> float | None:
    match = _CUE_TIME.match(text)
    if not match:
        return None
    hours, minutes, seconds, frac = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + \
        (int(frac) / 10 ** len(frac) if frac else 0.0)


def assign_lines(starts: list[float], timings: list[tuple[int, float]]) -> list[int]:
    """The source line of each cue, matching cue starts to timing lines in order."""
    lines, cursor = [], 0
    for start in starts:
        found = next((i for i in range(cursor, len(timings))
                      if abs(timings[i][1] - start) < 0.0015), None)
        if found is None:
            lines.append(timings[cursor - 1][0] if cursor else 1)
            continue
        lines.append(timings[found][0])
        cursor = found + 1
    return lines
