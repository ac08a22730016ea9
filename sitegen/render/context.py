"""The Renderer: one Jinja2 environment, speaker styles and assets for a whole build.

While `episode.html` is the built-in theme's own, its `turns` block (every turn of
the transcript) is written by `turns_html` in Python, byte for byte what the block
writes, at a fraction of the cost: a theme with its own `episode.html` gets its loop.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sys
from pathlib import Path

import jinja2
from markupsafe import Markup

from sitegen.config import builtin_theme_dir
from sitegen.errors import BuildError, Problem, Problems
from sitegen.model import Episode, Site
from sitegen.render.colors import speaker_styles, speakers_css
from sitegen.render.pages import Page, episode_url, speaker_url, turns_html
from sitegen.render.theme import Assets, collect_assets, make_environment, theme_path
from sitegen.timecodes import format_clock

LIVE_RELOAD_SNIPPET = '<script src="/_sitegen/livereload.js" defer></script>'
EPISODE_TEMPLATE = "episode.html"
CARD_TEMPLATE = "_episode_card.html"
# The built-in episode.html with its `turns` block written by turns_html.
_FAST_EPISODE = ('{% extends "episode.html" %}'
                 '{% block turns %}{{ turns_html(episode) }}{% endblock %}')


class Renderer:
    def __init__(self, site: Site, live_reload: bool = False):
        self.site = site
        self.problems = Problems()
        self.live_reload = live_reload
        self.base_path = site.config.base_path  # worked out from base_url on each read
        self.path = theme_path(site.config.root, site.config.theme, self.problems)
        oldest_first = [s for e in reversed(site.episodes) for s in e.speakers]
        self.styles = speaker_styles(list(site.config.people) + oldest_first)
        self.assets: Assets = collect_assets(self.path)
        self.assets.add_generated("speakers.css", speakers_css(self.styles).encode())
        self.env = make_environment(self.path, self._globals(), self._filters())
        # episode.html as last loaded, and what renders it (itself, or the fast version)
        self._episode_template: tuple[jinja2.Template, jinja2.Template] | None = None
        self._cards: dict[int, tuple[Episode, Markup]] = {}

    def _globals(self) -> dict[str, Any]:
        config = self.site.config
        return {
            "site": config,
            "url": self.url,
            "absolute_url": config.absolute_url,
            "asset": self.asset,
            "episode_url": lambda e: self.url(episode_url(e)),
            "speaker_url": lambda s: self.url(speaker_url(s)),
            "episode_card": self.episode_card,
            "styles": self.styles,
            "live_reload": self.live_reload,
            "generator": "sitegen",
            "now_year": self._latest().year,
        }

    def _filters(self) -> dict[str, Any]:
        return {
            "clock": format_clock,
            "date_long": lambda d: f"{d:%B} {d.day}, {d.year}",
            "date_iso": lambda d: d.isoformat(),
        }

    def _latest(self) -> datetime:
        dates = [e.date for e in self.site.episodes]
        return max(dates) if dates else datetime(2000, 1, 1, tzinfo=timezone.utc)

    def url(self, path: str) -> str:
        """A root-relative URL under base_url's path: `/show/episodes/x/`."""
        return self.base_path + path.lstrip("/")

    def asset(self, name: str) -> str:
        return self.url(self.assets.public_name(name))

    def episode_card(self, episode: Episode) -> Markup:
        """`_episode_card.html` for the episode, rendered once: the home and speaker pages
        list each episode three to five times at N = 1,000."""
        found = self._cards.get(id(episode))
        if found is None or found[0] is not episode:
            card = Markup(self.env.get_template(CARD_TEMPLATE).render(episode=episode))
            found = self._cards[id(episode)] = (episode, card)
        return found[1]

    def template(self, name: str) -> jinja2.Template:
        """The template `name`; the built-in episode.html with its turns written in Python."""
        template = self.env.get_template(name)
        if name != EPISODE_TEMPLATE:
            return template
        if self._episode_template is None or self._episode_template[0] is not template:
            self._episode_template = (template, self._fast_episode()
                                      if is_builtin(template) else template)
        return self._episode_template[1]

    def _fast_episode(self) -> jinja2.Template:
        styles = self.styles
        return self.env.from_string(_FAST_EPISODE, globals={
            "turns_html": lambda episode: turns_html(episode, styles)})

    def render(self, page: Page) -> str:
        try:
            template = self.template(page.template)
            html = template.render(page=page, **page.context)
        except jinja2.TemplateError as exc:
            raise BuildError([template_problem(exc, page)]) from None
        if self.live_reload:
            html = html.replace("</body>", LIVE_RELOAD_SNIPPET + "</body>", 1)
        return html


def is_builtin(template: jinja2.Template) -> bool:
    """Whether the template was read from the built-in theme's own file."""
    if template.filename is None:
        return False
    builtin = builtin_theme_dir() / "templates" / template.name  # type: ignore[operator]
    return Path(template.filename).resolve() == builtin.resolve()


def template_problem(exc: jinja2.TemplateError, page: Page) -> Problem:
    """A template error located at the template file and line, not in Python."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Problem(f"template syntax error: {exc.message}", Path(exc.filename), exc.lineno)
    tb = sys.exc_info()[2]
    where: tuple[Path | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".j2")) and Path(filename).exists():
            where = (Path(filename), tb.tb_lineno)
        tb = tb.tb_next
    return Problem(f"template error while rendering /{page.path}: {exc}", where[0], where[1],
                   "check the variable or filter named above in the template")
