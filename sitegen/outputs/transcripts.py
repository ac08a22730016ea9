"""Per-episode transcript files (VTT, SRT, JSON, HTML) and chapters.json.

Every format is made from the same cues, so a caption shown by one app starts and
ends where it does in every other. A cue is at most two lines of at most 65
characters; long turns become several cues whose times share out the turn's span
(from its start to the next turn, or to the end of the audio) by length of text.
"""
from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.markdown import markdown
from sitegen.render.pages import episode_url
from sitegen.timecodes import format_clock, format_cue, format_seconds

log = logging.getLogger(__name__)

MAX_LINE = 65
MAX_LINES = 2
MIN_FIRST_LINE = 20

MIME_TYPES = {
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
    "json": "application/json",
    "html": "text/html",
}
CHAPTERS_MIME = "application/json+chapters"
_INLINE_MARKUP = re.compile(r"[*_`\[\]\\~&<]|https?://")
_ESCAPED = re.compile(r"[&<>]")
_SENTENCE_CHARS = frozenset(".!?…")
_CLOSERS = frozenset("\"'”’)]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# Spreading a long sentence over cues: how far past the average a cue may run.
BALANCE_SLACK = 8


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    speaker: str           # the speaker's display name
    lines: tuple[str, ...]
    turn: int              # index of the turn the cue belongs to
    first: bool            # the first cue of its turn

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def transcript_path(episode: Episode, fmt: str) -> str:
    return f"{episode_url(episode)}transcript.{fmt}"


def chapters_path(episode: Episode) -> str:
    return f"{episode_url(episode)}chapters.json"


def inline_text(paragraph: str) -> str:
    """A transcript paragraph as plain words. Paragraphs are Markdown *inline* text (the
    episode page renders them inline), so `1. ` or `- ` at the start stays as spoken."""
    if not _INLINE_MARKUP.search(paragraph):
        return " ".join(paragraph.split())
    return _inline_markdown_text(paragraph)


@lru_cache(maxsize=4096)
def _inline_markdown_text(paragraph: str) -> str:
    parts: list[str] = []
    for token in markdown(False).parseInline(paragraph):
        for child in token.children or ():
            if child.type in ("text", "code_inline", "image"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
    return " ".join("".join(parts).split())


def turn_plain_text(paragraphs: tuple[str, ...]) -> str:
    """The spoken words of a turn: inline Markdown removed, whitespace collapsed."""
    return " ".join(text for text in map(inline_text, paragraphs) if text)


def voice_tag(name: str) -> str:
    return f"<v {_vtt_escape(name)}>"


def text_width(text: str) -> int:
    """Characters `text` takes in a VTT file, where & < > are written as entities."""
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def _words(text: str, width: int) -> list[str]:
    """Words of `text`; a word wider than `width` is cut so every line can fit."""
    words = text.split()
    measure = text_width if _ESCAPED.search(text) else len
    if measure is len and max(map(len, words), default=0) <= width:
        return words
    result: list[str] = []
    for word in words:
        while measure(word) > width:
            cut = width
            while measure(word[:cut]) > width:
                cut -= 1
            result.append(word[:cut])
            word = word[cut:]
        if word:
            result.append(word)
    return result


def _sentences(words: list[str]) -> list[tuple[int, int]]:
    """(start, end) word indices of each sentence."""
    spans = []
    start = 0
    for index, word in enumerate(words):
        if word[-1] in _SENTENCE_CHARS or (word[-1] in _CLOSERS and _SENTENCE_END.search(word)):
            spans.append((start, index + 1))
            start = index + 1
    if start < len(words):
        spans.append((start, len(words)))
    return spans


def _advance(widths: list[int], start: int, end: int, lines_done: int, used: int,
             first_width: int) -> tuple[int, int] | None:
    """Put words [start, end) into a cue with `lines_done` full lines and `used`
    characters on the line being filled: the new (lines_done, used), or None when
    they would not all fit in the cue."""
    for index in range(start, end):
        width = widths[index]
        room = first_width if lines_done == 0 else MAX_LINE
        if used == 0:
            used = width
        elif used + 1 + width <= room:
            used += 1 + width
        else:
            lines_done += 1
            if lines_done == MAX_LINES:
                return None
            used = width
    return lines_done, used


Lines = list[tuple[int, int]]   # a cue: its lines, each a [start, end) range of words


def _fill(widths: list[int], start: int, end: int, first_width: int,
          budget: int | None = None) -> list[Lines]:
    """Words [start, end) as cues, filling lines greedily; with `budget`, a cue also
    ends before it would hold more than `budget` characters."""
    cues: list[Lines] = []
    lines: Lines = []
    line_start, used, total = start, widths[start], widths[start]
    for index in range(start + 1, end):
        width = widths[index]
        room = first_width if not lines else MAX_LINE
        if budget is not None and total + 1 + width > budget:
            cues.append(lines + [(line_start, index)])
            lines, line_start, used, total = [], index, width, width
        elif used + 1 + width <= room:
            used += 1 + width
            total += 1 + width
        elif len(lines) + 1 < MAX_LINES:
            lines.append((line_start, index))
            line_start, used, total = index, width, total + 1 + width
        else:
            cues.append(lines + [(line_start, index)])
            lines, line_start, used, total = [], index, width, width
    cues.append(lines + [(line_start, end)])
    return cues


def _balanced(widths: list[int], start: int, end: int, first_width: int) -> list[Lines]:
    """A sentence too long for one cue, spread evenly over as many cues as greedy
    filling needs, so it does not end in a cue of one or two words."""
    greedy = _fill(widths, start, end, first_width)
    if len(greedy) < 2:
        return greedy
    total = sum(widths[start:end]) + (end - start - 1)
    budget = -(-total // len(greedy)) + BALANCE_SLACK
    even = _fill(widths, start, end, first_width, budget)
    return even if len(even) == len(greedy) else greedy


def _blocks(widths: list[int], words: list[str], first_width: int) -> list[tuple[int, int]]:
    """Word ranges that become cues: whole sentences gathered while they fit in one
    cue, and each sentence longer than a cue on its own."""
    blocks: list[tuple[int, int]] = []
    block: int | None = None
    state: tuple[int, int] | None = None
    for start, end in _sentences(words):
        if block is not None and state is not None:
            state = _advance(widths, start, end, *state, first_width)
            if state is not None:
                continue
            blocks.append((block, start))
        block, state = start, _advance(widths, start, end, 0, 0, first_width)
        if state is None:
            blocks.append((start, end))
            block = None
    if block is not None:
        blocks.append((block, len(words)))
    return blocks


def split_lines(text: str, first_width: int) -> list[tuple[str, ...]]:
    """`text` as cues of at most two lines; each cue's first line is `first_width` wide
    (room for a speaker label), the second MAX_LINE, counted as written in VTT.

    Cues hold whole sentences where they can; a sentence longer than a cue is spread
    evenly over several."""
    words = _words(text, first_width)
    if not words:
        return []
    widths = [text_width(w) for w in words] if _ESCAPED.search(text) else list(map(len, words))
    cues: list[tuple[str, ...]] = []
    for start, end in _blocks(widths, words, first_width):
        for lines in _balanced(widths, start, end, first_width):
            cues.append(tuple(" ".join(words[a:b]) for a, b in lines))
    return cues


def _share_out(start_ms: int, end_ms: int, weights: list[int]) -> list[tuple[int, int]]:
    """Split [start, end) into consecutive spans proportional to `weights`, each >= 1 ms."""
    count = len(weights)
    if end_ms - start_ms < count:
        end_ms = start_ms + count
    total = sum(weights) or count
    bounds = [start_ms]
    running = 0
    for index, weight in enumerate(weights[:-1], 1):
        running += weight
        point = start_ms + round((end_ms - start_ms) * running / total)
        # keep every span at least 1 ms, leaving room for the spans still to come
        point = max(point, bounds[-1] + 1)
        point = min(point, end_ms - (count - index))
        bounds.append(point)
    bounds.append(end_ms)
    return list(zip(bounds, bounds[1:]))


def _turn_span(episode: Episode, index: int, text: str) -> tuple[int, int]:
    start = episode.turns[index].start
    end = episode.turn_end(index)
    if end <= start:  # turns out of order (reported by the loader): estimate speaking time
        end = start + max(1.0, len(text.split()) / 2.5)
    return round(start * 1000), round(end * 1000)


def _same_start_runs(episode: Episode) -> list[list[int]]:
    """Turn indices grouped where consecutive turns carry the same timestamp."""
    runs: list[list[int]] = []
    for index, turn in enumerate(episode.turns):
        if runs and episode.turns[runs[-1][-1]].start == turn.start:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def episode_cues(episode: Episode) -> list[Cue]:
    """The captions of an episode, in the order of the turns.

    Turns written with the same timestamp (common in real transcripts) share the span
    up to the next timestamp in order, so their cues follow each other instead of
    having no duration."""
    texts = [turn_plain_text(turn.paragraphs) for turn in episode.turns]
    names = [episode.speaker(turn.speaker_id).name for turn in episode.turns]
    pieces = [split_lines(text, max(MIN_FIRST_LINE, MAX_LINE - len(voice_tag(name))))
              if text else [] for text, name in zip(texts, names)]
    cues: list[Cue] = []
    for run in _same_start_runs(episode):
        weights = [sum(map(len, lines)) for i in run for lines in pieces[i]]
        if not weights:
            continue
        start_ms, end_ms = _turn_span(episode, run[-1], " ".join(texts[i] for i in run))
        spans = iter(_share_out(start_ms, end_ms, weights))
        for index in run:
            for number, lines in enumerate(pieces[index]):
                a, b = next(spans)
                cues.append(Cue(a / 1000, b / 1000, names[index], lines, index, number == 0))
    return cues


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt(cues: list[Cue]) -> str:
    """WebVTT with a voice tag on every cue, so any cue shown alone names its speaker."""
    blocks = ["WEBVTT"]
    for cue in cues:
        lines = [_vtt_escape(line) for line in cue.lines]
        lines[0] = voice_tag(cue.speaker) + lines[0]
        blocks.append(f"{format_cue(cue.start)} --> {format_cue(cue.end)}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def srt(cues: list[Cue]) -> str:
    """SubRip: numbered cues, `Name:` where the speaker changes."""
    blocks = []
    previous = None
    for number, cue in enumerate(cues, 1):
        lines = list(cue.lines)
        if cue.speaker != previous:
            lines[0] = f"{cue.speaker}: {lines[0]}"
        previous = cue.speaker
        blocks.append(f"{number}\n{format_cue(cue.start, ',')} --> {format_cue(cue.end, ',')}\n"
                      + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _seconds(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if float(rounded).is_integer() else rounded


def transcript_json(cues: list[Cue]) -> str:
    """Podcasting 2.0 JSON transcript: one segment per cue."""
    # one segment a line: readable, and json's fast C encoder (indent= would not use it)
    segments = ",\n".join(json.dumps(
        {"speaker": cue.speaker, "startTime": _seconds(cue.start),
         "endTime": _seconds(cue.end), "body": cue.text}, ensure_ascii=False) for cue in cues)
    return f'{{"version": "1.0.0", "segments": [\n{segments}\n]}}\n'


def html_duration(seconds: float) -> str:
    """`PT1H4M44S`: the machine-readable form `<time datetime>` needs for `1:04:44`."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = format_seconds(rest / 1000)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") \
        + f"{secs}S"


def transcript_html(site: Site, episode: Episode) -> str:
    """`<cite>`, `<time>` and `<p>` per turn, as the Podcasting 2.0 HTML transcript."""
    esc = html.escape
    parts = ["<!DOCTYPE html>", f'<html lang="{esc(site.config.language)}">',
             '<head><meta charset="utf-8">',
             f"<title>Transcript: {esc(episode.title)} ({esc(site.config.title)})</title>"
             "</head>", "<body>", f"<h1>{esc(episode.title)}</h1>"]
    for turn in episode.turns:
        parts.append(f"<cite>{esc(episode.speaker(turn.speaker_id).name)}:</cite>")
        parts.append(f'<time datetime="{html_duration(turn.start)}">'
                     f"{format_clock(turn.start)}</time>")
        parts += [f"<p>{esc(text)}</p>" for text in map(inline_text, turn.paragraphs) if text]
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _absolute(site: Site, ref: str) -> str:
    return ref if re.match(r"https?://", ref) else site.config.absolute_url(ref)


def chapters_json(site: Site, episode: Episode) -> str:
    """Podcasting 2.0 JSON chapters, version 1.2.0."""
    chapters: list[dict[str, Any]] = []
    for chapter in episode.chapters:
        entry: dict[str, Any] = {"startTime": _seconds(chapter.start), "title": chapter.title}
        if chapter.image:
            entry["img"] = _absolute(site, chapter.image)
        if chapter.url:
            entry["url"] = chapter.url
        if not chapter.toc:
            entry["toc"] = False
        chapters.append(entry)
    data = {"version": "1.2.0", "title": episode.title, "podcastName": site.config.title,
            "chapters": chapters}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def write_transcripts(site: Site, renderer: Renderer, staging: Staging) -> None:
    formats = site.config.transcript_formats
    for episode in site.episodes:
        # An episode's files depend on it and the site config (in staging's scope):
        # unchanged episodes keep theirs (see sitegen/cache.py).
        group = f"transcripts:{episode.slug}"
        key = staging.key(group, [episode, *formats])
        if staging.keep_group(group, key):
            continue
        staging.start_group(group, key)
        if episode.chapters:
            staging.write(chapters_path(episode), chapters_json(site, episode), group=group)
        if not episode.turns:
            continue
        cues = episode_cues(episode)
        writers = {"vtt": lambda: vtt(cues), "srt": lambda: srt(cues),
                   "json": lambda: transcript_json(cues),
                   "html": lambda: transcript_html(site, episode)}
        for fmt in formats:
            staging.write(transcript_path(episode, fmt), writers[fmt](), group=group)
