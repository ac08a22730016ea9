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
from bisect import bisect_right
from functools import lru_cache
from typing import Any, Callable, NamedTuple

from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.markdown import markdown
from sitegen.render.pages import episode_url
from sitegen.timecodes import format_clock, format_cue, format_seconds

log = logging.getLogger(__name__)

MAX_LINE = 65
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
# Spreading a long sentence over cues: how far past the average a cue may run.
BALANCE_SLACK = 8


class Cue(NamedTuple):   # a tuple: an hour of speech makes about 900 of them
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


@lru_cache(maxsize=None)
def _wider_than(width: int) -> re.Pattern[str]:
    return re.compile(f"[^ ]{{{width + 1}}}")


def _written(text: str, width: int) -> str:
    """`text` as written in a VTT cue: one space between words, a word wider than
    `width` cut so every line can fit, & < > as entities."""
    text = " ".join(text.split())
    escaped = _ESCAPED.search(text) is not None
    if escaped or _wider_than(width).search(text):
        text = " ".join(_cut_words(text.split(), text_width if escaped else len, width))
    return _vtt_escape(text) if escaped else text


def _cut_words(words: list[str], measure: Callable[[str], int], width: int) -> list[str]:
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


# A sentence ends at a word ending in . ! ? or …, perhaps followed by closing quotes.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?= |\Z)")

# The splitter below works on offsets into the text as written in VTT (one space
# between words, & < > as entities), so a line's width is its length and a greedy
# line break is one `rfind` instead of a loop over words.
Lines = list[tuple[int, int]]   # a cue: its lines, each a [start, end) range of the text


def _cue(text: str, start: int, limit: int, first_width: int, budget: int | None = None
         ) -> Lines:
    """The lines of one cue filled greedily from `start`; with `budget`, the cue also
    holds no more than `budget` characters (but always its first word)."""
    if budget is not None and limit - start > budget:
        cut = text.rfind(" ", start, start + budget + 1)
        if cut <= start:   # the first word alone is over budget
            cut = text.find(" ", start, limit)
        limit = limit if cut < 0 else cut
    if limit - start <= first_width:
        return [(start, limit)]
    # the first line ends at its last space within reach; words are never wider
    end = text.rfind(" ", start, start + first_width + 1)
    if limit - end - 1 <= MAX_LINE:
        return [(start, end), (end + 1, limit)]
    return [(start, end), (end + 1, text.rfind(" ", end + 1, end + MAX_LINE + 2))]


def _fill(text: str, start: int, end: int, first_width: int,
          budget: int | None = None) -> list[Lines]:
    """[start, end) of the text as cues, filling lines greedily."""
    cues: list[Lines] = []
    while True:
        cues.append(_cue(text, start, end, first_width, budget))
        reached = cues[-1][-1][1]
        if reached >= end:
            return cues
        start = reached + 1


def _balanced(text: str, start: int, end: int, first_width: int) -> list[Lines]:
    """A sentence too long for one cue, spread evenly over as many cues as greedy
    filling needs, so it does not end in a cue of one or two words."""
    greedy = _fill(text, start, end, first_width)
    if len(greedy) < 2:
        return greedy
    budget = -(-(end - start) // len(greedy)) + BALANCE_SLACK
    even = _fill(text, start, end, first_width, budget)
    return even if len(even) == len(greedy) else greedy


def _cues(text: str, first_width: int) -> list[Lines]:
    """The cues of the text: whole sentences gathered while they fit in one cue, and
    each sentence longer than a cue spread over several."""
    ends = [match.end() for match in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] != len(text):
        ends.append(len(text))
    cues: list[Lines] = []
    start, index = 0, 0
    while index < len(ends):
        # Greedy filling never moves a break for words that come later, so every
        # sentence ending within the cue filled from `start` fits in it.
        lines = _cue(text, start, len(text), first_width)
        fits = bisect_right(ends, lines[-1][1], index)
        if fits > index:
            end = ends[fits - 1]
            cues.append([(a, min(b, end)) for a, b in lines if a < end])
            index = fits
        else:
            end = ends[index]
            cues += _balanced(text, start, end, first_width)
            index += 1
        start = end + 1
    return cues


def _unescape(line: str) -> str:
    return line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_lines(text: str, first_width: int) -> list[tuple[str, ...]]:
    """`text` as cues of at most two lines; each cue's first line is `first_width` wide
    (room for a speaker label), the second MAX_LINE, counted as written in VTT.

    Cues hold whole sentences where they can; a sentence longer than a cue is spread
    evenly over several."""
    written = _written(text, first_width)
    if not written:
        return []
    escaped = "&" in written
    cues = [tuple(written[a:b] for a, b in lines) for lines in _cues(written, first_width)]
    return [tuple(map(_unescape, cue)) for cue in cues] if escaped else cues


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
    by_id = {speaker.id: speaker.name for speaker in episode.speakers}
    names = [by_id[turn.speaker_id] for turn in episode.turns]
    widths = {name: max(MIN_FIRST_LINE, MAX_LINE - len(voice_tag(name))) for name in by_id.values()}
    pieces = [split_lines(text, widths[name]) if text else []
              for text, name in zip(texts, names)]
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


def _timings(cues: list[Cue], separator: str) -> list[str]:
    """Each cue's `start --> end`; a cue starting where the last one ended reuses its stamp."""
    timings = []
    last_end, last_stamp = None, ""
    for cue in cues:
        start = last_stamp if cue.start == last_end else format_cue(cue.start, separator)
        last_end, last_stamp = cue.end, format_cue(cue.end, separator)
        timings.append(f"{start} --> {last_stamp}")
    return timings


def vtt(cues: list[Cue]) -> str:
    """WebVTT with a voice tag on every cue, so any cue shown alone names its speaker."""
    tags = {name: voice_tag(name) for name in {cue.speaker for cue in cues}}
    blocks = ["WEBVTT"]
    for cue, timing in zip(cues, _timings(cues, ".")):
        text = _vtt_escape("\n".join(cue.lines))
        blocks.append(f"{timing}\n{tags[cue.speaker]}{text}")
    return "\n\n".join(blocks) + "\n"


def srt(cues: list[Cue]) -> str:
    """SubRip: numbered cues, `Name:` where the speaker changes."""
    blocks = []
    previous = None
    for number, (cue, timing) in enumerate(zip(cues, _timings(cues, ",")), 1):
        label = f"{cue.speaker}: " if cue.speaker != previous else ""
        previous = cue.speaker
        blocks.append(f"{number}\n{timing}\n{label}" + "\n".join(cue.lines))
    return "\n\n".join(blocks) + "\n"


_JSON_STRING = json.JSONEncoder(ensure_ascii=False)


def _seconds(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if float(rounded).is_integer() else rounded


def transcript_json(cues: list[Cue]) -> str:
    """Podcasting 2.0 JSON transcript: one segment per cue."""
    # One segment a line, as json.dumps would write it, but with the strings alone
    # through the C encoder: a dumps() call per segment costs more than the rest.
    string = _JSON_STRING.encode
    speakers = {name: string(name) for name in {cue.speaker for cue in cues}}
    segments = ",\n".join(
        f'{{"speaker": {speakers[cue.speaker]}, "startTime": {_seconds(cue.start)}, '
        f'"endTime": {_seconds(cue.end)}, "body": {string(" ".join(cue.lines))}}}'
        for cue in cues)
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


def write_transcripts(site: Site, renderer: Renderer, staging: Staging,
                      part: slice = slice(None)) -> None:
    formats = site.config.transcript_formats
    for episode in site.episodes[part]:
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
