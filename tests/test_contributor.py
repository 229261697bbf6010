"""Depth 2: tiny content trees in tmp_path, one per kind of mistake; the exact text a contributor reads."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GOOD_CARD, GOOD_CASE_STUDY, ROOT, make_project



def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args, "--root", str(root)],
                          capture_output=True, text=True, cwd=root)


def check_errors(tmp_path, files, root=None) -> list[str]:
    root = root or make_project(tmp_path, files)
    result = run(root, "check")
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Each line is path:line: what is wrong.")
    assert lines[-2].endswith("found.")
    return lines[:-2]


CARD_ONLY = "---\ntitle: Card Only\ncards:" + GOOD_CARD + "---\n"


@pytest.mark.parametrize("name, text, expected", [
    ("unknown key",
     GOOD_CASE_STUDY.replace("summary:", "sumary:"),
     ["content/case-studies/x.md:7: sumary: unknown key 'sumary'; did you mean 'summary'?"]),
    ("unknown sector",
     GOOD_CASE_STUDY.replace("[Health]", "[Helth]"),
     ["content/case-studies/x.md:5: sectors[0]: 'Helth' is not a known sector (see content/taxonomies/sectors.yaml); did you mean 'Health'?"]),
    ("unknown type of place",
     GOOD_CASE_STUDY.replace("[Charity]", "[Charity, Shcool]"),
     ["content/case-studies/x.md:4: type_of_place[1]: 'Shcool' is not a known type of place (see content/taxonomies/types-of-place.yaml); did you mean 'School'?"]),
    ("unknown country",
     GOOD_CASE_STUDY.replace("Leeds, England", "Leeds, Englnd"),
     ["content/case-studies/x.md:6: location: country 'Englnd' is not a known country (the part after the last comma; see content/taxonomies/countries.yaml); did you mean 'England'?"]),
    ("unknown opportunity",
     GOOD_CASE_STUDY.replace("  training:", "  trainning:"),
     ["content/case-studies/x.md:11: opportunities.trainning: 'trainning' is not a known opportunity; did you mean 'training'?"]),
    ("number is not a number",
     GOOD_CASE_STUDY.replace("number: 1", "number: one"),
     ["content/case-studies/x.md:3: number: 'one' is not a whole number"]),
    ("invalid YAML",
     GOOD_CASE_STUDY.replace("number: 1", "number: [1"),
     ["content/case-studies/x.md:3: invalid YAML: a list opened with '[' is not closed with ']' "
      "(the parser says: while parsing a flow sequence, did not find expected ',' or ']')"]),
    ("no front matter",
     "title: X\n",
     ["content/case-studies/x.md:1: missing front matter: the file must start with a line '---'"]),
    ("card with two keywords",
     CARD_ONLY.replace("[One, two, three]", "[One, two]"),
     ["content/case-studies/x.md:8: cards[0].keywords: has 2 items; expected exactly 3"]),
    ("card enabler spelled as in the documents",
     CARD_ONLY.replace("enabler: space", "enabler: co-creation"),
     ["content/case-studies/x.md:19: cards[0].enablers[1].enabler: 'co-creation' is not a known enabler; did you mean 'co-design'?"]),
    ("card benefit category",
     CARD_ONLY.replace("category: skills", "category: skils"),
     ["content/case-studies/x.md:12: cards[0].benefits[1].category: 'skils' is not a known benefit category; did you mean 'skills'?"]),
    ("card missing its key learning",
     CARD_ONLY.replace("    key_learning: A lesson.\n", ""),
     ["content/case-studies/x.md:4: cards[0].key_learning: missing (required)"]),
    ("external link",
     GOOD_CASE_STUDY + "\nSee [our site](https://acme.example.org).\n",
     ["content/case-studies/x.md:14: link 'https://acme.example.org': points outside the site: the hub links only to "
      "its own pages; write the address as plain text"]),
    ("bad file name",
     GOOD_CASE_STUDY,
     None),
])
def test_each_mistake_is_reported_with_path_line_and_hint(tmp_path, name, text, expected):
    filename = "Bad Name.md" if name == "bad file name" else "x.md"
    errors = check_errors(tmp_path, {f"case-studies/{filename}": text})
    if expected is None:
        assert errors == ["content/case-studies/Bad Name.md:1: file name 'Bad Name.md': expected lower-case letters, digits and hyphens, like 'community-shop.md'"]
    else:
        assert sorted(errors) == sorted(expected)


def test_duplicate_numbers_and_dangling_references(tmp_path):
    errors = check_errors(tmp_path, {
        "case-studies/acme.md": GOOD_CASE_STUDY,
        "case-studies/other.md": GOOD_CASE_STUDY.replace("Acme Trust", "Other"),
        "london/themes/community.md": THEME,
        "london/ideas/co-housing.md": IDEA.replace("[acme]", "[acme, timson]").replace("power: planner", "power: planer"),
    })
    assert errors == [  # a shared number names every file that has it, each at its own line
        "content/case-studies/acme.md:3: number: collection number 1 is also used by content/case-studies/other.md; each must be different",
        "content/case-studies/other.md:3: number: collection number 1 is also used by content/case-studies/acme.md; each must be different",
        "content/london/ideas/co-housing.md:6: case_studies[1]: 'timson' is not a known case study (see content/case-studies/)",
        "content/london/ideas/co-housing.md:9: actions[0].power: 'planer' is not a known Mayor's power; did you mean 'planner'?",
    ]


THEME = """
---
title: Community
order: 1
heading: Building better communities
why: Why.
what_we_mean: What.
barriers: Barriers.
enabling: Enabling.
---
"""

IDEA = """
---
title: Co-housing
strapline: Living communally
theme: community
order: 1
case_studies: [acme]
enablers: [space]
actions:
  - power: planner
    text: Review planning regulations.
---
Text.
"""


def test_check_lists_every_problem_in_a_folder_of_broken_files(tmp_path):
    errors = check_errors(tmp_path, {
        "case-studies/a.md": GOOD_CASE_STUDY.replace("[Health]", "[Helth]"),
        "case-studies/b.md": GOOD_CASE_STUDY.replace("number: 1", "number: 2").replace("summary:", "sumary:"),
        "case-studies/c.md": "no front matter\n",
        "case-studies/d.md": CARD_ONLY.replace("category: skills", "category: skils").replace("[One, two, three]", "[One]"),
    })
    paths = [e.split(":")[0] for e in errors]
    assert sorted(set(paths)) == [f"content/case-studies/{x}.md" for x in "abcd"]
    assert len(errors) == 5  # a: sector; b: unknown key; c: no front matter; d: keywords and category
    assert all(e.split(":")[1].isdigit() for e in errors)


def test_failed_build_leaves_the_previous_site_untouched(tmp_path):
    root = make_project(tmp_path, {"case-studies/acme.md": GOOD_CASE_STUDY})
    first = run(root, "build")
    assert first.returncode == 0, first.stderr
    before = tree_digest(root / "site")
    (root / "content" / "case-studies" / "broken.md").write_text(GOOD_CASE_STUDY.replace("[Health]", "[Helth]").lstrip())
    second = run(root, "build")
    assert second.returncode == 1
    assert "content/case-studies/broken.md:5: sectors[0]: 'Helth'" in second.stderr
    assert "was left as it was" in second.stderr
    assert tree_digest(root / "site") == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".site")] == [".site.lock"], "staging folders must be cleaned up"


def test_template_error_names_template_line_and_content_file(tmp_path):
    root = make_project(tmp_path, {"case-studies/acme.md": GOOD_CASE_STUDY})
    template = root / "templates" / "case-study.html"
    template.write_text(template.read_text().replace("{{ cs.title }}</h1>", "{{ cs.titel }}</h1>"))
    line = next(i for i, t in enumerate(template.read_text().splitlines(), 1) if "cs.titel" in t)
    result = run(root, "build")
    assert result.returncode == 1
    assert (f"templates/case-study.html:{line}: UndefinedError: 'hub.models.CaseStudy object' has no attribute 'titel' "
            "(while rendering content/case-studies/acme.md into case-studies/acme/index.html)") in result.stderr


def test_two_builds_are_byte_identical(tmp_path):
    root = make_project(tmp_path, {"case-studies/acme.md": GOOD_CASE_STUDY, "case-studies/card.md": CARD_ONLY})
    assert run(root, "build", "--base-url", "https://hub.example.org/").returncode == 0
    first = tree_digest(root / "site")
    assert run(root, "build", "--base-url", "https://hub.example.org/").returncode == 0
    assert tree_digest(root / "site") == first


def test_new_writes_a_draft_that_builds_but_is_not_published(tmp_path):
    root = make_project(tmp_path, {"case-studies/acme.md": GOOD_CASE_STUDY})
    result = run(root, "new", "Café Crème & Co")
    assert result.returncode == 0, result.stderr
    path = root / "content" / "case-studies" / "cafe-creme-co.md"
    text = path.read_text()
    assert "draft: true" in text and "title: Café Crème & Co" in text
    for field in ("type_of_place", "sectors", "location", "summary", "spotlight", "opportunities", "cards", "key_learning"):
        assert field in text
    assert run(root, "check").returncode == 0
    assert run(root, "build").returncode == 0
    assert not (root / "site" / "case-studies" / "cafe-creme-co").exists()
    assert run(root, "build", "--drafts").returncode == 0
    assert (root / "site" / "case-studies" / "cafe-creme-co" / "index.html").exists()
    again = run(root, "new", "Café Crème & Co")
    assert again.returncode == 1 and "exists already" in again.stderr


def test_script_in_markdown_is_refused_at_its_line_and_never_reaches_a_page(tmp_path):
    evil = GOOD_CASE_STUDY.replace("summary: Acme helps people.", 'summary: "Acme <script>alert(1)</script> helps."')
    evil += '\n<a href="javascript:alert(4)">x</a>\n\n[y](javascript:alert(5))\n'
    errors = check_errors(tmp_path, {"case-studies/acme.md": evil})
    assert errors == [
        "content/case-studies/acme.md:7: raw HTML '<script>' is not allowed in content: write Markdown (it would be shown as text)",
        "content/case-studies/acme.md:14: raw HTML '<a href=\"javascript:alert(4)\">' is not allowed in content: write Markdown (it would be shown as text)",
        "content/case-studies/acme.md:16: link 'javascript:alert(5)': a 'javascript:' link is not allowed: links must be relative paths to pages of the hub (or mailto:)",
    ]


EVERY_MISTAKE = """---
title: Mistakes Trust
number: 7
type_of_place: [Charity]
sectors: [Health]
location: Leeds, England
summary: Mistakes helps people.
spotlight: Trusting relationships help.
title: Mistakes Trust Again
opportunities:
  planning: A plan with [a folder link](../)
---
An [absolute link](/case-studies/index.html).
A [missing page](../nowhere/index.html).
![A missing picture](../../assets/nope.png)
[Run this](javascript:alert(1)) and [read that](file:///etc/passwd).
See [the site][home] or <https://example.org>.

[home]: https://example.org/home
"""


def test_one_check_finds_every_kind_of_mistake_each_at_the_line_where_it_was_written(tmp_path):
    root = make_project(tmp_path, {
        "case-studies/mistakes.md": EVERY_MISTAKE,
        "case-studies/other.md": GOOD_CASE_STUDY.replace("number: 1", "number: 7"),
        "case-studies/tab.md": "---\ntitle: Tab\n\tnumber: 2\n---\n",
        "case-studies/indent.md": "---\ntitle: Indent\nsectors:\n  - Health\n - Housing\n---\n",
        "case-studies/..md": GOOD_CASE_STUDY,
        "case-studies/.x.md": GOOD_CASE_STUDY,
        "case-studies/sub/y.md": GOOD_CASE_STUDY,
        "case-studies/notes.txt": "notes\n",
        "pages/cards.md": "---\ntitle: Cards\ndescription: A page in the deck's place.\n---\n",
        "london/themes/community.md": THEME,
        "london/ideas/co-housing.md": IDEA.replace("[acme]", "[tab]"),  # cites a broken file: no second error
    })
    result = run(root, "check")
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()[:-2]
    m = "content/case-studies/mistakes.md"
    assert errors == [
        "content/case-studies/..md:1: hidden file: the build does not read it; rename it without the leading '.' or remove it",
        "content/case-studies/.x.md:1: hidden file: the build does not read it; rename it without the leading '.' or remove it",
        "content/case-studies/indent.md:5: invalid YAML: this line's indentation does not match the lines above it (or a value has stray "
        "text after it) (the parser says: while parsing a block mapping, did not find expected key)",
        f"{m}:3: number: collection number 7 is also used by content/case-studies/other.md; each must be different",
        f"{m}:9: title: this key is written twice (first on line 2); the second would silently replace the first: keep one",
        f"{m}:11: link '../': links to a folder: name the file (…/index.html) so the link also works from disk",
        f"{m}:13: link '/case-studies/index.html': an absolute path: write it relative to this page (for example "
        "../../cards/index.html), so the site also works from disk",
        f"{m}:14: link '../nowhere/index.html': no such page or file in the site (case-studies/nowhere/index.html)",
        f"{m}:15: image '../../assets/nope.png': no such file in the site (assets/nope.png)",
        f"{m}:16: link 'file:///etc/passwd': a 'file:' link is not allowed: links must be relative paths to pages of the hub (or mailto:)",
        f"{m}:16: link 'javascript:alert(1)': a 'javascript:' link is not allowed: links must be relative paths to pages of the hub (or mailto:)",
        f"{m}:17: link 'https://example.org': points outside the site: the hub links only to its own pages; write the address as plain text",
        f"{m}:19: link 'https://example.org/home': points outside the site: the hub links only to its own pages; write the address as plain text",
        "content/case-studies/notes.txt:1: the build reads only .md files in content/case-studies/: rename it to end in .md, or remove it",
        "content/case-studies/other.md:3: number: collection number 7 is also used by content/case-studies/mistakes.md; each must be different",
        "content/case-studies/sub/y.md:1: the build does not read subfolders of content/case-studies/: move the file up into that folder",
        "content/case-studies/tab.md:3: invalid YAML: a tab character: YAML indents with spaces only (the parser says: "
        "while scanning a plain scalar, found a tab character that violates indentation)",
        "content/pages/cards.md:1: this page would be written to cards/index.html, where the page made by templates/cards.html "
        "also goes; rename the file",
    ]
    assert result.stderr.strip().splitlines()[-2] == f"{len(errors)} problems found."


def test_build_finds_exactly_what_check_finds(tmp_path):
    root = make_project(tmp_path, {"case-studies/mistakes.md": EVERY_MISTAKE})
    checked, built = run(root, "check"), run(root, "build")
    assert checked.returncode == built.returncode == 1
    assert checked.stderr.splitlines()[:-2] == built.stderr.splitlines()[:-3]
    assert not (root / "site").exists()


def test_help_for_each_command():
    for command in ("build", "check", "new", "serve"):
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), command, "--help"], capture_output=True, text=True)
        assert result.returncode == 0 and "usage: build.py " + command in result.stdout


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_check_for_github_annotates_each_problem_at_its_line_and_lists_all_in_the_summary(tmp_path):
    root = make_project(tmp_path, {"case-studies/mistakes.md": EVERY_MISTAKE.replace(
        "title: Mistakes Trust\n", "title: Mistakes Trust\nsumary: \"100%, really: yes\"\n", 1),
        "case-studies/other.md": GOOD_CASE_STUDY.replace("[Health]", "[Helth]")})
    summary = tmp_path / "summary.md"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--format", "github", "--root", str(root)],
                            capture_output=True, text=True, cwd=root, env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1
    annotations = result.stdout.splitlines()
    problems = result.stderr.splitlines()[:-1]  # the plain list is still printed, for the log
    assert len(annotations) == len(problems) > 10  # more than GitHub shows per step: hence the summary
    for line, problem in zip(annotations, problems):
        path, number, message = problem.split(":", 2)
        escaped = message.strip().replace("%", "%25")
        assert line == f"::error file={path},line={number},title=Content problem::{escaped}"
    assert "::error file=content/case-studies/mistakes.md,line=3,title=Content problem::sumary: unknown key 'sumary'; did you mean 'summary'?" in annotations
    table = summary.read_text()
    assert table.startswith(f"### {len(problems)} content problems\n")
    for problem in problems:
        path, number, message = problem.split(":", 2)
        assert f"| `{path}` | {number} | {message.strip().replace('|', chr(92) + '|')} |" in table


def test_the_workflows_run_the_same_commands_as_a_contributor():
    import yaml

    pr = yaml.safe_load((ROOT / ".github" / "workflows" / "pull-request.yml").read_text())
    steps = [s.get("run", "") for s in pr["jobs"]["check"]["steps"]]
    assert any("build.py check --format github" in s for s in steps)
    assert any(s.strip() == "bin/test" for s in steps)
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in pr["jobs"]["check"]["steps"])
    deploy = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    runs = [s.get("run", "") for s in deploy["jobs"]["build"]["steps"]]
    assert any(s.startswith("bin/build --base-url") for s in runs)
    assert deploy[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as True


def test_contributing_md_shows_what_check_really_prints(tmp_path):
    """The walk-through's messages are the tool's own: its first try, and the same file once the YAML is fixed."""
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    first_try = (ROOT / "tests" / "fixtures" / "contributing-first-try.md").read_text()
    for text in (first_try, first_try.replace("\n   physical-space:", "\n  physical-space:")):
        root = make_project(tmp_path / str(len(text)), {"case-studies/older-womens-co-housing.md": text})
        errors = check_errors(root.parent, None, root=root)
        assert errors and all(e in guide for e in errors), [e for e in errors if e not in guide]


def test_a_build_in_worker_processes_is_byte_identical_to_one_in_one_process(tmp_path):
    studies = {f"case-studies/study-{i}.md": GOOD_CASE_STUDY.replace("number: 1", f"number: {i + 1}").replace(
        "Acme Trust", f"Study {i}") + f"\nA body with a [link](../study-{(i + 1) % 30}/index.html) and **words**.\n"
        for i in range(30)}
    root = make_project(tmp_path, studies)
    digests = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"site-{jobs}"
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--jobs", jobs, "--out", str(out),
                                 "--base-url", "https://hub.example.org/", "--root", str(root)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        digests.append(tree_digest(out))
    assert digests[0] == digests[1] == digests[2]
    assert len(digests[0]) > 40
