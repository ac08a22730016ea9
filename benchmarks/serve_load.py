"""`sitegen serve` under load on loopback: live-reload streams held open while many
clients fetch pages, then every client gone at once.

    python benchmarks/serve_load.py                       # 50 streams, 150 clients, 30 s
    python benchmarks/serve_load.py --seconds 10 --clients 50

Serves a copy of the example site with `sitegen serve --port 0` in a subprocess and
then, all on 127.0.0.1:

- opens --streams live-reload streams (`/_sitegen/events`) and keeps them open;
- runs --clients threads, each on its own keep-alive connection, fetching the
  site's pages, assets, transcript files and byte ranges of the audio in turn
  until --seconds have passed; any status other than 200/206/304, a reset or a
  timeout counts as a failed request;
- half-way through, edits one episode, so every stream must be told to reload
  while the clients keep fetching;
- samples the server's threads and resident memory (/proc/PID/status) twice a
  second;
- at the end drops every client and stream without a goodbye and waits for the
  server's thread count to come back to where it was before the load.

Prints the figures; the exit code is 1 when a request failed, a stream missed
the reload, or threads were not given back. Sends traffic to loopback only, for a
bounded time.
"""
from __future__ import annotations

import argparse
import http.client
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.serve_latency import EventStream, edited, start_server  # noqa: E402
from tests.conftest import copy_example_site  # noqa: E402

OK_STATUSES = {200, 206, 304}


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def ok(self, ms: float) -> None:
        with self.lock:
            self.latencies_ms.append(ms)

    def failed(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)


def proc_status(pid: int) -> tuple[int, float]:
    """(threads, resident MB) of a process, from /proc."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024


def _links(base: str, path: str) -> list[str]:
    """Same-site paths a page links to or loads."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    page = urljoin(base, path)
    urls = (urljoin(page, ref) for ref in re.findall(r'(?:href|src)="([^"#?]+)', body))
    return [urlsplit(url).path for url in urls if url.startswith(base)]


def discover(base: str) -> list[tuple[str, dict[str, str]]]:
    """The home page, what it links to, and an episode page's links and files."""
    paths = dict.fromkeys([urlsplit(base).path] + _links(base, urlsplit(base).path))
    episode = next((p for p in paths if "/episodes/" in p and p.endswith("/")), None)
    if episode:
        paths.update(dict.fromkeys(_links(base, episode)))
        paths.update(dict.fromkeys(episode + name for name in
                                   ("transcript.vtt", "transcript.json", "chapters.json")))
    targets: list[tuple[str, dict[str, str]]] = []
    for path in paths:
        if path.endswith(".mp3"):
            targets.append((path, {"Range": "bytes=1000-4999"}))
        targets.append((path, {}))
    return targets


def client(base: str, targets: list, offset: int, deadline: float, tally: Tally,
           stop: threading.Event) -> None:
    host, port = urlsplit(base).hostname, urlsplit(base).port
    conn = http.client.HTTPConnection(host, port, timeout=30)
    i = offset
    while time.perf_counter() < deadline and not stop.is_set():
        path, headers = targets[i % len(targets)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status not in OK_STATUSES:
                tally.failed(f"{response.status} {path}")
            else:
                tally.ok((time.perf_counter() - started) * 1000)
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
        except (OSError, http.client.HTTPException) as exc:
            tally.failed(f"{type(exc).__name__} {path}")
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.sock and conn.sock.close()  # gone without a goodbye, as a closed tab is


def run(site: Path, seconds: float, streams: int, clients: int) -> int:
    process, base, startup = start_server(site)
    pid = process.pid
    try:
        time.sleep(0.5)
        threads_before, rss_before = proc_status(pid)
        targets = discover(base)
        events = [EventStream(base) for _ in range(streams)]
        time.sleep(0.5)
        tally, stop, samples = Tally(), threading.Event(), []
        deadline = time.perf_counter() + seconds
        workers = [threading.Thread(target=client, args=(base, targets, i * 7, deadline, tally, stop),
                                    daemon=True) for i in range(clients)]
        for worker in workers:
            worker.start()
        edit_at = time.perf_counter() + seconds / 2
        edit_done = None
        episode = sorted((site / "content" / "episodes").glob("*.md"))[0]
        original = episode.read_text(encoding="utf-8")
        while time.perf_counter() < deadline:
            samples.append(proc_status(pid))
            if edit_done is None and time.perf_counter() >= edit_at:
                edit_done = time.perf_counter()
                episode.write_text(edited(original, "loadprobe"), encoding="utf-8")
            time.sleep(0.5)
        for worker in workers:
            worker.join(60)
        reloads = sum(any(kind == "reload" and stamp >= (edit_done or 0) for stamp, kind in s.events)
                      for s in events)
        for stream in events:
            stream.close()
        episode.write_text(original, encoding="utf-8")
        threads_after = _wait_for_threads(pid, threads_before, 15)
        _, rss_after = proc_status(pid)
    finally:
        process.send_signal(2)
        try:
            process.wait(30)
        except Exception:
            process.kill()
    return report(tally, samples, streams, clients, seconds, reloads, len(targets),
                  (threads_before, threads_after), (rss_before, rss_after), startup,
                  process.returncode)


def _wait_for_threads(pid: int, baseline: int, timeout: float) -> int:
    until = time.perf_counter() + timeout
    while True:
        threads, _ = proc_status(pid)
        if threads <= baseline + 2 or time.perf_counter() > until:
            return threads
        time.sleep(0.2)


def report(tally: Tally, samples: list, streams: int, clients: int, seconds: float,
           reloads: int, urls: int, threads: tuple[int, int], rss: tuple[float, float],
           startup: float, exit_code: int | None) -> int:
    lat = sorted(tally.latencies_ms)
    pct = (lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]) if lat else (lambda p: 0.0)
    peak_threads = max(t for t, _ in samples)
    peak_rss = max(r for _, r in samples)
    done = len(lat) + len(tally.failures)
    print(f"sitegen serve under load: {streams} live-reload streams + {clients} clients for "
          f"{seconds:.0f} s over {urls} URLs (server started in {startup:.1f} s)")
    print(f"  requests            {done:,} ({done / seconds:,.0f}/s), failed {len(tally.failures)}")
    print(f"  latency             median {statistics.median(lat) if lat else 0:.1f} ms, "
          f"p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms, max {lat[-1] if lat else 0:.0f} ms")
    print(f"  reload after edit   {reloads} of {streams} streams")
    print(f"  server threads      {threads[0]} before, peak {peak_threads}, "
          f"{threads[1]} after every client left")
    print(f"  server memory (RSS) {rss[0]:.0f} MB before, peak {peak_rss:.0f} MB, "
          f"{rss[1]:.0f} MB after")
    print(f"  server exit code    {exit_code} (after Ctrl-C)")
    for failure in tally.failures[:10]:
        print(f"  failed: {failure}")
    healthy = (not tally.failures and reloads == streams and threads[1] <= threads[0] + 2
               and exit_code == 0)
    print("  result              " + ("ok" if healthy else "PROBLEM"))
    return 0 if healthy else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a site to serve (default: a copy of the example)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--clients", type=int, default=150)
    args = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="sitegen-load-"))
    try:
        site = args.site or copy_example_site(temp / "site")
        return run(site, args.seconds, args.streams, args.clients)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
