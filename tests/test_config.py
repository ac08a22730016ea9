"""site.yaml: every problem with its key and line, unknown keys warned, Apple categories."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.config import APPLE_CATEGORIES, SITE_FIELDS, load_config
from sitegen.errors import Problems
from sitegen.model import SiteConfig

from .conftest import REPO

MINIMAL = "title: Bench Talk\ndescription: Two people at a workbench.\n" \
          "base_url: https://example.org/bench\n"


def load(tmp_path: Path, text: str | bytes) -> tuple[SiteConfig, Problems]:
    path = tmp_path / "site.yaml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    problems = Problems()
    return load_config(tmp_path, problems), problems


def test_example_site_config_is_clean() -> None:
    problems = Problems()
    config = load_config(REPO, problems)
    assert problems.items == []
    assert config.title == "Load Path"
    assert config.categories == (("Technology",), ("Science", "Physics"))
    assert {p.id for p in config.people} >= {"priya", "tom", "helen"}


def test_minimal_config_and_defaults(tmp_path: Path) -> None:
    config, problems = load(tmp_path, MINIMAL)
    assert problems.items == []
    assert config.base_url == "https://example.org/bench/"
    assert config.base_path == "/bench/"
    assert (config.language, config.theme, config.output_dir, config.content_dir) == \
        ("en", "default", "public", "content")
    assert (config.episodes_per_page, config.explicit, config.timezone) == (10, False, "UTC")
    assert config.categories == () and config.people == ()
    assert config.transcript_formats == ("vtt", "srt", "json", "html")


def test_every_key_read(tmp_path: Path) -> None:
    text = MINIMAL + """language: de-AT
author: Marta Vell
owner: {name: Marta Vell, email: marta@example.org}
artwork: art/cover.png
categories: [Leisure > Crafts, Education]
explicit: yes
copyright: CC BY 4.0
theme: workshop
output: site-out
content: src
episodes_per_page: 7
timezone: Europe/Vienna
type: serial
podcast_guid: 917393e3-1b1e-5cef-ace4-edaa54e1f810
locked: no
funding: [{title: Tip jar, url: https://example.org/tip}]
allow_html: true
transcripts: [vtt, json]
people:
  marta: {name: Marta Vell, color: "#AA3300", url: https://example.org/m}
  oskar: {name: Oskar Brandt, role: guest}
"""
    config, problems = load(tmp_path, text)
    assert problems.items == [], [p.format() for p in problems.items]
    assert config.language == "de-at"
    assert config.owner is not None and config.owner.email == "marta@example.org"
    assert config.artwork == "art/cover.png"
    assert config.categories == (("Leisure", "Crafts"), ("Education",))
    assert config.explicit is True and config.locked is False and config.allow_html is True
    assert (config.output_dir, config.content_dir, config.theme) == ("site-out", "src",
                                                                     "workshop")
    assert config.content_path == tmp_path / "src"
    assert (config.episodes_per_page, config.timezone, config.show_type) == \
        (7, "Europe/Vienna", "serial")
    assert config.podcast_guid == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert [(f.title, f.url) for f in config.funding] == [("Tip jar", "https://example.org/tip")]
    assert config.transcript_formats == ("vtt", "json")
    marta, oskar = config.people
    assert (marta.role, marta.color, marta.slug) == ("host", "#aa3300", "marta-vell")
    assert oskar.role == "guest"


def test_every_problem_reported_with_key_and_line(tmp_path: Path) -> None:
    text = """title: ""
description: About.
base_url: ftp://example.org/
language: english
owner: {name: Marta}
artwork: ../cover.png
categories: [Technolgy]
explicit: maybe
episodes_per_page: 0
timezone: Mars/Olympus
type: movie
podcast_guid: not-a-uuid
funding: [{title: Tip jar}]
output: /etc
transcripts: [vtt, docx]
people:
  marta: {role: host}
  oskar: {name: Oskar, color: red}
"""
    _, problems = load(tmp_path, text)
    found = {(p.line, p.message.split(":")[0]) for p in problems.errors}
    assert found == {
        (1, "title"), (3, "base_url"), (4, "language"), (5, "owner"), (6, "artwork"),
        (7, "categories"), (8, "explicit"), (9, "episodes_per_page"), (10, "timezone"),
        (11, "type"), (12, "podcast_guid"), (13, "funding"), (14, "output"),
        (15, "transcripts"), (17, "speaker 'marta' has no name"), (18, "color"),
    }, [p.format() for p in problems.items]
    assert all(p.path == tmp_path / "site.yaml" for p in problems.errors)
    formatted = problems.errors[0].format(tmp_path)
    assert formatted.startswith("site.yaml:1: error: title")


def test_missing_required_keys_each_named(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "author: Someone\n")
    missing = sorted(p.message for p in problems.errors)
    assert missing == [f"missing required key {k!r}" for k in
                       ("base_url", "description", "title")]
    assert all(p.hint and p.line == 1 for p in problems.errors)


@pytest.mark.parametrize("key, suggestion", [
    ("titel", "title"), ("categores", "categories"), ("episode_per_page", "episodes_per_page"),
    ("basse_url", "base_url"), ("langauge", "language"),
])
def test_unknown_keys_warned_with_did_you_mean(tmp_path: Path, key: str,
                                               suggestion: str) -> None:
    _, problems = load(tmp_path, MINIMAL + f"{key}: x\n")
    assert problems.errors == []
    [warning] = problems.warnings
    assert warning.line == 4 and key in warning.message
    assert warning.hint == f"did you mean {suggestion!r}?"


def test_unrelated_unknown_key_has_no_suggestion(tmp_path: Path) -> None:
    _, problems = load(tmp_path, MINIMAL + "zzzqqq: 1\n")
    [warning] = problems.warnings
    assert warning.hint is None


def test_unknown_key_inside_people_is_warned_at_its_line(tmp_path: Path) -> None:
    _, problems = load(tmp_path, MINIMAL + "people:\n  ada:\n    name: Ada\n    rol: host\n")
    [warning] = problems.warnings
    assert warning.line == 7 and warning.hint == "did you mean 'role'?"


@pytest.mark.parametrize("category", [
    "Technology", "Society & Culture > Documentary", "Health & Fitness > Mental Health",
    "News > Tech News", "TV & Film", "Kids & Family > Pets & Animals", "True Crime",
])
def test_apple_categories_accepted(tmp_path: Path, category: str) -> None:
    config, problems = load(tmp_path, MINIMAL + f'categories: ["{category}"]\n')
    assert problems.items == []
    assert config.categories == (tuple(p.strip() for p in category.split(">")),)


@pytest.mark.parametrize("category, words", [
    ("technology", "did you mean 'Technology'"),
    ("Tech", None),
    ("Science > Cooking", "Astronomy"),
    ("Arts > Books > Old", None),
    ("Society and Culture", "did you mean 'Society & Culture'"),
])
def test_categories_checked_against_apples_list(tmp_path: Path, category: str,
                                                 words: str | None) -> None:
    _, problems = load(tmp_path, MINIMAL + f'categories: ["{category}"]\n')
    [error] = problems.errors
    assert error.line == 4 and error.message.startswith("categories:")
    if words:
        assert words in (error.hint or "")


def test_every_bad_category_reported(tmp_path: Path) -> None:
    _, problems = load(tmp_path, MINIMAL + 'categories: [Technolgy, Science, "Arts > Cars"]\n')
    [error] = problems.errors
    assert "entry 1" in error.message and "entry 3" in error.message
    assert "entry 2" not in error.message


def test_category_list_is_apples() -> None:
    assert len(APPLE_CATEGORIES) == 19
    assert "Society & Culture" in APPLE_CATEGORIES
    assert "Documentary" in APPLE_CATEGORIES["Society & Culture"]
    assert APPLE_CATEGORIES["Technology"] == ()


def test_at_most_three_categories(tmp_path: Path) -> None:
    _, problems = load(tmp_path, MINIMAL + "categories: [Arts, History, Music, News]\n")
    assert [p.line for p in problems.errors] == [4]


@pytest.mark.parametrize("text, line, words", [
    ("title: [unclosed\n", 1, "YAML"),
    (MINIMAL + "title: again\n", 4, "duplicate"),
    (MINIMAL + "base: &b x\nother: *b\n", 5, "alias"),
    ("- just\n- a list\n", 1, "mapping"),
    (MINIMAL + 'author: "a\x01b"\n', 4, "control character"),
    ("title: " + "[" * 200 + "]" * 200 + "\n", 1, "nested"),
])
def test_unreadable_config_is_one_located_error(tmp_path: Path, text: str, line: int,
                                                words: str) -> None:
    config, problems = load(tmp_path, text)
    [error] = problems.errors
    assert error.line == line and words in error.message, error.format()
    assert config.title  # a usable config comes back all the same


def test_not_utf8_and_bom(tmp_path: Path) -> None:
    _, problems = load(tmp_path, MINIMAL.encode() + b"author: Andr\xe9\n")
    [error] = problems.errors
    assert error.line == 4 and "UTF-8" in error.message
    config, problems = load(tmp_path, b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode())
    assert problems.items == [] and config.title == "Bench Talk"


def test_missing_site_yaml(tmp_path: Path) -> None:
    problems = Problems()
    load_config(tmp_path, problems)
    [error] = problems.errors
    assert "site.yaml" in error.message and "--site" in (error.hint or "")


def test_every_field_is_documented() -> None:
    doc = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    for key in SITE_FIELDS:
        assert f"`{key}`" in doc, f"docs/format.md does not describe site.yaml key {key!r}"


def test_documented_site_yaml_example_loads(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    start = doc.index("```yaml\ntitle: Load Path\n") + len("```yaml\n")
    example = doc[start:doc.index("```", start)]
    config, problems = load(tmp_path, example)
    assert problems.items == [], [p.format() for p in problems.items]
    assert config.categories == (("Technology",), ("Science", "Physics"))
    assert [p.role for p in config.people] == ["host", "host", "guest"]


_YAML_BITS = st.sampled_from([
    "title: T\n", "description: D\n", "base_url: https://example.org/\n", "language: en\n",
    "categories: [Technology]\n", "categories: [Nope]\n", "explicit: maybe\n", "people:\n",
    "  a: {name: A, role: host}\n", "  b: [1, 2]\n", "owner: {name: O, email: x}\n",
    "episodes_per_page: -3\n", "theme: ../../etc\n", "- \n", ": :\n", "&a [*a]\n", "\t\n",
    "artwork: /etc/passwd\n", "funding: [{url: 'javascript:x', title: y}]\n", "{\n", "'\n",
])


@given(st.lists(st.one_of(_YAML_BITS, st.text(max_size=40)), max_size=12))
def test_any_site_yaml_gives_a_config_or_located_errors(tmp_path_factory, parts) -> None:
    """Whatever site.yaml holds, load_config returns; every error names site.yaml."""
    folder = tmp_path_factory.mktemp("fuzz")
    config, problems = load(folder, MINIMAL + "".join(parts))
    assert isinstance(config, SiteConfig)
    for problem in problems.errors:
        assert problem.path is not None and problem.path.name == "site.yaml", problem
        assert problem.message
