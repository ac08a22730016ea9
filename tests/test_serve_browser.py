"""`sitegen serve` in chromium: edits show up in the open page without a manual reload,
a failed build shows an overlay in every open page, CSS swaps without reloading, and
audio can seek (Range requests answered with 206)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from sitegen.serve.devserver import DevServer, ServeOptions

pytestmark = pytest.mark.browser

EPISODE = "episodes/nine-bars/"
TURN_TEXT = "Welcome back to Load Path."
OVERLAY = "#sitegen-build-error"
WAIT_MS = 30_000


@pytest.fixture
def dev(example_site: Path) -> Iterator[DevServer]:
    server = DevServer(ServeOptions(site_dir=example_site, port=0), report=lambda text: None)
    server.start()
    assert server.last is not None and server.last.ok
    yield server
    server.stop()


def episode_source(site: Path) -> Path:
    return next((site / "content" / "episodes").glob("*-nine-bars.md"))


def open_live(page, url: str) -> None:
    """Open a page and wait until its live-reload stream is connected."""
    page.goto(url)
    page.wait_for_selector("html[data-sitegen-live=connected]", timeout=WAIT_MS)
    page.evaluate("window.__sameDocument = true")


def wait_for_turn_text(page, text: str) -> None:
    page.wait_for_function(
        """text => [...document.querySelectorAll('.turn')]
                    .some(turn => turn.textContent.includes(text))""",
        arg=text, timeout=WAIT_MS)


def test_editing_a_turn_shows_the_new_text_without_a_manual_reload(dev, example_site, page):
    open_live(page, dev.url + EPISODE)
    assert page.locator(".turn").first.inner_text().count(TURN_TEXT) == 1
    source = episode_source(example_site)
    source.write_text(source.read_text().replace(TURN_TEXT, "Welcome back to Tension Path."))
    wait_for_turn_text(page, "Welcome back to Tension Path.")
    assert page.url == dev.url + EPISODE


def test_an_edit_is_patched_into_the_page_keeping_scroll_and_script_state(
        dev, example_site, page):
    """Only what the build changed is updated: the document, the turn elements the
    player holds, the scroll position and what scripts set on the page all stay."""
    open_live(page, dev.url + EPISODE)
    page.wait_for_selector("html[data-sitegen-patchable=true]", timeout=WAIT_MS)
    page.evaluate("""() => {
        window.__firstTurn = document.querySelector('.turn');
        window.__firstTurn.classList.add('current');      // as the player marks it
        window.scrollTo({top: 300, behavior: 'instant'});
    }""")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    source = episode_source(example_site)
    source.write_text(source.read_text().replace(TURN_TEXT, "Welcome back to Patch Path."))
    wait_for_turn_text(page, "Welcome back to Patch Path.")
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("document.querySelector('.turn') === window.__firstTurn")
    assert page.evaluate("window.__firstTurn.classList.contains('current')")
    assert page.evaluate("window.scrollY") == scrolled
    assert page.get_attribute("html", "data-sitegen-patches") == "1"


def test_an_added_turn_reloads_the_page(dev, example_site, page):
    """The player holds the list of turns: a build that adds one reloads the page."""
    open_live(page, dev.url + EPISODE)
    page.wait_for_selector("html[data-sitegen-patchable=true]", timeout=WAIT_MS)
    count = page.locator(".turn").count()
    source = episode_source(example_site)
    text = source.read_text().rstrip("\n")
    last_speaker = text.splitlines()[-1].split(":")[0]
    source.write_text(text + f"\n\n{last_speaker}: 59:00 One more thing, Added Path.\n")
    wait_for_turn_text(page, "One more thing, Added Path.")
    assert page.evaluate("window.__sameDocument") is None   # reloaded, not patched
    assert page.locator(".turn").count() == count + 1


def test_an_atomic_save_shows_the_new_text(dev, example_site, page):
    open_live(page, dev.url + EPISODE)
    source = episode_source(example_site)
    temp = source.with_name(f".{source.name}.sitegen-test~")
    temp.write_text(source.read_text().replace(TURN_TEXT, "Welcome back to Atomic Path."))
    os.replace(temp, source)
    wait_for_turn_text(page, "Welcome back to Atomic Path.")


def test_a_yaml_error_shows_the_overlay_in_every_open_page_and_fixing_it_reloads(
        dev, example_site, browser):
    context = browser.new_context()
    try:
        pages = [context.new_page(), context.new_page()]
        open_live(pages[0], dev.url + EPISODE)
        open_live(pages[1], dev.url)
        config = example_site / "site.yaml"
        good = config.read_text()
        broken_line = good.splitlines().index("language: en") + 1
        config.write_text(good.replace("language: en", "language: [en"))
        for page in pages:
            overlay = page.wait_for_selector(OVERLAY, timeout=WAIT_MS)
            location = overlay.query_selector(".sitegen-problem-location").inner_text()
            assert location.startswith("site.yaml:")
            assert int(location.split(":")[1]) in (broken_line, broken_line + 1)
            assert overlay.query_selector(".sitegen-problem-message").inner_text().strip()
            assert page.locator(".turn, .episode-list, main").count() > 0  # last good page
        config.write_text(good)
        for page in pages:
            page.wait_for_selector(OVERLAY, state="detached", timeout=WAIT_MS)
            page.wait_for_selector("html[data-sitegen-live=connected]", timeout=WAIT_MS)
            assert page.evaluate("window.__sameDocument") is None
        assert TURN_TEXT in pages[0].locator(".turn").first.inner_text()
    finally:
        context.close()


def test_a_page_opened_while_the_build_is_broken_shows_the_overlay(dev, example_site, page):
    config = example_site / "site.yaml"
    number = dev.last.number
    config.write_text(config.read_text().replace("language: en", "language: [en"))
    outcome = dev.wait_for_build(number, timeout=30)
    assert outcome is not None and not outcome.ok
    page.goto(dev.url + EPISODE)
    assert "site.yaml:" in page.wait_for_selector(OVERLAY, timeout=WAIT_MS).inner_text()


def test_overlay_shows_user_text_as_text_never_as_html(dev, example_site, page):
    open_live(page, dev.url + EPISODE)
    source = episode_source(example_site)
    payload = "<img src=x onerror=window.__xss=1>"
    text = source.read_text()
    date_line = next(line for line in text.splitlines() if line.startswith("date:"))
    source.write_text(text.replace(date_line, f'date: "{payload}"'))
    overlay = page.wait_for_selector(OVERLAY, timeout=WAIT_MS)
    assert payload in overlay.inner_text()
    assert source.name in overlay.query_selector(".sitegen-problem-location").inner_text()
    assert overlay.query_selector("img") is None
    assert page.evaluate("window.__xss") is None


def test_a_css_only_change_swaps_the_stylesheet_without_a_reload(dev, example_site, page):
    open_live(page, dev.url + EPISODE)
    style = example_site / "themes" / "default" / "static" / "style.css"
    style.write_text(style.read_text() + "\nbody { outline: 3px solid rgb(1, 2, 3); }\n")
    page.wait_for_function(
        "getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'", timeout=WAIT_MS)
    assert page.evaluate("window.__sameDocument") is True
    assert page.get_attribute("html", "data-sitegen-css-swaps") == "1"


def test_range_request_from_the_page_returns_206_with_the_right_bytes(dev, example_site, page):
    open_live(page, dev.url + EPISODE)
    audio = (example_site / "content" / "audio" / "nine-bars.mp3").read_bytes()
    result = page.evaluate(
        """async url => {
             const response = await fetch(url, {headers: {Range: 'bytes=1000-1999'}});
             const bytes = new Uint8Array(await response.arrayBuffer());
             return {status: response.status, range: response.headers.get('Content-Range'),
                     bytes: Array.from(bytes)};
           }""", dev.url + "audio/nine-bars.mp3")
    assert result["status"] == 206
    assert result["range"] == f"bytes 1000-1999/{len(audio)}"
    assert bytes(result["bytes"]) == audio[1000:2000]


def test_the_player_can_seek_the_local_audio(dev, page):
    open_live(page, dev.url + EPISODE)
    seekable = page.evaluate(
        """async url => {
             const audio = new Audio(url);
             await new Promise((ok, fail) => {
               audio.addEventListener('loadedmetadata', ok);
               audio.addEventListener('error', () => fail(audio.error && audio.error.code));
             });
             audio.currentTime = audio.duration / 2;
             await new Promise(ok => audio.addEventListener('seeked', ok));
             return {end: audio.seekable.length ? audio.seekable.end(0) : 0,
                     duration: audio.duration, now: audio.currentTime};
           }""", dev.url + "audio/nine-bars.mp3")
    assert seekable["end"] > 0 and seekable["now"] > 0
