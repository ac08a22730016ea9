"""The search index's fast paths against straightforward references: the records made
in bulk against one Record at a time, the words filed without a set per record against
each record's term set, the postings encoded with integer arithmetic against
encode_postings, the text version hashed in pieces against one joined hash."""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.model import Chapter, Episode, Speaker, Turn
from sitegen.outputs import search
from sitegen.render.markdown import plain_text

# --- records, one at a time ---------------------------------------------------------------


def reference_plain(markdown: str) -> str:
    if any(c in markdown for c in "*_`[]<>&\\~|#") or "://" in markdown:
        return plain_text(markdown)
    return markdown.strip()


def reference_records(episode: Episode) -> tuple[list[list], int]:
    """The records as the format describes them, each made on its own."""
    records = [["title", episode.title, None, "", "", ""]]
    if episode.summary:
        records.append(["summary", " ".join(episode.summary.split()), None, "", "", ""])
    if episode.speakers:
        names = ", ".join(s.name for s in episode.speakers_in_order())
        records.append(["speakers", names, None, "", "", ""])
    for index, chapter in enumerate(episode.chapters, 1):
        turn = episode.turn_at(chapter.start)
        anchor = turn.anchor if turn else f"chapter-{index}"
        records.append(["chapter", chapter.title, round(chapter.start, 3), anchor, "", ""])
    for block in search._blocks(episode.notes):
        text = reference_plain(block)
        if text:
            records.append(["notes", text, None, "", "", ""])
    meta = len(records)
    for turn in episode.turns:
        speaker = episode.speaker(turn.speaker_id)
        text = " ".join(reference_plain(p) for p in turn.paragraphs)
        records.append(["turn", text, round(turn.start, 3), turn.anchor, speaker.name,
                        speaker.slug])
    return records, meta


words = st.sampled_from(["the", "Café", "don't", "snake_case", "a*b", "[link](x)", "x://y",
                         "<b>", "&amp;", "#tag", "~", "|", "`code`", "naïve", "\\", "e\x00f",
                         "ﬁne", "Zoë’s", "42", "\u00a0", "\t", "end."])
paragraph = st.lists(words, min_size=0, max_size=6).map(" ".join) \
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


SPEAKERS = (Speaker("g", "Guest Person", "guest-person"),
            Speaker("h", "Host Person", "host-person", role="host"))


@st.composite
def episodes(draw) -> Episode:
    starts = sorted(draw(st.lists(st.sampled_from([0.0, 1.0, 2.5, 7.1234, 60.0, 90.5]),
                                  max_size=8)))
    if draw(st.booleans()):
        starts.reverse()   # out of order: chapters find their turn as turn_at does
    turns = tuple(Turn(draw(st.sampled_from("hg")), start,
                       tuple(draw(st.lists(paragraph, min_size=1, max_size=3))), line=i,
                       anchor=f"t-{i}")
                  for i, start in enumerate(starts))
    chapters = tuple(Chapter(start, draw(paragraph))
                     for start in draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, 59.9999999,
                                                                 100.0]), max_size=4)))
    notes = "\n\n".join(draw(st.lists(paragraph, max_size=4)))
    speakers = SPEAKERS if turns or draw(st.booleans()) else ()   # turns need theirs
    return Episode(Path("e.md"), "e", draw(paragraph) or "T", datetime(2026, 1, 1), "g",
                   summary=draw(paragraph), notes=notes, speakers=speakers,
                   chapters=chapters, turns=turns)


LINKED = Episode(Path("e.md"), "e", "T", datetime(2026, 1, 1), "g", speakers=SPEAKERS,
                 turns=(Turn("h", 0.0, ("see http://a.example  now",), line=1),))


@settings(max_examples=300, deadline=None)
@given(episodes())
@example(LINKED)   # plain_text, not strip: its spaces are collapsed
def test_records_are_those_made_one_at_a_time(episode):
    records, meta = search.episode_records(episode)
    assert ([list(record) for record in records], meta) == reference_records(episode)
    chunk = search._json({"records": records})
    assert chunk == search._json({"records": reference_records(episode)[0]})


# --- postings, one record's term set at a time ------------------------------------------

def reference_postings(texts: list[list[str]]) -> dict[str, list[int]]:
    postings: dict[str, list[int]] = {}
    number = 0
    for episode in texts:
        for text in episode:
            for term in search.term_set(text):
                postings.setdefault(term.decode(), []).append(number)
            number += 1
    return postings


record_text = st.lists(words, max_size=8).map(" ".join) | st.text(max_size=20) \
    | st.just("x" * 61 + " " + "y" * 60)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(record_text, max_size=6), max_size=5))
def test_words_filed_without_sets_give_each_records_terms(texts):
    postings = search._postings(texts)
    expected = reference_postings(texts)
    assert {term: search._unpack(ids) for term, ids in postings.items()} == expected
    for term, ids in postings.items():
        assert search._encode_packed(ids) == (search.encode_postings(expected[term]),
                                              len(expected[term]))


@given(st.lists(st.integers(0, 40), min_size=1, max_size=60),
       st.sampled_from([0, 1, 30, 1000, 40_000, search._PACKED_LIMIT - 50_000,
                        search._PACKED_LIMIT - 1, search._PACKED_LIMIT]))
@example([0, 0, 0], 0)
@example([31, 1, 0, 992, 31744], 0)   # gaps of 31, 32, 32, 1024, 32768: every digit count
def test_packed_encoding_is_encode_postings_of_the_distinct_ids(steps, base):
    ids, at = [], base
    for step in steps:
        at += step
        ids.append(at)   # ascending; a step of 0 repeats an id, as a record's words do
    packed = b"".join(search._ID.pack(number) for number in ids)
    distinct = sorted(set(ids))
    assert search._encode_packed(packed) == (search.encode_postings(distinct), len(distinct))
    assert search._unpack(packed) == distinct


@given(st.lists(st.binary(max_size=30), max_size=5))
def test_text_version_is_the_hash_of_the_joined_chunks(chunks):
    assert search._version(chunks) == hashlib.sha256(b"\n".join(chunks)).hexdigest()[:10]
