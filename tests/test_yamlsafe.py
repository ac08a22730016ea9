"""yamlsafe: libyaml reads the common document, the pure-Python reference decides the rest.

Whatever parser reads a document, `load` must give what `load_reference` (PyYAML's
pure-Python parser) gives: the same values, the same line of every key and item,
or the same error message on the same line.
"""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen import yamlsafe
from sitegen.yamlsafe import LineDict, LineList, YamlError, load, load_reference

from .conftest import FIXTURES, REPO

needs_libyaml = pytest.mark.skipif(yamlsafe._FastLoader is None,
                                   reason="PyYAML is installed without libyaml")


def shape(value: Any) -> Any:
    """A value with the line of every key and item, comparable with ==."""
    if isinstance(value, LineDict):
        return ("map", value.line, [(key, value.line_of(key), shape(item))
                                    for key, item in value.items()])
    if isinstance(value, LineList):
        return ("seq", value.line, [(value.line_of(i), shape(item))
                                    for i, item in enumerate(value)])
    return (type(value).__name__, value)


def outcome(read, text: str) -> Any:
    try:
        return shape(read(text))
    except YamlError as exc:
        return ("error", str(exc), exc.line)


def front_matters() -> list[str]:
    files = sorted((REPO / "content" / "episodes").glob("*.md"))
    files += sorted((FIXTURES / "episodes").glob("*.md"))
    texts = [f.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n")
             for f in files]
    return texts + [(REPO / "site.yaml").read_text(encoding="utf-8")]


@needs_libyaml
def test_libyaml_reads_the_example_front_matter_without_the_reference(
        monkeypatch: pytest.MonkeyPatch) -> None:
    readable = [t for t in front_matters() if outcome(load_reference, t)[0] != "error"]
    expected = [outcome(load_reference, t) for t in readable]

    def no_reference(text: str) -> Any:
        raise AssertionError(f"fell back to the reference loader for:\n{text}")

    monkeypatch.setattr(yamlsafe, "load_reference", no_reference)
    assert len(readable) >= 5
    assert [outcome(load, t) for t in readable] == expected


@pytest.mark.parametrize("text", front_matters())
def test_the_same_result_with_and_without_libyaml(monkeypatch: pytest.MonkeyPatch,
                                                  text: str) -> None:
    with_libyaml = outcome(load, text)
    monkeypatch.setattr(yamlsafe, "_FastLoader", None)
    assert outcome(load, text) == with_libyaml == outcome(load_reference, text)


# Each was read differently by libyaml and by PyYAML's own parser (found by fuzzing).
@pytest.mark.parametrize("text", [
    "a: {b?}\n", "[l?]\n", "a: {name: Marta ? Vell}\n", "a: [x, y?z]\n",
    "a: !\n", "- ! \n", "!\n#c\n",
    "a: |#c\n  x\n", "a: >-#c\n  x\n",
    "a: x\tb\n", "a:\tb\n", "\ufeffa: b\n", "a: b\x85c\n", "a: b\u2028c: d\n", "a: b\rc\n",
])
def test_where_libyaml_differs_the_reference_decides(text: str) -> None:
    assert outcome(load, text) == outcome(load_reference, text)


@pytest.mark.parametrize("text, line, words", [
    ("a: 1\nb: &x [1]\nc: *x\n", 3, "aliases"),
    ("a: 1\na: 2\n", 2, "duplicate key 'a' (first on line 1)"),
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 30)) + "  " * 30 + "v: 1\n",
     21, "nested deeper than 20 levels"),
    ("a: 1\nb: !!int x\n", 2, "invalid value 'x'"),
    ("a: 1\nb: 2026-02-30\n", 2, "invalid value"),
    ("a: [1,\nb: 2\n", 1, "invalid YAML: expected ',' or ']'"),
    ("a: b: c\n", 1, "invalid YAML: mapping values are not allowed here"),
    ("a: 1\n---\nb: 2\n", 2, "invalid YAML: but found another document"),
    ("a: 'x\x07'\n", 1, "control character U+0007"),
])
def test_errors_are_the_reference_loaders(text: str, line: int, words: str) -> None:
    with pytest.raises(YamlError) as raised:
        load(text)
    assert raised.value.line == line and words in str(raised.value), str(raised.value)
    assert outcome(load, text) == outcome(load_reference, text)


def test_values_keep_the_types_the_reference_gives() -> None:
    text = ('n: 12\nf: 1.5\nts: 1:15\noct: 0o17\nbig: 1_000\non: yes\nnone: ~\n'
            'd: 2026-01-14\nq: "12"\nlist: [1, "0:00 Start", {a: b}]\n')
    value = load(text)
    assert value == {"n": 12, "f": 1.5, "ts": "1:15", "oct": "0o17", "big": "1_000",
                     True: True, "none": None, "d": load_reference("d: 2026-01-14")["d"],
                     "q": "12", "list": [1, "0:00 Start", {"a": "b"}]}
    assert outcome(load, text) == outcome(load_reference, text)


YAML_PIECES = ["key: ", "k2: ", "- ", "  ", "    ", "\n", "\n", '"dq"', "'sq'", "'it''s'",
               '"\\x41\\u00e9\\/\\N"', "{", "}", "[", "]", ", ", "|", ">", "|-", "# c", "#c",
               "? ", "?", "&a ", "*a", "!!str ", "!!int ", "!!binary ", "!!set ", "! ", "!x ",
               "%YAML 1.1\n", "---\n", "...\n", "plain text", "2026-02-30", "1:15", "~",
               "yes", ":", "-", "<<: ", "é", "\\", "\t", "\r", "\ufeff", "\x85", "x" * 1030]


@given(st.lists(st.one_of(st.sampled_from(YAML_PIECES),
                          st.text(alphabet=st.sampled_from(list("ab:-[]{}?!|>'\"#& ,\n\t")),
                                  max_size=8)),
                max_size=30))
def test_any_text_reads_as_the_reference_reads_it(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert outcome(load, text) == outcome(load_reference, text)


@given(st.data())
def test_an_edited_front_matter_reads_as_the_reference_reads_it(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(front_matters()))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + data.draw(st.sampled_from(YAML_PIECES)) + text[at + cut:]
    assert outcome(load, text) == outcome(load_reference, text)

