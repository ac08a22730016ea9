"""What the theme's browser tests and benchmarks/quality.py share.

A static server that honours HTTP byte ranges (browsers need them to seek in
audio, and Python's SimpleHTTPRequestHandler has none), and where the Node tools
for the quality gates live: `.ci/run` installs axe-core, vnu-jar and lighthouse
with npm into SITEGEN_NODE_TOOLS (default ~/.cache/sitegen-node).
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, Iterator

NODE_TOOLS = Path(os.environ.get("SITEGEN_NODE_TOOLS",
                                 Path.home() / ".cache" / "sitegen-node"))
NODE_MODULES = NODE_TOOLS / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"
LIGHTHOUSE_VERSION = "12.2.3"


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, with single byte-range requests answered as 206."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self) -> BinaryIO | None:  # type: ignore[override]
        self._remaining: int | None = None
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        if not match or not os.path.isfile(path) or match.groups() == ("", ""):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last or size - 1), size - 1)
        else:
            start, end = max(0, size - int(last)), size - 1
        if start > end:
            self.send_error(416, "Range Not Satisfiable")
            return None
        handle = open(path, "rb")
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._remaining = end - start + 1
        return handle

    def copyfile(self, source: BinaryIO, outputfile: BinaryIO) -> None:  # type: ignore[override]
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            super().copyfile(source, outputfile)
            return
        while remaining > 0:
            chunk = source.read(min(65536, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)


@contextlib.contextmanager
def serve_site(public: Path, base_path: str = "/") -> Iterator[str]:
    """Serve a built site on loopback at `base_path` (`/loadpath/`); yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="sitegen-serve-") as tmp:
        top = Path(tmp)
        parts = [p for p in base_path.split("/") if p]
        if parts:
            mount = top.joinpath(*parts)
            mount.parent.mkdir(parents=True, exist_ok=True)
            mount.symlink_to(public.resolve(), target_is_directory=True)
        else:
            top = public
        handler = functools.partial(RangeHandler, directory=str(top))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            prefix = "/" + "".join(p + "/" for p in parts)
            yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
        finally:
            server.shutdown()
            server.server_close()


def java() -> str | None:
    return shutil.which("java")
