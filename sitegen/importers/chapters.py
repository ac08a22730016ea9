"""JSON chapters files (Podcasting 2.0, version 1.2.0), given with `--chapters`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sitegen import schema
from sitegen.importers.common import ImportFailed, RawChapter, Repair, clean_text, decode
from sitegen.importers.p20json import element_lines, load_json, number


def read(path: Path, repairs: list[Repair]) -> list[RawChapter]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read the chapters file: {exc.strerror}", path, 1) from None
    return parse(decode(data, path), path, repairs)


def parse(text: str, path: Path, repairs: list[Repair]) -> list[RawChapter]:
    data = load_json(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("chapters"), list):
        raise ImportFailed('a chapters file is {"version": "1.2.0", "chapters": [...]}',
                           path, 1)
    lines = element_lines(text, "chapters")
    chapters = []
    for index, entry in enumerate(data["chapters"]):
        line = lines[index] if index < len(lines) else 1
        chapter = _chapter(entry, index + 1, line, repairs)
        if chapter is not None:
            chapters.append(chapter)
    return chapters


def _chapter(entry: Any, index: int, line: int, repairs: list[Repair]) -> RawChapter | None:
    if not isinstance(entry, dict) or number(entry.get("startTime")) is None:
        repairs.append(Repair(line, "chapter", f"chapter {index} needs a startTime in "
                              "seconds; skipped"))
        return None
    title = entry.get("title")
    title = clean_text(title)[:300] if isinstance(title, str) else ""
    return RawChapter(None, title or f"Chapter {index}", line,
                      start=round(number(entry["startTime"]) or 0.0, 3),
                      url=_url(entry.get("url"), "url", line, repairs),
                      image=_url(entry.get("img"), "img", line, repairs),
                      toc=entry.get("toc") is not False)


def _url(value: Any, key: str, line: int, repairs: list[Repair]) -> str | None:
    if value is None:
        return None
    try:
        return schema.url(value) if key == "img" else schema.link_url(value)
    except schema.Invalid as exc:
        repairs.append(Repair(line, "chapter", f"{key}: {exc}; left out"))
        return None
