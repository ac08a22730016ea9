"""Hostile input: script injection in every field, killed builds, paths that escape.

The XSS corpus goes into every field an episode has; chromium then loads each
kind of page and we assert that no payload ran (`window.__xss` stays unset, no
dialog opened) and that the payload text is shown as text.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sitegen.build import BuildOptions, build
from sitegen.errors import BuildError
from tests.helpers import serve_static

PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "\"><svg onload=window.__xss=1>",
    "'><iframe srcdoc=\"<script>parent.__xss=1</script>\">",
    "</script><script>window.__xss=1</script>",
    "{{ 7*7 }}{% raw %}",
    "\u2028</script><!--",
]
NAME = "Eve <img src=x onerror=window.__xss=1>"


def hostile_episode() -> str:
    p = PAYLOADS
    turns = "\n\n".join(
        f"{'Priya Nandakumar' if i % 2 == 0 else NAME}: 0:{10 + i * 5:02d} Said {payload} "
        f"and [click](javascript:window.__xss=1) too"
        for i, payload in enumerate(p))
    front = {
        "title": f"Episode {p[0]} {p[1]}",
        "date": "2026-05-01 09:00",
        "summary": f"Summary {p[2]} {p[4]}",
        "audio": "audio/nine-bars.mp3",
        "guid": "5a0c2b1e-4a8e-4c6e-9a55-0d2f1f3b7e11",
        "speakers": {"priya": {}, "eve": {"name": NAME, "role": "guest"}},
        "chapters": [f"0:00 Chapter {p[0]}", {"start": "0:20", "title": f"Chapter {p[2]}"}],
        "links": [{"title": f"Link {p[1]}", "url": "https://example.com/?q=%3Cscript%3E"}],
    }
    notes = (f"Notes {p[0]} and <b onmouseover=window.__xss=1>raw html</b>.\n\n"
             "[a javascript link](javascript:window.__xss=1) and "
             "[data](data:text/html;base64,PHNjcmlwdD4=)")
    return (f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n"
            f"{notes}\n\n## Transcript\n\n{turns}\n")


@pytest.fixture
def hostile_site(example_site: Path) -> Path:
    (example_site / "content" / "episodes" / "2026-05-01-hostile.md").write_text(
        hostile_episode(), encoding="utf-8")
    return example_site


def test_payloads_are_escaped_in_the_html(hostile_site: Path) -> None:
    out = hostile_site / "public"
    build(BuildOptions(site_dir=hostile_site, output_dir=out))
    page = (out / "episodes" / "hostile" / "index.html").read_text()
    for payload in ("<script>window.__xss", "<img src=x onerror", "<svg onload",
                    "<b onmouseover", 'href="javascript:', 'href="data:'):
        assert payload not in page, payload
    assert "{{ 7*7 }}" in page and "49" not in page.split("{{ 7*7 }}")[0][-5:]
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page


def test_javascript_urls_in_front_matter_are_refused(example_site: Path) -> None:
    episode = example_site / "content" / "episodes" / "2026-02-04-nine-bars.md"
    text = episode.read_text()
    text = text.replace('url: "https://example.com/loadpath/reading/descaling"',
                        'url: "javascript:alert(1)"', 1)
    episode.write_text(text)
    with pytest.raises(BuildError) as info:
        build(BuildOptions(site_dir=example_site, output_dir=example_site / "public"))
    messages = [p.format() for p in info.value.problems]
    assert any("javascript:alert(1)" in m and "nine-bars.md:" in m for m in messages), messages


def _pages_to_visit(out: Path) -> list[str]:
    pages = ["", "episodes/hostile/", "speakers/", "page/2/"]
    pages += [f"speakers/{d.name}/" for d in sorted((out / "speakers").iterdir()) if d.is_dir()]
    return pages


@pytest.mark.browser
def test_no_payload_runs_in_chromium(hostile_site: Path, page) -> None:
    out = hostile_site / "public"
    build(BuildOptions(site_dir=hostile_site, output_dir=out))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with serve_static(out) as base:
        for path in _pages_to_visit(out):
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("load")
            assert page.locator("h1").count() >= 1, path
            for link in page.locator("a").all()[:200]:
                href = link.get_attribute("href") or ""
                assert not href.strip().lower().startswith(("javascript:", "data:")), href
            assert page.evaluate("window.__xss") is None, path
        if (out / "search" / "index.html").exists():
            page.goto(base + "search/?q=window")
            page.wait_for_timeout(800)
            assert page.locator("h1").count() >= 1
            assert page.evaluate("window.__xss") is None
    assert dialogs == []


def test_symlinked_episode_outside_the_site_is_refused(example_site: Path,
                                                       tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text((example_site / "content" / "episodes" /
                        "2026-02-04-nine-bars.md").read_text())
    (example_site / "content" / "episodes" / "2026-06-01-linked.md").symlink_to(outside)
    with pytest.raises(BuildError) as info:
        build(BuildOptions(site_dir=example_site, output_dir=example_site / "public"))
    assert any("symlink" in p.message and p.path.name == "2026-06-01-linked.md"
               for p in info.value.problems)


def test_symlinked_audio_outside_content_is_refused(example_site: Path,
                                                     tmp_path: Path) -> None:
    audio = example_site / "content" / "audio" / "nine-bars.mp3"
    real = tmp_path / "elsewhere.mp3"
    shutil.move(audio, real)
    audio.symlink_to(real)
    with pytest.raises(BuildError) as info:
        build(BuildOptions(site_dir=example_site, output_dir=example_site / "public"))
    assert any("outside" in p.message and p.line for p in info.value.problems)


def test_slug_cannot_leave_the_output(example_site: Path) -> None:
    episode = example_site / "content" / "episodes" / "2026-02-04-nine-bars.md"
    episode.write_text(episode.read_text().replace("number: 2\n",
                                                   "number: 2\nslug: ../../../escaped\n", 1))
    out = example_site / "public"
    build(BuildOptions(site_dir=example_site, output_dir=out))
    escaped = list(example_site.parent.rglob("escaped*"))
    assert escaped and all(out in p.parents for p in escaped), escaped
    assert (out / "episodes" / "escaped" / "index.html").is_file()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_killed_builds_leave_the_previous_output_whole(example_site: Path) -> None:
    episodes = example_site / "content" / "episodes"
    source = (episodes / "2026-02-04-nine-bars.md").read_text()
    out = example_site / "public"
    build(BuildOptions(site_dir=example_site, output_dir=out))
    before = _snapshot(out)
    # A bigger site, so the kills land in every phase of a build that takes a while.
    for n in range(60):
        (episodes / f"2025-01-{n % 28 + 1:02d}-copy-{n}.md").write_text(
            source.replace("guid: 1fa689aa-0d67-478d-8963-71f7150f0a28",
                           f"guid: 00000000-0000-4000-8000-{n:012d}")
                  .replace("number: 2\n", f"number: {100 + n}\n"))
    cmd = [sys.executable, "-m", "sitegen", "build", "--site", str(example_site),
           "--output", str(out)]
    seen: dict[float, dict] = {}
    for delay in (0.05, 0.3, 0.6, 0.9, 1.2, 1.6, 2.0):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen[delay] = _snapshot(out)
    subprocess.run(cmd, check=True, capture_output=True)
    after = _snapshot(out)
    assert len(after) > len(before)
    # A kill before the swap leaves the old site; one after it (saving the cache), the new.
    for delay, snapshot in seen.items():
        assert snapshot in (before, after), f"a build killed after {delay}s left a mixed site"
    assert seen and list(seen.values())[0] == before
    leftovers = [p.name for p in out.parent.iterdir()
                 if ".sitegen-" in p.name and p.name != ".sitegen-cache"]
    assert leftovers == []
