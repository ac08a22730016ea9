"""Checks across the whole site that `sitegen check` reports.

They cover what podcast apps and directories reject: an episode the feed cannot
carry (no audio, or remote audio without its length and duration), duplicate GUIDs
or enclosure URLs, chapters and turns past the end of the audio or out of order,
cover art that is missing, not square, the wrong size or not the type it claims.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from sitegen.config import CONFIG_NAME
from sitegen.errors import Problem, Problems
from sitegen.model import Episode, Site
from sitegen.outputs.feed import (MAX_DESCRIPTION_BYTES, feed_episodes, feed_problems,
                                  feed_xml, is_remote, local_file)
from sitegen.yamlsafe import key_line

ARTWORK_MIN = 1400
ARTWORK_MAX = 3000
EXTENSIONS = {"png": (".png",), "jpeg": (".jpg", ".jpeg")}
_NUMBERED_TITLE = re.compile(r"^\s*(?:episode|ep\.?|#)\s*\d+\b", re.IGNORECASE)
# JPEG start-of-frame markers (they carry the size); C4, C8 and CC are other things.
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class ImageInfo:
    kind: str          # "png" or "jpeg"
    width: int
    height: int
    cmyk: bool = False


def image_info(path: Path) -> ImageInfo | None:
    """Type and size from the file's own header; None when it is neither PNG nor JPEG."""
    with open(path, "rb") as handle:
        head = handle.read(32)
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return ImageInfo("png", width, height)
        if head.startswith(b"\xff\xd8"):
            handle.seek(2)
            return _jpeg_info(handle)
    return None


def _jpeg_info(handle) -> ImageInfo | None:
    while True:
        marker = handle.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        if marker[1] in (0xD8, 0x01) or 0xD0 <= marker[1] <= 0xD7:
            continue  # markers without a length
        size_bytes = handle.read(2)
        if len(size_bytes) < 2:
            return None
        size = struct.unpack(">H", size_bytes)[0]
        if size < 2:  # a corrupt length would loop forever
            return None
        if marker[1] in _SOF_MARKERS:
            frame = handle.read(6)
            if len(frame) < 6:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return ImageInfo("jpeg", width, height, cmyk=frame[5] == 4)
        handle.seek(size - 2, 1)


def artwork_problems(path: Path, name: str, where: Path, line: int | None) -> list[Problem]:
    """Apple's cover art rules for the image at `path`, reported at `where`:`line`."""
    problems = Problems()
    if not path.is_file():
        problems.error(f"artwork {name} does not exist", where, line,
                       "the path is relative to the content folder")
        return problems.items
    try:
        info = image_info(path)
    except OSError as exc:
        problems.error(f"artwork {name}: cannot read it ({exc.strerror})", where, line)
        return problems.items
    if info is None:
        problems.error(f"artwork {name} is not a PNG or JPEG image", where, line,
                       "podcast apps accept JPEG or PNG cover art only")
        return problems.items
    if path.suffix.lower() not in EXTENSIONS[info.kind]:
        problems.error(f"artwork {name} is a {info.kind.upper()} file but its name ends in "
                       f"{path.suffix or 'nothing'}", where, line,
                       f"rename it to end in {EXTENSIONS[info.kind][0]}")
    if info.width != info.height:
        problems.error(f"artwork {name} is {info.width}x{info.height} px; it must be square",
                       where, line)
    side = max(info.width, info.height)
    if not ARTWORK_MIN <= min(info.width, info.height) or side > ARTWORK_MAX:
        problems.error(f"artwork {name} is {info.width}x{info.height} px; Apple needs "
                       f"{ARTWORK_MIN} to {ARTWORK_MAX} px on each side", where, line)
    if info.cmyk:
        problems.error(f"artwork {name} is a CMYK JPEG; apps need RGB", where, line)
    return problems.items


def channel_problems(site: Site) -> list[Problem]:
    config = site.config
    source = config.root / CONFIG_NAME
    problems = Problems()
    if not config.artwork:
        problems.error("no artwork: podcast apps need square cover art", source, None,
                       "add `artwork: artwork.png` (a file under content/, 1400-3000 px)")
    else:
        path = local_file(config, config.artwork)
        line = key_line(source, "artwork")
        if path is None:
            problems.error(f"artwork {config.artwork} is not inside the content folder",
                           source, line)
        else:
            problems.extend(artwork_problems(path, config.artwork, source, line))
    if not config.categories:
        problems.error("no categories: Apple Podcasts needs at least one", source, None,
                       'add e.g. `categories: ["Technology"]`')
    if not config.owner:
        problems.warning("no owner: apps and directories use its email to verify the feed",
                         source, None, "owner: {name: ..., email: ...}")
    if len(config.description.encode()) > MAX_DESCRIPTION_BYTES:
        problems.error(f"description is {len(config.description.encode())} bytes; the "
                       f"limit is {MAX_DESCRIPTION_BYTES}", source,
                       key_line(source, "description"))
    return problems.items


def timing_problems(episode: Episode) -> list[Problem]:
    problems = Problems()
    end = episode.duration
    previous = None
    for chapter in episode.chapters:
        if end and chapter.start >= end:
            problems.error(f"chapter {chapter.title!r} starts after the audio ends "
                           f"({end:.0f} s)", episode.source, chapter.line)
        if previous is not None and chapter.start <= previous.start:
            problems.error(f"chapter {chapter.title!r} starts at or before the one above it",
                           episode.source, chapter.line, "list chapters in time order")
        previous = chapter
    if episode.chapters and episode.chapters[0].start > 0:
        problems.warning("the first chapter does not start at 0:00, so Apple Podcasts will "
                         "not read the chapters from the show notes", episode.source,
                         episode.chapters[0].line)
    for turn in episode.turns:
        if end and turn.start > end:
            problems.error(f"turn starts after the audio ends ({end:.0f} s)", episode.source,
                           turn.line)
    return problems.items


def episode_problems(site: Site, episode: Episode) -> list[Problem]:
    problems = Problems()
    problems.extend(timing_problems(episode))
    title = episode.title
    if _NUMBERED_TITLE.match(title) or site.config.title.casefold() in title.casefold():
        problems.warning(f"title {title!r} repeats the episode number or the show's name; "
                         "apps show those already", episode.source,
                         key_line(episode.source, "title"),
                         "Apple may reject such titles; use `number:` for the number")
    if episode.image and not is_remote(episode.image):
        path = local_file(site.config, episode.image)
        line = key_line(episode.source, "image")
        if path is None:
            problems.error(f"image {episode.image} is not inside the content folder",
                           episode.source, line)
        else:
            problems.extend(artwork_problems(path, episode.image, episode.source, line))
    return problems.items


def feed_builds(site: Site) -> list[Problem]:
    """Make the feed in memory and read it back: what the checks above cannot foresee."""
    problems = Problems()
    source = site.config.root / CONFIG_NAME
    try:
        tree = etree.fromstring(feed_xml(site))
    except (ValueError, etree.XMLSyntaxError) as exc:
        problems.error(f"the feed could not be made: {exc}", source)
        return problems.items
    items = len(tree.findall("channel/item"))
    if items != len(feed_episodes(site)):
        problems.error(f"the feed holds {items} items for {len(feed_episodes(site))} "
                       "published episodes", source)
    return problems.items


def check_site(site: Site) -> list[Problem]:
    problems = Problems()
    problems.extend(channel_problems(site))
    found = feed_problems(site)
    problems.extend(found)
    for episode in site.episodes:
        problems.extend(episode_problems(site, episode))
    if not found:
        problems.extend(feed_builds(site))
    return problems.items
