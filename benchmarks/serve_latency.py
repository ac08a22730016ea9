"""Edit-to-reload latency of `sitegen serve` on a large synthetic archive.

    python benchmarks/serve_latency.py                 # 1,000 episodes, 10 edits
    python benchmarks/serve_latency.py -n 200 --edits 5 --site /tmp/synth-200

Runs `sitegen serve --port 0` in a subprocess on an archive from
`benchmarks/synth.py`, opens one episode page in chromium (when playwright and
chromium are there), then edits one turn of that episode's transcript ten times.
For each edit it measures, from just before the file is written:

- event:   the live-reload stream announces the rebuild (a Python SSE client),
- visible: the open page shows the new text (chromium reloaded it by itself);
  without chromium, the time to fetch the new page over HTTP after the event.

and prints each edit and the medians. Target: median visible < 300 ms; goal 150 ms.
The machine may be shared: the load average is printed with the results.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.machine import reference_ms  # noqa: E402
from benchmarks.synth import generate  # noqa: E402
from sitegen.errors import Problems  # noqa: E402
from sitegen.source.episode import episode_slug  # noqa: E402

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
TARGET_MS, GOAL_MS = 300, 150


@dataclass(frozen=True)
class Sample:
    event_ms: float
    visible_ms: float


class EventStream:
    """A background SSE reader that timestamps every `event:` it sees."""

    def __init__(self, url: str):
        host, port = url.split("//", 1)[1].rstrip("/").split(":")
        self.sock = socket.create_connection((host, int(port)))
        self.sock.sendall(b"GET /_sitegen/events HTTP/1.1\r\nHost: bench\r\n\r\n")
        self.events: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            self._read_events()
        except OSError:  # closed by us, or by the server on shutdown
            pass

    def _read_events(self) -> None:
        buffer = b""
        while chunk := self.sock.recv(65536):
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                for line in block.decode(errors="replace").splitlines():
                    if line.startswith("event: "):
                        with self.cond:
                            self.events.append((time.perf_counter(), line[7:]))
                            self.cond.notify_all()

    def wait_after(self, since: float, timeout: float) -> tuple[float, str]:
        with self.cond:
            self.cond.wait_for(lambda: any(t >= since for t, _ in self.events), timeout)
            for stamp, kind in self.events:
                if stamp >= since:
                    return stamp, kind
        raise TimeoutError("no live-reload event after the edit")

    def close(self) -> None:
        self.sock.close()


def start_server(site: Path) -> tuple[subprocess.Popen, str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    line = process.stdout.readline()
    if not line.startswith("Serving "):
        process.kill()
        raise SystemExit(f"sitegen serve did not start:\n{line}{process.stderr.read()}")
    for stream in (process.stdout, process.stderr):
        threading.Thread(target=_collect, args=(stream,), daemon=True).start()
    return process, line.split()[1], time.perf_counter() - started


SERVER_LOG: list[str] = []


def _collect(stream) -> None:
    for line in iter(stream.readline, ""):
        SERVER_LOG.append(line)


def probe_file(site: Path) -> Path:
    """A mid-archive episode: its page is listed on no first home page."""
    files = sorted((site / "content" / "episodes").glob("*.md"))
    return files[len(files) // 2]


def edited(text: str, marker: str) -> str:
    head, transcript = text.split("## Transcript", 1)
    turn = re.search(r"^(.+?: \d+:\d\d(?::\d\d)? )", transcript, re.M)
    if turn is None:
        raise SystemExit("no transcript turn found in the probe episode")
    cut = turn.end()
    return head + "## Transcript" + transcript[:cut] + marker + " " + transcript[cut:]


def measure(site: Path, edits: int, use_browser: bool) -> tuple[list[Sample], float]:
    source = probe_file(site)
    original = source.read_text()
    slug = episode_slug(source, None, Problems())
    process, url, startup = start_server(site)
    page_url = f"{url}episodes/{slug}/"
    stream = EventStream(url)
    browser = _open_browser(page_url) if use_browser else None
    samples: list[Sample] = []
    try:
        time.sleep(1.0)
        for i in range(edits):
            marker = f"latencyprobe{i}x{os.getpid()}"
            started = time.perf_counter()
            source.write_text(edited(original, marker))
            event_at, kind = stream.wait_after(started, timeout=120)
            if kind != "reload":
                raise SystemExit(f"edit {i}: expected a reload event, got {kind!r}")
            visible_at = _wait_visible(browser, page_url, marker)
            samples.append(Sample((event_at - started) * 1000, (visible_at - started) * 1000))
            print(f"  edit {i + 1:2d}: event {samples[-1].event_ms:7.1f} ms   "
                  f"visible {samples[-1].visible_ms:7.1f} ms", flush=True)
            time.sleep(0.6)   # let the page settle so edits do not merge into one burst
    finally:
        source.write_text(original)
        if browser:
            browser[0].close()
            browser[1].stop()
        stream.close()
        process.send_signal(2)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    return samples, startup


def _open_browser(page_url: str):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    manager = sync_playwright().start()
    browser = manager.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page()
    page.goto(page_url)
    page.wait_for_selector("html[data-sitegen-live=connected]", timeout=60_000)
    return browser, manager, page


def _wait_visible(browser, page_url: str, marker: str) -> float:
    if browser is not None:
        browser[2].wait_for_function(
            "m => document.querySelector('.turn') && "
            "document.querySelector('.turn').textContent.includes(m)",
            arg=marker, timeout=120_000, polling="raf")
        return time.perf_counter()
    with urllib.request.urlopen(page_url, timeout=60) as response:
        body = response.read().decode()
    if marker not in body:
        raise SystemExit("the rebuilt page does not show the edit")
    return time.perf_counter()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--episodes", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--site", type=Path, help="reuse (or create) the archive here")
    parser.add_argument("--no-browser", action="store_true", help="time over HTTP only")
    args = parser.parse_args()
    temp = None
    site = args.site
    if site is None:
        temp = Path(tempfile.mkdtemp(prefix="sitegen-serve-bench-"))
        site = temp / "site"
    if not (site / "site.yaml").exists():
        print(f"generating {args.episodes} episodes into {site} ...", flush=True)
        generate(site, args.episodes, args.seed)
    try:
        samples, startup = measure(site, args.edits, not args.no_browser)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    report(samples, startup, args)
    return 0


def report(samples: list[Sample], startup: float, args: argparse.Namespace) -> None:
    event = statistics.median(s.event_ms for s in samples)
    visible = statistics.median(s.visible_ms for s in samples)
    rebuilds = [line.strip() for line in SERVER_LOG if line.startswith("Rebuilt")]
    print(f"\nsitegen serve, {args.episodes} episodes, {len(samples)} edits "
          f"(first build and start: {startup:.1f} s)")
    print(f"  median edit -> reload event : {event:7.1f} ms")
    print(f"  median edit -> page shows it: {visible:7.1f} ms   "
          f"(target < {TARGET_MS} ms, goal {GOAL_MS} ms: "
          f"{'met' if visible < GOAL_MS else 'target met' if visible < TARGET_MS else 'MISSED'})")
    if rebuilds:
        print(f"  server: {rebuilds[-1]}")
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; reference loop "
          f"{reference_ms():.0f} ms (benchmarks/machine.py: the machine's own speed)")


if __name__ == "__main__":
    sys.exit(main())
