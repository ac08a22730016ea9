"""Build-speed benchmark: sitegen against Hugo on the same synthetic archives.

    python benchmarks/bench.py                 # quick: N = 100 and 300
    python benchmarks/bench.py -n 100 1000 5000

For each N it generates (once, cached under --work) an archive with
`benchmarks/synth.py`, then measures with the CLI in a fresh process each time:

- cold build (no cache, no previous output), no-change rebuild, and a rebuild
  after a one-word edit to one episode's transcript;
- the same edit rebuilt in a long-running process holding a `BuildSession`
  (what `sitegen serve` can do), median of several edits;
- peak RSS of the build process (its forked workers are counted as separate
  processes: the largest one is reported);
- output size, feed size and search-index size;

and Hugo (`hugo`, Debian package) building the same episodes, converted to
Hugo content, twice:

- "Hugo minimal": an equivalent minimal template (paginated home, episode pages
  with notes, chapters and the transcript turn by turn with anchors, speaker
  taxonomy pages, an RSS feed with every episode). It writes no transcript files
  and no search index, so it does less work than sitegen; it is the reference
  the cold-build target (at most 2x Hugo) is judged against. Cold, no-change and
  one-edit builds.
- "Hugo same files": the same site plus Hugo output formats that write the files
  sitegen writes (transcript.vtt/.srt/.json/.html and chapters.json per episode,
  one search/index.json with every record's text), from turns and chapters in the
  front matter (benchmarks/hugo_files.py says where it still does less). A cold
  build, then one more build that shows Hugo's warnings, after which a sample of
  the files is opened and checked.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WORK = REPO / "benchmarks" / "out"
SESSION_EDITS = 10


@dataclass
class Run:
    seconds: float
    max_rss_mb: float
    ok: bool = True
    output: str = ""


@dataclass
class Row:
    n: int
    cold: Run | None = None
    no_change: Run | None = None
    edit_cli: Run | None = None
    edit_session_ms: float | None = None
    output_mb: float = 0.0
    feed_kb: float = 0.0
    search_mb: float = 0.0
    files: int = 0
    hugo_cold: Run | None = None
    hugo_rebuild: Run | None = None
    hugo_edit: Run | None = None
    hugo_output_mb: float = 0.0
    hugo_files_cold: Run | None = None
    hugo_files_output_mb: float = 0.0
    hugo_files_files: int = 0
    hugo_files_checked: bool = False
    notes: list[str] = field(default_factory=list)


# --- measuring -------------------------------------------------------------------

def timed(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS (ru_maxrss from wait4) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert proc.stdout is not None
    output = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode == 0, output[-2000:])


def folder_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


# Folders a measurement replaces are moved aside and deleted only when the run is over.
# On ext4 without a journal (this machine's disk), a file created within a minute of
# tens of thousands being deleted costs about 0.3 ms instead of 10 us: the allocator
# skips every recently deleted inode of the group, one lookup each (`recently_deleted`
# in fs/ext4/ialloc.c). Deleting the last run's output right before a cold build would
# time that, not the build, and it would weigh on whichever tool writes more files.
TRASH: list[Path] = []


def set_aside(folder: Path) -> None:
    """Move `folder` out of the way (a rename) to be deleted by `empty_trash`."""
    if not folder.exists():
        return
    trash = folder.parent / f".bench-trash-{os.getpid()}-{len(TRASH)}"
    folder.rename(trash)
    TRASH.append(trash)


def empty_trash() -> None:
    while TRASH:
        shutil.rmtree(TRASH.pop(), ignore_errors=True)


def sitegen_cmd(site: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--output", str(out)]


def middle_episode(site: Path) -> Path:
    files = sorted((site / "content" / "episodes").glob("*.md"))
    return files[len(files) // 2]


def edit_once(path: Path, count: int) -> None:
    """A one-word change inside the transcript, like fixing a typo."""
    text = path.read_text(encoding="utf-8")
    head, marker, transcript = text.partition("## Transcript\n")
    lines = transcript.split("\n")
    target = next(i for i, line in enumerate(lines) if ": " in line and i > 4)
    lines[target] = lines[target].rstrip() + f" edit{count}"
    path.write_text(head + marker + "\n".join(lines), encoding="utf-8")


# --- sitegen ---------------------------------------------------------------------------

def bench_sitegen(row: Row, site: Path, work: Path) -> None:
    out = work / "public"
    set_aside(site / ".sitegen-cache")
    set_aside(out)
    episode = middle_episode(site)
    original = episode.read_text(encoding="utf-8")
    try:
        row.cold = timed(sitegen_cmd(site, out))
        if not row.cold.ok:
            row.notes.append("sitegen cold build failed: " + row.cold.output[-500:])
            return
        row.no_change = timed(sitegen_cmd(site, out))
        edit_once(episode, 0)
        row.edit_cli = timed(sitegen_cmd(site, out))
        row.edit_session_ms = session_edit_ms(site, out)
    finally:
        episode.write_text(original, encoding="utf-8")
    timed(sitegen_cmd(site, out))
    row.output_mb = folder_bytes(out) / 2**20
    row.files = sum(1 for p in out.rglob("*") if p.is_file())
    feed = out / "feed.xml"
    row.feed_kb = feed.stat().st_size / 1024 if feed.exists() else 0.0
    index = out / "search" / "index"
    row.search_mb = folder_bytes(index) / 2**20 if index.exists() else 0.0


def session_edit_ms(site: Path, out: Path) -> float | None:
    """Median one-episode edit rebuild inside one process that keeps a BuildSession."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--session-edits", str(site),
           str(out)]
    run = timed(cmd)
    for line in run.output.splitlines():
        if line.startswith("median_ms="):
            return float(line.split("=", 1)[1])
    print(run.output, file=sys.stderr)
    return None


def run_session_edits(site: Path, out: Path) -> None:
    sys.path.insert(0, str(REPO))
    from sitegen.build import BuildOptions, BuildSession, build
    options = BuildOptions(site_dir=site, output_dir=out)
    import gc
    # As `sitegen serve` keeps it: no manifest written for the next process, and what
    # the session holds frozen out of the garbage collector's walks (DevServer).
    session = BuildSession(persist_manifest=False)
    build(options, session=session)          # warm: what the dev server has done at start
    gc.freeze()
    episode = middle_episode(site)
    original = episode.read_text(encoding="utf-8")
    times = []
    try:
        for count in range(1, SESSION_EDITS + 1):
            edit_once(episode, count)
            started = time.perf_counter()
            result = build(options, session=session)
            times.append((time.perf_counter() - started) * 1000)
            gc.freeze()
            assert not result.up_to_date and result.changed
            phases = " ".join(f"{k}={v * 1000:.0f}" for k, v in result.timings.items())
            print(f"edit {count}: {times[-1]:.0f} ms, {len(result.changed)} files changed; "
                  f"phases (ms, two processes): {phases}")
    finally:
        episode.write_text(original, encoding="utf-8")
    print("times_ms=" + ",".join(f"{t:.1f}" for t in times))
    print(f"median_ms={statistics.median(times):.1f}")


# --- Hugo ----------------------------------------------------------------------------------

HUGO_CONFIG = """baseURL = "https://bench.example.com/"
title = "Synthetic Archive"
languageCode = "en"
paginate = 20
disableKinds = ["section"]
[taxonomies]
speaker = "speakers"
[markup.goldmark.renderer]
unsafe = true
[services.rss]
limit = -1
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ .Site.Title }}</title>
{{ with .Params.summary }}<meta name="description" content="{{ . }}">{{ end }}
<link rel="canonical" href="{{ .Permalink }}">
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" href="/index.xml">
</head><body>
<header><a href="/">{{ .Site.Title }}</a> <a href="/speakers/">Speakers</a>
<form action="/search/"><input type="search" name="q"></form></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><a href="/index.xml">RSS</a></footer>
</body></html>
""",
    "_default/single.html": """{{ define "main" }}<article class="episode">
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "January 2, 2006" }}</time></p>
<h1>{{ .Title }}</h1>
<p class="summary">{{ .Params.summary }}</p>
<p class="with">With {{ range .GetTerms "speakers" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<audio controls preload="metadata" src="{{ .Params.audio }}"></audio>
<nav class="chapters"><ol>{{ range $i, $c := .Params.chapters }}<li id="chapter-{{ add $i 1 }}"><a href="#{{ $c.target }}">{{ $c.clock }} {{ $c.title }}</a></li>{{ end }}</ol></nav>
<section class="notes">{{ .Content }}</section>
<nav>{{ with .PrevInSection }}<a rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
</article>{{ end }}
""",
    "index.html": """{{ define "main" }}{{ $pages := where .Site.RegularPages "Section" "episodes" }}
{{ $pager := .Paginate $pages }}<ol class="episodes">{{ range $pager.Pages }}<li>
<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<time>{{ .Date.Format "January 2, 2006" }}</time><p>{{ .Params.summary }}</p>
<p>{{ range .GetTerms "speakers" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
</li>{{ end }}</ol>
<nav>{{ if $pager.HasPrev }}<a href="{{ $pager.Prev.URL }}">Newer</a>{{ end }}
{{ if $pager.HasNext }}<a href="{{ $pager.Next.URL }}">Older</a>{{ end }}</nav>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ol>{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "January 2, 2006" }}</time></li>{{ end }}</ol>{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>Speakers</h1><ul>{{ range .Data.Terms.ByCount }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}
""",
    "index.rss.xml": """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link><description>Synthetic</description>
{{ range where .Site.RegularPages "Section" "episodes" }}<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link>
<guid isPermaLink="false">{{ .Params.guid }}</guid><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate>
<enclosure url="{{ .Params.audio }}" length="{{ .Params.length }}" type="audio/mpeg"/>
<itunes:duration>{{ .Params.duration }}</itunes:duration>
<description>{{ .Params.summary }}</description>
<content:encoded>{{ printf "<![CDATA[%s]]>" (.Params.notes_html | safeHTML) | safeHTML }}</content:encoded></item>
{{ end }}</channel></rss>
""",
}


def hugo_sites(site: Path, minimal: Path, same_files: Path | None) -> None:
    """The synthetic archive as Hugo sites: `minimal` (same notes, chapters and transcript
    turns) and, unless None, `same_files` (that site plus the transcript, chapters and
    search files: benchmarks/hugo_files.py)."""
    sys.path.insert(0, str(REPO))
    from benchmarks.hugo_files import FILES_CONFIG, FILES_LAYOUTS, files_front
    from sitegen.build import BuildOptions, load_site
    from sitegen.errors import Problems
    from sitegen.outputs.transcripts import turn_plain_text
    from sitegen.render.markdown import render_notes
    from sitegen.timecodes import format_clock
    loaded = load_site(BuildOptions(site_dir=site), Problems())
    fronts = [hugo_front(episode, render_notes, format_clock) for episode in loaded.episodes]
    write_hugo_site(minimal, HUGO_CONFIG, HUGO_LAYOUTS, [
        hugo_page(front, episode, format_clock)
        for front, episode in zip(fronts, loaded.episodes)])
    if same_files is not None:
        write_hugo_site(same_files, HUGO_CONFIG + FILES_CONFIG,
                        {**HUGO_LAYOUTS, **FILES_LAYOUTS}, [
            hugo_page(files_front(episode, front, turn_plain_text), episode, format_clock)
            for front, episode in zip(fronts, loaded.episodes)])


def write_hugo_site(dest: Path, config: str, layouts: dict[str, str],
                    pages: list[tuple[str, str]]) -> None:
    """A Hugo site at `dest` with episode `pages` as (slug, file text)."""
    set_aside(dest)
    (dest / "content" / "episodes").mkdir(parents=True)
    (dest / "static").mkdir()
    (dest / "static" / "style.css").write_text("body{font-family:sans-serif}\n")
    (dest / "config.toml").write_text(config)
    for rel, text in layouts.items():
        path = dest / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for slug, text in pages:
        (dest / "content" / "episodes" / f"{slug}.md").write_text(text, encoding="utf-8")


def hugo_front(episode, render_notes, format_clock) -> dict:  # type: ignore[no-untyped-def]
    return {
        "title": episode.title,
        "date": episode.date.isoformat(),
        "summary": episode.summary,
        "guid": episode.guid,
        "audio": episode.audio.url if episode.audio else "",
        "length": episode.audio.length if episode.audio else 0,
        "duration": int(episode.duration or 0),
        "speakers": [s.name for s in episode.speakers],
        "chapters": [{"clock": format_clock(c.start), "title": c.title,
                      "target": (episode.turn_at(c.start).anchor
                                 if episode.turn_at(c.start) else "")}
                     for c in episode.chapters],
        "notes_html": render_notes(episode.notes),
    }


def hugo_page(front: dict, episode,  # type: ignore[no-untyped-def]
              format_clock) -> tuple[str, str]:
    """(slug, Hugo content file): JSON front matter, the notes, every turn with an anchor."""
    names = {s.id: s.name for s in episode.speakers}
    body = [episode.notes, "", "## Transcript", ""]
    for turn in episode.turns:
        body.append(f'<div class="turn" id="{turn.anchor}" data-start="{int(turn.start)}">')
        body.append("")
        body.append(f"**{names[turn.speaker_id]}** [{format_clock(turn.start)}](#{turn.anchor})")
        body.append("")
        for paragraph in turn.paragraphs:
            body += [paragraph, ""]
        body += ["</div>", ""]
    text = json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + "\n".join(body)
    return episode.slug, text


def bench_hugo(row: Row, site: Path, work: Path, same_files: bool = True) -> None:
    hugo = shutil.which("hugo")
    if hugo is None:
        row.notes.append("hugo not installed (apt-get install hugo): no Hugo figures")
        return
    source = work / "hugo-site"
    files_source = work / "hugo-files-site" if same_files else None
    hugo_sites(site, source, files_source)
    bench_hugo_minimal(row, hugo, source, work / "hugo-public")
    if files_source is not None:
        bench_hugo_files(row, hugo, files_source, work / "hugo-files-public")


def hugo_cmd(hugo: str, source: Path, out: Path) -> list[str]:
    return [hugo, "--quiet", "--source", str(source), "--destination", str(out)]


def bench_hugo_minimal(row: Row, hugo: str, source: Path, out: Path) -> None:
    """The reference the issue's target is judged against: cold, no-change, one edit."""
    set_aside(out)
    cmd = hugo_cmd(hugo, source, out)
    row.hugo_cold = timed(cmd)
    if not row.hugo_cold.ok:
        row.notes.append("hugo build failed: " + row.hugo_cold.output[-500:])
        return
    row.hugo_rebuild = timed(cmd)
    page = sorted((source / "content" / "episodes").glob("*.md"))[row.n // 2]
    original = page.read_text(encoding="utf-8")
    page.write_text(original.replace("</div>", "edit0 </div>", 1), encoding="utf-8")
    row.hugo_edit = timed(cmd)
    page.write_text(original, encoding="utf-8")
    row.hugo_output_mb = folder_bytes(out) / 2**20


def bench_hugo_files(row: Row, hugo: str, source: Path, out: Path) -> None:
    """The same-files site: its cold build timed as the minimal one is, then built once
    more with Hugo's warnings shown, and what it wrote opened (hugo_files.check_files)."""
    from benchmarks.hugo_files import check_files
    set_aside(out)
    row.hugo_files_cold = timed(hugo_cmd(hugo, source, out))
    if not row.hugo_files_cold.ok:
        row.notes.append("hugo (same files) build failed: "
                         + row.hugo_files_cold.output[-500:])
        return
    row.hugo_files_output_mb = folder_bytes(out) / 2**20
    row.hugo_files_files = sum(1 for p in out.rglob("*") if p.is_file())
    shown = timed([hugo, "--printPathWarnings", "--source", str(source),
                   "--destination", str(out)])
    problems = check_files(source, out, shown.output)
    if not shown.ok:
        problems.insert(0, "hugo (same files) failed on its second build: "
                        + shown.output[-500:])
    row.notes += [f"Hugo, same files: {problem}" for problem in problems[:10]]
    row.hugo_files_checked = not problems


# --- report -----------------------------------------------------------------------------------

def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def secs(run: Run | None) -> str:
    return f"{run.seconds:.2f} s" if run and run.ok else "-"


def seconds_of(run: Run | None) -> float | None:
    return run.seconds if run and run.ok else None


def rss(run: Run | None) -> str:
    return f"{run.max_rss_mb:.0f}" if run else "-"


def same_files_cold(row: Row) -> str:
    if row.hugo_files_cold and row.hugo_files_cold.ok and not row.hugo_files_checked:
        return secs(row.hugo_files_cold) + " (files not right: see the notes)"
    return secs(row.hugo_files_cold)


def same_files_size(row: Row) -> str:
    return f"{row.hugo_files_output_mb:.0f} MB" if row.hugo_files_files else "- MB"


HUGO_LEGEND = """\
Hugo minimal: the episode pages, home and speaker pages and the feed, and no other file:
  the reference the issue's cold-build target (at most 2x Hugo) is judged against.
Hugo same files: the minimal site plus, from the same content with Hugo output formats,
  each episode's transcript.vtt, .srt, .json, .html and chapters.json, and one
  search/index.json with every record's text (one cue per turn, where sitegen splits turns
  into caption-sized cues; no term postings: Hugo templates cannot build them).
  Its files are opened and checked after the build (benchmarks/hugo_files.py).
The no-change and one-edit columns are Hugo minimal's."""


def table(rows: list[Row]) -> str:
    head = ("| N | sitegen cold | Hugo minimal cold | ratio to minimal | "
            "Hugo same files cold | ratio to same files | no-change (sitegen / Hugo minimal) | "
            "one-edit CLI (sitegen / Hugo minimal) | one-edit session | "
            "peak RSS (sitegen / Hugo minimal / same files) | "
            "output (sitegen / Hugo minimal / same files) | feed | search index | "
            "files (sitegen / Hugo same files) |")
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        lines.append(
            f"| {r.n:,} | {secs(r.cold)} | {secs(r.hugo_cold)} | "
            f"{ratio(seconds_of(r.cold), seconds_of(r.hugo_cold))} | "
            f"{same_files_cold(r)} | "
            f"{ratio(seconds_of(r.cold), seconds_of(r.hugo_files_cold))} | "
            f"{secs(r.no_change)} / {secs(r.hugo_rebuild)} | "
            f"{secs(r.edit_cli)} / {secs(r.hugo_edit)} | "
            f"{f'{r.edit_session_ms:.0f} ms' if r.edit_session_ms else '-'} | "
            f"{rss(r.cold)} / {rss(r.hugo_cold)} / {rss(r.hugo_files_cold)} MB | "
            f"{r.output_mb:.0f} / {r.hugo_output_mb:.0f} / {same_files_size(r)} | "
            f"{r.feed_kb:,.0f} KB | {r.search_mb:.1f} MB | "
            f"{r.files:,} / {f'{r.hugo_files_files:,}' if r.hugo_files_files else '-'} |")
    by_n = {r.n: r for r in rows}
    for big, small in ((5000, 1000), (1000, 100)):
        a, b = by_n.get(big), by_n.get(small)
        if a and b and a.cold and b.cold:
            lines.append("")
            lines.append(f"Cold build N={big:,} / N={small:,}: sitegen "
                         f"{ratio(a.cold.seconds, b.cold.seconds)}, Hugo minimal "
                         f"{ratio(seconds_of(a.hugo_cold), seconds_of(b.hugo_cold))}, "
                         "Hugo same files "
                         f"{ratio(seconds_of(a.hugo_files_cold), seconds_of(b.hugo_files_cold))}")
    return "\n".join(lines)


def prepare(n: int, seed: int, work: Path) -> Path:
    """The synthetic archive for `n`, generated once per (n, seed, synth.py)."""
    sys.path.insert(0, str(REPO))
    from benchmarks.synth import generate
    site = work / f"n{n}" / "site"
    stamp = site / ".bench-stamp"
    synth = (REPO / "benchmarks" / "synth.py").read_bytes()
    want = f"{n} {seed} {hashlib.sha256(synth).hexdigest()[:16]}"
    if not (stamp.exists() and stamp.read_text() == want):
        shutil.rmtree(site, ignore_errors=True)
        generate(site, n, seed)
        stamp.write_text(want)
    return site


def bench_size(n: int, args: argparse.Namespace) -> Row:
    work = args.work.resolve() / f"n{n}"
    print(f"N={n}: generating...", file=sys.stderr, flush=True)
    site = prepare(n, args.seed, args.work.resolve())
    row = Row(n)
    print(f"N={n}: sitegen...", file=sys.stderr, flush=True)
    bench_sitegen(row, site, work)
    if not args.no_hugo:
        print(f"N={n}: hugo...", file=sys.stderr, flush=True)
        bench_hugo(row, site, work, same_files=not args.no_hugo_files)
    print(table([row]), file=sys.stderr, flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, nargs="+", default=[100, 300],
                        help="archive sizes (default: 100 300; the issue's set: 100 1000 5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK,
                        help=f"where archives and outputs go (default {DEFAULT_WORK})")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--no-hugo-files", action="store_true",
                        help="leave out the Hugo same-files build (Hugo minimal only)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--session-edits", nargs=2, type=Path, metavar=("SITE", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.session_edits:
        run_session_edits(*args.session_edits)
        return 0
    sys.path.insert(0, str(REPO))
    from benchmarks.machine import forget_probes, reference_ms, wait_for_settled_disk
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    create_us = wait_for_settled_disk(work)
    speed = [reference_ms()]
    rows = []
    try:
        for n in args.n:
            rows.append(bench_size(n, args))
    finally:
        empty_trash()
        forget_probes(work)
    speed.append(reference_ms())
    print(f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end; "
          f"reference loop {speed[0]:.0f} ms at the start, {speed[1]:.0f} ms at the end "
          "(benchmarks/machine.py: the machine's own speed, which moves every figure); "
          f"creating a file took {create_us:.0f} us at the start (a settled disk: about 10)\n")
    print(table(rows))
    if not args.no_hugo:
        print("\n" + HUGO_LEGEND)
    for row in rows:
        for note in row.notes:
            print(f"N={row.n}: {note}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
