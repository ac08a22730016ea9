"""Raw show-notes dumps: description, labelled sections, then `Name: 4:44 text` turns.

    In this episode, ...                 description (the first line is the summary)
    TIMESTAMPS:                          chapters: `(00:01:15) Title`
    LINKS:                               `Title: https://...` or a bare address
    X/TWITTER:                           `@handle (Name)`
    SPONSORS: ...                        any other ALL-CAPS label: a notes section
    Transcript                           optional marker lines
    Mara Quint: 0:00 Every spring ...    the turns, one per line
"""
from __future__ import annotations

import re
from pathlib import Path

from sitegen import schema
from sitegen.importers.common import ImportFailed, Parsed, RawChapter, Repair, clean_text
from sitegen.importers.lines import chapter_line, collect_turns, turn_head
from sitegen.importers.repairs import split_glued
from sitegen.model import Link

LABEL = re.compile(r"^(?P<label>[A-Z][A-Z0-9 /&'\u2019+.-]{1,40}?)[ \t]*:[ \t]*(?P<rest>.*)$")
MARKER = re.compile(r"^(?:full[ \t]+)?transcript[ \t]*:?$", re.IGNORECASE)
LINK_LINE = re.compile(r"^(?:(?P<title>.+?)[ \t]*:[ \t]+)?(?P<url>(?:https?://)?"
                       r"[\w-]+(?:\.[\w-]+)+(?:[/?#]\S*)?)$")
HANDLE = re.compile(r"^@(?P<handle>\w{1,50})\b[ \t]*(?P<rest>.*)$")
SOCIAL_SITES = (("TWITTER", "https://x.com/"), ("X/", "https://x.com/"),
                ("INSTAGRAM", "https://www.instagram.com/"),
                ("TIKTOK", "https://www.tiktok.com/@"), ("THREADS", "https://www.threads.net/@"))
MAX_SUMMARY = 4000


def looks_like(text: str) -> int:
    """How many lines look like this format's turns (for format detection)."""
    return sum(1 for line in text.split("\n")[:5000]
               if (head := turn_head(line)) and head.stamp and not head.bold)


def parse(text: str, path: Path) -> Parsed:
    lines = list(enumerate(text.split("\n"), 1))
    start = transcript_start(lines)
    if start is None:
        raise ImportFailed("found no transcript turns (lines like `Name: 4:44 text`)", path, 1,
                           "is this the right file? Turns start with a name, a colon and a "
                           "time")
    repairs: list[Repair] = []
    header = [(n, line) for n, line in lines[:start] if line.strip()]
    while header and MARKER.match(header[-1][1].strip()):
        header.pop()
    turns, _ = collect_turns(lines[start:], lambda head: head.stamp is not None,
                             line_paragraphs=True)
    turns = split_glued(turns, {t.speaker for t in turns}, repairs)
    sections = split_sections(header)
    chapters, links, notes = read_sections(sections, repairs)
    description = sections[0][2] if sections and sections[0][0] == "" else []
    summary = clean_text(description[0][1]) if description else ""
    return Parsed("raw dump", tuple(turns), tuple(chapters), None, _shorten(summary),
                  notes, tuple(links), tuple(repairs))


def transcript_start(lines: list[tuple[int, str]]) -> int | None:
    """Index of the first turn line: the first whose speaker speaks again, or an earlier
    one when no section label or `Transcript` line stands between them."""
    heads = [(i, head) for i, (_, line) in enumerate(lines)
             if (head := turn_head(line)) and head.stamp]
    if not heads:
        return None
    counts: dict[str, int] = {}
    for _, head in heads:
        counts[head.name] = counts.get(head.name, 0) + 1
    recurring = next((i for i, head in heads if counts[head.name] > 1), heads[0][0])
    boundary = max((i for i, (_, line) in enumerate(lines[:recurring])
                    if MARKER.match(line.strip()) or _is_label(line)), default=-1)
    return next(i for i, _ in heads if i > boundary)


def _is_label(line: str) -> bool:
    match = LABEL.match(line.strip())
    return bool(match) and sum(c.isalpha() for c in match["label"]) >= 2


Section = tuple[str, int, list[tuple[int, str]]]


def split_sections(header: list[tuple[int, str]]) -> list[Section]:
    """(label, line, lines) per section; the description comes first with label ''."""
    sections: list[Section] = [("", 1, [])]
    for number, line in header:
        match = LABEL.match(line.strip())
        if match and _is_label(line):
            sections.append((match["label"].strip(), number, []))
            if match["rest"].strip():
                sections[-1][2].append((number, match["rest"].strip()))
        else:
            sections[-1][2].append((number, line.strip()))
    return [s for s in sections if s[0] or s[2]]


def read_sections(sections: list[Section], repairs: list[Repair]
                  ) -> tuple[list[RawChapter], list[Link], str]:
    chapters: list[RawChapter] = []
    links: list[Link] = []
    notes: list[str] = []
    for label, _, body in sections:
        upper = label.upper()
        if any(word in upper for word in ("TIMESTAMP", "CHAPTER", "TIME STAMP")):
            rest = _chapters(body, chapters)
            kind = "notes" if rest else None
            body = rest
        elif any(word in upper for word in ("LINK", "RESOURCE", "MENTIONED")):
            body = _links(body, links, repairs)
            kind = "notes" if body else None
        else:
            kind = "social" if _social_base(upper) else "notes"
        if kind is None:
            continue
        if label:
            notes.append(f"### {escape_markdown(_title_case(label))}")
        notes.extend(_social(body, _social_base(upper)) if kind == "social"
                     else [escape_markdown(clean_text(line)) for _, line in body])
    return chapters, links, "\n\n".join(n for n in notes if n)


def _chapters(body: list[tuple[int, str]], chapters: list[RawChapter]) -> list[tuple[int, str]]:
    rest = []
    for number, line in body:
        chapter = chapter_line(line, number)
        if chapter is None:
            rest.append((number, line))
        else:
            chapters.append(chapter)
    return rest


def _links(body: list[tuple[int, str]], links: list[Link],
           repairs: list[Repair]) -> list[tuple[int, str]]:
    rest = []
    for number, line in body:
        match = LINK_LINE.match(clean_text(line))
        if not match:
            rest.append((number, line))
            continue
        url = match["url"]
        if not re.match(r"https?://", url):
            url = "https://" + url
            repairs.append(Repair(number, "link", f"{match['url']!r} has no scheme; "
                                  f"written as {url}"))
        try:
            url = schema.link_url(url)
        except schema.Invalid:
            rest.append((number, line))
            continue
        links.append(Link((match["title"] or match["url"])[:300], url))
    return rest


def _social_base(label: str) -> str | None:
    return next((base for word, base in SOCIAL_SITES if word in label), None)


def _social(body: list[tuple[int, str]], base: str | None) -> list[str]:
    items = []
    for _, line in body:
        match = HANDLE.match(clean_text(line))
        if match and base:
            rest = f" {escape_markdown(match['rest'])}" if match["rest"] else ""
            items.append(f"- [@{match['handle']}]({base}{match['handle']}){rest}")
        else:
            items.append(f"- {escape_markdown(clean_text(line))}")
    return ["\n".join(items)] if items else []


def _title_case(label: str) -> str:
    return label.title() if label.isupper() else label


def escape_markdown(line: str) -> str:
    """Plain text as one Markdown paragraph: what would start a block is escaped."""
    if re.match(r"^(?:#|>|[-+*=_]{3,}$|[-+*](?:\s|$)|`{3}|~{3}|\|)", line):
        return "\\" + line
    return line


def _shorten(text: str) -> str:
    if len(text) <= MAX_SUMMARY:
        return text
    cut = text[:MAX_SUMMARY - 1].rsplit(" ", 1)[0]
    return cut + "\u2026"
