"""`/feed.xml`: RSS 2.0 with the iTunes and Podcasting 2.0 tags, made with feedgen.

The feed is a function of the content alone: `lastBuildDate` is the newest episode's
date, items are newest first, so two builds of the same site give the same bytes.
Item GUIDs come from the model and never depend on base_url or the slug.
"""
from __future__ import annotations

import hashlib
import html
import logging
import re
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urljoin

from feedgen.feed import FeedGenerator
from lxml.etree import CDATA

from sitegen.cache import digest, kept_on
from sitegen.errors import BuildError, Problem, Problems
from sitegen.model import Episode, Site, SiteConfig, Speaker
from sitegen.output import Staging
from sitegen.outputs.podcast_ext import (AppleEntryExtension, AppleExtension, Funding,
                                         Person, PodcastIndexEntryExtension,
                                         PodcastIndexExtension, Transcript)
from sitegen.outputs.transcripts import (MIME_TYPES, chapters_path, transcript_path)
from sitegen.render.context import Renderer
from sitegen.render.markdown import plain_text, render_notes
from sitegen.render.pages import episode_url
from sitegen.timecodes import format_hms
from sitegen.yamlsafe import key_line

log = logging.getLogger(__name__)

FEED_PATH = "feed.xml"
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
MAX_DESCRIPTION_BYTES = 4000
PERSON_ROLES = {"host": "host", "guest": "guest"}   # "other" has no taxonomy role
CAPTION_FORMATS = ("vtt", "srt")
_NO_EPISODES_DATE = datetime(2000, 1, 1, tzinfo=timezone.utc)
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
# Characters XML 1.0 cannot carry at all (lxml refuses them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def feed_url(config: SiteConfig) -> str:
    return config.absolute_url(FEED_PATH)


def podcast_guid(config: SiteConfig) -> str:
    """site.yaml's `podcast_guid`, else the UUIDv5 of the feed URL without its scheme
    and trailing slashes, as the podcast namespace specifies."""
    if config.podcast_guid:
        return config.podcast_guid
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url(config)).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def is_remote(ref: str) -> bool:
    return ref.startswith(("http://", "https://"))


def absolute(config: SiteConfig, ref: str) -> str:
    """A URL for an image or page reference: URLs as they are, paths under base_url."""
    return safe_url(ref if is_remote(ref) else config.absolute_url(ref))


def safe_url(url: str) -> str:
    """`url` with spaces and non-ASCII percent-encoded (a file named `Ep 1 é.mp3`);
    characters that already mean something in a URL, and `%`, are left alone."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def audio_problems(episode: Episode) -> list[Problem]:
    """What keeps the episode from having a complete enclosure in the feed."""
    audio = episode.audio
    if audio is not None and audio.length and audio.duration and audio.mime:
        return []
    problems = Problems()
    missing = [] if audio is None else \
        [name for name, value in (("length", audio.length), ("duration", audio.duration))
         if not value]
    line = key_line(episode.source, "audio") or 1   # read only when there is a problem
    if audio is None:
        problems.error(f"episode {episode.title!r} has no audio, so it cannot be in the feed",
                       episode.source, line,
                       "add `audio:` with a file under content/ or a URL, "
                       "or mark the episode `draft: true`")
        return problems.items
    if missing:
        problems.error(f"episode {episode.title!r}: the audio at {audio.url} needs its "
                       f"{' and '.join(missing)} in the front matter (a remote file is "
                       "not downloaded)", episode.source, line,
                       "audio: {url: ..., length: BYTES, duration: H:MM:SS}")
    if not audio.mime:
        problems.error(f"episode {episode.title!r}: unknown audio type", episode.source,
                       line, "add `type: audio/mpeg` (or the file's real type)")
    return problems.items


def feed_episodes(site: Site) -> tuple[Episode, ...]:
    """The feed's items: never drafts, even in a `--drafts` preview build."""
    return tuple(e for e in site.episodes if not e.draft)


def _episode_texts(episode: Episode) -> list[tuple[str, str, str | int | None]]:
    """(what, text, where) of everything the feed copies from an episode file; where is
    a line, or the front-matter key whose line to look up if the text is bad."""
    texts: list[tuple[str, str, str | int | None]] = [
        ("title", episode.title, "title"), ("summary", episode.summary, "summary")]
    texts += [("speaker name", s.name, "speakers") for s in episode.speakers]
    texts += [("chapter title", c.title, c.line) for c in episode.chapters]
    texts += [("link title", link.title, "links") for link in episode.links]
    return texts


def _bad_character(text: str) -> str | None:
    match = _NOT_XML.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def xml_problems(site: Site) -> list[Problem]:
    """Control characters (a form feed pasted into the notes...) that XML cannot carry."""
    problems = Problems()
    hint = "delete the invisible character; editors show it as a box or ^L"
    config = site.config
    for key in ("title", "description", "author", "copyright"):
        bad = _bad_character(getattr(config, key))
        if bad:
            source = config.root / "site.yaml"
            problems.error(f"{key} contains {bad}, which a feed cannot carry", source,
                           key_line(source, key), hint)
    for episode in feed_episodes(site):
        if kept_on(episode, "_xml_clean", lambda: not _NOT_XML.search(
                "\n".join([episode.notes, *(t for _, t, _ in _episode_texts(episode))]))):
            continue  # the common case, in one search
        texts = _episode_texts(episode)
        for what, text, where in texts:
            bad = _bad_character(text)
            if bad:
                line = key_line(episode.source, where) if isinstance(where, str) else where
                problems.error(f"{what} contains {bad}, which a feed cannot carry",
                               episode.source, line, hint)
        match = _NOT_XML.search(episode.notes)
        if match:
            line = episode.notes_line + episode.notes[:match.start()].count("\n")
            problems.error(f"the show notes contain U+{ord(match.group()):04X}, which a "
                           "feed cannot carry", episode.source, line, hint)
    return problems.items


def feed_problems(site: Site) -> list[Problem]:
    problems = [p for episode in feed_episodes(site)   # asked every build: kept per episode
                for p in kept_on(episode, "_audio_problems", lambda: audio_problems(episode))]
    return problems + xml_problems(site)


def _cdata_safe(text: str) -> str:
    return text.replace("]]>", "]]&gt;")


def _absolutize(fragment: str, base: str) -> str:
    """Podcast apps show notes outside the site: every link and image made absolute."""
    def fix(match: re.Match) -> str:
        target = html.unescape(match.group(2))
        return match.group(1) + html.escape(urljoin(base, target)) + match.group(3)
    return _URL_ATTRIBUTE.sub(fix, fragment)


def chapters_html(episode: Episode) -> str:
    """Chapter timestamps at line starts, the form Apple Podcasts reads from notes."""
    if not episode.chapters:
        return ""
    lines = [f"{format_hms(c.start)} {html.escape(c.title)}" for c in episode.chapters]
    return "<p>" + "<br>\n".join(lines) + "</p>"


def show_notes_html(site: Site, episode: Episode) -> str:
    body = render_notes(episode.notes, site.config.allow_html)
    if episode.links:
        items = "".join(f'<li><a href="{html.escape(link.url)}">{html.escape(link.title)}'
                        "</a></li>" for link in episode.links)
        body += f"<ul>{items}</ul>\n"
    page = site.config.absolute_url(episode_url(episode))
    return _cdata_safe(_absolutize(body, page) + chapters_html(episode))


def _truncate(text: str, max_bytes: int) -> str:
    if len(text.encode()) <= max_bytes:
        return text
    cut = text.encode()[:max_bytes - 4].decode("utf-8", "ignore")
    return cut.rsplit(" ", 1)[0] + " …"


def description_html(site: Site, episode: Episode, full: str) -> str:
    """The notes when they fit in 4000 bytes, else the summary and the chapters."""
    if len(full.encode()) <= MAX_DESCRIPTION_BYTES:
        return full
    summary = episode.summary or plain_text(episode.notes)
    chapters = _cdata_safe(chapters_html(episode))
    room = MAX_DESCRIPTION_BYTES - len(chapters.encode()) - len("<p></p>")
    if room < 200:
        chapters, room = "", MAX_DESCRIPTION_BYTES - len("<p></p>")
    text = _truncate(summary, room)
    # escaping can grow the text; shrink until the result fits
    while len(html.escape(text).encode()) > room:
        text = _truncate(text, len(text.encode()) - 16)
    return _cdata_safe(f"<p>{html.escape(text)}</p>") + chapters


def _person(config: SiteConfig, speaker: Speaker) -> Person | None:
    role = PERSON_ROLES.get(speaker.role)
    if role is None:
        return None
    return Person(speaker.name, role, href=speaker.url,
                  img=absolute(config, speaker.image) if speaker.image else None)


def channel_hosts(site: Site) -> tuple[Speaker, ...]:
    hosts = tuple(p for p in site.config.people if p.is_host)
    return hosts or tuple(s for s in site.speakers() if s.is_host)


def _feed_generator() -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)
    fg.register_extension("apple", AppleExtension, AppleEntryExtension)
    return fg


def _channel(site: Site) -> FeedGenerator:
    config = site.config
    fg = _feed_generator()
    fg.title(config.title)
    fg.description(config.description)
    # feedgen's RSS <link> is the last link() given, so the self link goes first
    fg.link(href=feed_url(config), rel="self", type="application/rss+xml")
    fg.link(href=config.base_url, rel="alternate")
    fg.language(config.language)
    fg.generator("sitegen")
    if config.copyright:
        fg.copyright(config.copyright)
    episodes = feed_episodes(site)
    latest = episodes[0].date if episodes else _NO_EPISODES_DATE
    fg.lastBuildDate(latest)
    fg.pubDate(latest)
    _itunes_channel(site, fg)
    _podcast_channel(site, fg)
    return fg


def _itunes_channel(site: Site, fg: FeedGenerator) -> None:
    config = site.config
    author = config.author or (config.owner.name if config.owner else "")
    if author:
        fg.podcast.itunes_author(author)
    if config.owner:
        fg.podcast.itunes_owner(name=config.owner.name, email=config.owner.email)
    fg.podcast.itunes_type(config.show_type)
    for parts in config.categories:
        category = {"cat": parts[0]}
        if len(parts) > 1:
            category["sub"] = parts[1]
        fg.podcast.itunes_category(category)
    fg.podcast.itunes_summary(config.description)
    if config.artwork:
        url = absolute(config, config.artwork)
        fg.apple.image(url)
        fg.image(url=url, title=config.title, link=config.base_url)
    fg.apple.explicit(config.explicit)


def _podcast_channel(site: Site, fg: FeedGenerator) -> None:
    config = site.config
    fg.podcastindex.guid(podcast_guid(config))
    fg.podcastindex.locked(config.locked, config.owner.email if config.owner else None)
    for link in config.funding:
        fg.podcastindex.funding(Funding(link.url, link.title))
    for host in channel_hosts(site):
        person = _person(config, host)
        if person:
            fg.podcastindex.person(person)


def _item(site: Site, fg: FeedGenerator, episode: Episode, notes: str) -> None:
    config = site.config
    audio = episode.audio
    assert audio is not None and audio.length and audio.duration  # feed_problems ran
    entry = fg.add_entry(order="append")
    entry.title(episode.title)
    entry.link(href=config.absolute_url(episode_url(episode)))
    entry.guid(episode.guid, permalink=False)
    entry.pubDate(episode.date)
    entry.enclosure(safe_url(audio.url), str(audio.length), audio.mime)
    entry.description(CDATA(description_html(site, episode, notes)))
    entry.content(notes, type="CDATA")
    entry.podcast.itunes_title(episode.title)
    entry.podcast.itunes_duration(str(max(1, round(audio.duration))))
    entry.podcast.itunes_episode_type(episode.episode_type)
    if episode.number is not None:
        entry.podcast.itunes_episode(episode.number)
        entry.podcastindex.episode(episode.number)
    if episode.season is not None:
        entry.podcast.itunes_season(episode.season)
        entry.podcastindex.season(episode.season)
    entry.apple.explicit(config.explicit if episode.explicit is None else episode.explicit)
    if episode.image:
        entry.apple.image(absolute(config, episode.image))
    _podcast_item(site, entry, episode)


def _podcast_item(site: Site, entry, episode: Episode) -> None:
    config = site.config
    for speaker in episode.speakers_in_order():
        person = _person(config, speaker)
        if person:
            entry.podcastindex.person(person)
    if episode.turns:
        for fmt in config.transcript_formats:
            entry.podcastindex.transcript(Transcript(
                config.absolute_url(transcript_path(episode, fmt)), MIME_TYPES[fmt],
                config.language, "captions" if fmt in CAPTION_FORMATS else None))
    if episode.chapters:
        entry.podcastindex.chapters(config.absolute_url(chapters_path(episode)))


def feed_xml(site: Site) -> bytes:
    """The feed as bytes; BuildError when an episode lacks what an enclosure needs."""
    refuse_feed_problems(site)
    return splice_items(channel_xml(site), [episode_item_xml(site, e, show_notes_html(site, e))
                                            for e in feed_episodes(site)])


def refuse_feed_problems(site: Site) -> None:
    problems = feed_problems(site)
    if problems:
        raise BuildError(problems)


def channel_xml(site: Site) -> bytes:
    """The feed without its items."""
    return _channel(site).rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def splice_items(channel: bytes, items: list[bytes]) -> bytes:
    """The items go where the channel closes, as feedgen itself would put them."""
    cut = channel.rindex(_CHANNEL_END)
    return channel[:cut] + b"".join(items) + channel[cut:]


_CHANNEL_END = b"  </channel>"


def episode_item_xml(site: Site, episode: Episode, notes: str) -> bytes:
    """One episode's `<item>`, indented as it stands in the feed: the bytes feedgen and
    lxml write for it (feedgen_item_xml), written as text at a tenth of the cost
    (tests/test_feed.py compares the two on random episodes)."""
    config = site.config
    audio = episode.audio
    assert audio is not None and audio.length and audio.duration  # feed_problems ran
    lines = ["    <item>"]
    add = lines.append
    if episode.title:
        add(_element("title", episode.title))
    add(_element("link", config.absolute_url(episode_url(episode))))
    add(f"      <description><![CDATA[{description_html(site, episode, notes)}]]>"
        "</description>")
    add(f"      <content:encoded><![CDATA[{notes}]]></content:encoded>")
    if episode.guid:
        add(_element("guid", episode.guid, isPermaLink="false"))
    add(_element("enclosure", None, url=safe_url(audio.url), length=str(audio.length),
                  type=audio.mime))
    add(_element("pubDate", _rfc2822(episode.date)))
    # feedgen's podcast extension: it leaves out a season or episode number 0
    add(_element("itunes:duration", str(max(1, round(audio.duration)))))
    if episode.season:
        add(_element("itunes:season", str(episode.season)))
    if episode.number:
        add(_element("itunes:episode", str(episode.number)))
    if episode.title:
        add(_element("itunes:title", episode.title))
    add(_element("itunes:episodeType", episode.episode_type))
    _podcast_item_lines(site, episode, add)
    if episode.image:
        add(_element("itunes:image", None, href=absolute(config, episode.image)))
    explicit = config.explicit if episode.explicit is None else episode.explicit
    add(_element("itunes:explicit", "true" if explicit else "false"))
    add("    </item>\n")
    text = "\n".join(lines)
    if _NOT_XML.search(text):   # a guid or URL lxml refuses: let it say so, as before
        return feedgen_item_xml(site, episode, notes)
    return text.encode("utf-8")


def _podcast_item_lines(site: Site, episode: Episode, add: Callable[[str], None]) -> None:
    """The `podcast:` tags of an item, in PodcastIndexEntryExtension's order."""
    config = site.config
    if episode.season is not None:
        add(_element("podcast:season", str(episode.season)))
    if episode.number is not None:
        add(_element("podcast:episode", str(episode.number)))
    for speaker in episode.speakers_in_order():
        person = _person(config, speaker)
        if person:
            add(_element("podcast:person", person.name, role=person.role, group=person.group,
                         href=person.href, img=person.img))
    if episode.turns:
        for fmt in config.transcript_formats:
            add(_element("podcast:transcript", None,
                         url=config.absolute_url(transcript_path(episode, fmt)),
                         type=MIME_TYPES[fmt], language=config.language,
                         rel="captions" if fmt in CAPTION_FORMATS else None))
    if episode.chapters:
        add(_element("podcast:chapters", None, url=config.absolute_url(chapters_path(episode)),
                     type="application/json+chapters"))


def _element(tag: str, text: str | None, **attributes: str | None) -> str:
    """One child of an `<item>` as lxml writes it: text and attributes escaped its way."""
    attrs = "".join(f' {name}="{_attribute_text(value)}"' for name, value in attributes.items()
                    if value is not None)
    if text is None:
        return f"      <{tag}{attrs}/>"
    return f"      <{tag}{attrs}>{_element_text(text)}</{tag}>"


def _element_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("\r", "&#13;")


def _attribute_text(text: str) -> str:
    return _element_text(text).replace('"', "&quot;").replace("\n", "&#10;") \
        .replace("\t", "&#9;")


def _rfc2822(date: datetime) -> str:
    """feedgen's formatRFC2822, without switching the locale: English names always."""
    day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[date.weekday()]
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")[date.month - 1]
    return f"{day}, {date.day:02d} {month} {date:%Y %H:%M:%S %z}"


def feedgen_item_xml(site: Site, episode: Episode, notes: str) -> bytes:
    """The item as feedgen writes it: the reference for episode_item_xml."""
    fg = _item_channel()
    _item(site, fg, episode, notes)
    text = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=False)
    start = text.index(b"    <item>")
    end = text.rindex(b"</item>") + len(b"</item>\n")
    return text[start:end]


def _item_channel() -> FeedGenerator:
    """A channel with our extensions and nothing else: a frame to serialise one item in."""
    fg = _feed_generator()
    fg.title("-")
    fg.link(href="https://example.invalid/")
    fg.description("-")
    return fg


def local_episode_images(site: Site) -> list[tuple[str, Path]]:
    """(output path, source file) of episode images kept under content/."""
    found = []
    for episode in site.episodes:
        path = local_file(site.config, episode.image) if episode.image else None
        if path is not None and path.is_file():
            found.append((episode.image, path))
    return found


def local_file(config: SiteConfig, ref: str) -> Path | None:
    """The file under content/ that `ref` names; None for URLs and paths leaving it."""
    if is_remote(ref) or "://" in ref:
        return None
    content = config.content_path.resolve()
    try:
        path = (content / ref).resolve()
        path.relative_to(content)
    except (ValueError, OSError):
        return None
    return path


# What an episode's <item> does not show: the words of its transcript (it links the
# transcript files only if there are turns), and the hash of the file they are in.
_NOT_IN_ITEM = frozenset({"turns", "digest"})


def item_fingerprint(episode: Episode) -> str:
    """Everything of an episode its `<item>` may show: a transcript edit leaves it alone."""
    return kept_on(episode, "_item_fingerprint", lambda: digest(
        *(repr(getattr(episode, f.name)) for f in fields(episode) if f.name not in _NOT_IN_ITEM),
        bool(episode.turns)))


@dataclass(frozen=True)
class _Item:
    """An episode's `<item>` as a build made it, kept for the next build (`resident`)."""
    episode: Episode
    memo_key: str
    xml: bytes
    digest: str


def write_feed(site: Site, renderer: Renderer, staging: Staging) -> None:
    """feed.xml, keyed by its channel and the bytes of its items: a transcript edit
    makes the episode's item again but leaves the feed as it is."""
    refuse_feed_problems(site)
    known = _known_items(staging)
    items = [_known(known, e) or _new_item(site, staging, e) for e in feed_episodes(site)]
    for item in items:
        staging.memos.used.add(item.memo_key)   # still wanted: not dropped when saved
    staging.resident["feed-items"] = (staging.scope, {id(i.episode): i for i in items})
    channel = channel_xml(site)
    made_from = digest(hashlib.sha256(channel).hexdigest(), *(i.digest for i in items))
    key = staging.key(FEED_PATH, [made_from])
    if not staging.reuse(FEED_PATH, key):
        staging.write(FEED_PATH, splice_items(channel, [i.xml for i in items]), key)
    for relpath, source in local_episode_images(site):
        staging.link(relpath, source)


def _known_items(staging: Staging) -> dict[int, _Item]:
    """The items the last build in this process made, by episode id, if in this scope."""
    found = staging.resident.get("feed-items")
    return found[1] if found is not None and found[0] == staging.scope else {}


def _known(known: dict[int, _Item], episode: Episode) -> _Item | None:
    item = known.get(id(episode))
    return item if item is not None and item.episode is episode else None


def _new_item(site: Site, staging: Staging, episode: Episode) -> _Item:
    """The episode's item, from the memo store (an earlier build) or made now; both
    the item and its notes depend on what the item shows and the config (the scope)."""
    shown = item_fingerprint(episode)

    def notes() -> str:
        return staging.memo("feed-notes", [shown], lambda: show_notes_html(site, episode))

    memo_key = staging.key("memo:feed-item", [shown])
    xml = staging.memos.get(memo_key, lambda: episode_item_xml(site, episode, notes()))
    return _Item(episode, memo_key, xml, hashlib.sha256(xml).hexdigest())
