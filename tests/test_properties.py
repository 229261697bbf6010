"""Property-based: whatever front matter or Markdown a contributor writes, `check` answers with
exit 0, or exit 1 and `path:line: message` lines; never a traceback, never a hang.

Hypothesis generates front matter (any shape of YAML values under real and made-up keys,
and raw text full of YAML's own characters) and Markdown (full of its syntax characters).
Each example is checked in-process, in one project kept for the whole test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import re
import string

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import GOOD_CASE_STUDY, make_project
from hub.cli import main
from hub.models import CaseStudy

PROBLEM = re.compile(r"^content/[^:\n]+:\d+: \S.*$")
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])

KEYS = st.sampled_from([*CaseStudy.specs(), "sumary", "cards", "x", "1", "true", "ключ", ""])
SCALARS = st.one_of(st.text(max_size=40), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.booleans(),
                    st.none(), st.dates(min_value=dt.date(1, 1, 1)))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20)
YAML_ALPHABET = string.ascii_letters[:8] + string.digits[:3] + " \t\n:-[]{},&*!|>'\"#%@?`~\\"
MARKDOWN_TOKENS = ["word ", "é", " ", "\n", "\n\n", "*", "**", "_", "`", "```\n", "[", "]", "(", ")", "](", "![", "<", ">",
                   "<b>", "</b>", "<script>", "# ", "## ", "- ", "1. ", "> ", "    ", "|", "---", "\\", "&amp;", "&#",
                   "http://x.org", "javascript:", "mailto:a@b.c", "../", "x.md", "index.html", "#frag", "?q=1", ": "]
MARKDOWN = st.lists(st.sampled_from(MARKDOWN_TOKENS), max_size=120).map("".join)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("properties"), {"case-studies/acme.md": GOOD_CASE_STUDY})


def check(root, text: str) -> tuple[int, list[str]]:
    (root / "content" / "case-studies" / "x.md").write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--root", str(root)])
    lines = err.getvalue().splitlines()
    return code, lines


def assert_answers_cleanly(code: int, lines: list[str]) -> None:
    assert code in (0, 1)
    if code == 0:
        assert lines == []
        return
    *problems, count, hint = lines
    assert re.fullmatch(r"\d+ problems? found\.", count) and hint.startswith("Each line is path:line:")
    assert problems and all(PROBLEM.match(p) for p in problems), problems


@SETTINGS
@given(data=st.dictionaries(KEYS, VALUES, max_size=8))
def test_any_shape_of_front_matter_gets_an_answer(project, data):
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\nBody.\n"
    assert_answers_cleanly(*check(project, text))


@SETTINGS
@given(front=st.text(alphabet=YAML_ALPHABET, max_size=300))
def test_any_text_as_front_matter_gets_an_answer(project, front):
    assert_answers_cleanly(*check(project, f"---\ntitle: X\n{front}\n---\nBody.\n"))


@SETTINGS
@given(body=st.one_of(MARKDOWN, st.text(max_size=500)))
def test_any_markdown_gets_an_answer(project, body):
    text = GOOD_CASE_STUDY.lstrip().replace("number: 1", "number: 2") + body
    code, lines = check(project, text)
    assert_answers_cleanly(code, lines)


@SETTINGS
@given(text=st.text(max_size=400))
def test_any_unicode_text_as_a_file_gets_an_answer(project, text):
    assert_answers_cleanly(*check(project, text))


@SETTINGS
@given(body=st.one_of(MARKDOWN, st.text(max_size=500)))
def test_the_sanitiser_shortcut_never_differs_from_nh3(body):
    """Output that `already_safe` lets skip nh3 is exactly what nh3 would have returned: the shortcut
    is only ever a saving, never a weaker sanitiser."""
    import nh3

    from hub import markdown as md

    raw = md.convert(body)
    full = nh3.clean(raw, tags=md.TAGS, attributes=md.ATTRIBUTES, url_schemes=md.SCHEMES, link_rel=None,
                     strip_comments=True, clean_content_tags={"script", "style", "iframe", "object", "embed",
                                                              "template", "svg", "math"})
    assert md.sanitise(raw) == full


@SETTINGS
@given(st.one_of(st.text(alphabet=" \t\n\r\x0b\x0c\u2028\u00a0ab-+=1.)*_`[]<>&#\\|~", max_size=40), st.text(max_size=40)))
@example("a  \nb")  # a line break
@example("a\n \nb")  # a blank line
@example("a\n- b")  # a list after the first line
@example("+")
@example("a\n    b")  # an indented line
def test_the_fast_plain_text_test_answers_as_the_one_expression(text):
    from hub.markdown import MARKDOWN_SYNTAX, is_plain

    assert is_plain(text) == (MARKDOWN_SYNTAX.search(text) is None)


@SETTINGS
@given(st.one_of(st.text(alphabet="hHrReEfFsScC=\"' \n<>a_-é1", max_size=80),
                 st.text(alphabet="hHrReEfFsScC=\"'<>a_-é1", max_size=80)))  # no white space: url_values's fast way
@example('<a HREF="x" xhref="y" src=\'z\'>')
@example('<a href ="x">')
def test_the_fast_link_finder_finds_what_the_plain_one_finds(text):
    from hub.render import URL_VALUES, URL_VALUES_PLAIN, url_values

    assert URL_VALUES.findall(text) == URL_VALUES_PLAIN.findall(text)
    assert url_values(text) == URL_VALUES_PLAIN.findall(text)


PIECES = st.sampled_from(["[a]", "[a][]", "[a][b]", "![a]", "![a][b]", "[b]: ../x.md", "[a]:", " [A]: y \"t\"",
                          "(y)", "\n", "\n\n", "  ", "\t", "]", ":", "\x02", "\x03", "\r", "*a*", "_", "`", "<a>", "&amp;",
                          # block syntax, and lines indented into a list item's
                          "- ", "+ ", "* ", "1. ", "2.", "    ", "\n    ", "```", "~~~", "> ", "# ", "---", "===", "|",
                          "a|b\n-|-\n", "\\", "\\*",
                          # what hub.markdown's quick inline way makes itself
                          " ", "a", "é", ".", ",", ")", "**a b**", "[a](y)", "[a b](#y)"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(alphabet="ab *_`\\[]()!<>&#;:/@.\t\n\r\x02\x03-12|~=+", max_size=120),
                 st.lists(PIECES, max_size=20).map("".join)))
@example("a  \rb")  # a line break only once \r is a newline
@example("[a]\x02: y\n\n[a]")  # a reference defined only once the \x02 is gone
@example("[a]:y\n\n[a]")
@example("- a\n\n    b\n    ---")  # a heading underlined within a list item: no "\n-" in the document
@example("- a\n\n\tb")  # a tab that becomes the indent of the item's second paragraph
@example("a\n\n```\nb\n```")
@example("~~~\n*b*\n~~~")
@example("+ a\n+ b")
@example("a\n===")
@example("___")
@example("a|b\n-|-\nc|d")
@example("\\*a\\*")
@example("a *b* **c d** [e](#f).\nx *g*")  # every text the quick inline way's
@example("*a*\n\n*a**a*[a]()")  # one text Python-Markdown's: all are (its placeholders show here)
@example("a _b_ c")  # each thing the quick way leaves to Python-Markdown, in a text otherwise its own
@example("a `b` c")
@example("a \\*b\\* c")
@example("a <http://b> c")
@example("a &amp; b")
@example("a ![b](c) d")
@example("a\n\t\nb")  # a line of white space: a tab
@example("a\n \r\nb")
@example("a\n-\n# b #\n=")
def test_markdown_without_the_processors_it_cannot_use_is_converted_alike(text):
    """...and alike with the guarded processors (hub.markdown) as with Python-Markdown's own."""
    from hub.markdown import _renderer, convert

    renderer = stock_renderer()
    renderer.reset()
    stock = renderer.convert(text)
    assert convert(text) == stock
    _renderer.reset()
    assert _renderer.convert(text) == stock


@functools.cache
def stock_renderer():
    """Python-Markdown as the hub configures it, without hub.markdown's guards and quick inline way."""
    from hub.markdown import new_renderer

    return new_renderer(guarded=False)


@SETTINGS
@given(st.one_of(st.sampled_from(["a~", ".x.swp", ".x.swo", ".#a", "#a#", ".DS_Store", "Thumbs.db", "4913", "x.tmp",
                                  ".~lock.a#", "a.md", "x.tmpx", "#a", "a\n~"]),
                 st.text(alphabet="a.~#sw4913tmp\nDS_Store", max_size=12)))
def test_scratch_files_are_told_apart_as_by_their_patterns(name):
    import fnmatch

    from hub.load import SCRATCH, is_scratch

    assert is_scratch(name) == any(fnmatch.fnmatchcase(name, pattern) for pattern in SCRATCH)
