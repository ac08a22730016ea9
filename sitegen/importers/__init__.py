"""Importers: transcripts in the forms podcasters already have, into episode records.

`import_file(path)` detects the format from the content, parses it, runs the
shared repairs and returns an `ImportResult` listing every repair by line.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sitegen.importers import chapters as chapter_files
from sitegen.importers import markdown, p20json, rawdump, srt, vtt
from sitegen.importers.common import ImportFailed, ImportResult, Parsed, Repair, decode
from sitegen.importers.detect import detect
from sitegen.importers.repairs import finish
from sitegen.model import Speaker

MAX_BYTES = 32 * 1024 * 1024
PARSERS = {"webvtt": vtt.parse, "srt": srt.parse, "podcasting 2.0 json": p20json.parse,
           "markdown": markdown.parse, "raw dump": rawdump.parse}


def read_source(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ImportFailed(f"file is {size // 2**20} MB; the limit is "
                               f"{MAX_BYTES // 2**20} MB", path, 1)
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read file: {exc.strerror}", path, 1) from None
    return decode(data, path)


def import_text(text: str, path: Path, chapters_path: Path | None = None,
                people: Sequence[Speaker] = (), fmt: str | None = None) -> ImportResult:
    """Parse `text` (from `path`, for messages) in its detected format and repair it."""
    parsed: Parsed = PARSERS[fmt or detect(text, path)](text, path)
    if chapters_path is not None:
        repairs: list[Repair] = list(parsed.repairs)
        found = chapter_files.read(chapters_path, repairs)
        if parsed.chapters:
            repairs.append(Repair(None, "chapters", f"{len(parsed.chapters)} chapters in the "
                                  f"file replaced by the {len(found)} of {chapters_path.name}"))
        parsed = Parsed(parsed.format, parsed.turns, tuple(found), parsed.title,
                        parsed.summary, parsed.notes, parsed.links, tuple(repairs))
    return finish(parsed, path, people)


def import_file(path: Path, chapters_path: Path | None = None,
                people: Sequence[Speaker] = ()) -> ImportResult:
    return import_text(read_source(path), path, chapters_path, people)


__all__ = ["ImportFailed", "ImportResult", "Repair", "import_file", "import_text"]
