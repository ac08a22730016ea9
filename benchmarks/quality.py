"""Screenshots and Lighthouse scores for the default theme, for a reviewer to look at.

    python benchmarks/quality.py                 # screenshots + Lighthouse
    python benchmarks/quality.py --no-lighthouse # screenshots only

Builds the example site (or --site) into a temporary folder, serves it on
loopback, and writes episode-page screenshots at 375 px and 1280 px, light and
dark, into --out (default docs/screenshots/). Then runs Lighthouse
(npm lighthouse@12.2.3, Debian chromium, --headless --no-sandbox) on the home
page and an episode page, --runs times each, and prints each category's median
score; the exit code is 1 when any median is below --min-score.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.build import BuildOptions, build, load_site  # noqa: E402
from sitegen.errors import Problems  # noqa: E402
from tests.theme_tools import (LIGHTHOUSE, LIGHTHOUSE_VERSION, NODE_TOOLS,  # noqa: E402
                               serve_site)

log = logging.getLogger(__name__)

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


@dataclass(frozen=True)
class Shot:
    width: int
    height: int
    scheme: str
    playing: bool

    @property
    def name(self) -> str:
        state = "-playing" if self.playing else ""
        return f"episode-{self.width}-{self.scheme}{state}.png"


SHOTS = tuple(Shot(w, h, scheme, playing) for w, h in ((375, 812), (1280, 800))
              for scheme in ("light", "dark") for playing in (False, True))


def take_screenshots(episode_url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for shot in SHOTS:
            context = browser.new_context(viewport={"width": shot.width, "height": shot.height},
                                          color_scheme=shot.scheme, device_scale_factor=1)
            page = context.new_page()
            page.goto(episode_url + ("#t=1:15" if shot.playing else ""))
            page.wait_for_load_state("networkidle")
            if shot.playing:
                page.wait_for_function("() => document.querySelector('.turn.current')")
                page.wait_for_timeout(1200)  # let the follow-along scroll settle
                page.evaluate("() => document.querySelector('audio').pause()")
            path = out / shot.name
            page.screenshot(path=str(path))
            written.append(path)
            context.close()
        browser.close()
    return written


def ensure_lighthouse() -> Path:
    if not LIGHTHOUSE.exists():
        log.info("installing lighthouse@%s into %s", LIGHTHOUSE_VERSION, NODE_TOOLS)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix",
                        str(NODE_TOOLS), f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True)
    return LIGHTHOUSE


def lighthouse_scores(url: str, report: Path) -> dict[str, int]:
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    subprocess.run([str(ensure_lighthouse()), url, "--quiet", "--output=json",
                    f"--output-path={report}", "--chrome-flags=--headless --no-sandbox",
                    "--only-categories=" + ",".join(CATEGORIES)],
                   check=True, env=env, timeout=300)
    data = json.loads(report.read_text(encoding="utf-8"))
    return {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}


def failing_audits(report: Path) -> list[str]:
    """Audits that cost points, to say why a score is short of 100."""
    data = json.loads(report.read_text(encoding="utf-8"))
    out = []
    for category in data["categories"].values():
        for ref in category["auditRefs"]:
            audit = data["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                out.append(f"{category['id']}: {audit['id']} ({audit['score']})")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=REPO)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--min-score", type=int, default=95)
    parser.add_argument("--runs", type=int, default=3,
                        help="Lighthouse runs per page; the median counts (scores vary on a busy machine)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sitegen-quality-") as tmp:
        public = Path(tmp) / "public"
        build(BuildOptions(site_dir=args.site, output_dir=public))
        site = load_site(BuildOptions(site_dir=args.site, output_dir=public), Problems())
        episode = site.episodes[-1].slug  # the oldest: the example's longest transcript
        with serve_site(public, site.config.base_path) as base:
            if not args.no_screenshots:
                for path in take_screenshots(f"{base}episodes/{episode}/", args.out):
                    print(f"screenshot {path}")
            if args.no_lighthouse:
                return 0
            worst = 100
            for label, url in (("home", base), ("episode", f"{base}episodes/{episode}/")):
                runs = []
                for run in range(args.runs):
                    report = Path(tmp) / f"lighthouse-{label}-{run}.json"
                    runs.append(lighthouse_scores(url, report))
                    print(f"lighthouse {label:8} run {run + 1}: " + "  ".join(
                        f"{k} {v}" for k, v in runs[-1].items()))
                    for line in failing_audits(report):
                        print(f"    {line}")
                scores = {k: int(statistics.median(r[k] for r in runs)) for k in CATEGORIES}
                worst = min(worst, *scores.values())
                print(f"lighthouse {label:8} median of {args.runs}: " + "  ".join(
                    f"{k} {v}" for k, v in scores.items()))
    return 0 if worst >= args.min_score else 1


if __name__ == "__main__":
    sys.exit(main())
