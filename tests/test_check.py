"""`sitegen check`: the example site is clean; broken copies list each problem by
file and line and exit 1."""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.build import BuildOptions, load_site
from sitegen.cli import main
from sitegen.errors import Problems
from sitegen.outputs.checks import check_site, image_info
from tests.conftest import require
from tests.test_feed import episode_file, set_front_matter

NINE = "content/episodes/2026-02-04-nine-bars.md"
BRIDGES = "content/episodes/2026-01-14-how-bridges-stand-up.md"


def run_check(site: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["check", "--site", str(site), *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err + captured.out


def write_png(path: Path, width: int, height: int) -> None:
    """A valid greyscale PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = zlib.compress(b"\x00" * ((width + 1) * height), 1)
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def set_artwork(site: Path, name: str) -> None:
    yaml = site / "site.yaml"
    yaml.write_text(re.sub(r"^artwork:.*$", f"artwork: {name}",
                           yaml.read_text(encoding="utf-8"), flags=re.MULTILINE))


def artwork_line(site: Path) -> int:
    lines = (site / "site.yaml").read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines, 1) if line.startswith("artwork:"))


def test_example_site_checks_clean(example_site, capsys):
    code, output = run_check(example_site, capsys)
    assert code == 0, output
    assert "0 errors, 0 warnings" in output
    site = load_site(BuildOptions(site_dir=example_site), Problems())
    assert check_site(site) == []


def test_chapter_and_turn_past_the_end(example_site, capsys):
    path = example_site / NINE
    set_front_matter(path, '  - "7:10 Goodbye"\n', '  - "7:10 Goodbye"\n  - "9:50 Too late"\n')
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\nTom Keller: 9:59 One more thing.\n")
    lines = path.read_text(encoding="utf-8").split("\n")
    chapter_line = lines.index('  - "9:50 Too late"') + 1
    turn_line = lines.index("Tom Keller: 9:59 One more thing.") + 1
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert f"{NINE}:{chapter_line}: error: chapter 'Too late' starts after the audio ends" \
        in output
    assert f"{NINE}:{turn_line}: error: turn starts after the audio ends" in output
    assert "2 errors" in output


def test_chapters_out_of_order(example_site, capsys):
    set_front_matter(example_site / NINE, '  - "3:00 Boilers and heat"',
                     '  - "0:30 Boilers and heat"')
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert re.search(rf"{NINE}:\d+: error: chapter 3 \('Boilers and heat'\) starts at or "
                     "before the one above it", output), output


def test_turns_out_of_order_are_listed(example_site, capsys):
    path = example_site / NINE
    path.write_text(path.read_text(encoding="utf-8").replace("Tom Keller: 0:45 ",
                                                             "Tom Keller: 0:20 ", 1))
    line = path.read_text(encoding="utf-8").split("\n").index(
        next(l for l in path.read_text(encoding="utf-8").split("\n")
             if l.startswith("Tom Keller: 0:20 "))) + 1
    code, output = run_check(example_site, capsys)
    assert code == 0
    assert f"{NINE}:{line}: warning: turn starts at 0:20, before the turn above it" in output
    code, _ = run_check(example_site, capsys, "--strict")
    assert code == 1


def test_first_chapter_after_zero_warns(example_site, capsys):
    set_front_matter(example_site / NINE, '  - "0:00 Welcome"', '  - "0:05 Welcome"')
    code, output = run_check(example_site, capsys)
    assert code == 0
    assert re.search(rf"{NINE}:\d+: warning: the first chapter does not start at 0:00", output)


def test_duplicate_enclosure_urls(example_site, capsys):
    set_front_matter(example_site / NINE, "audio: audio/nine-bars.mp3",
                     "audio: audio/how-bridges-stand-up.mp3")
    code, output = run_check(example_site, capsys)
    assert code == 0
    assert (f"{NINE}:7: warning: enclosure URL 'https://example.com/loadpath/audio/"
            "how-bridges-stand-up.mp3' is also used by 2026-01-14-how-bridges-stand-up.md") \
        in output
    assert run_check(example_site, capsys, "--strict")[0] == 1


def test_build_warns_of_duplicate_enclosure_urls_as_check_does(example_site, tmp_path, capsys):
    set_front_matter(example_site / NINE, "audio: audio/nine-bars.mp3",
                     "audio: audio/how-bridges-stand-up.mp3")
    out = tmp_path / "out"
    assert main(["build", "--site", str(example_site), "--output", str(out)]) == 0
    assert f"{NINE}:7: warning: enclosure URL" in capsys.readouterr().err
    assert main(["build", "--site", str(example_site), "--output", str(out), "--strict",
                 "--force"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_duplicate_guids(example_site, capsys):
    set_front_matter(example_site / NINE, "guid: 1fa689aa-0d67-478d-8963-71f7150f0a28",
                     "guid: a1e18048-24ad-425e-a453-76f3276c69bd")
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert (f"{NINE}:9: error: guid 'a1e18048-24ad-425e-a453-76f3276c69bd' is also used by "
            "2026-01-14-how-bridges-stand-up.md") in output


def test_audio_problems_are_listed_together(example_site, capsys):
    set_front_matter(example_site / NINE, "audio: audio/nine-bars.mp3",
                     'audio: {url: "https://cdn.example.net/nine.mp3", duration: 475}')
    set_front_matter(example_site / BRIDGES, "audio: audio/how-bridges-stand-up.mp3\n", "")
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert re.search(rf"{NINE}:7: error: episode 'Nine Bars: Inside an Espresso Machine': "
                     r"the audio at https://cdn\.example\.net/nine\.mp3 needs its length",
                     output), output
    assert f"{BRIDGES}:1: error: episode 'How Bridges Stand Up' has no audio" in output
    assert "2 errors" in output


def test_bad_category_is_reported_with_its_line(example_site, capsys):
    yaml = example_site / "site.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace('"Technology"', '"Tech"'))
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert re.search(r"site\.yaml:\d+: error: .*'Tech' is not an Apple Podcasts category",
                     output), output


def test_missing_channel_fields(example_site, capsys):
    yaml = example_site / "site.yaml"
    text = yaml.read_text(encoding="utf-8")
    text = re.sub(r"^(artwork|categories|owner):.*\n", "", text, flags=re.MULTILINE)
    yaml.write_text(text, encoding="utf-8")
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert "site.yaml: error: no artwork" in output
    assert "site.yaml: error: no categories" in output
    assert "site.yaml: warning: no owner" in output


@pytest.mark.parametrize("name, size, message", [
    ("small.png", (1000, 1000), "is 1000x1000 px; Apple needs 1400 to 3000 px on each side"),
    ("huge.png", (3001, 3001), "is 3001x3001 px; Apple needs 1400 to 3000 px"),
    ("wide.png", (1600, 1400), "is 1600x1400 px; it must be square"),
    ("cover.jpg", (1400, 1400), "is a PNG file but its name ends in .jpg"),
])
def test_artwork_shape_size_and_type(example_site, capsys, name, size, message):
    write_png(example_site / "content" / name, *size)
    set_artwork(example_site, name)
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert f"site.yaml:{artwork_line(example_site)}: error: artwork {name} {message}" in output


def test_artwork_missing_or_not_an_image(example_site, capsys):
    set_artwork(example_site, "nowhere.png")
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert f"site.yaml:{artwork_line(example_site)}: error: artwork nowhere.png does not " \
           "exist" in output
    (example_site / "content" / "fake.png").write_text("not an image")
    set_artwork(example_site, "fake.png")
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert "error: artwork fake.png is not a PNG or JPEG image" in output


def test_valid_png_sizes_pass(tmp_path):
    for side in (1400, 3000):
        path = tmp_path / f"{side}.png"
        write_png(path, side, side)
        info = image_info(path)
        assert (info.kind, info.width, info.height) == ("png", side, side)


def test_real_jpeg_artwork(example_site, capsys):
    ffmpeg = shutil.which("ffmpeg")
    require(ffmpeg is not None, "ffmpeg is not installed (apt-get install ffmpeg)")
    jpeg = example_site / "content" / "cover.jpeg"
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "color=c=navy:s=1400x1400",
                    "-frames:v", "1", str(jpeg)], check=True)
    info = image_info(jpeg)
    assert (info.kind, info.width, info.height, info.cmyk) == ("jpeg", 1400, 1400, False)
    set_artwork(example_site, "cover.jpeg")
    code, output = run_check(example_site, capsys)
    assert code == 0, output
    jpeg.rename(example_site / "content" / "cover.png")
    set_artwork(example_site, "cover.png")
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert "artwork cover.png is a JPEG file but its name ends in .png" in output


def test_episode_image_is_checked_like_artwork(example_site, capsys):
    write_png(example_site / "content" / "nine.png", 500, 500)
    set_front_matter(episode_file(example_site, "nine-bars"), "explicit: false",
                     "explicit: false\nimage: nine.png")
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert f"{NINE}:9: error: artwork nine.png is 500x500 px" in output


def test_numbered_title_warns(example_site, capsys):
    set_front_matter(example_site / NINE, 'title: "Nine Bars: Inside an Espresso Machine"',
                     'title: "Episode 2: Nine Bars"')
    code, output = run_check(example_site, capsys)
    assert code == 0
    assert f"{NINE}:2: warning: title 'Episode 2: Nine Bars' repeats the episode number" \
        in output
    assert main(["check", "--site", str(example_site), "--strict"]) == 1


@given(st.binary(max_size=300), st.sampled_from([b"\xff\xd8", b"\x89PNG\r\n\x1a\n", b""]))
def test_image_info_never_hangs_or_raises_on_garbage(tmp_path_factory, data, prefix):
    path = tmp_path_factory.mktemp("img") / "x.jpg"
    path.write_bytes(prefix + data)
    info = image_info(path)
    assert info is None or (info.kind in ("png", "jpeg") and info.width >= 0)


def test_corrupt_jpeg_segment_length_is_not_an_endless_loop(tmp_path):
    path = tmp_path / "x.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x00\xff\xe0\x00\x01")
    assert image_info(path) is None


@pytest.mark.parametrize("made, message", [
    (b"<rss><channel></channel></rss>", "the feed holds 0 items for 4 published episodes"),
    (b"<rss><channel>", "the feed could not be made"),
])
def test_check_reads_the_feed_back(example_site, monkeypatch, made, message):
    from sitegen.outputs import checks
    monkeypatch.setattr(checks, "feed_xml", lambda site: made)
    site = load_site(BuildOptions(site_dir=example_site), Problems())
    problems = check_site(site)
    assert [p.message for p in problems if message in p.message]
    assert all(p.path == example_site / "site.yaml" for p in problems)


def test_a_draft_needs_no_audio(example_site, capsys):
    set_front_matter(episode_file(example_site, "the-humble-zipper"),
                     "audio: audio/the-humble-zipper.mp3\n", "")
    code, output = run_check(example_site, capsys, "--drafts")
    assert code == 0, output
    set_front_matter(episode_file(example_site, "the-humble-zipper"), "draft: true", "")
    code, output = run_check(example_site, capsys)
    assert code == 1
    assert "episode 'The Humble Zipper' has no audio" in output
