"""site.yaml: a declarative schema, every problem reported with its key and line."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitegen import schema
from sitegen.errors import Problems
from sitegen.model import Link, Owner, SiteConfig
from sitegen.people import parse_people
from sitegen.yamlsafe import YamlError, load

PACKAGE_DIR = Path(__file__).resolve().parent   # the sitegen package


def builtin_theme_dir() -> Path:
    """The default theme: shipped in the package, or beside it in a source checkout."""
    for candidate in (PACKAGE_DIR / "default_theme", PACKAGE_DIR.parent / "themes" / "default"):
        if (candidate / "templates").is_dir():
            return candidate
    raise FileNotFoundError("sitegen's built-in default theme is missing from the install")

CONFIG_NAME = "site.yaml"

# Apple Podcasts categories and subcategories (names are case-sensitive).
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts",
             "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing",
                 "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health",
                         "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals",
                      "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games",
                "Hobbies", "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary",
             "Politics", "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism",
                                "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
                "Natural Sciences", "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy",
                          "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf",
               "Hockey", "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball",
               "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews",
                  "TV Reviews"),
}
TRANSCRIPT_FORMATS = ("vtt", "srt", "json", "html")


def category(value: Any) -> tuple[str, ...]:
    raw = schema.text(200)(value)
    parts = tuple(p.strip() for p in raw.split(">"))
    if parts[0] not in APPLE_CATEGORIES:
        import difflib
        close = difflib.get_close_matches(parts[0], list(APPLE_CATEGORIES), n=1)
        raise schema.Invalid(
            f"{parts[0]!r} is not an Apple Podcasts category",
            f"did you mean {close[0]!r}? (names are case-sensitive)" if close
            else "see https://podcasters.apple.com/support/1691-apple-podcasts-categories")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] not in APPLE_CATEGORIES[parts[0]]):
        choices = ", ".join(APPLE_CATEGORIES[parts[0]]) or "none"
        raise schema.Invalid(f"{raw!r} is not a subcategory of {parts[0]!r}",
                             f"its subcategories: {choices}")
    return parts


def language(value: Any) -> str:
    raw = schema.text(20)(value)
    if not re.fullmatch(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*", raw):
        raise schema.Invalid(f"{raw!r} is not a language code", "use e.g. en or en-us")
    return raw.lower()


def base_url(value: Any) -> str:
    result = schema.url(value)
    return result if result.endswith("/") else result + "/"


def timezone(value: Any) -> str:
    raw = schema.text(60)(value)
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise schema.Invalid(f"{raw!r} is not a time zone", "e.g. UTC or Europe/Berlin") \
            from None
    return raw


def owner(value: Any) -> Owner:
    data = schema.mapping(value)
    if not data.get("name") or not data.get("email"):
        raise schema.Invalid("owner needs both name and email",
                             "owner: {name: Ada Quill, email: ada@example.com}")
    return Owner(schema.text(200)(data["name"]), schema.email(data["email"]))


def link(value: Any) -> Link:
    data = schema.mapping(value)
    if "url" not in data:
        raise schema.Invalid("a link needs a url", "{title: Support us, url: https://...}")
    return Link(schema.text(128)(data.get("title") or data["url"]), schema.link_url(data["url"]))


def relative_path(value: Any) -> str:
    raw = schema.text(200)(value)
    if raw.startswith("/") or ".." in Path(raw).parts or "\x00" in raw:
        raise schema.Invalid(f"{raw!r} must be a folder name inside the site",
                             "use a relative path such as public")
    return raw


def guid(value: Any) -> str:
    import uuid
    raw = schema.text(100)(value)
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise schema.Invalid(f"{raw!r} is not a UUID") from None


def formats(value: Any) -> tuple[str, ...]:
    return schema.list_of(schema.one_of(*TRANSCRIPT_FORMATS))(value)


SITE_FIELDS: dict[str, schema.Field] = {
    "title": schema.Field(schema.text(200), required=True, doc="the show's name"),
    "description": schema.Field(schema.text(4000), required=True,
                                doc="a few sentences about the show"),
    "base_url": schema.Field(base_url, required=True,
                             doc="where the site is published, e.g. https://example.com/"),
    "language": schema.Field(language, default="en"),
    "author": schema.Field(schema.text(200), default=""),
    "owner": schema.Field(owner),
    "artwork": schema.Field(relative_path),
    "categories": schema.Field(schema.list_of(category, 3), default=()),
    "explicit": schema.Field(schema.boolean, default=False),
    "copyright": schema.Field(schema.text(500), default=""),
    "theme": schema.Field(schema.text(100), default="default"),
    "output": schema.Field(relative_path, default="public"),
    "content": schema.Field(relative_path, default="content"),
    "episodes_per_page": schema.Field(schema.integer(1, 500), default=10),
    "timezone": schema.Field(timezone, default="UTC"),
    "type": schema.Field(schema.one_of("episodic", "serial"), default="episodic"),
    "podcast_guid": schema.Field(guid),
    "locked": schema.Field(schema.boolean, default=True),
    "funding": schema.Field(schema.list_of(link, 10), default=()),
    "people": schema.Field(schema.mapping, default=None),
    "allow_html": schema.Field(schema.boolean, default=False),
    "transcripts": schema.Field(formats, default=TRANSCRIPT_FORMATS),
}


_UNREADABLE = object()


def read_config(path: Path, problems: Problems) -> Any:
    """The parsed YAML of site.yaml, or `_UNREADABLE` with the problem recorded."""
    if not path.is_file():
        problems.error(f"no {CONFIG_NAME} in {path.parent}", path,
                       hint="run sitegen in the site folder, or pass --site DIR")
        return _UNREADABLE
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", path,
                       raw[:exc.start].count(b"\n") + 1, "save the file as UTF-8")
        return _UNREADABLE
    try:
        return load(text)
    except YamlError as exc:
        problems.error(str(exc), path, exc.line)
        return _UNREADABLE


def load_config(root: Path, problems: Problems) -> SiteConfig:
    """Read `root/site.yaml`; problems are collected, a usable config always returned."""
    path = root / CONFIG_NAME
    data = read_config(path, problems)
    if data is _UNREADABLE:  # one clear error; "missing title" etc. would only be noise
        data = None
        values = {name: spec.default for name, spec in SITE_FIELDS.items()}
    else:
        values = schema.validate_mapping(data, SITE_FIELDS, problems, path, what=CONFIG_NAME)
    people_data = values["people"]
    people = parse_people(people_data, problems, path, default_role="host",
                          line=data.line_of("people") if people_data is not None else None)
    return SiteConfig(
        root=root,
        title=values["title"] or "Untitled show",
        description=values["description"] or "",
        base_url=values["base_url"] or "http://localhost:8000/",
        language=values["language"],
        author=values["author"],
        owner=values["owner"],
        artwork=values["artwork"],
        categories=values["categories"],
        explicit=values["explicit"],
        copyright=values["copyright"],
        theme=values["theme"],
        output_dir=values["output"],
        content_dir=values["content"],
        episodes_per_page=values["episodes_per_page"],
        timezone=values["timezone"],
        show_type=values["type"],
        podcast_guid=values["podcast_guid"],
        locked=values["locked"],
        funding=values["funding"],
        people=people,
        allow_html=values["allow_html"],
        transcript_formats=values["transcripts"],
    )
