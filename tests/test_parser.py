"""The episode format: front matter, show notes, `## Transcript` and speaker turns.

Fixture files live in tests/fixtures/episodes/; inline texts cover single rules.
Property tests (hypothesis) cover `parse_transcript` and `timecodes`.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.errors import Problems
from sitegen.model import SiteConfig, Speaker, Turn
from sitegen.slugs import unique
from sitegen.source import episode as episode_module
from sitegen.source.episode import load_episode, parse_episode, parse_transcript
from sitegen.timecodes import (TimestampError, format_clock, format_cue, format_hms,
                               format_seconds, parse_timestamp)

from .conftest import FIXTURES, SEEDS

EPISODES = FIXTURES / "episodes"
HEAD = """---
title: T
date: 2026-01-01
audio: {url: https://cdn.example.org/a.mp3, length: 1000, duration: 600}
speakers:
  ada: {name: Ada Quill, role: host}
  bo: Bo Li
---
"""
# HEAD is 8 lines, so "## Transcript" written right after it is line 9.


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    (tmp_path / "content").mkdir()
    return SiteConfig(root=tmp_path, title="Show", description="About",
                      base_url="https://example.org/show/")


def parse(text: str, config: SiteConfig, name: str = "ep.md"):
    problems = Problems()
    episode = parse_episode(text, Path(name), config, problems)
    return episode, problems


def error_lines(problems: Problems) -> list[int | None]:
    return sorted(p.line or 0 for p in problems.errors)


# ---- a complete file ------------------------------------------------------------------

def test_full_fixture_every_front_matter_key(config: SiteConfig) -> None:
    problems = Problems()
    episode = load_episode(EPISODES / "full.md", config, problems)
    assert problems.items == [], [p.format() for p in problems.items]
    assert episode is not None
    assert episode.title == "Soldering Irons, Honestly"
    assert episode.date == datetime(2026, 5, 6, 18, 30, tzinfo=episode.date.tzinfo)
    assert episode.date.utcoffset() is not None
    assert (episode.number, episode.season, episode.episode_type) == (12, 2, "bonus")
    assert episode.summary == "Marta and Oskar argue about tip temperatures."
    assert episode.explicit is True
    assert episode.image == "https://cdn.example.org/bench/soldering.jpg"
    assert episode.guid == "bench-talk-0012"
    assert episode.slug == "soldering-honestly"
    assert episode.draft is False
    assert episode.audio is not None
    assert episode.audio.url == "https://cdn.example.org/bench/soldering.mp3"
    assert episode.audio.mime == "audio/mpeg"
    assert episode.audio.length == 48213377
    assert episode.audio.duration == 3725.0
    assert [link.title for link in episode.links] == ["Flux notes", "https://example.org/bare"]
    assert episode.notes.startswith("Notes with **bold**")
    assert "Transcript" not in episode.notes


def test_full_fixture_speakers(config: SiteConfig) -> None:
    episode = load_episode(EPISODES / "full.md", config, Problems())
    assert episode is not None
    by_id = {s.id: s for s in episode.speakers}
    assert by_id["marta"] == Speaker("marta", "Marta Vell", "marta-vell", "host",
                                     color="#225588")
    assert by_id["oskar"].url == "https://example.org/oskar"
    assert by_id["oskar"].role == "guest"
    assert (by_id["kim"].name, by_id["kim"].role) == ("Kim Ode", "guest")


def test_full_fixture_chapters_as_strings_and_mappings(config: SiteConfig) -> None:
    episode = load_episode(EPISODES / "full.md", config, Problems())
    assert episode is not None
    assert [(c.start, c.title) for c in episode.chapters] == [
        (0.0, "Hello"), (75.0, "Tip temperature"), (3610.0, "Listener mail")]
    mail = episode.chapters[2]
    assert (mail.url, mail.toc) == ("https://example.org/mail", False)
    assert episode.chapters[0].toc is True
    assert [c.line for c in episode.chapters] == [21, 22, 23]


def test_full_fixture_turns(config: SiteConfig) -> None:
    episode = load_episode(EPISODES / "full.md", config, Problems())
    assert episode is not None
    turns = episode.turns
    assert [(t.speaker_id, t.start, t.line) for t in turns] == [
        ("marta", 0.0, 33), ("oskar", 75.0, 35), ("oskar", 750.0, 40), ("kim", 3599.0, 42),
        ("marta", 3610.0, 44)]
    assert turns[1].paragraphs == (
        "Three hundred and fifty degrees is plenty.",
        "Most people run it far hotter than that. Kim Ode: 9:99 is not a turn, the "
        "backslash keeps it in this paragraph.")
    assert len({t.anchor for t in turns}) == len(turns)
    assert turns[0].anchor == "t-0"


# ---- every error, together, with its line -------------------------------------------

def test_errors_fixture_reports_everything_at_once(config: SiteConfig) -> None:
    problems = Problems()
    episode = load_episode(EPISODES / "errors.md", config, problems)
    assert episode is None
    assert all(p.path == EPISODES / "errors.md" for p in problems.errors)
    lines = error_lines(problems)
    assert lines == [3, 4, 5, 7, 10, 11, 18, 19, 20], [p.format() for p in problems.items]
    messages = {p.line: p.message for p in problems.errors}
    assert "date" in messages[3]
    assert "number" in messages[4]
    assert "explicit" in messages[5]
    assert "boss" in messages[7]
    assert "1:75" in messages[10]
    assert "start" in messages[11]
    assert "Nobody Known" in messages[18]
    assert "1:2" in messages[19]
    assert "1:00:75" in messages[20]


def test_every_problem_formats_as_file_colon_line(config: SiteConfig) -> None:
    problems = Problems()
    load_episode(EPISODES / "errors.md", config, problems)
    for problem in problems.errors:
        assert problem.format(EPISODES).startswith(f"errors.md:{problem.line}: error: ")


def test_unknown_key_is_a_warning_with_did_you_mean(config: SiteConfig) -> None:
    problems = Problems()
    episode = load_episode(EPISODES / "unknown-key.md", config, problems)
    assert episode is not None
    assert problems.errors == []
    [warning] = problems.warnings
    assert (warning.line, warning.severity) == (4, "warning")
    assert "sumary" in warning.message
    assert warning.hint and "summary" in warning.hint


def test_unknown_key_is_an_error_under_strict(config: SiteConfig) -> None:
    from sitegen.errors import BuildError
    problems = Problems()
    load_episode(EPISODES / "unknown-key.md", config, problems)
    problems.raise_if_errors(strict=False)
    with pytest.raises(BuildError) as caught:
        problems.raise_if_errors(strict=True)
    assert [p.severity for p in caught.value.problems] == ["error"]


def test_required_keys(config: SiteConfig) -> None:
    _, problems = parse("---\nsummary: no title, no date\n---\n", config)
    messages = sorted(p.message for p in problems.errors)
    assert messages == ["missing required key 'date'", "missing required key 'title'"]
    assert all(p.line == 2 for p in problems.errors)


@pytest.mark.parametrize("front, line, words", [
    ("title: T\ndate: 2026-01-01\ntype: special\n", 4, "type"),
    ("title: T\ndate: 2026-01-01\nseason: -1\n", 4, "season"),
    ("title: T\ndate: 2026-01-01\ndraft: perhaps\n", 4, "draft"),
    ("title: T\ndate: 2026-01-01\nlinks:\n  - {title: x}\n", 4, "url"),
    ("title: T\ndate: 2026-01-01\nlinks:\n  - {url: 'javascript:alert(1)'}\n", 4, "URL"),
    ("title: T\ndate: 2026-01-01\naudio: {length: 5}\n", 4, "audio"),
    ("title: T\ndate: 2026-01-01\naudio: ../../etc/passwd.mp3\n", 4, "content"),
    ("title: T\ndate: 2026-01-01\naudio: audio/missing.mp3\n", 4, "does not exist"),
    ("title: T\ndate: 2026-01-01\nduration: soon\n", 4, "duration"),
    ("title: [unclosed\ndate: 2026-01-01\n", 3, "YAML"),
    ("title: T\ntitle: U\ndate: 2026-01-01\n", 3, "duplicate"),
])
def test_front_matter_errors_are_located(config: SiteConfig, front: str, line: int,
                                         words: str) -> None:
    episode, problems = parse(f"---\n{front}---\nNotes.\n", config)
    assert episode is None
    assert any(p.line == line and words in p.message for p in problems.errors), \
        [p.format() for p in problems.items]


def test_chapter_order_and_values(config: SiteConfig) -> None:
    front = ("title: T\ndate: 2026-01-01\nchapters:\n  - '0:00 A'\n  - {start: 90, title: B}"
             "\n  - '1:00 C'\n  - '2:00'\n")
    _, problems = parse(f"---\n{front}---\n", config)
    assert {(p.line, "before" in p.message or "empty" in p.message)
            for p in problems.errors} == {(7, True), (8, True)}


def test_numeric_chapter_start_is_seconds(config: SiteConfig) -> None:
    front = "title: T\ndate: 2026-01-01\nchapters:\n  - {start: 75.5, title: A}\n"
    episode, problems = parse(f"---\n{front}---\n", config)
    assert problems.errors == []
    assert episode is not None and episode.chapters[0].start == 75.5


@pytest.mark.parametrize("front", [
    "chapters:\n  - {start: -5, title: Before the start}\n",
    "chapters:\n  - {start: 1.0e400, title: Infinity}\n",
    "chapters:\n  - {start: 360000, title: Too late}\n",
    "chapters:\n  - {start: true, title: Yes}\n",
    "duration: 1.0e400\n",
    "duration: 0\n",
    "duration: -3\n",
    "audio: {url: https://cdn.example.org/a.mp3, length: 5, duration: 1.0e400}\n",
    "audio: {url: https://cdn.example.org/a.mp3, length: -5}\n",
], ids=["negative", "infinite", "100h", "boolean", "inf-duration", "zero-duration",
        "negative-duration", "inf-audio-duration", "negative-length"])
def test_times_and_sizes_out_of_range_are_errors(config: SiteConfig, front: str) -> None:
    episode, problems = parse(f"---\ntitle: T\ndate: 2026-01-01\n{front}---\n", config)
    assert episode is None
    [error] = problems.errors
    assert error.line == (5 if front.startswith("chapters") else 4), error.format()


@pytest.mark.parametrize("line", [
    "date: 2026-02-30", "date: 2026-01-01T25:00:00", "summary: !!int x", "summary: !!float x",
    "summary: !!timestamp nope", "summary: !!python/object:os.system x",
    "summary: !!binary aGVsbG8=", "summary: !!set {a, b}", "summary: [1, {a: !!int y}]",
    "speakers: {a: {name: X, slug: 'A B'}}", "speakers: [Ada, Bo]",
])
def test_yaml_values_that_cannot_be_used_are_located_errors(config: SiteConfig,
                                                            line: str) -> None:
    date = "" if line.startswith("date") else "date: 2026-01-01\n"
    episode, problems = parse(f"---\ntitle: T\n{line}\n{date}---\n", config)
    assert episode is None
    [error] = problems.errors
    assert error.line == 3, error.format()


def test_structure_errors(config: SiteConfig) -> None:
    for text, line, words in [
        ("title: T\n", 1, "front matter"),
        ("---\ntitle: T\n", 1, "never closed"),
        ("---\n- a\n---\n", 2, "mapping"),
    ]:
        episode, problems = parse(text, config)
        assert episode is None
        [error] = problems.errors
        assert error.line == line and words in error.message


def test_defaults_and_guid_rules(config: SiteConfig) -> None:
    text = HEAD + "## Transcript\n\nAda Quill: 0:00 Hi.\n"
    first, _ = parse(text, config, "2026-01-01-some-name.md")
    moved, _ = parse(text, config, "elsewhere/2026-01-01-other-name.md")
    assert first is not None and moved is not None
    assert first.slug == "some-name"
    assert first.guid == moved.guid, "the default guid must not depend on the file name"
    retitled, _ = parse(text.replace("title: T", "title: U"), config)
    assert retitled is not None and retitled.guid != first.guid
    assert (first.number, first.episode_type, first.draft) == (None, "full", False)
    assert first.date.tzinfo is not None


def test_timezone_from_config(config: SiteConfig) -> None:
    from dataclasses import replace
    berlin = replace(config, timezone="Europe/Berlin")
    episode, _ = parse(HEAD.replace("2026-01-01", "2026-07-01 12:00"), berlin)
    assert episode is not None
    assert episode.date.astimezone(timezone.utc).hour == 10


def test_people_from_site_config_are_inherited(config: SiteConfig) -> None:
    from dataclasses import replace
    people = (Speaker("ada", "Ada Quill", "ada-quill", "host", url="https://example.org/ada"),)
    site = replace(config, people=people)
    text = HEAD.replace("  ada: {name: Ada Quill, role: host}\n", "  ada: {}\n")
    episode, problems = parse(text + "## Transcript\nAda Quill: 0:00 hi\n", site)
    assert problems.errors == []
    assert episode is not None and episode.speaker("ada").url == "https://example.org/ada"
    _, problems = parse(text.replace("ada: {}", "zed: {}"), config)
    assert any("zed" in p.message and p.line == 6 for p in problems.errors)


# ---- the transcript -----------------------------------------------------------------

def turns_of(body: str, config: SiteConfig):
    episode, problems = parse(HEAD + "Notes.\n\n## Transcript\n" + body, config)
    return episode, problems


def test_transcript_marker_is_the_exact_line(config: SiteConfig) -> None:
    body = "Ada Quill: 0:00 hi\n"
    episode, _ = parse(HEAD + "## Transcript of nothing\n" + body, config)
    assert episode is not None and episode.turns == ()
    assert "Ada Quill" in episode.notes
    episode, _ = parse(HEAD + "### Transcript\n" + body, config)
    assert episode is not None and episode.turns == ()
    episode, _ = parse(HEAD + "  ## Transcript  \n" + body, config)
    assert episode is not None and len(episode.turns) == 1


@pytest.mark.parametrize("stamp, seconds", [
    ("4:44", 284), ("04:44", 284), ("1:04:44", 3884), ("01:04:44", 3884), ("[4:44]", 284),
    ("(4:44)", 284), ("[1:04:44]", 3884), ("0:05.5", 5.5), ("59:59", 3599),
])
def test_timestamp_forms_in_turns(config: SiteConfig, stamp: str, seconds: float) -> None:
    episode, problems = turns_of(f"Ada Quill: {stamp} text\n", config)
    assert problems.errors == []
    assert episode is not None and episode.turns[0].start == seconds


@pytest.mark.parametrize("stamp", ["1:2", "4:60", "1:60:00", "[4:44)", "123:45", "4:4:4"])
def test_malformed_timestamps_reported_at_their_line(config: SiteConfig, stamp: str) -> None:
    body = f"Ada Quill: 0:00 first\n\nBo Li: {stamp} second\n"
    episode, problems = turns_of(body, config)
    assert episode is None
    [error] = problems.errors
    assert error.line == 14 and stamp in error.message


def test_multi_paragraph_turns_and_continuations(config: SiteConfig) -> None:
    body = ("\nAda Quill: 0:00 One\nstill one.\n\n\nTwo.\n\nBo Li: 0:10 Three\n"
            "\\Ada Quill: 0:20 escaped\n\n\\\\ starts with a backslash\n")
    episode, problems = turns_of(body, config)
    assert problems.items == []
    assert episode is not None
    assert [t.paragraphs for t in episode.turns] == [
        ("One still one.", "Two."),
        ("Three Ada Quill: 0:20 escaped", "\\ starts with a backslash")]


def test_speaker_matched_by_name_or_id_ignoring_case_and_spaces(config: SiteConfig) -> None:
    body = "ada: 0:00 a\nADA  QUILL: 0:01 b\nbo: 0:02 c\nBo Li: 0:03 d\n"
    episode, problems = turns_of(body, config)
    assert problems.errors == []
    assert episode is not None
    assert [t.speaker_id for t in episode.turns] == ["ada", "ada", "bo", "bo"]


@pytest.mark.parametrize("speakers, words", [
    ("{bo: Ada Quill, ada: Bo}", "'bo'"),
    ("{a: Ada Quill, b: ada  quill}", "'ada quill'"),
    ("{a: Ada Quill, b: Ada-Quill}", "slug 'ada-quill'"),
])
def test_ambiguous_speakers_are_an_error(config: SiteConfig, speakers: str,
                                         words: str) -> None:
    text = f"---\ntitle: T\ndate: 2026-01-01\nspeakers: {speakers}\n---\n"
    episode, problems = parse(text, config)
    assert episode is None
    assert problems.errors and all(p.line == 4 for p in problems.errors)
    assert any(words in p.message for p in problems.errors)


def test_unknown_speaker_is_an_error_at_its_line(config: SiteConfig) -> None:
    body = "Ada Quill: 0:00 a\nCy Press: 0:05 b\n\nBo Li: 0:10 c\nDee: 1:00 d\n"
    episode, problems = turns_of(body, config)
    assert episode is None
    assert [(p.line, p.message) for p in problems.errors] == [
        (13, "unknown speaker 'Cy Press'"), (16, "unknown speaker 'Dee'")]
    assert "Ada Quill" in (problems.errors[0].hint or "")


def test_text_before_first_turn_and_missing_speakers(config: SiteConfig) -> None:
    _, problems = turns_of("Hello there.\nAda Quill: 0:00 a\n", config)
    assert [p.line for p in problems.errors] == [12]
    text = "---\ntitle: T\ndate: 2026-01-01\n---\n## Transcript\nAda: 0:00 hi\n"
    _, problems = parse(text, config)
    assert any("no speakers" in p.message for p in problems.errors)


def test_out_of_order_and_duplicate_starts(config: SiteConfig) -> None:
    body = "Ada Quill: 0:10 a\nBo Li: 0:05 b\nAda Quill: 0:05 c\nBo Li: 0:07\n"
    episode, problems = turns_of(body, config)
    assert episode is not None
    assert sorted(p.line for p in problems.warnings) == [13, 15]
    assert len({t.anchor for t in episode.turns}) == 4


def test_notes_and_transcript_lines_in_model(config: SiteConfig) -> None:
    episode, _ = turns_of("\n\nAda Quill: 0:00 a\n", config)
    assert episode is not None
    assert episode.notes == "Notes."
    assert episode.notes_line == 9
    assert episode.turns[0].line == 14


# ---- hostile input ------------------------------------------------------------------

def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "content" / "hostile.md"
    path.write_bytes(data)
    return path


GOOD = (HEAD + "Notes.\n## Transcript\nAda Quill: 0:01 hi\n").encode()


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf" + GOOD, GOOD.replace(b"\n", b"\r\n"), GOOD.replace(b"\n", b"\r")],
    ids=["bom", "crlf", "cr"])
def test_bom_and_line_endings_parse_the_same(config: SiteConfig, tmp_path: Path,
                                             data: bytes) -> None:
    problems = Problems()
    episode = load_episode(write(tmp_path, data), config, problems)
    assert problems.items == []
    assert episode is not None
    assert [(t.start, t.paragraphs, t.line) for t in episode.turns] == [(1.0, ("hi",), 11)]


@pytest.mark.parametrize("data, line, words", [
    (GOOD.replace(b"hi", b"h\xe9"), 11, "UTF-8"),
    (GOOD.replace(b"hi", b"h\x00i"), 11, "NUL"),
    (bytes(range(256)) * 40, 2, "UTF-8"),
    (GOOD.decode().encode("utf-16"), 1, "UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "UTF-8"),
    (b"", 1, "front matter"),
], ids=["latin1", "nul", "binary", "utf16", "png", "empty"])
def test_undecodable_files_are_one_located_error(config: SiteConfig, tmp_path: Path,
                                                 data: bytes, line: int, words: str) -> None:
    problems = Problems()
    path = write(tmp_path, data)
    assert load_episode(path, config, problems) is None
    [error] = problems.errors
    assert (error.path, error.line) == (path, line) and words in error.message


def test_yaml_alias_bomb_is_refused(config: SiteConfig) -> None:
    bomb = "".join(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n"
                   for i in range(1, 12))
    front = "title: T\ndate: 2026-01-01\nl0: &l0 [lol]\n" + bomb
    started = time.perf_counter()
    episode, problems = parse(f"---\n{front}---\n", config)
    assert time.perf_counter() - started < 2
    assert episode is None
    [error] = problems.errors
    assert error.line == 5 and "alias" in error.message


@pytest.mark.parametrize("nested", [
    "title: " + "[" * 3000 + "]" * 3000,
    "title:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "  " * 60 + "v: 1",
    "title: " + "{a: " * 500 + "1" + "}" * 500,
], ids=["flow-lists", "block-mappings", "flow-mappings"])
def test_deep_nesting_is_a_located_error(config: SiteConfig, nested: str) -> None:
    episode, problems = parse(f"---\n{nested}\ndate: 2026-01-01\n---\n", config)
    assert episode is None
    [error] = problems.errors
    assert error.line is not None and "nested" in error.message


def test_five_megabyte_transcript_parses_in_bounded_time(config: SiteConfig) -> None:
    sentence = "the load goes down the pier into the footing and then the rock. " * 6
    turns = [f"{'Ada Quill' if i % 2 else 'Bo Li'}: {i // 3600}:{i // 60 % 60:02d}:{i % 60:02d}"
             f" {sentence}\n\n{sentence}\n\n" for i in range(6500)]
    text = HEAD + "## Transcript\n" + "".join(turns)
    assert len(text.encode()) > 5_000_000
    started = time.perf_counter()
    episode, problems = parse(text, config)
    elapsed = time.perf_counter() - started
    assert problems.items == []
    assert episode is not None and len(episode.turns) == 6500
    assert elapsed < 10, f"parsing 5 MB took {elapsed:.1f} s"


def test_oversized_file_is_refused_without_reading(config: SiteConfig, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sitegen.source.episode as episode_module
    monkeypatch.setattr(episode_module, "MAX_FILE_BYTES", 1000)
    path = write(tmp_path, GOOD + b"x" * 2000)
    problems = Problems()
    assert load_episode(path, config, problems) is None
    [error] = problems.errors
    assert "limit" in error.message and error.path == path


# ---- seeds (read only; skipped when /work/shared is absent) -------------------------

def test_seed_texts_never_crash(config: SiteConfig) -> None:
    """Real-world text as a transcript body: turns or located problems, never a crash."""
    if not SEEDS.is_dir():
        pytest.skip(f"no seeds folder at {SEEDS}")
    files = sorted(p for p in SEEDS.iterdir() if p.is_file())[:100]
    if not files:
        pytest.skip("the seeds folder is empty")
    for path in files:
        body = path.read_bytes().decode("utf-8", "replace").replace("\x00", "")
        episode, problems = parse(HEAD + "## Transcript\n" + body, config, path.name)
        assert episode is not None or problems.errors, path
        assert all(p.line is not None for p in problems.errors), path


# ---- properties: parse_transcript --------------------------------------------------

SPEAKERS = (Speaker("ada", "Ada Quill", "ada-quill", "host"), Speaker("bo", "Bo Li", "bo-li"))
words = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e"
                                                            "\x85\u2028\u2029"),
                min_size=1, max_size=40).map(str.strip).filter(bool)


@given(st.lists(st.text(max_size=120), max_size=40))
def test_transcript_never_crashes_on_arbitrary_lines(lines: list[str]) -> None:
    problems = Problems()
    turns = parse_transcript(lines, 10, SPEAKERS, Path("x.md"), problems)
    for turn in turns:
        assert turn.speaker_id in ("ada", "bo")
        assert 10 <= turn.line < 10 + len(lines)
        assert turn.start >= 0
    for problem in problems.items:
        assert problem.path == Path("x.md")
        assert problem.line is not None and 10 <= problem.line < 10 + max(len(lines), 1)
    assert len({t.anchor for t in turns}) == len(turns)


@given(st.text(max_size=2000))
def test_transcript_never_crashes_on_arbitrary_text(text: str) -> None:
    problems = Problems()
    turns = parse_transcript(text.split("\n"), 1, SPEAKERS, Path("x.md"), problems)
    assert turns or problems.items or not text.strip()


@st.composite
def written_turns(draw) -> tuple[list[tuple[str, int, list[str]]], str]:
    count = draw(st.integers(1, 12))
    starts = sorted(draw(st.lists(st.integers(0, 99 * 3600), min_size=count,
                                  max_size=count)))
    turns = []
    for start in starts:
        who = draw(st.sampled_from(["ada", "bo"]))
        paragraphs = draw(st.lists(words, min_size=1, max_size=3))
        turns.append((who, start, paragraphs))
    lines = []
    for who, start, paragraphs in turns:
        label = draw(st.sampled_from([who, "Ada Quill" if who == "ada" else "Bo Li"]))
        stamp = draw(st.sampled_from([format_clock(start), format_hms(start),
                                      f"[{format_clock(start)}]"]))
        lines.append(f"{label}: {stamp} {paragraphs[0]}")
        for paragraph in paragraphs[1:]:
            # a continuation that could read as a turn (or starts with \\) is escaped
            escape = paragraph.startswith("\\") or ":" in paragraph
            lines += ["", "\\" + paragraph if escape else paragraph]
        lines.append("")
    return turns, "\n".join(lines)


@given(written_turns())
def test_transcript_reads_back_what_was_written(case) -> None:
    expected, text = case
    problems = Problems()
    turns = parse_transcript(text.split("\n"), 1, SPEAKERS, Path("x.md"), problems)
    assert problems.errors == []
    assert [(t.speaker_id, t.start, list(t.paragraphs)) for t in turns] == expected


# ---- parse_transcript against a plain reading ---------------------------------------

def reference_transcript(lines: list[str], first_line: int, speakers, path: Path,
                         problems: Problems) -> tuple[Turn, ...]:
    """parse_transcript as first written: an object per open turn, `unique` per anchor."""
    by_name = episode_module._speaker_index(speakers)
    written: dict = {}
    turns: list[Turn] = []
    anchors: set[str] = set()
    current = None   # (speaker id, start, line, paragraphs)
    paragraph: list[str] = []

    def close(turn) -> Turn:
        speaker_id, start, line, paragraphs = turn
        if not paragraphs:
            problems.warning("turn has no text", path, line)
        return Turn(speaker_id, start, tuple(paragraphs), line,
                    unique(f"t-{int(start)}", anchors))

    for line_no, raw in enumerate(lines, first_line):
        line = raw.strip()
        if not line:
            if paragraph:
                current[3].append(" ".join(paragraph))
                paragraph = []
            continue
        match = episode_module.TURN_LINE.match(line) if ":" in line else None
        if match is None:
            if current is None:
                episode_module._text_before_turns(path, line_no, problems)
                continue
            if ":" in line:
                episode_module._warn_near_turn(line, by_name, path, line_no, problems)
            paragraph.append(line[1:] if line[0] == "\\" else line)
            continue
        name = match["name"]
        if name not in written:
            written[name] = by_name.get(episode_module._name_key(name))
        speaker = written[name]
        if speaker is None:
            episode_module._unknown_speaker(name, by_name, path, line_no, problems)
            continue
        try:
            start = parse_timestamp(match["ts"])
        except TimestampError as exc:
            problems.error(str(exc), path, line_no)
            continue
        if current is not None:
            if paragraph:
                current[3].append(" ".join(paragraph))
            turns.append(close(current))
        if turns and start < turns[-1].start:
            problems.warning(f"turn starts at {match['ts']}, before the turn above it "
                             f"(line {turns[-1].line})", path, line_no)
        current = (speaker.id, start, line_no, [])
        text = match["text"]
        paragraph = [text.strip()] if text and text.strip() else []
    if current is not None:
        if paragraph:
            current[3].append(" ".join(paragraph))
        turns.append(close(current))
    return tuple(turns)


TRANSCRIPT_LINES = st.one_of(
    st.just(""), st.just("   "), st.just("\\"),
    st.builds(lambda name, stamp, gap, text: f"{name}:{gap}{stamp} {text}".rstrip(),
              st.sampled_from(["Ada Quill", "ada", "Bo Li", " bo ", "Bo  Li", "Rafel", "#x",
                               "ADA QUILL", "Bo Li\t"]),
              st.sampled_from(["0:00", "0:05", "0:05", "1:02:03", "[0:07]", "(0:07]", "0:75",
                               "12:34.5", "2:00", "1:59", "99:00:00"]),
              st.sampled_from([" ", "", "\t"]),
              st.text(alphabet="ab :\\\t", max_size=12)),
    st.text(alphabet="ab :0\\\t\u00a0", max_size=25),
    st.builds(lambda name, rest: f"{name}:{rest}", st.sampled_from(["Ada Quill", "Bo Li", "x"]),
              st.sampled_from(["0:15 t", " 0:15text", "0:1", " 7"])),
)


@given(st.lists(TRANSCRIPT_LINES, max_size=30), st.integers(1, 50))
def test_transcript_reads_as_the_plain_reading(lines: list[str], first_line: int) -> None:
    fast, plain = Problems(), Problems()
    expected = reference_transcript(lines, first_line, SPEAKERS, Path("x.md"), plain)
    assert parse_transcript(lines, first_line, SPEAKERS, Path("x.md"), fast) == expected
    assert fast.items == plain.items


# ---- properties: timecodes ---------------------------------------------------------

SECONDS = st.integers(0, 100 * 3600 - 1)
MILLIS = st.integers(0, 100 * 3600 * 1000 - 1).map(lambda ms: ms / 1000)


@given(SECONDS)
def test_clock_and_hms_round_trip(seconds: int) -> None:
    assert parse_timestamp(format_clock(seconds)) == seconds
    assert parse_timestamp(format_hms(seconds)) == seconds
    assert parse_timestamp(f"[{format_clock(seconds)}]") == seconds
    assert parse_timestamp(f"({format_hms(seconds)})") == seconds


@given(MILLIS)
def test_fractional_forms_round_trip(seconds: float) -> None:
    assert abs(parse_timestamp(format_seconds(seconds)) - seconds) < 1e-6
    assert abs(parse_timestamp(format_cue(seconds)) - seconds) < 1e-6
    assert abs(parse_timestamp(format_cue(seconds, ",")) - seconds) < 1e-6
    assert not format_seconds(seconds).endswith(".")


@given(st.floats(0, 100 * 3600, exclude_max=True))
def test_formatting_never_fails_and_truncates_to_the_second(seconds: float) -> None:
    assert parse_timestamp(format_hms(seconds)) == int(seconds)
    assert format_clock(seconds).count(":") in (1, 2)


@given(st.text(max_size=30))
def test_parse_timestamp_returns_seconds_or_raises_timestamp_error(text: str) -> None:
    try:
        value = parse_timestamp(text)
    except TimestampError as exc:
        assert "timestamp" in str(exc)
    else:
        assert value >= 0


@pytest.mark.parametrize("text", ["1:60", "1:60:00", "[1:00)", "(1:00]", "1:00]", "1::00",
                                  "-1:00", "1:00:00:00", "abc", "", "1:0", "1e3"])
def test_malformed_timestamps_raise(text: str) -> None:
    with pytest.raises(TimestampError):
        parse_timestamp(text)


# ---- docs/format.md: the documented examples are real ------------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "format.md"


def doc_blocks(lang: str) -> list[str]:
    """The fenced code blocks of docs/format.md whose info string is `lang`."""
    blocks: list[str] = []
    current: list[str] | None = None
    info = ""
    for line in DOC.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, info = [], line[3:].strip()
            else:
                if info == lang:
                    blocks.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


@pytest.fixture
def example_config() -> SiteConfig:
    from sitegen.config import load_config
    problems = Problems()
    config = load_config(DOC.parent.parent, problems)
    assert problems.errors == []
    return config


def test_documented_episode_example_parses(example_config: SiteConfig) -> None:
    text = doc_blocks("markdown")[0]
    episode, problems = parse(text, example_config, "2026-01-14-how-bridges-stand-up.md")
    assert problems.items == [], [p.format() for p in problems.items]
    assert episode is not None and episode.slug == "how-bridges-stand-up"
    assert [(t.speaker_id, t.start, len(t.paragraphs)) for t in episode.turns] == [
        ("priya", 0, 1), ("helen", 36, 2), ("priya", 102, 1)]
    assert len(episode.chapters) == 3 and episode.chapters[2].url


def test_documented_transcript_example_parses(config: SiteConfig) -> None:
    [block] = [b for b in doc_blocks("") if b.startswith("Tom Keller:")]
    text = ("---\ntitle: T\ndate: 2026-01-01\nspeakers:\n  tom: Tom Keller\n"
            "  helen: Helen Osei\n---\n## Transcript\n" + block)
    episode, problems = parse(text, config)
    assert problems.items == []
    assert episode is not None
    assert [(t.speaker_id, t.start) for t in episode.turns] == [
        ("tom", 276), ("helen", 281), ("tom", 3912)]
    assert len(episode.turns[1].paragraphs) == 2
    assert episode.turns[1].paragraphs[1].endswith("thanks to the backslash.")
    assert "Tom Keller: 5:00" in episode.turns[1].paragraphs[1]


@pytest.mark.parametrize("index", range(3))
def test_documented_front_matter_snippets_parse(example_config: SiteConfig,
                                                index: int) -> None:
    snippets = [b for b in doc_blocks("yaml") if b.startswith(("speakers:", "chapters:",
                                                               "audio:\n"))]
    assert len(snippets) == 3
    text = f"---\ntitle: T\ndate: 2026-01-01\n{snippets[index]}---\n"
    episode, problems = parse(text, example_config)
    assert problems.items == [], [p.format() for p in problems.items]
    assert episode is not None


def test_every_front_matter_key_is_documented() -> None:
    from sitegen.people import PERSON_FIELDS
    from sitegen.source.episode import EPISODE_FIELDS
    doc = DOC.read_text(encoding="utf-8")
    for key in [*EPISODE_FIELDS, *PERSON_FIELDS, "start", "toc"]:
        assert f"`{key}`" in doc, f"docs/format.md does not describe {key!r}"
    assert "\n## Transcript\n" in doc


# ---- properties: whole files -------------------------------------------------------

yamlish = st.text(alphabet=st.sampled_from(list("abt:-[]{}&*!|>'\"#%@ ,.0123456789\n\t\\?")),
                  max_size=200)
FRONT_KEYS = ["title", "date", "audio", "speakers", "chapters", "links", "number", "guid",
              "duration", "slug", "explicit", "draft", "type", "image", "season"]


@st.composite
def episode_files(draw) -> str:
    lines = []
    for key in draw(st.lists(st.sampled_from(FRONT_KEYS), max_size=8, unique=True)):
        lines.append(f"{key}:{draw(yamlish)}")
    body = draw(st.text(max_size=300))
    return "---\n" + "\n".join(lines) + "\n---\n" + body


@given(st.one_of(st.text(max_size=500), episode_files()))
def test_parse_episode_returns_an_episode_or_located_errors(text: str) -> None:
    config = SiteConfig(root=Path("/nonexistent-site"), title="S", description="D",
                        base_url="https://example.org/")
    problems = Problems()
    episode = parse_episode(text, Path("any.md"), config, problems)
    if episode is None:
        assert problems.errors
    else:
        assert problems.errors == []
    for problem in problems.items:
        assert problem.path == Path("any.md")
        assert problem.line is None or 1 <= problem.line <= text.count("\n") + 2, \
            problem.format()


@pytest.mark.parametrize("typo", ["Bo Li:0:10 no space", "Bo Li: 0:10no space",
                                  "bo : [0:10]x", "Ada Quill:(1:00:00) x"])
def test_near_miss_turn_lines_are_warned(config: SiteConfig, typo: str) -> None:
    episode, problems = turns_of(f"Ada Quill: 0:00 first\n{typo}\n\\{typo}\n", config)
    assert episode is not None and len(episode.turns) == 1
    [warning] = problems.warnings
    assert warning.line == 13 and "looks like a turn" in warning.message
    assert episode.turns[0].paragraphs == (f"first {typo} {typo}",)


# ---- the episodes folder -----------------------------------------------------------

def test_load_episodes_order_uniqueness_and_hidden_files(example_config: SiteConfig,
                                                         tmp_path: Path) -> None:
    from dataclasses import replace
    from sitegen.source.episode import load_episodes
    folder = tmp_path / "content" / "episodes"
    folder.mkdir(parents=True)
    config = replace(example_config, root=tmp_path)
    body = "---\ntitle: {t}\ndate: {d}\n{extra}---\n"
    (folder / "2026-01-01-a.md").write_text(body.format(t="A", d="2026-01-01", extra=""))
    (folder / "2026-03-01-b.md").write_text(body.format(t="B", d="2026-03-01", extra=""))
    (folder / "2026-02-01-c.md").write_text(body.format(t="C", d="2026-02-01",
                                                        extra="draft: true\n"))
    (folder / ".#2026-01-01-a.md").symlink_to("user@host.1234")  # an emacs lock file
    (folder / "notes.txt").write_text("not an episode")
    problems = Problems()
    assert [e.slug for e in load_episodes(config, problems)] == ["b", "a"]
    assert problems.items == []
    assert [e.slug for e in load_episodes(config, Problems(), include_drafts=True)] == \
        ["b", "c", "a"]
    (folder / "2026-04-01-d.md").write_text(body.format(t="D", d="2026-04-01",
                                                        extra="slug: a\n"))
    (folder / "2026-05-01-e.md").write_text(body.format(t="E", d="2026-05-01",
                                                        extra="guid: same\n"))
    (folder / "2026-06-01-f.md").write_text(body.format(t="F", d="2026-06-01",
                                                        extra="guid: same\n"))
    problems = Problems()
    load_episodes(config, problems)
    messages = sorted(p.message for p in problems.errors)
    assert len(messages) == 2
    assert "guid 'same'" in messages[0] and "slug 'a'" in messages[1]
