"""The content will grow: five contributions from outside the collection build, appear where
readers look for them, and leave every expectation of the suite true (they are computed from
the content, never pinned)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from growth import CITED_BY, CONTRIBUTIONS, grow

SLUGS = sorted(p.stem for p in CONTRIBUTIONS.glob("*.md"))


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    project = grow(tmp_path_factory.mktemp("grown"))
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(project)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return project


def test_the_contributions_pass_check(grown):
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--root", str(grown)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("All content is valid")


def test_each_contribution_has_its_page_its_source_and_the_ideas_that_cite_it(grown):
    import yaml

    for slug in SLUGS:
        front = yaml.safe_load((CONTRIBUTIONS / f"{slug}.md").read_text().split("---\n")[1])
        html = (grown / "site" / "case-studies" / slug / "index.html").read_text()
        assert f"<h1>{front['title']}</h1>".replace("'", "&#39;") in html
        assert "<dt>Source</dt>" in html and "Collection No." not in html
        assert ('id="cards"' in html) == bool(front.get("cards"))  # no card section or label without a card
        for idea, cited in CITED_BY.items():
            if slug in cited:
                assert f"london/ideas/{idea}/index.html" in html
                assert f"case-studies/{slug}/index.html" in (grown / "site" / "london" / "ideas" / idea / "index.html").read_text()


def test_the_contributions_are_in_the_index_under_their_facets(grown):
    import yaml

    index = json.loads((grown / "site" / "index.json").read_text())
    studies = {c["slug"]: c for c in index["case_studies"]}
    for slug in SLUGS:
        front = yaml.safe_load((CONTRIBUTIONS / f"{slug}.md").read_text().split("---\n")[1])
        entry = studies[slug]
        assert entry["sectors"] == front["sectors"] and entry["type_of_place"] == front["type_of_place"]
        assert entry["country"] == front["location"].rsplit(",", 1)[1].strip()
        assert set(entry["opportunities"]) == set(front["opportunities"])
        assert entry["number"] is None
        assert len(entry["cards"]) == len(front.get("cards", []))


@pytest.mark.browser
def test_the_suites_expectations_hold_on_the_grown_content():
    """The content, site and finder tests, run again on the grown copy: none pins a total."""
    tests = ["tests/test_content.py", "tests/test_site.py", "tests/test_finder.py"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests,
                             "-k", "not print and not long_result"],
                            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HUB_TEST_CONTENT": "grown"})
    assert result.returncode == 0, result.stdout[-4000:]


def test_the_content_format_shows_a_contribution_that_really_builds():
    docs = (ROOT / "docs" / "content-format.md").read_text()
    example = (CONTRIBUTIONS / "older-womens-co-housing.md").read_text()
    assert f"```yaml\n{example}```" in docs
