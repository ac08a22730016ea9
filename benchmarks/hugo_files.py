"""The "Hugo, same files" site of bench.py: the minimal Hugo site plus the files sitegen
writes, made by Hugo's own output formats from the same content.

Every episode page gets five more outputs, each from its own template over the turns
and chapters in the front matter: `transcript.vtt`, `transcript.srt`, `transcript.json`
(Podcasting 2.0), `transcript.html` and `chapters.json` (Podcasting 2.0, version 1.2.0).
The home page gets `search/index.json`, every episode's records (title, summary,
speakers, chapters, notes as plain text, every turn's text with its speaker, start and
anchor) in one file: the usual client-side search of a Hugo site (Fuse.js, Lunr).

Where Hugo's version does less than sitegen's:

- one cue per turn: sitegen splits a turn into cues of at most two 65-character lines
  and shares out the turn's time between them;
- a turn's plain text and its end time are given in the front matter (made by
  sitegen's own functions), where sitegen derives both while it writes;
- one search file: Hugo templates cannot file terms into sorted, sharded postings, so
  there is no term index, only the text a browser-side library would index on load.
"""
from __future__ import annotations

import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable

FILES_CONFIG = """
[mediaTypes."text/vtt"]
suffixes = ["vtt"]
[mediaTypes."application/x-subrip"]
suffixes = ["srt"]
[outputFormats.TranscriptVTT]
mediaType = "text/vtt"
baseName = "transcript"
isPlainText = true
notAlternative = true
[outputFormats.TranscriptSRT]
mediaType = "application/x-subrip"
baseName = "transcript"
isPlainText = true
notAlternative = true
[outputFormats.TranscriptJSON]
mediaType = "application/json"
baseName = "transcript"
isPlainText = true
notAlternative = true
[outputFormats.TranscriptHTML]
mediaType = "text/html"
baseName = "transcript"
notAlternative = true
[outputFormats.Chapters]
mediaType = "application/json"
baseName = "chapters"
isPlainText = true
notAlternative = true
[outputFormats.SearchIndex]
mediaType = "application/json"
baseName = "index"
path = "search"
isPlainText = true
notAlternative = true
[outputs]
page = ["HTML", "TranscriptVTT", "TranscriptSRT", "TranscriptJSON", "TranscriptHTML", "Chapters"]
home = ["HTML", "RSS", "SearchIndex"]
"""

# A cue time is a time.Time that far after a midnight (`$zero`), formatted by Go: fewer
# template calls than printf over div and mod of the milliseconds (the same-files build
# took 15% less CPU at N = 100). Episodes are shorter than a day.
_CUE_TIME = ('($zero.Add (duration "millisecond" (math.Round (mul .{field} 1000))))'
             '.Format "15:04:05{sep}000"')
_VTT_ESCAPED = r'(replace (replace (replace \1 "&" "&amp;") "<" "&lt;") ">" "&gt;")'


def _cue_template(text: str, sep: str) -> str:
    """`text` with CUE_START, CUE_END and `ESCAPED .field` written out as Hugo template
    code; `sep` comes before the milliseconds ("." in VTT, "," in SRT)."""
    text = text.replace("CUE_START", _CUE_TIME.format(field="start", sep=sep))
    text = text.replace("CUE_END", _CUE_TIME.format(field="end", sep=sep))
    return re.sub(r"ESCAPED (\.\w+)", _VTT_ESCAPED, text)


FILES_LAYOUTS = {
    "_default/single.transcriptvtt.vtt": _cue_template("""WEBVTT
{{ $zero := time "2000-01-01T00:00:00Z" }}{{ range .Params.turns }}
{{ CUE_START }} --> {{ CUE_END }}
<v {{ ESCAPED .speaker }}>{{ ESCAPED .text }}
{{ end }}""", sep="."),
    "_default/single.transcriptsrt.srt": _cue_template("""\
{{ $zero := time "2000-01-01T00:00:00Z" }}{{ range $i, $turn := .Params.turns }}\
{{ if $i }}
{{ end }}{{ add $i 1 }}
{{ CUE_START }} --> {{ CUE_END }}
{{ .speaker }}: {{ .text }}
{{ end }}""", sep=","),
    "_default/single.transcriptjson.json": """{"version": "1.0.0", "segments": [
{{ range $i, $turn := .Params.turns }}{{ if $i }},
{{ end }}{"speaker": {{ .speaker | jsonify }}, "startTime": {{ .start | jsonify }}, \
"endTime": {{ .end | jsonify }}, "body": {{ .text | jsonify }}}{{ end }}
]}
""",
    "_default/single.transcripthtml.html": """<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head><meta charset="utf-8">
<title>Transcript: {{ .Title }} ({{ site.Title }})</title></head>
<body>
<h1>{{ .Title }}</h1>
{{ range .Params.turns }}{{ $s := int .start }}<cite>{{ .speaker }}:</cite>
<time datetime="PT{{ $s }}S">{{ if ge $s 3600 }}{{ printf "%d:%02d:%02d" (div $s 3600) \
(mod (div $s 60) 60) (mod $s 60) }}{{ else }}{{ printf "%d:%02d" (div $s 60) (mod $s 60) }}\
{{ end }}</time>
<p>{{ .text }}</p>
{{ end }}</body>
</html>
""",
    "_default/single.chapters.json": """{{ $chapters := slice }}{{ range .Params.chapters }}\
{{ $chapters = $chapters | append (dict "startTime" .start "title" .title) }}{{ end }}\
{{ dict "version" "1.2.0" "title" .Title "podcastName" site.Title "chapters" $chapters \
| jsonify (dict "indent" " ") }}
""",
    "index.searchindex.json": """{{ $records := slice }}\
{{ range where .Site.RegularPages "Section" "episodes" }}\
{{ $records = $records | append (dict "url" .RelPermalink "title" .Title \
"date" (.Date.Format "2006-01-02") "summary" .Params.summary "speakers" .Params.speakers \
"chapters" .Params.chapters "notes" (plainify .Params.notes_html) "turns" .Params.turns) }}\
{{ end }}{{ $records | jsonify }}
""",
}

EPISODE_FILES = ("transcript.vtt", "transcript.srt", "transcript.json", "transcript.html",
                 "chapters.json")


def files_front(episode: Any, front: dict[str, Any],
                plain_text: Callable[[tuple[str, ...]], str]) -> dict[str, Any]:
    """The minimal site's front matter `front` plus what the file templates range over:
    each chapter's start, and each turn's speaker, start, end, text and anchor."""
    names = {s.id: s.name for s in episode.speakers}
    chapters = [{**entry, "start": round(chapter.start, 3)}
                for entry, chapter in zip(front["chapters"], episode.chapters)]
    turns = [{"speaker": names[turn.speaker_id], "start": round(turn.start, 3),
              "end": round(_turn_end(episode, index), 3),
              "text": plain_text(turn.paragraphs), "anchor": turn.anchor}
             for index, turn in enumerate(episode.turns)]
    return {**front, "chapters": chapters, "turns": turns}


def _turn_end(episode: Any, index: int) -> float:
    # Turns sharing a timestamp (or out of order) would make an empty cue: give them 1 s.
    start = episode.turns[index].start
    return max(episode.turn_end(index), start + 1.0)


# --- checking what Hugo wrote ------------------------------------------------------------

def check_files(source: Path, out: Path, build_log: str, sample: int = 3) -> list[str]:
    """Problems with the same-files build: warnings or errors in its log, an episode
    without its five files, and, for `sample` episodes, files that do not parse or
    disagree with the front matter. Empty when all is well."""
    problems = [f"hugo said: {line.strip()}" for line in build_log.splitlines()
                if line.startswith(("WARN", "ERROR"))]
    pages = sorted((source / "content" / "episodes").glob("*.md"))
    for page in pages:
        folder = out / "episodes" / page.stem
        problems += [f"missing {folder / name}" for name in EPISODE_FILES
                     if not (folder / name).is_file()]
    if problems:
        return problems
    try:
        import webvtt  # noqa: F401  (the test extras)
    except ImportError:
        return ["webvtt-py is not installed (pip install -e '.[test]'): files not opened"]
    for page in random.Random(0).sample(pages, min(sample, len(pages))):
        problems += check_episode(front_matter(page), out / "episodes" / page.stem)
    return problems + check_search(out / "search" / "index.json", len(pages))


def front_matter(page: Path) -> dict[str, Any]:
    front, _ = json.JSONDecoder().raw_decode(page.read_text(encoding="utf-8"))
    return front


def check_episode(front: dict[str, Any], folder: Path) -> list[str]:
    """The four transcripts hold one cue per turn; chapters.json the episode's chapters."""
    turns = len(front["turns"])
    problems = []
    for name, count_cues in CUE_COUNTERS.items():
        count = opened(folder / name, count_cues, problems)
        if count is not None and count != turns:
            problems.append(f"{folder / name}: {count} cues for {turns} turns")
    chapters = opened(folder / "chapters.json", chapter_count, problems)
    if chapters is not None and chapters != len(front["chapters"]):
        problems.append(f"{folder / 'chapters.json'}: {chapters} chapters, "
                        f"not {len(front['chapters'])}")
    return problems


def opened(path: Path, reader: Callable[[Path], int], problems: list[str]) -> int | None:
    """reader(path), or None with the reason added to `problems`."""
    try:
        return reader(path)
    except Exception as error:  # whatever a parser refuses is the finding
        problems.append(f"{path}: unreadable ({type(error).__name__}: {error})")
        return None


def vtt_cues(path: Path) -> int:
    import webvtt
    captions = webvtt.read(str(path))
    if any(c.start_in_seconds >= c.end_in_seconds or not c.text for c in captions):
        raise ValueError("a cue without text or duration")
    return len(captions)


def srt_cues(path: Path) -> int:
    import webvtt
    return len(webvtt.from_srt(str(path)))


def json_segments(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    keys = {"speaker", "startTime", "endTime", "body"}
    if data["version"] != "1.0.0" or any(set(s) != keys for s in data["segments"]):
        raise ValueError("not a Podcasting 2.0 JSON transcript")
    return len(data["segments"])


class _CiteCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cites = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.cites += tag == "cite"


def html_turns(path: Path) -> int:
    counter = _CiteCounter()
    counter.feed(path.read_text(encoding="utf-8"))
    return counter.cites


CUE_COUNTERS: dict[str, Callable[[Path], int]] = {
    "transcript.vtt": vtt_cues, "transcript.srt": srt_cues,
    "transcript.json": json_segments, "transcript.html": html_turns}


def chapter_count(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["version"] != "1.2.0" or not all("startTime" in c for c in data["chapters"]):
        raise ValueError("not Podcasting 2.0 JSON chapters")
    return len(data["chapters"])


def check_search(path: Path, episodes: int) -> list[str]:
    """One entry per episode, each with its turns and notes."""
    problems: list[str] = []
    records = opened(path, lambda p: json.loads(p.read_text(encoding="utf-8")), problems)
    if records is not None and (len(records) != episodes
                                or not all(r["turns"] and r["notes"] for r in records)):
        problems.append(f"{path}: {len(records)} entries for {episodes} episodes, "
                        "or one without turns or notes")
    return problems
