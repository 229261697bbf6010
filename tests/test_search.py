"""Site-wide search, the home page, the 404 page and case-study links and print, in Chromium.

The search rule is written out here in Python and every expectation is computed with it
from the content or the built index: an item matches when every word of the query starts
a word of its title or of one of its fields, ignoring case and accents; groups follow the
index's kinds; in a group, items whose title holds every word come first, then those whose
title holds some, each in site order.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import re
import socket
import threading
import unicodedata
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote_plus

import pypdf
import pytest
from playwright.sync_api import expect

import build
from conftest import QuietHandler, ROOT, assert_axe_clean
from hub.config import Config
from hub.index import build_search_index, index_files
from hub.markdown import plain_text
from hub.render import card_id, markdown_sections

pytestmark = pytest.mark.browser

SEARCH = "search/index.html"
# Our own interface words for the count in the status line, per kind (site-search.js).
NOUNS = {"case-study": ("case study", "case studies"), "card": ("card", "cards"), "idea": ("London idea", "London ideas"),
         "theme": ("London theme", "London themes"), "guide": ("guide step", "guide steps"), "page": ("page", "pages")}
SHOWN = 10  # results a group shows before "Show all"


# The oracle -------------------------------------------------------------------------------

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def fold(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not "\u0300" <= c <= "\u036f")
    return text.translate(QUOTES).lower()


def strip_edges(term: str) -> str:
    start, end = 0, len(term)
    while start < end and not term[start].isalnum():
        start += 1
    while end > start and not term[end - 1].isalnum():
        end -= 1
    return term[start:end]


def terms_of(query: str) -> list[str]:
    out: list[str] = []
    for term in map(strip_edges, fold(query).split()):
        if term and term not in out:
            out.append(term)
    return out


def starts_word(hay: str, term: str) -> bool:
    i = hay.find(term)
    while i > 0 and hay[i - 1].isalnum():
        i = hay.find(term, i + 1)
    return i != -1


def expected_groups(index: dict, query: str) -> dict[str, list[dict]]:
    """The items each kind's group shows for `query`, in order."""
    terms = terms_of(query)
    ranked: dict[str, list] = {k["key"]: [] for k in index["kinds"]}
    for order, item in enumerate(index["items"]):
        title = fold(item["title"])
        fields = [fold(f[2]) for f in item["fields"]]
        if all(starts_word(title, t) or any(starts_word(f, t) for f in fields) for t in terms):
            in_title = sum(starts_word(title, t) for t in terms)
            tier = 0 if in_title == len(terms) else 1 if in_title else 2
            ranked[item["kind"]].append((tier, order, item))
    return {k: [item for _, _, item in sorted(v, key=lambda x: x[:2])] for k, v in ranked.items()}


def plural(n: int, noun: tuple[str, str]) -> str:
    return f"{n} {noun[0] if n == 1 else noun[1]}"


def expected_status(index: dict, query: str) -> str:
    groups = expected_groups(index, query)
    parts = [plural(len(groups[k["key"]]), NOUNS[k["key"]]) for k in index["kinds"] if groups[k["key"]]]
    if not parts:
        return f"No results for “{query.strip()}”"
    return plural(sum(len(v) for v in groups.values()), ("result", "results")) + ": " + ", ".join(parts)


@pytest.fixture(scope="module")
def index(site_dir) -> dict:
    return json.loads((site_dir / "search.json").read_text())


# Reading the page ---------------------------------------------------------------------------

def search_for(page, query: str, index: dict) -> None:
    """Type the query into the search page's box and wait for the status it must give."""
    page.locator("#search-q").fill(query)
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=query.strip())
    expect(page.locator("#search-status")).to_have_text(expected_status(index, query))


def group_urls(page, kind: str) -> list[str]:
    """The result links of one group, all of them ("Show all" pressed), as paths from the site root."""
    group = page.locator("section.search-group").filter(has=page.locator(f"#group-{kind}"))
    more = group.locator(".search-group__more")
    if more.count():
        more.click()
        expect(more).to_have_count(0)
    return [href.removeprefix("../") for href in
            group.locator(".search-result__title a").evaluate_all("els => els.map(a => a.getAttribute('href'))")]


def word_of(title: str) -> str:
    """The longest word of a title: the one a reader would type to find it."""
    return max(re.findall(r"[^\W_]+", title), key=len)


# The index ------------------------------------------------------------------------------------

def test_search_index_has_every_item_in_site_order_with_plain_text_fields(built, site_dir, index):
    site = built.site
    script = (site_dir / "search.js").read_text()
    assert script.startswith("window.HUB_SEARCH = ") and script.rstrip().endswith(";")
    assert json.loads(script[len("window.HUB_SEARCH = "):].rstrip().rstrip(";")) == index
    assert index_files(site) == index_files(site)  # deterministic
    assert index["version"] == 1
    assert [k["key"] for k in index["kinds"]] == ["case-study", "card", "idea", "theme", "guide", "page"]

    ids = {k["key"]: [i["id"] for i in index["items"] if i["kind"] == k["key"]] for k in index["kinds"]}
    assert ids["case-study"] == [cs.slug for cs in site.case_studies]
    assert ids["card"] == [card_id(cs, card) for cs, card in site.cards]
    assert ids["idea"] == [i.slug for i in site.ideas]
    assert ids["theme"] == [t.slug for t in site.themes]
    assert ids["guide"] == [s.slug for s in site.guide]
    assert [p.slug for p in site.pages] == ids["page"][:len(site.pages)]
    assert [i["kind"] for i in index["items"]] == sorted((i["kind"] for i in index["items"]), key=list(ids).index)

    for item in index["items"]:
        assert set(item) == {"kind", "id", "url", "title", "fields"}
        path, _, fragment = item["url"].partition("#")
        assert (site_dir / path).is_file(), item["url"]
        if fragment:
            assert f'id="{fragment}"' in (site_dir / path).read_text()
        for key, label, text in item["fields"]:
            assert key and label and text and text == " ".join(text.split()) and "<" not in text and "**" not in text

    by_id = {(i["kind"], i["id"]): {f[0]: f for f in i["fields"]} for i in index["items"]}
    for cs in site.case_studies:
        fields = by_id[("case-study", cs.slug)]
        assert fields["name"][2] == cs.title
        for key, note in cs.opportunities.items():
            assert fields[f"opportunity:{key}"][1:] == [f"Opportunity: {site.opportunity[key].name}", plain_text(note)]
        for card in cs.cards:
            words = fields[f"card:{card_id(cs, card)}"][2]
            assert plain_text(card.key_learning) in words and plain_text(card.tagline) in words
        if cs.sectors:
            assert fields["sector"][2] == ", ".join(cs.sectors)
    for cs, card in site.cards:
        assert list(by_id[("card", card_id(cs, card))]) == ["tagline", "overview", "spotlight", "keywords",
                                                             "benefits", "enablers", "key_learning"]


# Searching ------------------------------------------------------------------------------------

def test_each_sector_finds_every_case_study_in_it(watched, built, index):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + SEARCH)
    for sector in sorted({s for cs in site.case_studies for s in cs.sectors}):
        search_for(page, sector, index)
        found = group_urls(page, "case-study")
        for cs in site.case_studies:
            if sector in cs.sectors:
                assert f"case-studies/{cs.slug}/index.html" in found, (sector, cs.slug)
    assert problems == [] and outside == []


def test_a_word_from_each_item_shows_it_in_its_kind_group(watched, built, index):
    page, root, problems, _ = watched
    page.goto(root + SEARCH)
    wanted = [(i["kind"], i["url"], word_of(i["title"])) for i in index["items"] if i["kind"] in ("guide", "theme", "page", "idea")]
    wanted += [(i["kind"], i["url"], word_of(i["title"])) for i in index["items"] if i["kind"] == "card"][:3]
    assert {k for k, _, _ in wanted} == {"guide", "theme", "page", "idea", "card"}
    for kind, url, word in wanted:
        search_for(page, word, index)
        assert url in group_urls(page, kind), (word, url)
    assert problems == []


def test_counts_and_order_per_group_follow_the_and_rule(watched, index):
    page, root, problems, _ = watched
    page.goto(root + SEARCH)
    for query in ("relationships", "community trust", "London Mayor", "young people", "health wellbeing"):
        search_for(page, query, index)
        groups = expected_groups(index, query)
        for kind in index["kinds"]:
            want = groups[kind["key"]]
            heading = page.locator(f"#group-{kind['key']}")
            if not want:
                expect(heading).to_have_count(0)
                continue
            expect(heading).to_have_text(f"{kind['name']} ({len(want)})")
            assert group_urls(page, kind["key"]) == [i["url"] for i in want], (query, kind["key"])
    assert problems == []


def test_search_ignores_accents_and_case_and_marks_the_words(watched, index):
    page, root, problems, _ = watched
    accented = sorted({w for i in index["items"] for f in i["fields"] for w in re.findall(r"\w+", f[2])
                       if fold(w) != w.lower() and fold(w).isascii() and len(w) > 3})
    assert accented, "the content has accented words to test with"
    word = accented[0]
    query = fold(word).upper()
    page.goto(root + SEARCH + "?q=" + quote_plus(query))
    expect(page.locator("#search-status")).to_have_text(expected_status(index, query))
    expect(page.locator("#search-q")).to_have_value(query)
    results = page.locator(".search-result")
    expect(results.first).to_be_visible()
    assert page.locator(".search-result:not(:has(mark))").count() == 0
    marks = page.locator(".search-results mark").all_inner_texts()
    assert marks and all(fold(m) == fold(word) for m in marks)
    assert word in marks or word.capitalize() in marks or any(fold(m) == fold(word) and m != fold(m) for m in marks)
    assert problems == []


def test_typing_updates_results_status_url_and_back(watched, index):
    page, root, problems, _ = watched
    page.goto(root + SEARCH)
    box = page.locator("#search-q")
    box.press_sequentially("criminal", delay=30)
    expect(page.locator("#search-status")).to_have_text(expected_status(index, "criminal"))
    page.wait_for_function("new URLSearchParams(location.search).get('q') === 'criminal'")
    box.press_sequentially(" justice", delay=30)
    expect(page.locator("#search-status")).to_have_text(expected_status(index, "criminal justice"))
    page.wait_for_function("new URLSearchParams(location.search).get('q') === 'criminal justice'")
    assert "criminal justice" in page.title()
    box.fill("")
    expect(page.locator("#search-status")).to_have_text("")
    expect(page.locator(".search-result")).to_have_count(0)
    page.go_back()  # one typing burst is one step of history
    page.wait_for_function("new URLSearchParams(location.search).get('q') === null")
    expect(box).to_have_value("")
    assert problems == []


def test_header_box_on_any_page_submits_to_the_search_page(watched, built, index):
    page, root, problems, _ = watched
    cs = built.site.case_studies[0]
    page.goto(root + f"case-studies/{cs.slug}/index.html")
    query = cs.sectors[0]
    page.get_by_role("search", name="Site").get_by_role("searchbox").fill(query)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(root + SEARCH) + r"\?q="))
    expect(page.locator("#search-q")).to_have_value(query)
    expect(page.locator("#search-status")).to_have_text(expected_status(index, query))
    assert page.locator("header .site-search").count() == 0  # the page's own box is the only one here
    assert problems == []


def test_keyboard_tabs_to_the_results_and_enter_opens_one(watched, built, index):
    page, root, problems, _ = watched
    cs = next(c for c in built.site.case_studies if c.cards)
    page.goto(root + SEARCH)
    page.locator("#search-q").focus()
    page.keyboard.type(cs.title)
    expect(page.locator("#search-status")).to_have_text(expected_status(index, cs.title))
    first = next(g[0] for g in expected_groups(index, cs.title).values() if g)
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.search-result a')"):
            break
    assert page.evaluate("document.activeElement.getAttribute('href')") == "../" + first["url"]
    page.keyboard.press("Enter")
    page.wait_for_url(root + first["url"])
    assert problems == []


def test_show_all_moves_focus_to_the_first_result_it_adds(watched, index):
    page, root, problems, _ = watched
    query = "relationships"
    big = next(k["key"] for k in index["kinds"] if len(expected_groups(index, query)[k["key"]]) > SHOWN)
    page.goto(root + SEARCH + "?q=" + query)
    group = page.locator("section.search-group").filter(has=page.locator(f"#group-{big}"))
    expect(group.locator(".search-result")).to_have_count(SHOWN)
    group.locator(".search-group__more").click()
    expect(group.locator(".search-result")).to_have_count(len(expected_groups(index, query)[big]))
    expect(group.locator(".search-result a").nth(SHOWN)).to_be_focused()
    assert problems == []


def test_search_page_with_results_passes_axe(watched, index):
    page, root, problems, outside = watched
    page.goto(root + SEARCH + "?q=community")
    expect(page.locator("#search-status")).to_have_text(expected_status(index, "community"))
    assert problems == [] and outside == []
    assert_axe_clean(page)


def test_without_javascript_the_page_says_so_and_the_header_box_still_goes_there(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "cards/index.html")
    page.get_by_role("search", name="Site").get_by_role("searchbox").fill("wales")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(site_url + SEARCH) + r"\?q=wales"))
    expect(page.get_by_text("Search runs in your browser and needs JavaScript")).to_be_visible()
    links = page.locator(".search-nojs a")
    expect(links.first).to_be_visible()
    links.first.click()
    page.wait_for_url(re.compile(r"/(case-studies|cards|guide|london)/index\.html$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    context.close()


# Home ---------------------------------------------------------------------------------------

def home_doors(site) -> list[tuple[str, str]]:
    """(name, link) of each door, from home.md's "## [Name](link)" sections."""
    _, sections = markdown_sections(site.page["home"].body)
    return [re.fullmatch(r"\[(.+)\]\((.+)\)", heading).groups() for heading, _ in sections]


def test_home_title_lead_and_doors_come_from_home_md_once(watched, built):
    page, root, problems, _ = watched
    site = built.site
    home = site.page["home"]
    page.goto(root + "index.html")
    assert page.title() == site.info.title
    main = page.locator("main")
    assert main.inner_text().count(home.description) == 1
    doors = page.get_by_role("navigation", name="Parts of the hub").locator(".door__title a")
    assert [(a.inner_text(), a.get_attribute("href")) for a in doors.all()] == home_doors(site)
    headings = main.locator("h2").all_inner_texts()
    assert len(headings) == len(set(headings)), headings
    name, link = home_doors(site)[-1]
    page.locator(".door", has_text=name).click(position={"x": 20, "y": 80})  # the body of a door, not its title
    page.wait_for_url(root + link)
    assert problems == []


@pytest.mark.parametrize("width", [1280, 1100, 960, 900, 700, 576, 390])
def test_no_door_is_left_alone_on_a_row(page, site_dir, built, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site_dir.as_uri() + "/index.html")
    boxes = page.locator(".door").evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
    frame = page.locator(".doors ul").bounding_box()
    assert len(boxes) == len(home_doors(built.site))
    rows: dict[int, list] = {}
    for b in boxes:
        rows.setdefault(round(b["y"]), []).append(b)
    last = rows[max(rows)]
    assert len(last) >= 2 or len(rows) == len(boxes), f"the last door is alone on its row at {width}px"
    for row in rows.values():  # and no row leaves a gap: a lone first door spans the row
        assert abs(min(b["x"] for b in row) - frame["x"]) < 1.5
        assert abs(max(b["right"] for b in row) - (frame["x"] + frame["width"])) < 1.5


# 404 ----------------------------------------------------------------------------------------

@contextmanager
def host_answering_404(site: Path, port: int | None = None):
    """A server for `site` that answers any missing path with 404.html's bytes, as real hosts do."""

    class Handler(QuietHandler):
        def do_GET(self):
            if Path(self.translate_path(self.path)).exists():
                return super().do_GET()
            body = (site / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port or 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def brand_rgb() -> str:
    hex_ = re.search(r"--brand:\s*#([0-9a-f]{6})", (ROOT / "assets/css/site.css").read_text()).group(1)
    return "rgb({}, {}, {})".format(*(int(hex_[i:i + 2], 16) for i in (0, 2, 4)))


MISSING = ["nope.html", "case-studies/nope.html", "case-studies/nope/x.html", "case-studies/nope/deeper/x.html"]


def check_404(page, host: str, missing: str) -> None:
    """Styled, and every link and the search form lead to pages that exist."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and r.url != host + missing else None)
    response = page.goto(host + missing)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    header = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header == brand_rgb()
    assert page.locator(".skip-link").evaluate("a => a.href") == host + missing + "#main"  # stays in the page
    targets = page.locator("a[href]:not(.skip-link)").evaluate_all("els => els.map(a => a.href.split('#')[0])")
    targets.append(page.locator("form.site-search").evaluate("f => f.action"))
    for url in set(targets):
        assert url.startswith(host), url
        with urllib.request.urlopen(url) as r:
            assert r.status == 200, url
    assert failed == []


@pytest.mark.parametrize("missing", MISSING)
def test_404_with_a_base_url_is_styled_and_its_links_work_at_any_depth(page, tmp_path, missing):
    port = free_port()
    out = tmp_path / "site"
    build.build(Config(ROOT, out, base_url=f"http://127.0.0.1:{port}/"))
    with host_answering_404(out, port) as host:
        check_404(page, host, missing)


@pytest.mark.parametrize("missing", [
    MISSING[0],
    *(pytest.param(m, marks=pytest.mark.xfail(strict=True, reason=(
        "without --base-url a page served below the root cannot load any file of the site: every URL it can "
        "hold is relative (check_links refuses '/…'), so no stylesheet or script reaches it"))) for m in MISSING[1:]),
])
def test_404_without_a_base_url(page, site_dir, missing):
    with host_answering_404(site_dir) as host:
        check_404(page, host, missing)


# Case-study pages -------------------------------------------------------------------------

def test_case_study_links_lead_to_their_filtered_views(watched, built):
    page, root, problems, _ = watched
    site = built.site
    cs = max(site.case_studies, key=lambda c: (len(c.sectors), len(c.opportunities)))
    page.goto(root + f"case-studies/{cs.slug}/index.html")
    facts = page.locator(".facts")
    db = root + "case-studies/index.html?"
    links = [(a.inner_text(), a.evaluate("a => a.href")) for a in facts.locator("a").all()]
    want = [(v, f"{db}place={quote_plus(v).replace('+', '%20')}") for v in cs.type_of_place]
    want += [(v, f"{db}sector={quote_plus(v).replace('+', '%20')}") for v in cs.sectors]
    want += [(cs.country, f"{db}country={quote_plus(cs.country).replace('+', '%20')}")]
    assert links == want
    opportunity_links = page.locator(".opportunity dt a")
    assert [(a.inner_text(), a.evaluate("a => a.href")) for a in opportunity_links.all()] == [
        (o.name, f"{db}opportunity={o.key}") for o in site.opportunities if o.key in cs.opportunities]
    o = next(o for o in site.opportunities if o.key in cs.opportunities)
    sector = cs.sectors[-1]
    for link, param, expected in [
        (facts.get_by_role("link", name=sector, exact=True), "sector", [c.slug for c in site.case_studies if sector in c.sectors]),
        (opportunity_links.first, "opportunity", [c.slug for c in site.case_studies if o.key in c.opportunities]),
    ]:
        link.click()
        page.wait_for_url(re.compile(r"case-studies/index\.html\?" + param + "="))
        expect(page.locator("#result-count")).to_have_text(re.compile(rf"^{len(expected)} case stud"))
        shown = page.eval_on_selector_all("#results > .tile", "els => els.filter(e => !e.closest('[hidden]')).map(e => e.dataset.slug)")
        assert shown == expected
        page.go_back()
        page.wait_for_url(root + f"case-studies/{cs.slug}/index.html")
    assert problems == []


def test_a_printed_case_study_never_ends_a_page_with_a_heading(page, site_dir, built):
    for cs in [c for c in built.site.case_studies if c.cards]:
        page.goto(site_dir.as_uri() + f"/case-studies/{cs.slug}/index.html")
        page.emulate_media(media="print")
        headings = page.locator("main h2").all_inner_texts()
        for hidden in (".site-search", ".site-nav", ".site-footer", "main button"):
            for element in page.locator(hidden).all():
                expect(element).to_be_hidden()
        texts = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(page.pdf(format="A4"))).pages]
        for text in texts[:-1]:
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            assert lines[-1] not in headings, (cs.slug, lines[-1])
        heading = "Case study card" if len(cs.cards) == 1 else "Case study cards"
        on = [t for t in texts if re.search(rf"^{heading}$", t, re.M)]
        assert len(on) == 1, cs.slug
        after = on[0][re.search(rf"^{heading}$", on[0], re.M).end():]
        assert cs.cards[0].title.upper() in after.upper(), cs.slug
