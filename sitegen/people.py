"""Speakers as written in site.yaml `people:` and episode `speakers:`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sitegen import schema
from sitegen.errors import Problems
from sitegen.model import ROLES, Speaker
from sitegen.slugs import is_slug, slugify
from sitegen.yamlsafe import LineDict

def _slug(value: Any) -> str:
    raw = schema.text(100)(value)
    if not is_slug(raw):  # it becomes a URL and a CSS class
        raise schema.Invalid(f"{raw!r} is not a slug", f"use lower-case letters, digits and "
                             f"hyphens, e.g. {slugify(raw, 'speaker')!r}")
    return raw


PERSON_FIELDS = {
    "name": schema.Field(schema.text(120), doc="the name as the transcript writes it"),
    "role": schema.Field(schema.one_of(*ROLES)),
    "url": schema.Field(schema.link_url),
    "image": schema.Field(schema.text(2000)),
    "color": schema.Field(schema.color),
    "slug": schema.Field(_slug),
}


def parse_people(data: Any, problems: Problems, path: Path, line_offset: int = 0,
                 known: dict[str, Speaker] | None = None, default_role: str = "guest",
                 line: int | None = None) -> tuple[Speaker, ...]:
    """`id: {name, role, url, image, color}` entries; `id: Name` and `id: {}` work too.

    An id found in `known` (site.yaml people) inherits everything not given here.
    `line_offset` is where the YAML document starts in its file; `line` is the
    line of the `speakers:`/`people:` key, for errors about the whole mapping.
    """
    known = known or {}
    if data is None:
        return ()
    if not isinstance(data, dict):
        problems.error("speakers must be a mapping of id: {name, role, ...}", path,
                       line, "e.g.\n      ada: {name: Ada Quill, role: host}")
        return ()
    lines = data.key_lines if isinstance(data, LineDict) else {}
    speakers: list[Speaker] = []
    for speaker_id, entry in data.items():
        entry_line = line_offset + lines[speaker_id] if speaker_id in lines else line
        speaker_id = str(speaker_id).strip()
        if isinstance(entry, str):
            entry = {"name": entry}
        base = known.get(speaker_id)
        values = schema.validate_mapping(entry, PERSON_FIELDS, problems, path, line_offset,
                                         what=f"speaker {speaker_id!r}")
        name = values["name"] or (base.name if base else None)
        if not name:
            problems.error(f"speaker {speaker_id!r} has no name", path, entry_line,
                           f"write `{speaker_id}: {{name: Full Name}}`, or define "
                           f"{speaker_id!r} under `people:` in site.yaml")
            continue
        speakers.append(Speaker(
            id=speaker_id,
            name=name,
            slug=values["slug"] or (base.slug if base else slugify(name, "speaker")),
            role=values["role"] or (base.role if base else default_role),
            url=values["url"] or (base.url if base else None),
            image=values["image"] or (base.image if base else None),
            color=values["color"] or (base.color if base else None),
        ))
    return tuple(speakers)
