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


# ---- the episode page's turns: turns_html against the built-in template's loop ------

import html as html_module  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sitegen.model import Episode, Site, SiteConfig, Speaker, Turn  # noqa: E402
from sitegen.render.context import Renderer, is_builtin  # noqa: E402
from sitegen.render.markdown import has_inline_syntax, markdown, render_inline  # noqa: E402
from sitegen.render.pages import (TurnEntries, chapter_targets, episode_page,  # noqa: E402
                                  home_pages, turn_entries)

# Text with what escaping and inline Markdown act on, and what they leave alone.
TEXT = st.text(alphabet="ab <>&\"'*_`[]()\\~!#:.é\u2028", min_size=1, max_size=30)
NAMES = st.text(alphabet="Ab <&\"'é", min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def episodes(draw) -> Episode:
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    speakers = tuple(Speaker(f"s{i}", name, f"s{i}-slug", draw(st.sampled_from(["host", "guest",
                                                                               "other"])))
                     for i, name in enumerate(names))
    starts = draw(st.lists(st.floats(0, 7200, allow_nan=False).map(lambda s: round(s, 3)),
                           max_size=12))
    turns = tuple(Turn(draw(st.sampled_from(speakers)).id, start,
                       tuple(draw(st.lists(TEXT, max_size=3))), 1, draw(st.sampled_from(
                           [f"t-{int(start)}", f"t-{int(start)}-2", "t-<&\""])))
                  for start in starts)
    return Episode(Path("x.md"), "an-episode", draw(TEXT), datetime(2026, 1, 2, tzinfo=timezone.utc),
                   "guid", summary=draw(TEXT), speakers=speakers, turns=turns)


def renderer_for(root: Path, episode: Episode) -> Renderer:
    config = SiteConfig(root=root, title="Show & <tell>", description="d",
                        base_url="https://example.com/show/")
    return Renderer(Site(config, (episode,)))


def jinja_page(renderer: Renderer, episode: Episode) -> str:
    """The episode page as the built-in template renders it, its turns loop included."""
    page = episode_page(renderer.site, episode, renderer.styles, 0)
    return renderer.env.get_template("episode.html").render(page=page, **page.context)


@settings(max_examples=60, deadline=None)
@given(episodes())
def test_turns_html_writes_what_the_builtin_turns_block_writes(tmp_path_factory, episode):
    renderer = renderer_for(tmp_path_factory.mktemp("site"), episode)
    page = episode_page(renderer.site, episode, renderer.styles, 0)
    assert renderer.template("episode.html") is not renderer.env.get_template("episode.html")
    assert renderer.render(page) == jinja_page(renderer, episode)


def test_a_theme_with_its_own_episode_template_gets_its_own_turn_markup(tmp_path: Path):
    episode = Episode(Path("x.md"), "e", "T", datetime(2026, 1, 2, tzinfo=timezone.utc), "g",
                      speakers=(Speaker("a", "Ada", "ada", "host"),),
                      turns=(Turn("a", 5.0, ("hello",), 1, "t-5"),))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "episode.html").write_text(
        "{% for turn in turns %}<q id=\"{{ turn.anchor }}\">{{ turn.speaker.name }}: "
        "{{ turn.paragraphs | join(' ') }} {{ turn.clock }}</q>{% endfor %}|{{ turns | length }}",
        encoding="utf-8")
    renderer = renderer_for(tmp_path, episode)
    assert not is_builtin(renderer.env.get_template("episode.html"))
    page = episode_page(renderer.site, episode, renderer.styles, 0)
    assert renderer.render(page) == '<q id="t-5">Ada: hello 0:05</q>|1'


@settings(max_examples=40, deadline=None)
@given(episodes())
def test_turn_entries_are_made_on_first_use_and_read_as_the_list(episode):
    styles = {s.slug: type("Style", (), {"css_class": f"speaker-{s.slug}"})()
              for s in episode.speakers}
    lazy = TurnEntries(episode, styles)  # type: ignore[arg-type]
    assert len(lazy) == len(episode.turns) and bool(lazy) == bool(episode.turns)
    assert lazy._entries is None
    expected = turn_entries(episode, styles)  # type: ignore[arg-type]
    assert list(lazy) == expected and lazy == expected and lazy[:2] == expected[:2]
    if expected:
        assert lazy[-1] == expected[-1] and lazy.index(expected[0]) == 0


@given(st.lists(st.floats(0, 500, allow_nan=False), max_size=15),
       st.lists(st.floats(0, 600, allow_nan=False), max_size=8))
def test_chapter_targets_are_the_turns_in_progress(starts: list[float], chapters: list[float]):
    from sitegen.model import Chapter
    episode = Episode(Path("x.md"), "e", "T", datetime(2026, 1, 2, tzinfo=timezone.utc), "g",
                      turns=tuple(Turn("a", s, ("x",), 1, f"t-{i}") for i, s in enumerate(starts)),
                      chapters=tuple(Chapter(c, "c") for c in chapters))
    expected = [turn.anchor if (turn := episode.turn_at(c.start)) else None
                for c in episode.chapters]
    assert chapter_targets(episode) == expected


@given(st.text(alphabet="ab <>&;#x1*_`[]()\\~!:.é", max_size=40))
def test_render_inline_fast_path_gives_what_markdown_gives(text: str):
    reference = (markdown(False).renderInline(text) if has_inline_syntax(text)
                 else html_module.escape(text, quote=False))
    assert render_inline(text) == reference


# ---- episode cards: _episode_card.html once per episode ------------------------------

def test_an_episode_card_is_rendered_once_and_shows_the_theme_card(tmp_path: Path):
    episode = Episode(Path("x.md"), "e", "Bridges & <Arches>",
                      datetime(2026, 1, 2, tzinfo=timezone.utc), "g",
                      speakers=(Speaker("a", "Ada", "ada", "host"),))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "_episode_card.html").write_text(
        "<li>{{ episode.title }} {{ episode_url(episode) }} {{ styles['ada'].css_class }}</li>",
        encoding="utf-8")
    renderer = renderer_for(tmp_path, episode)
    first = renderer.episode_card(episode)
    assert first == '<li>Bridges &amp; &lt;Arches&gt; /show/episodes/e/ speaker-ada</li>'
    assert renderer.episode_card(episode) is first
    retitled = Episode(Path("x.md"), "e", "Arches", episode.date, "g", speakers=episode.speakers)
    assert "Arches /show/" in renderer.episode_card(retitled)
    home = next(home_pages(renderer.site))
    assert str(first) in renderer.render(home)


def test_kept_notes_follow_an_edit_and_the_html_setting():
    from sitegen.render.markdown import render_notes
    before = render_notes("Some *notes* <b>x</b>")
    assert "<em>notes</em>" in before and "&lt;b&gt;" in before
    assert render_notes("Some *notes* <b>x</b>", True) != before
    assert "<em>edited</em>" in render_notes("Some *edited* <b>x</b>")
    assert render_notes("Some *notes* <b>x</b>") == before
