"""Per-episode transcript files (VTT, SRT, JSON, HTML) and chapters.json.

Every format is made from the same cues, so a caption shown by one app starts and
ends where it does in every other. A cue is at most two lines of at most 65
characters; long turns become several cues whose times share out the turn's span
(from its start to the next turn, or to the end of the audio) by length of text.

What a turn gives the files apart from its cues' times (its cues as each format
writes them, its part of the HTML transcript) depends on its words, speaker and
start alone, and is kept for the last few thousand turns (`turn_pieces`): after an
edit to one turn, rebuilding the episode splits and formats that turn alone.
"""
from __future__ import annotations

import html
import json
import logging
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, NamedTuple

from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.markdown import markdown
from sitegen.render.pages import episode_url
from sitegen.timecodes import format_clock, format_cue_millis, format_seconds

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
_MARKUP_CHARACTER = re.compile(r"[*_`\[\]\\~&<]")
# Whitespace that str.split() splits at, but for the space (none is above U+3000).
_OTHER_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c != " ")
_MARKUP_OR_SPACE = re.compile(f"[*_`\\[\\]\\\\~&<{_OTHER_SPACES}]")
_URL = re.compile(r"https?://")
# Spreading a long sentence over cues: how far past the average a cue may run.
BALANCE_SLACK = 8
# Turns whose pieces are kept (about 3.5 KB a turn of 440 characters, 7 MB in all):
# the turns of a dozen hour-long episodes, so a dev server's edited episode stays in.
TURNS_KEPT = 2048


class Cue(NamedTuple):
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
    if _MARKUP_OR_SPACE.search(paragraph) is None and "://" not in paragraph \
            and "  " not in paragraph and paragraph[:1] != " " and paragraph[-1:] != " ":
        return paragraph   # plain words, one space between them: most paragraphs
    if _MARKUP_CHARACTER.search(paragraph) or _URL.search(paragraph):
        return _inline_markdown_text(paragraph)
    return " ".join(paragraph.split())


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


def first_line_width(name: str) -> int:
    """Room on a cue's first line beside the speaker's voice tag."""
    return max(MIN_FIRST_LINE, MAX_LINE - len(voice_tag(name)))


def text_width(text: str) -> int:
    """Characters `text` takes in a VTT file, where & < > are written as entities."""
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


@lru_cache(maxsize=None)
def _word_after_space_wider_than(width: int) -> re.Pattern[str]:
    return re.compile(f" [^ ]{{{width + 1}}}")


def _has_word_wider_than(words: str, width: int) -> bool:
    """Whether one of the words (one space between them) is over `width` long."""
    first = words.find(" ")
    return (first if first >= 0 else len(words)) > width \
        or _word_after_space_wider_than(width).search(words) is not None


def _written(words: str, width: int) -> str:
    """Words (one space between them) as written in a VTT cue: a word wider than
    `width` cut so every line can fit, & < > as entities."""
    escaped = "&" in words or "<" in words or ">" in words
    if escaped or _has_word_wider_than(words, width):
        words = " ".join(_cut_words(words.split(), text_width if escaped else len, width))
    return _vtt_escape(words) if escaped else words


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
# line break is one `rfind` instead of a loop over words. A cue is a Span
# (start, cut, end): its first line is [start, cut), its second (cut, end) after the
# space at `cut`; a cue of one line has cut == end.
Span = tuple[int, int, int]


def _span(text: str, start: int, limit: int, first_width: int, budget: int | None = None
          ) -> Span:
    """One cue filled greedily from `start`; with `budget`, the cue also holds no more
    than `budget` characters (but always its first word)."""
    if budget is not None and limit - start > budget:
        cut = text.rfind(" ", start, start + budget + 1)
        if cut <= start:   # the first word alone is over budget
            cut = text.find(" ", start, limit)
        limit = limit if cut < 0 else cut
    if limit - start <= first_width:
        return start, limit, limit
    # the first line ends at its last space within reach; words are never wider
    cut = text.rfind(" ", start, start + first_width + 1)
    if limit - cut - 1 <= MAX_LINE:
        return start, cut, limit
    return start, cut, text.rfind(" ", cut + 1, cut + MAX_LINE + 2)


def _fill(text: str, start: int, end: int, first_width: int,
          budget: int | None = None) -> list[Span]:
    """[start, end) of the text as cues, filling lines greedily."""
    spans: list[Span] = []
    while True:
        spans.append(_span(text, start, end, first_width, budget))
        reached = spans[-1][2]
        if reached >= end:
            return spans
        start = reached + 1


def _balanced(text: str, start: int, end: int, first_width: int) -> list[Span]:
    """A sentence too long for one cue, spread evenly over as many cues as greedy
    filling needs, so it does not end in a cue of one or two words."""
    greedy = _fill(text, start, end, first_width)
    if len(greedy) < 2:
        return greedy
    budget = -(-(end - start) // len(greedy)) + BALANCE_SLACK
    even = _fill(text, start, end, first_width, budget)
    return even if len(even) == len(greedy) else greedy


def _spans(text: str, first_width: int) -> list[Span]:
    """The cues of the text: whole sentences gathered while they fit in one cue, and
    each sentence longer than a cue spread over several."""
    length = len(text)
    ends = list(map(re.Match.end, _SENTENCE_END.finditer(text)))
    if not ends or ends[-1] != length:
        ends.append(length)
    spans: list[Span] = []
    start, index = 0, 0
    while index < len(ends):
        # Greedy filling never moves a break for words that come later, so every
        # sentence ending within the cue filled from `start` fits in it.
        _, cut, reach = _span(text, start, length, first_width)
        fits = bisect_right(ends, reach, index)
        if fits > index:
            end = ends[fits - 1]
            spans.append((start, cut, end) if cut < end else (start, end, end))
            index = fits
        else:
            end = ends[index]
            spans += _balanced(text, start, end, first_width)
            index += 1
        start = end + 1
    return spans


def _unescape(line: str) -> str:
    return line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _cue_lines(text: str, spans: list[Span]) -> list[str]:
    """Each cue's lines, one under the other."""
    return [text[start:end] if cut == end else f"{text[start:cut]}\n{text[cut + 1:end]}"
            for start, cut, end in spans]


def split_lines(text: str, first_width: int) -> list[tuple[str, ...]]:
    """`text` as cues of at most two lines; each cue's first line is `first_width` wide
    (room for a speaker label), the second MAX_LINE, counted as written in VTT.

    Cues hold whole sentences where they can; a sentence longer than a cue is spread
    evenly over several."""
    _, _, cues = _split(" ".join(text.split()), first_width)
    return [tuple(cue.split("\n")) for cue in cues]


def _split(words: str, width: int) -> tuple[list[Span], list[str], list[str]]:
    """Words (one space between them) as cues: their spans in the text as written in
    VTT, their lines there (escaped) and their lines as they are."""
    written = _written(words, width)
    if not written:
        return [], [], []
    spans = _spans(written, width)
    vtt_cues = _cue_lines(written, spans)
    # & < > written as entities in VTT: the other files have them as they are
    return spans, vtt_cues, list(map(_unescape, vtt_cues)) if "&" in written else vtt_cues


class TurnPieces(NamedTuple):
    """What a turn gives the transcript files, apart from its cues' times."""
    words: str                # the spoken words (turn_plain_text)
    weights: tuple[int, ...]  # each cue's characters: its share of the turn's time
    vtt: tuple[str, ...]      # each cue's lines in VTT (escaped), one under the other
    srt: tuple[str, ...]      # each cue's lines as they are (the same tuple if alike)
    json: tuple[str, ...]     # each cue's words as a JSON string
    html: str                 # the turn in the HTML transcript


_JSON_STRING = json.JSONEncoder(ensure_ascii=False).encode


@lru_cache(maxsize=TURNS_KEPT)
def turn_pieces(paragraphs: tuple[str, ...], name: str, start: float) -> TurnPieces:
    """The turn of `name` starting at `start` with these paragraphs, made ready for
    every file; kept, as any of the three changes the key."""
    texts = [text for text in map(inline_text, paragraphs) if text]
    words = " ".join(texts)
    html_turn = "\n".join([_html_turn_heading(name, start),
                           *(f"<p>{html.escape(text)}</p>" for text in texts)])
    if not words:
        return TurnPieces(words, (), (), (), (), html_turn)
    spans, vtt_cues, srt_cues = _split(words, first_line_width(name))
    # a cue of two lines has a line break for the space between them
    weights = tuple(len(lines) - (cut != end) for lines, (_, cut, end) in zip(srt_cues, spans))
    json_cues = tuple(_JSON_STRING(lines.replace("\n", " ")) for lines in srt_cues)
    vtt_lines = tuple(vtt_cues)
    srt_lines = vtt_lines if srt_cues is vtt_cues else tuple(srt_cues)
    return TurnPieces(words, weights, vtt_lines, srt_lines, json_cues, html_turn)


@lru_cache(maxsize=4096)
def _html_turn_heading(name: str, start: float) -> str:
    return (f"<cite>{html.escape(name)}:</cite>\n"
            f'<time datetime="{html_duration(start)}">{format_clock(start)}</time>')


@dataclass(frozen=True)
class CueTrack:
    """The cues of an episode, in the order of the turns, one list an attribute (an
    hour of speech makes about 900 cues); times in milliseconds."""
    starts: list[int]
    ends: list[int]
    speakers: list[str]     # the speaker's display name
    turns: list[int]        # index of the turn the cue belongs to
    vtt: list[str]          # as in TurnPieces
    srt: list[str]
    json: list[str]

    def __len__(self) -> int:
        return len(self.starts)

    def __iter__(self) -> Iterator[Cue]:
        previous = None
        for start, end, speaker, turn, lines in zip(self.starts, self.ends, self.speakers,
                                                     self.turns, self.srt):
            yield Cue(start / 1000, end / 1000, speaker, tuple(lines.split("\n")), turn,
                      turn != previous)
            previous = turn


def _share_out(start_ms: int, end_ms: int, weights: list[int]) -> list[int]:
    """Split [start, end) into consecutive spans proportional to `weights`, each >= 1 ms:
    their bounds, the first `start` and the last `end` (or later, to make room)."""
    count = len(weights)
    if end_ms - start_ms < count:
        end_ms = start_ms + count
    total = sum(weights) or count
    length = end_ms - start_ms
    bounds = [start_ms]
    point = start_ms
    running = 0
    for index, weight in enumerate(weights[:-1], 1):
        running += weight
        low, high = point + 1, end_ms - (count - index)
        point = start_ms + round(length * running / total)
        # keep every span at least 1 ms, leaving room for the spans still to come
        if point < low:
            point = low
        if point > high:
            point = high
        bounds.append(point)
    bounds.append(end_ms)
    return bounds


def _turn_span(episode: Episode, index: int, words: Callable[[], str]) -> tuple[int, int]:
    start = episode.turns[index].start
    end = episode.turn_end(index)
    if end <= start:  # turns out of order (reported by the loader): estimate speaking time
        end = start + max(1.0, len(words().split()) / 2.5)
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


def episode_turn_pieces(episode: Episode) -> list[TurnPieces]:
    """Every turn's pieces, from those kept where the turn is unchanged."""
    by_id = {speaker.id: speaker.name for speaker in episode.speakers}
    return [turn_pieces(turn.paragraphs, by_id[turn.speaker_id], turn.start)
            for turn in episode.turns]


def episode_cues(episode: Episode, pieces: list[TurnPieces] | None = None) -> CueTrack:
    """The captions of an episode, in the order of the turns (`pieces`: its turns'
    pieces, if the caller has them).

    Turns written with the same timestamp (common in real transcripts) share the span
    up to the next timestamp in order, so their cues follow each other instead of
    having no duration."""
    pieces = episode_turn_pieces(episode) if pieces is None else pieces
    by_id = {speaker.id: speaker.name for speaker in episode.speakers}
    track = CueTrack([], [], [], [], [], [], [])
    for run in _same_start_runs(episode):
        weights = [weight for index in run for weight in pieces[index].weights]
        if not weights:
            continue
        start_ms, end_ms = _turn_span(episode, run[-1],
                                      lambda: " ".join(pieces[i].words for i in run))
        bounds = _share_out(start_ms, end_ms, weights)
        track.starts.extend(bounds[:-1])
        track.ends.extend(bounds[1:])
        for index in run:
            turn = pieces[index]
            count = len(turn.weights)
            track.speakers.extend([by_id[episode.turns[index].speaker_id]] * count)
            track.turns.extend([index] * count)
            track.vtt.extend(turn.vtt)
            track.srt.extend(turn.srt)
            track.json.extend(turn.json)
    return track


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _stamps(cues: CueTrack, stamp: Callable[[int], str]) -> tuple[list[str], list[str]]:
    """Each cue's start and end through `stamp`; a cue starting where the last one
    ended reuses its stamp."""
    ends = list(map(stamp, cues.ends))
    starts = [last_stamp if start == last_end else stamp(start)
              for start, last_end, last_stamp in zip(cues.starts, [None, *cues.ends],
                                                      ["", *ends])]
    return starts, ends


def _timings(cues: CueTrack) -> list[str]:
    """Each cue's `start --> end` as VTT writes it (SRT has a comma for the dot)."""
    return [f"{start} --> {end}" for start, end in zip(*_stamps(cues, format_cue_millis))]


def vtt(cues: CueTrack, timings: list[str] | None = None) -> str:
    """WebVTT with a voice tag on every cue, so any cue shown alone names its speaker."""
    timings = _timings(cues) if timings is None else timings
    tags = {name: voice_tag(name) for name in set(cues.speakers)}
    blocks = [f"{timing}\n{tags[name]}{text}"
              for timing, name, text in zip(timings, cues.speakers, cues.vtt)]
    return "\n\n".join(["WEBVTT", *blocks]) + "\n"


def srt(cues: CueTrack, timings: list[str] | None = None) -> str:
    """SubRip: numbered cues, `Name:` where the speaker changes."""
    timings = _timings(cues) if timings is None else timings
    speakers = cues.speakers
    labels = [f"{name}: " if index == 0 or speakers[index - 1] != name else ""
              for index, name in enumerate(speakers)]
    blocks = [f"{number}\n{timing.replace('.', ',')}\n{label}{text}"
              for number, timing, label, text in zip(range(1, len(cues) + 1), timings,
                                                     labels, cues.srt)]
    return "\n\n".join(blocks) + "\n"


def _seconds(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if float(rounded).is_integer() else rounded


def _seconds_millis(millis: int) -> str:
    """`_seconds(millis / 1000)` as JSON writes it: `75`, `75.5`."""
    return str(millis // 1000) if millis % 1000 == 0 else repr(millis / 1000)


def transcript_json(cues: CueTrack) -> str:
    """Podcasting 2.0 JSON transcript: one segment per cue."""
    # One segment a line, as json.dumps would write it, with every string through
    # the C encoder once.
    speakers = {name: _JSON_STRING(name) for name in set(cues.speakers)}
    segments = ",\n".join([
        f'{{"speaker": {speakers[speaker]}, "startTime": {start}, "endTime": {end}, '
        f'"body": {body}}}'
        for speaker, start, end, body in zip(cues.speakers, *_stamps(cues, _seconds_millis),
                                             cues.json)])
    return f'{{"version": "1.0.0", "segments": [\n{segments}\n]}}\n'


def html_duration(seconds: float) -> str:
    """`PT1H4M44S`: the machine-readable form `<time datetime>` needs for `1:04:44`."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = format_seconds(rest / 1000)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") \
        + f"{secs}S"


def transcript_html(site: Site, episode: Episode,
                    pieces: list[TurnPieces] | None = None) -> str:
    """`<cite>`, `<time>` and `<p>` per turn, as the Podcasting 2.0 HTML transcript."""
    pieces = episode_turn_pieces(episode) if pieces is None else pieces
    esc = html.escape
    parts = ["<!DOCTYPE html>", f'<html lang="{esc(site.config.language)}">',
             '<head><meta charset="utf-8">',
             f"<title>Transcript: {esc(episode.title)} ({esc(site.config.title)})</title>"
             "</head>", "<body>", f"<h1>{esc(episode.title)}</h1>",
             *(turn.html for turn in pieces), "</body>", "</html>"]
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
        pieces = episode_turn_pieces(episode)
        cues = episode_cues(episode, pieces)
        timings = _timings(cues) if {"vtt", "srt"} & set(formats) else []
        writers = {"vtt": lambda: vtt(cues, timings), "srt": lambda: srt(cues, timings),
                   "json": lambda: transcript_json(cues),
                   "html": lambda: transcript_html(site, episode, pieces)}
        for fmt in formats:
            staging.write(transcript_path(episode, fmt), writers[fmt](), group=group)
