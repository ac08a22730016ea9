"""What every importer shares: the raw pieces it reads, the repairs it reports, the result."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.errors import SitegenError
from sitegen.model import Chapter, Link, Speaker, Turn

# C0/C1 controls other than tab and newline: invalid in XML feeds, useless in text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_NAME_JUNK = re.compile(r"^[\s:\\#>*\-_\[\](){}\"'`~|]+|[\s:\\#>*_\[\](){}\"'`~|]+$")
MAX_NAME = 80


class ImportFailed(SitegenError):
    """The file cannot be imported; `line` says where (1 for the whole file)."""

    def __init__(self, message: str, path: Path, line: int, hint: str | None = None):
        self.message, self.path, self.line, self.hint = message, path, line, hint
        text = f"{path}:{line}: {message}"
        super().__init__(text + (f"\n    hint: {hint}" if hint else ""))


@dataclass(frozen=True)
class Repair:
    """One change the importer made, or one thing it flags, at a source line."""
    line: int | None
    kind: str
    message: str

    def format(self, path: Path) -> str:
        where = f"{path}:{self.line}" if self.line else str(path)
        return f"{where}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class RawTurn:
    """A turn as the source writes it, before repairs: name and time as text."""
    speaker: str
    stamp: str | None
    paragraphs: tuple[str, ...]
    line: int
    start: float | None = None


@dataclass(frozen=True)
class RawChapter:
    stamp: str | None
    title: str
    line: int
    start: float | None = None
    url: str | None = None
    image: str | None = None
    toc: bool = True


@dataclass(frozen=True)
class Parsed:
    """What a format parser found, before the repairs shared by every format."""
    format: str
    turns: tuple[RawTurn, ...]
    chapters: tuple[RawChapter, ...] = ()
    title: str | None = None
    summary: str = ""
    notes: str = ""
    links: tuple[Link, ...] = ()
    repairs: tuple[Repair, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    source: Path
    format: str
    title: str | None
    summary: str
    notes: str
    speakers: tuple[Speaker, ...]
    turns: tuple[Turn, ...]
    chapters: tuple[Chapter, ...]
    links: tuple[Link, ...]
    repairs: tuple[Repair, ...]
    inherited: frozenset[str] = field(default_factory=frozenset)


def clean_text(text: str) -> str:
    """One line of text: control characters out, whitespace runs to one space."""
    return " ".join(_CONTROLS.sub("", text).split())


def clean_name(raw: str) -> str:
    """A speaker name the episode format can carry: no colons, at most 80 characters."""
    name = clean_text(raw.replace(":", " "))
    name = _NAME_JUNK.sub("", name)
    return _NAME_JUNK.sub("", name[:MAX_NAME])


def decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), newlines normalised; an undecodable byte is an error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportFailed(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", path, line,
                           "save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def line_of(text: str, offset: int) -> int:
    """The 1-based line of character `offset` in `text`."""
    return text.count("\n", 0, max(0, offset)) + 1
