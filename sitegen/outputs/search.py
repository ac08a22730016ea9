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

Rebuilds patch the postings instead of recomputing them (`IndexState`): a dev
server keeps the state in memory; a new `sitegen build` process restores the one
saved, with the other memos, by the build that published the index in the output
(found by the hash of its manifest, so it always matches what is published), and
reads the records an edited episode had back from its text files there.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import logging
import operator
import re
import struct
import unicodedata
import zlib
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from itertools import accumulate, chain, islice, repeat
from pathlib import Path
from typing import Callable, Iterable, Sequence

from sitegen.model import Episode, Site
from sitegen.output import Staging
from sitegen.render.context import Renderer
from sitegen.render.markdown import plain_text
from sitegen.render.pages import episode_url

log = logging.getLogger(__name__)

INDEX_DIR = "search/index"
FORMAT_VERSION = 1
CHUNK_RECORDS = 64       # records per text file: about 36 KB of an hour-long transcript
SHARD_BYTES = 24_000     # a shard's JSON is cut once it reaches about this size
OWN_FILE_BYTES = 4_000   # postings longer than this move to a file of their own
CUT_EVERY = 64           # a term whose hash is 0 modulo this starts a segment of shards
MAX_TERM_LENGTH = 60     # longer "words" (hashes, base64) are not indexed

_WORD = re.compile(r"[\w'’]+")
# Text holding none of these is plain (each found with a scan of its own: faster than one
# regular expression for them all)
_MARKDOWN_SYNTAX = ("*", "_", "`", "[", "]", "<", ">", "&", "\\", "~", "|", "#", "://")
_DROP = str.maketrans("", "", "'’_")
# ASCII text: every character outside [A-Za-z0-9'_] separates words; ' and _ vanish.
# ASCII text as bytes: letters lower-cased, every other byte outside [A-Za-z0-9'_] a space;
# ' and _ are deleted (_ASCII_DROP), so "Don't" becomes b"dont".
_ASCII_FOLD = bytes(c + 32 if 65 <= c <= 90 else c if c < 128 and chr(c).isalnum() else 32
                    for c in range(256))
_ASCII_DROP = b"'_"
# The same, except that NUL stays: it separates the records of an episode folded at once.
_ASCII_FOLD_RECORDS = b"\0" + _ASCII_FOLD[1:]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MANIFEST = f"{INDEX_DIR}/manifest.json"
SNAPSHOT_VERSION = 1     # of IndexState.snapshot
_ID = struct.Struct("<i")   # a record id in _postings' buffers (little-endian, see _encode_packed)
_TURN_FIELDS = operator.attrgetter("paragraphs", "start", "anchor", "speaker_id")


# A record as its text file holds it: (kind, text, start, anchor, speaker, speaker slug);
# kind is title, summary, speakers, chapter, notes or turn, start seconds rounded to 3
# places or None (see docs/search-index.md).
Record = tuple


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
    found = _raw_term_set(text)
    if found and max(map(len, found)) > MAX_TERM_LENGTH:
        return set(filter(_indexed, found))
    return found


def _indexed(term: bytes) -> bool:
    """Whether a UTF-8 encoded term is short enough to be indexed: MAX_TERM_LENGTH
    counts characters, as search.js does, not bytes."""
    return len(term) <= MAX_TERM_LENGTH or len(term.decode()) <= MAX_TERM_LENGTH


def _raw_term_set(text: str) -> set[bytes]:
    """term_set(text), except that ASCII words longer than MAX_TERM_LENGTH may be in it."""
    if text.isascii():
        return set(text.encode().translate(_ASCII_FOLD, _ASCII_DROP).split())
    return {t.encode() for t in set(map(_term, set(_WORD.findall(text)))) if t}


def _raw_words(texts: Sequence[str]) -> Iterable[Iterable[bytes]]:
    """Each text's terms, UTF-8 encoded, maybe repeated, and for ASCII text maybe longer
    than MAX_TERM_LENGTH: one encoding and folding for all the texts when ASCII."""
    joined = "\0".join(texts)
    if joined.isascii():
        folded = joined.encode().translate(_ASCII_FOLD_RECORDS, _ASCII_DROP).split(b"\0")
        if len(folded) == len(texts):   # no text held a NUL of its own
            return map(bytes.split, folded)
    return map(_raw_term_set, texts)


def episode_records(episode: Episode) -> tuple[list[Record], int]:
    """The episode's records in index order, and how many come before the turns."""
    records: list[Record] = [("title", episode.title, None, "", "", "")]
    if episode.summary:
        records.append(("summary", " ".join(episode.summary.split()), None, "", "", ""))
    if episode.speakers:
        names = ", ".join(s.name for s in episode.speakers_in_order())
        records.append(("speakers", names, None, "", "", ""))
    records += (("chapter", chapter.title, round(chapter.start, 3), anchor, "", "")
                for chapter, anchor in zip(episode.chapters, _chapter_anchors(episode)))
    records += (("notes", text, None, "", "", "")
                for text in map(_plain, _blocks(episode.notes)) if text)
    meta = len(records)
    if episode.turns:
        paragraphs, starts, anchors, speaker_ids = zip(*map(_TURN_FIELDS, episode.turns))
        names_of = {s.id: s.name for s in episode.speakers}
        slugs_of = {s.id: s.slug for s in episode.speakers}
        records += zip(repeat("turn"), _turn_texts(paragraphs), map(round, starts, repeat(3)),
                       anchors, map(names_of.__getitem__, speaker_ids),
                       map(slugs_of.__getitem__, speaker_ids))
    return records, meta


def _chapter_anchors(episode: Episode) -> list[str]:
    """The anchor of each chapter: the transcript turn in progress at its start."""
    turns = episode.turns_at(chapter.start for chapter in episode.chapters)
    return [turn.anchor if turn else f"chapter-{index}" for index, turn in enumerate(turns, 1)]


def _turn_texts(paragraphs: Sequence[tuple[str, ...]]) -> list[str]:
    """Each turn's paragraphs as plain text, joined by a space."""
    texts = list(map(" ".join, paragraphs))
    # Most transcripts hold no Markdown at all, and their paragraphs are stripped: then
    # the plain text of a turn is its paragraphs joined, checked once for the episode.
    every = list(chain.from_iterable(paragraphs))
    if _is_plain("\0".join(texts)) and list(map(str.strip, every)) == every:
        return texts
    return [text if _is_plain(text) and list(map(str.strip, turn)) == list(turn)
            else " ".join(map(_plain, turn)) for text, turn in zip(texts, paragraphs)]


def _is_plain(text: str) -> bool:
    """Whether `text` holds nothing plain_text would change but surrounding space."""
    return not any(map(text.__contains__, _MARKDOWN_SYNTAX))


def _plain(markdown: str) -> str:
    # Most turns hold no Markdown at all, and a lone "!" needs no parser.
    if _is_plain(markdown):
        return markdown.strip()
    return plain_text(markdown)


def _blocks(markdown: str) -> Iterable[str]:
    """Show notes split at blank lines, so a hit shows its own paragraph."""
    return (block for block in re.split(r"\n[ \t]*\n", markdown) if block.strip())


def encode_postings(ids: Sequence[int]) -> str:
    """Ascending record ids as gaps in a base-64 VLQ: 5 bits a character, low bits first.

    A character below 32 in ALPHABET ends a number; 32 and above says more follow.
    """
    if len(ids) == 1:
        return _SMALL[ids[0]] if ids[0] < len(_SMALL) else _vlq(ids[0])
    if not ids:
        return ""
    gaps = [ids[0], *map(operator.sub, islice(ids, 1, None), ids)]
    try:
        return "".join(map(_SMALL.__getitem__, gaps))
    except IndexError:  # a gap too large for the table
        small, limit = _SMALL, len(_SMALL)
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


# The codes of 0 ... 32**3 - 1 (one, two or three characters), by value; the first
# character of a code holds the lowest bits.
_MORE = ALPHABET[32:]
_SMALL = [*ALPHABET[:32], *(low + high for high in ALPHABET[1:32] for low in _MORE),
          *(low + mid + high for high in ALPHABET[1:32] for mid in _MORE for low in _MORE)]
_SMALL_VALUE = {code: value for value, code in enumerate(_SMALL)}
# One number: characters saying more follow (ALPHABET[32:]), then one that ends it.
_NUMBER = re.compile(r"[g-z0-9_-]*[A-Za-f]")


def decode_postings(text: str) -> list[int]:
    """The inverse of encode_postings (search.js has its own)."""
    numbers = _NUMBER.findall(text)
    if sum(map(len, numbers)) != len(text):
        raise ValueError(f"not encoded postings: {text[:40]!r}")
    try:
        gaps = list(map(_SMALL_VALUE.__getitem__, numbers))
    except KeyError:  # a number of four characters or more
        gaps = [_SMALL_VALUE.get(number) or _vlq_value(number) for number in numbers]
    return list(accumulate(gaps))


def _vlq_value(code: str) -> int:
    value = 0
    for shift, char in enumerate(code):
        value |= (ALPHABET.index(char) & 31) << (5 * shift)
    return value


Parts = tuple[tuple[str, ...], tuple[bytes, ...]]   # an episode's record texts, text files


@dataclass(frozen=True)
class EpisodeEntry:
    """What the index holds of one episode. Its record texts and text files are made on
    first use: a build that patches the postings of a saved state needs them only for
    the episodes that changed."""
    episode: Episode
    meta: int
    version: str         # chunk k is at f"t/{slug}/{version}.{k}.json"
    count: int           # records
    parts: Callable[[], Parts] = field(repr=False, compare=False)

    @cached_property
    def _parts(self) -> Parts:
        return self.parts()

    @property
    def texts(self) -> tuple[str, ...]:
        """The text of each record, in order."""
        return self._parts[0]

    @property
    def chunks(self) -> tuple[bytes, ...]:
        return self._parts[1]

    def manifest(self) -> dict:
        return {
            "slug": self.episode.slug,
            "title": self.episode.title,
            "url": episode_url(self.episode),
            "date": self.episode.date.date().isoformat(),
            "records": self.count,
            "meta": self.meta,
            "text": self.version,
        }

    @cached_property
    def manifest_json(self) -> bytes:
        return _json(self.manifest())


def index_files(site: Site, state: IndexState | None = None) -> dict[str, bytes]:
    """Every file of the index, by path relative to the site root.

    `state` is what the previous call with it knew: given the same one again, the
    postings of unchanged episodes are patched instead of recomputed, and shards
    whose terms did not change are not encoded again. The files are the same
    either way.
    """
    entries = [_entry(episode) for episode in site.episodes]
    files = _index_files(entries, state if state is not None else IndexState())
    for made in entries:
        files.update(text_files(made))
    return files


def _index_files(entries: list[EpisodeEntry], state: IndexState) -> dict[str, bytes]:
    """The manifest, shard and postings files of `entries`, patching `state`."""
    files: dict[str, bytes] = {}
    state.update(entries)
    shards = state.shards(files)
    head = _json({
        "version": FORMAT_VERSION,
        "chunk": CHUNK_RECORDS,
        "records": sum(count for _slug, count in state.layout),
        "terms": len(state.order),
        "shards": shards,
    })
    # The episodes' part is joined from each one's JSON: the bytes of _json(whole manifest).
    episodes = b",".join([made.manifest_json for made in entries])
    files[MANIFEST] = b"%s,\"episodes\":[%s]}" % (head[:-1], episodes)
    return files


def _entry(episode: Episode) -> EpisodeEntry:
    records, meta = episode_records(episode)
    chunks = tuple(_json({"records": records[i:i + CHUNK_RECORDS]})
                   for i in range(0, len(records), CHUNK_RECORDS))
    # The version names the text files: it changes exactly when their content does.
    version = _version(chunks)
    texts = tuple(map(operator.itemgetter(1), records))
    return EpisodeEntry(episode, meta, version, len(records), _given((texts, chunks)))


def _version(chunks: Sequence[bytes]) -> str:
    """The SHA-256 of the chunks joined by newlines, 10 hex digits: it names them."""
    digest = hashlib.sha256(chunks[0] if chunks else b"")
    for chunk in islice(chunks, 1, None):
        digest.update(b"\n")
        digest.update(chunk)
    return digest.hexdigest()[:10]


def _given(parts: Parts) -> Callable[[], Parts]:
    return lambda: parts


def text_files(entry: EpisodeEntry) -> dict[str, bytes]:
    """An episode's text files, by path relative to the site root."""
    return {f"{INDEX_DIR}/{text_path(entry.episode.slug, entry.version, number)}": chunk
            for number, chunk in enumerate(entry.chunks)}


def text_path(slug: str, version: str, chunk: int) -> str:
    """Where chunk `chunk` of an episode's record text lives, under search/index/."""
    return f"t/{slug}/{version}.{chunk}.json"


def _postings(texts: Iterable[Sequence[str]]) -> dict[str, bytearray]:
    """term -> the numbers of the records (counted from 0) it occurs in, packed as _ID,
    once for each time it occurs there; `texts` holds each episode's record texts."""
    # Millions of record-word pairs: the loop over a record's words runs in C (map), one
    # dictionary lookup and one append each. Ids go into bytearrays, which hold no
    # objects for the garbage collector to walk, unlike lists of ints. A record's words
    # are not made a set first: that costs more than filing the repeats, which the
    # encoder drops (a gap of 0).
    postings: defaultdict[bytes, bytearray] = defaultdict(bytearray)
    ids_of, extend, consume = postings.__getitem__, bytearray.extend, deque(maxlen=0).extend
    numbers = map(_ID.pack, range(1 << 31))
    for words in chain.from_iterable(map(_raw_words, texts)):
        consume(map(extend, map(ids_of, words), repeat(next(numbers))))
    return {term.decode(): ids for term, ids in postings.items() if _indexed(term)}


# Packed postings are encoded with arithmetic on one integer holding them all, a field
# of 32 bits an id, as long as ids stay below 32**4 (four characters a gap at most).
_PACKED_LIMIT = 32 ** 4
_ONE = _ID.pack(1)
# Added to a field holding a gap, these set its top bit when the gap is at least 32**k
_AT_LEAST = [(1 << 31) - 32 ** k for k in range(4)]
# The bytes of a field after byte k, all absent
_ABSENT_AFTER = [0xFFFFFFFF & ~((1 << 8 * (k + 1)) - 1) for k in range(4)]
# Byte -> its character: 0 ... 63 the digits; 255 stands for no digit and is deleted
_DIGITS = bytes(ALPHABET.encode()[b] if b < 64 else 0 for b in range(256))


def _encode_packed(ids: bytes) -> tuple[str, int]:
    """encode_postings of the distinct ids packed in `ids` (as _ID, ascending, an id
    maybe repeated), and how many they are."""
    fields = len(ids) >> 2
    if fields < 2 or int.from_bytes(ids[-4:], "little") >= _PACKED_LIMIT:
        distinct = _unpack(ids)
        return encode_postings(distinct), len(distinct)
    ones = int.from_bytes(_ONE * fields, "little")
    packed = int.from_bytes(ids, "little")
    # Field i of `gaps`: id i minus id i-1 (field 0: id 0); none is negative, none borrows.
    gaps = packed - ((packed << 32) & ((1 << 32 * fields) - 1))
    # 1 in each field with a digit k: at k = 0, the first and those with a gap (0 is a repeat)
    has_digit = ((gaps + ones * _AT_LEAST[0]) >> 31) & ones | 1
    count = has_digit.bit_count()
    # Byte k of a field: digit k of its gap (plus 32 when more follow), or 255 for none.
    chars, low_bits = 0, ones * 31
    for k in range(4):
        more = ((gaps + ones * _AT_LEAST[k + 1]) >> 31) & ones if k < 3 else 0
        digits = ((gaps >> 5 * k) & low_bits) + (more << 5) + (ones - has_digit) * 255
        chars += digits << 8 * k
        if not more:
            chars += ones * _ABSENT_AFTER[k]
            break
        has_digit = more
    encoded = chars.to_bytes(len(ids), "little").translate(_DIGITS, b"\xff")
    return encoded.decode("ascii"), count


def _unpack(ids: bytes) -> list[int]:
    """The distinct ids packed in `ids`."""
    return list(dict.fromkeys(number for (number,) in _ID.iter_unpack(ids)))


def _layout(entries: list[EpisodeEntry]) -> list[tuple[str, int]]:
    """What record ids depend on: the episodes in order and their record counts."""
    return [(entry.episode.slug, entry.count) for entry in entries]


@dataclass(frozen=True)
class _Segment:
    """A run of terms, encoded: its shards' (first term, file) and all its files by path."""
    listing: tuple[tuple[str, str], ...]
    files: tuple[tuple[str, bytes], ...]


class IndexState:
    """The postings of the site and the shards cut from them, kept between builds.

    `update` patches the postings of the episodes whose records changed when the
    episodes and their record counts stay as they were (a typo fixed, a speaker
    renamed); anything else recomputes them. Shard boundaries are fixed by the
    terms themselves (see `shards`), so a change to one term re-encodes only the
    segment around it.

    Between builds every term's postings are kept encoded, as in the shards; a
    term's ids are decoded only when an edit adds or removes a record of it.
    `snapshot` and `restore` carry the state to another process (see
    write_search_index), where `recall` finds the record texts of an episode
    as the snapshot knew them.
    """

    def __init__(self, scope: str = "") -> None:
        self.scope = scope                               # the build scope it was made in
        self.entries: list[EpisodeEntry] = []            # empty in a restored state
        self.layout: list[tuple[str, int]] = []          # _layout of the entries
        self.versions: list[str] = []                    # the entries' text versions
        self.metas: list[int] = []                       # and their counts of non-turn records
        self.entry_keys: list[str] = []                  # what names each (write_search_index)
        self.recall: Callable[[int], Sequence[str] | None] = lambda index: None
        self.order: list[str] = []                       # the terms in JavaScript order
        self.keys: list[bytes] = []                      # _js_order of each of them
        self.encoded: dict[str, str] = {}                # every term's postings, once shards ran
        self.counts: dict[str, int] = {}                 # and how many records that is
        # decoded: every term after a rebuild (packed, see _postings), else the ones changed
        self.postings: dict[str, list[int] | bytearray] = {}
        self.dirty: set[str] | None = None               # None: every term
        self.firsts: list[str] = [""]                    # the terms segments start at
        self.first_keys: list[bytes] = [b""]
        self.segments: dict[str, _Segment] = {}
        self.own: dict[str, tuple[str, bytes]] = {}      # own-file postings: path, payload

    def update(self, entries: list[EpisodeEntry]) -> None:
        layout = _layout(entries)
        if not self.layout or layout != self.layout or not self._patch(entries):
            self._rebuild(entries)
        self.entries, self.layout = entries, layout
        self.versions = [entry.version for entry in entries]
        self.metas = [entry.meta for entry in entries]

    def _rebuild(self, entries: list[EpisodeEntry]) -> None:
        self.postings = _postings([entry.texts for entry in entries])
        self.order = sorted(self.postings, key=_js_order)
        self.keys = [_js_order(term) for term in self.order]
        self.encoded, self.counts, self.dirty = {}, {}, None

    def _patch(self, entries: list[EpisodeEntry]) -> bool:
        """Patch the postings for the records whose text changed; False when the
        records some changed episode had are not known (then nothing was patched)."""
        changed = []
        offset = 0
        for index, (version, new) in enumerate(zip(self.versions, entries)):
            if version != new.version:
                before = self.entries[index].texts if self.entries else self.recall(index)
                if before is None or len(before) != new.count:
                    return False
                changed.append((offset, before, new.texts))
            offset += new.count
        self.dirty = set()
        for offset, before, after in changed:
            for number, (old, now) in enumerate(zip(before, after)):
                if old != now:   # postings hold record numbers by text
                    self._retext(offset + number, term_set(old), term_set(now))
        return True

    def _retext(self, record: int, before: set[bytes], after: set[bytes]) -> None:
        """Record `record` held the terms `before` and holds `after` now."""
        for term in before - after:
            self._remove(term.decode(), record)
        for term in after - before:
            self._add(term.decode(), record)

    def _ids(self, term: str) -> list[int] | None:
        """The postings of `term` as a list to change (kept); None if it has none."""
        ids = self.postings.get(term)
        if ids is None:
            if term not in self.encoded:
                return None
            ids = decode_postings(self.encoded[term])
        elif not isinstance(ids, list):   # a rebuild's buffer, not encoded yet
            ids = _unpack(ids)
        self.postings[term] = ids
        return ids

    def _add(self, term: str, record: int) -> None:
        self.dirty.add(term)  # type: ignore[union-attr]
        postings = self._ids(term)
        if postings is None:
            postings = self.postings[term] = []
            key = _js_order(term)
            at = bisect.bisect_left(self.keys, key)
            self.keys.insert(at, key)
            self.order.insert(at, term)
        postings.insert(bisect.bisect_left(postings, record), record)

    def _remove(self, term: str, record: int) -> None:
        self.dirty.add(term)  # type: ignore[union-attr]
        postings = self._ids(term)
        assert postings is not None, term
        del postings[bisect.bisect_left(postings, record)]
        if not postings:
            del self.postings[term]
            self.encoded.pop(term, None)
            self.counts.pop(term, None)
            at = bisect.bisect_left(self.keys, _js_order(term))
            del self.keys[at], self.order[at]

    def _term_entry(self, term: str, own: list[tuple[str, bytes]]) -> list:
        """The shard entry of `term`: [count, postings] or [count, None, file]."""
        dirty = self.dirty is None or term in self.dirty
        if dirty:
            ids = self.postings[term]
            if isinstance(ids, list):
                encoded, count = encode_postings(ids), len(ids)
            else:   # a rebuild's buffer
                encoded, count = _encode_packed(ids)
            self.encoded[term], self.counts[term] = encoded, count
        else:
            encoded, count = self.encoded[term], self.counts[term]
        if len(encoded) <= OWN_FILE_BYTES:
            return [count, encoded]
        found = self.own.get(term) if not dirty else None
        if found is None:
            payload = _json({"term": term, "postings": encoded})
            found = self.own[term] = (_hashed_path("p", payload), payload)
        own.append(found)
        return [count, None, found[0]]

    def shards(self, files: dict[str, bytes]) -> list[tuple[str, str]]:
        """The shards, their files added to `files`; returns [(first term, file), ...].

        The terms fall into segments, each starting at a term that `_cuts`; a
        segment is cut into shards of at most SHARD_BYTES. Only segments holding a
        changed term are encoded again.
        """
        stale = self._resegment()
        listed: list[tuple[str, str]] = []
        for at, first in enumerate(self.firsts):
            segment = self.segments.get(first)
            if segment is None or first in stale:
                low = bisect.bisect_left(self.keys, self.first_keys[at])
                high = (bisect.bisect_left(self.keys, self.first_keys[at + 1])
                        if at + 1 < len(self.firsts) else len(self.order))
                segment = self.segments[first] = self._encode(self.order[low:high])
            listed += segment.listing
            files.update(segment.files)
        if not listed:
            empty = _json({"terms": {}})
            files[f"{INDEX_DIR}/{_hashed_path('s', empty)}"] = empty
            listed.append(("", _hashed_path("s", empty)))
        listed[0] = ("", listed[0][1])  # the first shard also holds what sorts before its first term
        self.segments = {first: self.segments[first] for first in self.firsts}
        self.own = {term: own for term, own in self.own.items() if term in self.counts}
        if self.dirty is None:
            self.postings = {}   # encoded now; a later edit decodes the few terms it changes
        return listed

    def _resegment(self) -> set[str]:
        """Update the segment starts for the changed terms; the segments to encode again."""
        if self.dirty is None:
            self.firsts = [""] + [term for term in self.order if _cuts(term)]
            self.first_keys = [_js_order(term) for term in self.firsts]
            self.segments = {}
            return set(self.firsts)
        stale: set[str] = set()
        for term in self.dirty:
            if not _cuts(term):
                continue
            key = _js_order(term)
            at = bisect.bisect_left(self.first_keys, key)
            listed = at < len(self.firsts) and self.firsts[at] == term
            if (term in self.postings) != listed:  # a segment starts here now, or no more
                stale.add(self.firsts[at - 1])       # the segment before gains or loses terms
                if listed:
                    del self.firsts[at], self.first_keys[at]
                else:
                    self.firsts.insert(at, term)
                    self.first_keys.insert(at, key)
        for term in self.dirty:
            at = bisect.bisect_right(self.first_keys, _js_order(term)) - 1
            stale.add(self.firsts[at])
        return stale

    def _encode(self, terms: list[str]) -> _Segment:
        """One segment's terms as shards of at most about SHARD_BYTES, and their own files."""
        listing: list[tuple[str, str]] = []
        made: list[tuple[str, bytes]] = []
        own: list[tuple[str, bytes]] = []
        current: dict[str, list] = {}
        size = 0
        for term in terms:
            if current and size >= SHARD_BYTES:
                _add_shard(current, listing, made)
                current, size = {}, 0
            entry = current[term] = self._term_entry(term, own)
            size += len(term) + len(entry[1] or entry[2]) + 16
        if current:
            _add_shard(current, listing, made)
        made += ((f"{INDEX_DIR}/{path}", payload) for path, payload in own)
        return _Segment(tuple(listing), tuple(made))

    def snapshot(self) -> tuple:
        """What `restore` needs, as plain data (after `shards`)."""
        return (SNAPSHOT_VERSION, self.layout, self.versions, self.metas, self.entry_keys,
                list(self.order),
                [self.encoded[term] for term in self.order],
                [self.counts[term] for term in self.order])

    @classmethod
    def restore(cls, scope: str, snapshot: tuple) -> IndexState | None:
        """The state `snapshot` was taken of (its shards to be encoded again), or None.
        Set `recall` for it to patch postings rather than rebuild them."""
        if not isinstance(snapshot, tuple) or snapshot[:1] != (SNAPSHOT_VERSION,):
            return None
        state = cls(scope)
        _version, state.layout, state.versions, state.metas, state.entry_keys, state.order, \
            encoded, counts = snapshot
        state.keys = [_js_order(term) for term in state.order]
        state.encoded = dict(zip(state.order, encoded))
        state.counts = dict(zip(state.order, counts))
        state.firsts = [""] + [term for term in state.order if _cuts(term)]
        state.first_keys = [_js_order(term) for term in state.firsts]
        return state


def _add_shard(terms: dict[str, list], listing: list[tuple[str, str]],
               made: list[tuple[str, bytes]]) -> None:
    payload = _json({"terms": terms})
    path = _hashed_path("s", payload)
    listing.append((next(iter(terms)), path))
    made.append((f"{INDEX_DIR}/{path}", payload))


def _cuts(term: str) -> bool:
    """Whether `term` starts a segment: about one term in CUT_EVERY, fixed by its text."""
    return zlib.crc32(term.encode()) % CUT_EVERY == 0


def _js_order(term: str) -> bytes:
    # JavaScript compares strings by UTF-16 code units; search.js binary-searches shards.
    return term.encode("utf-16-be", "surrogatepass")


def _hashed_path(folder: str, payload: bytes) -> str:
    return f"{folder}/{hashlib.sha256(payload).hexdigest()[:12]}.json"


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_search_index(site: Site, renderer: Renderer, staging: Staging) -> None:
    state, published_key = _index_state(staging)
    entries, keys = _entries(site, staging, state)
    files = _index_files(entries, state)
    state.entry_keys = keys
    for made in entries:
        # An episode's text files are named by their version: one check keeps them all.
        group = f"search-text:{made.episode.slug}"
        if not staging.keep_group(group, made.version):
            staging.start_group(group, made.version)
            for path, payload in text_files(made).items():
                staging.write(path, payload, group=group)
    manifest_hash = hashlib.sha256(files[MANIFEST]).hexdigest()
    for path, payload in files.items():
        # Every other path names its content, so an unchanged path is an unchanged file.
        depends_on = [manifest_hash] if path == MANIFEST else []
        staging.cached(path, depends_on, lambda payload=payload: payload)
    if published_key is not None:
        # For the next process building this output: the postings of this index, found
        # by the hash of its manifest. Written now; a build that fails later leaves the
        # published manifest, and so the key of the state that matches it, as they were.
        key = _snapshot_key(staging, manifest_hash)
        staging.memos.get(key, state.snapshot)
        if published_key != key:   # the state of the index replaced: the store may drop it
            staging.memos.used.discard(published_key)
    log.info("search index: %d shard and postings files", len(files) - 1)


def _index_state(staging: Staging) -> tuple[IndexState, str | None]:
    """The index state this process kept (a dev server's), else the one saved with the
    published index, else a new one; and the key the published index's state was looked
    up by ("" without one; None for a state this process kept, which it does not save)."""
    state = staging.resident.get("search-index")
    if isinstance(state, IndexState) and state.scope == staging.scope:
        return state, None
    try:
        published = (staging.target / MANIFEST).read_bytes()
    except OSError:
        published = None
    key = _snapshot_key(staging, hashlib.sha256(published).hexdigest()) if published else ""
    state = (_saved_state(staging, key) if key else None) or IndexState(staging.scope)
    staging.resident["search-index"] = state
    return state, key


def _saved_state(staging: Staging, key: str) -> IndexState | None:
    """The state saved under `key`, set to read an edited episode's records from the output."""
    snapshot = staging.memos.recall(key)
    state = IndexState.restore(staging.scope, snapshot) if snapshot is not None else None
    if state is not None:
        state.recall = partial(_published_texts, staging.target, list(state.layout),
                               list(state.versions))
    return state


def _published_texts(target: Path, layout: list[tuple[str, int]], versions: list[str],
                     index: int) -> Sequence[str] | None:
    """The record texts of episode `index` of a saved state, from its text files in the
    output, if they are still there and are what their version names."""
    (slug, count), version = layout[index], versions[index]
    chunks = []
    for number in range(-(-count // CHUNK_RECORDS)):
        try:
            chunks.append((target / INDEX_DIR / text_path(slug, version, number)).read_bytes())
        except OSError:
            return None
    if _version(chunks) != version:
        return None
    return [record[1] for chunk in chunks for record in json.loads(chunk)["records"]]


def _snapshot_key(staging: Staging, manifest_hash: str) -> str:
    return staging.key("memo:search-state", [manifest_hash])


def _entries(site: Site, staging: Staging,
             state: IndexState) -> tuple[list[EpisodeEntry], list[str]]:
    """The episodes' entries, and the key that names each (scope and episode).

    An episode object this process indexed before (a dev server's unchanged episode)
    keeps the entry made then; one a saved state knew by its key is taken from the
    state, its records made again only if needed; any other is made afresh (which
    costs less than reading a cached copy would).
    """
    known = {id(made.episode): (made, key) for made, key in zip(state.entries, state.entry_keys)}
    saved = {} if state.entries else {
        key: (meta, version, count) for key, meta, version, (_slug, count)
        in zip(state.entry_keys, state.metas, state.versions, state.layout)}
    entries, keys = [], []
    for episode in site.episodes:
        made, key = known.get(id(episode), (None, ""))
        if made is None or made.episode is not episode:
            key = staging.key("search-entry", [episode])
            if key in saved:
                made = EpisodeEntry(episode, *saved[key], partial(_entry_parts, episode))
            else:
                made = _entry(episode)
        entries.append(made)
        keys.append(key)
    return entries, keys


def _entry_parts(episode: Episode) -> Parts:
    made = _entry(episode)
    return made.texts, made.chunks
