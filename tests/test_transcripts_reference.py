"""The transcript files' fast paths against straightforward references: the cue
splitter (offsets and `rfind`) against one that walks words, the columns of cues and
the writers against one Cue at a time, the cached turn pieces against a cold cache."""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.build import BuildOptions, build, load_site
from sitegen.errors import Problems
from sitegen.model import Audio, Episode, Speaker, Turn
from sitegen.outputs import transcripts
from sitegen.outputs.transcripts import (BALANCE_SLACK, MAX_LINE, Cue,
                                         _inline_markdown_text, _seconds,
                                         _seconds_millis, _share_out, _vtt_escape,
                                         episode_cues, first_line_width, inline_text,
                                         split_lines, srt, text_width, transcript_html,
                                         transcript_json, turn_plain_text, voice_tag, vtt)
from sitegen.timecodes import format_cue, format_cue_millis

# --- the cue splitter, one word at a time ---------------------------------------------

_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*\Z")


def reference_split(text: str, first_width: int) -> list[tuple[str, ...]]:
    words = _cut_to_fit(text.split(), first_width)
    widths = [text_width(word) for word in words]

    def width(first: int, last: int) -> int:   # words [first, last) on one line
        return sum(widths[first:last]) + last - first - 1

    def most(first: int, last: int, room: int) -> int:   # most words from `first` in room
        end = first + 1
        while end < last and width(first, end + 1) <= room:
            end += 1
        return end

    def cue(first: int, last: int, budget: int | None = None) -> list[tuple[int, int]]:
        if budget is not None and width(first, last) > budget:
            last = most(first, last, budget)
        if width(first, last) <= first_width:
            return [(first, last)]
        cut = most(first, last, first_width)
        if width(cut, last) <= MAX_LINE:
            return [(first, cut), (cut, last)]
        return [(first, cut), (cut, most(cut, last, MAX_LINE))]

    def fill(first: int, last: int, budget: int | None = None) -> list[list[tuple[int, int]]]:
        cues = [cue(first, last, budget)]
        while cues[-1][-1][1] < last:
            cues.append(cue(cues[-1][-1][1], last, budget))
        return cues

    def balanced(first: int, last: int) -> list[list[tuple[int, int]]]:
        greedy = fill(first, last)
        if len(greedy) < 2:
            return greedy
        budget = -(-(width(first, last)) // len(greedy)) + BALANCE_SLACK
        even = fill(first, last, budget)
        return even if len(even) == len(greedy) else greedy

    ends = [index + 1 for index, word in enumerate(words) if _ENDS_SENTENCE.search(word)]
    if not ends or ends[-1] != len(words):
        ends.append(len(words))
    cues: list[list[tuple[int, int]]] = []
    first = 0
    while first < len(words):
        greedy = cue(first, len(words))
        fitting = [end for end in ends if first < end <= greedy[-1][1]]
        if fitting:
            last = fitting[-1]
            cues.append([(a, min(b, last)) for a, b in greedy if a < last])
        else:
            last = next(end for end in ends if end > first)
            cues += balanced(first, last)
        first = last
    return [tuple(" ".join(words[a:b]) for a, b in lines) for lines in cues]


def _cut_to_fit(words: list[str], width: int) -> list[str]:
    pieces = []
    for word in words:
        while text_width(word) > width:
            cut = max(n for n in range(1, len(word) + 1) if text_width(word[:n]) <= width)
            pieces.append(word[:cut])
            word = word[cut:]
        pieces.append(word)
    return pieces


word = st.one_of(
    st.text(alphabet="abcdefghij", min_size=1, max_size=9),
    st.text(alphabet="abcdefghij&<>\"'.,!?…”)]", min_size=1, max_size=12),
    st.text(alphabet="abc&<>.", min_size=15, max_size=90),   # wider than a line
    st.sampled_from(["end.", "why?", "no!", "so…", "“quoted.”", "(aside.)", "a.b", "&amp;"]))
turn_words = st.lists(word, min_size=1, max_size=120).map(" ".join)


@settings(max_examples=250)
@given(turn_words, st.integers(20, 65))
def test_split_lines_is_the_word_by_word_splitter(text, first_width):
    assert split_lines(text, first_width) == reference_split(text, first_width)


@given(st.lists(st.sampled_from(["a", "bb", "ccc. ", "dd,", "e!", "\n", "  ", "\t"]),
                max_size=300).map("".join), st.integers(20, 65))
def test_split_lines_takes_any_whitespace(text, first_width):
    assert split_lines(text, first_width) == reference_split(text, first_width)


# --- words, times and stamps ------------------------------------------------------------

def reference_inline_text(paragraph: str) -> str:
    """The check of the first version: Markdown inline syntax, else collapse spaces."""
    if re.search(r"[*_`\[\]\\~&<]|https?://", paragraph):
        return _inline_markdown_text(paragraph)
    return " ".join(paragraph.split())


@settings(max_examples=500)
@given(st.lists(st.sampled_from(["word", " ", "  ", "\n", "\t", "\u00a0", "\u3000", "\x1c",
                                 "*", "_x_", "`c`", "[a](b)", "&", "<", "http://", "ftp://",
                                 "https", "~"]), max_size=30).map("".join))
@example(" word")
@example("word ")
@example("a  b")
@example("a\u2029b")
@example("see https://x")
def test_inline_text_is_the_markup_check_then_collapsed_space(paragraph):
    assert inline_text(paragraph) == reference_inline_text(paragraph)


def test_the_space_check_knows_every_space_split_knows():
    spaces = [chr(code) for code in range(0x110000) if chr(code).isspace()]
    for space in spaces:
        assert inline_text(f"a{space}b") == "a b", repr(space)


def reference_share_out(start_ms: int, end_ms: int, weights: list[int]) -> list[int]:
    count = len(weights)
    if end_ms - start_ms < count:
        end_ms = start_ms + count
    total = sum(weights) or count
    bounds = [start_ms]
    running = 0
    for index, weight in enumerate(weights[:-1], 1):
        running += weight
        point = start_ms + round((end_ms - start_ms) * running / total)
        point = max(point, bounds[-1] + 1)
        point = min(point, end_ms - (count - index))
        bounds.append(point)
    return bounds + [end_ms]


@given(st.integers(0, 10**8), st.integers(-5000, 10**7),
       st.lists(st.integers(0, 900), min_size=1, max_size=80))
def test_share_out_is_the_reference(start, length, weights):
    assert _share_out(start, start + length, weights) == \
        reference_share_out(start, start + length, weights)


@given(st.integers(-10**6, 10**10))
def test_stamps_from_milliseconds_are_the_stamps_from_seconds(millis):
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, rest = divmod(rest, 1000)
    assert format_cue_millis(millis) == f"{hours:02d}:{minutes:02d}:{secs:02d}.{rest:03d}"
    assert format_cue_millis(millis, ",") == format_cue(millis / 1000, ",")
    if millis >= 0:
        assert _seconds_millis(millis) == json.dumps(_seconds(millis / 1000))


# --- whole episodes: columns and writers against one Cue at a time ----------------------

def reference_cues(episode: Episode) -> list[Cue]:
    names = [episode.speaker(turn.speaker_id).name for turn in episode.turns]
    texts = [turn_plain_text(turn.paragraphs) for turn in episode.turns]
    pieces = [reference_split(text, first_line_width(name)) if text else []
              for text, name in zip(texts, names)]
    cues = []
    index = 0
    while index < len(episode.turns):
        run = [index]
        while run[-1] + 1 < len(episode.turns) and \
                episode.turns[run[-1] + 1].start == episode.turns[index].start:
            run.append(run[-1] + 1)
        index = run[-1] + 1
        weights = [sum(map(len, lines)) for i in run for lines in pieces[i]]
        if not weights:
            continue
        start, end = episode.turns[run[0]].start, episode.turn_end(run[-1])
        if end <= start:
            end = start + max(1.0, len(" ".join(texts[i] for i in run).split()) / 2.5)
        bounds = reference_share_out(round(start * 1000), round(end * 1000), weights)
        spans = iter(zip(bounds, bounds[1:]))
        for i in run:
            for number, lines in enumerate(pieces[i]):
                a, b = next(spans)
                cues.append(Cue(a / 1000, b / 1000, names[i], lines, i, number == 0))
    return cues


def reference_vtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT"] + [
        f"{format_cue(cue.start)} --> {format_cue(cue.end)}\n{voice_tag(cue.speaker)}"
        + _vtt_escape("\n".join(cue.lines)) for cue in cues]
    return "\n\n".join(blocks) + "\n"


def reference_srt(cues: list[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, 1):
        label = f"{cue.speaker}: " if number == 1 or cues[number - 2].speaker != cue.speaker \
            else ""
        blocks.append(f"{number}\n{format_cue(cue.start, ',')} --> {format_cue(cue.end, ',')}"
                      f"\n{label}" + "\n".join(cue.lines))
    return "\n\n".join(blocks) + "\n"


def reference_json(cues: list[Cue]) -> str:
    segments = [json.dumps({"speaker": cue.speaker, "startTime": _seconds(cue.start),
                            "endTime": _seconds(cue.end), "body": " ".join(cue.lines)},
                           ensure_ascii=False) for cue in cues]
    return '{"version": "1.0.0", "segments": [\n' + ",\n".join(segments) + "\n]}\n"


NAMES = ["Ada Quill", "Ben & Jo", "<Cy>", 'Dee "D" Ray', "Émile Ñ"]
paragraph = st.lists(st.one_of(word, st.sampled_from(["*em*", "`code`", 'say "hi"',
                                                      "back\\slash", "\u2028"])),
                     min_size=0, max_size=40).map(" ".join)


@st.composite
def episodes(draw) -> Episode:
    speakers = tuple(Speaker(f"s{i}", name, f"s{i}") for i, name in enumerate(NAMES))
    count = draw(st.integers(1, 12))
    # small steps, some zero (turns sharing a timestamp), some negative (out of order)
    steps = draw(st.lists(st.sampled_from([0, 0, 0.5, 1, 7, 60.25, -3]),
                          min_size=count, max_size=count))
    starts, start = [], 0.0
    for step in steps:
        start = max(0.0, start + step)
        starts.append(start)
    turns = tuple(Turn(draw(st.sampled_from(speakers)).id, start,
                       tuple(draw(st.lists(paragraph, min_size=1, max_size=3))), line=i)
                  for i, start in enumerate(starts))
    duration = draw(st.sampled_from([None, 1.0, starts[-1] + 30]))
    audio = Audio("https://example.com/a.mp3", "audio/mpeg", duration=duration)
    return Episode(Path("e.md"), "e", "E", datetime(2026, 1, 1), "g", speakers=speakers,
                   turns=turns, audio=audio)


@settings(max_examples=100, deadline=None)
@given(episodes())
def test_every_file_is_the_one_cue_at_a_time_reference(episode):
    cues = reference_cues(episode)
    track = episode_cues(episode)
    assert list(track) == cues
    assert vtt(track) == reference_vtt(cues)
    assert srt(track) == reference_srt(cues)
    assert transcript_json(track) == reference_json(cues)


# --- kept turn pieces: an edit always shows ---------------------------------------------

def example_episode(site: Path) -> Episode:
    return next(e for e in load_site(BuildOptions(site_dir=site), Problems()).episodes
                if e.slug == "nine-bars")


def _files(site_model, episode: Episode) -> list[str]:
    track = episode_cues(episode)
    return [vtt(track), srt(track), transcript_json(track),
            transcript_html(site_model, episode)]


def test_kept_pieces_follow_every_change_of_words_speaker_and_start(example_site):
    site_model = load_site(BuildOptions(site_dir=example_site), Problems())
    episode = next(e for e in site_model.episodes if e.slug == "nine-bars")
    _files(site_model, episode)   # every turn's pieces are kept now
    turns = list(episode.turns)
    other = next(s.id for s in episode.speakers if s.id != turns[2].speaker_id)
    turns[1] = replace(turns[1], paragraphs=("Edited words & more.",) + turns[1].paragraphs[1:])
    turns[2] = replace(turns[2], speaker_id=other)
    turns[3] = replace(turns[3], start=turns[3].start + 0.5)
    edited = replace(episode, turns=tuple(turns))
    warm = _files(site_model, edited)
    transcripts.forget_turns()
    assert warm == _files(site_model, edited)
    assert "Edited words &amp; more." in warm[0] and "Edited words & more." in warm[1]


def test_a_session_rebuild_after_an_edit_is_a_cold_build(example_site, tmp_path):
    from sitegen.cache import BuildSession
    options = BuildOptions(site_dir=example_site, output_dir=tmp_path / "warm")
    session = BuildSession()
    build(options, session=session)
    path = next((example_site / "content" / "episodes").glob("*nine-bars.md"))
    turn = example_episode(example_site).turns[4].paragraphs[0]
    path.write_text(path.read_text(encoding="utf-8").replace(turn, f"{turn} Typo fixed.", 1),
                    encoding="utf-8")
    build(options, session=session)
    transcripts.forget_turns()
    shutil.rmtree(example_site / ".sitegen-cache", ignore_errors=True)
    build(BuildOptions(site_dir=example_site, output_dir=tmp_path / "cold"))
    for name in ("vtt", "srt", "json", "html"):
        warm = (tmp_path / "warm" / "episodes" / "nine-bars" / f"transcript.{name}").read_text()
        cold = (tmp_path / "cold" / "episodes" / "nine-bars" / f"transcript.{name}").read_text()
        assert warm == cold
        assert "Typo fixed." in warm
