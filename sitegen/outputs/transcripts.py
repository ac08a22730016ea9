"""Per-episode transcript files (VTT, SRT, JSON, HTML) and chapters.json.

Every format is made from the same cues, so a caption shown by one app starts and
ends where it does in every other. A cue is at most two lines of at most 65
characters; long turns become several cues whose times share out the turn's span
(from its start to the next turn, or to the end of the audio) by length of text.

An episode's turns are split into cues together, in one text (`caption_turns`), and
each file is joined from columns of pieces (one a cue) in C rather than formatted a
cue at a time in Python. A turn's cues as each format writes them depend on its words
and speaker alone, and are kept for the last few thousand turns (`episode_captions`):
after an edit to one turn, rebuilding the episode splits that turn alone.
"""
from __future__ import annotations

import html
import json
import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import lt, mul, ne, sub
from typing import Callable, NamedTuple

from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.markdown import markdown
from sitegen.render.pages import episode_url
from sitegen.timecodes import CLOCKS_KEPT, format_clock, format_cue_millis_all, format_seconds

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
# Turns whose captions are kept (about 3 KB a turn of 440 characters): the turns of a
# dozen hour-long episodes, so a dev server's edited episode stays in.
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


# A sentence ends at a word ending in . ! ? or …, perhaps followed by closing quotes
# (the end of a turn is one too).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?= )")
# The same in ASCII text made of classes of characters by _SENTENCE_BYTES: a literal
# first character is found faster than a set.
_SENTENCE_END_BYTES = re.compile(rb"\.\x01*(?= )")
_SENTENCE_BYTES = bytes(0x2e if byte in b".!?" else 0x01 if byte in b"\"')]" else byte
                        if byte == 0x20 else 0x61 for byte in range(256))
# Between turns in the text of several (str.split() splits there: never in the words)
_TURNS_APART = "\x1f"
# Characters that make inline_text's work more than taking the paragraph as it is
_MARKUP_CHARACTERS = "*_`[]\\~&<"
_ASCII_OTHER_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
# Characters a JSON string writes escaped (json.encoder.ESCAPE) that words can hold
_JSON_ESCAPED = "\"\\" + "".join(map(chr, range(0x20))).translate(
    dict.fromkeys(map(ord, _ASCII_OTHER_SPACES)))
# Each byte but a space and _TURNS_APART as "x": a word wider than W is W + 1 x's in a row
_WORD_BYTES = bytes(byte if byte in (0x20, 0x1f) else 0x78 for byte in range(256))


def _plain(text: str) -> bool:
    """Whether inline_text gives each of these paragraphs (one space between them, none
    empty) as it is: no markup, one space between words."""
    if text[:1] == " " or text[-1:] == " " or "  " in text or "://" in text \
            or any(map(text.__contains__, _MARKUP_CHARACTERS)):
        return False
    return not any(map(text.__contains__, _ASCII_OTHER_SPACES)) if text.isascii() \
        else _MARKUP_OR_SPACE.search(text) is None


def _plain_texts(paragraphs: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Each turn's paragraphs through inline_text, empty ones left out; most
    transcripts are plain words, checked in one pass."""
    every = list(chain.from_iterable(paragraphs))
    if all(every) and _plain(" ".join(every)):
        return paragraphs
    return [tuple(filter(None, map(inline_text, texts))) for texts in paragraphs]


def _written_words(words: list[str], widths: list[int]) -> list[str]:
    """`_written` of each turn's words, checked in one pass for the common case (no
    & < >, no word wider than a line): the words as they are."""
    text = _TURNS_APART.join(words)
    if "&" in text or "<" in text or ">" in text or \
            b"x" * (min(widths, default=MAX_LINE) + 1) in text.encode().translate(_WORD_BYTES):
        return list(map(_written, words, widths))
    return words


# The splitter below works on offsets into the text as written in VTT (one space
# between words, & < > as entities), so a line's width is its length and a greedy
# line break is one `rfind` instead of a loop over words. Cues are written into a flat
# list of bounds, three a cue (start, cut, end): its first line is [start, cut), its
# second (cut, end) after the space at `cut`; a cue of one line has cut == end. Cues
# follow each other with one space between them; the turns of an episode are split
# together in one text, _TURNS_APART between them.


def _sentence_ends(text: str) -> Iterator[int]:
    """Where each sentence of the text ends, but for the last of each turn."""
    if text.isascii():
        return map(re.Match.end, _SENTENCE_END_BYTES.finditer(
            text.encode("ascii").translate(_SENTENCE_BYTES)))
    return map(re.Match.end, _SENTENCE_END.finditer(text))


def _cue_bounds(text: str, sizes: list[int], widths: list[int]) -> tuple[list[int], list[int]]:
    """The cues of turns `sizes` long (those not empty joined by _TURNS_APART in `text`),
    each turn's first line `widths` wide, and the index of each turn's first cue.

    A turn's cues hold whole sentences gathered while they fit in one cue, and each
    sentence longer than a cue spread over several. No word is wider than its turn's
    first line."""
    turn_ends = list(accumulate(size + 1 for size in sizes if size))
    ends = sorted([*_sentence_ends(text), *(end - 1 for end in turn_ends)])
    bounds: list[int] = []
    first: list[int] = []
    rfind = text.rfind
    start = index = 0
    for size, width in zip(sizes, widths):
        first.append(len(bounds) // 3)
        if not size:
            continue
        length = start + size
        while True:
            if length - start <= width:   # the rest fits on one line
                bounds += (start, length, length)
                break
            cut = rfind(" ", start, start + width + 1)
            if length - cut - 1 <= MAX_LINE:   # ... or on two
                bounds += (start, cut, length)
                break
            # The cue filled greedily from `start` reaches `reach`. Greedy filling never
            # moves a break for words that come later, so every sentence ending within
            # reach fits in it.
            reach = rfind(" ", cut + 1, cut + MAX_LINE + 2)
            fits = bisect_right(ends, reach, index)
            if fits > index:
                end = ends[fits - 1]
                bounds += (start, cut, end) if cut < end else (start, end, end)
                index = fits
            else:
                end = ends[index]
                _balanced(bounds, text, start, reach, end, width)
                index += 1
            if end == length:
                break
            start = end + 1
        index = bisect_right(ends, length, index)
        start = length + 1
    first.append(len(bounds) // 3)
    return bounds, first


def _balanced(bounds: list[int], text: str, start: int, reach: int, end: int, width: int
              ) -> None:
    """A sentence [start, end) too long for one cue (the cue filled greedily from
    `start` reaches `reach`), spread evenly over as many cues as greedy filling needs,
    so it does not end in a cue of one or two words."""
    rfind = text.rfind
    count, rest = 2, reach + 1   # greedy cues from `rest` on, counted
    while end - rest > width:
        cut = rfind(" ", rest, rest + width + 1)
        if end - cut - 1 <= MAX_LINE:
            break
        count, rest = count + 1, rfind(" ", cut + 1, cut + MAX_LINE + 2) + 1
    even = _filled(text, start, end, width, -(-(end - start) // count) + BALANCE_SLACK, count)
    # (short of the end after as many cues as greedy filling: greedy it is)
    bounds += even if len(even) == 3 * count and even[-1] >= end \
        else _filled(text, start, end, width)


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


def _cues_cut(text: str, bounds: list[int]) -> tuple[list[str], list[str], list[bool]]:
    """Each cue of the text: its lines one under the other, its words with one space,
    whether it has two lines. Marks the breaks in a copy of the text and splits it
    there, rather than slicing cue by cue."""
    cuts, ends = bounds[1::3], bounds[2::3]
    two_lines = list(map(ne, cuts, ends))
    codec, scale = ("ascii", 1) if text.isascii() else ("utf-32-le", 4)
    marked = bytearray(text, codec)
    # the space after each cue (the last ends the text), then the line breaks
    for end in ends[:-1] if scale == 1 else map(mul, ends[:-1], repeat(scale)):
        marked[end] = 0x1f
    words = marked.decode(codec).split(_TURNS_APART)
    for cut in compress(cuts if scale == 1 else map(mul, cuts, repeat(scale)), two_lines):
        marked[cut] = 0x0a
    return marked.decode(codec).split(_TURNS_APART), words, two_lines


def _unescape(line: str) -> str:
    return line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class Captions:
    """Turns as cues, each as every file writes it: one list a column, in the order of
    the turns; turn i has cues first[i]:first[i + 1]."""
    texts: list[tuple[str, ...]]   # each turn's paragraphs as plain words, empty ones left out
    first: list[int]
    vtt: list[str]      # each cue's lines in VTT (escaped), one under the other
    srt: list[str]      # its lines as they are (the same list if alike)
    bodies: list[str]   # its words as written inside a JSON string
    weights: list[int]  # its characters, the line break left out: its share of the time

    def __len__(self) -> int:
        return len(self.texts)

    def words(self, turn: int) -> str:
        return " ".join(self.texts[turn])


def caption_turns(turns: Sequence[tuple[tuple[str, ...], str]]) -> Captions:
    """Turns (paragraphs, speaker's name) as cues, split and formatted together."""
    texts = _plain_texts([paragraphs for paragraphs, _ in turns])
    return _captions(texts, list(map(" ".join, texts)),
                     list(map(first_line_width, [name for _, name in turns])))


def _captions(texts: list[tuple[str, ...]], words: list[str], widths: list[int]) -> Captions:
    written = _written_words(words, widths)
    text = _TURNS_APART.join(filter(None, written))
    bounds, first = _cue_bounds(text, list(map(len, written)), widths)
    if not bounds:
        return Captions(texts, first, [], [], [], [])
    vtt_cues, bodies, two_lines = _cues_cut(text, bounds)
    srt_cues = vtt_cues
    if "&" in text:   # & < > written as entities in VTT: the other files have them as they are
        srt_cues = _unescape(_TURNS_APART.join(vtt_cues)).split(_TURNS_APART)
        bodies = _unescape(_TURNS_APART.join(bodies)).split(_TURNS_APART)
    weights = list(map(sub, map(len, bodies), two_lines))
    if any(map(text.__contains__, _JSON_ESCAPED)):
        bodies = [body[1:-1] for body in map(_JSON_STRING, bodies)]
    return Captions(texts, first, vtt_cues, srt_cues, bodies, weights)


def split_lines(text: str, first_width: int) -> list[tuple[str, ...]]:
    """`text` as cues of at most two lines; each cue's first line is `first_width` wide
    (room for a speaker label), the second MAX_LINE, counted as written in VTT.

    Cues hold whole sentences where they can; a sentence longer than a cue is spread
    evenly over several."""
    words = " ".join(text.split())
    captions = _captions([(words,)], [words], [first_width])
    return [tuple(cue.split("\n")) for cue in captions.srt]


# A string as JSON writes it (ensure_ascii=False)
_JSON_STRING: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]

# The captions of the last few thousand turns, each by its paragraphs and speaker's
# name: (captions made with it, its index there); the least recently used first.
_KEPT: dict[tuple[tuple[str, ...], str], tuple[Captions, int]] = {}


def forget_turns() -> None:
    """Drop the kept captions (tests: the next episode is made cold)."""
    _KEPT.clear()


def episode_captions(episode: Episode) -> Captions:
    """The captions of every turn, from those kept where a turn is unchanged: after an
    edit to one turn, that turn alone is split again."""
    names = {speaker.id: speaker.name for speaker in episode.speakers}
    keys = [(turn.paragraphs, names[turn.speaker_id]) for turn in episode.turns]
    found = list(map(_KEPT.get, keys))
    missing = [key for key, kept in zip(keys, found) if kept is None]
    if 2 * len(missing) > len(keys):   # mostly new: all in one pass, nothing to gather
        captions = caption_turns(keys)
        _keep(keys, zip(repeat(captions), count()), compress(keys, found))
        return captions
    if missing:
        made = zip(repeat(caption_turns(missing)), count())
        found = [kept or next(made) for kept in found]
    _keep(keys, found, keys)
    return _gathered(found)


def _keep(keys: list[tuple[tuple[str, ...], str]], kept: Iterable[tuple[Captions, int]],
          known: Iterable[tuple[tuple[str, ...], str]]) -> None:
    """Keep the turns `keys` (`kept`: where each is; `known`: those kept already) as
    the most recently used."""
    for key in known:
        _KEPT.pop(key, None)
    _KEPT.update(zip(keys, kept))
    excess = len(_KEPT) - TURNS_KEPT
    if excess > 0:
        for key in list(islice(_KEPT, excess)):
            del _KEPT[key]


def _gathered(turns: list[tuple[Captions, int]]) -> Captions:
    """One Captions of turns kept in others, taken a stretch of turns in a row at a time."""
    stretches: list[tuple[Captions, int, int]] = []   # captions, first turn, last turn
    for captions, index in turns:
        if stretches and stretches[-1][0] is captions and stretches[-1][2] == index - 1:
            stretches[-1] = (captions, stretches[-1][1], index)
        else:
            stretches.append((captions, index, index))
    if len(stretches) == 1 and stretches[0][1] == 0 and len(stretches[0][0]) == len(turns):
        return stretches[0][0]
    gathered = Captions([], [0], [], [], [], [])
    for captions, first_turn, last_turn in stretches:
        start, end = captions.first[first_turn], captions.first[last_turn + 1]
        gathered.texts.extend(captions.texts[first_turn:last_turn + 1])
        shift = gathered.first[-1] - start
        gathered.first.extend(first + shift for first in captions.first[first_turn + 1:last_turn + 2])
        gathered.vtt.extend(captions.vtt[start:end])
        gathered.srt.extend(captions.srt[start:end])
        gathered.bodies.extend(captions.bodies[start:end])
        gathered.weights.extend(captions.weights[start:end])
    return gathered


def _html_turn_heading(name: str, start: float) -> str:
    return _html_cite(name) + _html_time(start)


@lru_cache(maxsize=256)
def _html_cite(name: str) -> str:
    return f"<cite>{html.escape(name)}:</cite>\n"


# Turn starts are mostly whole seconds within a few hours: the same few thousand
# values in every episode.
@lru_cache(maxsize=1 << 14)
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


def _estimated_end(start: float, words: str) -> float:
    """The end of turns out of order (reported by the loader): their speaking time."""
    return start + max(1.0, len(words.split()) / 2.5)


def episode_cues(episode: Episode, captions: Captions | None = None) -> CueTrack:
    """The captions of an episode, in the order of the turns (`captions`: its turns',
    if the caller has them).

    Turns written with the same timestamp (common in real transcripts) share the span
    up to the next timestamp in order, so their cues follow each other instead of
    having no duration."""
    captions = episode_captions(episode) if captions is None else captions
    starts, ends = _shared_out(_run_spans(episode, captions), captions.weights)
    names = {speaker.id: speaker.name for speaker in episode.speakers}
    counts = list(map(sub, islice(captions.first, 1, None), captions.first))
    speakers = [names[turn.speaker_id] for turn in episode.turns]
    return CueTrack(starts, ends, list(chain.from_iterable(map(repeat, speakers, counts))),
                    list(chain.from_iterable(map(repeat, range(len(counts)), counts))),
                    captions.vtt, captions.srt, captions.bodies)


class RunSpan(NamedTuple):
    """Turns in a row with the same start, as cues: they share [start, end) (ms)."""
    first: int   # their first cue
    count: int   # their cues
    start: int
    end: int


def _run_spans(episode: Episode, captions: Captions) -> list[RunSpan]:
    """Each run of turns with the same start that has cues, in order."""
    first = captions.first
    turn_starts = [turn.start for turn in episode.turns]
    run_firsts = [0, *compress(range(1, len(turn_starts)),
                               map(ne, islice(turn_starts, 1, None), turn_starts)),
                  len(turn_starts)]
    spans = []
    for run_first, next_run in zip(run_firsts, islice(run_firsts, 1, None)):
        cue, after = first[run_first], first[next_run]
        if cue == after:
            continue
        start = turn_starts[run_first]
        end = turn_starts[next_run] if next_run < len(turn_starts) \
            else episode.turn_end(next_run - 1)
        if end <= start:
            end = _estimated_end(start, " ".join(map(captions.words, range(run_first, next_run))))
        spans.append(RunSpan(cue, after - cue, round(start * 1000), round(end * 1000)))
    return spans


def _shared_out(spans: list[RunSpan], weights: list[int]) -> tuple[list[int], list[int]]:
    """Each cue's start and end: each run's span shared out among its cues as
    `_share_out` does, all in one pass where no point needs moving."""
    if not spans:
        return [], []
    running = list(accumulate(weights))   # a run's running sums: these less its base
    starts: list[int] = []
    ends: list[int] = []
    for first, count, start, end in spans:
        if end - start < count:
            end = start + count
        last = first + count - 1
        base = running[first - 1] if first else 0
        length, total = end - start, running[last] - base or count
        points = [start + round(length * (sum_ - base) / total) for sum_ in running[first:last]]
        starts.append(start)
        starts += points
        ends += points
        ends.append(end)
    if all(map(lt, starts, ends)):   # every span at least 1 ms: no point moved
        return starts, ends
    bounds = [_share_out(span.start, span.end, weights[span.first:span.first + span.count])
              for span in spans]
    return ([start for run in bounds for start in islice(run, len(run) - 1)],
            [end for run in bounds for end in islice(run, 1, None)])


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


# "1\n", then "\n\n2\n"...: each SRT cue's number and what comes before it, for the
# cues of the longest episodes (an hour makes about 900)
_SRT_NUMBERS = ["1\n"]
SRT_NUMBERS_KEPT = 1 << 14


def _srt_numbers(count: int) -> Iterable[str]:
    """At least `count` cue numbers as _SRT_NUMBERS has them."""
    if len(_SRT_NUMBERS) < min(count, SRT_NUMBERS_KEPT):
        _SRT_NUMBERS.extend(f"\n\n{number}\n" for number in
                            range(len(_SRT_NUMBERS) + 1, min(count, SRT_NUMBERS_KEPT) + 1))
    if count <= len(_SRT_NUMBERS):
        return _SRT_NUMBERS
    return chain(_SRT_NUMBERS, (f"\n\n{number}\n"
                                for number in range(len(_SRT_NUMBERS) + 1, count + 1)))


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
# str() of every second up to the last one asked for (below CLOCKS_KEPT), by index
_SECOND_TEXTS: list[str] = []


def _seconds_millis_all(millis: list[int]) -> list[str]:
    """`_seconds_millis` of each."""
    if not millis:
        return []
    low, high = min(millis), max(millis)
    if low < 0 or high >= _PLAIN_REPR_MILLIS:
        return list(map(_seconds_millis, millis))
    if high >= CLOCKS_KEPT * 1000:
        return [f"{value // 1000}{_FRACTIONS[value % 1000]}" for value in millis]
    if len(_SECOND_TEXTS) <= high // 1000:
        _SECOND_TEXTS.extend(map(str, range(len(_SECOND_TEXTS), high // 1000 + 1)))
    seconds = _SECOND_TEXTS
    return [seconds[value // 1000] + _FRACTIONS[value % 1000] for value in millis]


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


def transcript_html(site: Site, episode: Episode, captions: Captions | None = None) -> str:
    """`<cite>`, `<time>` and `<p>` per turn, as the Podcasting 2.0 HTML transcript."""
    texts = (episode_captions(episode) if captions is None else captions).texts
    esc = html.escape
    names = {speaker.id: speaker.name for speaker in episode.speakers}
    headings = [_html_turn_heading(names[turn.speaker_id], turn.start) for turn in episode.turns]
    parts = ["<!DOCTYPE html>", f'<html lang="{esc(site.config.language)}">',
             '<head><meta charset="utf-8">',
             f"<title>Transcript: {esc(episode.title)} ({esc(site.config.title)})</title>"
             "</head>", "<body>", f"<h1>{esc(episode.title)}</h1>"]
    if all(texts):
        # Every paragraph escaped at once, a turn's paragraphs apart by a line break and
        # the turns by _TURNS_APART (plain words hold neither)
        turn_paragraphs = esc(_TURNS_APART.join(map("\n".join, texts))) \
            .replace("\n", "</p>\n<p>").split(_TURNS_APART)
        parts += map("{}\n<p>{}</p>".format, headings, turn_paragraphs)
    else:
        for heading, turn_texts in zip(headings, texts):
            parts.append(heading)
            parts += (f"<p>{esc(text)}</p>" for text in turn_texts)
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _absolute(site: Site, ref: str) -> str:
    return ref if re.match(r"https?://", ref) else site.config.absolute_url(ref)


def chapters_json(site: Site, episode: Episode) -> str:
    """Podcasting 2.0 JSON chapters, version 1.2.0, as json.dumps(indent=1) writes them."""
    string = _JSON_STRING
    entries = []
    for chapter in episode.chapters:
        fields = [f'"startTime": {_json_number(_seconds(chapter.start))}',
                  f'"title": {string(chapter.title)}']
        if chapter.image:
            fields.append(f'"img": {string(_absolute(site, chapter.image))}')
        if chapter.url:
            fields.append(f'"url": {string(chapter.url)}')
        if not chapter.toc:
            fields.append('"toc": false')
        entries.append("  {\n   " + ",\n   ".join(fields) + "\n  }")
    chapters = "[\n" + ",\n".join(entries) + "\n ]" if entries else "[]"
    return (f'{{\n "version": "1.2.0",\n "title": {string(episode.title)},\n'
            f' "podcastName": {string(site.config.title)},\n "chapters": {chapters}\n}}\n')


def _json_number(number: float | int) -> str:
    return float.__repr__(number) if isinstance(number, float) else int.__repr__(number)


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
        captions = episode_captions(episode)
        cues = episode_cues(episode, captions)
        timings = _timings(cues) if {"vtt", "srt"} & set(formats) else []
        writers = {"vtt": lambda: vtt(cues, timings), "srt": lambda: srt(cues, timings),
                   "json": lambda: transcript_json(cues),
                   "html": lambda: transcript_html(site, episode, captions)}
        for fmt in formats:
            staging.write(transcript_path(episode, fmt), writers[fmt](), group=group)
