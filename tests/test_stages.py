"""Depth 1: each stage on in-memory input."""

from __future__ import annotations

import pytest

from html.parser import HTMLParser
from pathlib import Path

import yaml

from hub import models as m
from hub import yamlsafe
from hub.errors import BuildError, did_you_mean, format_loc
from hub.load import Entry, decode, split_markdown
from hub.markdown import TooSlow, convert, for_page, inspect, time_limit, unwrap
from hub.render import link_checker, link_problem
from hub.scaffold import slugify
from hub.validate import markdown_texts, parse_entry
from hub.write import Output, exchange


# load ---------------------------------------------------------------------------

def read(text: str, path: str = "content/case-studies/x.md"):
    return split_markdown(Entry(path, Path(path), "case-studies"), text, "digest")


def test_front_matter_and_body_are_split_with_their_lines():
    source, errors = read("---\ntitle: X\nnumber: 3\n---\nBody line\n")
    assert errors == []
    assert source.data == {"title": "X", "number": 3}
    assert source.body == "Body line\n"
    assert source.line(("number",)) == 3
    assert source.body_line == 5


def test_missing_or_unclosed_front_matter_is_an_error_at_line_1():
    _, errors = read("title: X\n")
    assert [str(e) for e in errors] == ["content/case-studies/x.md:1: missing front matter: the file must start with a line '---'"]
    _, errors = read("---\ntitle: X\n")
    assert [str(e) for e in errors] == ["content/case-studies/x.md:1: front matter is not closed: add a line '---' after it"]
    _, errors = read("")
    assert [str(e) for e in errors] == ["content/case-studies/x.md:1: empty file: it must start with front matter between two '---' lines"]


def test_byte_order_mark_and_every_kind_of_line_end_are_read_alike():
    plain = "---\ntitle: X\nnumber: 3\n---\nBody\n"
    for data in (b"\xef\xbb\xbf" + plain.encode(), plain.replace("\n", "\r\n").encode(), plain.replace("\n", "\r").encode()):
        text, err = decode("content/x.md", data)
        assert err is None
        source, errors = read(text)
        assert errors == [] and source.data == {"title": "X", "number": 3} and source.line(("number",)) == 3


def test_bytes_that_are_not_utf8_are_reported_at_their_line():
    text, err = decode("content/x.md", b"---\ntitle: caf\xe9\n---\n")
    assert text is None and str(err) == "content/x.md:2: not UTF-8 text (byte 0xe9 in column 11); save the file as UTF-8"


def test_yaml_error_names_the_line_where_the_broken_value_starts():
    _, errors = read("---\ntitle: X\nnumber: [3\nsummary: y\n---\n")
    assert [str(e) for e in errors] == [
        "content/case-studies/x.md:3: invalid YAML: a list opened with '[' is not closed with ']' "
        "(the parser says: while parsing a flow sequence, did not find expected ',' or ']')"]


@pytest.mark.parametrize("text, line, words", [
    ("title: X\nsectors:\n  - A\n - B\nlocation: x\n", 4, "indentation does not match"),
    ("title: X\nsummary: >-\n  text\n location: y\n", 4, "indentation does not match"),
    ("title: X\n\tnumber: 2\n", 2, "a tab character"),
    ("title: Acme: the best\n", 1, "put the whole value in quotes"),
    ('title: "unfinished\nnext: 1\n', 1, "a quotation mark opened here is not closed"),
])
def test_yaml_syntax_errors_are_at_the_right_line_in_plain_words(text, line, words):
    parsed = yamlsafe.load(text)
    assert [p.line for p in parsed.problems] == [line]
    assert words in parsed.problems[0].message and "(the parser says:" in parsed.problems[0].message


@pytest.mark.parametrize("text, line, message", [
    ("a: &x [1, 2]\nb: *x\n", 1,
     "a: anchors and aliases (&name, *name) are not supported in content files; write the value out in full"),
    ("n: !!int abc\n", 1, "n: 'abc' cannot be read as a whole number"),
    ("n: !!float abc\n", 1, "n: 'abc' cannot be read as a number"),
    ("updated: 2024-02-30\n", 1, "updated: '2024-02-30' is not a real date (day is out of range for month); expected YYYY-MM-DD"),
    ("a: !!python/object:os.system x\n", 1, "a: unsupported YAML tag 'tag:yaml.org,2002:python/object:os.system'; write plain values"),
    ("? [a]\n: 1\n", 1, "a key must be plain text, not a list or a mapping"),
    ("a: " + "[" * 100 + "]" * 100 + "\n", 1, "nested more than 32 levels deep (the limit for content files)"),
])
def test_yaml_that_would_surprise_is_refused_at_its_line(text, line, message):
    parsed = yamlsafe.load(text)
    assert parsed.data is None
    assert [(p.line, p.message) for p in parsed.problems] == [(line, message)]


def test_a_key_written_twice_is_reported_and_the_rest_still_read():
    parsed = yamlsafe.load("title: X\nnumber: 3\ntitle: Y\n")
    assert [(p.line, p.message, p.fatal) for p in parsed.problems] == [
        (3, "title: this key is written twice (first on line 1); the second would silently replace the first: keep one", False)]
    assert parsed.data["number"] == 3


def test_yaml_values_are_read_as_safe_load_reads_them_with_a_line_for_each_key_and_item():
    text = "a: 1\ncards:\n  - title: T\n    keywords: [x, y]\nwhen: 2024-01-31\nflag: yes\nn: 1_000\nempty:\n"
    parsed = yamlsafe.load(text)
    assert parsed.problems == [] and parsed.data == yaml.safe_load(text)
    assert parsed.lines[("a",)] == 1
    assert parsed.lines[("cards", 0)] == 3
    assert parsed.lines[("cards", 0, "keywords")] == 4
    assert parsed.lines[("cards", 0, "keywords", 1)] == 4


def test_a_billion_laughs_is_refused_without_expanding_anything():
    lol = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
        f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    parsed = yamlsafe.load(lol + "unknown: key\n")
    assert parsed.data is None and "anchors and aliases" in parsed.problems[0].message


# validate -------------------------------------------------------------------------

def parse(text: str):
    source, errors = read(text)
    assert errors == []
    return parse_entry(source, m.CaseStudy, "x")


def test_unknown_key_is_named_with_a_suggestion():
    _, errors = parse("---\ntitle: X\nsumary: s\ncards: []\n---\n")
    assert "content/case-studies/x.md:3: sumary: unknown key 'sumary'; did you mean 'summary'?" in [str(e) for e in errors]


def test_wrong_type_names_the_value_and_what_was_expected():
    _, errors = parse("---\ntitle: X\nnumber: many\n---\n")
    assert "content/case-studies/x.md:3: number: 'many' is not a whole number" in [str(e) for e in errors]


def test_a_numbered_case_study_needs_its_spreadsheet_fields():
    _, errors = parse("---\ntitle: X\nnumber: 4\n---\n")
    assert [str(e) for e in errors] == [
        "content/case-studies/x.md:2: front matter: a case study with a collection number needs "
        "type_of_place, sectors, location, summary, spotlight"]


def test_a_case_study_from_outside_the_collection_needs_a_summary_or_a_card():
    _, errors = parse("---\ntitle: X\nspotlight: s\n---\n")
    assert [str(e) for e in errors] == [
        "content/case-studies/x.md:2: front matter: a case study without a collection number needs a summary or a card"]
    cs, errors = parse("---\ntitle: X\nsource: The Relationship-Centred City, page 30\nsummary: s\n---\n")
    assert errors == [] and cs.source == "The Relationship-Centred City, page 30" and cs.teaser == "s"


def test_markdown_fields_are_found_from_the_models_even_in_broken_data():
    data = {"title": "T", "summary": "S", "opportunities": {"planning": "P", "nope": 3}, "number": "x",
            "cards": [{"tagline": "G", "keywords": ["k"], "benefits": [{"category": "c", "text": "B"}]}]}
    found = dict(markdown_texts(m.CaseStudy, data))
    assert found == {("summary",): "S", ("opportunities", "planning"): "P", ("cards", 0, "tagline"): "G",
                     ("cards", 0, "benefits", 0, "text"): "B"}


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

PAGE = "case-studies/acme/index.html"
FILE = "content/case-studies/acme.md"


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
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![x](data:text/html,alert(1))",
])
def test_markdown_never_lets_script_or_style_through_and_says_so(attack):
    found = inspect(f"Hello\n\n{attack}\n\nbye", PAGE, FILE)
    tags = Tags()
    tags.feed(found.html)
    assert not {"script", "iframe", "style", "svg", "object"} & {tag for tag, _ in tags.seen}, found.html
    for tag, attrs in tags.seen:
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", found.html
            assert not (value or "").lower().strip().startswith(("javascript:", "data:")), found.html
    assert "Hello" in found.html and "bye" in found.html
    if not attack.startswith("<javascript:"):  # that one is not a link in Markdown: it stays text, harmless
        assert found.problems, attack  # and the contributor is told, at its line


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, attrs))


@pytest.mark.parametrize("text, problem", [
    ("[x](https://example.org)", "points outside the site"),
    ("<https://example.org>", "points outside the site"),
    ("[x](//cdn.example.org/a)", "points outside the site"),
    ("[x](file:///etc/passwd)", "a 'file:' link is not allowed"),
    ("[x](/index.html)", "an absolute path"),
    ("[x](../../cards/)", "links to a folder"),
    ("[x](../../../../outside.html)", "leaves the site folder"),
    ("![](../../assets/favicon.svg)", "has no alt text"),
    ("# A title", "a level-1 heading"),
    ("Some <b>bold</b>", "raw HTML '<b>' is not allowed"),
])
def test_each_markdown_problem_is_named(text, problem):
    found = inspect(text, PAGE, FILE)
    assert any(problem in message for _, message in found.problems), found.problems


def test_relative_links_resolve_once_and_work_from_every_page():
    found = inspect("See [the deck](../../cards/index.html), [Timpson](timpson.md) and "
                    "[the database](../index.html?sector=Retail#results).", PAGE, FILE)
    assert found.problems == []
    assert [t for t, _, _ in found.links] == ["cards/index.html", "case-studies/timpson/index.html", "case-studies/index.html"]
    assert for_page(found.html, PAGE) == (
        '<p>See <a href="../../cards/index.html">the deck</a>, <a href="../../case-studies/timpson/index.html">Timpson</a> '
        'and <a href="../../case-studies/index.html?sector=Retail#results">the database</a>.</p>')
    assert 'href="case-studies/timpson/index.html"' in for_page(found.html, "index.html")


def test_markdown_keeps_ordinary_formatting():
    html = inspect("Some **bold**, a [link](../x/index.html) and\n\n- a list", PAGE, FILE).html
    assert "<strong>bold</strong>" in html and "<li>a list</li>" in html
    assert unwrap(inspect("One *paragraph*.", PAGE, FILE).html) == "One <em>paragraph</em>."
    assert inspect("Code `<b>` is text", PAGE, FILE).problems == []


def test_markdown_rendering_has_a_time_limit():
    with pytest.raises(TooSlow):
        with time_limit(0.2):
            convert("[" * 20000)


# render: url() -------------------------------------------------------------------

def test_urls_are_relative_to_the_page_and_name_a_file():
    from hub.render import make_environment
    from pathlib import Path

    env = make_environment(Path("templates"))
    t = env.from_string("{{ url('case-studies/timpson/index.html') }}|{{ url('index.html') }}|{{ url('assets/css/site.css') }}")
    assert t.render(path="case-studies/ao/index.html") == "../../case-studies/timpson/index.html|../../index.html|../../assets/css/site.css"
    assert t.render(path="index.html") == "case-studies/timpson/index.html|index.html|assets/css/site.css"
    with pytest.raises(ValueError, match="name a file"):
        env.from_string("{{ url('guide/') }}").render(path="index.html")


def test_slugify():
    assert slugify("Scottish Men's Sheds Association") == "scottish-mens-sheds-association"
    assert slugify("  Café Crème & Co. ") == "cafe-creme-co"


# write: link checking and safety ------------------------------------------------------

FILES = {"index.html", "case-studies/a/index.html", "assets/css/site.css"}


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
    assert link_problem("", url, FILES) == problem


def test_the_rendered_page_check_finds_every_bad_link():
    check = link_checker(FILES, None)
    html = '<p>\n<a href="case-studies/a/">x</a>\n<img src="https://x.org/a.png"><a href="index.html">ok</a>'
    assert check("index.html", html) == [
        ("case-studies/a/", "links to a folder; name the file (…/index.html)"),
        ("https://x.org/a.png", "points outside the site; the hub links only to its own files"),
    ]


def test_writer_refuses_paths_outside_the_output(tmp_path):
    out = Output(tmp_path / "site", tmp_path)
    out.open()
    try:
        with pytest.raises(BuildError, match="outside the output folder"):
            out.write("../escape.html", b"x")
    finally:
        out.close()


def test_the_old_tree_is_removed_whole_by_several_processes(tmp_path, monkeypatch):
    from hub import workers
    from hub.write import remove_tree

    forked = []
    fork_map = workers.fork_map
    monkeypatch.setattr(workers, "fork_map", lambda fn, chunks, *a, **k: forked.append(len(chunks)) or fork_map(fn, chunks, *a, **k))

    old = tmp_path / "old"
    for i in range(300):
        (old / "case-studies" / f"c{i}").mkdir(parents=True)
        (old / "case-studies" / f"c{i}" / "index.html").write_text("x")
    (old / "index.html").write_text("x")
    (old / "assets" / "js").mkdir(parents=True)
    remove_tree(old, workers=2)  # 300 folders' folders: shared with a forked worker
    assert not old.exists() and forked and forked[0] > 1
    remove_tree(tmp_path / "gone", workers=2)  # nothing there: nothing to do, no error


def test_the_swap_is_one_step_and_leaves_no_moment_without_a_site(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "new.txt").write_text("new")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old.txt").write_text("old")
    exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / "new.txt").read_text() == "new" and (tmp_path / "a" / "old.txt").read_text() == "old"


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


# workers ------------------------------------------------------------------------

def test_forked_workers_give_each_result_in_the_order_of_the_chunks():
    import os

    from hub.workers import fork_map

    ran = []
    chunks = [[1, 2], [3], [], [4, 5, 6], [7], [8, 9]]
    assert fork_map(sum, chunks, 4, meanwhile=lambda: ran.append("here")) == [3, 3, 0, 15, 7, 17]
    assert ran == ["here"]  # meanwhile runs in this process, once
    assert fork_map(len, ["ab"], 8) == [2]  # more workers than chunks: one per chunk
    assert fork_map(sum, chunks, 3, here=True) == [3, 3, 0, 15, 7, 17]  # this process as a worker too
    assert fork_map(sum, chunks, 3, here=True, mine=(3, 0)) == [3, 3, 0, 15, 7, 17]
    pids = fork_map(lambda chunk: os.getpid(), list(range(40)), 3, here=True, mine=(5,))
    assert pids[5] == os.getpid()  # a chunk of its own is made here, whoever takes the others


def test_a_free_worker_takes_the_next_chunk_so_a_slow_one_takes_fewer(tmp_path):
    """Chunks are not dealt out in fixed shares: each worker takes the next one when it is free. Here this
    process is busy (`meanwhile`) until the forked worker has made every chunk, so that worker made them all."""
    import os
    import time

    from hub.workers import fork_map

    made = tmp_path / "made"
    made.write_text("")

    def make(chunk):
        with made.open("a") as log:
            log.write(f"{chunk}\n")
        return os.getpid()

    def busy():  # this process's own work, which lasts until the other worker has taken every chunk
        deadline = time.monotonic() + 60
        while len(made.read_text().split()) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)

    pids = fork_map(make, list(range(20)), 2, meanwhile=busy, here=True)
    assert len(set(pids)) == 1 and pids[0] != os.getpid()  # all made by the one free worker
    assert sorted(map(int, made.read_text().split())) == list(range(20))  # each chunk made once


def test_files_are_shared_among_workers_by_size(tmp_path):
    """Validation hands files out biggest first, in chunks small enough for the free workers to even out
    their loads: two long documents among short case studies are two chunks, not one worker's share."""
    import random

    from hub.load import Entry
    from hub.validate import by_size

    sizes = [30_000, 27_000] + [random.Random(n).randrange(1_000, 4_000) for n in range(60)]
    entries = []
    for n, size in enumerate(sizes):
        (tmp_path / f"f{n}.md").write_bytes(b"x" * size)
        entries.append(Entry(f"content/pages/f{n}.md", str(tmp_path / f"f{n}.md"), "pages"))
    entries.append(Entry("content/pages/gone.md", str(tmp_path / "gone.md"), "pages"))
    random.Random(1).shuffle(entries)
    for count in (2, 3):
        chunks = by_size(entries, count)
        paths = [e.path for chunk in chunks for e in chunk]
        assert sorted(paths) == sorted(e.path for e in entries)  # each file once
        found = [sizes[int(p[15:-3])] if "gone" not in p else 0 for p in paths]
        assert found == sorted(found, reverse=True)  # the biggest first
        assert by_size(entries, count) == chunks  # the same every time
        assert chunks[0] == [e for e in entries if e.path == "content/pages/f0.md"]  # the long ones apart
        assert chunks[1] == [e for e in entries if e.path == "content/pages/f1.md"]
    many = [Entry(f"content/case-studies/c{n}.md", str(tmp_path / "gone.md"), "case-studies") for n in range(10_000)]
    assert 32 <= len(by_size(many, 2)) <= 128  # chunks, not files: a few dozen a worker


def test_a_failing_worker_is_an_error_here_with_its_traceback_and_leaves_no_process():
    import os
    import signal

    from hub.workers import WorkerError, fork_map

    def divide(n):
        return 10 // n

    def children() -> set[str]:  # this process's children, zombies included
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == str(os.getpid()):
                found.add(stat.parent.name)
        return found

    def fill(n):
        raise OSError(28, "No space left on device")

    before = children()
    with pytest.raises(ZeroDivisionError) as raised:  # raised here as it was there: a full disk stays an OSError
        fork_map(divide, [1, 0, 2], 3)
    assert isinstance(raised.value.__cause__, WorkerError) and "in divide" in str(raised.value.__cause__)
    with pytest.raises(OSError, match="No space left"):
        fork_map(fill, [1, 2], 2)
    with pytest.raises(WorkerError, match="killed by signal 9"):
        fork_map(lambda n: os.kill(os.getpid(), signal.SIGKILL) if n else n, [0, 1], 2)
    with pytest.raises(AttributeError, match="Can't pickle"):  # a result that cannot travel back
        fork_map(lambda n: (lambda: n), [0, 1], 2)
    assert children() == before  # every worker was waited for: none is left, not even as a zombie


def test_a_killed_worker_is_one_line_from_the_command(tmp_path, monkeypatch, capsys):
    from hub import cli
    from hub.workers import WorkerError

    def killed(config, **kwargs):
        raise WorkerError("a worker process was killed by signal 9 without a result")

    monkeypatch.setattr(cli, "build", killed)
    assert cli.main(["build", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("build.py: a worker process was killed by signal 9") and "Traceback" not in err
    assert err.count("\n") == 1


def test_what_is_remembered_for_an_object_is_never_given_for_another():
    """models.remembered keys by id; the store keeps each object, so a later object never gets its id
    (CPython hands a freed object's id to the next one at once: without that, this would fail)."""

    class Thing:
        def __init__(self, n):
            self.n = n

    store: dict = {}
    for n in range(2000):
        thing = Thing(n)
        assert m.remembered(store, ("kind", id(thing)), (thing,), lambda: thing.n) == n
        assert m.remembered(store, ("kind", id(thing)), (thing,), lambda: -1) == n  # the same object: kept
        del thing
