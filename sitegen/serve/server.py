"""The dev server's HTTP side: the current good build, served read-only and safely.

Files are opened once and sent from that open handle, so a build swapped in
mid-response cannot mix two builds' bytes: the old inode stays readable until
the response is done. Connections are counted (a cap, then 503) and tracked, so
shutdown can close idle keep-alive sockets and join every thread.
"""
from __future__ import annotations

import contextlib
import errno
import logging
import mimetypes
import os
import select
import socket
import stat
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO, Callable, ContextManager
from urllib.parse import parse_qs, quote

from sitegen.serve.livereload import EVENTS_PATH, SCRIPT, SCRIPT_PATH, LiveReload, StreamsFull
from sitegen.serve.paths import Refused, RequestPath, parse_request_path
from sitegen.serve.ranges import ByteRange, Unsatisfiable, parse_range
from sitegen.source.audio import MIME_TYPES as AUDIO_TYPES

log = logging.getLogger(__name__)

TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".webp": "image/webp",
}
# Podcasting 2.0: chapters files are `application/json+chapters` (FORMATS.md).
NAMED_TYPES = {"chapters.json": "application/json+chapters"}

_SNIPPET_SRC = f'src="{SCRIPT_PATH}"'.encode()
_NO_BUILD_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>sitegen serve</title></head><body><h1>No good build yet</h1>
<p>The site has not built yet. This page reloads by itself when it does.</p>
<script src="{script}" defer></script></body></html>
"""


def content_type(path: Path) -> str:
    if path.name in NAMED_TYPES:
        return NAMED_TYPES[path.name]
    suffix = path.suffix.lower()
    known = TEXT_TYPES.get(suffix) or AUDIO_TYPES.get(suffix)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class DevHTTPServer(ThreadingHTTPServer):
    """A threaded server whose threads are bounded, tracked and joined on close."""

    daemon_threads = False
    block_on_close = True
    request_queue_size = 128   # the listen backlog: a page load opens several connections

    def __init__(self, address: tuple[str, int], root: Callable[[], Path | None],
                 hub: LiveReload | None = None, max_connections: int = 256,
                 output_lock: ContextManager[Any] | None = None):
        self.root = root
        self.hub = hub
        # Held by the build while it moves files into the live folder: a request
        # opens its file either before that or after, never in between.
        self.output_lock = output_lock or contextlib.nullcontext()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, DevRequestHandler)

    def process_request(self, request: socket.socket, client_address: tuple) -> None:
        if not self._slots.acquire(blocking=False):
            _refuse_busy(request)
            self.shutdown_request(request)
            return
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._forget(request)
            raise

    def process_request_thread(self, request: socket.socket, client_address: tuple) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._forget(request)

    def _forget(self, request: socket.socket) -> None:
        with self._open_lock:
            if request in self._open:
                self._open.discard(request)
                self._slots.release()

    def close_connections(self) -> None:
        """Wake every handler blocked on a socket, so `server_close` can join it."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}/"


def _refuse_busy(request: socket.socket) -> None:
    try:
        request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                        b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass


class DevRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sitegen-serve"
    timeout = 60  # an idle keep-alive connection gives its thread back after this
    server: DevHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        try:
            request = parse_request_path(self.path)
        except Refused as exc:
            self._plain(exc.status, exc.reason, head)
            return
        try:
            self._route(request, head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client left, e.g. an audio seek

    def _route(self, request: RequestPath, head: bool) -> None:
        path = "/" + request.relative
        hub = self.server.hub
        if hub is not None and path == SCRIPT_PATH:
            self._bytes(200, SCRIPT, "text/javascript; charset=utf-8", head)
        elif hub is not None and path == EVENTS_PATH:
            self._events(hub, request.query, head)
        else:
            self._static(request, head)

    def _static(self, request: RequestPath, head: bool) -> None:
        root = self.server.root()
        if root is None:
            self._no_build(head)
            return
        target = root.joinpath(*request.parts)
        with self.server.output_lock:
            folder = target.is_dir()
            if folder:
                target = target / "index.html"
            build_id = self.server.hub.build_id if self.server.hub else None
            handle = _open_inside(root, target)
        if folder and not request.trailing_slash and request.parts:
            if handle is not None:
                handle.close()
            self._redirect("/" + request.relative + "/")
            return
        if handle is None:
            self._not_found(root, head)
            return
        with handle:
            self._file(handle, target, head, build_id, page=_page_key(root, target))

    def _file(self, handle: BinaryIO, target: Path, head: bool, build_id: str | None,
              status: int = 200, page: str | None = None) -> None:
        kind = content_type(target)
        if kind.startswith("text/html"):
            raw = handle.read()
            # The page's own checksum, in its script's URL and in this header: the
            # live-reload script patches a page only from a copy of what it was served.
            checksum = f"{zlib.crc32(raw):08x}"
            body = _with_build_id(raw, build_id, page, checksum)
            self._bytes(status, body, kind, head, cache="no-store",
                        extra={"X-Sitegen-Page": checksum})
            return
        info = os.fstat(handle.fileno())
        etag = f'"{info.st_ino:x}-{info.st_size:x}-{info.st_mtime_ns:x}"'
        if status == 200 and etag in self.headers.get("If-None-Match", ""):
            self._head(304, {"ETag": etag})
            return
        wanted = self.headers.get("Range") if status == 200 else None
        if self.headers.get("If-Range") not in (None, etag):
            wanted = None
        try:
            byte_range = parse_range(wanted, info.st_size)
        except Unsatisfiable:
            self._head(416, {"Content-Range": f"bytes */{info.st_size}",
                             "Content-Length": "0"})
            return
        self._send_range(handle, info.st_size, byte_range, kind, etag, head, status)

    def _send_range(self, handle: BinaryIO, size: int, byte_range: ByteRange | None,
                    kind: str, etag: str, head: bool, status: int) -> None:
        span = byte_range or ByteRange(0, size - 1)
        headers = {"Content-Type": kind, "Content-Length": str(max(span.length, 0)),
                   "Accept-Ranges": "bytes", "ETag": etag, "Cache-Control": "no-cache"}
        if byte_range is not None:
            status = 206
            headers["Content-Range"] = byte_range.content_range(size)
        self._head(status, headers)
        if not head and span.length > 0:
            self.connection.sendfile(handle, span.start, span.length)

    def _events(self, hub: LiveReload, query: str, head: bool) -> None:
        fields = parse_qs(query)
        build_id = self.headers.get("Last-Event-ID") or fields.get("b", [None])[0]
        page = fields.get("p", [None])[0]
        seen = hub.since(build_id)
        if head:
            self._head(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
            return
        self.close_connection = True
        try:
            hub.stream(self._stream_writer(), seen, self._peer_connected, page)
        except StreamsFull as exc:
            self._plain(503, str(exc), head, {"Retry-After": "2"})

    def _stream_writer(self) -> Callable[[bytes], None]:
        started = False

        def write(data: bytes) -> None:
            nonlocal started
            if not started:
                started = True
                self._head(200, {"Content-Type": "text/event-stream",
                                 "Cache-Control": "no-store", "Connection": "close",
                                 "X-Accel-Buffering": "no"})
            self.wfile.write(data)
            self.wfile.flush()
        return write

    def _peer_connected(self) -> bool:
        """False once the client closed its end (readable with no data: EOF)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return True
            return bool(self.connection.recv(1, socket.MSG_PEEK))
        except OSError:
            return False

    def _not_found(self, root: Path, head: bool) -> None:
        with self.server.output_lock:
            page = _open_inside(root, root / "404.html")
        if page is None:
            self._plain(404, "not found", head)
            return
        with page:
            self._file(page, root / "404.html", head, self.server.hub.build_id
                       if self.server.hub else None, status=404, page="404.html")

    def _no_build(self, head: bool) -> None:
        body = _NO_BUILD_PAGE.format(script=SCRIPT_PATH).encode()
        body = _with_build_id(body, self.server.hub.build_id if self.server.hub else None)
        self._bytes(503, body, "text/html; charset=utf-8", head, cache="no-store")

    def _redirect(self, location: str) -> None:
        self._head(301, {"Location": location, "Content-Length": "0"})

    def _plain(self, status: int, text: str, head: bool,
               extra: dict[str, str] | None = None) -> None:
        self._bytes(status, (text + "\n").encode(), "text/plain; charset=utf-8", head,
                    extra=extra)

    def _bytes(self, status: int, body: bytes, kind: str, head: bool,
               cache: str = "no-cache", extra: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": kind, "Content-Length": str(len(body)),
                   "Cache-Control": cache, **(extra or {})}
        self._head(status, headers)
        if not head:
            self.wfile.write(body)

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()


def _open_inside(root: Path, target: Path) -> BinaryIO | None:
    """The file opened for reading, or None if missing, not a file, or outside root."""
    for _ in range(2):  # a lookup that raced a build swap is retried once
        try:
            real = Path(os.path.realpath(target))
            root_real = Path(os.path.realpath(root))
            if real != root_real and root_real not in real.parents:
                log.warning("refused %s: it resolves outside the served folder", target)
                return None
            handle = open(real, "rb")
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                continue
            return None
        if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return handle
        handle.close()
        return None
    return None


def _page_key(root: Path, target: Path) -> str | None:
    try:
        return target.relative_to(root).as_posix()
    except ValueError:
        return None


def _with_build_id(body: bytes, build_id: str | None, page: str | None = None,
                   checksum: str | None = None) -> bytes:
    """Tell the page's script which build and which output file it is showing."""
    if build_id is None:
        return body
    query = f"b={quote(build_id)}" + (f"&amp;p={quote(page)}" if page else "") \
        + (f"&amp;h={checksum}" if checksum else "")
    return body.replace(_SNIPPET_SRC, f'src="{SCRIPT_PATH}?{query}"'.encode(), 1)
