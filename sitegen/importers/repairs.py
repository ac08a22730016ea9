"""The repairs every format shares, each one reported with its source line.

Glued turns are split, repeated turns kept once, malformed timestamps read as
the best reading that fits between their neighbours (or dropped), backwards
times flagged, name variants unified, and speakers given a host/guest guess.
"""
from __future__ import annotations

import difflib
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence, TypeVar

from sitegen.importers.common import (
    ImportResult, Parsed, RawChapter, RawTurn, Repair, clean_name, clean_text)
from sitegen.model import Chapter, Speaker, Turn
from sitegen.slugs import slugify, unique
from sitegen.timecodes import TimestampError, format_hms as _hms, parse_timestamp

log = logging.getLogger(__name__)

# A timestamp as written in text transcripts, malformed ones included: `4:44`,
# `(00:03:450)`, `[1:04:44.250]`. The reader decides whether it is valid.
STAMP = r"[\[(]?\d{1,3}:\d{1,4}(?:[:.,]\d{1,4}){0,2}[\])]?"
MAX_SECONDS = 100 * 3600 - 0.001
SPEECH_RATE = 2.5  # words per second, for turns without a time
MAX_FUZZY_NAMES = 200
HOST_CUES = ("welcome to", "welcome back", "your host", "my co-host", "my cohost",
             "my guest", "our guest", "thanks for listening", "thank you for listening",
             "thank you for being", "thanks for being", "thanks for joining",
             "thank you for joining", "joining me", "thanks for coming on")
GUEST_CUES = ("for having me", "for inviting me", "to be here", "to be on the show",
              "thanks for the invite")

T = TypeVar("T", RawTurn, RawChapter)


def format_hms(seconds: float) -> str:
    """`00:04:44`, or `00:04:44.250` when there is a fraction: for messages."""
    millis = int(round(seconds * 1000)) % 1000
    return _hms(seconds) + (f".{millis:03d}" if millis else "")


def read_stamp(stamp: str) -> float | None:
    """Seconds for a valid timestamp, None for a malformed one."""
    try:
        seconds = parse_timestamp(stamp)
    except TimestampError:
        return None
    return round(seconds, 3) if 0 <= seconds <= MAX_SECONDS else None


def readings(stamp: str) -> list[float]:
    """Plausible readings of a malformed timestamp, most likely first.

    A group with a digit too many (`00:03:450`) loses its extra digit, last or
    first; `H:MM:SS:mmm` reads as `H:MM:SS.mmm`.
    """
    body = stamp.strip().strip("[]()")
    groups = re.split(r"([:.,])", body)
    numbers, seps = groups[0::2], groups[1::2]
    candidates: list[str] = []
    if len(numbers) == 4 and seps[:2] == [":", ":"]:
        candidates.append(":".join(numbers[:3]) + "." + numbers[3])
    for index, number in enumerate(numbers):
        if len(number) > 2 and not (index == len(numbers) - 1 and seps and seps[-1] in ".,"):
            for trimmed in (number[:2], number[-2:]):
                parts = numbers[:index] + [trimmed] + numbers[index + 1:]
                candidates.append("".join(p + s for p, s in zip(parts, seps + [""])))
    result: list[float] = []
    for candidate in candidates:
        seconds = read_stamp(candidate)
        if seconds is not None and seconds not in result:
            result.append(seconds)
    return result


def resolve_times(items: Sequence[T], what: str, repairs: list[Repair]) -> list[T]:
    """Read every stamp; a malformed one gets the first reading between its neighbours."""
    starts = [item.start if item.start is not None else
              (read_stamp(item.stamp) if item.stamp else None) for item in items]
    for index, start in enumerate(starts):
        if start is not None and not 0 <= start <= MAX_SECONDS:
            starts[index] = None
            repairs.append(Repair(items[index].line, "timestamp", f"time of {what} is past "
                                  "99:59:59; treated as missing"))
    result: list[T] = []
    for index, item in enumerate(items):
        start = starts[index]
        if start is None and item.stamp:
            start = _best_reading(item, starts, index, what, repairs)
        result.append(replace(item, start=start))
    return result


def _best_reading(item: RawTurn | RawChapter, starts: list[float | None], index: int,
                  what: str, repairs: list[Repair]) -> float | None:
    low = next((s for s in reversed(starts[:index]) if s is not None), 0.0)
    high = next((s for s in starts[index + 1:] if s is not None), MAX_SECONDS)
    fits = [s for s in readings(item.stamp or "") if low <= s <= high]
    bounds = f"between {format_hms(low)} and {format_hms(high)}" if high < MAX_SECONDS \
        else f"after {format_hms(low)}"
    if fits:
        starts[index] = fits[0]
        repairs.append(Repair(item.line, "timestamp", f"malformed timestamp {item.stamp!r} "
                              f"in {what}: read as {format_hms(fits[0])}, the reading that "
                              f"fits {bounds}; check it against the audio"))
        return fits[0]
    action = "the chapter is dropped" if what == "a chapter" else \
        "the turn gets an estimated time"
    repairs.append(Repair(item.line, "timestamp", f"malformed timestamp {item.stamp!r} in "
                          f"{what}: no reading fits {bounds}; {action}"))
    return None


# ---- glued turns ---------------------------------------------------------------------

def glued_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A turn head (`Name: 4:44`, `**Name:** [4:44]`) of a known name inside text."""
    alternatives = sorted({n for n in names if n}, key=len, reverse=True)
    if not alternatives:
        return None
    names_re = "|".join(re.escape(n) for n in alternatives)
    return re.compile(rf"(?:\*\*)?(?P<name>{names_re})(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*"
                      rf"(?P<ts>{STAMP})(?:[ \t]+|$)")


def split_glued(turns: Sequence[RawTurn], names: Iterable[str],
                repairs: list[Repair]) -> list[RawTurn]:
    """Turns written on one line (`...away. Osric Vale: 1:10 Thanks...`) split apart."""
    pattern = glued_pattern(names)
    if pattern is None:
        return list(turns)
    result: list[RawTurn] = []
    for turn in turns:
        pieces = _split_turn(turn, pattern)
        if len(pieces) > 1:
            repairs.append(Repair(turn.line, "glued", f"{len(pieces)} turns were glued onto "
                                  "one line; split apart"))
        result.extend(pieces)
    return result


def _split_turn(turn: RawTurn, pattern: re.Pattern[str]) -> list[RawTurn]:
    pieces: list[RawTurn] = []
    speaker, stamp = turn.speaker, turn.stamp
    current: list[str] = []
    for paragraph in turn.paragraphs:
        position = 0
        for match in pattern.finditer(paragraph):
            if match.start() == 0 or not paragraph[:match.start()].strip():
                continue
            current.append(paragraph[position:match.start()].strip())
            pieces.append(RawTurn(speaker, stamp, tuple(p for p in current if p), turn.line))
            speaker, stamp, current = match["name"], match["ts"], []
            position = match.end()
        current.append(paragraph[position:].strip())
    pieces.append(RawTurn(speaker, stamp, tuple(p for p in current if p), turn.line))
    return pieces


# ---- repeated turns ------------------------------------------------------------------

def _words(turn: RawTurn) -> list[str]:
    return re.findall(r"\w+", " ".join(turn.paragraphs).casefold())


def near_identical(a: list[str], b: list[str]) -> bool:
    if not a or not b:
        return a == b
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 5 and longer[:len(shorter)] == shorter:
        return True  # one is the other cut short
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 \
        and matcher.ratio() >= 0.8


def drop_repeats(turns: Sequence[RawTurn], repairs: list[Repair]) -> list[RawTurn]:
    """A turn repeated (same speaker, same time, near-identical text) kept once.

    The kept copy takes the place of the first and the text of the longer one,
    since a repeat is often the complete version of a cut-off first copy.
    """
    kept: list[RawTurn] = []
    by_key: dict[tuple[str, float], list[int]] = {}
    for turn in turns:
        if turn.start is None:
            kept.append(turn)
            continue
        key = (_key(turn.speaker), turn.start)
        words = _words(turn)
        match = next((i for i in by_key.get(key, ()) if near_identical(_words(kept[i]), words)),
                     None)
        if match is None:
            by_key.setdefault(key, []).append(len(kept))
            kept.append(turn)
            continue
        first = kept[match]
        longer = len(words) > len(_words(first))
        if longer:
            kept[match] = replace(first, paragraphs=turn.paragraphs)
        where = "the same line" if first.line == turn.line else f"line {first.line}"
        repairs.append(Repair(turn.line, "duplicate", f"turn of {turn.speaker} at "
                              f"{format_hms(turn.start)} repeats the one on {where}; kept "
                              f"once{' (with the longer text of this copy)' if longer else ''}"))
    return kept


# ---- times ---------------------------------------------------------------------------

def fill_missing(turns: Sequence[RawTurn], repairs: list[Repair]) -> list[RawTurn]:
    """Turns without a time get one estimated from word counts between known times."""
    missing = [i for i, t in enumerate(turns) if t.start is None]
    if not missing:
        return list(turns)
    result = list(turns)
    for index in missing:
        previous = result[index - 1] if index else None
        if previous is None or previous.start is None:
            start = 0.0
        else:
            start = previous.start + len(_words(previous)) / SPEECH_RATE
        following = next((t.start for t in turns[index + 1:] if t.start is not None), None)
        if following is not None and previous is not None and previous.start is not None:
            start = min(start, following)
        result[index] = replace(result[index], start=round(min(start, MAX_SECONDS), 3))
    lines = sorted({turns[i].line for i in missing})
    repairs.append(Repair(lines[0], "time", f"{len(missing)} turn(s) had no usable time "
                          f"(line{'s' * (len(lines) > 1)} {_ranges(lines)}); their times are "
                          f"estimated at {SPEECH_RATE} words a second: check them"))
    return result


def _ranges(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:10])
    return shown + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")


def flag_backwards(turns: Sequence[RawTurn], repairs: list[Repair]) -> None:
    for previous, turn in zip(turns, turns[1:]):
        if turn.start is not None and previous.start is not None \
                and turn.start < previous.start:
            repairs.append(Repair(turn.line, "backwards", f"turn of {turn.speaker} at "
                                  f"{format_hms(turn.start)} starts before the turn above it "
                                  f"({format_hms(previous.start)}, line {previous.line}); "
                                  "kept in file order: check the timestamps"))


def ordered_chapters(chapters: Sequence[RawChapter], repairs: list[Repair]) -> list[Chapter]:
    """Chapters with a time, each after the one before; others dropped and reported."""
    result: list[Chapter] = []
    for chapter in chapters:
        if chapter.start is None:
            continue
        if result and chapter.start <= result[-1].start:
            repairs.append(Repair(chapter.line, "backwards", f"chapter {chapter.title!r} at "
                                  f"{format_hms(chapter.start)} does not come after the one "
                                  f"above it ({format_hms(result[-1].start)}); dropped"))
            continue
        result.append(Chapter(chapter.start, chapter.title or f"Chapter {len(result) + 1}",
                              url=chapter.url, toc=chapter.toc, image=chapter.image))
    return result


# ---- speakers ------------------------------------------------------------------------

def _key(name: str) -> str:
    without = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name)
    return " ".join(re.findall(r"\w+", without.casefold()))


def unify_names(turns: Sequence[RawTurn], repairs: list[Repair]) -> list[RawTurn]:
    """Spellings of one person (`MARA QUINT`, `Mara`, `Mara Quint [host]`) unified."""
    counts: dict[str, dict[str, int]] = {}
    first_line: dict[str, int] = {}
    for turn in turns:
        spellings = counts.setdefault(_key(turn.speaker), {})
        spellings[turn.speaker] = spellings.get(turn.speaker, 0) + 1
        first_line.setdefault(turn.speaker, turn.line)
    canonical = {key: max(s, key=lambda n: (s[n], -first_line[n])) for key, s in counts.items()}
    merged = _merge_keys(counts)
    mapping: dict[str, str] = {}
    for key, spellings in counts.items():
        target = canonical[merged.get(key, key)]
        for spelling in spellings:
            mapping[spelling] = target
            if spelling != target:
                repairs.append(Repair(first_line[spelling], "speaker", f"speaker name "
                                      f"{spelling!r} unified with {target!r}"))
    return [replace(t, speaker=mapping[t.speaker]) for t in turns]


def _merge_keys(counts: dict[str, dict[str, int]]) -> dict[str, str]:
    """Keys that name someone else: a first name alone, or a near-identical spelling."""
    totals = {key: sum(s.values()) for key, s in counts.items()}
    keys = sorted(totals, key=lambda k: -totals[k])
    merged: dict[str, str] = {}
    if len(keys) > MAX_FUZZY_NAMES:  # not a cast list; comparing all pairs would crawl
        return merged
    for key in keys:
        if not key:
            continue
        fuller = [k for k in keys if k != key and len(k.split()) > len(key.split())
                  and k.split()[:len(key.split())] == key.split()]
        if len(fuller) == 1:
            merged[key] = fuller[0]
            continue
        for other in keys:
            if other == key or other in merged or totals[other] < totals[key]:
                continue
            if len(key) >= 5 and re.findall(r"\d+", key) == re.findall(r"\d+", other) \
                    and difflib.SequenceMatcher(None, key, other).ratio() >= 0.88:
                merged[key] = other
                break
    return {key: _final(key, merged) for key in merged}


def _final(key: str, merged: dict[str, str]) -> str:
    seen = {key}
    while key in merged and merged[key] not in seen:
        key = merged[key]
        seen.add(key)
    return key


def guess_role(texts: list[str]) -> tuple[str | None, str]:
    """`host`/`guest` from what a speaker says, with the phrase that decided it."""
    joined = " ".join(texts).casefold()
    host = [cue for cue in HOST_CUES if cue in joined]
    guest = [cue for cue in GUEST_CUES if cue in joined]
    if len(host) > len(guest):
        return "host", f"says {host[0]!r}"
    if len(guest) > len(host):
        return "guest", f"says {guest[0]!r}"
    return None, ""


def make_speakers(turns: Sequence[RawTurn], people: Sequence[Speaker],
                  repairs: list[Repair]) -> tuple[list[Speaker], dict[str, str], set[str]]:
    """Speakers in order of first turn, their ids by name, and ids inherited from site.yaml."""
    names: list[str] = []
    texts: dict[str, list[str]] = {}
    for turn in turns:
        if turn.speaker not in texts:
            names.append(turn.speaker)
            texts[turn.speaker] = []
        if len(texts[turn.speaker]) < 12:
            texts[turn.speaker].append(" ".join(turn.paragraphs))
    known = {_key(p.name): p for p in people} | {_key(p.id): p for p in people}
    roles = {name: guess_role(texts[name]) for name in names}
    if names and not any(role == "host" for role, _ in roles.values()):
        first = next((n for n in names if roles[n][0] is None), names[0])
        roles[first] = ("host", "speaks first and no one else sounds like the host")
    speakers, ids, inherited = [], {}, set()
    for name in names:
        person = known.get(_key(name))
        if person is not None and person.id not in ids.values():
            speakers.append(person)  # its site.yaml spelling is what the parser knows
            ids[name] = person.id
            inherited.add(person.id)
            repairs.append(Repair(None, "speaker", f"{name!r} is {person.id!r} from site.yaml "
                                  f"people ({person.role})"))
            continue
        role, why = roles[name]
        speaker_id = _speaker_id(name, names, set(ids.values()) | {p.id for p in people})
        speakers.append(Speaker(speaker_id, name, slugify(name, "speaker"), role or "guest"))
        ids[name] = speaker_id
        repairs.append(Repair(None, "speaker", f"added {name!r} as {role or 'guest'} "
                              f"({why or 'no cue either way'}); correct the role in the front "
                              "matter if the guess is wrong"))
    return speakers, ids, inherited


def _speaker_id(name: str, names: Iterable[str], taken: set[str]) -> str:
    """A slug id that is no other speaker's name, so transcript lines stay unambiguous."""
    blocked = set(taken) | {_parser_key(n) for n in names if n != name}
    return unique(slugify(name, "speaker"), blocked)


def _parser_key(name: str) -> str:
    return " ".join(name.split()).casefold()


# ---- the whole pass ------------------------------------------------------------------

def finish(parsed: Parsed, source: Path, people: Sequence[Speaker] = ()) -> ImportResult:
    """Run every repair on a format's raw turns and chapters; the ImportResult."""
    repairs = list(parsed.repairs)
    raw = [replace(t, speaker=clean_name(t.speaker) or "Speaker",
                   paragraphs=tuple(p for p in (clean_text(x) for x in t.paragraphs) if p))
           for t in parsed.turns]
    raw = resolve_times(raw, "a turn", repairs)
    raw = drop_repeats(raw, repairs)
    raw = unify_names(raw, repairs)
    raw = fill_missing(raw, repairs)
    flag_backwards(raw, repairs)
    raw = _drop_empty(raw, repairs)
    speakers, ids, inherited = make_speakers(raw, people, repairs)
    turns = tuple(Turn(ids[t.speaker], t.start or 0.0, t.paragraphs, t.line) for t in raw)
    chapters = resolve_times([replace(c, title=clean_text(c.title)) for c in parsed.chapters],
                             "a chapter", repairs)
    return ImportResult(
        source=source, format=parsed.format, title=parsed.title, summary=parsed.summary,
        notes=parsed.notes, speakers=tuple(speakers), turns=turns,
        chapters=tuple(ordered_chapters(chapters, repairs)), links=parsed.links,
        repairs=tuple(sorted(repairs, key=lambda r: (r.line is None, r.line or 0))),
        inherited=frozenset(inherited))


def _drop_empty(turns: list[RawTurn], repairs: list[Repair]) -> list[RawTurn]:
    kept = []
    for turn in turns:
        if turn.paragraphs:
            kept.append(turn)
        else:
            repairs.append(Repair(turn.line, "empty", f"turn of {turn.speaker} has no text; "
                                  "dropped"))
    return kept
