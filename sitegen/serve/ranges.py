"""HTTP byte ranges (RFC 9110 section 14), the part audio seeking needs.

One range is answered with 206. Several ranges, or a header this parser does
not understand, are answered with the whole file (200), which the RFC allows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")


class Unsatisfiable(ValueError):
    """No byte of the range exists in the file: answered with 416."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int      # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single range asked for, None for the whole file; raises Unsatisfiable."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec or "," in spec:
        return None
    match = _SPEC.fullmatch(spec)
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # a suffix: the last N bytes
        count = int(last)
        if count == 0 or size == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(size - count, 0), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None  # syntactically invalid: ignore the header
    if start >= size:
        raise Unsatisfiable(header)
    end = int(last) if last else size - 1
    return ByteRange(start, min(end, size - 1))
