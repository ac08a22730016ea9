"""Checks across the whole site that `sitegen check` reports."""
from __future__ import annotations

from sitegen.errors import Problem, Problems
from sitegen.model import Site


def check_site(site: Site) -> list[Problem]:
    problems = Problems()
    for episode in site.episodes:
        end = episode.duration
        for chapter in episode.chapters:
            if end and chapter.start >= end:
                problems.error(f"chapter {chapter.title!r} starts after the audio ends",
                               episode.source, chapter.line)
        for turn in episode.turns:
            if end and turn.start > end:
                problems.error("turn starts after the audio ends", episode.source, turn.line)
        if episode.audio is None:
            problems.error("episode has no audio", episode.source, 1,
                           "add `audio:` with a file under content/ or a URL")
    return problems.items
