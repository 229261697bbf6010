"""Fixtures for the three depths of tests: stage, tiny content tree, built site in Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import sys
import tempfile
import threading
import textwrap
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import build  # noqa: E402
import growth  # noqa: E402
from hub.config import Config  # noqa: E402

# The project the suite's site, content and browser tests run on: this checkout, or (with
# HUB_TEST_CONTENT=grown) a copy with contributions added, to show the tests hold as content grows.
GROWN = os.environ.get("HUB_TEST_CONTENT") == "grown"
PROJECT = growth.grow(Path(tempfile.mkdtemp(prefix="hub-grown-"))) if GROWN else ROOT

CHROMIUM = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# A tiny project: the real taxonomies, templates and assets, and only the content a test writes.

def make_project(tmp_path: Path, files: dict[str, str] | None = None, taxonomies: bool = True) -> Path:
    """A project folder in tmp_path with the real templates/assets and the given content files."""
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "assets", root / "assets")
    if taxonomies:
        shutil.copytree(ROOT / "content" / "taxonomies", root / "content" / "taxonomies")
        shutil.copy(ROOT / "content" / "site.yaml", root / "content" / "site.yaml")
        (root / "content" / "london").mkdir()
        (root / "content" / "london" / "report.md").write_text(MINIMAL_REPORT)
        (root / "content" / "london" / "references.yaml").write_text("- number: 1\n  text: A reference.\n")
    for rel, text in (files or {}).items():
        path = root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


MINIMAL_REPORT = """---
title: The Relationship-Centred City
published: March 2020
authors: [Sam Firman, Immy Robinson]
commission:
  intro: A commission.
calls_intro: Calls.
calls_to_action:
  - audience: We call on the next Mayor of London to
    actions: [Act.]
reflections: Reflections.
moving_forwards: Moving forwards.
---
Introduction.
"""

GOOD_CASE_STUDY = """
---
title: Acme Trust
number: 1
type_of_place: [Charity]
sectors: [Health]
location: Leeds, England
summary: Acme helps people.
spotlight: Trusting relationships help.
opportunities:
  planning: A plan.
  training: Training.
---
"""

GOOD_CARD = """
  - title: Acme Trust
    tagline: A tagline.
    overview: An overview.
    spotlight: A spotlight.
    keywords: [One, two, three]
    benefits:
      - category: wellbeing
        text: Better.
      - category: skills
        text: Skilled.
      - category: health
        text: Healthier.
    enablers:
      - enabler: activities
        text: things to do.
      - enabler: space
        text: a place.
      - enabler: training
        text: learning.
    key_learning: A lesson.
"""


def project_config(root: Path, **kw) -> Config:
    return Config(root, root / "site", **kw)


# The real site, built once per run -------------------------------------------------

@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The real hub, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("built") / "site"
    return build.build(Config(PROJECT, out))


@pytest.fixture(scope="session")
def site_dir(built) -> Path:
    return built.out_dir


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def http_root(site_dir):
    """The built site served on 127.0.0.1 (a free port) for the whole run."""
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["http", "file"])
def site_url(request, site_dir):
    """The site's root URL, over http and over file:// (each browser test runs twice)."""
    if request.param == "http":
        return request.getfixturevalue("http_root")
    return site_dir.as_uri() + "/"


# Browser tests: a page that watches for console errors and outside requests ----------

AXE = Axe()


def assert_axe_clean(page) -> None:
    """axe-core finds no violation on the page as it is now (run it after the console checks:
    axe fetches stylesheets itself, which file:// refuses)."""
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def watched(page, site_url):
    """A page that records console errors and refuses (and records) any request leaving the site."""
    problems: list[str] = []
    outside: list[str] = []

    def inside(url: str) -> bool:
        return url.startswith(site_url) or url.startswith("data:")

    def route(r):
        if inside(r.request.url):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if inside(r.url) else outside.append(r.url))
    # A request cancelled by the next navigation (net::ERR_ABORTED) is not a fault of the page;
    # a missing file is (ERR_FILE_NOT_FOUND over file://, a 404 console error over http).
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}")
            if inside(r.url) and r.failure != "net::ERR_ABORTED" else None)
    yield page, site_url, problems, outside
