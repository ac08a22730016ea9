"""YAML for untrusted text: line numbers on every mapping, no aliases, bounded depth.

Aliases are refused outright: front matter and site.yaml never need them, and
they are how a "billion laughs" document explodes. Duplicate keys are an error
instead of PyYAML's silent last-one-wins.

PyYAML's pure-Python loader is the reference: its results and its error messages
are what this module promises. Where PyYAML has libyaml, a document is first read
with libyaml's parser (events in C, composed and constructed here in Python, so the
same checks and line numbers apply), about five times cheaper. libyaml accepts a
few things the reference refuses and reads a few differently (tabs, the odd line
breaks, a comment glued to a block scalar's header, a `?` in a plain scalar inside
[...] or {...}, an empty `!` scalar), so a document holding one of those, and every
document libyaml cannot read, is read by the reference loader instead: its outcome,
result or error, is the one returned. tests/test_yamlsafe.py compares the two.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

MAX_DEPTH = 20


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


class LineDict(dict):
    """A dict that remembers the line of each key (1-based, within its document)."""
    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that remembers the line of each item (1-based, within its document)."""
    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _Checks:
    """What both loaders add to PyYAML: located value errors, no aliases, bounded depth."""

    def construct_object(self, node, deep=False):  # type: ignore[no-untyped-def]
        # PyYAML lets ValueError escape for values like `2026-02-30` or `!!int x`
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except YamlError:
            raise
        except (ValueError, TypeError, OverflowError, AttributeError, LookupError) as exc:
            shown = f" {node.value!r}" if isinstance(node, yaml.ScalarNode) else ""
            raise YamlError(f"invalid value{shown}: {exc}", node.start_mark.line + 1) from None

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            event = self.peek_event()  # type: ignore[attr-defined]
            raise YamlError("YAML aliases (*name) are not allowed here; write the value out",
                            event.start_mark.line + 1)
        depth = getattr(self, "_depth", 0)
        if depth > MAX_DEPTH:
            event = self.peek_event()  # type: ignore[attr-defined]
            raise YamlError(f"YAML nested deeper than {MAX_DEPTH} levels",
                            event.start_mark.line + 1)
        self._depth = depth + 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth = depth


class _Loader(_Checks, yaml.SafeLoader):
    """The reference: PyYAML's pure-Python reader, scanner and parser."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise YamlError("a mapping key must be a plain value", line) from None
        if key in mapping:
            raise YamlError(f"duplicate key {key!r} (first on line {mapping.key_lines[key]})",
                            line)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    items = LineList()
    items.line = node.start_mark.line + 1
    for child in node.value:
        items.append(loader.construct_object(child, deep=True))
        items.item_lines.append(child.start_mark.line + 1)
    return items


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)

# YAML 1.1 reads `1:15` as the sexagesimal number 75 and `0o17`, `1_000` oddly;
# keep only plain decimal ints and floats so timestamps stay the text written.
_NUMERIC = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NUMERIC]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789"))


class _LibyamlDiffers(Exception):
    """libyaml would read this document differently from the reference loader."""


def _libyaml_loader() -> type | None:
    """_Loader with libyaml's parser in place of PyYAML's, or None without libyaml."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None

    class _FastLoader(_Checks, yaml.composer.Composer, yaml.cyaml.CParser,
                      yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
            node = super().compose_node(parent, index)
            if (isinstance(node, yaml.ScalarNode) and not node.style
                    and parent is not None and parent.flow_style and "?" in node.value):
                # PyYAML ends a plain scalar at `?` inside [...] and {...}; libyaml reads on.
                raise _LibyamlDiffers
            return node

        def compose_scalar_node(self, anchor):  # type: ignore[no-untyped-def]
            event = self.peek_event()
            if event.tag == "!" and not event.implicit[0]:
                # libyaml marks an empty `!` scalar as not plain; PyYAML's parser
                # (and so the reference) resolves it like a plain one: null.
                event.implicit = (True, event.implicit[1])
            return super().compose_scalar_node(anchor)

    _FastLoader.yaml_constructors = _Loader.yaml_constructors
    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    return _FastLoader


_FastLoader = _libyaml_loader()
# Where libyaml and the reference part ways (found by reading both on random
# documents): tabs, CR, NEL, LS, PS and BOM characters; a comment right after a
# block scalar's `|` or `>` header.
_LIBYAML_DIFFERS = re.compile(r"[\t\r\x85\u2028\u2029\ufeff]|[|>][-+0-9]*#")


def load(text: str) -> Any:
    """Parse one YAML document; YamlError carries the 1-based line of the problem."""
    if _FastLoader is not None and not _LIBYAML_DIFFERS.search(text):
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a SafeConstructor
        except Exception:  # noqa: BLE001 - the reference loader reports it, in its words
            pass
    return load_reference(text)


def load_reference(text: str) -> Any:
    """load() with PyYAML's pure-Python parser only: the outcome load() promises."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and mark and mark.index >= len(text.rstrip()):
            mark = exc.context_mark  # "unexpected end": point at what was left open
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"invalid YAML: {problem}", line) from None
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise YamlError(f"invalid YAML: control character U+{code:04X} is not allowed",
                        line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None
    except RecursionError:
        raise YamlError("YAML nested too deeply", None) from None


def key_line(path: Path, key: str) -> int | None:
    """The line of the top-level `key:` in a YAML file or an episode's front matter."""
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    for number, line in enumerate(lines, 1):
        if number > 1 and line.strip() in ("---", "..."):
            return None
        if pattern.match(line):
            return number
    return None
