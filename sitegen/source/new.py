"""`sitegen new`: a fresh episode file from a template."""
from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import Problems, SitegenError
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
    if not title.strip():
        raise SitegenError('the episode needs a title: sitegen new "Episode title"')
    if not (site_root / CONFIG_NAME).is_file():
        raise SitegenError(f"no {CONFIG_NAME} in {site_root}; run sitegen new in the site "
                           "folder, or pass --site DIR")
    try:
        day = date.fromisoformat(when) if when else date.today()
    except ValueError:
        raise SitegenError(f"--date {when!r} is not a date; write YYYY-MM-DD") from None
    slug = slugify(title, "episode")
    folder = load_config(site_root, Problems()).content_path / "episodes"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{day.isoformat()}-{slug}.md"
    if path.exists():
        raise SitegenError(f"{path} already exists; choose another title or date")
    # JSON strings are valid YAML double-quoted scalars: quotes, backslashes and
    # control characters in the title all come out escaped
    quoted = json.dumps(" ".join(title.split()), ensure_ascii=False)
    path.write_text(TEMPLATE.format(title=quoted, date=day.isoformat(), slug=slug,
                                    guid=uuid.uuid4()), encoding="utf-8")
    return path
