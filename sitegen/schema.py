"""A small declarative schema: every problem collected, unknown keys warned.

Used for site.yaml and episode front matter alike. A field validates one value
and returns it converted, or raises `Invalid` with what is wrong and how to fix
it; `validate_mapping` runs all fields and reports each problem with its line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from sitegen.errors import Problems
from sitegen.yamlsafe import LineDict


class Invalid(ValueError):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


Check = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    check: Check
    required: bool = False
    default: Any = None
    doc: str = ""


def validate_mapping(data: Any, fields: dict[str, Field], problems: Problems, path: Path,
                     line_offset: int = 0, what: str = "file") -> dict[str, Any]:
    """Check `data` against `fields`; returns converted values (defaults filled in)."""
    if data is None:
        data = LineDict()
    if not isinstance(data, dict):
        problems.error(f"the {what} must be a mapping of keys to values", path,
                       line_offset + (getattr(data, "line", 0) or 1))
        return {name: f.default for name, f in fields.items()}
    lines = data.key_lines if isinstance(data, LineDict) else {}
    result: dict[str, Any] = {}
    for key in data:
        if key not in fields:
            close = _closest(str(key), fields)
            problems.warning(f"unknown key {key!r} is ignored", path,
                             line_offset + lines.get(key, 0) or None,
                             f"did you mean {close!r}?" if close else None)
    for name, spec in fields.items():
        if name not in data or data[name] is None:
            if spec.required:
                where = lines.get(name) or getattr(data, "line", 0) or 1
                problems.error(f"missing required key {name!r}", path, line_offset + where,
                               f"add `{name}:` ({spec.doc})" if spec.doc else None)
            result[name] = spec.default
            continue
        try:
            result[name] = spec.check(data[name])
        except Invalid as exc:
            problems.error(f"{name}: {exc}", path, line_offset + lines.get(name, 0) or None,
                           exc.hint)
            result[name] = spec.default
    return result


def _closest(key: str, fields: dict[str, Field]) -> str | None:
    import difflib
    matches = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.75)
    return matches[0] if matches else None


# ---- checks -------------------------------------------------------------------------

def text(max_len: int = 10_000, allow_empty: bool = False) -> Check:
    def check(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise Invalid(f"expected text, got {type(value).__name__}")
        result = str(value).strip()
        if not result and not allow_empty:
            raise Invalid("must not be empty")
        if len(result) > max_len:
            raise Invalid(f"longer than {max_len} characters")
        if "\x00" in result:
            raise Invalid("contains a NUL character")
        return result
    return check


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("yes", "no", "true", "false"):
        return value.lower() in ("yes", "true")
    raise Invalid(f"expected true or false, got {value!r}")


def integer(minimum: int = 0, maximum: int = 1_000_000) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {value!r}")
        if not minimum <= value <= maximum:
            raise Invalid(f"must be between {minimum} and {maximum}")
        return value
    return check


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str:
        if value not in choices:
            raise Invalid(f"must be one of {', '.join(choices)}; got {value!r}")
        return value
    return check


SAFE_SCHEMES = ("http", "https", "mailto")


def url(value: Any, schemes: tuple[str, ...] = ("http", "https")) -> str:
    result = text(2000)(value)
    parts = urlsplit(result)
    if parts.scheme.lower() not in schemes or (parts.scheme in ("http", "https")
                                               and not parts.netloc):
        raise Invalid(f"{result!r} is not an absolute {'/'.join(schemes)} URL",
                      "write the full address, e.g. https://example.com/page")
    if re.search(r"[\s<>\"']", result):
        raise Invalid(f"{result!r} contains spaces, quotes or angle brackets",
                      "percent-encode them (%20, %22, ...)")
    return result


def link_url(value: Any) -> str:
    """A link in content: http(s) or mailto only; `javascript:` and `data:` refused."""
    return url(value, SAFE_SCHEMES)


def email(value: Any) -> str:
    result = text(254)(value)
    if not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", result):
        raise Invalid(f"{result!r} is not an email address")
    return result


HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def color(value: Any) -> str:
    result = text(20)(value)
    if not HEX_COLOR.match(result):
        raise Invalid(f"{result!r} is not a colour", "write it as #rrggbb, e.g. #1a6b3c")
    return result.lower()


def mapping(value: Any) -> dict:
    if not isinstance(value, dict):
        raise Invalid("expected a mapping (key: value lines)")
    return value


def list_of(item: Check, max_items: int = 10_000) -> Check:
    def check(value: Any) -> tuple:
        if isinstance(value, (str, dict)) or not isinstance(value, list):
            value = [value]
        if len(value) > max_items:
            raise Invalid(f"more than {max_items} entries")
        results, failures = [], []
        for index, entry in enumerate(value, 1):
            try:
                results.append(item(entry))
            except Invalid as exc:
                failures.append((index, exc))
        if len(value) == 1 and failures:
            raise failures[0][1]
        if failures:  # every bad entry at once, not only the first
            hints = [exc.hint for _, exc in failures if exc.hint]
            raise Invalid("; ".join(f"entry {i}: {exc}" for i, exc in failures),
                          hints[0] if hints else None)
        return tuple(results)
    return check


def datetime_value(value: Any) -> datetime:
    """A date or date-time: `2026-03-04`, `2026-03-04 09:00`, ISO 8601 with offset."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raw = text(40)(value)
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{raw!r} is not a date",
                      "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM") from None
