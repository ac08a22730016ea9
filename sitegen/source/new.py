"""`sitegen new`: a fresh episode file from a template."""
from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from sitegen.errors import SitegenError
from sitegen.slugs import slugify

TEMPLATE = """---
title: {title}
date: {date}
summary: One or two sentences about this episode.
# audio: audio/{slug}.mp3   # a file under content/, or {{url: ..., length: BYTES, duration: H:MM:SS}}
guid: {guid}
draft: true
speakers:
  host: {{name: Your Name, role: host}}
chapters:
  - "0:00 Introduction"
links: []
---
Show notes in Markdown.

## Transcript

Your Name: 0:00 The first words of the episode.
"""


def new_episode(site_root: Path, title: str, when: str | None = None) -> Path:
    try:
        day = date.fromisoformat(when) if when else date.today()
    except ValueError:
        raise SitegenError(f"--date {when!r} is not a date; write YYYY-MM-DD") from None
    slug = slugify(title, "episode")
    folder = site_root / "content" / "episodes"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{day.isoformat()}-{slug}.md"
    if path.exists():
        raise SitegenError(f"{path} already exists; choose another title or date")
    safe_title = title.replace('"', '\\"')
    path.write_text(TEMPLATE.format(title=f'"{safe_title}"', date=day.isoformat(), slug=slug,
                                    guid=uuid.uuid4()), encoding="utf-8")
    return path
