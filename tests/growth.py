"""A grown copy of the project: the hub's content plus five contributions from outside the collection.

The five case studies (tests/fixtures/contributions/) are organisations The Relationship-Centred
City describes, written in its words, each with a `source`, one with a card; the London
ideas that discuss them cite them. `grow()` makes the copy; tests/test_growth.py checks it
builds, and runs the content, site and finder expectations on it (HUB_TEST_CONTENT=grown).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRIBUTIONS = Path(__file__).resolve().parent / "fixtures" / "contributions"
CITED_BY = {  # idea -> the contributions its text discusses
    "co-housing": ["older-womens-co-housing"],
    "bumping-places": ["polis-station", "eggs-and-bread"],
    "participatory-budgeting": ["participatory-budgeting-new-york"],
    "connective-services": ["tesco-maryhill"],
}


def grow(into: Path) -> Path:
    """Copy the project into `into/project`, add the contributions, and cite them. Returns the project."""
    project = into / "project"
    for folder in ("content", "templates", "assets"):
        shutil.copytree(ROOT / folder, project / folder)
    for source in sorted(CONTRIBUTIONS.glob("*.md")):
        shutil.copy(source, project / "content" / "case-studies" / source.name)
    for idea, slugs in CITED_BY.items():
        path = project / "content" / "london" / "ideas" / f"{idea}.md"
        text = path.read_text(encoding="utf-8")
        cited = re.search(r"(?m)^case_studies: \[(.*)\]$", text)
        already = [s.strip() for s in cited.group(1).split(",") if s.strip()]
        path.write_text(text.replace(cited.group(0), f"case_studies: [{', '.join(already + slugs)}]"), encoding="utf-8")
    return project
