"""Huge and broken input files: time and peak memory of `sitegen build` on each.

    python benchmarks/hostile_input.py              # 50 MB transcript and friends
    python benchmarks/hostile_input.py --mb 20

Each case is a copy of the example site with one extra episode file, built in a
fresh process (`sitegen build --output ...`), measured with wait4 (wall time and
the largest resident set of the process tree's biggest process):

- transcript:  a well-formed episode whose transcript is --mb megabytes of turns;
- one-line:    the same bytes as a single turn on a single line;
- binary:      --mb megabytes of random bytes under an episode's name;
- over-limit:  an episode file just over the 64 MB limit.

Prints one line per case: exit code, seconds, peak RSS, output or error. The
exit code is 1 when a case crashed (a traceback) instead of building or
reporting an error with file and line.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench import timed  # noqa: E402
from tests.conftest import copy_example_site  # noqa: E402

HEAD = """---
title: A very long conversation
date: 2026-05-01 09:00
audio: audio/huge.mp3
speakers:
  priya: {}
  tom: {}
---
Show notes.

## Transcript

"""
WORDS = ("the bridge carries its load down through the arches into the ground while "
         "engineers measure every crack and every bolt along the deck").split()


def transcript(megabytes: float, one_line: bool) -> bytes:
    rng = random.Random(1)
    target = int(megabytes * 2**20)
    parts, size, second = [HEAD], len(HEAD), 0
    while size < target:
        text = " ".join(rng.choice(WORDS) for _ in range(60))
        speaker = "Priya Nandakumar" if second % 2 else "Tom Keller"
        turn = f"{speaker}: {second // 3600}:{second // 60 % 60:02d}:{second % 60:02d} {text}"
        if one_line:
            turn = text
            if size == len(HEAD):
                turn = f"Tom Keller: 0:00 {text}"
        parts.append(turn + (" " if one_line else "\n\n"))
        size += len(turn) + 2
        second = min(second + 1, 99 * 3600)
    return "".join(parts).encode()


def cases(megabytes: float) -> dict[str, Callable[[], bytes]]:
    # Made one at a time: a forked child's peak RSS counts the parent's memory too.
    return {
        "transcript": lambda: transcript(megabytes, one_line=False),
        "one-line": lambda: transcript(megabytes, one_line=True),
        "binary": lambda: random.Random(2).randbytes(int(megabytes * 2**20)),
        "over-limit": lambda: HEAD.encode() + b"x" * (64 * 2**20 + 1),
    }


def run(megabytes: float) -> int:
    crashed = 0
    print(f"{'case':12} {'size':>8} {'exit':>4} {'seconds':>8} {'peak RSS':>9}  result")
    for name, make in cases(megabytes).items():
        with tempfile.TemporaryDirectory(prefix="sitegen-hostile-") as temp:
            site = copy_example_site(Path(temp) / "site")
            shutil.copy(site / "content" / "audio" / "nine-bars.mp3",
                        site / "content" / "audio" / "huge.mp3")
            (site / "content" / "episodes" / "2026-05-01-huge.md").write_bytes(make())
            gc.collect()
            cmd = [sys.executable, "-m", "sitegen", "build", "--site", str(site),
                   "--output", str(Path(temp) / "out")]
            result = timed(cmd, env=dict(os.environ, PYTHONPATH=str(REPO)))
            lines = [line for line in result.output.strip().splitlines() if line.strip()]
            crashed += "Traceback" in result.output
            code = 0 if result.ok else 1
            size = (site / "content" / "episodes" / "2026-05-01-huge.md").stat().st_size
            print(f"{name:12} {size / 2**20:6.1f}MB {code:>4} {result.seconds:8.1f} "
                  f"{result.max_rss_mb:7.0f}MB  {(lines[0] if lines else '')[:110]}", flush=True)
            shutil.rmtree(Path(temp) / "out", ignore_errors=True)
    return 1 if crashed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the big cases")
    return run(parser.parse_args().mb)


if __name__ == "__main__":
    sys.exit(main())
