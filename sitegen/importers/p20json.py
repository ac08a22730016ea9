"""Podcasting 2.0 JSON transcripts: `{"version": "1.0.0", "segments": [...]}`.

Each segment has `startTime` (seconds), optionally `endTime`, `speaker` and
`body`. Consecutive segments of one speaker (words, sentences or caption-sized
pieces alike) merge into one turn.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from sitegen.importers.common import ImportFailed, Parsed, Repair, clean_text, line_of
from sitegen.importers.cues import Cue, strip_tags, to_turns


def load_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"not valid JSON: {exc.msg}", path, exc.lineno) from None
    except RecursionError:
        raise ImportFailed("JSON nested too deeply", path, 1) from None


def element_lines(text: str, key: str) -> list[int]:
    """The line where each element of the array under `"key":` starts (JSON keeps none).

    A small scan over the text: strings are skipped, nesting is counted, and every
    value that starts directly inside the array records its line.
    """
    match = re.search(rf'"{re.escape(key)}"\s*:\s*\[', text)
    if not match:
        return []
    lines: list[int] = []
    depth, in_string, escaped, expecting = 0, False, False, True
    line = line_of(text, match.end())
    for char in text[match.end():]:
        if char == "\n":
            line += 1
        if in_string:
            escaped, in_string = (not escaped and char == "\\"), \
                (in_string if escaped or char != '"' else False)
            continue
        if char in " \t\r\n":
            continue
        if depth == 0 and expecting and char != "]":
            lines.append(line)
            expecting = False
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                break
            depth -= 1
        elif char == "," and depth == 0:
            expecting = True
    return lines


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("segments"), list)


def parse(text: str, path: Path) -> Parsed:
    data = load_json(text, path)
    if isinstance(data, dict) and "chapters" in data and "segments" not in data:
        raise ImportFailed("this is a chapters file, not a transcript", path, 1,
                           "pass it with --chapters next to the transcript")
    if not looks_like(data):
        raise ImportFailed('a JSON transcript is {"version": "1.0.0", "segments": [...]}',
                           path, 1)
    repairs: list[Repair] = []
    lines = element_lines(text, "segments")
    cues = []
    for index, segment in enumerate(data["segments"]):
        line = lines[index] if index < len(lines) else 1
        cue = _cue(segment, line, index + 1, repairs)
        if cue is not None:
            cues.append(cue)
    if not cues:
        raise ImportFailed("no segments with a startTime and a body", path, 1)
    turns = to_turns(cues, repairs)
    return Parsed("podcasting 2.0 json", tuple(turns), repairs=tuple(repairs))


def _cue(segment: Any, line: int, index: int, repairs: list[Repair]) -> Cue | None:
    if not isinstance(segment, dict):
        repairs.append(Repair(line, "segment", f"segment {index} is not an object; skipped"))
        return None
    start = number(segment.get("startTime"))
    body = segment.get("body")
    if start is None or not isinstance(body, str):
        repairs.append(Repair(line, "segment", f"segment {index} needs a startTime (seconds)"
                              " and a body (text); skipped"))
        return None
    speaker = segment.get("speaker")
    speaker = clean_text(speaker) if isinstance(speaker, str) and clean_text(speaker) else None
    return Cue(round(start, 3), number(segment.get("endTime")), speaker, strip_tags(body),
               line)
