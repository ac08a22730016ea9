"""How fast this machine runs Python right now, to read benchmark figures against.

A shared VM's speed moves by a third or more between runs (other tenants), and
every figure moves with it. `reference_ms()` times a fixed pure-Python loop;
printed beside the results, it tells a slow run from a slow build.
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from pathlib import Path

REFERENCE_LOOP = 2_000_000


def reference_ms(repeat: int = 3) -> float:
    """Median wall time of a fixed integer loop, in ms (about 100 ms on a fast core)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        for number in range(REFERENCE_LOOP):
            total += number
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# Creating a file takes about 10 us on this machine's disk, and about 0.3 ms within a
# minute or more of tens of thousands of files being deleted there (ext4 without a
# journal skips recently deleted inodes one by one: `recently_deleted` in
# fs/ext4/ialloc.c). A run started right after another one's clean-up would time that.
SETTLED_CREATE_US = 25.0
PROBE_FILES = 200


def file_create_us(folder: Path) -> float:
    """Median time to create (and write 1 KB to) a file in a fresh folder under `folder`,
    in microseconds. The probe files are left in place: deleting them would be what
    it measures. Call `forget_probes` when the timings are done."""
    probe = folder / f".bench-probe-{time.time_ns()}"
    probe.mkdir(parents=True)
    times = []
    for number in range(PROBE_FILES):
        started = time.perf_counter()
        with open(probe / f"{number}.html", "wb") as handle:
            handle.write(b"x" * 1024)
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


def wait_for_settled_disk(folder: Path, limit_s: float = 420.0) -> float:
    """Wait (up to `limit_s`) until creating a file under `folder` is as fast as on a
    disk with no mass deletion behind it; the last probe's median in microseconds."""
    os.sync()
    deadline = time.monotonic() + limit_s
    while True:
        created = file_create_us(folder)
        if created <= SETTLED_CREATE_US or time.monotonic() > deadline:
            return created
        print(f"file creation takes {created:.0f} us (a recent mass deletion?): "
              "waiting for the disk to settle", file=sys.stderr, flush=True)
        time.sleep(15)


def forget_probes(folder: Path) -> None:
    for probe in folder.glob(".bench-probe-*"):
        shutil.rmtree(probe, ignore_errors=True)
