"""`sitegen serve` without a browser: HTTP (Range, HEAD, MIME, traversal), live-reload
streams, the watcher's filtering and debouncing, and the dev server's rebuild loop."""
from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from sitegen.output import Staging
from sitegen.serve.devserver import DevServer, ServeOptions
from sitegen.serve.livereload import LiveReload, StreamsFull, reload_scope
from sitegen.serve.paths import Refused, parse_request_path
from sitegen.serve.ranges import ByteRange, Unsatisfiable, parse_range
from sitegen.serve.server import DevHTTPServer
from sitegen.serve.watcher import ChangeSet, Debouncer, Watcher, is_ignored

AUDIO = bytes(range(256)) * 40  # 10,240 bytes, every offset distinguishable
SECRET = b"top secret, outside the served folder"


# --- a served folder ------------------------------------------------------------------

@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, LiveReload]]:
    """A small built-looking folder served by DevHTTPServer; yields (root, host:port, hub)."""
    (tmp_path / "secret.txt").write_bytes(SECRET)
    root = tmp_path / "site"
    files = {
        "index.html": b'<html><body>home<script src="/_sitegen/livereload.js" defer>'
                      b"</script></body></html>",
        "404.html": b'<html><body>no such page<script src="/_sitegen/livereload.js" defer>'
                    b"</script></body></html>",
        "episodes/one/index.html": b"<html><body>episode one</body></html>",
        "episodes/one/transcript.vtt": b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n",
        "episodes/one/transcript.srt": b"1\n00:00:00,000 --> 00:00:01,000\nhi\n",
        "episodes/one/transcript.json": b'{"version": "1.0.0", "segments": []}',
        "episodes/one/chapters.json": b'{"version": "1.2.0", "chapters": []}',
        "audio/one.mp3": AUDIO,
        "static/style.abc.css": b"body{}",
        "feed.xml": b"<rss/>",
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    hub = LiveReload(heartbeat=1.0, max_streams=4)
    with running(DevHTTPServer(("127.0.0.1", 0), lambda: root, hub)) as address:
        yield root, address, hub


@contextlib.contextmanager
def running(server: DevHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield "%s:%d" % server.server_address[:2]
    finally:
        server.hub and server.hub.close()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(5)


def get(address: str, path: str, method: str = "GET",
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(address, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, \
            response.read()
    finally:
        conn.close()


def raw_request(address: str, target: bytes) -> tuple[int, bytes]:
    """Send a request line byte for byte (http.client refuses some of these)."""
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


# --- Range and HEAD ------------------------------------------------------------------

@pytest.mark.parametrize("header,start,end", [
    ("bytes=0-9", 0, 9),
    ("bytes=1000-1999", 1000, 1999),
    ("bytes=10000-", 10000, len(AUDIO) - 1),
    ("bytes=-100", len(AUDIO) - 100, len(AUDIO) - 1),
    ("bytes=10200-99999", 10200, len(AUDIO) - 1),
])
def test_range_request_answers_206_with_the_exact_bytes(served, header, start, end):
    _, address, _ = served
    status, headers, body = get(address, "/audio/one.mp3", headers={"Range": header})
    assert status == 206
    assert body == AUDIO[start:end + 1]
    assert headers["content-range"] == f"bytes {start}-{end}/{len(AUDIO)}"
    assert headers["content-length"] == str(end - start + 1)
    assert headers["content-type"] == "audio/mpeg"


def test_range_past_the_end_is_416_with_the_size(served):
    _, address, _ = served
    status, headers, body = get(address, "/audio/one.mp3",
                                headers={"Range": f"bytes={len(AUDIO)}-"})
    assert status == 416
    assert headers["content-range"] == f"bytes */{len(AUDIO)}"
    assert body == b""


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=9-2", "items=0-1", "bytes=x-y"])
def test_ranges_not_served_as_one_span_get_the_whole_file(served, header):
    _, address, _ = served
    status, headers, body = get(address, "/audio/one.mp3", headers={"Range": header})
    assert status == 200
    assert body == AUDIO
    assert headers["accept-ranges"] == "bytes"


def test_if_range_with_a_stale_etag_gets_the_whole_file(served):
    _, address, _ = served
    _, headers, _ = get(address, "/audio/one.mp3", method="HEAD")
    status, _, body = get(address, "/audio/one.mp3",
                          headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert (status, body) == (200, AUDIO)
    status, _, body = get(address, "/audio/one.mp3",
                          headers={"Range": "bytes=0-9", "If-Range": headers["etag"]})
    assert (status, body) == (206, AUDIO[:10])


def test_head_sends_the_headers_of_get_and_no_body(served):
    _, address, _ = served
    conn = http.client.HTTPConnection(address, timeout=5)
    conn.request("HEAD", "/audio/one.mp3")
    head = conn.getresponse()
    assert head.status == 200
    assert head.getheader("Content-Length") == str(len(AUDIO))
    assert head.getheader("Accept-Ranges") == "bytes"
    assert head.read() == b""
    # the same keep-alive connection is still in step: no body was sent after HEAD
    conn.request("GET", "/episodes/one/transcript.vtt")
    follow = conn.getresponse()
    assert follow.status == 200 and follow.read().startswith(b"WEBVTT")
    conn.close()


def test_head_of_a_range_reports_the_partial_length(served):
    _, address, _ = served
    status, headers, body = get(address, "/audio/one.mp3", "HEAD", {"Range": "bytes=0-99"})
    assert (status, headers["content-length"], body) == (206, "100", b"")


def test_etag_revalidation_answers_304(served):
    _, address, _ = served
    _, headers, _ = get(address, "/episodes/one/transcript.vtt")
    status, _, body = get(address, "/episodes/one/transcript.vtt",
                          headers={"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")


# --- MIME types, folders, 404 --------------------------------------------------------

@pytest.mark.parametrize("path,expected", [
    ("/episodes/one/transcript.vtt", "text/vtt; charset=utf-8"),
    ("/episodes/one/transcript.srt", "application/x-subrip; charset=utf-8"),
    ("/episodes/one/transcript.json", "application/json"),
    ("/episodes/one/chapters.json", "application/json+chapters"),
    ("/audio/one.mp3", "audio/mpeg"),
    ("/static/style.abc.css", "text/css; charset=utf-8"),
    ("/feed.xml", "application/xml; charset=utf-8"),
    ("/episodes/one/", "text/html; charset=utf-8"),
])
def test_content_types(served, path, expected):
    _, address, _ = served
    status, headers, _ = get(address, path)
    assert status == 200
    assert headers["content-type"] == expected


def test_folder_without_slash_redirects_and_folder_serves_its_index(served):
    _, address, _ = served
    status, headers, _ = get(address, "/episodes/one")
    assert (status, headers["location"]) == (301, "/episodes/one/")
    status, _, body = get(address, "/episodes/one/?t=5")
    assert (status, body) == (200, b"<html><body>episode one</body></html>")


def test_missing_page_gets_the_sites_404_page_with_status_404(served):
    _, address, _ = served
    status, _, body = get(address, "/episodes/none/")
    assert status == 404
    assert b"no such page" in body


def test_pages_learn_the_build_they_were_served_at(served):
    _, address, hub = served
    _, headers, body = get(address, "/")
    checksum = headers["x-sitegen-page"]
    # the checksum is of the page as built, before the server tells it its build
    assert re.fullmatch("[0-9a-f]{8}", checksum)
    assert (f'src="/_sitegen/livereload.js?b={hub.build_id}&amp;p=index.html'
            f'&amp;h={checksum}"').encode() in body
    assert headers["content-length"] == str(len(body))
    assert headers["cache-control"] == "no-store"
    _, _, missing = get(address, "/episodes/none/")
    assert f"?b={hub.build_id}&amp;p=404.html".encode() in missing


# --- traversal -----------------------------------------------------------------------

TRAVERSALS = [
    b"/../secret.txt", b"/../../secret.txt", b"/episodes/../../secret.txt",
    b"/%2e%2e/secret.txt", b"/%2E%2E/secret.txt", b"/.%2e/secret.txt",
    b"/%2e%2e%2fsecret.txt", b"/..%2fsecret.txt", b"/..%2Fsecret.txt",
    b"/%252e%252e/secret.txt", b"/%252e%252e%252fsecret.txt", b"/%25252e%25252e/secret.txt",
    b"/..%5csecret.txt", b"/..\\secret.txt", b"/%5c..%5csecret.txt",
    b"/%c0%ae%c0%ae/secret.txt", b"/%00/../secret.txt", b"/index.html%00.txt",
    b"//../secret.txt", b"http://x/../secret.txt", b"/escape.txt", b"/.sitegen-output",
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=lambda t: t.decode("latin-1"))
def test_requests_outside_the_folder_are_refused_in_any_encoding(served, target):
    _, address, _ = served
    status, data = raw_request(address, target)
    assert status in (400, 403, 404), data[:200]
    assert SECRET not in data


@pytest.mark.parametrize("raw", ["/a/../b", "/%2e%2e", "/%252e%252e/x", "/a%5cb", "/a%00",
                                 "/.git/config", "/%ff"])
def test_parse_request_path_refuses(raw):
    with pytest.raises(Refused):
        parse_request_path(raw)


def test_parse_request_path_decodes_once():
    parsed = parse_request_path("/episodes/caf%C3%A9%20bar/?q=1")
    assert parsed.parts == ("episodes", "café bar")
    assert parsed.trailing_slash and parsed.query == "q=1"
    # a literal percent sign in a file name is decoded once, never twice
    assert parse_request_path("/100%25.html").parts == ("100%.html",)


def test_parse_range_unit():
    assert parse_range("bytes=0-0", 10) == ByteRange(0, 0)
    assert parse_range(None, 10) is None
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=-0", 10)
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=0-", 0)


# --- consistency across a build swap -------------------------------------------------

def test_a_response_in_flight_during_a_swap_sends_one_builds_bytes(tmp_path: Path):
    """Start reading a big file, swap in a new build, finish reading: old bytes only."""
    target = tmp_path / "out"
    size = 24 * 1024 * 1024
    old, new = b"A" * size, b"B" * size
    for payload in (old,):
        staging = Staging(target)
        staging.write("audio/big.mp3", payload)
        staging.commit()
    with running(DevHTTPServer(("127.0.0.1", 0), lambda: target)) as address:
        conn = http.client.HTTPConnection(address, timeout=10)
        conn.request("GET", "/audio/big.mp3")
        response = conn.getresponse()
        first = response.read(64 * 1024)
        staging = Staging(target)
        staging.write("audio/big.mp3", new)
        staging.commit()
        assert (target / "audio/big.mp3").read_bytes()[:1] == b"B"
        rest = response.read()
        conn.close()
    body = first + rest
    assert len(body) == size
    assert body == old


def test_files_are_opened_only_outside_an_in_place_update(tmp_path: Path):
    """While a build moves files into the live folder (holding the output lock), a
    request waits; it then opens the updated file."""
    root = tmp_path / "out"
    root.mkdir()
    (root / "index.html").write_text("old")
    lock = threading.Lock()
    with running(DevHTTPServer(("127.0.0.1", 0), lambda: root, output_lock=lock)) as address:
        results: list[bytes] = []
        with lock:
            fetch = threading.Thread(target=lambda: results.append(get(address, "/")[2]))
            fetch.start()
            fetch.join(0.3)
            assert fetch.is_alive() and not results
            (root / "index.html").write_text("new")
        fetch.join(5)
    assert results == [b"new"]


# --- live reload ---------------------------------------------------------------------

class EventClient:
    """A minimal EventSource: reads `event:` names from /_sitegen/events."""

    def __init__(self, address: str, build_id: str | None = None, page: str | None = None):
        host, port = address.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        query = f"?b={build_id}" if build_id else ""
        query += f"&p={page}" if page else ""
        self.sock.sendall(f"GET /_sitegen/events{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        self.buffer = b""

    def next_event(self, timeout: float = 5) -> tuple[str, str] | None:
        self.sock.settimeout(timeout)
        while True:
            head, sep, rest = self.buffer.partition(b"\n\n")
            if sep:
                self.buffer = rest
                fields = dict(line.split(": ", 1) for line in head.decode().splitlines()
                              if ": " in line and not line.startswith(":"))
                if "event" in fields:
                    return fields["event"], fields.get("data", "")
                continue
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                return None
            if not chunk:
                return None
            self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def test_event_stream_reloads_after_a_good_build_and_shows_problems_after_a_bad_one(served):
    _, address, hub = served
    client = EventClient(address, hub.build_id)
    assert client.next_event(0.3) is None          # up to date: nothing to do
    hub.publish_success()
    assert client.next_event() == ("reload", "{}")
    hub.publish_failure([{"file": "site.yaml", "line": 3, "message": "bad"}])
    kind, data = client.next_event()
    assert kind == "problems" and '"line": 3' in data
    hub.publish_success(css_only=True)             # recovering always reloads
    assert client.next_event()[0] == "reload"
    hub.publish_success(css_only=True)
    assert client.next_event()[0] == "css"
    client.close()


def test_a_page_opened_before_a_build_catches_up_when_its_stream_opens(served):
    _, address, hub = served
    served_at = hub.build_id
    hub.publish_success(css_only=True)
    hub.publish_success()
    client = EventClient(address, served_at)
    assert client.next_event()[0] == "reload"
    client.close()
    stale = EventClient(address, "another-server-7")
    assert stale.next_event()[0] == "reload"
    stale.close()


def test_only_the_pages_a_build_changed_reload(served):
    _, address, hub = served
    episode = EventClient(address, hub.build_id, "episodes/one/index.html")
    home = EventClient(address, hub.build_id, "index.html")
    hub.publish_success(pages=frozenset({"episodes/one/index.html"}))
    assert episode.next_event()[0] == "reload"
    assert home.next_event(0.3) is None
    hub.publish_success(pages=None)
    assert home.next_event()[0] == "reload"
    late = EventClient(address, hub.build_id, "index.html")
    hub.publish_success(pages=frozenset({"search/"}))
    search = EventClient(address, "x", "search/index.html")   # another server's page
    assert late.next_event(0.3) is None
    assert search.next_event()[0] == "reload"
    for client in (episode, home, late, search):
        client.close()


def test_missed_builds_reload_only_the_pages_they_changed(served):
    _, address, hub = served
    served_at = hub.build_id
    hub.publish_success(pages=frozenset({"episodes/one/index.html"}))
    client = EventClient(address, served_at, "index.html")
    assert client.next_event(0.3) is None
    client.close()
    client = EventClient(address, served_at, "episodes/one/index.html")
    assert client.next_event()[0] == "reload"
    client.close()


@pytest.mark.parametrize("changed,expected", [
    (["episodes/a/index.html", "index.html"], {"episodes/a/index.html", "index.html"}),
    (["feed.xml", "sitemap.xml", "robots.txt"], set()),
    (["episodes/a/transcript.vtt", "episodes/a/chapters.json"], {"episodes/a/"}),
    (["search/index/manifest.json", "search/index/t/ab12.json"], {"search/"}),
    (["static/style.0123456789.css"], None),
    (["episodes/a/index.html", "artwork.png"], None),
    (["audio/a.mp3"], None),
])
def test_reload_scope(changed, expected):
    scope = reload_scope(changed)
    assert (scope if scope is None else set(scope)) == expected


def test_a_page_opened_during_a_failure_shows_the_overlay_at_once(served):
    _, address, hub = served
    hub.publish_failure([{"file": "content/episodes/x.md", "line": 9, "message": "oops"}])
    client = EventClient(address, hub.build_id)
    kind, data = client.next_event()
    assert kind == "problems" and "x.md" in data
    client.close()


def test_event_streams_are_capped_and_dead_clients_free_their_slot(served):
    _, address, hub = served
    clients = [EventClient(address, hub.build_id) for _ in range(hub.max_streams)]
    wait_until(lambda: hub.open_streams == hub.max_streams)
    status, _, _ = get(address, "/_sitegen/events")
    assert status == 503
    for client in clients:
        client.close()
    wait_until(lambda: hub.open_streams == 0, timeout=5)
    late = EventClient(address, hub.build_id)
    wait_until(lambda: hub.open_streams == 1)
    late.close()


def test_fifty_streams_and_many_page_loads_at_once(tmp_path: Path):
    root = tmp_path / "out"
    (root / "audio").mkdir(parents=True)
    (root / "index.html").write_text("<html><body>home</body></html>")
    (root / "audio" / "a.mp3").write_bytes(AUDIO)
    hub = LiveReload(max_streams=60)
    with running(DevHTTPServer(("127.0.0.1", 0), lambda: root, hub)) as address:
        streams = [EventClient(address, hub.build_id) for _ in range(50)]
        wait_until(lambda: hub.open_streams == 50, timeout=10)
        statuses: list[int] = []

        def load(i: int) -> None:
            path, headers = ("/", {}) if i % 2 else ("/audio/a.mp3", {"Range": "bytes=5-9"})
            statuses.append(get(address, path, headers=headers)[0])

        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(30) as pool:
            list(pool.map(load, range(150)))
        hub.publish_success()
        events = [stream.next_event(10) for stream in streams]
        for stream in streams:
            stream.close()
        wait_until(lambda: hub.open_streams == 0, timeout=10)
    assert sorted(set(statuses)) == [200, 206] and len(statuses) == 150
    assert all(event is not None and event[0] == "reload" for event in events)


def test_stream_cap_is_enforced_by_the_hub():
    hub = LiveReload(max_streams=0)
    with pytest.raises(StreamsFull):
        hub.stream(lambda data: None, 0, lambda: True)


def test_the_script_is_served(served):
    _, address, _ = served
    status, headers, body = get(address, "/_sitegen/livereload.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert b"EventSource" in body and b"innerHTML" not in body


def wait_until(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


# --- the watcher ---------------------------------------------------------------------

@pytest.mark.parametrize("name", [".x.md.swp", "x.md.swo", "x.md~", "4913", ".#x.md", "#x.md#",
                                  ".~lock.x.md#", "x.md.tmp", ".DS_Store", "x.md___jb_tmp___"])
def test_editor_temp_files_are_ignored(name):
    assert is_ignored(Path("/site/content/episodes") / name)


@pytest.mark.parametrize("path", ["/site/content/episodes/2026-01-01-x.md",
                                  "/site/themes/default/static/style.css", "/site/site.yaml"])
def test_sources_are_not_ignored(path):
    assert not is_ignored(Path(path))


def test_ignored_folders():
    assert is_ignored(Path("/site/content/.git/index"))
    assert is_ignored(Path("/site/themes/x/node_modules/a.css"))


def test_debouncer_turns_a_burst_into_one_batch():
    debouncer = Debouncer(quiet=0.08)
    for i in range(5):
        debouncer.add([Path(f"/s/content/e{i % 2}.md")])
        time.sleep(0.02)
    batch = debouncer.next_batch(timeout=1)
    assert batch == ChangeSet(frozenset({Path("/s/content/e0.md"), Path("/s/content/e1.md")}),
                              full=False)
    assert debouncer.next_batch(timeout=0.2) is None


def test_debouncer_waits_for_quiet():
    debouncer = Debouncer(quiet=0.15)
    debouncer.add([Path("/s/content/a.md")])
    started = time.monotonic()
    threading.Timer(0.1, debouncer.add, [[Path("/s/content/b.md")]]).start()
    batch = debouncer.next_batch(timeout=2)
    assert batch is not None and len(batch.paths) == 2
    assert time.monotonic() - started >= 0.24


def test_debouncer_mass_change_and_config_mean_full_rebuild():
    debouncer = Debouncer(quiet=0.01, mass=10)
    debouncer.add(Path(f"/s/content/e{i}.md") for i in range(50))
    assert debouncer.next_batch(timeout=1).full
    debouncer.add([Path("/s/site.yaml")])
    assert debouncer.next_batch(timeout=1).full
    debouncer.add([Path("/s/content/e1.md")])
    assert not debouncer.next_batch(timeout=1).full


def test_css_only_change_sets():
    css = ChangeSet(frozenset({Path("/s/themes/t/static/style.css")}), False)
    assert css.css_only
    assert not ChangeSet(frozenset({Path("/s/content/x.css")}), False).css_only
    assert not ChangeSet(css.paths | {Path("/s/content/e.md")}, False).css_only
    assert not ChangeSet(css.paths, True).css_only


@pytest.fixture
def watched(tmp_path: Path, request) -> Iterator[tuple[Path, Debouncer]]:
    root = tmp_path / "site"
    (root / "content" / "episodes").mkdir(parents=True)
    (root / "site.yaml").write_text("title: x\n")
    (root / "content" / "episodes" / "a.md").write_text("one\n")
    (root / "README").write_text("not a source\n")
    debouncer = Debouncer(quiet=0.25)   # generous: the test machine may be busy
    watcher = Watcher(root, debouncer, poll=getattr(request, "param", False),
                      poll_interval=0.1)
    watcher.start()
    time.sleep(0.2)
    yield root, debouncer
    watcher.stop()


@pytest.mark.parametrize("temp_name", [
    ".a.md.tmp123",   # a hidden temp file: ignored by its name
    "tmpk2x9q7ab",    # Python's tempfile, atomicwrites: no pattern ignores it, but it is
])                    # gone again by the end of the burst
def test_atomic_save_counts_as_a_change_of_the_destination(watched, temp_name):
    root, debouncer = watched
    target = root / "content" / "episodes" / "a.md"
    temp = target.with_name(temp_name)
    temp.write_text("two\n")
    os.replace(temp, target)
    batch = debouncer.next_batch(timeout=3)
    assert batch is not None and batch.paths == {target}


def test_an_atomic_save_of_a_stylesheet_stays_css_only(tmp_path):
    style = tmp_path / "static" / "style.css"
    style.parent.mkdir()
    style.write_text("a{}")
    debouncer = Debouncer(quiet=0.01)
    temp = style.with_name("tmp3fj2a1")
    debouncer.add([temp], born=True)       # created, written, then renamed over style.css
    debouncer.add([temp, style])
    batch = debouncer.next_batch(timeout=1)
    assert batch is not None and batch.paths == {style} and batch.css_only


def test_a_file_deleted_in_a_burst_still_counts(tmp_path):
    gone = tmp_path / "e.md"       # existed before the burst: its removal is a change
    debouncer = Debouncer(quiet=0.01)
    debouncer.add([gone])
    batch = debouncer.next_batch(timeout=1)
    assert batch is not None and batch.paths == {gone}


def test_vim_style_save_is_one_batch_of_the_real_file(watched):
    root, debouncer = watched
    folder = root / "content" / "episodes"
    target = folder / "a.md"
    (folder / "4913").write_text("")
    (folder / "4913").unlink()
    (folder / ".a.md.swp").write_bytes(b"swap")
    os.rename(target, folder / "a.md~")
    target.write_text("three\n")
    (folder / "a.md~").unlink()
    (folder / ".a.md.swp").unlink()
    batch = debouncer.next_batch(timeout=3)
    assert batch is not None and batch.paths == {target}
    assert debouncer.next_batch(timeout=0.4) is None


def test_reading_files_and_unwatched_files_cause_no_rebuild(watched):
    root, debouncer = watched
    (root / "content" / "episodes" / "a.md").read_text()
    (root / "README").write_text("still not a source\n")
    assert debouncer.next_batch(timeout=0.5) is None


def test_site_yaml_and_new_folders_are_watched(watched):
    root, debouncer = watched
    (root / "site.yaml").write_text("title: y\n")
    batch = debouncer.next_batch(timeout=3)
    assert batch is not None and batch.full
    (root / "templates").mkdir()
    assert debouncer.next_batch(timeout=3) is not None
    time.sleep(0.2)
    (root / "templates" / "episode.html").write_text("{{ 1 }}")
    batch = debouncer.next_batch(timeout=3)
    assert batch is not None and root / "templates" / "episode.html" in batch.paths


def test_a_git_checkout_is_one_full_rebuild(watched):
    root, debouncer = watched
    folder = root / "content" / "episodes"
    for i in range(60):
        (folder / f"e{i}.md").write_text(f"episode {i}\n")
    batch = debouncer.next_batch(timeout=5)
    assert batch is not None and batch.full and len(batch.paths) >= 60
    assert debouncer.next_batch(timeout=0.6) is None


@pytest.mark.parametrize("watched", [True], indirect=True)
def test_polling_observer_sees_an_atomic_save(watched):
    root, debouncer = watched
    target = root / "content" / "episodes" / "a.md"
    temp = root / "content" / "episodes" / "a.md.tmp"
    temp.write_text("polled\n")
    os.replace(temp, target)
    batch = debouncer.next_batch(timeout=3)
    assert batch is not None and target in batch.paths


# --- the dev server ------------------------------------------------------------------

@pytest.fixture
def dev(example_site: Path) -> Iterator[DevServer]:
    server = DevServer(ServeOptions(site_dir=example_site, port=0, quiet=0.05),
                       report=lambda text: None)
    server.start()
    yield server
    server.stop()


def _address(server: DevServer) -> str:
    return server.url.split("//", 1)[1].rstrip("/")


def _episode_file(site: Path) -> Path:
    return next((site / "content" / "episodes").glob("*nine-bars.md"))


def test_edit_rebuilds_and_the_page_shows_it(dev: DevServer, example_site: Path):
    address = _address(dev)
    status, _, body = get(address, "/episodes/nine-bars/")
    assert status == 200 and b"Pressure-cooker pistachios" not in body
    before = dev.last.number
    source = _episode_file(example_site)
    text = source.read_text()
    marker = "## Transcript"
    head, tail = text.split(marker, 1)
    lines = tail.splitlines()
    first_turn = next(i for i, line in enumerate(lines) if ":" in line and line.strip())
    lines[first_turn] += " Pressure-cooker pistachios."
    source.write_text(head + marker + "\n".join(lines) + "\n")
    outcome = dev.wait_for_build(before, timeout=30)
    assert outcome is not None and outcome.ok
    assert source in outcome.changes.paths
    _, _, body = get(address, "/episodes/nine-bars/")
    assert b"Pressure-cooker pistachios." in body


def test_a_broken_site_yaml_keeps_the_last_good_build(dev: DevServer, example_site: Path):
    address = _address(dev)
    config = example_site / "site.yaml"
    good = config.read_text()
    before = dev.last.number
    config.write_text(good.replace("language: en", "language: [en"))
    outcome = dev.wait_for_build(before, timeout=30)
    assert outcome is not None and not outcome.ok
    problem = next(p for p in outcome.problems if p.is_error)
    assert problem.path is not None and problem.path.name == "site.yaml" and problem.line
    status, _, body = get(address, "/")
    assert status == 200 and b"Load Path" in body        # the last good build
    config.write_text(good)
    outcome = dev.wait_for_build(outcome.number, timeout=30)
    assert outcome is not None and outcome.ok


def test_the_build_is_outside_the_site_and_stop_cleans_up(example_site: Path):
    server = DevServer(ServeOptions(site_dir=example_site, port=0), report=lambda t: None)
    before = {t.name for t in threading.enumerate()}
    server.start()
    temp = server.tempdir
    assert temp is not None and example_site.resolve() not in temp.parents
    assert (server.output_dir / "index.html").is_file()
    assert not (example_site / "public").exists()
    client = EventClient(_address(server), server.hub.build_id)   # an open stream
    conn = http.client.HTTPConnection(_address(server), timeout=5)   # an idle keep-alive
    conn.request("GET", "/")
    conn.getresponse().read()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    assert not temp.exists()
    leftover = {t.name for t in threading.enumerate()} - before
    assert not [name for name in leftover if name.startswith(("sitegen", "Thread"))]
    client.close()
    conn.close()


def test_first_build_failing_still_serves_a_page_that_waits(example_site: Path):
    (example_site / "site.yaml").write_text("title: [broken\n")
    server = DevServer(ServeOptions(site_dir=example_site, port=0), report=lambda t: None)
    server.start()
    try:
        status, _, body = get(_address(server), "/")
        assert status == 503 and b"/_sitegen/livereload.js?b=" in body
    finally:
        server.stop()


# --- the command ---------------------------------------------------------------------

def test_serve_command_prints_the_url_and_stops_on_ctrl_c(example_site: Path):
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(example_site), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving http://127.0.0.1:"), line
        url = line.split()[1]
        status, _, body = get(url.split("//")[1].rstrip("/"), "/")
        assert status == 200 and b"Load Path" in body
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_serve_command_reports_a_busy_port(example_site: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(example_site),
             "--port", str(port)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "Traceback" not in result.stderr
