"""The transcript files' one-pass paths (an episode's turns split together, checks made
once an episode, stamps from tables, kept captions) against straightforward references:
one turn at a time, one value at a time, json.dumps, the first version's HTML."""
from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.model import Audio, Chapter, Episode, Speaker, Turn
from sitegen.outputs import transcripts
from sitegen.outputs.transcripts import (BALANCE_SLACK, _filled, _plain_texts,
                                         _seconds, _seconds_millis, _seconds_millis_all,
                                         _SENTENCE_END, _sentence_ends, _share_out,
                                         _shared_out, _written, _written_words, RunSpan,
                                         caption_turns, chapters_json, episode_captions,
                                         first_line_width, html_duration, inline_text,
                                         split_lines, transcript_html)
from sitegen.timecodes import CLOCKS_KEPT, format_clock, format_cue_millis, \
    format_cue_millis_all
from tests.test_transcripts_reference import (NAMES, episodes, paragraph, reference_share_out,
                                              reference_split, turn_words)

# --- an episode's turns split together, as each alone -----------------------------------

names = st.sampled_from(NAMES + ["A Very Long Speaker Name Indeed, Host"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(paragraph, max_size=3).map(tuple), names), max_size=8))
def test_turns_split_together_are_each_turn_split_alone(turns):
    captions = caption_turns(turns)
    assert len(captions.first) == len(turns) + 1
    for index, (paragraphs, name) in enumerate(turns):
        words = " ".join(filter(None, map(inline_text, paragraphs)))
        cues = range(captions.first[index], captions.first[index + 1])
        expected = reference_split(words, first_line_width(name)) if words else []
        assert [tuple(captions.srt[cue].split("\n")) for cue in cues] == expected
        assert [captions.vtt[cue] for cue in cues] == \
            [transcripts._vtt_escape("\n".join(lines)) for lines in expected]
        assert [captions.weights[cue] for cue in cues] == \
            [sum(map(len, lines)) for lines in expected]
        assert ['"' + captions.bodies[cue] + '"' for cue in cues] == \
            [json.dumps(" ".join(lines), ensure_ascii=False) for lines in expected]
        assert captions.texts[index] == tuple(filter(None, map(inline_text, paragraphs)))


def test_a_sentence_even_cues_cannot_hold_is_filled_greedily():
    # spread evenly, this sentence needs a cue more than greedy filling: greedy it is
    text = "x xxxxxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxxxxxxx xxxxx xxxxxxxxxxxxx xxx"
    greedy = _filled(text, 0, len(text), 22)
    budget = -(-len(text) // (len(greedy) // 3)) + BALANCE_SLACK
    assert len(_filled(text, 0, len(text), 22, budget)) > len(greedy)
    assert split_lines(text, 22) == reference_split(text, 22)


raw_paragraph = st.lists(st.sampled_from(
    ["word", "w", " ", "  ", "\n", "\t", "\u00a0", "\x1c", "*", "_x_", "`c`", "[a](b)",
     "&", "<", "http://", "://", "~", "é", "\u200b", "\\"]), max_size=8).map("".join)


@given(st.lists(st.lists(raw_paragraph, max_size=4).map(tuple), max_size=5))
@example([("plain words", "more words"), ("",)])
@example([("a", " b")])
@example([("a ",), ("b",)])
def test_plain_texts_in_one_pass_are_inline_text_of_each(turns):
    assert _plain_texts(turns) == [tuple(filter(None, map(inline_text, paragraphs)))
                                   for paragraphs in turns]


@given(st.lists(st.tuples(turn_words, st.integers(20, 65)), max_size=6))
@example([("a" * 46, 45)])
@example([("a" * 45, 45)])
@example([("é" * 30 + " b", 29)])
@example([("ok", 20), ("a" * 21, 65)])
def test_written_words_in_one_pass_are_written_each(turns):
    words = [" ".join(text.split()) for text, _ in turns]
    widths = [width for _, width in turns]
    assert _written_words(words, widths) == list(map(_written, words, widths))


@given(st.lists(st.text(alphabet="ab .!?…\"')]”’x", max_size=40), max_size=6))
@example(["end. of", "it"])
@example(['said." so', "(yes.) no"])
def test_sentence_ends_are_those_of_the_pattern(texts):
    text = "\x1f".join(texts)
    expected = [match.end() for match in _SENTENCE_END.finditer(text)]
    assert list(_sentence_ends(text)) == expected
    ascii_only = text.encode("ascii", "replace").decode("ascii")   # the bytes path
    assert list(_sentence_ends(ascii_only)) == \
        [match.end() for match in _SENTENCE_END.finditer(ascii_only)]


# --- times, stamps and numbers ----------------------------------------------------------

runs = st.lists(st.tuples(st.integers(0, 10**7), st.integers(-50, 10**5),
                          st.lists(st.integers(0, 400), min_size=1, max_size=12)),
                max_size=10)


@given(runs)
@example([(0, 3, [5, 5, 5, 5])])      # shorter than its cues: points move
@example([(10, 1000, [0, 0, 0])])     # no weight at all
def test_runs_shared_out_together_are_each_shared_out_alone(given_runs):
    spans, weights, first = [], [], 0
    for start, length, shares in given_runs:
        spans.append(RunSpan(first, len(shares), start, start + length))
        weights += shares
        first += len(shares)
    starts, ends = _shared_out(spans, weights)
    bounds = [reference_share_out(span.start, span.end,
                                  weights[span.first:span.first + span.count]) for span in spans]
    assert starts == [point for run in bounds for point in run[:-1]]
    assert ends == [point for run in bounds for point in run[1:]]
    for span in spans:
        assert _share_out(span.start, span.end, weights[span.first:span.first + span.count]) \
            == reference_share_out(span.start, span.end,
                                   weights[span.first:span.first + span.count])


@given(st.lists(st.one_of(st.integers(0, 4 * 3_600_000), st.integers(-10**6, 10**12)),
                max_size=30))
@example([CLOCKS_KEPT * 1000 - 1, 0])
@example([CLOCKS_KEPT * 1000])
def test_stamps_of_a_list_are_the_stamps_of_each(millis):
    assert format_cue_millis_all(millis) == list(map(format_cue_millis, millis))


@given(st.lists(st.one_of(st.integers(0, 4 * 3_600_000), st.integers(0, 10**16)),
                max_size=30))
@example([10**15 - 1, 10**15, 1, 10, 100, 1000, 1500, 1050])
@example([10**9 + 250, 5])
def test_json_seconds_of_a_list_are_json_dumps_of_each(millis):
    assert _seconds_millis_all(millis) == list(map(_seconds_millis, millis))
    assert _seconds_millis_all(millis) == [json.dumps(_seconds(value / 1000))
                                           for value in millis]


def test_srt_numbers_past_those_kept_go_on():
    from sitegen.outputs.transcripts import SRT_NUMBERS_KEPT, _srt_numbers
    count = SRT_NUMBERS_KEPT + 3
    numbers = list(_srt_numbers(count))[:count]
    assert numbers == ["1\n"] + [f"\n\n{number}\n" for number in range(2, count + 1)]
    assert len(transcripts._SRT_NUMBERS) == SRT_NUMBERS_KEPT


# --- chapters.json and the HTML transcript against the first version's ------------------

titles = st.text(alphabet='ab "\\é\n\t<&\x01/', max_size=12)
chapters = st.builds(Chapter, start=st.one_of(st.integers(0, 10**5), st.floats(0, 10**5)),
                     title=titles, url=st.one_of(st.none(), st.just(""), titles),
                     toc=st.booleans(), image=st.one_of(st.none(), st.just("img/c.png"),
                                                        st.just("https://x/c.png")))
SITE = SimpleNamespace(config=SimpleNamespace(
    language="en", title='Show "&" <co>', absolute_url=lambda ref: f"https://example.com/{ref}"))


@given(st.lists(chapters, max_size=5), titles)
def test_chapters_json_is_json_dumps(episode_chapters, title):
    episode = Episode(Path("e.md"), "e", title, datetime(2026, 1, 1), "g",
                      chapters=tuple(episode_chapters))
    entries = []
    for chapter in episode_chapters:
        entry = {"startTime": _seconds(chapter.start), "title": chapter.title}
        if chapter.image:
            entry["img"] = chapter.image if re.match(r"https?://", chapter.image) \
                else SITE.config.absolute_url(chapter.image)
        if chapter.url:
            entry["url"] = chapter.url
        if not chapter.toc:
            entry["toc"] = False
        entries.append(entry)
    data = {"version": "1.2.0", "title": title, "podcastName": SITE.config.title,
            "chapters": entries}
    assert chapters_json(SITE, episode) == json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def reference_html(episode: Episode) -> str:
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', '<head><meta charset="utf-8">',
             f"<title>Transcript: {esc(episode.title)} ({esc(SITE.config.title)})</title>"
             "</head>", "<body>", f"<h1>{esc(episode.title)}</h1>"]
    for turn in episode.turns:
        name = episode.speaker(turn.speaker_id).name
        parts.append(f"<cite>{esc(name)}:</cite>\n<time datetime=\"{html_duration(turn.start)}"
                     f"\">{format_clock(turn.start)}</time>")
        parts += [f"<p>{esc(text)}</p>" for text in map(inline_text, turn.paragraphs) if text]
    return "\n".join(parts + ["</body>", "</html>"]) + "\n"


@settings(max_examples=100, deadline=None)
@given(episodes())
def test_html_transcript_is_the_first_versions(episode):
    assert transcript_html(SITE, episode) == reference_html(episode)


# --- kept captions: what a turn was kept by is what it is made of -----------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(episodes(), min_size=1, max_size=4), st.integers(1, 40))
def test_kept_captions_are_the_captions_made_cold(some_episodes, kept):
    transcripts.forget_turns()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transcripts, "TURNS_KEPT", kept)   # turns dropped along the way
        for episode in some_episodes + some_episodes[::-1]:
            warm = episode_captions(episode)
            keys = [(turn.paragraphs, episode.speaker(turn.speaker_id).name)
                    for turn in episode.turns]
            assert warm == caption_turns(keys)
            assert len(transcripts._KEPT) <= kept


def test_an_edited_turn_alone_is_split_again(monkeypatch):
    speakers = (Speaker("a", "Ada Quill", "a"), Speaker("b", "Ben & Jo", "b"))
    turns = tuple(Turn("ab"[i % 2], i * 10.0, (f"Turn {i} says a few words. Then more.",), i)
                  for i in range(8))
    episode = Episode(Path("e.md"), "e", "E", datetime(2026, 1, 1), "g", speakers=speakers,
                      turns=turns, audio=Audio("https://x/a.mp3", "audio/mpeg", duration=100))
    transcripts.forget_turns()
    episode_captions(episode)
    split = []
    real = transcripts.caption_turns
    monkeypatch.setattr(transcripts, "caption_turns", lambda keys: split.append(keys) or real(keys))
    edited = replace(episode, turns=turns[:3] + (replace(turns[3], paragraphs=("New words.",)),)
                     + turns[4:])
    captions = episode_captions(edited)
    assert split == [[(("New words.",), "Ben & Jo")]]
    assert captions.srt[captions.first[3]] == "New words."
    assert captions == real([(turn.paragraphs, edited.speaker(turn.speaker_id).name)
                             for turn in edited.turns])
