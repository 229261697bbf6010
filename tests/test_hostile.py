"""Hostile or broken input never hurts the build machine, never leaks a file, never loses the site.

Each case of the hostile corpus (tests/hostile.py; bench/hostile.py prints its figures) is
planted in a copy of the real project that has a site already, and built: the build must
exit 0 or 1, print `path:line: message` lines (or one line naming the path, for the file
system) and never a traceback, and leave site/ unchanged on failure or whole on success.
The subprocess timeout is a guard against a hang, not a measure of speed.
"""

from __future__ import annotations

import re
import shutil

import pytest

import hostile

LINE = re.compile(r"^(?:[\w./ -]+:\d+: .+|[\w./ -]+: .+|\d+ problems? found\.|Each line is path:line: .+|Build failed; .+|Built \d+ pages .+|Open .+|Waiting for another build .+)$")


@pytest.fixture(scope="module")
def built_project(tmp_path_factory):
    project = hostile.make_project(tmp_path_factory.mktemp("hostile-base"))
    assert hostile.run_build(project, project / "site").code == 0
    return project


def assert_clean(outcome: hostile.Outcome) -> None:
    assert outcome.code in (0, 1), outcome.output
    assert "Traceback" not in outcome.output and "Error:" not in outcome.output.split(":", 1)[0]
    for line in outcome.output.strip().splitlines():
        assert LINE.match(line), line
    assert outcome.intact


@pytest.mark.parametrize("name", list(hostile.CASES))
def test_hostile_content(name, tmp_path, built_project):
    outcome = hostile.run_case(name, tmp_path, built=built_project)
    assert_clean(outcome)
    if name in ("bom", "crlf", "cr-only"):
        assert outcome.code == 0  # ordinary files, saved by ordinary editors
    else:
        assert outcome.code == 1 and outcome.first_line.startswith(("content/", "assets/")), outcome.first_line
    assert "SECRET" not in "".join(p.read_text(errors="replace") for p in (tmp_path / "project" / "site").rglob("*.html"))


@pytest.mark.parametrize("name", list(hostile.ENVIRONMENT))
def test_hostile_environment(name, tmp_path):
    what, run, needs_mount = hostile.ENVIRONMENT[name]
    if needs_mount and not hostile.can_mount():
        pytest.skip("mounting a tmpfs needs root")
    if name.startswith("kill"):
        outcome = hostile.run_killed(tmp_path, {"kill-at-10%": 0.1, "kill-at-50%": 0.5, "kill-at-90%": 0.9}.get(name), size=300)
    else:
        outcome = run(tmp_path)
    assert_clean(outcome)
    if name == "two-builds-at-once" or name.startswith("kill"):
        assert outcome.code == 0
    else:
        assert outcome.code == 1 and outcome.first_line.startswith("build.py: "), outcome.first_line


def test_out_never_replaces_a_folder_that_is_not_a_hub_build(tmp_path):
    project = hostile.make_project(tmp_path)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    for out, why in ((project, "holds the project itself"), (precious, "is not empty and not a hub build"),
                     (project / "content" / "site", "inside the project's content/ folder"), (tmp_path, "holds the project itself")):
        outcome = hostile.run_build(project, out)
        assert outcome.code == 1 and why in outcome.first_line, outcome.first_line
    assert (precious / "thesis.txt").read_text() == "years of work"
    assert (project / "content" / "site.yaml").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert hostile.run_build(project, empty).code == 0 and hostile.whole(empty)
    assert hostile.run_build(project, empty).code == 0  # a hub build may be replaced by the next


def test_an_earlier_hub_build_without_the_marker_is_still_replaced(tmp_path):
    project = hostile.make_project(tmp_path)
    out = project / "site"
    assert hostile.run_build(project, out).code == 0
    (out / ".hub-site").unlink()  # as built before the marker existed
    assert hostile.run_build(project, out).code == 0 and hostile.whole(out)
