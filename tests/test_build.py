"""The whole example site, built through the CLI: pages, HTML, turns, chapters, safety.

Builds go through `sitegen.cli.main([...])` (in process) and `sitegen build` (a real
subprocess), into temporary folders only.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree, html

from sitegen.build import BuildOptions, load_site
from sitegen.cli import main
from sitegen.errors import Problems
from sitegen.model import Site
from sitegen.output import OutputError, Staging, check_target
from sitegen.timecodes import format_clock, format_seconds

from .conftest import copy_example_site

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
DRAFT_SLUG = "the-humble-zipper"


# ---- helpers ------------------------------------------------------------------------

class StrictHTML(HTMLParser):
    """Every non-void element closed explicitly and in order; ids and attributes unique."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.errors.append(f"line {line}: <{tag}> repeats an attribute")
        for name, value in attrs:
            if name == "id":
                if not value or value in self.ids:
                    self.errors.append(f"line {line}: id {value!r} empty or repeated")
                self.ids.add(value or "")
        if tag not in VOID:
            self.stack.append((tag, line))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        foreign = any(open_tag in ("svg", "math") for open_tag, _ in self.stack)
        if tag not in VOID and not foreign:  # `<path/>` is fine inside inline SVG
            self.errors.append(f"line {self.getpos()[0]}: <{tag}/> is not a void element")
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag in VOID:
            self.errors.append(f"line {line}: </{tag}> closes a void element")
        elif not self.stack or self.stack[-1][0] != tag:
            open_tag = self.stack[-1] if self.stack else None
            self.errors.append(f"line {line}: </{tag}> does not close {open_tag}")
        else:
            self.stack.pop()


def html_errors(text: str) -> list[str]:
    checker = StrictHTML()
    checker.feed(text)
    checker.close()
    errors = list(checker.errors)
    errors += [f"<{tag}> from line {line} never closed" for tag, line in checker.stack]
    if not checker.doctype:
        errors.append("no <!DOCTYPE html>")
    return errors


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_cli(*args: str) -> int:
    return main([*args])


def run_sitegen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `sitegen` command (`python -m sitegen` if it is not installed)."""
    script = Path(sys.executable).parent / "sitegen"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "sitegen"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([*command, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def page(out: Path, url: str) -> Path:
    path = out / url.strip("/") if url != "/" else out
    return path if path.suffix else path / "index.html"


def tree(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_bytes())


def load_model(site_dir: Path, drafts: bool = False) -> Site:
    problems = Problems()
    site = load_site(BuildOptions(site_dir=site_dir, drafts=drafts), problems)
    assert problems.errors == []
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(site folder, output folder): the example site built once through the CLI."""
    site = copy_example_site(tmp_path_factory.mktemp("build") / "site")
    out = site.parent / "out"
    assert run_cli("build", "--site", str(site), "--output", str(out)) == 0
    return site, out


@pytest.fixture(scope="module")
def model(built: tuple[Path, Path]) -> Site:
    return load_model(built[0])


def all_html(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


# ---- pages and HTML -----------------------------------------------------------------

def test_every_page_of_the_url_contract_exists(built: tuple[Path, Path], model: Site) -> None:
    _, out = built
    assert len(model.episodes) == 4
    urls = ["/", "/page/2/", "/speakers/", "/404.html", "/sitemap.xml"]
    urls += [f"/episodes/{e.slug}/" for e in model.episodes]
    urls += [f"/speakers/{s.slug}/" for s in model.speakers()]
    missing = [url for url in urls if not page(out, url).is_file()]
    assert missing == []
    assert not page(out, "/page/3/").exists()
    assert not page(out, "/page/1/").exists()


def test_home_pages_list_episodes_newest_first(built: tuple[Path, Path], model: Site) -> None:
    _, out = built
    listed = []
    for url in ("/", "/page/2/"):
        doc = tree(page(out, url))
        listed += [a.get("href") for a in doc.iter("a")
                   if re.fullmatch(r"/loadpath/episodes/[a-z0-9-]+/", a.get("href") or "")]
    order = list(dict.fromkeys(listed))
    assert order == [f"/loadpath/episodes/{e.slug}/" for e in model.episodes]


def test_html_parses_without_errors(built: tuple[Path, Path]) -> None:
    _, out = built
    pages = all_html(out)
    assert len(pages) >= 12
    problems = {p.relative_to(out).as_posix(): html_errors(p.read_text(encoding="utf-8"))
                for p in pages}
    assert {k: v for k, v in problems.items() if v} == {}


def test_strict_checker_catches_broken_html() -> None:
    assert html_errors("<!DOCTYPE html><html><body><div><p>x</div></body></html>")
    assert html_errors("<!DOCTYPE html><html><body><b id=a></b><i id=a></i></body></html>")
    assert html_errors("<html><body></body></html>")
    assert html_errors("<!DOCTYPE html><html><body><section>")
    assert html_errors("<!DOCTYPE html><html><body><div/></body></html>")
    assert not html_errors("<!DOCTYPE html><html><body><br><img src=x></body></html>")
    assert not html_errors("<!DOCTYPE html><html><body><svg><path d=''/></svg></body></html>")


def test_sitemap_lists_every_page(built: tuple[Path, Path], model: Site) -> None:
    _, out = built
    root = etree.parse(str(out / "sitemap.xml")).getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = set(root.xpath("//s:url/s:loc/text()", namespaces=ns))
    base = model.config.base_url
    expected = {base, base + "speakers/"}
    expected |= {f"{base}episodes/{e.slug}/" for e in model.episodes}
    expected |= {f"{base}speakers/{s.slug}/" for s in model.speakers()}
    assert expected <= locs
    assert f"{base}episodes/{DRAFT_SLUG}/" not in locs


def test_episode_page_shows_what_a_listener_needs(built: tuple[Path, Path],
                                                  model: Site) -> None:
    _, out = built
    for episode in model.episodes:
        doc = tree(page(out, f"/episodes/{episode.slug}/"))
        text = doc.text_content()
        assert episode.title in doc.findtext(".//h1")
        assert f"Episode {episode.number}" in text
        [audio] = doc.iter("audio")
        assert audio.get("src") or audio.find("source") is not None
        assert doc.find_class("notes"), episode.slug
        assert len(doc.find_class("turn")) == len(episode.turns)


def test_turns_carry_the_contracted_attributes(built: tuple[Path, Path], model: Site) -> None:
    _, out = built
    for episode in model.episodes:
        doc = tree(page(out, f"/episodes/{episode.slug}/"))
        turns = doc.find_class("turn")
        ids = [t.get("id") for t in turns]
        assert len(set(ids)) == len(ids) == len(episode.turns)
        for element, turn in zip(turns, episode.turns):
            speaker = episode.speaker(turn.speaker_id)
            assert element.get("data-speaker") == speaker.slug
            assert element.get("data-start") == format_seconds(turn.start)
            classes = element.get("class").split()
            assert "turn" in classes and f"speaker-{speaker.slug}" in classes
            assert ("host" if speaker.is_host else "guest") in classes
            assert speaker.name in element.text_content()
            links = [a for a in element.iter("a") if a.get("href") == f"#{element.get('id')}"]
            assert links, f"turn {element.get('id')} has no permalink"
            assert format_clock(turn.start) in links[0].text_content()


def test_every_chapter_link_resolves_to_the_turn_in_progress(built: tuple[Path, Path],
                                                             model: Site) -> None:
    _, out = built
    checked = 0
    for episode in model.episodes:
        doc = tree(page(out, f"/episodes/{episode.slug}/"))
        ids = {e.get("id") for e in doc.iter() if e.get("id")}
        entries = [li for li in doc.iter("li") if (li.get("id") or "").startswith("chapter-")]
        assert len(entries) == sum(1 for c in episode.chapters if c.toc)
        shown = [c for c in episode.chapters if c.toc]
        for entry, chapter in zip(entries, shown):
            seek = [a for a in entry.iter("a") if (a.get("href") or "").startswith("#")]
            assert seek, entry.get("id")
            target = seek[0].get("href")[1:]
            assert target in ids, f"{episode.slug}: {entry.get('id')} -> #{target}"
            expected = episode.turn_at(chapter.start)
            assert expected is not None and target == expected.anchor
            checked += 1
    assert checked >= 4 * 4


def test_speaker_class_and_colour_are_the_same_on_every_page(built: tuple[Path, Path],
                                                             model: Site) -> None:
    _, out = built
    classes: dict[str, set[str]] = defaultdict(set)
    for path in all_html(out):
        for element in tree(path).iter():
            link = re.search(r"/speakers/([a-z0-9-]+)/$", element.get("href") or "")
            slug = element.get("data-speaker") or (link[1] if link else None)
            found = {c for c in element.get("class", "").split()
                     if c.startswith("speaker-") and c != "speaker-chip"}
            if slug and (found or element.get("data-speaker")):
                classes[slug] |= found or {"(none)"}
    assert set(classes) == {s.slug for s in model.speakers()}
    for slug, found in classes.items():
        assert found == {f"speaker-{slug}"}, slug
    [css] = list(out.glob("static/speakers.*.css"))
    rules = re.findall(r"\.(speaker-[a-z0-9-]+)\{--speaker:(#[0-9a-f]{6})\}", css.read_text())
    light: dict[str, set[str]] = defaultdict(set)
    for css_class, colour in rules[:len(classes)]:
        light[css_class].add(colour)
    assert set(light) == {f"speaker-{slug}" for slug in classes}
    assert all(len(colours) == 1 for colours in light.values())
    for episode in model.episodes:
        colours = [next(iter(light[f"speaker-{s.slug}"])) for s in episode.speakers]
        assert len(set(colours)) == len(colours), f"{episode.slug}: two speakers share a colour"
    for path in all_html(out):
        if path.name != "transcript.html":  # a standalone file, not a themed page
            assert css.name in path.read_text(encoding="utf-8"), path


def test_speaker_pages_list_their_episodes(built: tuple[Path, Path], model: Site) -> None:
    """Every episode of a speaker, newest first, over pages of `episodes_per_page`."""
    _, out = built
    per_page = model.config.episodes_per_page
    paged = 0
    for speaker in model.speakers():
        url, listed = f"/speakers/{speaker.slug}/", []
        while url:
            doc = tree(page(out, url))
            assert speaker.name in doc.find(".//h1").text_content()
            shown = [a.get("href") for a in doc.iter("a")
                     if re.fullmatch(r"/loadpath/episodes/[a-z0-9-]+/", a.get("href") or "")]
            shown = list(dict.fromkeys(shown))
            assert 1 <= len(shown) <= per_page
            listed += shown
            older = doc.find(".//a[@rel='next']")
            url = older.get("href").removeprefix("/loadpath") if older is not None else None
            paged += url is not None
        assert listed == [f"/loadpath/episodes/{e.slug}/" for e in model.episodes_with(speaker.slug)]
    assert paged, "the example show's hosts should need a second page"


def test_local_links_resolve(built: tuple[Path, Path]) -> None:
    _, out = built
    broken = set()
    for path in all_html(out):
        for element in tree(path).iter():
            for attr in ("href", "src"):
                value = element.get(attr) or ""
                if value.startswith("/loadpath/"):
                    target = out / value.removeprefix("/loadpath/").split("#")[0]
                    if not (target.is_file() or (target / "index.html").is_file()):
                        broken.add(value)
    assert broken == set()


# ---- determinism, drafts, stale files ----------------------------------------------

def test_second_build_is_byte_identical(example_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    first = snapshot(out)
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    second = snapshot(out)
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_build_does_not_depend_on_where_the_site_lives(built: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    _, out = built
    elsewhere = copy_example_site(tmp_path / "deeper" / "other-name")
    out2 = tmp_path / "out2"
    assert run_cli("build", "--site", str(elsewhere), "--output", str(out2)) == 0
    first, second = snapshot(out), snapshot(out2)
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_drafts_excluded_unless_asked(built: tuple[Path, Path], tmp_path: Path) -> None:
    site, out = built
    assert not (out / "episodes" / DRAFT_SLUG).exists()
    for path in all_html(out):
        assert DRAFT_SLUG not in path.read_text(encoding="utf-8"), path
    with_drafts = tmp_path / "drafts"
    assert run_cli("build", "--site", str(site), "--output", str(with_drafts),
                   "--drafts") == 0
    assert (with_drafts / "episodes" / DRAFT_SLUG / "index.html").is_file()
    assert DRAFT_SLUG in (with_drafts / "index.html").read_text(encoding="utf-8")


def test_stale_files_are_gone(example_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    assert (out / "episodes" / "nine-bars" / "index.html").is_file()
    (example_site / "content" / "episodes" / "2026-02-04-nine-bars.md").unlink()
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    assert not (out / "episodes" / "nine-bars").exists()
    assert not (out / "audio" / "nine-bars.mp3").exists()
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert "/episodes/nine-bars/" not in path.read_text(encoding="utf-8"), path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # no leftovers


def test_output_folder_is_replaced_as_a_whole(example_site: Path, tmp_path: Path) -> None:
    """Files that no build wrote go; files changed or deleted by hand come back."""
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    good = snapshot(out)
    (out / "index.html").write_text("edited by hand")
    (out / "speakers" / "index.html").unlink()
    (out / "episodes" / "old-episode").mkdir()
    (out / "episodes" / "old-episode" / "index.html").write_text("old")
    (out / "leftover.txt").write_text("old")
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    assert not (out / "episodes" / "old-episode").exists()
    assert not (out / "leftover.txt").exists()
    assert snapshot(out) == good


# ---- bad input: one screen, file and line, old output kept -------------------------

BROKEN_TURN = "Nobody Known: 2:00 I was never introduced.\n"


def break_episode(site: Path, extra: str = BROKEN_TURN) -> tuple[Path, int]:
    path = site / "content" / "episodes" / "2026-02-04-nine-bars.md"
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n") + 1
    path.write_text(text.rstrip("\n") + "\n\n" + extra, encoding="utf-8")
    return path, lines + 1


def test_broken_episode_one_screen_error_and_old_output_kept(example_site: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "out"
    good = run_sitegen("build", "--site", str(example_site), "--output", str(out))
    assert good.returncode == 0, good.stderr
    assert "Built 4 episodes" in good.stdout
    before = snapshot(out)
    _, line = break_episode(example_site)
    bad = run_sitegen("build", "--site", str(example_site), "--output", str(out))
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr + bad.stdout
    assert len(bad.stderr.splitlines()) <= 25
    assert f"content/episodes/2026-02-04-nine-bars.md:{line}: error: " in bad.stderr
    assert "Nobody Known" in bad.stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


def test_many_errors_still_fit_one_screen(example_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    turns = "".join(f"Stranger {i}: {i}:00 hello\n" for i in range(40))
    path, line = break_episode(example_site, turns)
    result = run_sitegen("build", "--site", str(example_site), "--output", str(out))
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) <= 25, result.stderr
    assert f"2026-02-04-nine-bars.md:{line}: error: unknown speaker 'Stranger 0'" \
        in result.stderr
    assert "sitegen check" in result.stderr
    assert not out.exists()
    check = run_sitegen("check", "--site", str(example_site))
    assert check.returncode == 1
    assert check.stderr.count("unknown speaker") == 40


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(b"\x00\x01binary\xff" * 100),
    lambda p: p.write_bytes(p.read_bytes().replace(b"title:", b"title: [", 1)),
    lambda p: p.write_text(p.read_text().replace("date: 2026-02-04", "date: someday")),
], ids=["binary", "yaml", "date"])
def test_damaged_file_exit_1_no_traceback(example_site: Path, tmp_path: Path,
                                          damage) -> None:
    damage(example_site / "content" / "episodes" / "2026-02-04-nine-bars.md")
    code = run_sitegen("build", "--site", str(example_site), "--output", str(tmp_path / "o"))
    assert code.returncode == 1
    assert "Traceback" not in code.stderr
    assert re.search(r"content/episodes/2026-02-04-nine-bars\.md:\d+: error: ", code.stderr)
    assert len(code.stderr.splitlines()) <= 25


HOSTILE = {
    "nul": b"---\ntitle: T\x00\n---\n",
    "utf16": "---\ntitle: T\ndate: 2026-01-01\n---\n".encode("utf-16"),
    "latin1": "---\ntitle: Caf\u00e9\ndate: 2026-01-01\n---\n".encode("latin-1"),
    "alias-bomb": ("---\ntitle: T\ndate: 2026-01-01\na: &a [x, x, x, x, x, x, x, x, x]\n"
                   + "".join(f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}] \n"
                             for i in range(30)) + "---\n").encode(),
    "deep": ("---\ntitle: " + "[" * 10000 + "]" * 10000 + "\n---\n").encode(),
    "impossible-date": b"---\ntitle: T\ndate: 2026-02-30\n---\n",
    "infinite-chapter": b"---\ntitle: T\ndate: 2026-01-01\nchapters: [{start: 1.0e400, "
                        b"title: x}]\n---\n",
    "python-tag": b"---\ntitle: !!python/object/apply:os.system [echo hi]\n---\n",
    "unclosed": b"---\ntitle: T\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_episode_files_fail_cleanly(example_site: Path, tmp_path: Path, name: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (example_site / "content" / "episodes" / "2026-05-01-hostile.md").write_bytes(HOSTILE[name])
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 1
    err = capsys.readouterr().err
    assert re.search(r"content/episodes/2026-05-01-hostile\.md:\d+: error: ", err), err
    assert "internal error" not in err and "Traceback" not in err
    assert len(err.splitlines()) <= 25
    assert not out.exists()


def test_broken_site_yaml(example_site: Path, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    config = example_site / "site.yaml"
    config.write_text(config.read_text().replace("episodes_per_page: 3",
                                                 "episodes_per_page: many"))
    assert run_cli("build", "--site", str(example_site), "--output", str(tmp_path / "o")) == 1
    err = capsys.readouterr().err
    assert "site.yaml:16: error: episodes_per_page" in err


def test_strict_turns_warnings_into_errors(example_site: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = example_site / "content" / "episodes" / "2026-02-04-nine-bars.md"
    path.write_text(path.read_text().replace("title:", "colour: red\ntitle:", 1))
    out = tmp_path / "o"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    assert "2026-02-04-nine-bars.md:2: warning: unknown key 'colour'" in capsys.readouterr().err
    assert run_cli("build", "--site", str(example_site), "--output", str(out),
                   "--strict") == 1
    assert "2026-02-04-nine-bars.md:2: error: unknown key 'colour'" in capsys.readouterr().err


# ---- output folder safety -----------------------------------------------------------

def test_refuses_content_folder_and_site_root(example_site: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(example_site)
    for target in (example_site / "content", example_site, example_site / "content" / "..",
                   example_site.parent):
        assert run_cli("build", "--site", str(example_site), "--output", str(target)) == 1
        assert "refusing" in capsys.readouterr().err
    assert snapshot(example_site) == before


def test_refuses_home_and_root(example_site: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("keep me")
    monkeypatch.setenv("HOME", str(home))
    assert run_cli("build", "--site", str(example_site), "--output", str(home),
                   "--force") == 1
    assert "refusing" in capsys.readouterr().err
    assert [p.name for p in home.iterdir()] == [".bashrc"]
    with pytest.raises(OutputError):
        check_target(Path("/"), example_site, example_site / "content", force=True)


def test_foreign_folder_needs_force(example_site: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not a site")
    assert run_cli("build", "--site", str(example_site), "--output", str(foreign)) == 1
    err = capsys.readouterr().err
    assert "--force" in err and "Traceback" not in err
    assert (foreign / "notes.txt").read_text() == "not a site"
    assert run_cli("build", "--site", str(example_site), "--output", str(foreign),
                   "--force") == 0
    assert not (foreign / "notes.txt").exists()
    assert (foreign / "index.html").is_file()
    assert run_cli("build", "--site", str(example_site), "--output", str(foreign)) == 0


def test_empty_folder_and_file_targets(example_site: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("build", "--site", str(example_site), "--output", str(empty)) == 0
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert run_cli("build", "--site", str(example_site), "--output", str(a_file)) == 1
    assert "not a folder" in capsys.readouterr().err
    assert a_file.read_text() == "x"


# ---- the commands -------------------------------------------------------------------

def test_subprocess_build_into_default_public(example_site: Path) -> None:
    result = run_sitegen("build", cwd=example_site)
    assert result.returncode == 0, result.stderr
    assert re.search(r"Built 4 episodes, \d+ pages, \d+ files into .* in \d+\.\d+ s",
                     result.stdout)
    assert (example_site / "public" / "index.html").is_file()
    assert (example_site / "public" / "episodes" / "nine-bars" / "index.html").is_file()


def test_new_episode_builds(example_site: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    title = 'Gaskets & Seals: a "tight" fit'
    assert run_cli("new", "--site", str(example_site), title, "--date", "2026-06-01") == 0
    path = example_site / "content" / "episodes" / "2026-06-01-gaskets-seals-a-tight-fit.md"
    assert path.is_file()
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    built_page = out / "episodes" / "gaskets-seals-a-tight-fit" / "index.html"
    assert not built_page.exists(), "a new episode starts as a draft"
    preview = tmp_path / "preview"
    assert run_cli("build", "--site", str(example_site), "--output", str(preview),
                   "--drafts") == 0
    assert html_errors((preview / built_page.relative_to(out)).read_text()) == []
    # the podcaster's next steps: add the audio (each episode its own file), publish
    shutil.copyfile(example_site / "content" / "audio" / "nine-bars.mp3",
                    example_site / "content" / "audio" / "gaskets.mp3")
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^# audio: \S+.*$", "audio: audio/gaskets.mp3", text)
    path.write_text(text.replace("draft: true", "draft: false"), encoding="utf-8")
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    assert tree(built_page).findtext(".//h1") == title
    assert html_errors(built_page.read_text()) == []
    capsys.readouterr()
    assert run_cli("new", "--site", str(example_site), title, "--date", "2026-06-01") == 1
    assert "already exists" in capsys.readouterr().err
    assert run_cli("new", "--site", str(example_site), "X", "--date", "June") == 1
    assert "--date" in capsys.readouterr().err


def test_check_command_clean_and_dirty(example_site: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("check", "--site", str(example_site)) == 0
    assert "0 errors" in capsys.readouterr().out
    break_episode(example_site)
    assert run_cli("check", "--site", str(example_site)) == 1
    assert not (example_site / "public").exists()


def test_missing_site_is_a_clear_error(tmp_path: Path) -> None:
    result = run_sitegen("build", "--site", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "site.yaml" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 25


def test_problems_in_several_files_reported_together(example_site: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    episodes = example_site / "content" / "episodes"
    first = episodes / "2026-01-14-how-bridges-stand-up.md"
    first.write_text(first.read_text().replace("number: 1\n", "number: one\n", 1))
    break_episode(example_site)
    config = example_site / "site.yaml"
    config.write_text(config.read_text() + "episode_per_page: 4\n")
    assert run_cli("check", "--site", str(example_site)) == 1
    err = capsys.readouterr().err
    assert re.search(r"2026-01-14-how-bridges-stand-up\.md:4: error: number", err)
    assert re.search(r"2026-02-04-nine-bars\.md:\d+: error: unknown speaker", err)
    assert "site.yaml:21: warning: unknown key 'episode_per_page'" in err
    assert "did you mean 'episodes_per_page'?" in err


def test_strict_applies_to_site_yaml(example_site: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    config = example_site / "site.yaml"
    config.write_text(config.read_text() + "langauge: en\n")
    out = tmp_path / "o"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    assert "site.yaml:21: warning: unknown key 'langauge'" in capsys.readouterr().err
    before = snapshot(out)
    assert run_cli("build", "--site", str(example_site), "--output", str(out),
                   "--strict") == 1
    assert "site.yaml:21: error: unknown key 'langauge'" in capsys.readouterr().err
    assert snapshot(out) == before


def wcag_contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                  for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def speaker_colours(out: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(light, dark) colour per speaker class, from the generated speakers CSS."""
    [css] = list(out.glob("static/speakers.*.css"))
    light_part, _, dark_part = css.read_text().partition("@media (prefers-color-scheme: dark)")
    rule = r"\.(speaker-[a-z0-9-]+)\{--speaker:(#[0-9a-f]{6})\}"
    return dict(re.findall(rule, light_part)), dict(re.findall(rule, dark_part))


def test_speaker_colours_reach_aa_on_the_theme_backgrounds(built: tuple[Path, Path]) -> None:
    _, out = built
    [style] = list(out.glob("static/style.*.css"))
    backgrounds = re.findall(r"--bg:\s*(#[0-9a-fA-F]{6})", style.read_text())
    light_bg, dark_bg = backgrounds[0], backgrounds[1]
    light, dark = speaker_colours(out)
    assert light.keys() == dark.keys() and len(light) >= 5
    for css_class in light:
        assert wcag_contrast(light[css_class], light_bg) >= 4.5, css_class
        assert wcag_contrast(dark[css_class], dark_bg) >= 4.5, css_class


def test_speaker_colour_from_site_yaml_is_used(example_site: Path, tmp_path: Path) -> None:
    config = example_site / "site.yaml"
    tom = "tom: {name: Tom Keller, role: host"
    config.write_text(config.read_text().replace(tom, tom + ', color: "#1a5c2e"'))
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    light, _ = speaker_colours(out)
    assert light["speaker-tom-keller"] == "#1a5c2e"


@pytest.mark.parametrize("title", ['C:\\new "quoted" \\', "# hash: colon [x]",
                                   "Tab\tand\nnewline", "Émigré — ünïcode"])
def test_new_episode_with_awkward_titles(example_site: Path, tmp_path: Path,
                                         title: str) -> None:
    assert run_cli("new", "--site", str(example_site), title, "--date", "2026-06-01") == 0
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(example_site), "--output", str(out), "--drafts") == 0
    pages = [p for p in (out / "episodes").glob("*/index.html")
             if tree(p).findtext(".//h1") == " ".join(title.split())]
    assert len(pages) == 1


def test_new_respects_the_content_folder_and_needs_a_site(example_site: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    config = example_site / "site.yaml"
    (example_site / "content").rename(example_site / "src")
    config.write_text(config.read_text() + "content: src\n")
    assert run_cli("new", "--site", str(example_site), "Moved", "--date", "2026-06-01") == 0
    assert (example_site / "src" / "episodes" / "2026-06-01-moved.md").is_file()
    assert not (example_site / "content").exists()
    assert run_cli("new", "--site", str(tmp_path / "nowhere"), "Lost") == 1
    assert "site.yaml" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()
    assert run_cli("new", "--site", str(example_site), "  ") == 1


def test_failure_report_fits_a_screen_whatever_the_hints(example_site: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    episodes = example_site / "content" / "episodes"
    for n in range(12):  # each error carries a hint of several lines
        (episodes / f"2026-07-{n + 1:02d}-bad.md").write_text(
            f"---\ntitle: Bad {n}\ndate: 2026-07-{n + 1:02d}\nspeakers: [a, b]\n---\n")
    assert run_cli("build", "--site", str(example_site), "--output", str(tmp_path / "o")) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) <= 25, err
    assert "2026-07-01-bad.md:4: error: speakers must be a mapping" in err
    assert "more; `sitegen check` lists them all" in err


def test_fixture_episode_with_every_key_builds(example_site: Path, tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parent / "fixtures" / "episodes" / "full.md"
    (example_site / "content" / "episodes" / "2026-05-06-soldering.md").write_bytes(
        fixture.read_bytes())
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(example_site), "--output", str(out)) == 0
    path = out / "episodes" / "soldering-honestly" / "index.html"
    assert html_errors(path.read_text(encoding="utf-8")) == []
    doc = tree(path)
    chapters = [li for li in doc.iter("li") if (li.get("id") or "").startswith("chapter-")]
    assert len(chapters) == 2, "a chapter with toc: false is not listed"
    assert [a.get("src") for a in doc.iter("audio")] == [
        "https://cdn.example.org/bench/soldering.mp3"]
    turns = doc.find_class("turn")
    assert [t.get("data-speaker") for t in turns] == [
        "marta-vell", "oskar-brandt", "oskar-brandt", "kim-ode", "marta-vell"]
    assert [t.get("data-start") for t in turns] == ["0", "75", "750", "3599", "3610"]
    assert "Kim Ode: 9:99 is not a turn" in turns[1].text_content()
    assert "host" in turns[0].get("class").split() and "guest" in turns[1].get("class").split()
    hrefs = {a.get("href") for a in doc.iter("a")}
    assert {"https://example.org/flux", "https://example.org/bare",
            "https://example.org/"} <= hrefs
    assert (out / "speakers" / "kim-ode" / "index.html").is_file()
    assert "soldering-honestly" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("foreign", [False, True])
def test_staging_a_file_again_never_writes_through_its_hard_link(tmp_path: Path,
                                                                  foreign: bool) -> None:
    """A linked file (audio) staged again, by this process or, after a phase failed in
    the forked one, by a process that does not know of it, leaves the source alone."""
    source = tmp_path / "episode.mp3"
    source.write_bytes(b"the podcaster's audio")
    staging = Staging(tmp_path / "out")
    staging.link("audio/episode.mp3", source)
    if foreign:   # as if another process had linked it: this one has no record of it
        del staging.keys["audio/episode.mp3"]
        staging.foreign_files = True
    staging.write("audio/episode.mp3", b"something else")
    staging.commit()
    assert source.read_bytes() == b"the podcaster's audio"
    assert (tmp_path / "out" / "audio" / "episode.mp3").read_bytes() == b"something else"
