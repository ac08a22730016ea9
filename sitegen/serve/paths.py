"""Request paths to file paths, refusing anything that could leave the served folder.

A request path is decoded exactly once, like a browser would mean it. Before
that, every further decoding is checked too, so `..` hides in no encoding:
`%2e%2e`, `%252e%252e` (double), `%2f`, backslashes and NUL are all refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# How many rounds of percent-decoding are checked for a hidden `..`, `\` or NUL.
_DECODE_ROUNDS = 4


class Refused(ValueError):
    """A request path that is malformed or points outside the served folder."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class RequestPath:
    parts: tuple[str, ...]     # decoded segments, none empty, none hidden
    trailing_slash: bool
    query: str

    @property
    def relative(self) -> str:
        return "/".join(self.parts)


def parse_request_path(raw: str) -> RequestPath:
    """The decoded, checked segments of a request target such as `/a/b%20c/?q=1`."""
    split = urlsplit(raw)
    path = split.path
    if not path.startswith("/"):
        raise Refused(400, "the request path must start with /")
    _refuse_hidden_traversal(path)
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise Refused(400, "the request path is not valid UTF-8") from None
    parts = tuple(part for part in decoded.split("/") if part)
    for part in parts:
        if part.startswith("."):  # `..`, `.`, and hidden files such as the build marker
            raise Refused(403, "hidden files and parent folders are not served")
    return RequestPath(parts, decoded.endswith("/"), split.query)


def _refuse_hidden_traversal(path: str) -> None:
    current = path
    for _ in range(_DECODE_ROUNDS):
        if "\\" in current or "\x00" in current:
            raise Refused(400, "backslashes and NUL are not allowed in paths")
        if any(segment in ("..", ".") for segment in current.split("/")):
            raise Refused(403, "parent folders are not served")
        decoded = unquote(current, errors="replace")
        if decoded == current:
            return
        current = decoded
    raise Refused(400, "the request path is encoded too many times")
