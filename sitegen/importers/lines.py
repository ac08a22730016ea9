"""Line-level reading shared by the text formats (raw dumps, Markdown transcripts).

A turn head is `Name: 4:44 text`, `**Name:** [00:12:34] text`, `Name (12:34): text`
or, without a time, `**Name:** text`; a note after the name, `Name (guest):`, is dropped. A chapter line is `(00:01:15) Title`,
`00:01:15 - Title` or `- [1:15] Title`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from sitegen.importers.common import RawChapter, RawTurn
from sitegen.importers.repairs import STAMP

_BOLD = r"(?:\*\*|__)"
TURN_HEAD = re.compile(
    rf"^(?:[-*>][ \t]+)?(?P<bold>{_BOLD})?(?P<name>[^\W\d_][^:*\[\]()\n]{{0,79}}?)"
    r"(?:[ \t]*\([^)\d:][^):]{0,30}\))?"  # a note such as `(guest)`, dropped
    rf"(?:[ \t]*(?P<ts1>{STAMP}))?[ \t]*(?:{_BOLD}[ \t]*:|:[ \t]*{_BOLD}?)"
    rf"[ \t]*(?:(?P<ts2>{STAMP})(?:[ \t]+|$))?(?P<text>.*)$")
CHAPTER_LINE = re.compile(
    rf"^(?:[-*+][ \t]+|\d+[.)][ \t]+)?(?P<ts>{STAMP})[ \t]*(?:[-\u2013\u2014:|][ \t]*)?"
    r"(?P<title>\S.*)$")


@dataclass(frozen=True)
class Head:
    name: str
    stamp: str | None
    text: str
    bold: bool


def turn_head(line: str) -> Head | None:
    match = TURN_HEAD.match(line.strip())
    if not match:
        return None
    name = match["name"].strip()
    if len(name.split()) > 6:  # a sentence with a colon, not a name
        return None
    return Head(name, match["ts1"] or match["ts2"], match["text"].strip(), bool(match["bold"]))


def chapter_line(line: str, number: int) -> RawChapter | None:
    match = CHAPTER_LINE.match(line.strip())
    if not match:
        return None
    return RawChapter(match["ts"], match["title"].strip(), number)


def collect_turns(lines: list[tuple[int, str]], is_turn: Callable[[Head], bool],
                  line_paragraphs: bool) -> tuple[list[RawTurn], list[tuple[int, str]]]:
    """Turns from numbered lines; `is_turn(head)` decides which heads start a turn.

    Lines before the first turn come back separately. With `line_paragraphs`,
    every line is its own paragraph (dumps have no blank lines); otherwise
    blank lines separate paragraphs, as in Markdown.
    """
    turns: list[RawTurn] = []
    before: list[tuple[int, str]] = []
    current: dict | None = None
    paragraph: list[str] = []

    def close_paragraph() -> None:
        if current is not None and paragraph:
            current["paragraphs"].append(" ".join(paragraph))
        paragraph.clear()

    def close_turn() -> None:
        close_paragraph()
        if current is not None:
            turns.append(RawTurn(current["name"], current["stamp"],
                                 tuple(current["paragraphs"]), current["line"]))

    for number, line in lines:
        head = turn_head(line)
        if head is not None and is_turn(head):
            close_turn()
            current = {"name": head.name, "stamp": head.stamp, "line": number,
                       "paragraphs": []}
            if head.text:
                paragraph.append(head.text)
                if line_paragraphs:
                    close_paragraph()
            continue
        if current is None:
            before.append((number, line))
        elif not line.strip():
            close_paragraph()
        else:
            paragraph.append(line.strip())
            if line_paragraphs:
                close_paragraph()
    close_turn()
    return turns, before
