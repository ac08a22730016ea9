"""Search at archive scale: sitegen's sharded index beside Pagefind, on one built site.

    python benchmarks/search_bench.py                 # 1,000 hour-long episodes
    python benchmarks/search_bench.py -n 50 --quick   # a smoke run

Steps: generate a synthetic archive (benchmarks/synth.py), build it with sitegen
(timing every output phase), then in Debian chromium (playwright) run the same
queries against /search/ and against Pagefind (`python -m pagefind --site OUT`,
from `pip install 'pagefind[bin]'`), each query in a fresh browser context so
nothing is cached. "Transferred" is what a server with gzip would send: for
every response the smaller of its body and the body gzipped (Pagefind's index
files are already compressed). Printed:

- index size on disk (files, bytes, gzipped bytes);
- bytes transferred for the first query on a cold page: index data only, and
  with the engine's own code (sitegen: search.js and search.css; Pagefind:
  pagefind.js, its WASM and entry file); the page's HTML and theme CSS, common
  to both, are left out;
- query time once the files are loaded: the same query run again, median of 5;
- index generation's share of the build (wall and CPU time of the search phase
  against the whole build), and Pagefind's indexing time.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.synth import PHRASE, generate, vocabulary  # noqa: E402

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
TARGET_FIRST_QUERY = 300 * 1024
TARGET_QUERY_MS = 50.0
TARGET_INDEX_SHARE = 0.2


@dataclass
class BuildTimes:
    wall: float
    cpu: float
    phases_wall: dict[str, float] = field(default_factory=dict)
    phases_cpu: dict[str, float] = field(default_factory=dict)


def cpu_time() -> float:
    """CPU seconds of this process and its finished children (forked phases, pools)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build_site(site: Path, out: Path, sequential: bool, search: bool = True) -> BuildTimes:
    """A cold build (no output folder, no build cache), timed.

    sequential: SITEGEN_JOBS=1, one process, so every phase's CPU time is its own.
    Otherwise sitegen's default (phases and page rendering spread over the CPUs);
    per-phase wall times then come from the build's own timings. search=False
    leaves the search phase out, to measure what it adds to the elapsed time.
    """
    import sitegen.build as build_module
    from sitegen.build import BuildOptions, build
    cpu_by_phase: dict[str, float] = {}
    original = build_module.output_phases

    def timed(phase: Callable) -> Callable:
        @functools.wraps(phase)
        def run(*args, **kwargs):
            cpu = cpu_time()
            try:
                return phase(*args, **kwargs)
            finally:
                cpu_by_phase[phase.__name__] = cpu_time() - cpu
        return run

    build_module.output_phases = lambda: [timed(p) for p in original()
                                          if search or p.__name__ != "write_search_index"]
    old_jobs = os.environ.get("SITEGEN_JOBS")
    if sequential:
        os.environ["SITEGEN_JOBS"] = "1"
    try:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
        wall, cpu = time.perf_counter(), cpu_time()
        result = build(BuildOptions(site_dir=site, output_dir=out))
        return BuildTimes(time.perf_counter() - wall, cpu_time() - cpu, dict(result.timings),
                          cpu_by_phase if sequential else {})
    finally:
        build_module.output_phases = original
        if old_jobs is None:
            os.environ.pop("SITEGEN_JOBS", None)
        else:
            os.environ["SITEGEN_JOBS"] = old_jobs


def transferred(body: bytes) -> int:
    return min(len(body), len(gzip.compress(body, 6)))


def folder_size(folder: Path) -> tuple[int, int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    packed = sum(transferred(p.read_bytes()) for p in files)
    return len(files), raw, packed


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class QueryResult:
    engine: str
    query: str
    index_bytes: int       # transferred bytes of index data
    total_bytes: int       # index data plus the engine's code (JS, CSS, WASM)
    requests: int
    cold_ms: float
    warm_ms: float
    hits: int


PAGEFIND_JS = """async ([url, q]) => {
  if (!window.__pf) { window.__pf = await import(url); await window.__pf.init(); }
  const t0 = performance.now();
  const search = await window.__pf.search(q);
  const data = await Promise.all(search.results.slice(0, 10).map(r => r.data()));
  return {ms: performance.now() - t0, hits: search.results.length, shown: data.length};
}"""

SITEGEN_JS = """async (q) => {
  const t0 = performance.now();
  const r = await window.sitegenSearch.query(q);
  return {ms: performance.now() - t0, hits: r.episodes || 0, shown: r.groups.length};
}"""


def run_query(browser, base: str, engine: str, query: str) -> QueryResult:
    context = browser.new_context()
    page = context.new_page()
    bodies: list[tuple[str, int]] = []

    def on_response(response) -> None:
        try:
            bodies.append((response.url, transferred(response.body())))
        except Exception:  # redirects and aborted requests have no body
            pass

    page.on("response", on_response)
    page.goto(base + "search/")
    page.wait_for_function("window.sitegenSearch !== undefined")
    page.wait_for_load_state("networkidle")
    if engine == "sitegen":
        # The manifest loads with the page; it counts as part of the first query.
        cold = page.evaluate(SITEGEN_JS, query)
        warm = [page.evaluate(SITEGEN_JS, query)["ms"] for _ in range(5)]
    else:
        module = base + "pagefind/pagefind.js"
        cold = page.evaluate(PAGEFIND_JS, [module, query])
        warm = [page.evaluate(PAGEFIND_JS, [module, query])["ms"] for _ in range(5)]
    page.wait_for_load_state("networkidle")
    context.close()
    if engine == "sitegen":
        index = [size for url, size in bodies if "/search/index/" in url]
        code = [size for url, size in bodies if "/static/search." in url]
    else:
        index = [size for url, size in bodies if "/pagefind/" in url and ".pf_" in url]
        code = [size for url, size in bodies if "/pagefind/" in url and ".pf_" not in url]
    return QueryResult(engine, query, sum(index), sum(index) + sum(code),
                       len(index) + len(code), cold["ms"],
                       statistics.median(warm), cold["hits"])


def pick_queries(seed: int) -> list[str]:
    """One-word queries across the frequency range, a two-word query and a phrase."""
    words = vocabulary(seed)
    return [words[400], words[3_000], words[20_000], f"{words[500]} {words[2_000]}",
            f'"{PHRASE}"']


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--episodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-search-bench"))
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a generated site and build from an earlier run")
    parser.add_argument("--no-pagefind", action="store_true")
    parser.add_argument("--pagefind-glob", default="episodes/*/index.html",
                        help="pages Pagefind indexes (default: the episode pages, which "
                        "hold everything sitegen indexes; '**/*.html' for every page)")
    parser.add_argument("--quick", action="store_true", help="only the first two queries")
    args = parser.parse_args(argv)

    site, out = args.work / f"site-{args.episodes}", args.work / f"public-{args.episodes}"
    stamp = args.work / f"built-{args.episodes}.json"
    if args.reuse and stamp.exists():
        info = json.loads(stamp.read_text())
    else:
        generated = site / f".generated-{args.seed}"
        if not generated.exists():  # synth output depends only on (n, seed): reuse it
            started = time.perf_counter()
            generate(site, args.episodes, args.seed)
            generated.touch()
            print(f"generated {args.episodes} episodes in {time.perf_counter() - started:.1f} s",
                  flush=True)
        builds = {}
        if not args.quick:
            builds["default, without the search phase"] = build_site(site, out, False, False)
        builds["sequential (SITEGEN_JOBS=1)"] = build_site(site, out, True)
        builds["default (phases in parallel)"] = build_site(site, out, False)
        info = {"builds": {name: vars(b) for name, b in builds.items()}}
    if not args.no_pagefind and info.get("pagefind_glob") != args.pagefind_glob:
        info.update(run_pagefind(out, args.pagefind_glob))
    stamp.write_text(json.dumps(info))
    report_build(info, out)
    queries = pick_queries(args.seed)[:2 if args.quick else None]
    results = browse(out, queries, pagefind=not args.no_pagefind)
    report_queries(results)
    return 0


def run_pagefind(out: Path, glob: str) -> dict:
    shutil.rmtree(out / "pagefind", ignore_errors=True)
    started, cpu = time.perf_counter(), cpu_time()
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(out), "--glob", glob],
                   check=True, stdout=subprocess.DEVNULL)
    return {"pagefind_s": time.perf_counter() - started, "pagefind_cpu": cpu_time() - cpu,
            "pagefind_glob": glob}


def report_build(info: dict, out: Path) -> None:
    builds = info["builds"]
    for name, b in builds.items():
        print(f"\ncold build, {name}: {b['wall']:.1f} s wall, {b['cpu']:.1f} s CPU")
        for phase, seconds in b["phases_wall"].items():
            cpu = b["phases_cpu"].get(phase)
            print(f"  {phase:<22} {seconds:7.2f} s wall" +
                  (f" {cpu:7.2f} s CPU" if cpu is not None else ""))
    seq = builds["sequential (SITEGEN_JOBS=1)"]
    index_cpu = seq["phases_cpu"]["write_search_index"]
    print(f"\nindex generation, sequential build: {index_cpu / seq['cpu']:.1%} of CPU, "
          f"{seq['phases_wall']['write_search_index'] / seq['wall']:.1%} of wall "
          f"(target < {TARGET_INDEX_SHARE:.0%})")
    without = builds.get("default, without the search phase")
    if without:
        default = builds["default (phases in parallel)"]
        added = default["wall"] - without["wall"]
        print(f"index generation, default build: adds {added:.1f} s to {without['wall']:.1f} s "
              f"= {added / default['wall']:.1%} of the build's {default['wall']:.1f} s wall")
    files, raw, packed = folder_size(out / "search" / "index")
    manifest = (out / "search" / "index" / "manifest.json").read_bytes()
    print(f"sitegen index: {files:,} files, {raw / 2**20:,.1f} MB raw, "
          f"{packed / 2**20:,.1f} MB gzipped; manifest {kb(len(manifest))} raw, "
          f"{kb(transferred(manifest))} gzipped")
    if (out / "pagefind").is_dir():
        files, raw, packed = folder_size(out / "pagefind")
        print(f"pagefind index ({info.get('pagefind_glob')}): {files:,} files, "
              f"{raw / 2**20:,.1f} MB; indexing took {info.get('pagefind_s', 0):.1f} s wall, "
              f"{info.get('pagefind_cpu', 0):.1f} s CPU")


def browse(out: Path, queries: list[str], pagefind: bool) -> list[QueryResult]:
    from playwright.sync_api import sync_playwright
    results = []
    with serve(out) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        for query in queries:
            results.append(run_query(browser, base, "sitegen", query))
            if pagefind:
                results.append(run_query(browser, base, "pagefind", query))
        browser.close()
    return results


def report_queries(results: list[QueryResult]) -> None:
    print(f"\n{'query':<44} {'engine':<9} {'index data':>11} {'all files':>11} "
          f"{'cold ms':>8} {'warm ms':>8} {'hits':>6}")
    for r in results:
        print(f"{r.query[:43]:<44} {r.engine:<9} {kb(r.index_bytes):>11} "
              f"{kb(r.total_bytes):>11} {r.cold_ms:8.1f} {r.warm_ms:8.1f} {r.hits:6}")
    first = next(r for r in results if r.engine == "sitegen")
    warm = max(r.warm_ms for r in results if r.engine == "sitegen")
    print(f"\nfirst one-word query, sitegen: {kb(first.total_bytes)} in all "
          f"({kb(first.index_bytes)} index data; target <= {kb(TARGET_FIRST_QUERY)})")
    print(f"slowest warm query, sitegen: {warm:.1f} ms (target < {TARGET_QUERY_MS:.0f} ms)")
    print("hits: sitegen counts episodes, Pagefind counts pages (episode pages and others).")


if __name__ == "__main__":
    sys.exit(main())
