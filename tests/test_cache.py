"""The build cache never shows stale output: every kind of edit reaches the site.

No timing here: these tests check what a cached build writes, against what a
cold build (no cache at all) writes from the same input.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sitegen import cache
from sitegen.build import BuildOptions, BuildSession, build
from sitegen.cache import CACHE_DIR, EpisodeStore, seal, unseal
from sitegen.source import episode as episode_source

BRIDGES = "2026-01-14-how-bridges-stand-up.md"
BRIDGES_PAGE = "episodes/how-bridges-stand-up/index.html"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def cold_tree(site: Path, tmp: Path, **options: object) -> dict[str, bytes]:
    """What a build with no cache and no previous output writes for `site` now."""
    fresh = tmp / "cold-copy"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(CACHE_DIR, "public"))
    build(BuildOptions(site_dir=fresh, output_dir=fresh / "public", **options))
    return tree(fresh / "public")


def assert_same_as_cold(site: Path, out: Path, tmp: Path, **options: object) -> None:
    built, cold = tree(out), cold_tree(site, tmp, **options)
    assert sorted(built) == sorted(cold)
    different = [rel for rel in built if built[rel] != cold[rel]]
    assert not different, f"cached output differs from a cold build in {different[:5]}"


@pytest.fixture
def site(example_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    cache._secret.cache_clear()
    return example_site


def make(site: Path, session: BuildSession | None = None, **options: object):
    return build(BuildOptions(site_dir=site, output_dir=site / "public", **options),
                 session=session)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def page(site: Path, rel: str) -> str:
    return (site / "public" / rel).read_text(encoding="utf-8")


def test_a_second_build_changes_nothing_and_matches_a_cold_build(site: Path, tmp_path: Path):
    first = make(site)
    before = {rel: os.stat(site / "public" / rel).st_ino for rel in tree(site / "public")}
    second = make(site)
    assert second.files == first.files and second.pages == first.pages
    assert second.episodes == len(second.site.episodes) == first.episodes
    after = {rel: os.stat(site / "public" / rel).st_ino for rel in tree(site / "public")}
    assert after == before  # nothing rewritten
    assert_same_as_cold(site, site / "public", tmp_path)


def test_an_edited_turn_shows_everywhere_and_output_matches_cold(site: Path, tmp_path: Path):
    make(site)
    edit(site / "content/episodes" / BRIDGES, "Hello and welcome to Load Path",
         "Hello and welcome to Edited Path")
    result = make(site)
    assert not result.up_to_date
    assert "welcome to Edited Path" in page(site, BRIDGES_PAGE)
    assert BRIDGES_PAGE in result.changed
    assert_same_as_cold(site, site / "public", tmp_path)


def test_reverting_an_edit_restores_the_first_output(site: Path):
    make(site)
    original = tree(site / "public")
    path = site / "content/episodes" / BRIDGES
    text = path.read_text(encoding="utf-8")
    edit(path, "hand it, piece by piece", "hand it, bit by bit")
    make(site)
    assert tree(site / "public") != original
    path.write_text(text, encoding="utf-8")
    make(site)
    assert tree(site / "public") == original


def test_a_speaker_changed_in_site_yaml_shows_on_every_page(site: Path, tmp_path: Path):
    make(site)
    host_mark = 'Helen Osei<span class="role"> (host)'
    assert host_mark not in page(site, BRIDGES_PAGE)
    edit(site / "site.yaml", "helen: {name: Helen Osei, role: guest, url: https://example.com/",
         "helen: {name: Helen Osei, role: host, url: https://example.org/")
    make(site)
    assert host_mark in page(site, BRIDGES_PAGE)
    assert "https://example.org/people/helen-osei" in page(site, "speakers/helen-osei/index.html")
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_template_edit_reaches_every_episode_page(site: Path, tmp_path: Path):
    make(site)
    template = site / "themes/default/templates/episode.html"
    edit(template, '<article class="episode"', '<article data-edited="yes" class="episode"')
    make(site)
    pages = list((site / "public/episodes").glob("*/index.html"))
    assert pages and all('data-edited="yes"' in p.read_text(encoding="utf-8") for p in pages)
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_stylesheet_edit_changes_its_hashed_name_on_every_page(site: Path, tmp_path: Path):
    make(site)
    css = site / "themes/default/static/style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.edited{color:red}\n", encoding="utf-8")
    make(site)
    sheets = list((site / "public/static").glob("style.*.css"))
    assert len(sheets) == 1 and ".edited{color:red}" in sheets[0].read_text(encoding="utf-8")
    assert sheets[0].name in page(site, BRIDGES_PAGE)
    assert sheets[0].name in page(site, "index.html")
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_site_yaml_change_rebuilds_every_page(site: Path, tmp_path: Path):
    make(site)
    edit(site / "site.yaml", "title: Load Path", "title: Load Path Weekly")
    make(site)
    for rel in ("index.html", BRIDGES_PAGE, "speakers/index.html", "404.html"):
        assert "Load Path Weekly" in page(site, rel), rel
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_deleted_episode_disappears(site: Path, tmp_path: Path):
    make(site)
    assert (site / "public" / BRIDGES_PAGE).exists()
    (site / "content/episodes" / BRIDGES).unlink()
    make(site)
    assert not (site / "public/episodes/how-bridges-stand-up").exists()
    assert "how-bridges-stand-up" not in page(site, "index.html")
    assert "how-bridges-stand-up" not in (site / "public/sitemap.xml").read_text()
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_changed_audio_file_updates_the_duration(site: Path, tmp_path: Path):
    make(site)
    audio = site / "content/audio"
    shutil.copyfile(audio / "the-humble-zipper.mp3", audio / "how-bridges-stand-up.mp3")
    make(site)
    assert_same_as_cold(site, site / "public", tmp_path)


def test_drafts_flag_is_part_of_the_key(site: Path):
    without = make(site)
    with_drafts = make(site, drafts=True)
    assert with_drafts.episodes == without.episodes + 1
    again = make(site)
    assert again.episodes == without.episodes
    assert not again.up_to_date


def test_a_tampered_output_file_is_rebuilt(site: Path):
    make(site)
    target = site / "public" / BRIDGES_PAGE
    target.write_text("defaced", encoding="utf-8")
    make(site)
    assert "How Bridges Stand Up" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("change", ["added", "removed"])
def test_a_file_added_to_or_removed_from_the_output_is_rebuilt(site: Path, change: str):
    """A no-change build checks the output folder holds exactly what it published."""
    make(site)
    stray, page_path = site / "public" / "episodes" / "stray.txt", site / "public" / BRIDGES_PAGE
    if change == "added":
        stray.write_text("not ours", encoding="utf-8")
    else:
        page_path.unlink()
    result = make(site)
    assert not result.up_to_date
    assert not stray.exists() and "How Bridges Stand Up" in page_path.read_text(encoding="utf-8")
    assert make(site).up_to_date


def test_a_corrupt_cache_is_ignored(site: Path, tmp_path: Path):
    make(site)
    files = [p for p in (site / CACHE_DIR).rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    edit(site / "content/episodes" / BRIDGES, "Hello and welcome to Load Path", "Hello, corrupt cache")
    make(site)
    assert "Hello, corrupt cache" in page(site, BRIDGES_PAGE)
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_foreign_cache_is_never_loaded(site: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch):
    make(site)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    cache._secret.cache_clear()
    parsed: list[Path] = []
    real = episode_source.parse_episode

    def counting(text, path, config, problems):
        parsed.append(path)
        return real(text, path, config, problems)

    monkeypatch.setattr(episode_source, "parse_episode", counting)
    make(site)
    assert len(parsed) == len(list((site / "content/episodes").glob("*.md")))


def test_seal_rejects_tampering_and_other_keys():
    blob = seal(b"payload")
    assert unseal(blob) == b"payload"
    assert unseal(blob[:-1] + b"X") is None
    assert unseal(b"garbage") is None
    assert unseal(blob.replace(cache.FORMAT, b"sitegen-cache-0\n")) is None


def test_unchanged_episodes_are_not_reparsed(site: Path, monkeypatch: pytest.MonkeyPatch):
    make(site)
    parsed: list[str] = []
    real = episode_source.parse_episode

    def counting(text, path, config, problems):
        parsed.append(path.name)
        return real(text, path, config, problems)

    monkeypatch.setattr(episode_source, "parse_episode", counting)
    edit(site / "content/episodes" / BRIDGES, "Hello and welcome to Load Path", "Hello, welcome back")
    make(site)
    assert parsed == [BRIDGES]


def test_a_session_keeps_episodes_in_memory_and_sees_edits(site: Path, tmp_path: Path):
    session = BuildSession()
    make(site, session)
    assert isinstance(session.episodes, EpisodeStore) and session.episodes.entries
    edit(site / "content/episodes" / BRIDGES, "Hello and welcome to Load Path", "Hello, session")
    result = make(site, session)
    assert "Hello, session" in page(site, BRIDGES_PAGE)
    assert result.site.episodes[-1].title == "How Bridges Stand Up"
    assert any("Hello, session" in t.text for t in result.site.episodes[-1].turns)
    shutil.rmtree(site / CACHE_DIR)  # the session alone must stay correct
    edit(site / "content/episodes" / BRIDGES, "Hello, session", "Hello, again")
    make(site, session)
    assert "Hello, again" in page(site, BRIDGES_PAGE)
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_failed_build_keeps_the_previous_output_and_cache_usable(site: Path, tmp_path: Path):
    make(site)
    before = tree(site / "public")
    path = site / "content/episodes" / BRIDGES
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("title: How Bridges", "title: [unclosed", 1), encoding="utf-8")
    with pytest.raises(Exception):
        make(site)
    assert tree(site / "public") == before
    path.write_text(good.replace("Hello and welcome to Load Path", "Hello, fixed"), encoding="utf-8")
    make(site)
    assert "Hello, fixed" in page(site, BRIDGES_PAGE)
    assert_same_as_cold(site, site / "public", tmp_path)


def test_serial_and_parallel_builds_write_the_same_bytes(site: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch):
    make(site)  # phases shared between two processes (the machine has 2+ CPUs)
    monkeypatch.setenv("SITEGEN_JOBS", "1")
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_template_error_in_any_phase_process_is_reported(site: Path):
    from sitegen.errors import BuildError
    make(site)
    before = tree(site / "public")
    template = site / "themes/default/templates/episode.html"
    edit(template, "{{ episode.title }}", "{{ episode.title | no_such_filter }}")
    with pytest.raises(BuildError) as caught:
        make(site)
    assert "no_such_filter" in str(caught.value) or "episode.html" in str(caught.value)
    assert tree(site / "public") == before
    leftovers = [p.name for p in site.iterdir() if "sitegen-tmp" in p.name]
    assert leftovers == []


def test_memo_values_are_reused_across_builds_and_follow_their_episode(site: Path,
                                                                       tmp_path: Path):
    import sitegen.build as build_module
    from sitegen.outputs import phases as real_phases
    log = tmp_path / "computed.log"   # a file: the phase may run in a forked process

    def upper(title: str, slug: str) -> str:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(slug + "\n")
        return title.upper()

    def memo_phase(site_, renderer, staging) -> None:
        titles = [staging.memo("title-upper", [e], lambda e=e: upper(e.title, e.slug))
                  for e in site_.episodes]
        staging.write("titles.txt", "\n".join(titles))

    def computed() -> list[str]:
        return sorted(log.read_text(encoding="utf-8").split()) if log.exists() else []

    original = build_module.output_phases
    build_module.output_phases = lambda: real_phases() + [memo_phase]
    try:
        slugs = sorted(e.slug for e in make(site).site.episodes)
        assert computed() == slugs
        log.unlink()
        edit(site / "content/episodes" / BRIDGES, "title: How Bridges Stand Up",
             "title: How Bridges Really Stand Up")
        make(site)
        assert computed() == ["how-bridges-stand-up"]
        assert "HOW BRIDGES REALLY STAND UP" in page(site, "titles.txt")
        log.unlink()
        session = BuildSession()
        edit(site / "content/episodes" / BRIDGES, "Really", "Truly")
        make(site, session)
        edit(site / "content/episodes" / BRIDGES, "Truly", "Surely")
        make(site, session)
        assert computed() == ["how-bridges-stand-up", "how-bridges-stand-up"]
        assert "HOW BRIDGES SURELY STAND UP" in page(site, "titles.txt")
        # the session's edits leave one memo file per value still in use, none stale
        memo_files = {p.name for p in (site / CACHE_DIR / "memo").glob("*.pickle")}
        assert memo_files == {f"{key[:40]}.pickle" for key in session.memos.values}
    finally:
        build_module.output_phases = original


def _many_episodes(site: Path, count: int) -> None:
    episodes = site / "content/episodes"
    source = (episodes / "2026-02-04-nine-bars.md").read_text(encoding="utf-8")
    guid = source.split("guid: ", 1)[1].split("\n", 1)[0]
    for n in range(count):
        # each its own audio: a feed cannot list one enclosure URL twice
        audio = f"audio: {{url: https://cdn.example.com/copy-{n}.mp3, length: 1000, duration: 60}}"
        (episodes / f"2025-01-{n % 28 + 1:02d}-copy-{n}.md").write_text(
            source.replace(f"guid: {guid}", f"guid: 00000000-0000-4000-8000-{n:012d}")
                  .replace("number: 2\n", f"number: {100 + n}\n")
                  .replace("audio: audio/nine-bars.mp3", audio), encoding="utf-8")


def test_episodes_parsed_in_two_processes_match_a_serial_build(site: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    _many_episodes(site, 40)
    result = make(site)
    assert result.episodes == 44
    monkeypatch.setenv("SITEGEN_JOBS", "1")
    assert_same_as_cold(site, site / "public", tmp_path)


def test_an_error_among_many_episodes_is_reported_with_file_and_line(site: Path):
    from sitegen.errors import BuildError
    _many_episodes(site, 40)
    bad = site / "content/episodes/2025-01-07-copy-6.md"
    edit(bad, "Priya Nandakumar: 0:06", "Nobody Known: 0:06")
    with pytest.raises(BuildError) as caught:
        make(site)
    problems = [p for p in caught.value.problems if p.is_error]
    assert problems and all(p.path == bad and p.line for p in problems)
    assert "Nobody Known" in problems[0].message


# The transcript fast path must render exactly as Markdown would (quotes aside:
# markdown-it writes &quot; where the fast path keeps ", the same in HTML text).
from hypothesis import given, strategies as st  # noqa: E402

from sitegen.render.markdown import markdown, render_inline  # noqa: E402

_PIECES = st.sampled_from(["word", "Ada", " ", " ", "!", "|", "~", "~~", "*", "_", "`", "[",
                           "]", "(", ")", "<", ">", "&", "&amp;", "&#39;", "&copy;", "\\",
                           "http://x.org", "<https://x.org>", "<a@b.co>", '"', "'", "#", "-",
                           "1.", "é", ":", "0:15"])


@given(st.lists(_PIECES, min_size=1, max_size=12).map("".join).map(str.strip)
       .filter(bool))
def test_the_transcript_fast_path_renders_like_markdown(text: str):
    expected = markdown(False).renderInline(text).replace("&quot;", '"')
    assert render_inline(text).replace("&quot;", '"') == expected


# --- a session's fast path: phases skip the episodes the previous build was made from ---

EPISODES = Path("content/episodes")
NINE_BARS = "2026-02-04-nine-bars.md"
GEARS = "2026-02-25-why-bike-gears-click.md"


def _add_episode(site: Path) -> None:
    source = (site / EPISODES / NINE_BARS).read_text(encoding="utf-8")
    guid = source.split("guid: ", 1)[1].split("\n", 1)[0]
    (site / EPISODES / "2026-02-10-an-added-episode.md").write_text(
        source.replace(f"guid: {guid}", "guid: 00000000-0000-4000-8000-000000000042")
              .replace("audio: audio/nine-bars.mp3",
                       "audio: {url: https://cdn.example.com/added.mp3, length: 1000, "
                       "duration: 60}")
              .replace("number: 2\n", "number: 42\n")
              .replace("date: 2026-02-04", "date: 2026-02-10")
              .replace('title: "Nine Bars: Inside an Espresso Machine"', "title: Added"),
        encoding="utf-8")


SESSION_EDITS = {
    "transcript": lambda site: edit(site / EPISODES / GEARS, "I descaled my espresso",
                                    "I finally descaled my espresso"),
    "title, shown on the neighbours' pages": lambda site: edit(
        site / EPISODES / NINE_BARS, "Nine Bars: Inside", "Nine Bars: All Inside"),
    "summary": lambda site: edit(site / EPISODES / NINE_BARS, "Repair technician",
                                 "Veteran repair technician"),
    "date, moving the episode in the list": lambda site: edit(
        site / EPISODES / NINE_BARS, "date: 2026-02-04 09:00", "date: 2026-03-30 09:00"),
    "date, same place and day": lambda site: edit(
        site / EPISODES / NINE_BARS, "date: 2026-02-04 09:00", "date: 2026-02-04 10:30"),
    "a guest's link": lambda site: edit(site / EPISODES / NINE_BARS,
                                        "people/rafael-duarte}", "people/rafael}"),
    "a speaker added": lambda site: edit(site / EPISODES / GEARS, "  tom: {}\n",
                                         "  tom: {}\n  helen: {}\n"),
    "an episode added": _add_episode,
    "an episode removed": lambda site: (site / EPISODES / NINE_BARS).unlink(),
    "an episode renamed": lambda site: (site / EPISODES / NINE_BARS).rename(
        site / EPISODES / "2026-02-04-nine-bars-renamed.md"),
    "an episode made a draft": lambda site: edit(site / EPISODES / NINE_BARS,
                                                 "explicit: false\n",
                                                 "explicit: false\ndraft: true\n"),
    "show notes, in the feed": lambda site: edit(site / EPISODES / GEARS, "## Transcript",
                                                 "More notes.\n\n## Transcript"),
    "site.yaml": lambda site: edit(site / "site.yaml", "title: Load Path",
                                   "title: Load Path Again"),
}


@pytest.mark.parametrize("change", sorted(SESSION_EDITS))
def test_a_session_rebuild_after_any_change_matches_a_cold_build(site: Path, tmp_path: Path,
                                                                 change: str):
    session = BuildSession()
    make(site, session)
    edit(site / EPISODES / BRIDGES, "Hello and welcome to Load Path", "Hello, warm up")
    make(site, session)   # a rebuild: the phases now hold what the fast path compares with
    SESSION_EDITS[change](site)
    make(site, session)
    assert_same_as_cold(site, site / "public", tmp_path)
    edit(site / EPISODES / BRIDGES, "Hello, warm up", "Hello, once more")
    make(site, session)   # and the build after it, from the state the change left
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_transcript_edit_in_a_session_rewrites_only_what_shows_it(
        site: Path, monkeypatch: pytest.MonkeyPatch):
    from sitegen.outputs import feed
    session = BuildSession()
    make(site, session)
    edit(site / EPISODES / NINE_BARS, "Welcome back to Load Path", "Welcome back, everyone")
    make(site, session)
    items: list[str] = []
    real = feed.episode_item_xml
    monkeypatch.setattr(feed, "episode_item_xml",
                        lambda site_, episode, notes: items.append(episode.slug)
                        or real(site_, episode, notes))
    edit(site / EPISODES / NINE_BARS, "Welcome back, everyone", "Welcome back, all")
    result = make(site, session)
    assert items == []   # the feed item does not show the transcript: not made again
    assert "episodes/nine-bars/index.html" in result.changed
    # the neighbours link it by its card, which a transcript edit leaves alone
    unchanged = ["episodes/why-bike-gears-click/index.html",
                 "episodes/how-bridges-stand-up/index.html", "feed.xml", "sitemap.xml",
                 "index.html", "speakers/index.html"]
    assert not set(unchanged) & set(result.changed)


def test_a_feed_problem_in_a_session_is_reported_and_the_fix_shows(site: Path, tmp_path: Path):
    from sitegen.errors import BuildError
    session = BuildSession()
    make(site, session)
    path = site / EPISODES / NINE_BARS
    good = path.read_text(encoding="utf-8")
    edit(path, "audio: audio/nine-bars.mp3\n", "")
    with pytest.raises(BuildError) as caught:
        make(site, session)
    assert "no audio" in str(caught.value)
    path.write_text(good.replace("Tom has owned", "Tom\x0c has owned", 1), encoding="utf-8")
    with pytest.raises(BuildError) as caught:   # a form feed: XML cannot carry it
        make(site, session)
    assert "U+000C" in str(caught.value)
    path.write_text(good.replace("Nine Bars: Inside", "Nine Bars: Fixed"), encoding="utf-8")
    make(site, session)
    assert "Nine Bars: Fixed" in page(site, "feed.xml")
    assert_same_as_cold(site, site / "public", tmp_path)


def test_a_session_building_two_outputs_keeps_each_right(site: Path, tmp_path: Path):
    session = BuildSession()
    other = tmp_path / "other-output"
    make(site, session)
    build(BuildOptions(site_dir=site, output_dir=other, drafts=True), session=session)
    edit(site / EPISODES / NINE_BARS, "Nine Bars: Inside", "Nine Bars: All Inside")
    make(site, session)
    build(BuildOptions(site_dir=site, output_dir=other, drafts=True), session=session)
    assert_same_as_cold(site, site / "public", tmp_path)
    assert tree(other) == cold_tree(site, tmp_path, drafts=True)
