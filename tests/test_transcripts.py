"""Transcript files and chapters.json parse back, with webvtt-py, srt and json, to the
speakers, times and words of the episode source."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import srt
import webvtt
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from sitegen.build import BuildOptions, build, load_site
from sitegen.errors import Problems
from sitegen.model import Episode
from sitegen.outputs.transcripts import (MAX_LINE, _share_out, episode_cues, split_lines,
                                         text_width, turn_plain_text, vtt)
from tests.conftest import SEEDS, require

MS = 0.0015  # VTT/SRT times have millisecond precision


@pytest.fixture(scope="module")
def episodes(built_example: Path) -> tuple[Episode, ...]:
    site = load_site(BuildOptions(site_dir=built_example.parent), Problems())
    assert len(site.episodes) == 4
    return site.episodes


def files(built: Path, episode: Episode, name: str) -> Path:
    return built / "episodes" / episode.slug / name


def expected_turns(episode: Episode) -> list[tuple[tuple[str, ...], float, float, str]]:
    """(speakers, start, end, words) per turn from the source; turns written with the
    same timestamp count as one, as they share that span in the files."""
    groups: list[tuple[tuple[str, ...], float, float, str]] = []
    for index, turn in enumerate(episode.turns):
        name = episode.speaker(turn.speaker_id).name
        text = turn_plain_text(turn.paragraphs)
        end = episode.turn_end(index)
        if groups and groups[-1][1] == turn.start:
            speakers, start, _, words = groups[-1]
            groups[-1] = (_dedup(speakers + (name,)), start, end, f"{words} {text}")
        else:
            groups.append(((name,), turn.start, end, text))
    return groups


def _dedup(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for i, n in enumerate(names) if i == 0 or names[i - 1] != n)


def group_by_turn(episode: Episode, cues: list[tuple[str | None, float, float, str]]):
    """Cues (speaker, start, end, text) gathered into the turn whose span holds them."""
    groups = []
    used = 0
    for speakers, start, end, _ in expected_turns(episode):
        mine = [c for c in cues if start - MS <= c[1] < end - MS]
        assert mine, f"no cue for the turn at {start} s"
        used += len(mine)
        groups.append((_dedup(tuple(c[0] for c in mine)), mine[0][1], mine[-1][2],
                       " ".join(c[3] for c in mine)))
    assert used == len(cues)  # no cue outside every turn, none in two
    return groups


def assert_same_turns(episode: Episode, got) -> None:
    want = expected_turns(episode)
    assert len(got) == len(want)
    for (speaker, start, end, text), (w_speaker, w_start, w_end, w_text) in zip(got, want):
        assert speaker == w_speaker
        assert start == pytest.approx(w_start, abs=MS)
        assert end == pytest.approx(w_end, abs=MS)
        assert text == w_text


def test_vtt_parses_back_to_the_source(built_example, episodes):
    for episode in episodes:
        path = files(built_example, episode, "transcript.vtt")
        raw = path.read_text(encoding="utf-8")
        assert raw.startswith("WEBVTT\n\n")
        captions = webvtt.read(str(path)).captions
        cues = []
        for caption in captions:
            assert _seconds(caption.end) > _seconds(caption.start)
            assert caption.raw_text.startswith(f"<v {caption.voice}>")
            lines = caption.raw_text.split("\n")
            assert 1 <= len(lines) <= 2
            assert all(len(line) <= MAX_LINE for line in lines), lines
            cues.append((caption.voice, _seconds(caption.start), _seconds(caption.end),
                         html.unescape(" ".join(caption.text.split("\n")))))
        assert [c[1] for c in cues] == sorted(c[1] for c in cues)
        assert_same_turns(episode, group_by_turn(episode, cues))


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.replace(",", ".").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_srt_parses_back_to_the_source(built_example, episodes):
    for episode in episodes:
        text = files(built_example, episode, "transcript.srt").read_text(encoding="utf-8")
        names = sorted((s.name for s in episode.speakers), key=len, reverse=True)
        cues = []
        labels = []
        speaker = None
        for number, subtitle in enumerate(srt.parse(text), 1):
            assert subtitle.index == number
            assert subtitle.end > subtitle.start
            lines = subtitle.content.split("\n")
            assert 1 <= len(lines) <= 2 and all(len(line) <= MAX_LINE for line in lines)
            content = " ".join(lines)
            label = next((n for n in names if content.startswith(f"{n}: ")), None)
            if label:
                speaker, content = label, content[len(label) + 2:]
                labels.append(label)
            cues.append((speaker, subtitle.start.total_seconds(),
                         subtitle.end.total_seconds(), content))
        assert_same_turns(episode, group_by_turn(episode, cues))
        # a label exactly where the speaker changes
        spoken = tuple(episode.speaker(t.speaker_id).name for t in episode.turns)
        assert tuple(labels) == _dedup(spoken)


def test_json_parses_back_to_the_source(built_example, episodes):
    for episode in episodes:
        data = json.loads(files(built_example, episode, "transcript.json").read_text())
        assert data["version"] == "1.0.0"
        cues = []
        for segment in data["segments"]:
            assert set(segment) == {"speaker", "startTime", "endTime", "body"}
            assert segment["endTime"] > segment["startTime"]
            cues.append((segment["speaker"], segment["startTime"], segment["endTime"],
                         segment["body"]))
        assert_same_turns(episode, group_by_turn(episode, cues))


def test_html_transcript_has_cite_time_p_per_turn(built_example, episodes):
    for episode in episodes:
        doc = lxml_html.fromstring(files(built_example, episode, "transcript.html").read_bytes())
        cites = [c.text_content() for c in doc.iter("cite")]
        times = [t.text_content() for t in doc.iter("time")]
        assert cites == [f"{episode.speaker(t.speaker_id).name}:" for t in episode.turns]
        clock = [f"{int(t.start) // 60}:{int(t.start) % 60:02d}" for t in episode.turns]
        assert times == clock
        paragraphs = [" ".join(p.text_content().split()) for p in doc.iter("p")]
        assert paragraphs == [" ".join(p.split()) for t in episode.turns for p in t.paragraphs]


def test_chapters_json_matches_the_front_matter(built_example, episodes):
    for episode in episodes:
        data = json.loads(files(built_example, episode, "chapters.json").read_text())
        assert data["version"] == "1.2.0"
        chapters = data["chapters"]
        assert [(c["startTime"], c["title"]) for c in chapters] == \
            [(c.start, c.title) for c in episode.chapters]
        assert chapters[0]["startTime"] == 0
        starts = [c["startTime"] for c in chapters]
        assert starts == sorted(set(starts))
        assert all(isinstance(s, (int, float)) for s in starts)
    bridges = next(e for e in episodes if e.slug == "how-bridges-stand-up")
    data = json.loads(files(built_example, bridges, "chapters.json").read_text())
    assert data["chapters"][3]["url"] == \
        "https://example.com/loadpath/reading/suspension-cables"


def test_escaping_survives_the_round_trip(built_example, episodes):
    nine = next(e for e in episodes if e.slug == "nine-bars")
    raw = files(built_example, nine, "transcript.vtt").read_text(encoding="utf-8")
    assert "&lt; 6 bar" in raw and "&amp; there's" in raw and "< 6 bar" not in raw
    body = " ".join(s["body"] for s in json.loads(
        files(built_example, nine, "transcript.json").read_text())["segments"])
    assert "< 6 bar" in body and "\"sad coffee\" & there's" in body


def _turn_words(draw_text: str) -> str:
    return " ".join(draw_text.split())


words = st.text(alphabet="abcdefghij.,!?&<> ", min_size=1, max_size=12)


@given(st.lists(words, min_size=1, max_size=400), st.integers(20, 65))
def test_split_lines_keeps_every_word_within_two_short_lines(chunks, first_width):
    text = _turn_words(" ".join(chunks))
    if not text:
        return
    cues = split_lines(text, first_width)
    for cue in cues:
        assert 1 <= len(cue) <= 2
        assert text_width(cue[0]) <= first_width
        assert all(text_width(line) <= MAX_LINE for line in cue[1:])
    joined = " ".join(line for cue in cues for line in cue)
    if all(text_width(word) <= first_width for word in text.split()):
        assert joined == text
    else:  # over-wide words are cut into pieces, nothing is lost
        assert joined.replace(" ", "") == text.replace(" ", "")


@given(st.integers(0, 10**7), st.integers(-5000, 10**6),
       st.lists(st.integers(0, 500), min_size=1, max_size=60))
def test_share_out_gives_every_cue_a_positive_contiguous_span(start, length, weights):
    bounds = _share_out(start, start + length, weights)
    spans = list(zip(bounds, bounds[1:]))
    assert len(spans) == len(weights)
    assert spans[0][0] == start
    assert all(a < b for a, b in spans)
    assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))
    assert spans[-1][1] == max(start + length, start + len(weights))


def test_a_word_longer_than_a_line_is_cut_to_fit():
    url = "https://example.com/" + "x" * 150
    cues = split_lines(f"see {url} now", 50)
    lines = [line for cue in cues for line in cue]
    assert all(len(line) <= MAX_LINE for line in lines)
    assert "".join(lines).replace(" ", "") == f"see{url}now"


EPISODE = """---
title: Seed scale
date: 2026-05-01
audio: {{url: "https://cdn.example.com/seed.mp3", length: 52000000, duration: {duration}}}
speakers:
{speakers}
---
Notes.

## Transcript

{transcript}
"""


def seed_transcript() -> tuple[list[str], list[str]]:
    """Turn lines and speaker names from the first seed file (read only, never copied)."""
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        pytest.skip(f"no seed transcripts at {SEEDS}")
    text = seeds[0].read_text(encoding="utf-8")
    turn = re.compile(r"^([A-Z][\w.' -]{1,40}): (\d{1,2}:\d{2}(?::\d{2})?) \S")
    lines = [line.strip() for line in text.splitlines() if turn.match(line.strip())]
    if len(lines) < 10:
        pytest.skip("the seed has no transcript in `Name: M:SS text` form")
    names = sorted({turn.match(line).group(1) for line in lines})
    return lines, names


def test_seed_scale_long_turns_split_into_valid_cues(tmp_path):
    lines, names = seed_transcript()
    site = tmp_path / "site"
    (site / "content" / "episodes").mkdir(parents=True)
    (site / "site.yaml").write_text("title: Seed\ndescription: Seed-scale test\n"
                                    "base_url: https://example.org/\n", encoding="utf-8")
    speakers = "\n".join(f"  s{i}: {{name: {json.dumps(n)}, role: host}}"
                         for i, n in enumerate(names))
    (site / "content" / "episodes" / "2026-05-01-seed.md").write_text(EPISODE.format(
        duration='"3:00:00"', speakers=speakers, transcript="\n\n".join(lines)),
        encoding="utf-8")
    out = tmp_path / "out"
    build(BuildOptions(site_dir=site, output_dir=out))
    episode = load_site(BuildOptions(site_dir=site), Problems()).episodes[0]
    longest = max(len(turn_plain_text(t.paragraphs)) for t in episode.turns)
    assert longest > 1000  # the seed has long turns: they must be split
    captions = webvtt.read(str(out / "episodes" / "seed" / "transcript.vtt")).captions
    assert len(captions) > len(episode.turns) + longest // (2 * MAX_LINE)
    for caption in captions:
        assert _seconds(caption.end) > _seconds(caption.start)
        assert all(len(line) <= MAX_LINE for line in caption.raw_text.split("\n"))
        assert caption.raw_text.count("\n") <= 1
    cues = [(c.voice, _seconds(c.start), _seconds(c.end),
             html.unescape(" ".join(c.text.split("\n")))) for c in captions]
    assert_same_turns(episode, group_by_turn(episode, cues))
    subtitles = list(srt.parse((out / "episodes" / "seed" / "transcript.srt").read_text()))
    assert len(subtitles) == len(captions)


def test_turns_out_of_order_still_give_positive_cues(example_site):
    path = next((example_site / "content" / "episodes").glob("*nine-bars.md"))
    text = path.read_text(encoding="utf-8").replace("Tom Keller: 0:45 ", "Tom Keller: 0:20 ", 1)
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    episode = next(e for e in load_site(BuildOptions(site_dir=example_site), problems).episodes
                   if e.slug == "nine-bars")
    assert any("before the turn above it" in p.message for p in problems.warnings)
    cues = episode_cues(episode)
    assert all(c.end > c.start for c in cues)
    assert vtt(cues).count(" --> ") == len(cues)


@pytest.mark.parametrize("paragraph, words", [
    ("1. First we heat it.", "1. First we heat it."),
    ("- a dash, then *emphasis* and `code`", "- a dash, then emphasis and code"),
    ("see [the guide](https://example.com/g) & more", "see the guide & more"),
    ("> not a quote <here>", "> not a quote <here>"),
])
def test_transcript_paragraphs_are_inline_markdown(paragraph, words):
    from sitegen.outputs.transcripts import inline_text
    assert inline_text(paragraph) == words


def test_episode_pages_link_to_transcript_files_that_exist(built_example, episodes):
    for episode in episodes:
        page = (built_example / "episodes" / episode.slug / "index.html").read_text()
        links = set(re.findall(r'href="/loadpath/(episodes/[^"]+/(?:transcript\.\w+|'
                               r'chapters\.json))"', page))
        assert {f"episodes/{episode.slug}/transcript.{fmt}"
                for fmt in ("vtt", "srt", "json", "html")} <= links
        for link in links:
            assert (built_example / link).is_file(), link


@pytest.mark.parametrize("seconds, text", [
    (0, "PT0S"), (9, "PT9S"), (75.25, "PT1M15.25S"), (3884, "PT1H4M44S"), (3600, "PT1H0S")])
def test_html_duration(seconds, text):
    from sitegen.outputs.transcripts import html_duration
    assert html_duration(seconds) == text


def test_html_transcripts_pass_the_nu_html_checker(built_example):
    import subprocess

    from tests.theme_tools import VNU_JAR, java
    require(VNU_JAR.is_file(), f"vnu.jar not found at {VNU_JAR}")
    require(java() is not None, "java is not installed")
    files = sorted(built_example.glob("episodes/*/transcript.html"))
    assert len(files) == 4
    result = subprocess.run([java(), "-jar", str(VNU_JAR), "--errors-only",
                             *map(str, files)], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[:3000]


@pytest.mark.browser
def test_chromium_parses_every_vtt_cue(built_example, episodes, page):
    """The browser's own WebVTT parser (what web players use) reads every cue."""
    from tests.helpers import serve_static
    with serve_static(built_example) as base:
        for episode in episodes:
            page.goto(f"{base}episodes/{episode.slug}/")
            cues = page.evaluate("""async (src) => {
                const video = document.createElement('video');
                const track = document.createElement('track');
                track.src = src; track.kind = 'captions'; track.default = true;
                video.appendChild(track); document.body.appendChild(video);
                track.track.mode = 'hidden';
                await new Promise((ok, fail) => { track.onload = ok; track.onerror = fail; });
                return Array.from(track.track.cues, c => [c.startTime, c.endTime, c.text]);
            }""", f"{base}episodes/{episode.slug}/transcript.vtt")
            expected = webvtt.read(str(files(built_example, episode, "transcript.vtt"))).captions
            assert len(cues) == len(expected) > 0
            for (start, end, text), caption in zip(cues, expected):
                assert end > start
                assert start == pytest.approx(_seconds(caption.start), abs=MS)
                assert text == caption.raw_text


def test_a_long_sentence_is_spread_evenly_over_its_cues():
    sentence = ("We should be trying to find ways where we can have really super powerful "
                "models, but with a much smaller footprint.")
    cues = split_lines(sentence, 49)
    assert len(cues) == 2
    sizes = [len(" ".join(cue)) for cue in cues]
    assert min(sizes) >= 45, cues  # greedy filling would leave "footprint." alone
    assert split_lines("Short one. " + sentence, 49)[0] == ("Short one.",)
