"""The render layer's speed-ups change nothing a template can see.

`make_environment` reads `d.name` on a plain dict without Jinja's failed attribute
lookup; the episode page context is computed in Python with fast paths. Each is
checked here against what plain Jinja and the plain computation give.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import markupsafe
import pytest
from markupsafe import Markup

from sitegen.render.theme import (builtin_theme_dir, escape_output, escape_text,
                                  make_environment)


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


# ---- written values: escape_output and the joined runs of output -------------------

class Html:
    def __html__(self) -> str:
        return "<i>as html</i>"


class Shouting(Markup):
    pass


@pytest.mark.parametrize("value", [
    "plain", "<a href='x'>&\"</a>", "", "é ü \u2028", Markup("<b>kept</b>"),
    Shouting("<s>kept</s>"), 7, 2.5, None, True, Html(), ["<x>"], Record("<ada>"),
])
def test_escape_output_writes_what_markupsafe_escape_writes(value: object) -> None:
    assert escape_output(value) == str(markupsafe.escape(value))


def test_the_pure_python_escape_matches_markupsafe() -> None:
    for text in ["", "a", "&<>'\"", "x & y < z > w ' q \" r", "&amp;", "<<>>" * 50, "é\u2028"]:
        assert escape_text(text) == str(markupsafe.escape(text))


TEMPLATES = {
    "base.html": "<title>{% block title %}{{ title }}{% endblock %}</title>\n"
                 "{% block body %}{% endblock %}{{ footer }}|{{ n }}|{{ nothing }}",
    "page.html": "{% extends 'base.html' %}{% block title %}{{ title }} · {{ super() }}"
                 "{% endblock %}{% block body %}{% for t in turns %}"
                 "<div id=\"{{ t.anchor }}\" class=\"{{ t.cls }}\">{{ t.name }} {{ t.html }} "
                 "{{ t.n }} {{ t.name ~ t.html }}{% for p in t.paragraphs %}<p>{{ p }}</p>"
                 "{% endfor %}</div>\n{% else %}none{% endfor %}{% endblock %}",
    "macros.html": "{% macro card(x) %}<b>{{ x }}</b>{{ caller() if caller is defined }}{% endmacro %}"
                   "{% set block %}<i>{{ title }}</i>{{ title }}{% endset %}"
                   "{{ block }}{{ card(title) }}{% call card('<c>') %}[{{ title }}]{% endcall %}"
                   "{% filter upper %}{{ title }} and {{ footer }} & more{% endfilter %}"
                   "{% autoescape false %}{{ title }}{{ title }}{{ title }}{{ title }}"
                   "{% endautoescape %}{% autoescape flag %}{{ title }}{{ title }}{{ title }}"
                   "{{ title }}{% endautoescape %}{% include 'part.html' %}",
    "part.html": "{{ title }}<{{ n }}>{{ footer }}{{ title | safe }}{{ title | e }}",
    "more.html": "{% extends 'base.html' %}{% block body %}{% with t = title %}{{ t }}<{{ n }}>"
                 "{{ t }}{{ footer }}{% endwith %}{% set ns = namespace(x=title) %}{{ ns.x }}"
                 "{% for item in tree recursive %}<li>{{ item.name }}<{{ loop.depth }}>"
                 "{{ item.name }}{% if item.kids %}<ul>{{ loop(item.kids) }}</ul>{% endif %}"
                 "</li>{% endfor %}{% for t in turns %}{% block inner scoped %}{{ t.name }}"
                 "<{{ t.n }}>{{ t.cls }}{{ t.html }}{% endblock %}{% endfor %}{% block side %}{{ title }}"
                 "<{{ n }}>{{ title }}{{ footer }}{% endblock %}{{ self.side() }}"
                 "{% endblock %}",
}
VALUES = {"title": "Tom & <Jerry>", "footer": Markup("<footer>&copy;</footer>"), "n": 3,
          "nothing": None, "flag": True,
          "tree": [{"name": "<a>", "kids": [{"name": "b&", "kids": []}]}, {"name": "c", "kids": []}],
          "turns": [{"anchor": "t-1", "cls": "a\"b", "name": "Ada <3", "n": 1.5,
                     "html": Markup("<em>x</em>"), "paragraphs": [Markup("<b>1</b>"), "2 & 3"]},
                    {"anchor": "t-2", "cls": "", "name": "", "n": 0, "html": Html(),
                     "paragraphs": []}]}


@pytest.mark.parametrize("name", ["page.html", "macros.html", "part.html", "more.html"])
def test_templates_render_as_with_plain_jinja(tmp_path: Path, name: str) -> None:
    (tmp_path / "templates").mkdir()
    for file, source in TEMPLATES.items():
        (tmp_path / "templates" / file).write_text(source, encoding="utf-8")
    plain = plain_environment()
    plain.loader = jinja2.FileSystemLoader(str(tmp_path / "templates"))
    ours = make_environment([tmp_path], {}, {})
    expected = plain.get_template(name).render(VALUES)
    assert ours.get_template(name).render(VALUES) == expected
    assert expected.count("<") > 3


def test_the_default_theme_is_compiled_with_the_fast_output() -> None:
    """Guards the speed-up itself: a Jinja that renamed its hooks would silently drop it."""
    env = make_environment([builtin_theme_dir()], {}, {"date_iso": str, "date_long": str,
                                                        "clock": str})
    source = env.loader.get_source(env, "episode.html")[0]  # type: ignore[union-attr]
    code = env.compile(source, "episode.html", raw=True)
    assert "environment.escape_output(" in code and "escape(" not in code.replace(
        "escape_output(", "")
    assert "yield concat(" in code
