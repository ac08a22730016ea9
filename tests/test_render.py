"""The render layer's speed-ups change nothing a template can see.

`make_environment` reads `d.name` on a plain dict without Jinja's failed attribute
lookup; the episode page context is computed in Python with fast paths. Each is
checked here against what plain Jinja and the plain computation give.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest

from sitegen.render.theme import make_environment


@dataclass(frozen=True)
class Record:
    name: str

    @property
    def shout(self) -> str:
        return self.name.upper()


class Lookup(dict):
    """A dict subclass with an attribute of its own: attribute first, as Jinja does."""
    title = "the attribute"


EXPRESSIONS = [
    "{{ d.a }}", "{{ d.b.name }}", "{{ d.b.shout }}", "{{ d['a'] }}", "{{ d.get('a') }}",
    "{{ d.items() | list | length }}", "{{ d.keys | string | truncate(20) }}",
    "{{ d.nested.x }}", "{{ d.html }}", "{{ d.sub.title }}", "{{ d.sub.other }}",
    "{% for k in d.nested %}{{ k }}{% endfor %}", "{{ d.items is callable }}",
    "{{ d.copy is callable }}", "{{ d.a is defined }}", "{{ d.zzz is defined }}",
    "{% if d.zzz is undefined %}none{% endif %}", "{{ d.nested.missing | default('dflt') }}",
]
CONTEXT = {"d": {"a": 1, "b": Record("ada"), "nested": {"x": "<x>"}, "html": "<b>&",
                 "items": "shadowed by the method, as in Jinja",
                 "sub": Lookup(title="the item", other="item only")}}


def plain_environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@pytest.fixture
def env(tmp_path: Path) -> jinja2.Environment:
    (tmp_path / "templates").mkdir()
    return make_environment([tmp_path], {}, {})


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_dict_entries_read_as_plain_jinja_reads_them(env: jinja2.Environment,
                                                     source: str) -> None:
    expected = plain_environment().from_string(source).render(CONTEXT)
    assert env.from_string(source).render(CONTEXT) == expected


@pytest.mark.parametrize("source", ["{{ d.zzz }}", "{{ d.nested.missing }}",
                                    "{{ d.nested.missing.deeper }}"])
def test_a_missing_dict_entry_stops_the_render(env: jinja2.Environment, source: str) -> None:
    with pytest.raises(jinja2.UndefinedError) as raised:
        env.from_string(source).render(CONTEXT)
    with pytest.raises(jinja2.UndefinedError) as plain:
        plain_environment().from_string(source).render(CONTEXT)
    assert str(raised.value) == str(plain.value)
