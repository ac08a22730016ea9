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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, compress, islice, repeat
from operator import lt, ne
from typing import Any, Callable, NamedTuple

from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.markdown import markdown
from sitegen.render.pages import episode_url
from sitegen.timecodes import format_clock, format_cue_millis_all, format_seconds

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


@lru_cache(maxsize=256)
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
# line break is one `rfind` instead of a loop over words. Cues are written into a flat
# list of bounds, three a cue (start, cut, end): its first line is [start, cut), its
# second (cut, end) after the space at `cut`; a cue of one line has cut == end. Cues
# follow each other with one space between them.


def _cue_bounds(text: str, width: int) -> list[int]:
    """The cues of the text: whole sentences gathered while they fit in one cue, and
    each sentence longer than a cue spread over several. The first line of a cue is
    `width` wide, the second MAX_LINE; no word is wider than `width`."""
    length = len(text)
    ends = list(map(re.Match.end, _SENTENCE_END.finditer(text)))
    if not ends or ends[-1] != length:
        ends.append(length)
    bounds: list[int] = []
    rfind = text.rfind
    start = index = 0
    while True:
        if length - start <= width:   # the rest fits on one line
            bounds += (start, length, length)
            return bounds
        # The cue filled greedily from `start` reaches `reach`. Greedy filling never
        # moves a break for words that come later, so every sentence ending within
        # reach fits in it.
        cut = rfind(" ", start, start + width + 1)
        reach = length if length - cut - 1 <= MAX_LINE \
            else rfind(" ", cut + 1, cut + MAX_LINE + 2)
        fits = bisect_right(ends, reach, index)
        if fits > index:
            end = ends[fits - 1]
            bounds += (start, cut, end) if cut < end else (start, end, end)
            index = fits
        else:
            end = ends[index]
            _balanced(bounds, text, start, end, width)
            index += 1
        if end == length:
            return bounds
        start = end + 1


def _balanced(bounds: list[int], text: str, start: int, end: int, width: int) -> None:
    """A sentence too long for one cue, spread evenly over as many cues as greedy
    filling needs, so it does not end in a cue of one or two words."""
    greedy = _filled(text, start, end, width)
    count = len(greedy) // 3
    if count > 1:
        # (more cues than greedy filling: not taken, so not filled to the end)
        even = _filled(text, start, end, width, -(-(end - start) // count) + BALANCE_SLACK,
                       count + 1)
        if len(even) == len(greedy):
            bounds += even
            return
    bounds += greedy


def _filled(text: str, start: int, end: int, width: int, budget: int = 0,
            most: int = -1) -> list[int]:
    """[start, end) of the text as cues, filling lines greedily; with a `budget`, no
    cue holds more than `budget` characters (but always its first word). Stops after
    `most` cues (if given) without reaching `end`."""
    rfind = text.rfind
    bounds: list[int] = []
    while most:
        most -= 1
        limit = end
        if budget and end - start > budget:
            cut = rfind(" ", start, start + budget + 1)
            if cut <= start:   # the first word alone is over budget
                cut = text.find(" ", start, end)
            if cut >= 0:
                limit = cut
        if limit - start <= width:
            bounds += (start, limit, limit)
        else:
            cut = rfind(" ", start, start + width + 1)
            if limit - cut - 1 > MAX_LINE:
                limit = rfind(" ", cut + 1, cut + MAX_LINE + 2)
            bounds += (start, cut, limit)
        if limit >= end:
            break
        start = limit + 1
    return bounds


def _unescape(line: str) -> str:
    return line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_lines(text: str, first_width: int) -> list[tuple[str, ...]]:
    """`text` as cues of at most two lines; each cue's first line is `first_width` wide
    (room for a speaker label), the second MAX_LINE, counted as written in VTT.

    Cues hold whole sentences where they can; a sentence longer than a cue is spread
    evenly over several."""
    return [tuple(cue.split("\n")) for cue in _split(" ".join(text.split()), first_width).srt]


# A string as JSON writes it (ensure_ascii=False), and the characters it escapes
_JSON_STRING: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]
_JSON_ESCAPED = re.compile(r'[\x00-\x1f\\"]')


class Captions(NamedTuple):
    """Words (one space between them) as cues, each as every file writes it."""
    vtt: tuple[str, ...]      # its lines in VTT (escaped), one under the other
    srt: tuple[str, ...]      # its lines as they are (the same tuple if alike)
    bodies: tuple[str, ...]   # its words as written inside a JSON string
    weights: tuple[int, ...]  # its characters, the line break left out


def _split(words: str, width: int) -> Captions:
    written = _written(words, width)
    if not written:
        return Captions((), (), (), ())
    spans = list(zip(*[iter(_cue_bounds(written, width))] * 3))
    vtt_cues = tuple([written[start:end] if cut == end
                      else f"{written[start:cut]}\n{written[cut + 1:end]}"
                      for start, cut, end in spans])
    if "&" in written:   # & < > written as entities in VTT: the other files have them as they are
        srt_cues = tuple(map(_unescape, vtt_cues))
        bodies = [cue.replace("\n", " ") for cue in srt_cues]
        weights = tuple([len(cue) - ("\n" in cue) for cue in srt_cues])
    else:
        srt_cues = vtt_cues
        bodies = [written[start:end] for start, _, end in spans]
        weights = tuple([end - start - (cut < end) for start, cut, end in spans])
    if _JSON_ESCAPED.search(written):
        bodies = [_JSON_STRING(body)[1:-1] for body in bodies]
    return Captions(vtt_cues, srt_cues, tuple(bodies), weights)


class TurnPieces(NamedTuple):
    """What a turn gives the transcript files, apart from its cues' times."""
    words: str                # the spoken words (turn_plain_text)
    captions: Captions        # its cues
    html: str                 # the turn in the HTML transcript


@lru_cache(maxsize=TURNS_KEPT)
def turn_pieces(paragraphs: tuple[str, ...], name: str, start: float) -> TurnPieces:
    """The turn of `name` starting at `start` with these paragraphs, made ready for
    every file; kept, as any of the three changes the key."""
    texts = [text for text in map(inline_text, paragraphs) if text]
    words = " ".join(texts)
    html_turn = "\n".join([_html_turn_heading(name, start),
                           *(f"<p>{html.escape(text)}</p>" for text in texts)])
    return TurnPieces(words, _split(words, first_line_width(name)), html_turn)


def _html_turn_heading(name: str, start: float) -> str:
    return _html_cite(name) + _html_time(start)


@lru_cache(maxsize=256)
def _html_cite(name: str) -> str:
    return f"<cite>{html.escape(name)}:</cite>\n"


# Turn starts are mostly whole seconds within a few hours: the same few thousand
# values in every episode.
@lru_cache(maxsize=8192)
def _html_time(start: float) -> str:
    return f'<time datetime="{html_duration(start)}">{format_clock(start)}</time>'


@dataclass(frozen=True)
class CueTrack:
    """The cues of an episode, in the order of the turns, one list an attribute (an
    hour of speech makes about 900 cues); times in milliseconds."""
    starts: list[int]
    ends: list[int]
    speakers: list[str]     # the speaker's display name
    turns: list[int]        # index of the turn the cue belongs to
    vtt: list[str]          # as in Captions
    srt: list[str]
    bodies: list[str]

    def __len__(self) -> int:
        return len(self.starts)

    def __iter__(self) -> Iterator[Cue]:
        previous = None
        for start, end, speaker, turn, lines in zip(self.starts, self.ends, self.speakers,
                                                     self.turns, self.srt):
            yield Cue(start / 1000, end / 1000, speaker, tuple(lines.split("\n")), turn,
                      turn != previous)
            previous = turn


def _share_out(start_ms: int, end_ms: int, weights: Sequence[int]) -> list[int]:
    """Split [start, end) into consecutive spans proportional to `weights`, each >= 1 ms:
    their bounds, the first `start` and the last `end` (or later, to make room)."""
    count = len(weights)
    if end_ms - start_ms < count:
        end_ms = start_ms + count
    total = sum(weights) or count
    length = end_ms - start_ms
    points = [start_ms + round(length * running / total)
              for running in accumulate(weights[:-1])]
    # Strictly rising points inside (start, end) leave every later span room: no
    # point needs moving (the common case, checked without a loop in Python).
    if not points or (start_ms < points[0] and points[-1] < end_ms
                      and all(map(lt, points, islice(points, 1, None)))):
        return [start_ms, *points, end_ms]
    return _share_out_moving(start_ms, end_ms, weights)


def _share_out_moving(start_ms: int, end_ms: int, weights: Sequence[int]) -> list[int]:
    """`_share_out`, moving points to keep every span at least 1 ms long."""
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
    previous = None
    for index, turn in enumerate(episode.turns):
        if turn.start == previous:
            runs[-1].append(index)
        else:
            runs.append([index])
        previous = turn.start
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
        if len(run) == 1:
            weights: Sequence[int] = pieces[run[0]].captions.weights
        else:
            weights = [weight for index in run for weight in pieces[index].captions.weights]
        if not weights:
            continue
        start_ms, end_ms = _turn_span(episode, run[-1],
                                      lambda: " ".join(pieces[i].words for i in run))
        bounds = _share_out(start_ms, end_ms, weights)
        track.starts.extend(islice(bounds, len(bounds) - 1))
        track.ends.extend(islice(bounds, 1, None))
        for index in run:
            captions = pieces[index].captions
            count = len(captions.weights)
            track.speakers.extend(repeat(by_id[episode.turns[index].speaker_id], count))
            track.turns.extend(repeat(index, count))
            track.vtt.extend(captions.vtt)
            track.srt.extend(captions.srt)
            track.bodies.extend(captions.bodies)
    return track


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _stamps(cues: CueTrack, stamps: Callable[[list[int]], list[str]]
            ) -> tuple[list[str], list[str]]:
    """Each cue's start and end through `stamps`; a cue starting where the last one
    ended takes its stamp."""
    ends = stamps(cues.ends)
    if not ends:
        return [], []
    starts = [*stamps(cues.starts[:1]), *islice(ends, len(ends) - 1)]
    moved = list(compress(range(1, len(ends)), map(ne, islice(cues.starts, 1, None), cues.ends)))
    for index, stamp in zip(moved, stamps([cues.starts[index] for index in moved])):
        starts[index] = stamp
    return starts, ends


def _timings(cues: CueTrack) -> list[str]:
    """Each cue's `start --> end` as VTT writes it (SRT has a comma for the dot)."""
    return list(map(" --> ".join, zip(*_stamps(cues, format_cue_millis_all))))


def vtt(cues: CueTrack, timings: list[str] | None = None) -> str:
    """WebVTT with a voice tag on every cue, so any cue shown alone names its speaker."""
    timings = _timings(cues) if timings is None else timings
    tags = {name: f"\n{voice_tag(name)}" for name in set(cues.speakers)}
    return "".join(chain(
        ["WEBVTT"],
        chain.from_iterable(zip(repeat("\n\n"), timings, map(tags.__getitem__, cues.speakers),
                                cues.vtt)),
        ["\n"]))


def srt(cues: CueTrack, timings: list[str] | None = None) -> str:
    """SubRip: numbered cues, `Name:` where the speaker changes."""
    timings = _timings(cues) if timings is None else timings
    # the stamps have one dot each, and the text is not in this string
    srt_timings = "\n".join(timings).replace(".", ",").split("\n")
    return "".join(chain(
        chain.from_iterable(zip(_srt_numbers(len(cues)), srt_timings, repeat("\n"),
                                _labelled(cues))),
        ["\n"]))


def _labelled(cues: CueTrack) -> list[str]:
    """Each cue's SRT lines, `Name: ` before those of a cue whose speaker is not the
    last one's."""
    texts = list(cues.srt)
    speakers = cues.speakers
    changes = compress(range(1, len(speakers)), map(ne, islice(speakers, 1, None), speakers))
    for index in chain([0] if texts else [], changes):
        texts[index] = f"{speakers[index]}: {texts[index]}"
    return texts


# "1\n", then "\n\n2\n"...: each SRT cue's number and what comes before it
_SRT_NUMBERS = ["1\n"]


def _srt_numbers(count: int) -> list[str]:
    """At least `count` cue numbers as _SRT_NUMBERS has them."""
    if len(_SRT_NUMBERS) < count:
        _SRT_NUMBERS.extend(f"\n\n{number}\n"
                            for number in range(len(_SRT_NUMBERS) + 1, count + 1))
    return _SRT_NUMBERS


def _seconds(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if float(rounded).is_integer() else rounded


def _seconds_millis(millis: int) -> str:
    """`_seconds(millis / 1000)` as JSON writes it: `75`, `75.5`."""
    return str(millis // 1000) if millis % 1000 == 0 else repr(millis / 1000)


# ".5" for 500 ms: the decimals repr() writes for a whole number of milliseconds
_FRACTIONS = tuple(f".{millis:03d}".rstrip("0").rstrip(".") for millis in range(1000))
# Below this many milliseconds a float's repr is its seconds and _FRACTIONS: doubles are
# closer than 1 ms apart, and repr turns to an exponent only from 1e16.
_PLAIN_REPR_MILLIS = 10**15


def _seconds_millis_all(millis: list[int]) -> list[str]:
    """`_seconds_millis` of each."""
    if millis and (min(millis) < 0 or max(millis) >= _PLAIN_REPR_MILLIS):
        return list(map(_seconds_millis, millis))
    return [f"{value // 1000}{_FRACTIONS[value % 1000]}" for value in millis]


def transcript_json(cues: CueTrack) -> str:
    """Podcasting 2.0 JSON transcript: one segment per cue."""
    # One segment a line, as json.dumps would write it, with every string through
    # the C encoder once.
    heads = {name: f',\n{{"speaker": {_JSON_STRING(name)}, "startTime": '
             for name in set(cues.speakers)}
    segment_heads = list(map(heads.__getitem__, cues.speakers))
    if segment_heads:
        segment_heads[0] = segment_heads[0][2:]   # no comma before the first
    starts, ends = _stamps(cues, _seconds_millis_all)
    return "".join(chain(
        ['{"version": "1.0.0", "segments": [\n'],
        chain.from_iterable(zip(segment_heads, starts, repeat(', "endTime": '), ends,
                                repeat(', "body": "'), cues.bodies, repeat('"}'))),
        ["\n]}\n"]))


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
