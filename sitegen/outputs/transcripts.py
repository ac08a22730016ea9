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
from typing import Any

from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.markdown import plain_text
from sitegen.render.pages import episode_url
from sitegen.timecodes import format_clock, format_cue

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


def turn_plain_text(paragraphs: tuple[str, ...]) -> str:
    """The spoken words of a turn: Markdown removed, whitespace collapsed."""
    return " ".join(plain_text(p) for p in paragraphs if p.strip()).strip()


def voice_tag(name: str) -> str:
    return f"<v {_vtt_escape(name)}>"


def text_width(text: str) -> int:
    """Characters `text` takes in a VTT file, where & < > are written as entities."""
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def _words(text: str, width: int) -> list[str]:
    """Words of `text`; a word wider than `width` is cut so every line can fit."""
    words: list[str] = []
    for word in text.split():
        while text_width(word) > width:
            cut = width
            while text_width(word[:cut]) > width:
                cut -= 1
            words.append(word[:cut])
            word = word[cut:]
        if word:
            words.append(word)
    return words


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


class _CueFiller:
    """Greedy line filling: words go onto the current line while they fit."""

    def __init__(self, first_width: int):
        self.first_width = first_width
        self.cues: list[tuple[str, ...]] = []
        self.lines: list[str] = []
        self.words: list[str] = []
        self.used = 0

    def _step(self, lines_done: int, used: int, word: str) -> tuple[bool, int]:
        """(starts a new line?, width used on the line) after placing `word`."""
        width = text_width(word)
        room = self.first_width if lines_done == 0 else MAX_LINE
        if used == 0:
            return False, width
        if used + 1 + width <= room:
            return False, used + 1 + width
        return True, width

    def add(self, word: str) -> None:
        new_line, self.used = self._step(len(self.lines), self.used, word)
        if new_line:
            self.lines.append(" ".join(self.words))
            self.words = []
            if len(self.lines) == MAX_LINES:
                self.cues.append(tuple(self.lines))
                self.lines = []
        self.words.append(word)

    def fits(self, words: list[str]) -> bool:
        """Would `words` all go into the cue being filled?"""
        lines, used = len(self.lines), self.used
        for word in words:
            new_line, used = self._step(lines, used, word)
            if new_line:
                lines += 1
                if lines == MAX_LINES:
                    return False
        return True

    def flush(self) -> None:
        if self.words:
            self.cues.append(tuple(self.lines + [" ".join(self.words)]))
        self.lines, self.words, self.used = [], [], 0


def _sentences(words: list[str]) -> list[list[str]]:
    sentences: list[list[str]] = [[]]
    for word in words:
        sentences[-1].append(word)
        if _SENTENCE_END.search(word):
            sentences.append([])
    return [s for s in sentences if s]


def split_lines(text: str, first_width: int) -> list[tuple[str, ...]]:
    """`text` as cues of at most two lines; each cue's first line is `first_width` wide
    (room for a speaker label), the second MAX_LINE, counted as written in VTT. A sentence that would not fit in
    what is left of a cue starts a new one, so cues tend to hold whole sentences."""
    filler = _CueFiller(first_width)
    for words in _sentences(_words(text, first_width)):
        if filler.words and not filler.fits(words):
            filler.flush()
        for word in words:
            filler.add(word)
    filler.flush()
    return filler.cues


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
    segments = [{"speaker": cue.speaker, "startTime": _seconds(cue.start),
                 "endTime": _seconds(cue.end), "body": cue.text} for cue in cues]
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False,
                      indent=1) + "\n"


def transcript_html(site: Site, episode: Episode) -> str:
    """`<cite>`, `<time>` and `<p>` per turn, as the Podcasting 2.0 HTML transcript."""
    esc = html.escape
    parts = ["<!DOCTYPE html>", f'<html lang="{esc(site.config.language)}">',
             '<head><meta charset="utf-8">',
             f"<title>Transcript: {esc(episode.title)} ({esc(site.config.title)})</title>"
             "</head>", "<body>", f"<h1>{esc(episode.title)}</h1>"]
    for turn in episode.turns:
        parts.append(f"<cite>{esc(episode.speaker(turn.speaker_id).name)}:</cite>")
        parts.append(f"<time>{format_clock(turn.start)}</time>")
        parts += [f"<p>{esc(plain_text(p))}</p>" for p in turn.paragraphs if p.strip()]
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
        if episode.chapters:
            staging.write(chapters_path(episode), chapters_json(site, episode))
        if not episode.turns:
            continue
        cues = episode_cues(episode)
        writers = {"vtt": lambda: vtt(cues), "srt": lambda: srt(cues),
                   "json": lambda: transcript_json(cues),
                   "html": lambda: transcript_html(site, episode)}
        for fmt in formats:
            staging.write(transcript_path(episode, fmt), writers[fmt]())
