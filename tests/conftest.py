"""Shared fixtures: the example site, a built copy of it, and a chromium browser.

Browser tests use Debian's chromium through playwright. Without chromium they
skip, except under CI=true, where a missing tool is a failure, never a skip.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from sitegen.build import BuildOptions, build

# `HYPOTHESIS_PROFILE=fuzz pytest -k "fuzz or hypothesis"` runs the long fuzz by hand.
settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=20_000, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = REPO.parent / "shared" / "seeds"
CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, why: str) -> None:
    """Skip when something a test needs is missing; under CI=true, fail instead."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI is missing what this test needs: {why}")
        pytest.skip(why)


def copy_example_site(dest: Path) -> Path:
    """A writable copy of the repository's example site (site.yaml, content/, themes/)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "site.yaml", dest / "site.yaml")
    shutil.copytree(REPO / "content", dest / "content")
    if (REPO / "themes").is_dir():
        shutil.copytree(REPO / "themes", dest / "themes")
    return dest


@pytest.fixture
def example_site(tmp_path: Path) -> Path:
    return copy_example_site(tmp_path / "site")


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site built once per test session; treat it as read-only."""
    root = copy_example_site(tmp_path_factory.mktemp("example") / "site")
    build(BuildOptions(site_dir=root, output_dir=root / "public"))
    return root / "public"


@pytest.fixture(scope="session")
def playwright():
    """One playwright driver for the whole session: the sync API cannot run two at once."""
    require(Path(CHROMIUM).exists(), f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        require(False, "playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        yield p


def launch_chromium(playwright, *extra_args: str):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS + list(extra_args))


@pytest.fixture(scope="session")
def browser(playwright):
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
