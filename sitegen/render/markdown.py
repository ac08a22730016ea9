"""Markdown through markdown-it-py: show notes to HTML, and plain text from tokens."""
from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from sitegen.slugs import slugify

SAFE_LINK_SCHEMES = {"", "http", "https", "mailto"}
# Text with none of these characters renders the same as Markdown and as plain text.
_MARKDOWN_CHARS = re.compile(r"[*_`\[\]<>&\\!~|]|https?://")
# What can change inline rendering (no linkify, no typographer, no raw HTML):
# emphasis, code, links, escapes, autolinks, strikethrough, entity references.
# One character class, two substring tests and the entity pattern only after a `&`:
# a regular expression with alternatives tries each at every offset of the text.
_INLINE_CHARS = re.compile(r"[*_`\[\]\\<]")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def is_safe_url(url: str) -> bool:
    """Relative links and http(s)/mailto only: no javascript:, data:, vbscript:..."""
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url))
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return False
    return scheme in SAFE_LINK_SCHEMES


@lru_cache(maxsize=4)
def markdown(allow_html: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(anchors_plugin, min_level=1, max_level=4, slug_func=lambda s: slugify(s, "section"),
           permalink=False)
    md.validateLink = is_safe_url
    return md


# An episode's page and its feed item both show its notes (0.3 ms of Markdown each at
# N = 1,000): kept for about as many episodes, so phases in one process share them.
@lru_cache(maxsize=2048)
def render_notes(text: str, allow_html: bool = False) -> str:
    """Show notes as HTML; headings shift down a level (the page owns <h1>)."""
    md = markdown(allow_html)
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag in ("h1", "h2", "h3",
                                                                              "h4", "h5"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return md.renderer.render(tokens, md.options, {})


def has_inline_syntax(text: str) -> bool:
    """Whether Markdown would render `text` as more than its escaped characters."""
    return (_INLINE_CHARS.search(text) is not None or "~~" in text
            or ("&" in text and _ENTITY.search(text) is not None))


def may_change_inline(text: str) -> bool:
    """Whether inline rendering may give more than `text` itself: one of the characters
    Markdown or HTML escaping acts on is in it (has_inline_syntax's, and `>`). Ten
    `in` tests scan the text several times faster than one character class."""
    return ("*" in text or "_" in text or "`" in text or "[" in text or "]" in text
            or "\\" in text or "<" in text or ">" in text or "&" in text or "~" in text)


def render_inline(text: str) -> str:
    """One paragraph of transcript text; the fast path skips Markdown when it has none."""
    if not may_change_inline(text):
        return text   # most paragraphs: words and punctuation
    if not has_inline_syntax(text):
        return html.escape(text, quote=False)
    return markdown(False).renderInline(text)


def plain_text(text: str) -> str:
    """The words of a Markdown document, for search and feed summaries."""
    if not _MARKDOWN_CHARS.search(text) and "#" not in text:
        return " ".join(text.split())
    words: list[str] = []
    for token in markdown(False).parse(text):
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
            words.append(" ")
        elif token.type in ("code_block", "fence"):
            words.append(token.content)
    return " ".join("".join(words).split())
