"""Which format a file is in, read from its content; the extension only breaks ties."""
from __future__ import annotations

import json
from pathlib import Path

from sitegen.importers import markdown, rawdump, srt, vtt
from sitegen.importers.common import ImportFailed
from sitegen.importers.cues import timing_lines

FORMATS = ("webvtt", "srt", "podcasting 2.0 json", "markdown", "raw dump")
EXTENSIONS = {".vtt": "webvtt", ".srt": "srt", ".json": "podcasting 2.0 json",
              ".md": "markdown", ".markdown": "markdown", ".txt": "raw dump"}


def detect(text: str, path: Path) -> str:
    """One of FORMATS, or ImportFailed when nothing in the file says which."""
    head = text.lstrip("\ufeff \t\n")
    if vtt.looks_like(head):
        return "webvtt"
    if _json_like(head, path):
        return "podcasting 2.0 json"  # its parser reports a syntax error by line
    if srt.looks_like(head):
        return "srt"
    if timing_lines(text):
        return "webvtt" if path.suffix.lower() != ".srt" else "srt"
    return _text_format(text, path)


def _json_like(head: str, path: Path) -> bool:
    """An object, or an array of objects, strings or arrays: meant as JSON even if broken."""
    if head.startswith("{") or EXTENSIONS.get(path.suffix.lower()) == "podcasting 2.0 json":
        return bool(head)
    if not head.startswith("["):
        return False
    try:
        json.loads(head)
        return True
    except (ValueError, RecursionError):
        return head[1:].lstrip()[:1] in ('{', '[', '"', "]")


def _text_format(text: str, path: Path) -> str:
    marked = markdown.looks_like(text)
    raw = rawdump.looks_like(text)
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if raw and (raw > marked or (raw == marked and by_extension != "markdown")):
        return "raw dump"
    if marked or by_extension == "markdown":
        return "markdown"
    raise ImportFailed("cannot tell the format: no WEBVTT header, no SRT cues, no JSON, "
                       "no `Name: 0:00 text` or `**Name:**` turns", path, 1,
                       "sitegen import reads WebVTT, SRT, Podcasting 2.0 JSON, Markdown "
                       "transcripts and raw show-notes dumps")
