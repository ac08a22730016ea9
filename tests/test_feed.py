"""The podcast feed, read back by the parsers podcast apps use (feedparser, podcastparser)
and checked tag by tag with lxml."""
from __future__ import annotations

import io
import re
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import feedparser
import mutagen
import podcastparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from sitegen.build import BuildOptions, build, load_site
from sitegen.cli import main
from sitegen.config import APPLE_CATEGORIES
from sitegen.errors import BuildError, Problems
from sitegen.outputs import feed as feed_module
from sitegen.outputs.feed import podcast_guid

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
TRANSCRIPT_TYPES = {"vtt": "text/vtt", "srt": "application/x-subrip",
                    "json": "application/json", "html": "text/html"}


def set_front_matter(path: Path, old: str, new: str) -> None:
    """Replace one line of an episode file's front matter (the line must exist)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def episode_file(site: Path, stem_end: str) -> Path:
    (path,) = (site / "content" / "episodes").glob(f"*{stem_end}.md")
    return path


def published(site: Path):
    return load_site(BuildOptions(site_dir=site), Problems()).episodes


def build_feed(site: Path, out: Path, **options) -> bytes:
    build(BuildOptions(site_dir=site, output_dir=out, **options))
    return (out / "feed.xml").read_bytes()


@pytest.fixture(scope="module")
def example_feed(built_example: Path) -> bytes:
    return (built_example / "feed.xml").read_bytes()


@pytest.fixture(scope="module")
def source_episodes(built_example: Path):
    return published(built_example.parent)


@pytest.fixture(scope="module")
def tree(example_feed: bytes) -> etree._Element:
    return etree.fromstring(example_feed)


def test_feedparser_reads_every_episode_without_bozo(example_feed, source_episodes):
    parsed = feedparser.parse(example_feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(source_episodes) == 4
    assert parsed.feed.title == "Load Path"
    assert parsed.feed.link == "https://example.com/loadpath/"
    for entry, episode in zip(parsed.entries, source_episodes):
        assert entry.title == episode.title
        assert entry.id == episode.guid
        assert entry.enclosures[0].href == episode.audio.url
        assert int(entry.enclosures[0].length) == episode.audio.length
        assert entry.itunes_duration == str(round(episode.audio.duration))
        assert entry.itunes_episode == str(episode.number)


def test_podcastparser_returns_enclosure_duration_and_guid(example_feed, source_episodes):
    podcast = podcastparser.parse("https://example.com/loadpath/feed.xml",
                                  io.BytesIO(example_feed))
    assert len(podcast["episodes"]) == len(source_episodes) == 4
    by_guid = {e.guid: e for e in source_episodes}
    for item in podcast["episodes"]:
        episode = by_guid[item["guid"]]
        (enclosure,) = item["enclosures"]
        assert enclosure["url"] == episode.audio.url
        assert enclosure["file_size"] == episode.audio.length > 0
        assert enclosure["mime_type"] == "audio/mpeg"
        assert item["total_time"] == round(episode.audio.duration) > 0
        assert item["number"] == episode.number
    assert podcast["explicit"] is False
    assert podcast["cover_url"] == "https://example.com/loadpath/artwork.png"


def test_enclosures_match_the_real_audio_files(tree, built_example):
    for item in tree.iterfind("channel/item"):
        enclosure = item.find("enclosure")
        relative = enclosure.get("url").removeprefix("https://example.com/loadpath/")
        audio = built_example / relative
        assert int(enclosure.get("length")) == audio.stat().st_size
        duration = int(item.findtext("itunes:duration", namespaces=NS))
        assert duration == round(mutagen.File(audio).info.length)


def test_namespaces_are_declared_with_exact_prefixes(example_feed, tree):
    assert tree.tag == "rss" and tree.get("version") == "2.0"
    for prefix, uri in NS.items():
        assert tree.nsmap[prefix] == uri
    assert b"ns0:" not in example_feed and b"xmlns:ns" not in example_feed
    assert example_feed.count(b"<podcast:transcript ") == 16


def test_channel_tags(tree):
    channel = tree.find("channel")
    assert channel.findtext("link") == "https://example.com/loadpath/"
    (self_link,) = channel.findall("atom:link[@rel='self']", NS)
    assert self_link.get("href") == "https://example.com/loadpath/feed.xml"
    assert channel.findtext("language") == "en"
    assert channel.find("itunes:image", NS).get("href") == \
        "https://example.com/loadpath/artwork.png"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.findtext("itunes:type", namespaces=NS) == "episodic"
    assert channel.findtext("itunes:author", namespaces=NS) == "Priya Nandakumar and Tom Keller"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "priya@example.com"
    categories = [(c.get("text"), [s.get("text") for s in c])
                  for c in channel.findall("itunes:category", NS)]
    assert categories == [("Technology", []), ("Science", ["Physics"])]
    for name, subs in categories:
        assert name in APPLE_CATEGORIES and set(subs) <= set(APPLE_CATEGORIES[name])


def test_channel_podcast_tags(tree):
    channel = tree.find("channel")
    expected_guid = uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"),
                               "example.com/loadpath/feed.xml")
    assert channel.xpath("string(podcast:guid)", namespaces=NS) == str(expected_guid)
    (locked,) = channel.xpath("podcast:locked", namespaces=NS)
    assert (locked.text, locked.get("owner")) == ("yes", "priya@example.com")
    persons = channel.xpath("podcast:person", namespaces=NS)
    assert [(p.text, p.get("role")) for p in persons] == \
        [("Priya Nandakumar", "host"), ("Tom Keller", "host")]
    assert persons[0].get("href") == "https://example.com/loadpath/people/priya"
    assert channel.xpath("podcast:funding", namespaces=NS) == []


def test_item_tags(tree, source_episodes):
    items = tree.findall("channel/item")
    assert [i.findtext("title") for i in items] == [e.title for e in source_episodes]
    for item, episode in zip(items, source_episodes):
        guid = item.find("guid")
        assert (guid.text, guid.get("isPermaLink")) == (episode.guid, "false")
        assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} "
                            r"[+-]\d{4}", item.findtext("pubDate"))
        assert item.findtext("link") == f"https://example.com/loadpath/episodes/{episode.slug}/"
        assert item.findtext("itunes:episodeType", namespaces=NS) == "full"
        assert item.findtext("itunes:title", namespaces=NS) == episode.title
        assert item.findtext("itunes:season", namespaces=NS) == str(episode.season)
        assert item.findtext("itunes:explicit", namespaces=NS) == "false"
        assert item.xpath("string(podcast:season)", namespaces=NS) == str(episode.season)
        assert item.xpath("string(podcast:episode)", namespaces=NS) == str(episode.number)
        persons = item.xpath("podcast:person", namespaces=NS)
        assert {(p.text, p.get("role")) for p in persons} == \
            {(s.name, s.role) for s in episode.speakers}
        base = f"https://example.com/loadpath/episodes/{episode.slug}/"
        transcripts = item.xpath("podcast:transcript", namespaces=NS)
        assert [(t.get("url"), t.get("type"), t.get("language"), t.get("rel"))
                for t in transcripts] == [
            (f"{base}transcript.{fmt}", mime, "en", "captions" if fmt in ("vtt", "srt") else None)
            for fmt, mime in TRANSCRIPT_TYPES.items()]
        (chapters,) = item.xpath("podcast:chapters", namespaces=NS)
        assert chapters.get("url") == f"{base}chapters.json"
        assert chapters.get("type") == "application/json+chapters"


def test_notes_in_cdata_end_with_chapter_timestamps(example_feed, tree, source_episodes):
    assert example_feed.count(b"<description><![CDATA[") == 4
    assert example_feed.count(b"<content:encoded><![CDATA[") == 4
    for item, episode in zip(tree.findall("channel/item"), source_episodes):
        for text in (item.findtext("description"),
                     item.findtext("content:encoded", namespaces=NS)):
            assert len(text.encode()) > 100
            tail = text[text.rindex("<p>"):]
            stamps = re.findall(r"(?:^|<br>\n)(\d{2}:\d{2}:\d{2}) ", tail.removeprefix("<p>"))
            assert stamps[0] == "00:00:00"
            assert len(stamps) == len(episode.chapters) >= 3
            assert text.endswith(f"{episode.chapters[-1].title}</p>")
        assert len(item.findtext("description").encode()) <= 4000


def test_last_build_date_comes_from_content_and_builds_are_identical(example_site, tmp_path):
    first = build_feed(example_site, tmp_path / "a")
    second = build_feed(example_site, tmp_path / "b")
    assert first == second
    channel = etree.fromstring(first).find("channel")
    assert channel.findtext("lastBuildDate") == "Wed, 18 Mar 2026 09:00:00 +0000"


def test_guids_survive_a_new_base_url_and_a_new_slug(example_site, tmp_path):
    def guids(xml: bytes) -> list[str]:
        return [g.text for g in etree.fromstring(xml).iterfind("channel/item/guid")]

    before = build_feed(example_site, tmp_path / "a")
    moved = build_feed(example_site, tmp_path / "b", base_url="https://new.example.org/pod/")
    assert guids(moved) == guids(before)
    channel = etree.fromstring(moved).find("channel")
    assert channel.findtext("link") == "https://new.example.org/pod/"
    urls = [e.get("url") for e in channel.iterfind("item/enclosure")]
    assert urls and all(u.startswith("https://new.example.org/pod/audio/") for u in urls)
    set_front_matter(episode_file(example_site, "nine-bars"), "title:", "slug: espresso\ntitle:")
    renamed = build_feed(example_site, tmp_path / "c")
    assert b"/episodes/espresso/" in renamed
    assert guids(renamed) == guids(before)


def test_podcast_guid_follows_the_spec_example(monkeypatch, example_site):
    config = load_site(BuildOptions(site_dir=example_site), Problems()).config
    monkeypatch.setattr(feed_module, "FEED_PATH", "pc20rss.xml")
    # The namespace's own example: https://mp3s.nashownotes.com/pc20rss.xml
    spec = replace(config, base_url="https://mp3s.nashownotes.com/")
    assert podcast_guid(spec) == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    pinned = replace(config, podcast_guid="c4a5b2f0-5b8e-4d8e-9a3c-0f5e6d7c8b9a")
    assert podcast_guid(pinned) == "c4a5b2f0-5b8e-4d8e-9a3c-0f5e6d7c8b9a"


def test_site_options_reach_the_channel(example_site, tmp_path):
    yaml = example_site / "site.yaml"
    text = yaml.read_text(encoding="utf-8").replace("explicit: false", "explicit: true")
    text = text.replace("artwork: artwork.png", "artwork: cover.jpeg")
    text += ("funding:\n  - {title: Support the show, url: https://example.com/support}\n"
             "podcast_guid: 0d5a3c3e-8d5b-4c55-9f4b-2b6f0f7d3a11\nlocked: false\n")
    yaml.write_text(text, encoding="utf-8")
    (example_site / "content" / "artwork.png").rename(example_site / "content" / "cover.jpeg")
    channel = etree.fromstring(build_feed(example_site, tmp_path / "out")).find("channel")
    assert channel.findtext("itunes:explicit", namespaces=NS) == "true"
    # feedgen drops a `.jpeg` itunes:image silently; ours must not
    assert channel.find("itunes:image", NS).get("href").endswith("/cover.jpeg")
    (funding,) = channel.xpath("podcast:funding", namespaces=NS)
    assert (funding.get("url"), funding.text) == ("https://example.com/support",
                                                  "Support the show")
    assert channel.xpath("string(podcast:guid)", namespaces=NS) == \
        "0d5a3c3e-8d5b-4c55-9f4b-2b6f0f7d3a11"
    assert channel.xpath("string(podcast:locked)", namespaces=NS) == "no"


def test_remote_audio_uses_front_matter_facts(example_site, tmp_path):
    set_front_matter(episode_file(example_site, "nine-bars"), "audio: audio/nine-bars.mp3",
                     'audio: {url: "https://cdn.example.net/nine.mp3", length: 31415926, '
                     'duration: "1:02:03"}')
    tree = etree.fromstring(build_feed(example_site, tmp_path / "out"))
    (item,) = tree.xpath("channel/item[guid='1fa689aa-0d67-478d-8963-71f7150f0a28']")
    enclosure = item.find("enclosure")
    assert (enclosure.get("url"), enclosure.get("length"), enclosure.get("type")) == \
        ("https://cdn.example.net/nine.mp3", "31415926", "audio/mpeg")
    assert item.findtext("itunes:duration", namespaces=NS) == "3723"


@pytest.mark.parametrize("audio, missing", [
    ('{url: "https://cdn.example.net/nine.mp3", duration: 600}', "length"),
    ('{url: "https://cdn.example.net/nine.mp3", length: 1000}', "duration"),
    ('"https://cdn.example.net/nine.mp3"', "length and duration"),
])
def test_remote_audio_without_facts_is_an_error_naming_the_episode(example_site, tmp_path,
                                                                  capsys, audio, missing):
    path = episode_file(example_site, "nine-bars")
    set_front_matter(path, "audio: audio/nine-bars.mp3", f"audio: {audio}")
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(site_dir=example_site, output_dir=tmp_path / "out"))
    (problem,) = caught.value.problems
    assert problem.path == path and problem.line == 7
    assert "Nine Bars" in problem.message and f"needs its {missing}" in problem.message
    assert not (tmp_path / "out").exists()
    assert main(["build", "--site", str(example_site), "--output", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert f"{path.name}:7: error:" in err and "Traceback" not in err


def test_broken_audio_file_is_a_clear_error(example_site, tmp_path, capsys):
    (example_site / "content" / "audio" / "nine-bars.mp3").write_bytes(b"not audio at all" * 64)
    code = main(["build", "--site", str(example_site), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert re.search(r"2026-02-04-nine-bars\.md:7: error: audio content/audio/nine-bars\.mp3",
                     err), err
    assert "Traceback" not in err


def test_missing_audio_file_is_a_clear_error(example_site, tmp_path, capsys):
    (example_site / "content" / "audio" / "nine-bars.mp3").unlink()
    code = main(["build", "--site", str(example_site), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "2026-02-04-nine-bars.md:7: error: audio file content/audio/nine-bars.mp3 " \
           "does not exist" in err


def test_episode_without_audio_is_an_error(example_site, tmp_path, capsys):
    set_front_matter(episode_file(example_site, "nine-bars"), "audio: audio/nine-bars.mp3\n", "")
    code = main(["build", "--site", str(example_site), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "2026-02-04-nine-bars.md:1: error: episode 'Nine Bars: Inside an Espresso " \
           "Machine' has no audio" in err


def test_bad_category_is_a_clear_error(example_site, tmp_path, capsys):
    yaml = example_site / "site.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace('"Science > Physics"',
                                                             '"science > physics"'))
    code = main(["build", "--site", str(example_site), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert re.search(r"site\.yaml:\d+: error: .*'science' is not an Apple Podcasts category",
                     err), err
    assert "did you mean 'Science'?" in err


def test_long_notes_keep_description_under_4000_bytes(example_site, tmp_path):
    path = episode_file(example_site, "nine-bars")
    long_notes = "\n\n".join(f"Paragraph {i} about pumps, boilers & [scale](/reading/{i})."
                             for i in range(200))
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("## Transcript", 1)
    front, _ = head.rsplit("---\n", 1)
    path.write_text(f"{front}---\n{long_notes}\n\n## Transcript{rest}", encoding="utf-8")
    tree = etree.fromstring(build_feed(example_site, tmp_path / "out"))
    (item,) = tree.xpath("channel/item[guid='1fa689aa-0d67-478d-8963-71f7150f0a28']")
    description = item.findtext("description")
    content = item.findtext("content:encoded", namespaces=NS)
    assert len(description.encode()) <= 4000 < len(content.encode())
    assert description.startswith("<p>Repair technician Rafael Duarte")
    assert description.endswith("00:07:10 Goodbye</p>")
    # relative links in the notes become absolute: apps show notes outside the site
    assert 'href="https://example.com/reading/199"' in content
    assert "Paragraph 199 about pumps, boilers &amp; " in content


def test_drafts_stay_out_of_the_feed_even_in_a_drafts_build(example_site, tmp_path):
    out = tmp_path / "out"
    tree = etree.fromstring(build_feed(example_site, out, drafts=True))
    titles = [t.text for t in tree.iterfind("channel/item/title")]
    assert len(titles) == 4 and "The Humble Zipper" not in titles
    assert (out / "episodes" / "the-humble-zipper" / "transcript.vtt").is_file()


def test_characters_xml_cannot_carry_are_located(example_site, tmp_path, capsys):
    path = episode_file(example_site, "nine-bars")
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    notes_line = next(i for i, line in enumerate(lines, 1) if line.startswith("Tom has owned"))
    path.write_text(text.replace("Tom has owned", "Tom\x0c has owned", 1), encoding="utf-8")
    code = main(["build", "--site", str(example_site), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{path.name}:{notes_line}: error: the show notes contain U+000C" in err
    assert "Traceback" not in err


def test_cdata_end_marker_in_notes_keeps_the_feed_valid(example_site, tmp_path):
    path = episode_file(example_site, "nine-bars")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Tom has owned", "Arrays like `a[b[0]]>1` and ]]> appear. "
                                 "Tom has owned", 1), encoding="utf-8")
    xml = build_feed(example_site, tmp_path / "out")
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    entry = next(e for e in parsed.entries if e.id == "1fa689aa-0d67-478d-8963-71f7150f0a28")
    assert "a[b[0]]&gt;1" in entry.content[0].value


def test_local_episode_image_is_published_and_referenced(example_site, tmp_path):
    shutil.copy2(example_site / "content" / "artwork.png",
                 example_site / "content" / "nine-bars-cover.png")
    set_front_matter(episode_file(example_site, "nine-bars"), "explicit: false",
                     "explicit: false\nimage: nine-bars-cover.png")
    out = tmp_path / "out"
    tree = etree.fromstring(build_feed(example_site, out))
    (item,) = tree.xpath("channel/item[guid='1fa689aa-0d67-478d-8963-71f7150f0a28']")
    assert item.find("itunes:image", NS).get("href") == \
        "https://example.com/loadpath/nine-bars-cover.png"
    assert (out / "nine-bars-cover.png").read_bytes() == \
        (example_site / "content" / "artwork.png").read_bytes()
    others = tree.xpath("channel/item[guid!='1fa689aa-0d67-478d-8963-71f7150f0a28']")
    assert all(i.find("itunes:image", NS) is None for i in others)


@pytest.fixture(scope="module")
def example_model(built_example: Path):
    return load_site(BuildOptions(site_dir=built_example.parent), Problems())


@settings(max_examples=60)
@given(notes=st.text(alphabet="ab <&é€😀\n*", max_size=9000),
       summary=st.text(alphabet="ab <&é€😀", max_size=4000))
def test_description_is_always_within_4000_bytes(example_model, notes, summary):
    episode = replace(example_model.episodes[0], notes=notes, summary=summary)
    full = feed_module.show_notes_html(example_model, episode)
    description = feed_module.description_html(example_model, episode, full)
    assert len(description.encode()) <= 4000
    assert description.endswith("00:06:26 Wrap-up</p>")
    assert "]]>" not in description


def test_audio_file_names_with_spaces_give_valid_enclosure_urls(example_site, tmp_path):
    audio = example_site / "content" / "audio"
    (audio / "nine-bars.mp3").rename(audio / "Nine Bars é.mp3")
    set_front_matter(episode_file(example_site, "nine-bars"), "audio: audio/nine-bars.mp3",
                     'audio: "audio/Nine Bars é.mp3"')
    out = tmp_path / "out"
    xml = build_feed(example_site, out)
    assert not feedparser.parse(xml).bozo
    urls = [e.get("url") for e in etree.fromstring(xml).iterfind("channel/item/enclosure")]
    assert "https://example.com/loadpath/audio/Nine%20Bars%20%C3%A9.mp3" in urls
    assert (out / "audio" / "Nine Bars é.mp3").is_file()


# ---- an item written as text, against feedgen's --------------------------------------

from datetime import datetime, timedelta, timezone  # noqa: E402

from sitegen.model import Audio, Chapter, Episode, Site, SiteConfig, Speaker, Turn  # noqa: E402

ITEM_TEXT = st.text(alphabet="ab &<>\"'\t\r\né]\u2028\x01", min_size=1, max_size=20)


@st.composite
def feed_items(draw) -> tuple[Site, Episode]:
    config = SiteConfig(root=Path("/nowhere"), title="Show", description="d",
                        base_url=draw(st.sampled_from(["https://example.com/",
                                                       "https://example.com/a b/"])),
                        explicit=draw(st.booleans()),
                        language=draw(st.sampled_from(["en", "de-CH"])),
                        transcript_formats=draw(st.sampled_from([("vtt", "srt", "json", "html"),
                                                                 ("json",), ()])))
    speakers = tuple(Speaker(f"s{i}", draw(ITEM_TEXT), f"s{i}", draw(st.sampled_from(
        ["host", "guest", "other"])), url=draw(st.one_of(st.none(), st.sampled_from(
            ["https://x.org/?a=1&b=2", "https://x.org/\"q\""]))),
        image=draw(st.one_of(st.none(), st.sampled_from(["img/ä b.png", "https://i.org/p.jpg"]))))
        for i in range(draw(st.integers(0, 3))))
    audio = Audio(draw(st.sampled_from(["https://cdn.example.com/a b/é.mp3",
                                        "https://cdn.example.com/x.mp3?a=1&b=<2>"])),
                  draw(st.sampled_from(["audio/mpeg", "audio/x-m4a"])),
                  draw(st.integers(1, 10**9)), draw(st.floats(0.2, 10**5)))
    episode = Episode(
        Path("x.md"), draw(st.sampled_from(["e", "an-episode"])), draw(ITEM_TEXT),
        datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=draw(st.integers(-12, 12)))))
        + timedelta(days=draw(st.integers(-9000, 9000))), draw(ITEM_TEXT),
        summary=draw(ITEM_TEXT), number=draw(st.one_of(st.none(), st.integers(0, 3))),
        season=draw(st.one_of(st.none(), st.integers(0, 3))),
        episode_type=draw(st.sampled_from(["full", "trailer", "bonus"])), audio=audio,
        explicit=draw(st.one_of(st.none(), st.booleans())),
        image=draw(st.one_of(st.none(), st.sampled_from(["c/ä.png", "https://i.org/e.jpg"]))),
        speakers=speakers,
        chapters=tuple(Chapter(float(i), draw(ITEM_TEXT)) for i in range(draw(st.integers(0, 2)))),
        turns=(Turn("s0", 0.0, ("x",), 1, "t-0"),) if draw(st.booleans()) else ())
    return Site(config, (episode,)), episode


@settings(max_examples=150, deadline=None)
@given(feed_items(), st.text(alphabet="ab<>&]\n\x01", max_size=30))
def test_an_item_written_as_text_is_what_feedgen_writes(case, notes: str) -> None:
    site, episode = case
    notes = feed_module._cdata_safe(notes)
    try:
        expected = feed_module.feedgen_item_xml(site, episode, notes)
    except ValueError as refused:   # lxml refuses control characters: so must we
        with pytest.raises(ValueError) as raised:
            feed_module.episode_item_xml(site, episode, notes)
        assert str(raised.value) == str(refused)
        return
    assert feed_module.episode_item_xml(site, episode, notes) == expected
