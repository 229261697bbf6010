"""Depth 1: each stage on in-memory input."""

from __future__ import annotations

import pytest

from hub import models as m
from hub.errors import did_you_mean, format_loc
from hub.load import read_markdown, yaml_lines
from hub.markdown import render_inline, render_markdown
from hub.scaffold import slugify
from hub.validate import parse
from hub.write import check_links, link_problem, safe_path
from hub.errors import BuildError


# load ---------------------------------------------------------------------------

def test_front_matter_and_body_are_split_with_their_lines():
    source, errors = read_markdown("content/x.md", "---\ntitle: X\nnumber: 3\n---\nBody line\n")
    assert errors == []
    assert source.data == {"title": "X", "number": 3}
    assert source.body == "Body line\n"
    assert source.line(("number",)) == 3
    assert source.body_line == 5


def test_missing_or_unclosed_front_matter_is_an_error_at_line_1():
    _, errors = read_markdown("content/x.md", "title: X\n")
    assert [str(e) for e in errors] == ["content/x.md:1: missing front matter: the file must start with a line '---'"]
    _, errors = read_markdown("content/x.md", "---\ntitle: X\n")
    assert [str(e) for e in errors] == ["content/x.md:1: front matter is not closed: add a line '---' after it"]


def test_yaml_error_names_the_line_where_the_broken_value_starts():
    _, errors = read_markdown("content/x.md", "---\ntitle: X\nnumber: [3\nsummary: y\n---\n")
    assert len(errors) == 1
    assert str(errors[0]).startswith("content/x.md:3: invalid YAML:")


def test_yaml_lines_maps_nested_keys_and_list_items():
    lines = yaml_lines("a: 1\ncards:\n  - title: T\n    keywords: [x, y]\n")
    assert lines[("a",)] == 1
    assert lines[("cards", 0)] == 3
    assert lines[("cards", 0, "keywords")] == 4
    assert lines[("cards", 0, "keywords", 1)] == 4


# validate -------------------------------------------------------------------------

def _source(text):
    source, errors = read_markdown("content/case-studies/x.md", text)
    assert errors == []
    return source


def test_unknown_key_is_named_with_a_suggestion():
    source = _source("---\ntitle: X\nsumary: s\ncards: []\n---\n")
    _, errors = parse(source, m.CaseStudy, {"slug": "x", "body": ""})
    assert "content/case-studies/x.md:3: sumary: unknown key 'sumary'; did you mean 'summary'?" in [str(e) for e in errors]


def test_wrong_type_names_the_value_and_what_was_expected():
    source = _source("---\ntitle: X\nnumber: many\n---\n")
    _, errors = parse(source, m.CaseStudy, {"slug": "x", "body": ""})
    assert "content/case-studies/x.md:3: number: 'many' is not a whole number" in [str(e) for e in errors]


def test_a_numbered_case_study_needs_its_spreadsheet_fields():
    source = _source("---\ntitle: X\nnumber: 4\n---\n")
    _, errors = parse(source, m.CaseStudy, {"slug": "x", "body": ""})
    assert [str(e) for e in errors] == [
        "content/case-studies/x.md:2: front matter: a case study with a collection number needs "
        "type_of_place, sectors, location, summary, spotlight"]


def test_country_and_place_come_from_the_location():
    cs = m.CaseStudy(slug="x", title="X", location="London and Bristol, England", summary="s", spotlight="s")
    assert (cs.place, cs.country) == ("London and Bristol", "England")
    assert m.CaseStudy(slug="y", title="Y", location="Various, The Netherlands", summary="s", spotlight="s").country == "The Netherlands"


def test_did_you_mean_finds_near_misses_only():
    assert did_you_mean("Helth", ["Health", "Housing"]) == "; did you mean 'Health'?"
    assert did_you_mean("retail", ["Retail"]) == "; did you mean 'Retail'?"
    assert did_you_mean("zzz", ["Health"]) == ""


def test_format_loc():
    assert format_loc(("cards", 0, "benefits", 1, "category")) == "cards[0].benefits[1].category"


# markdown --------------------------------------------------------------------------

@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"evil.html\"></iframe>",
    "<p style=\"background:url(x)\" onclick=\"alert(1)\">x</p>",
    "<style>body{display:none}</style>",
    "<svg><script>alert(1)</script></svg>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<object data=\"x.swf\"></object>",
])
def test_markdown_never_lets_script_or_style_through(attack):
    html = str(render_markdown(f"Hello\n\n{attack}\n\nbye")).lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style", "<svg", "<object", "alert(1)</"):
        assert bad not in html, (attack, html)
    assert "hello" in html and "bye" in html


def test_markdown_keeps_ordinary_formatting():
    html = str(render_markdown("Some **bold**, a [link](../x/index.html) and\n\n- a list"))
    assert "<strong>bold</strong>" in html
    assert '<a href="../x/index.html">link</a>' in html
    assert "<li>a list</li>" in html
    assert str(render_inline("One *paragraph*.")) == "One <em>paragraph</em>."


# render: url() -------------------------------------------------------------------

def test_urls_are_relative_to_the_page_and_name_a_file():
    from hub.render import make_environment
    from pathlib import Path

    env = make_environment(Path("templates"))
    t = env.from_string("{{ url('case-studies/timpson/index.html') }}|{{ url('index.html') }}|{{ url('assets/css/site.css') }}")
    assert t.render(path="case-studies/ao/index.html") == "../timpson/index.html|../../index.html|../../assets/css/site.css"
    assert t.render(path="index.html") == "case-studies/timpson/index.html|index.html|assets/css/site.css"
    with pytest.raises(ValueError, match="name a file"):
        env.from_string("{{ url('guide/') }}").render(path="index.html")


def test_slugify():
    assert slugify("Scottish Men's Sheds Association") == "scottish-mens-sheds-association"
    assert slugify("  Café Crème & Co. ") == "cafe-creme-co"


# write: link checking and safety ------------------------------------------------------

FILES = {"index.html": "", "case-studies/a/index.html": "", "assets/css/site.css": ""}


@pytest.mark.parametrize("url, problem", [
    ("case-studies/a/index.html", None),
    ("case-studies/a/index.html#x", None),
    ("#top", None),
    ("mailto:hello@example.org", None),
    ("case-studies/a/", "links to a folder; name the file (…/index.html)"),
    ("/index.html", "absolute path; links must be relative so the site works from disk"),
    ("https://example.org/", "points outside the site; the hub links only to its own files"),
    ("//cdn.example.org/x.js", "points outside the site; the hub links only to its own files"),
    ("case-studies/b/index.html", "no such file in the site (case-studies/b/index.html)"),
    ("../outside.html", "leaves the site folder"),
])
def test_link_problems(url, problem):
    assert link_problem("index.html", url, FILES) == problem


def test_check_links_reports_page_and_line():
    files = dict(FILES, **{"index.html": '<p>\n<a href="case-studies/a/">x</a>\n<img src="https://x.org/a.png">'})
    assert [str(e) for e in check_links(files)] == [
        "site/index.html:2: link 'case-studies/a/': links to a folder; name the file (…/index.html)",
        "site/index.html:3: link 'https://x.org/a.png': points outside the site; the hub links only to its own files",
    ]


def test_writer_refuses_paths_outside_the_output(tmp_path):
    with pytest.raises(BuildError, match="outside the output folder"):
        safe_path(tmp_path, "../escape.html")


def test_related_ranks_by_shared_opportunities_and_enablers_then_collection_order():
    from hub.link import Site, case_study_order

    def cs(slug, number, opps, enablers=()):
        cards = []
        if enablers:
            cards = [m.Card(title=slug, tagline="t", overview="o", spotlight="s", keywords=["a", "b", "c"],
                            benefits=[m.Benefit(category="skills", text="x")] * 3,
                            enablers=[m.CardEnabler(enabler=e, text="x") for e in enablers], key_learning="k")]
        return m.CaseStudy(slug=slug, title=slug, number=number, type_of_place=["Charity"], sectors=["Health"],
                           location="Leeds, England", summary="s", spotlight="s",
                           opportunities={o: "note" for o in opps}, cards=cards)

    studies = [
        cs("a", 1, ["planning", "training", "activities"], ["space", "norms", "training"]),
        cs("b", 2, ["planning"]),                                   # shares 1
        cs("c", 3, ["planning", "training", "activities"]),         # shares 3
        cs("d", 4, ["storytelling"]),                               # shares 0: never listed
        cs("e", 5, ["training"], ["space", "norms", "co-design"]),  # shares 3
        cs("f", 6, ["planning", "training"]),                       # shares 2
        cs("g", 7, ["activities"]),                                 # shares 1
    ]
    site = Site(info=m.SiteInfo(title="t", description="d", updated="2020-01-01"), opportunities=[], enablers=[],
                benefits=[], powers=[], sectors=[], types_of_place=[], countries=[],
                case_studies=sorted(studies, key=case_study_order), guide=[], themes=[], ideas=[], pages=[],
                report=None, references=[])
    assert [c.slug for c in site.related(site.case_study["a"])] == ["c", "e", "f", "b"]
    assert [c.slug for c in site.related(site.case_study["a"], limit=10)] == ["c", "e", "f", "b", "g"]
    assert [c.slug for c in site.related(site.case_study["d"])] == []
