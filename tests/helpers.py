"""Small helpers for tests: a static file server on loopback for a built site."""
from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit


def site_prefix(root: Path) -> str:
    """The URL path a built site expects to live under (`/loadpath/`), from its sitemap."""
    sitemap = root / "sitemap.xml"
    if sitemap.is_file():
        match = re.search(r"<loc>([^<]+)</loc>", sitemap.read_text(encoding="utf-8"))
        if match:
            path = urlsplit(match.group(1)).path
            return path if path.endswith("/") else path + "/"
    return "/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "\x00missing")  # outside the site: 404
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve_static(root: Path, prefix: str | None = None) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 under the path its base_url has.

    Yields the site's base URL, e.g. `http://127.0.0.1:PORT/loadpath/`, so
    `base + "episodes/x/"` reaches a page and root-relative links resolve.
    """
    prefix = prefix or site_prefix(root)
    handler_class = type("Handler", (_Handler,), {"prefix": prefix})
    handler = functools.partial(handler_class, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
