"""Timestamps as podcasters write them, read and written in one place.

Accepted: `4:44`, `04:44`, `1:04:44`, with optional `(...)` or `[...]` around
them and an optional fraction `.250` or `,250`. Anything else that looks like a
timestamp is malformed and reported, never guessed silently.
"""
from __future__ import annotations

import re

TIMESTAMP_PATTERN = r"[\[(]?\d{1,2}(?::\d{1,3}){1,2}(?:[.,]\d{1,3})?[\])]?"
_STRICT = re.compile(
    r"^(?P<open>[\[(]?)(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,2}):(?P<s>\d{2})"
    r"(?:[.,](?P<frac>\d{1,3}))?(?P<close>[\])]?)$")
_PAIRS = {"": "", "(": ")", "[": "]"}


class TimestampError(ValueError):
    """A timestamp that cannot be read; the message says why."""


def parse_timestamp(text: str) -> float:
    """Seconds for a timestamp string, or TimestampError saying what is wrong."""
    raw = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        return float(raw)
    match = _STRICT.match(raw)
    if not match or _PAIRS[match["open"]] != match["close"]:
        raise TimestampError(
            f"malformed timestamp {raw!r}: expected M:SS, MM:SS or H:MM:SS")
    hours = int(match["h"] or 0)
    minutes = int(match["m"])
    seconds = int(match["s"])
    if seconds >= 60:
        raise TimestampError(f"malformed timestamp {raw!r}: seconds must be below 60")
    if match["h"] is not None and minutes >= 60:
        raise TimestampError(f"malformed timestamp {raw!r}: minutes must be below 60")
    frac = match["frac"]
    fraction = int(frac) / (10 ** len(frac)) if frac else 0.0
    return hours * 3600 + minutes * 60 + seconds + fraction


def format_clock(seconds: float) -> str:
    """`4:44` or `1:04:44`: the form shown to listeners."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_hms(seconds: float) -> str:
    """`00:04:44`: fixed width, for chapters in show notes and the feed."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def format_cue(seconds: float, separator: str = ".") -> str:
    """`00:04:44.250` (WebVTT) or `00:04:44,250` (SRT with separator=',')."""
    return format_cue_millis(int(round(seconds * 1000)), separator)


def format_cue_millis(millis: int, separator: str = ".") -> str:
    """`format_cue` for a whole number of milliseconds: `00:04:44.250` for 284250."""
    seconds, millis = divmod(millis, 1000)
    return _fixed_clock(seconds) + separator + _MILLIS[millis]


def format_cue_millis_all(millis: list[int]) -> list[str]:
    """`format_cue_millis` of each (a transcript file's stamps, about 900 an hour)."""
    if not millis:
        return []
    if min(millis) < 0 or max(millis) >= CLOCKS_KEPT * 1000:
        return [format_cue_millis(value) for value in millis]
    clocks = _clocks(max(millis) // 1000)
    return [clocks[value // 1000] + _DOT_MILLIS[value % 1000] for value in millis]


_MILLIS = tuple(f"{millis:03d}" for millis in range(1000))
_DOT_MILLIS = tuple(f".{millis}" for millis in _MILLIS)

# A transcript file writes a stamp for every cue: the clock part is shared by the
# cues within a second and by every episode, so it is formatted once.
CLOCKS_KEPT = 1 << 15   # seconds: nine hours, about 2 MB of clocks at most
_CLOCKS: list[str] = []


def _clocks(last: int) -> list[str]:
    """`format_hms` of every second up to `last` (below CLOCKS_KEPT), by index."""
    if len(_CLOCKS) <= last:
        _CLOCKS.extend(map(format_hms, range(len(_CLOCKS), last + 1)))
    return _CLOCKS


def _fixed_clock(seconds: int) -> str:
    return _clocks(seconds)[seconds] if 0 <= seconds < CLOCKS_KEPT else format_hms(seconds)


def format_seconds(seconds: float) -> str:
    """`75` or `75.5`: the shortest exact form, for data attributes and `#t=`."""
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")
