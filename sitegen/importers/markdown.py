"""Markdown transcripts: `**Name:** text` or `Name: text` turns, times optional.

    # Episode title
    Notes paragraphs (optional), and optionally a `## Chapters` list.

    **Ada Quill:** [00:00:00] Welcome back...
    **Bo Lind** (0:42): Thanks.

A plain `Name: text` line without bold or a time counts as a turn only when the
same name starts at least two lines, so `Note: ...` in the text stays text.
"""
from __future__ import annotations

import re
from pathlib import Path

from sitegen.importers.common import ImportFailed, Parsed, RawChapter, Repair, clean_text
from sitegen.importers.lines import Head, chapter_line, collect_turns, turn_head
from sitegen.importers.repairs import split_glued

HEADING = re.compile(r"^(?P<level>#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
STAMP_ONLY = re.compile(r"^[\[(]?\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?$")
MAX_SUMMARY = 4000


def looks_like(text: str) -> int:
    """Markdown turns, headings and recurring untimed `Name:` heads (for detection)."""
    lines = list(enumerate(text.split("\n")[:5000], 1))
    count = 0
    repeated = _repeated_names(lines)
    for _, line in lines:
        head = turn_head(line)
        if (head and (head.bold or (head.name in repeated and not head.stamp))) \
                or HEADING.match(line):
            count += 1
    return count


def parse(text: str, path: Path) -> Parsed:
    lines = [(n, line) for n, line in enumerate(text.split("\n"), 1)
             if not STAMP_ONLY.match(line.strip())]
    repeated = _repeated_names(lines)

    def is_turn(head: Head) -> bool:
        return head.bold or head.stamp is not None or head.name in repeated

    turns, before = collect_turns(lines, is_turn, line_paragraphs=False)
    if not turns:
        raise ImportFailed("found no transcript turns (`**Name:** text` or `Name: text`)",
                           path, 1, "start each turn with the speaker's name and a colon")
    repairs: list[Repair] = []
    turns = split_glued(turns, {t.speaker for t in turns}, repairs)
    title, notes, chapters = _front(before)
    summary = next((clean_text(p) for p in notes.split("\n\n")
                    if p.strip() and not p.lstrip().startswith("#")), "")
    return Parsed("markdown", tuple(turns), tuple(chapters), title,
                  _plain(summary)[:MAX_SUMMARY], notes, (), tuple(repairs))


def _repeated_names(lines: list[tuple[int, str]]) -> set[str]:
    counts: dict[str, int] = {}
    for _, line in lines:
        head = turn_head(line)
        if head and len(head.name.split()) <= 4 and head.name[:1].isupper() and head.text:
            counts[head.name] = counts.get(head.name, 0) + 1
    return {name for name, count in counts.items() if count >= 2}


def _front(before: list[tuple[int, str]]) -> tuple[str | None, str, list[RawChapter]]:
    """The title (first `#` heading), the notes, and a `## Chapters` list if any."""
    title = None
    notes: list[str] = []
    chapters: list[RawChapter] = []
    in_chapters = False
    for number, line in before:
        heading = HEADING.match(line.strip())
        if heading:
            text = heading["text"]
            if title is None and heading["level"] == "#":
                title = _plain(text)
                continue
            in_chapters = bool(re.search(r"chapters|timestamps", text, re.IGNORECASE))
            if in_chapters or text.strip().lower() == "transcript":
                continue
        if in_chapters:
            chapter = chapter_line(line, number)
            if chapter is not None:
                chapters.append(chapter)
                continue
            if not line.strip():
                continue
        notes.append(line.rstrip())
    return title, "\n".join(notes).strip("\n"), chapters


def _plain(text: str) -> str:
    """Text without the Markdown emphasis and link syntax, for titles and summaries."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return clean_text(re.sub(r"[*_`]+", "", text))
