"""The search index (sitegen/outputs/search.py) and the /search/ page in a browser."""
from __future__ import annotations

import bisect
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.build import BuildOptions, BuildSession, build, load_site
from sitegen.errors import Problems
from sitegen.model import Site
from sitegen.output import Staging
from sitegen.outputs import search
from tests.conftest import REPO
from tests.helpers import serve_static


def load(root: Path, path: str) -> dict:
    return json.loads((root / "search" / "index" / path).read_text(encoding="utf-8"))


class Index:
    """A reader of a built index, looking terms up the way search.js does."""

    def __init__(self, public: Path):
        self.public = public
        self.manifest = load(public, "manifest.json")
        self.firsts = [search._js_order(s[0]) for s in self.manifest["shards"]]
        self.offsets = []
        total = 0
        for episode in self.manifest["episodes"]:
            self.offsets.append(total)
            total += episode["records"]

    def postings(self, term: str) -> list[int]:
        at = bisect.bisect_right(self.firsts, search._js_order(term)) - 1
        entry = load(self.public, self.manifest["shards"][at][1])["terms"].get(term)
        if entry is None:
            return []
        encoded = entry[1] if entry[1] is not None else load(self.public, entry[2])["postings"]
        ids = search.decode_postings(encoded)
        assert len(ids) == entry[0]
        return ids

    def record(self, record_id: int) -> tuple[dict, list]:
        e = bisect.bisect_right(self.offsets, record_id) - 1
        episode = self.manifest["episodes"][e]
        local = record_id - self.offsets[e]
        chunk = load(self.public, search.text_path(
            episode["slug"], episode["text"], local // self.manifest["chunk"]))
        return episode, chunk["records"][local % self.manifest["chunk"]]

    def all_records(self):
        for record_id in range(self.manifest["records"]):
            yield record_id, *self.record(record_id)


# ---- tokenizer and postings encoding ----

def test_terms_fold_case_accents_and_apostrophes():
    assert search.terms("Café DON'T naïve—Zoë’s 42nd") == ["cafe", "dont", "naive", "zoes",
                                                          "42nd"]
    assert search.terms("snake_case ﬁne") == ["snakecase", "fine"]
    assert search.terms("x" * 61 + " ok") == ["ok"]


@given(st.text() | st.text(alphabet=st.characters(max_codepoint=127)))
def test_fast_term_set_agrees_with_the_tokenizer(text):
    assert search.term_set(text) == {t.encode() for t in search.terms(text)}


def test_long_words_are_indexed_by_their_length_in_characters():
    """The length limit counts characters, as search.js does: a 40-letter Greek word is
    80 bytes in UTF-8 and still indexed; 61 letters are not."""
    kept, dropped = "λ" * 40, "λ" * 61
    text = f"{kept} {dropped} ok"
    assert search.terms(text) == [kept, "ok"]
    assert search.term_set(text) == {kept.encode(), b"ok"}
    assert set(search._postings([[text]])) == {kept, "ok"}


@given(st.lists(st.integers(0, 5_000_000), unique=True))
def test_postings_round_trip(ids):
    ids = sorted(ids)
    encoded = search.encode_postings(ids)
    assert set(encoded) <= set(search.ALPHABET)
    assert search.decode_postings(encoded) == ids


def test_postings_example_in_the_docs_is_right():
    doc = (REPO / "docs" / "search-index.md").read_text(encoding="utf-8")
    assert search.encode_postings([0, 1, 2, 40]) == "ABBmB"
    assert "`[0, 1, 2, 40]` encode as `ABBmB`" in doc
    assert search.ALPHABET in doc


def test_empty_site_has_a_valid_index():
    problems = Problems()
    site = load_site(BuildOptions(site_dir=REPO, output_dir=REPO / "public"), problems)
    files = search.index_files(Site(site.config, ()))
    manifest = json.loads(files["search/index/manifest.json"])
    assert manifest["episodes"] == [] and manifest["records"] == 0
    assert len(manifest["shards"]) == 1 and manifest["shards"][0][0] == ""
    shard = json.loads(files["search/index/" + manifest["shards"][0][1]])
    assert shard == {"terms": {}}


def test_postings_are_compact_for_dense_lists():
    assert search.encode_postings(list(range(1000))) == "A" + "B" * 999


# ---- the index of the example site ----

@pytest.fixture(scope="module")
def index(built_example: Path) -> Index:
    return Index(built_example)


def test_manifest_lists_published_episodes_only(index: Index):
    problems = Problems()
    site = load_site(BuildOptions(site_dir=REPO, output_dir=REPO / "public"), problems)
    slugs = [e["slug"] for e in index.manifest["episodes"]]
    assert slugs == [e.slug for e in site.episodes]
    assert len(slugs) == 4
    assert index.manifest["version"] == search.FORMAT_VERSION
    assert index.manifest["records"] == sum(e["records"] for e in index.manifest["episodes"])


def test_every_word_of_every_record_finds_that_record(index: Index):
    seen_kinds = set()
    postings_cache: dict[str, set[int]] = {}
    for record_id, _episode, record in index.all_records():
        seen_kinds.add(record[0])
        for term in set(search.terms(record[1])):
            if term not in postings_cache:
                postings_cache[term] = set(index.postings(term))
            assert record_id in postings_cache[term], (term, record[1][:60])
    assert seen_kinds == {"title", "summary", "speakers", "chapter", "notes", "turn"}
    assert len(postings_cache) == index.manifest["terms"]


def test_absent_words_have_no_postings(index: Index):
    assert index.postings("zzyzzyva") == []
    assert index.postings("") == []


def test_turn_hits_carry_speaker_time_and_an_anchor_on_the_episode_page(index: Index):
    checked = 0
    for _record_id, episode, record in index.all_records():
        kind, _text, start, anchor, speaker, speaker_slug = record
        if kind not in ("turn", "chapter"):
            continue
        html = (index.public / episode["url"] / "index.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in html, (episode["slug"], anchor)
        if kind == "turn":
            assert speaker and speaker_slug and isinstance(start, (int, float))
            turn = re.search(rf'<div class="turn [^"]*" id="{anchor}"[^>]*>', html)
            assert turn and f'data-speaker="{speaker_slug}"' in turn.group()
        checked += 1
    assert checked > 50


def test_show_notes_are_plain_text(index: Index):
    notes = [r[1] for _i, _e, r in index.all_records() if r[0] == "notes"]
    assert notes and not any("**" in n or "](" in n for n in notes)


def test_index_is_deterministic_and_content_addressed(example_site: Path, tmp_path: Path):
    build(BuildOptions(site_dir=example_site, output_dir=tmp_path / "a"))
    build(BuildOptions(site_dir=example_site, output_dir=tmp_path / "b"))
    a = {p.relative_to(tmp_path / "a"): p.read_bytes()
         for p in (tmp_path / "a" / "search").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes()
         for p in (tmp_path / "b" / "search").rglob("*") if p.is_file()}
    assert a == b
    hashed = [(path, data) for path, data in a.items() if path.parts[2:3] in (("s",), ("p",))]
    assert hashed
    for path, data in hashed:
        assert path.stem == hashlib.sha256(data).hexdigest()[:12]


def test_small_shards_and_own_postings_files(monkeypatch, tmp_path: Path):
    """A site cut into many shards still finds every term, in JavaScript's sort order."""
    monkeypatch.setattr(search, "SHARD_BYTES", 400)
    monkeypatch.setattr(search, "OWN_FILE_BYTES", 40)
    import sys
    sys.path.insert(0, str(REPO))
    from benchmarks.synth import generate
    site_dir = generate(tmp_path / "synth", 3, seed=5, words=600, turns=20)
    problems = Problems()
    site = load_site(BuildOptions(site_dir=site_dir, output_dir=tmp_path / "out"), problems)
    assert not problems.errors
    files = search.index_files(site)
    public = tmp_path / "out"
    for rel, data in files.items():
        (public / rel).parent.mkdir(parents=True, exist_ok=True)
        (public / rel).write_bytes(data)
    index = Index(public)
    shards = index.manifest["shards"]
    assert len(shards) > 20
    assert index.firsts == sorted(index.firsts)
    assert any(p.startswith("search/index/p/") for p in files)
    for record_id, _episode, record in index.all_records():
        for term in search.terms(record[1]):
            assert record_id in index.postings(term)


# ---- the search page in a browser ----

def _in_transcript(edit):
    def apply(text: str) -> str:
        head, marker, transcript = text.partition("## Transcript")
        return head + marker + edit(transcript)
    return apply


EDITS = {  # what an editor does to an episode between two builds of `sitegen serve`
    "typo made": _in_transcript(lambda t: t.replace(" the ", " teh ", 1)),
    "new word": _in_transcript(lambda t: t.replace(" the ", " the zyzzogeton ", 1)),
    "speaker renamed": lambda t: t.replace("Rafael Duarte", "Rafa Duarte"),
    "turn added": _in_transcript(lambda t: re.sub(
        r"^(Priya Nandakumar: \d+:\d\d) ", r"\1 One more thing, quickly.\n\n\1 ", t,
        count=1, flags=re.M)),
    "timestamp moved": _in_transcript(lambda t: t.replace(": 0:21 ", ": 0:22 ", 1)),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_patched_index_is_the_index_built_afresh(example_site: Path, monkeypatch, edit: str):
    """IndexState patches postings between builds; the files are those of a cold build."""
    monkeypatch.setattr(search, "SHARD_BYTES", 600)  # many shards, so reuse is exercised
    options = BuildOptions(site_dir=example_site, output_dir=example_site / "public")
    state = search.IndexState()
    search.index_files(load_site(options, Problems()), state=state)
    for path in sorted((example_site / "content" / "episodes").glob("*.md"))[:2]:
        path.write_text(EDITS[edit](path.read_text(encoding="utf-8")), encoding="utf-8")
    problems = Problems()
    edited = load_site(options, problems)
    assert not problems.errors, problems.items
    patched = search.index_files(edited, state=state)
    fresh = search.index_files(edited)
    assert patched.keys() == fresh.keys() and patched == fresh
    if edit == "turn added":
        assert state.dirty is None          # record ids moved: rebuilt
    else:
        assert state.dirty is not None and len(state.dirty) < 12


def _index_files_in(public: Path) -> dict[str, bytes]:
    root = public / "search" / "index"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _cold_index(site: Path, out: Path) -> dict[str, bytes]:
    shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
    build(BuildOptions(site_dir=site, output_dir=out), session=BuildSession())
    return _index_files_in(out)


@pytest.fixture
def rebuilds(monkeypatch) -> list[int]:
    """How many times the postings were computed from scratch (one process builds)."""
    monkeypatch.setenv("SITEGEN_JOBS", "1")
    monkeypatch.setattr(search, "SHARD_BYTES", 600)  # many shards, so reuse is exercised
    counted: list[int] = []
    postings = search._postings

    def counting(records):
        counted.append(1)
        return postings(records)

    monkeypatch.setattr(search, "_postings", counting)
    return counted


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_new_process_patches_the_saved_index(example_site: Path, tmp_path: Path,
                                               rebuilds: list[int], edit: str):
    """`sitegen build` after an edit patches the postings the build before saved (a new
    BuildSession is a new process); the index is that of a cold build."""
    options = BuildOptions(site_dir=example_site, output_dir=tmp_path / "public")
    build(options, session=BuildSession())
    assert rebuilds == [1]
    for path in sorted((example_site / "content" / "episodes").glob("*.md"))[:2]:
        path.write_text(EDITS[edit](path.read_text(encoding="utf-8")), encoding="utf-8")
    build(options, session=BuildSession())
    # Rebuilt when record ids moved, or when the build's scope changed (a renamed speaker
    # renames the speakers' stylesheet, which every page links to: nothing is reused).
    assert len(rebuilds) == (2 if edit in ("turn added", "speaker renamed") else 1)
    patched = _index_files_in(tmp_path / "public")
    assert patched == _cold_index(example_site, tmp_path / "cold")


def test_a_failed_build_leaves_the_saved_index_usable(example_site: Path, tmp_path: Path,
                                                      rebuilds: list[int], monkeypatch):
    """A build that fails after the index phase saves no state: the next one patches
    the state of the index still published, from the episodes as that build saw them."""
    options = BuildOptions(site_dir=example_site, output_dir=tmp_path / "public")
    build(options, session=BuildSession())
    first, second = sorted((example_site / "content" / "episodes").glob("*.md"))[:2]
    first.write_text(EDITS["new word"](first.read_text(encoding="utf-8")), encoding="utf-8")

    def fail(self):
        raise OSError("disk full")

    with monkeypatch.context() as failing:
        failing.setattr(Staging, "commit", fail)
        with pytest.raises(OSError):
            build(options, session=BuildSession())
    second.write_text(EDITS["typo made"](second.read_text(encoding="utf-8")), encoding="utf-8")
    build(options, session=BuildSession())
    assert rebuilds == [1]   # both edits patched into the state of the published index
    assert Index(tmp_path / "public").postings("zyzzogeton")   # the failed build's edit
    patched = _index_files_in(tmp_path / "public")
    assert patched == _cold_index(example_site, tmp_path / "cold")


def test_records_read_back_from_a_damaged_output_are_not_trusted(example_site: Path,
                                                                 tmp_path: Path,
                                                                 rebuilds: list[int]):
    """The records an edited episode had are read from its text files in the output,
    checked against their version: a damaged file means postings computed afresh."""
    options = BuildOptions(site_dir=example_site, output_dir=tmp_path / "public")
    build(options, session=BuildSession())
    first = sorted((example_site / "content" / "episodes").glob("*.md"))[0]
    first.write_text(EDITS["typo made"](first.read_text(encoding="utf-8")), encoding="utf-8")
    text = sorted((tmp_path / "public" / "search" / "index" / "t").rglob("*.0.json"))
    for path in text:
        path.write_bytes(path.read_bytes().replace(b"the", b"thy"))
    build(options, session=BuildSession())
    assert rebuilds == [1, 1]
    assert _index_files_in(tmp_path / "public") == _cold_index(example_site, tmp_path / "cold")


def _unique_phrase(index: Index) -> tuple[str, dict, list]:
    """Six words said in exactly one transcript turn, and that turn."""
    counts: dict[tuple[str, ...], int] = {}
    turns = []
    for _record_id, episode, record in index.all_records():
        words = search.terms(record[1])
        grams = {tuple(words[i:i + 6]) for i in range(len(words) - 5)}
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
        if record[0] == "turn" and record[2] > 0:
            turns.append((episode, record, words))
    for episode, record, words in turns:
        for i in range(len(words) - 6, -1, -1):
            if counts[tuple(words[i:i + 6])] == 1:
                text = record[1]
                spans = [m for m in re.finditer(r"[\w'’]+", text)
                         if 0 < len(search.fold(m.group())) <= search.MAX_TERM_LENGTH]
                return text[spans[i].start():spans[i + 5].end()], episode, record
    raise AssertionError("no unique phrase in the example transcripts")


def _absent_phrase(index: Index) -> str:
    """Two words that share a turn but are never said one after the other."""
    bigrams = set()
    records = [search.terms(r[1]) for _i, _e, r in index.all_records()]
    for words in records:
        bigrams.update(zip(words, words[1:]))
    for words in records:
        long = [w for w in dict.fromkeys(words) if len(w) > 6]
        for a, b in zip(long, long[1:]):
            if (b, a) not in bigrams:
                return f'"{b} {a}"'
    raise AssertionError("no candidate words")


@pytest.fixture
def served(built_example: Path, tmp_path: Path):
    """The built example site served under its base path (e.g. /loadpath/)."""
    form = (built_example / "search" / "index.html").read_text(encoding="utf-8")
    base = re.search(r'data-search-base="([^"]*)"', form).group(1).strip("/")
    root = tmp_path / "root"
    (root / base).parent.mkdir(parents=True, exist_ok=True)
    (root / base).symlink_to(built_example, target_is_directory=True)
    with serve_static(root) as url:
        yield url + base + "/"


def test_typing_a_transcript_phrase_lands_on_that_turn(page, served: str, index: Index):
    from playwright.sync_api import expect
    phrase, episode, record = _unique_phrase(index)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served + "search/")
    page.locator("#search-q").press_sequentially(phrase, delay=15)
    first = page.locator(".search-hit a").first
    expect(first).to_have_attribute("href", f"/{served.split('/', 3)[3]}{episode['url']}"
                                    f"#{record[3]}", timeout=10_000)
    expect(page.locator(".search-hit").first).to_contain_text(record[4])
    expect(first.locator("mark").first).to_be_visible()
    assert "?q=" in page.url
    first.click()
    page.wait_for_url(f"**#{record[3]}")
    turn = page.locator(f"[id='{record[3]}']")
    expect(turn).to_have_count(1)
    assert "turn" in (turn.get_attribute("class") or "")
    assert not errors


def test_quoted_phrase_said_nowhere_gives_no_results(page, served: str, index: Index):
    from playwright.sync_api import expect
    phrase = _absent_phrase(index)
    page.goto(served + "search/")
    page.locator("#search-q").fill(phrase)
    page.locator("#search-q").press("Enter")
    expect(page.locator("#search-status")).to_contain_text("No results", timeout=10_000)
    expect(page.locator(".search-hit")).to_have_count(0)
    # the same words unquoted do match
    page.locator("#search-q").fill(phrase.strip('"'))
    page.locator("#search-q").press("Enter")
    expect(page.locator(".search-hit").first).to_be_visible(timeout=10_000)


def test_query_in_the_url_searches_on_load_with_prefix_and_keyboard(page, served: str):
    from playwright.sync_api import expect
    page.goto(served + "search/?q=espress")
    expect(page.locator("#search-q")).to_have_value("espress")
    hits = page.locator(".search-hit a")
    expect(hits.first).to_be_visible(timeout=10_000)
    expect(hits.first.locator("mark").first).to_contain_text(re.compile("espresso", re.I))
    expect(page.locator("#search-status")).to_contain_text("episode")
    assert page.locator("#search-status").get_attribute("aria-live") == "polite"
    page.locator("#search-q").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement === document.querySelector('.search-hit a')")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement === document.querySelectorAll('.search-hit a')[1]")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "search-q"
