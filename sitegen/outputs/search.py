"""The search index: a small manifest, term shards, and episode text fetched on demand.

Everything lives under `search/index/` (format in docs/search-index.md):

- `manifest.json`: the episodes (slug, title, URL, record counts) and the first
  term of every shard. Fetched first, on every search page load.
- `s/<hash>.json`: shards of the sorted term list. Each term maps to its record
  count and its postings (the records it occurs in, delta-encoded); a term with
  a long postings list keeps it in a file of its own, `p/<hash>.json`.
- `t/<slug>/<version>.<k>.json`: the text of an episode's records `k*chunk` to
  `(k+1)*chunk - 1`, fetched only for the hits shown, to build snippets and to
  check exact phrases.

A record is one searchable unit with one destination: the title, the summary,
the speaker list, a chapter, a paragraph of show notes, or a transcript turn.
Record ids are global: an episode's records follow those of the episodes listed
before it in the manifest.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import logging
import operator
import re
import unicodedata
import zlib
from array import array
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.markdown import plain_text
from sitegen.render.pages import episode_url

log = logging.getLogger(__name__)

INDEX_DIR = "search/index"
FORMAT_VERSION = 1
CHUNK_RECORDS = 16       # records per text file
SHARD_BYTES = 24_000     # a shard's JSON: cut past half of this at a hash point, or at this
OWN_FILE_BYTES = 4_000   # postings longer than this move to a file of their own
CUT_EVERY = 32           # past half a shard, a term whose hash is 0 modulo this starts the next
MAX_TERM_LENGTH = 60     # longer "words" (hashes, base64) are not indexed

_WORD = re.compile(r"[\w'’]+")
_MARKDOWN_SYNTAX = frozenset("*_`[]<>&\\~|#")
_DROP = str.maketrans("", "", "'’_")
# ASCII text: every character outside [A-Za-z0-9'_] separates words; ' and _ vanish.
# ASCII text as bytes: letters lower-cased, every other byte outside [A-Za-z0-9'_] a space;
# ' and _ are deleted (_ASCII_DROP), so "Don't" becomes b"dont".
_ASCII_FOLD = bytes(c + 32 if 65 <= c <= 90 else c if c < 128 and chr(c).isalnum() else 32
                    for c in range(256))
_ASCII_DROP = b"'_"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class Record:
    kind: str            # title, summary, speakers, chapter, notes, turn
    text: str
    start: float | None = None
    anchor: str = ""
    speaker: str = ""
    speaker_slug: str = ""

    def as_json(self) -> list:
        start = None if self.start is None else round(self.start, 3)
        return [self.kind, self.text, start, self.anchor, self.speaker, self.speaker_slug]


def fold(word: str) -> str:
    """The indexed form of a word: compatibility-decomposed, no accents, lower case."""
    if word.isascii():
        return word.lower().translate(_DROP)
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return bare.lower().translate(_DROP)


@lru_cache(maxsize=1 << 18)
def _term(word: str) -> str:
    """`word` folded, or "" when it is not indexed (nothing left, or too long)."""
    term = fold(word)
    return term if len(term) <= MAX_TERM_LENGTH else ""


def terms(text: str) -> list[str]:
    """The words of `text` as the index and search.js see them, in order."""
    return [t for t in map(_term, _WORD.findall(text)) if t]


def term_set(text: str) -> set[bytes]:
    """The distinct terms of `text`, UTF-8 encoded: set(terms(text)), fast for ASCII."""
    if text.isascii():
        found = set(text.encode().translate(_ASCII_FOLD, _ASCII_DROP).split())
        if found and max(map(len, found)) > MAX_TERM_LENGTH:
            return {t for t in found if len(t) <= MAX_TERM_LENGTH}
        return found
    return {t.encode() for t in set(map(_term, set(_WORD.findall(text)))) if t}


def episode_records(episode: Episode) -> tuple[list[Record], int]:
    """The episode's records in index order, and how many come before the turns."""
    records = [Record("title", episode.title)]
    if episode.summary:
        records.append(Record("summary", " ".join(episode.summary.split())))
    if episode.speakers:
        names = ", ".join(s.name for s in episode.speakers_in_order())
        records.append(Record("speakers", names))
    for index, chapter in enumerate(episode.chapters, 1):
        turn = episode.turn_at(chapter.start)
        anchor = turn.anchor if turn else f"chapter-{index}"
        records.append(Record("chapter", chapter.title, chapter.start, anchor))
    for block in _blocks(episode.notes):
        text = _plain(block)
        if text:
            records.append(Record("notes", text))
    meta = len(records)
    speakers = {s.id: s for s in episode.speakers}
    for turn in episode.turns:
        speaker = speakers[turn.speaker_id]
        text = " ".join(_plain(p) for p in turn.paragraphs)
        records.append(Record("turn", text, turn.start, turn.anchor, speaker.name,
                              speaker.slug))
    return records, meta


def _plain(markdown: str) -> str:
    # Most turns hold no Markdown at all, and a lone "!" needs no parser.
    if _MARKDOWN_SYNTAX.isdisjoint(markdown) and "://" not in markdown:
        return markdown.strip()
    return plain_text(markdown)


def _blocks(markdown: str) -> Iterable[str]:
    """Show notes split at blank lines, so a hit shows its own paragraph."""
    return (block for block in re.split(r"\n[ \t]*\n", markdown) if block.strip())


def encode_postings(ids: list[int]) -> str:
    """Ascending record ids as gaps in a base-64 VLQ: 5 bits a character, low bits first.

    A character below 32 in ALPHABET ends a number; 32 and above says more follow.
    """
    if len(ids) == 1:
        return _SMALL[ids[0]] if ids[0] < len(_SMALL) else _vlq(ids[0])
    if not ids:
        return ""
    small, limit = _SMALL, len(_SMALL)
    gaps = [ids[0], *map(operator.sub, ids[1:], ids)]
    return "".join([small[g] if g < limit else _vlq(g) for g in gaps])


def _vlq(value: int) -> str:
    chars = []
    while True:
        digit = value & 31
        value >>= 5
        if value:
            chars.append(ALPHABET[digit | 32])
        else:
            chars.append(ALPHABET[digit])
            return "".join(chars)


_SMALL = [_vlq(n) for n in range(4096)]


def decode_postings(text: str) -> list[int]:
    """The inverse of encode_postings (for tests and tools; search.js has its own)."""
    ids, value, shift, previous = [], 0, 0, 0
    for char in text:
        digit = ALPHABET.index(char)
        value |= (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        previous += value
        ids.append(previous)
        value, shift = 0, 0
    return ids


@dataclass(frozen=True)
class EpisodeEntry:
    episode: Episode
    records: tuple[Record, ...]
    meta: int
    version: str         # chunk k is at f"t/{slug}/{version}.{k}.json"
    chunks: tuple[bytes, ...]

    def manifest(self) -> dict:
        return {
            "slug": self.episode.slug,
            "title": self.episode.title,
            "url": episode_url(self.episode),
            "date": self.episode.date.date().isoformat(),
            "records": len(self.records),
            "meta": self.meta,
            "text": self.version,
        }


def index_files(site: Site, entry: Callable[[Episode], EpisodeEntry] | None = None,
                state: IndexState | None = None) -> dict[str, bytes]:
    """Every file of the index, by path relative to the site root.

    `state` is what the previous call with it knew: given the same one again, the
    postings of unchanged episodes are patched instead of recomputed, and shards
    whose terms did not change are not encoded again. The files are the same
    either way.
    """
    files: dict[str, bytes] = {}
    entries = [(entry or _entry)(episode) for episode in site.episodes]
    state = state if state is not None else IndexState()
    state.update(entries)
    shards = state.shards(files)
    for entry in entries:
        for number, chunk in enumerate(entry.chunks):
            files[f"{INDEX_DIR}/{text_path(entry.episode.slug, entry.version, number)}"] = chunk
    files[f"{INDEX_DIR}/manifest.json"] = _json({
        "version": FORMAT_VERSION,
        "chunk": CHUNK_RECORDS,
        "records": sum(len(e.records) for e in entries),
        "terms": len(state.postings),
        "shards": shards,
        "episodes": [e.manifest() for e in entries],
    })
    return files


def _entry(episode: Episode) -> EpisodeEntry:
    records, meta = episode_records(episode)
    chunks = tuple(_json({"records": [r.as_json() for r in records[i:i + CHUNK_RECORDS]]})
                   for i in range(0, len(records), CHUNK_RECORDS))
    # The version names the text files: it changes exactly when their content does.
    version = hashlib.sha256(b"\n".join(chunks)).hexdigest()[:10]
    return EpisodeEntry(episode, tuple(records), meta, version, chunks)


def text_path(slug: str, version: str, chunk: int) -> str:
    """Where chunk `chunk` of an episode's record text lives, under search/index/."""
    return f"t/{slug}/{version}.{chunk}.json"


def _local_postings(records: Iterable[Record]) -> dict[bytes, list[int]]:
    """term -> the numbers of the records (counted from 0) it occurs in."""
    postings: dict[bytes, list[int]] = defaultdict(list)
    for number, record in enumerate(records):
        for term in term_set(record.text):
            postings[term].append(number)
    return postings


@dataclass(frozen=True)
class _Shard:
    terms: tuple[str, ...]
    path: str
    payload: bytes


class IndexState:
    """The postings of the site and the shards cut from them, kept between builds.

    `update` patches the postings of the episodes whose records changed when the
    episodes and their record counts stay as they were (a typo fixed, a speaker
    renamed); anything else recomputes them. Shards are cut where a term's hash
    says so once a shard is half full (or where it is full), so a change to one
    term moves no shard boundary far from it, and unchanged shards are reused.
    """

    def __init__(self) -> None:
        self.layout: list[tuple[str, int]] = []          # (slug, records) per episode
        self.entries: list[EpisodeEntry] = []
        self.postings: dict[str, array] = {}
        self.order: list[str] = []                       # the terms in JavaScript order
        self.keys: list[bytes] = []                      # _js_order of each of them
        self.encoded: dict[str, str] = {}
        self.dirty: set[str] | None = None               # None: every term
        self.cut: dict[str, _Shard] = {}                 # last build's shards by first term
        self.own: dict[str, tuple[str, bytes]] = {}      # own-file postings: path, payload
        self.scope = ""                                  # the build scope it was made in

    def update(self, entries: list[EpisodeEntry]) -> None:
        layout = [(e.episode.slug, len(e.records)) for e in entries]
        if layout != self.layout or not self.entries:
            self._rebuild(entries)
        else:
            self._patch(entries)
        self.layout, self.entries = layout, entries

    def _rebuild(self, entries: list[EpisodeEntry]) -> None:
        postings: dict[bytes, array] = {}
        record_id = 0
        for entry in entries:
            for record in entry.records:
                for term in term_set(record.text):
                    ids = postings.get(term)
                    if ids is None:
                        ids = postings[term] = array("i")
                    ids.append(record_id)
                record_id += 1
        self.postings = {term.decode(): ids for term, ids in postings.items()}
        self.order = sorted(self.postings, key=_js_order)
        self.keys = [_js_order(term) for term in self.order]
        self.encoded, self.dirty = {}, None

    def _patch(self, entries: list[EpisodeEntry]) -> None:
        self.dirty = set()
        offset = 0
        for old, new in zip(self.entries, entries):
            if old.version != new.version:
                before, after = _local_postings(old.records), _local_postings(new.records)
                for term in before.keys() | after.keys():
                    ids = after.get(term, [])
                    if before.get(term, []) != ids:
                        self._replace(term.decode(), offset, len(new.records),
                                      [offset + number for number in ids])
            offset += len(new.records)

    def _replace(self, term: str, first: int, count: int, ids: list[int]) -> None:
        """Set the ids of `term` in records [first, first + count) to `ids`."""
        self.dirty.add(term)  # type: ignore[union-attr]
        postings = self.postings.get(term)
        if postings is None:
            postings = self.postings[term] = array("i")
            key = _js_order(term)
            at = bisect.bisect_left(self.keys, key)
            self.keys.insert(at, key)
            self.order.insert(at, term)
        low = bisect.bisect_left(postings, first)
        high = bisect.bisect_left(postings, first + count)
        postings[low:high] = array("i", ids)
        if not postings:
            del self.postings[term]
            self.encoded.pop(term, None)
            at = bisect.bisect_left(self.keys, _js_order(term))
            del self.keys[at], self.order[at]

    def _entry(self, term: str, files: dict[str, bytes]) -> list:
        """The shard entry of `term`: [count, postings] or [count, None, file]."""
        dirty = self.dirty is None or term in self.dirty
        encoded = self.encoded.get(term) if not dirty else None
        if encoded is None:
            encoded = self.encoded[term] = encode_postings(self.postings[term])
        count = len(self.postings[term])
        if len(encoded) <= OWN_FILE_BYTES:
            return [count, encoded]
        own = self.own.get(term) if not dirty else None
        if own is None:
            payload = _json({"term": term, "postings": encoded})
            own = self.own[term] = (_hashed_path("p", payload), payload)
        files[f"{INDEX_DIR}/{own[0]}"] = own[1]
        return [count, None, own[0]]

    def shards(self, files: dict[str, bytes]) -> list[list[str]]:
        """Cut the terms into shards, adding their files; returns [[first term, file], ...]."""
        cut: dict[str, _Shard] = {}
        listed: list[list[str]] = []
        current: dict[str, list] = {}
        size = 0
        changed = False

        def close() -> None:
            terms = tuple(current)
            first = terms[0] if terms else ""
            shard = self.cut.get(first)
            if changed or shard is None or shard.terms != terms:
                payload = _json({"terms": current})
                shard = _Shard(terms, _hashed_path("s", payload), payload)
            cut[first] = shard
            files[f"{INDEX_DIR}/{shard.path}"] = shard.payload
            listed.append([first, shard.path])

        for term in self.order:
            if current and (size >= SHARD_BYTES or (size >= SHARD_BYTES // 2 and _cuts(term))):
                close()
                current, size, changed = {}, 0, False
            changed = changed or self.dirty is None or term in self.dirty
            entry = current[term] = self._entry(term, files)
            size += len(term) + len(entry[1] or entry[2]) + 16
        close()
        listed[0][0] = ""  # the first shard also holds everything sorting before its first term
        self.cut = cut
        self.own = {term: own for term, own in self.own.items() if term in self.postings}
        return listed


def _cuts(term: str) -> bool:
    """Whether `term` may start a shard: about one term in CUT_EVERY, fixed by its text."""
    return zlib.crc32(term.encode()) % CUT_EVERY == 0


def _js_order(term: str) -> bytes:
    # JavaScript compares strings by UTF-16 code units; search.js binary-searches shards.
    return term.encode("utf-16-be", "surrogatepass")


def _hashed_path(folder: str, payload: bytes) -> str:
    return f"{folder}/{hashlib.sha256(payload).hexdigest()[:12]}.json"


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_search_index(site: Site, renderer: Renderer, staging: Staging) -> None:
    def entry(episode: Episode) -> EpisodeEntry:
        # An episode's records depend on it alone: earlier builds' are reused (cache.py).
        def fresh() -> tuple:
            made = _entry(episode)
            return made.records, made.meta, made.version, made.chunks

        return EpisodeEntry(episode, *staging.memo("search-entry", [episode], fresh))

    # The dev server keeps the postings between builds and patches them (IndexState).
    state = staging.resident.get("search-index")
    if not isinstance(state, IndexState) or state.scope != staging.scope:
        state = staging.resident["search-index"] = IndexState()
        state.scope = staging.scope
    files = index_files(site, entry, state)
    manifest = f"{INDEX_DIR}/manifest.json"
    for path, payload in files.items():
        # Every other path names its content, so an unchanged path is an unchanged file.
        depends_on = [hashlib.sha256(payload).hexdigest()] if path == manifest else []
        staging.cached(path, depends_on, lambda payload=payload: payload)
    log.info("search index: %d files, %d bytes", len(files), sum(map(len, files.values())))
