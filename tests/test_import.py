"""`sitegen import`: every format, every repair, the writer's round trip, the seed dump."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from lxml import html as lxml_html

from sitegen.build import BuildOptions, build, load_site
from sitegen.cli import main
from sitegen.errors import Problems
from sitegen.importers import ImportFailed, import_file, import_text
from sitegen.importers.detect import detect
from sitegen.model import Chapter, SiteConfig, Speaker, Turn
from sitegen.source.episode import parse_episode
from sitegen.source.writer import EpisodeRecord, record_from_episode, write_text

from tests.conftest import FIXTURES, SEEDS

IMPORTS = FIXTURES / "import"
CONFIG = SiteConfig(root=Path("/nonexistent"), title="T", description="", base_url="https://e.x/")


def kinds(result, kind: str) -> list[int | None]:
    return [r.line for r in result.repairs if r.kind == kind]


def names(result) -> list[str]:
    by_id = {s.id: s.name for s in result.speakers}
    return [by_id[t.speaker_id] for t in result.turns]


def read_back(record: EpisodeRecord):
    problems = Problems()
    episode = parse_episode(write_text(record), Path("episode.md"), CONFIG, problems)
    assert not problems.errors, [p.format() for p in problems.errors]
    return episode, problems


# ---- raw dumps and the shared repairs -----------------------------------------------

def test_raw_dump_sections_chapters_links_and_roles():
    result = import_file(IMPORTS / "hive-notes.txt")
    assert result.format == "raw dump"
    assert result.summary.startswith("This week Mara Quint talks with")
    assert {(s.name, s.role) for s in result.speakers} == {("Mara Quint", "host"),
                                                          ("Osric Vale", "guest")}
    assert [c.title for c in result.chapters] == ["Cold open", "Meet Osric",
                                                  "Why colonies swarm", "Rooftop hives"]
    assert [link.url for link in result.links] == ["https://bees.example.org/swarms",
                                                   "https://example.org/rooftop"]
    assert "[@osricbees](https://x.com/osricbees)" in result.notes
    assert "Combworks makes the frames" in result.notes
    assert "Transcript" not in result.notes


def test_glued_turns_are_split_and_reported():
    result = import_file(IMPORTS / "hive-notes.txt")
    assert kinds(result, "glued") == [18]
    from_18 = [(names(result)[i], t.start) for i, t in enumerate(result.turns) if t.line == 18]
    assert from_18 == [("Mara Quint", 12.0), ("Osric Vale", 70.0)]
    assert result.turns[2].paragraphs == ("Thanks for having me, Mara. It's good to be out of "
                                          "the bee suit.",)


def test_repeated_turn_kept_once():
    result = import_file(IMPORTS / "hive-notes.txt")
    assert kinds(result, "duplicate") == [21]
    assert [t.start for t in result.turns].count(95.0) == 1


def test_malformed_timestamps_best_reading_or_dropped():
    result = import_file(IMPORTS / "hive-notes.txt")
    stamps = {r.line: r.message for r in result.repairs if r.kind == "timestamp"}
    assert "'(00:03:450)'" in stamps[5] and "read as 00:03:45" in stamps[5]
    assert [c.start for c in result.chapters if c.title == "Why colonies swarm"] == [225.0]
    assert "'(0:4:99)'" in stamps[23] and "no reading fits" in stamps[23]
    turn = next(t for t in result.turns if t.line == 23)
    assert 225.0 < turn.start <= 260.0  # estimated between its neighbours
    assert kinds(result, "time") == [23]


def test_backwards_times_flagged_and_backwards_chapter_dropped():
    result = import_file(IMPORTS / "hive-notes.txt")
    assert kinds(result, "backwards") == [7, 25]
    assert "Listener questions" not in [c.title for c in result.chapters]
    assert [t.start for t in result.turns if t.line == 25] == [125.0]  # kept, flagged


def test_speaker_name_variants_unified():
    result = import_file(IMPORTS / "hive-notes.txt")
    unified = {r.line: r.message for r in result.repairs
               if r.kind == "speaker" and "unified" in r.message}
    assert set(unified) == {19, 22}
    assert "'MARA QUINT'" in unified[19] and "'Mara'" in unified[22]
    assert set(names(result)) == {"Mara Quint", "Osric Vale"}


def test_raw_dump_continuation_lines_are_paragraphs():
    text = ("Ana Bell: 0:00 First paragraph.\nSecond paragraph of the same turn.\n"
            "Bo Lind: 0:20 Reply: 3:00 is not a turn head here.\nAna Bell: 0:30 End.\n")
    result = import_text(text, Path("t.txt"))
    assert [t.paragraphs for t in result.turns] == [
        ("First paragraph.", "Second paragraph of the same turn."),
        ("Reply: 3:00 is not a turn head here.",), ("End.",)]
    assert not kinds(result, "glued")


def test_name_unification_keeps_numbered_speakers_apart():
    text = ("Speaker 1: 0:00 Welcome to the show.\nSpeaker 2: 0:05 Thanks for having me.\n"
            "Osric Vale: 0:10 One.\nOsric Vale: 0:20 Two.\nOsric Vael: 0:30 Three.\n"
            "Osric Vale (guest): 0:40 Four.\n")
    result = import_text(text, Path("t.txt"))
    assert names(result) == ["Speaker 1", "Speaker 2"] + ["Osric Vale"] * 4
    assert [line for line in kinds(result, "speaker") if line] == [5]


def test_readings_of_malformed_stamps():
    from sitegen.importers.repairs import readings
    assert readings("00:01:15:250") == [75.25]
    assert readings("(00:24:240)") == [24 * 60 + 24, 24 * 60 + 40]
    assert readings("4:75") == []


def test_best_reading_must_fit_between_neighbours():
    text = ("Ana: 0:00 Welcome to the show.\nBo: 10:00 Thanks for having me.\n"
            "Ana: (00:10:990) A stamp no reading of which fits.\nBo: 12:00 Right.\n")
    result = import_text(text, Path("t.txt"))
    assert "no reading fits" in next(r.message for r in result.repairs if r.line == 3)
    text = text.replace("(00:10:990)", "(00:11:150)")
    result = import_text(text, Path("t.txt"))
    assert result.turns[2].start == 11 * 60 + 15


def test_site_people_are_reused(example_site: Path):
    problems = Problems()
    site = load_site(BuildOptions(site_dir=example_site), problems)
    priya = next(p for p in site.config.people if p.name == "Priya Nandakumar")
    text = "Priya Nandakumar: 0:00 Welcome.\nNew Voice: 0:05 Thanks for having me.\n"
    result = import_text(text, Path("t.txt"), people=site.config.people)
    assert result.speakers[0] == priya and priya.id in result.inherited
    assert result.speakers[1].id not in {p.id for p in site.config.people}


# ---- WebVTT, SRT, Markdown, JSON ----------------------------------------------------

def test_vtt_voices_merge_consecutive_cues():
    result = import_file(IMPORTS / "voices.vtt")
    assert names(result) == ["Juno Park", "Tobias Wren", "Juno Park", "Tobias Wren"]
    assert [t.start for t in result.turns] == [0.0, 6.5, 12.0, 15.5]
    assert result.turns[0].paragraphs == ("Good evening, and welcome to Night Shift Radio. "
                                          "Tonight: lighthouses & the people who kept them.",)
    assert result.turns[3].paragraphs == ("Four weeks on, two weeks ashore.",)
    assert kinds(result, "timing") == [20]


def test_vtt_without_voices_splits_at_pauses():
    result = import_file(IMPORTS / "unnamed.vtt")
    assert [t.start for t in result.turns] == [0.0, 8.0]
    assert [s.name for s in result.speakers] == ["Speaker"]
    assert kinds(result, "speaker")[0] == 3


def test_srt_with_name_prefixes():
    result = import_file(IMPORTS / "named.srt")
    assert names(result) == ["Ines Duarte", "Kofi Mensah", "Ines Duarte", "Kofi Mensah"]
    assert [t.start for t in result.turns] == [1.0, 6.2, 9.0, 12.25]
    assert [t.line for t in result.turns] == [2, 11, 16, 20]
    assert result.turns[0].paragraphs[0].endswith("from source to sea.")
    assert result.turns[1].paragraphs == ("Thanks for having me. It is a long river.",)


def test_srt_without_names():
    result = import_file(IMPORTS / "plain.srt")
    assert [s.name for s in result.speakers] == ["Speaker"]
    assert result.turns[-1].paragraphs == ("Then the storm moved east.",)


def test_markdown_bold_turns_title_and_chapters():
    result = import_file(IMPORTS / "interview.md")
    assert result.format == "markdown" and result.title == "Bread at Altitude"
    assert [c.start for c in result.chapters] == [0, 90, 185]
    assert names(result) == ["Sam Okafor", "Lena Horvath"] * 3
    assert result.turns[3].paragraphs == (
        "The air pressure drops, so the gas in the dough expands sooner. It rises in half "
        "the time.", "A second paragraph about *flour* that keeps going.")
    assert kinds(result, "glued") == [19] and result.turns[4].start == 185
    assert "Lena Horvath" in result.notes and "## Transcript" not in result.notes


def test_markdown_plain_names_and_missing_times():
    result = import_file(IMPORTS / "untimed.md")
    assert result.format == "markdown"
    assert names(result) == ["Priya", "Dev", "Priya", "Dev"]
    assert result.turns[2].paragraphs[1] == "Note: this line is part of what Priya said."
    starts = [t.start for t in result.turns]
    assert starts == sorted(starts) and starts[-1] == 130
    assert kinds(result, "time") == [1]


def test_json_segments_and_chapters_file():
    result = import_file(IMPORTS / "words.json", IMPORTS / "chapters.json")
    assert [(n, t.start, t.paragraphs) for n, t in zip(names(result), result.turns)] == [
        ("Ana Ruiz", 0.0, ("Welcome to Tidewater.",)), ("Ben Cole", 1.5, ("Glad to be here.",)),
        ("Ana Ruiz", 3.0, ("Let's begin.",))]
    assert kinds(result, "segment") == [28]
    assert [(c.start, c.title, c.url) for c in result.chapters] == [
        (0, "Opening", None), (1.5, "Guest", "https://example.org/ben"), (3, "Bad link", None)]
    assert result.chapters[2].image == "https://example.org/c.jpg"
    assert kinds(result, "backwards") == [13]
    assert kinds(result, "chapter") == [17, 23]


def test_chapters_file_as_transcript_is_refused():
    with pytest.raises(ImportFailed) as info:
        import_file(IMPORTS / "chapters.json")
    assert info.value.line == 1 and "--chapters" in str(info.value)


@pytest.mark.parametrize("name, expected", [
    ("voices-saved-as.txt", "webvtt"), ("named-saved-as.txt", "srt"),
    ("words-saved-as.txt", "podcasting 2.0 json"), ("hive-notes.txt", "raw dump"),
    ("interview.md", "markdown"), ("untimed.md", "markdown")])
def test_format_detected_from_content(name: str, expected: str):
    path = IMPORTS / name
    assert detect(path.read_text(encoding="utf-8"), path) == expected


@pytest.mark.parametrize("data, line, words", [
    (b"Ana: 0:00 hi\n\xff\xfe", 2, "not UTF-8"),
    (b"just some words\nand more\n", 1, "cannot tell the format"),
    (b'{"segments": [\n{"startTime": 1,\n "body": "x"}\n,,]}', 4, "not valid JSON"),
    (b"WEBVTT\n\nno cues at all\n", 1, "no cues"),
])
def test_bad_input_is_an_error_with_a_line(tmp_path: Path, data: bytes, line: int,
                                           words: str):
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    with pytest.raises(ImportFailed) as info:
        import_file(path)
    assert info.value.line == line and words in info.value.message


# ---- the writer ---------------------------------------------------------------------

def test_writer_quotes_and_escapes():
    speakers = (Speaker("ada", "Ada Quill", "ada-quill", "host"),
                Speaker("yes", "Bo: the Second".replace(":", ""), "bo", "guest"))
    turns = (Turn("ada", 0.0, ("Hi.", "Bo the Second: 1:00 looks like a turn",
                               "\\starts with a backslash", "## Transcript"), 1),
             Turn("yes", 61.25, ("Reply.",), 1))
    record = EpisodeRecord(
        title='Colons: "quotes" and yes', date=date(2024, 5, 1), summary="no: really",
        notes="Intro.\n\n## Transcript\n\nmore", speakers=speakers, turns=turns,
        chapters=(Chapter(0, "Start: here"), Chapter(61.25, 'The "end"', toc=False)))
    episode, _ = read_back(record)
    assert episode.title == 'Colons: "quotes" and yes' and episode.summary == "no: really"
    assert [(t.speaker_id, t.start, t.paragraphs) for t in episode.turns] == \
        [(t.speaker_id, t.start, t.paragraphs) for t in turns]
    assert [(c.start, c.title, c.toc) for c in episode.chapters] == \
        [(0, "Start: here", True), (61.25, 'The "end"', False)]
    assert [s.id for s in episode.speakers] == ["ada", "yes"]
    assert "more" in episode.notes


names_st = st.from_regex(r"[A-Z][a-z]{1,8}(?: [A-Z][a-z'.\-]{1,10}){0,2}", fullmatch=True)
text_st = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60),
    st.sampled_from(["Ada: 0:00 hi", "\\x", "## Transcript", "---", "Bo Lind: 1:02:03 x",
                     "**bold**", "- item", "# heading", "yes", "null", "'quote", '"q"']))


@st.composite
def records(draw):
    people = draw(st.lists(names_st, min_size=1, max_size=4,
                           unique_by=lambda n: n.casefold()))
    speakers = tuple(Speaker(f"s{i}", name, f"s{i}", draw(st.sampled_from(["host", "guest"])))
                     for i, name in enumerate(people))
    starts = sorted(draw(st.lists(st.integers(0, 99 * 3600 * 1000 - 1), max_size=8)))
    turns = tuple(Turn(draw(st.sampled_from(speakers)).id, ms / 1000,
                       tuple(draw(st.lists(text_st, min_size=1, max_size=3))), 1)
                  for ms in starts)
    chapter_starts = sorted(set(draw(st.lists(st.integers(0, 10**8), max_size=5))))
    chapters = tuple(Chapter(ms / 1000, draw(text_st)) for ms in chapter_starts)
    return EpisodeRecord(title=draw(text_st), date=date(2024, 1, 2), speakers=speakers,
                         turns=turns, chapters=chapters, notes=draw(text_st),
                         summary=draw(text_st))


def _one_line(text: str) -> str:
    return " ".join(text.split())


@given(records())
def test_writer_round_trips_turns_speakers_chapters(record: EpisodeRecord):
    usable = [t for t in record.turns if any(_one_line(p) for p in t.paragraphs)]
    record = EpisodeRecord(**{**record.__dict__, "turns": tuple(usable),
                              "chapters": tuple(c for c in record.chapters
                                                if _one_line(c.title))})
    if not _one_line(record.title):
        return
    episode, _ = read_back(record)
    assert episode.title == _one_line(record.title)
    assert [(s.id, s.name, s.role) for s in episode.speakers] == \
        [(s.id, s.name, s.role) for s in record.speakers]
    assert [(t.speaker_id, round(t.start, 3), t.paragraphs) for t in episode.turns] == \
        [(t.speaker_id, t.start, tuple(p for p in map(_one_line, t.paragraphs) if p))
         for t in record.turns]
    assert [(round(c.start, 3), c.title) for c in episode.chapters] == \
        [(c.start, _one_line(c.title)) for c in record.chapters]


def test_example_episodes_round_trip_through_the_writer(example_site: Path):
    problems = Problems()
    site = load_site(BuildOptions(site_dir=example_site, drafts=True), problems)
    for episode in site.episodes:
        again = parse_episode(write_text(record_from_episode(episode)), episode.source,
                              site.config, problems)
        assert not problems.errors, [p.format() for p in problems.errors]
        assert again.speakers == episode.speakers
        assert [(t.speaker_id, t.start, t.paragraphs) for t in again.turns] == \
            [(t.speaker_id, t.start, t.paragraphs) for t in episode.turns]
        assert [(c.start, c.title, c.url, c.toc) for c in again.chapters] == \
            [(c.start, c.title, c.url, c.toc) for c in episode.chapters]


# ---- no input crashes an importer ----------------------------------------------------

FRAGMENTS = ["WEBVTT\n", "\n", "\n\n", "00:00:01.000 --> 00:00:02.000\n", "<v Ada>", "</v>",
             "1\n", "00:00:01,000 --> 00:00:02,500\n", "Ada: ", "Bo Lind: ", "0:00 ", "4:44 ",
             "(00:03:450) ", "[00:12:34] ", "**Bo:** ", "TIMESTAMPS:\n", "LINKS:\n",
             "g.co/x\n", "X/TWITTER:\n@h (H)\n", "Transcript\n", "# Title\n", "## Chapters\n",
             "- 00:00 Intro\n", "{", "}", "[", "]", '"segments": ', '"chapters": ',
             '"startTime": ', "1.5", "-3", "1e309", ", ", '"body": ', '"speaker": ', '"x"',
             "\\", ":", "#", "-->", "&amp;", "<b>", "\x00", "\u2028", "\x85", "\ufeff", "é"]
source_st = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)),
                     max_size=40).map("".join)
KEYS = ["chapters", "segments", "startTime", "endTime", "title", "url", "img", "toc", "body",
        "speaker", "version"]
json_st = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
    | st.sampled_from(["https://example.org/x", "javascript:x", "Ada: 0:00 hi"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                               max_size=5),
    max_leaves=25).map(lambda value: json.dumps(value, indent=1))


@pytest.mark.parametrize("fmt", [None, "webvtt", "srt", "podcasting 2.0 json", "markdown",
                                 "raw dump"])
@given(text=st.one_of(source_st, json_st))
def test_no_input_crashes_an_importer(fmt: str | None, text: str):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        result = import_text(text, Path("input.txt"), fmt=fmt)
    except ImportFailed as exc:
        assert exc.line >= 1 and exc.message
        return
    record = EpisodeRecord(title="T", date=date(2024, 1, 1), summary=result.summary,
                           notes=result.notes, speakers=result.speakers, turns=result.turns,
                           chapters=result.chapters, links=result.links)
    read_back(record)


@given(text=st.one_of(source_st, json_st))
def test_no_input_crashes_the_chapters_reader(text: str):
    from sitegen.importers import chapters
    repairs: list = []
    try:
        found = chapters.parse(text, Path("chapters.json"), repairs)
    except ImportFailed as exc:
        assert exc.line >= 1 and exc.message
        return
    assert all(c.start is not None and c.start >= 0 and c.title for c in found)
    assert all(r.line and r.line >= 1 for r in repairs)


# ---- the command, end to end ----------------------------------------------------------

def test_import_command_writes_an_episode_that_builds(example_site: Path, tmp_path: Path,
                                                      capsys):
    code = main(["import", str(IMPORTS / "interview.md"), "--site", str(example_site),
                 "--audio", "audio/nine-bars.mp3", "--date", "2026-05-01"])
    out = capsys.readouterr().out
    assert code == 0
    written = example_site / "content/episodes/2026-05-01-bread-at-altitude.md"
    assert f"{written}" in out and "interview.md:19: glued" in out
    result = build(BuildOptions(site_dir=example_site, output_dir=tmp_path / "out"))
    page = (result.output / "episodes/bread-at-altitude/index.html").read_text()
    assert page.count('class="turn ') == 6 and "<audio" in page


def test_import_without_audio_is_a_draft_and_says_so(example_site: Path, capsys):
    code = main(["import", str(IMPORTS / "voices.vtt"), "--site", str(example_site)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "no --audio given" in out and "untitled" not in out
    written = next((example_site / "content/episodes").glob("*-voices.md"))
    assert "draft: true" in written.read_text()
    build(BuildOptions(site_dir=example_site, output_dir=example_site / "out"))


def test_import_refuses_to_overwrite_and_reports_errors(example_site: Path, capsys):
    args = ["import", str(IMPORTS / "named.srt"), "--site", str(example_site)]
    assert main(args) == 0
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    assert main(["import", str(IMPORTS / "chapters.json"), "--site", str(example_site)]) == 1
    assert "chapters.json:1: this is a chapters file" in capsys.readouterr().err


# ---- exports and imports agree --------------------------------------------------------

def _merged(episode) -> list[tuple[str, float, str]]:
    """The export's view: consecutive turns of one speaker are one run of speech."""
    from sitegen.outputs.transcripts import turn_plain_text
    runs: list[tuple[str, float, str]] = []
    for turn in episode.turns:
        name = episode.speaker(turn.speaker_id).name
        text = turn_plain_text(turn.paragraphs)
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1], f"{runs[-1][2]} {text}")
        else:
            runs.append((name, round(turn.start, 3), text))
    return runs


@pytest.mark.parametrize("fmt", ["vtt", "srt", "json"])
def test_exported_transcripts_import_back(built_example: Path, fmt: str):
    pytest.importorskip("sitegen.outputs.transcripts")
    problems = Problems()
    site = load_site(BuildOptions(site_dir=built_example.parent), problems)
    checked = 0
    for episode in site.episodes:
        path = built_example / "episodes" / episode.slug / f"transcript.{fmt}"
        if not episode.turns or not path.exists():
            continue
        result = import_file(path)
        got = [(n, t.start, " ".join(t.paragraphs)) for n, t in zip(names(result),
                                                                      result.turns)]
        assert got == _merged(episode)
        checked += 1
    assert checked


# ---- the seed: a real raw dump ---------------------------------------------------------

def _seed() -> Path:
    seeds = sorted(SEEDS.glob("000_*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        pytest.skip(f"no seed dump in {SEEDS}")
    return seeds[0]


def _seed_facts(text: str):
    """What the dump holds, read by the test itself: turn heads, chapters, defect lines."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == "Transcript") + 1
    heads: list[tuple[str, str, int, str]] = []
    for number, line in enumerate(lines[start:], start + 1):
        heads += [(m[1], m[2], number, " ".join(line[m.end():].split()[:8])) for m in
                  re.finditer(r"([A-Z][a-z]+ [A-Z][a-z]+): (\d+:\d\d) ", line)]
    seen: dict[tuple[str, str], str] = {}
    repeats = []
    for name, stamp, number, opening in heads:
        if (name, stamp) in seen:
            repeats.append(number)
        seen.setdefault((name, stamp), opening)
    first = lines.index("TIMESTAMPS:") + 1
    last = next(i for i in range(first, len(lines)) if not lines[i].startswith("("))
    chapters = [re.sub(r"^\([\d:]+\)\s*", "", line) for line in lines[first:last]]
    malformed = next((n, m[0]) for n, line in enumerate(lines, 1)
                     if (m := re.match(r"\(\d+:\d+:\d{3}\)", line)))
    return seen, repeats, chapters, malformed


def _seconds(stamp: str) -> float:
    minutes, seconds = stamp.split(":")
    return int(minutes) * 60 + int(seconds)


def test_seed_dump_imports_into_a_page_with_every_turn_once(example_site: Path,
                                                            tmp_path: Path, capsys):
    seed = _seed()
    turns, repeats, chapters, (bad_line, bad_stamp) = _seed_facts(seed.read_text("utf-8"))
    assert repeats and turns and chapters  # the dump still has the defects this test is about
    code = main(["import", str(seed), "--site", str(example_site), "--title", "Seed episode",
                 "--audio", "audio/nine-bars.mp3", "--date", "2023-06-01"])
    report = capsys.readouterr().out
    assert code == 0
    for line in repeats:
        assert f"{seed}:{line}: duplicate:" in report
    assert f"{seed}:{bad_line}: timestamp: malformed timestamp {bad_stamp!r}" in report
    result = build(BuildOptions(site_dir=example_site, output_dir=tmp_path / "out"))
    tree = lxml_html.fromstring((result.output / "episodes/seed-episode/index.html").read_bytes())
    shown = [(d.get("data-speaker"), float(d.get("data-start")))
             for d in tree.xpath('//div[contains(concat(" ", @class, " "), " turn ")]')]
    expected = [(name.lower().replace(" ", "-"), _seconds(stamp)) for name, stamp in turns]
    assert sorted(shown) == sorted(expected) and len(set(shown)) == len(shown)
    spoken = " ".join(" ".join(tree.xpath('//section[@class="transcript"]')[0]
                               .text_content().split()).split())
    for opening in turns.values():  # each real turn's words appear once, repeats dropped
        assert spoken.count(opening) == 1, opening
    speakers = {c.text_content() for c in tree.xpath('//cite[@class="speaker"]')}
    assert speakers == {name for name, _ in turns} and len(speakers) == 2
    roles = {d.get("data-speaker"): "host" if " host" in d.get("class") else "guest"
             for d in tree.xpath('//div[@data-speaker]')}
    assert sorted(roles.values()) == ["guest", "host"]
    titles = [t.text_content() for t in tree.xpath('//nav[@class="chapters"]//span'
                                                   '[@class="chapter-title"]')]
    assert titles == chapters
