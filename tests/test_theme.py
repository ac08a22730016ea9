"""The default theme on the built example site: markup contract, weight, meta tags,
the quality gates (axe-core, the Nu HTML checker) and the player in a real browser.

Browser tests run Debian chromium through playwright with autoplay allowed, as a
listener who has already pressed play once would have it; the audio is served
with byte ranges so seeking works as it does on a real host.
"""
from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from sitegen.build import BuildOptions, build
from sitegen.config import load_config
from sitegen.errors import Problems
from tests.conftest import REPO, launch_chromium, require
from tests.theme_tools import AXE_JS, VNU_JAR, java, serve_site

EPISODE = "how-bridges-stand-up"
BUDGET_GZIP = 30 * 1024


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def has_class(name: str) -> str:
    """An XPath predicate: the element's class list contains `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


TURNS = f"//section[{has_class('transcript')}]//div[{has_class('turn')}]"
JSONLD = "//script[@type='application/ld+json']"
CHAPTERS = f"//nav[{has_class('chapters')}]//li"


def pages(public: Path) -> list[Path]:
    """The site's pages: what the theme renders (not per-episode transcript.html files)."""
    return sorted(p for p in public.rglob("*.html") if p.name in ("index.html", "404.html"))


def episode_doc(public: Path) -> lxml.html.HtmlElement:
    return html(public / "episodes" / EPISODE / "index.html")


def starts(doc: lxml.html.HtmlElement, xpath: str) -> list[float]:
    return [float(el.get("data-start")) for el in doc.xpath(xpath)]


def in_progress(values: list[float], t: float) -> int:
    """Index of the last value at or before t: the turn or chapter playing at t."""
    return max(i for i, v in enumerate(values) if v <= t + 0.01)


# --- the built HTML ---------------------------------------------------------------------

def test_turns_keep_the_markup_contract(built_example: Path) -> None:
    doc = episode_doc(built_example)
    turns = doc.xpath(TURNS)
    assert len(turns) > 10
    for turn in turns:
        classes = turn.get("class").split()
        slug = turn.get("data-speaker")
        assert f"speaker-{slug}" in classes
        assert ("host" in classes) != ("guest" in classes)
        start = turn.get("data-start")
        anchor = re.fullmatch(r"t-(\d+)(-\d+)?", turn.get("id"))
        assert anchor and int(anchor.group(1)) == int(float(start))
        assert turn.xpath(f".//*[{has_class('speaker')}]")[0].text_content().strip()
        link = turn.xpath(f".//a[@data-seek][{has_class('ts')}]")[0]
        assert float(link.get("data-seek")) == float(start)
        assert link.get("href") == f"#{turn.get('id')}"


def test_chapters_link_to_the_turn_in_progress(built_example: Path) -> None:
    doc = episode_doc(built_example)
    turn_ids = [t.get("id") for t in doc.xpath(TURNS)]
    turn_starts = starts(doc, TURNS)
    chapters = doc.xpath(CHAPTERS)
    assert len(chapters) == 6
    for number, li in enumerate(chapters, 1):
        assert li.get("id") == f"chapter-{number}"
        target = turn_ids[in_progress(turn_starts, float(li.get("data-start")))]
        assert li.xpath(f".//a[{has_class('seek')}]")[0].get("href") == f"#{target}"


def test_player_markup_works_without_javascript(built_example: Path) -> None:
    doc = episode_doc(built_example)
    audio = doc.xpath("//div[@id='player']/audio")[0]
    assert audio.get("controls") is not None
    assert audio.get("src") == "/loadpath/audio/how-bridges-stand-up.mp3"
    assert (built_example / "audio" / "how-bridges-stand-up.mp3").is_file()
    assert doc.xpath(f"//div[@id='player']/div[{has_class('player-ui')}]")[0].get("hidden") is not None


def test_chapter_markers_sit_at_their_share_of_the_duration(built_example: Path) -> None:
    doc = episode_doc(built_example)
    duration = float(doc.xpath("//div[@id='player']")[0].get("data-duration"))
    marks = doc.xpath(f"//ol[{has_class('player-marks')}]/li")
    chapter_starts = [s for s in starts(doc, CHAPTERS) if s > 0]
    assert len(marks) == len(chapter_starts) == 5
    for mark, start in zip(marks, chapter_starts):
        left = float(re.search(r"left:\s*([\d.]+)%", mark.get("style")).group(1))
        assert left == pytest.approx(start / duration * 100, abs=0.01)


def test_social_and_structured_metadata(built_example: Path) -> None:
    config = load_config(REPO, Problems())
    doc = episode_doc(built_example)
    meta = {m.get("property") or m.get("name"): m.get("content") for m in doc.xpath("//meta")}
    page_url = config.absolute_url(f"episodes/{EPISODE}/")
    assert doc.xpath("//link[@rel='canonical']")[0].get("href") == page_url
    assert meta["og:url"] == page_url
    assert meta["og:title"] == "How Bridges Stand Up"
    assert meta["og:audio"] == config.absolute_url("audio/how-bridges-stand-up.mp3")
    assert meta["og:audio:type"] == "audio/mpeg"
    assert meta["og:image"] == config.absolute_url("artwork.png")
    assert meta["twitter:card"] == "summary"
    assert meta["og:description"].startswith("Structural engineer Helen Osei")
    data = json.loads(doc.xpath(JSONLD)[0].text)
    assert data["@type"] == "PodcastEpisode" and data["url"] == page_url
    home = html(built_example / "index.html")
    series = json.loads(home.xpath(JSONLD)[0].text)
    assert series["@type"] == "PodcastSeries"
    icon = home.xpath("//link[@rel='icon']")[0].get("href")
    assert icon == "/loadpath/artwork.png" and (built_example / "artwork.png").is_file()
    robots = (built_example / "robots.txt").read_text()
    assert "Sitemap: " + config.absolute_url("sitemap.xml") in robots


def test_every_page_is_self_contained(built_example: Path) -> None:
    """No external fonts, CDNs or trackers: every subresource comes from the site."""
    for page in pages(built_example):
        doc = html(page)
        for el in doc.xpath("//script[@src] | //link[@rel='stylesheet' or @rel='icon' or @rel='apple-touch-icon'] | //img | //audio | //source"):
            ref = el.get("src") or el.get("href")
            assert ref and not urlsplit(ref).netloc, f"{page}: external {ref}"
            assert ref.startswith("/loadpath/"), f"{page}: {ref}"
    for css in (built_example / "static").glob("*.css"):
        text = css.read_text()
        assert "@import" not in text and not re.search(r"url\(\s*['\"]?(https?:)?//", text)


def test_theme_css_and_js_under_30_kb_compressed(built_example: Path) -> None:
    files = [f for f in (built_example / "static").iterdir() if f.suffix in (".css", ".js")]
    assert any(f.name.startswith("player.") for f in files)
    total = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
    assert total < BUDGET_GZIP, f"theme CSS+JS is {total} bytes gzipped"


def test_consecutive_turns_of_one_speaker_are_grouped(example_site: Path, tmp_path: Path) -> None:
    source = example_site / "content" / "episodes" / "2026-01-14-how-bridges-stand-up.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("Tom Keller: 0:45 ", "Helen Osei: 0:44 And one more thing.\n\n"
                                   "Tom Keller: 0:45 ", 1), encoding="utf-8")
    build(BuildOptions(site_dir=example_site, output_dir=tmp_path / "out"))
    doc = html(tmp_path / "out" / "episodes" / EPISODE / "index.html")
    turns = doc.xpath(TURNS)
    helen = [t for t in turns if t.get("data-start") in ("36", "44")]
    assert [("continues" in t.get("class")) for t in helen] == [False, True]
    assert sum("continues" in t.get("class") for t in turns) == 1


def test_nu_html_checker_finds_no_errors(built_example: Path) -> None:
    require(VNU_JAR.is_file(), f"vnu.jar not found at {VNU_JAR} (.ci/run installs npm vnu-jar)")
    require(java() is not None, "java is not installed")
    result = subprocess.run([java(), "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                             *map(str, pages(built_example))],
                            capture_output=True, text=True, timeout=240)
    messages = json.loads(result.stderr or "{}").get("messages", [])
    errors = [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages
              if m.get("type") == "error" or m.get("subType") == "fatal"]
    assert not errors, "\n".join(errors)
    assert len(pages(built_example)) >= 10


# --- in the browser ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_url(built_example: Path):
    with serve_site(built_example, load_config(REPO, Problems()).base_path) as base:
        yield base


@pytest.fixture(scope="module")
def player_browser(playwright):
    browser = launch_chromium(playwright, "--autoplay-policy=no-user-gesture-required")
    yield browser
    browser.close()


@pytest.fixture
def tab(player_browser):
    context = player_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


def open_episode(tab, site_url: str, fragment: str = "") -> None:
    tab.goto(f"{site_url}episodes/{EPISODE}/{fragment}")
    tab.wait_for_function("() => !document.querySelector('.player-ui').hidden")


def state(tab) -> dict:
    return tab.evaluate("""() => { const a = document.querySelector('#player audio');
      const turn = document.querySelector('.turn.current'), ch = document.querySelector('.chapters li.current');
      return {time: a.currentTime, paused: a.paused, rate: a.playbackRate,
              turn: turn && turn.id, chapter: ch && ch.id,
              label: document.querySelector('.player-chapter').textContent,
              follow: document.querySelector('.player-follow input').checked,
              status: document.querySelector('.player-status').textContent}; }""")


def wait_time(tab, low: float, high: float) -> None:
    tab.wait_for_function(f"""() => {{ const t = document.querySelector('#player audio').currentTime;
        return t >= {low} && t <= {high}; }}""", timeout=8000)


@pytest.mark.parametrize("fragment,seconds", [("#t=1:15", 75), ("#t=75", 75), ("#t=4m56s", 296)])
def test_time_fragment_opens_playing_there(tab, site_url, built_example, fragment, seconds) -> None:
    doc = episode_doc(built_example)
    open_episode(tab, site_url, fragment)
    wait_time(tab, seconds, seconds + 3)
    now = state(tab)
    assert not now["paused"]
    turn_starts = starts(doc, TURNS)
    expected_turn = doc.xpath(TURNS)[in_progress(turn_starts, now["time"])].get("id")
    chapter = in_progress(starts(doc, CHAPTERS), now["time"]) + 1
    assert (now["turn"], now["chapter"]) == (expected_turn, f"chapter-{chapter}")
    title = doc.xpath(f"//li[@id='chapter-{chapter}']//*[{has_class('chapter-title')}]")[0].text_content()
    assert now["label"] == title


def test_clicking_a_timestamp_or_chapter_seeks_and_plays(tab, site_url) -> None:
    open_episode(tab, site_url)
    tab.click("#t-108 a.ts")
    wait_time(tab, 108, 111)
    now = state(tab)
    assert not now["paused"] and now["turn"] == "t-108" and now["chapter"] == "chapter-2"
    tab.click("#chapter-4 a.seek")
    wait_time(tab, 222, 225)
    assert state(tab)["chapter"] == "chapter-4"
    assert tab.evaluate("location.hash") == ""


def test_player_bar_stays_visible_while_reading(tab, site_url) -> None:
    open_episode(tab, site_url)
    tab.evaluate("window.scrollTo(0, document.body.scrollHeight * 0.7)")
    tab.wait_for_timeout(600)
    box = tab.evaluate("(() => { const r = document.querySelector('#player').getBoundingClientRect();"
                       " return [r.top, r.bottom, window.scrollY]; })()")
    assert box[2] > 2000 and box[0] == pytest.approx(0, abs=1) and box[1] > 40
    assert tab.is_visible(".player-play")


def test_keyboard_plays_seeks_and_shows_focus(tab, site_url) -> None:
    open_episode(tab, site_url)
    tab.focus(".player-seek")
    tab.keyboard.press("Space")
    tab.wait_for_function("() => !document.querySelector('#player audio').paused")
    tab.keyboard.press("Space")
    tab.wait_for_function("() => document.querySelector('#player audio').paused")
    before = state(tab)["time"]
    tab.keyboard.press("ArrowRight")
    tab.keyboard.press("ArrowRight")
    wait_time(tab, before + 9.5, before + 10.5)
    tab.keyboard.press("ArrowLeft")
    wait_time(tab, before + 4.5, before + 5.5)
    # Tabbing from the play button reaches the skip button with a visible outline.
    tab.focus(".player-play")
    tab.keyboard.press("Tab")
    focused = tab.evaluate("""() => { const el = document.activeElement, s = getComputedStyle(el);
        return [el.className, s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert focused[0].startswith("player-skip") and focused[1] != "none" and focused[2] >= 2
    tab.keyboard.press("Enter")  # back 15 s from ~5 s: clamps at 0
    wait_time(tab, 0, 0.5)


def test_speed_changes_and_is_remembered(tab, site_url) -> None:
    open_episode(tab, site_url)
    tab.click(".player-speed")
    tab.click(".player-speed")
    assert state(tab)["rate"] == 1.5
    assert tab.inner_text(".player-speed-value") == "1.5×"
    open_episode(tab, site_url)
    tab.reload()
    tab.wait_for_function("() => !document.querySelector('.player-ui').hidden")
    assert state(tab)["rate"] == 1.5


def test_share_copies_a_link_to_the_current_second(player_browser, site_url) -> None:
    context = player_browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/").rsplit("/", 1)[0])
    tab = context.new_page()
    try:
        open_episode(tab, site_url, "#t=100")
        wait_time(tab, 100, 103)
        tab.evaluate("document.querySelector('#player audio').pause()")
        second = int(state(tab)["time"])
        tab.click(".player-share")
        tab.wait_for_function("() => document.querySelector('.player-status').textContent.includes('copied')")
        copied = tab.evaluate("navigator.clipboard.readText()")
        assert copied == f"{site_url}episodes/{EPISODE}/#t={second}"
        tab.goto(copied.replace("#", "?again#"))
        wait_time(tab, second, second + 3)
    finally:
        context.close()


def test_position_is_remembered_per_episode(tab, site_url) -> None:
    open_episode(tab, site_url, "#t=130")
    wait_time(tab, 130, 133)
    tab.evaluate("document.querySelector('#player audio').pause()")
    saved = int(state(tab)["time"])
    tab.goto(f"{site_url}episodes/{EPISODE}/")
    tab.wait_for_function("() => !document.querySelector('.player-ui').hidden")
    assert state(tab)["status"] == f"Resuming at {saved // 60}:{saved % 60:02d}"
    wait_time(tab, saved, saved + 1)
    assert state(tab)["paused"]
    tab.goto(f"{site_url}episodes/nine-bars/")
    tab.wait_for_function("() => !document.querySelector('.player-ui').hidden")
    assert state(tab)["time"] == 0


def settled_scroll(tab) -> float:
    """window.scrollY once it has stopped changing (smooth scrolling takes a moment)."""
    last = None
    for _ in range(20):
        tab.wait_for_timeout(250)
        now = tab.evaluate("window.scrollY")
        if now == last:
            return now
        last = now
    raise AssertionError("the page kept scrolling")


def test_follow_along_scrolls_until_the_reader_scrolls(tab, site_url) -> None:
    open_episode(tab, site_url)
    tab.evaluate("window.scrollTo(0, 0)")
    tab.click("#chapter-5 a.seek")  # 4:56, far below the fold
    tab.wait_for_function("() => { const t = document.querySelector('.turn.current');"
                          " const r = t && t.getBoundingClientRect(); return r && r.top > 0 && r.top < innerHeight; }")
    assert state(tab)["follow"]
    tab.mouse.move(640, 500)
    tab.mouse.wheel(0, -400)
    tab.wait_for_function("() => !document.querySelector('.player-follow input').checked")
    still = settled_scroll(tab)
    tab.evaluate("document.querySelector('#player audio').currentTime = 440")
    tab.wait_for_function("() => document.querySelector('.turn.current').id === 't-429'")
    assert settled_scroll(tab) == pytest.approx(still, abs=2)


def test_no_layout_shift_when_the_player_loads(tab, site_url) -> None:
    tab.add_init_script("""window.__cls = 0; new PerformanceObserver(list => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
      }).observe({type: 'layout-shift', buffered: true});""")
    open_episode(tab, site_url)
    tab.wait_for_load_state("networkidle")
    tab.wait_for_timeout(300)
    assert tab.evaluate("window.__cls") < 0.01


@pytest.mark.parametrize("width", [320, 375, 768, 1600])
@pytest.mark.parametrize("path", ["", f"episodes/{EPISODE}/", "speakers/"])
def test_responsive_without_sideways_scrolling(player_browser, site_url, width, path) -> None:
    context = player_browser.new_context(viewport={"width": width, "height": 700})
    tab = context.new_page()
    try:
        tab.goto(site_url + path)
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        tab.evaluate("""() => { const title = document.querySelector('.player-chapter');
            if (title) title.textContent = 'A chapter title far too long for one line '.repeat(3); }""")
        cramped = tab.evaluate("""() => [...document.querySelectorAll('.player-ui > :not(.player-chapter)')]
            .filter(el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
            .map(el => el.className)""")
        assert not cramped, f"player controls overflow at {width} px: {cramped}"
    finally:
        context.close()


def test_the_page_reads_and_navigates_without_javascript(player_browser, site_url) -> None:
    context = player_browser.new_context(java_script_enabled=False, reduced_motion="reduce")
    tab = context.new_page()
    try:
        tab.goto(f"{site_url}episodes/{EPISODE}/")
        assert tab.is_visible("#player audio") and not tab.is_visible(".player-ui")
        tab.click("#chapter-3 a.seek")
        assert tab.evaluate("location.hash") == "#t-132"
        top = tab.evaluate("document.querySelector('#t-132').getBoundingClientRect().top")
        assert 0 <= top < 200
    finally:
        context.close()


def test_print_shows_a_clean_transcript(tab, site_url) -> None:
    open_episode(tab, site_url)
    tab.emulate_media(media="print")
    for hidden in ("#player", ".site-header", ".site-footer", ".pagination", ".transcript-files"):
        assert not tab.is_visible(hidden), hidden
    assert tab.is_visible(".transcript .turn")
    assert tab.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"


# The episode twice: as it loads, and playing with a turn and a chapter highlighted.
AXE_PAGES = ["", f"episodes/{EPISODE}/", f"episodes/{EPISODE}/#t=1:15", "speakers/", "speakers/helen-osei/", "search/", "404.html"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_violations(player_browser, site_url, path, scheme) -> None:
    require(AXE_JS.is_file(), f"axe-core not found at {AXE_JS} (.ci/run installs npm axe-core)")
    context = player_browser.new_context(color_scheme=scheme)
    tab = context.new_page()
    try:
        response = tab.goto(site_url + path)
        assert response is not None and response.ok, path
        tab.wait_for_load_state("networkidle")
        if "#t=" in path:
            tab.wait_for_function("() => document.querySelector('.turn.current.guest')")
        tab.add_script_tag(path=str(AXE_JS))
        result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
        problems = [f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})"
                    for v in result["violations"]]
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_missing_audio_is_reported_not_silent(tab, site_url) -> None:
    tab.route("**/*.mp3", lambda route: route.fulfill(status=404, body="gone"))
    open_episode(tab, site_url)
    tab.wait_for_function("() => document.querySelector('.player-status').textContent"
                          " === 'The audio could not be loaded'")
    tab.wait_for_timeout(4500)  # short messages fade after 4 s; this one stays
    assert state(tab)["status"] == "The audio could not be loaded"


def test_a_theme_may_drop_player_controls(player_browser, example_site: Path, tmp_path: Path) -> None:
    """docs/themes.md: the script needs only #player, its audio and .player-ui."""
    (example_site / "templates").mkdir()
    (example_site / "templates" / "_player.html").write_text(
        '<div class="player" id="player"><audio controls src="{{ audio_src }}"></audio>'
        '<div class="player-ui" hidden><button type="button" data-action="toggle">Play</button>'
        "</div></div>\n", encoding="utf-8")
    build(BuildOptions(site_dir=example_site, output_dir=tmp_path / "out"))
    context = player_browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        with serve_site(tmp_path / "out", "/loadpath/") as base:
            open_episode(tab, base)
            tab.click("#t-108 a.ts")
            wait_time(tab, 108, 111)
            assert state_of_turn(tab) == "t-108"
            tab.click(".player-ui button")
            tab.wait_for_function("() => document.querySelector('#player audio').paused")
    finally:
        context.close()
    assert not errors, errors


def state_of_turn(tab) -> str | None:
    return tab.evaluate("(document.querySelector('.turn.current') || {}).id || null")


def test_lock_screen_shows_the_episode(tab, site_url) -> None:
    open_episode(tab, site_url)
    meta = tab.evaluate("""() => { const m = navigator.mediaSession.metadata;
        return m && [m.title, m.artist, m.artwork.map(a => a.src)]; }""")
    assert meta == ["How Bridges Stand Up", "Load Path", [f"{site_url}artwork.png"]]


def test_blocked_autoplay_leaves_the_player_ready_at_the_link_time(browser, site_url) -> None:
    """Without autoplay permission (a first visit), #t= positions the player and says so."""
    context = browser.new_context()
    tab = context.new_page()
    try:
        open_episode(tab, site_url, "#t=2:12")
        tab.wait_for_function("() => document.querySelector('.player-status').textContent"
                              " === 'Press play to listen from 2:12'")
        now = state(tab)
        assert now["paused"] and now["time"] == pytest.approx(132, abs=0.5)
        assert now["chapter"] == "chapter-3" and now["turn"] == "t-132"
        tab.click(".player-play")
        tab.wait_for_function("() => !document.querySelector('#player audio').paused")
        assert state(tab)["status"] == ""
    finally:
        context.close()
