"""Depth 3c: finding, reading, printing and taking away, in Chromium over http and file://.

Every expected result is computed here from the content models (`built.site`), with the
filter rules written out in Python: a value's count is what checking it would give; OR
within a facet (AND for opportunities set to "all of"); AND across facets; search ignores
case and accents and covers every field a finder shows. Every browser assertion waits for
what it checks (search.js loads on the first search, so a result may settle a moment later).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pypdf
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from conftest import assert_axe_clean
from hub.markdown import plain_text
from hub.urls import case_study_url

pytestmark = pytest.mark.browser

DB = "case-studies/index.html"
CARDS = "cards/index.html"
TILES = "#results > .tile"


# The oracle -------------------------------------------------------------------------

def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def facet_values(cs) -> dict[str, set[str]]:
    """A case study's values in each facet of the database."""
    return {
        "opportunity": set(cs.opportunities),
        "enabler": {e.enabler for card in cs.cards for e in card.enablers},
        "sector": set(cs.sectors),
        "place": set(cs.type_of_place),
        "country": {cs.country} if cs.country else set(),
        "benefit": {b.category for card in cs.cards for b in card.benefits},
        "card": {"yes"} if cs.cards else set(),
    }


def passes(values: dict[str, set[str]], chosen: dict[str, set[str]], all_of: set[str] = frozenset()) -> bool:
    for facet, wanted in chosen.items():
        if not wanted:
            continue
        have = values[facet]
        if facet in all_of:
            if not wanted <= have:
                return False
        elif not wanted & have:
            return False
    return True


def card_words(site, card) -> list[str]:
    """Every word printed on a card."""
    return [card.title, plain_text(card.tagline), plain_text(card.overview), plain_text(card.spotlight), *card.keywords,
            *(f"{site.benefit[b.category].name} {plain_text(b.text)}" for b in card.benefits),
            *(f"{site.enabler[e.enabler].name} {plain_text(e.text)}" for e in card.enablers),
            plain_text(card.key_learning)]


def searchable(site, cs) -> str:
    """What the database's search covers: every field it shows of a case study, and its cards' words."""
    parts = [cs.title, *cs.sectors, *cs.type_of_place, cs.location or "", plain_text(cs.summary),
             plain_text(cs.spotlight), *(plain_text(note) for note in cs.opportunities.values())]
    for card in cs.cards:
        parts += card_words(site, card)
    return fold("\n".join(parts))


def number_order(cs):
    return (cs.number is None, cs.number or 0, cs.title.lower())


def expected_slugs(site, chosen, all_of=frozenset(), q="") -> list[str]:
    """Slugs in collection-number order (the default sort; Cancer Research, with no number, last)."""
    terms = fold(q).split()
    found = [cs for cs in site.case_studies
             if passes(facet_values(cs), chosen, all_of) and all(t in searchable(site, cs) for t in terms)]
    return [cs.slug for cs in sorted(found, key=number_order)]


def expected_counts(site, chosen, all_of=frozenset()) -> dict[str, int]:
    """{"facet=value": count}: how many case studies checking that value would show."""
    out = {}
    studies = [(cs, facet_values(cs)) for cs in site.case_studies]
    keys = {f: set().union(*(v[f] for _, v in studies)) for f in studies[0][1]}
    for facet, values in keys.items():
        for value in values:
            if facet in all_of:
                trial = {**chosen, facet: chosen.get(facet, set()) | {value}}
            else:
                trial = {**chosen, facet: {value}}
            out[f"{facet}={value}"] = sum(passes(v, trial, all_of) for _, v in studies)
    return out


def spreadsheet_rows(site, slugs) -> list[list[str]]:
    """The CSV a reader should get: the spreadsheet's columns, one row per case study, in order."""
    head = ["No.", "Name", "Type of place", "Sector(s)", "Location", "Summary", "Relationships spotlight",
            *(o.name for o in site.opportunities)]
    rows = [head]
    for slug in slugs:
        cs = site.case_study[slug]
        rows.append([str(cs.number) if cs.number is not None else "", cs.title, ", ".join(cs.type_of_place),
                     ", ".join(cs.sectors), cs.location or "", plain_text(cs.summary), plain_text(cs.spotlight),
                     *(plain_text(cs.opportunities.get(o.key)) for o in site.opportunities)])
    return rows


# Reading the page -------------------------------------------------------------------

def shown(page, selector=TILES) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.filter(e => !e.closest('[hidden]')).map(e => e.dataset.slug)")


def assert_shown(page, want, selector=TILES) -> None:
    """Wait until the list is `want` (the words of search.js may still be on their way), then check it."""
    try:
        page.wait_for_function(
            """([sel, want]) => JSON.stringify([...document.querySelectorAll(sel)]
                 .filter(e => !e.closest('[hidden]')).map(e => e.dataset.slug)) === JSON.stringify(want)""",
            arg=[selector, want], timeout=10_000)
    except PlaywrightTimeout:
        pass  # the assertion shows the difference
    assert shown(page, selector) == want


def counts(page) -> dict[str, tuple[int, bool, bool]]:
    """{"facet=value": (count shown, disabled, checked)} for every checkbox in the panel."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#filter-controls input[type=checkbox]')]
        .map(b => [b.name + '=' + b.value,
                   [parseInt(b.labels[0].querySelector('.facet__count').textContent.replace(/\\D/g, ''), 10), b.disabled, b.checked]]))""")


def status(page):
    return page.locator("#result-count")


def studies(n: int) -> str:
    return f"{n} case stud{'y' if n == 1 else 'ies'}"


def checkbox(page, facet, label):
    return page.locator("#filters").get_by_role("group", name=facet).get_by_role("checkbox", name=re.compile("^" + re.escape(label) + r" \("))


def open_db(page, root, query=""):
    page.goto(root + DB + query)
    page.wait_for_function("window.HubDatabase !== undefined")


def wait_query(page, query: str) -> None:
    page.wait_for_function("q => location.search === q", arg=query)


def in_viewport(page, selector: str) -> bool:
    return page.evaluate("""sel => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }""", selector)


def download_csv(page, button) -> list[list[str]]:
    """Click a "Download CSV" button; check the file is UTF-8 with a BOM and CRLF records; return its rows."""
    with page.expect_download() as info:
        button.click()
    download = info.value
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
    text = raw.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # RFC 4180 record ends
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


# The database ---------------------------------------------------------------------

def test_without_javascript_every_case_study_is_in_the_page(browser, site_url, built):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + DB)
    assert shown(page) == [cs.slug for cs in built.site.case_studies]
    assert page.locator("#filters").is_hidden()  # no dead controls without the script
    assert page.locator("#takeaway").is_hidden() and page.locator(".shortlist-toggle").first.is_hidden()
    context.close()


def test_counts_on_arrival_match_the_content(watched, built):
    page, root, problems, outside = watched
    open_db(page, root)
    site = built.site
    assert_shown(page, expected_slugs(site, {}))
    expect(status(page)).to_have_text(studies(len(site.case_studies)))
    got = counts(page)
    want = expected_counts(site, {})
    for key, n in want.items():
        assert got[key][0] == n, key
    # Every value of the closed lists is offered, with the ones no case study has greyed out.
    assert len(got) == (len(site.opportunities) + len(site.enablers) + len(site.sectors) + len(site.types_of_place)
                        + len(site.countries) + len(site.benefits) + 1)
    assert all(disabled == (n == 0) for n, disabled, _ in got.values())
    assert problems == [] and outside == []


def test_or_within_a_facet_and_across_facets_with_any_and_all(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root)
    checkbox(page, "Opportunities", "Planning").check()
    checkbox(page, "Opportunities", "Storytelling").check()
    chosen = {"opportunity": {"planning", "storytelling"}}
    assert_shown(page, expected_slugs(site, chosen))
    checkbox(page, "Enablers", "Space").check()
    chosen["enabler"] = {"space"}
    assert_shown(page, expected_slugs(site, chosen))
    assert {k: v[0] for k, v in counts(page).items()} == expected_counts(site, chosen) | {
        k: 0 for k in counts(page) if k not in expected_counts(site, chosen)}
    page.get_by_role("radio", name="all of these").check()
    all_of = {"opportunity"}
    want = expected_slugs(site, chosen, all_of)
    assert_shown(page, want)
    got = counts(page)
    for key, n in expected_counts(site, chosen, all_of).items():
        assert got[key][0] == n, key
        assert got[key][1] == (n == 0 and not got[key][2]), key
    expect(status(page)).to_have_text(studies(len(want)))
    assert problems == []


def test_search_ignores_case_and_accents_and_covers_card_text(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root)
    search = page.get_by_role("searchbox", name="Search the case studies")
    search.fill("BARCELÓNA")
    want = expected_slugs(site, {}, q="barcelona")
    assert want
    assert_shown(page, want)
    # A word only on a card (Cancer Research has no collection row).
    search.fill("digital working practices")
    want = expected_slugs(site, {}, q="digital working practices")
    assert "cancer-research" in want
    assert_shown(page, want)
    # The status is announced once typing pauses, with the number.
    expect(status(page)).to_have_text(studies(len(want)))
    search.fill("zzzz no such words")
    assert_shown(page, [])
    expect(page.locator("#no-results")).to_be_visible()
    assert problems == []


def test_a_search_for_each_sector_finds_every_case_study_in_it(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root)
    search = page.get_by_role("searchbox", name="Search the case studies")
    used = sorted({s for cs in site.case_studies for s in cs.sectors})
    assert used
    for sector in used:
        search.fill(sector)
        want = expected_slugs(site, {}, q=sector)
        assert_shown(page, want)
        in_sector = [cs for cs in site.case_studies if sector in cs.sectors]
        assert {cs.slug for cs in in_sector} <= set(want), sector
        # Each says why: the sector (not on the tile) is named, and its words are marked.
        for cs in in_sector:
            why = page.locator(f"{TILES}[data-slug='{cs.slug}'] .match-why")
            expect(why.locator("p").first).to_have_text(re.compile(r"^Matched in: (.*, )?Sector(,|$)"))
            marked = fold(" ".join(why.locator("mark").all_text_contents()))
            assert all(t in marked for t in fold(sector).split()), (sector, cs.slug)
    assert problems == []


def test_wales_finds_every_case_study_whose_location_says_wales(watched, built):
    page, root, problems, _ = watched
    site = built.site
    welsh = [cs.slug for cs in site.case_studies if "wales" in fold(cs.location or "")]
    assert welsh
    open_db(page, root)
    page.get_by_role("searchbox", name="Search the case studies").fill("wales")
    want = expected_slugs(site, {}, q="wales")
    assert_shown(page, want)
    assert set(welsh) <= set(want)
    for slug in welsh:
        tile = page.locator(f"{TILES}[data-slug='{slug}']")
        expect(tile.locator(".match-why")).to_contain_text("Location")
        expect(tile.locator(".tile__meta mark")).to_have_text(re.compile("^wales$", re.I))
    assert problems == []


def test_a_result_says_which_opportunity_it_matched_in(watched, built):
    """A word found only in one note of one case study: the tile names that opportunity and quotes it."""
    page, root, problems, _ = watched
    site = built.site
    pick = None
    for cs in site.case_studies:
        for key, note in cs.opportunities.items():
            for word in re.findall(r"[A-Za-z]{7,}", plain_text(note)):
                w = fold(word)
                elsewhere = searchable(site, cs).replace(fold(plain_text(note)), "")
                if w not in elsewhere and [c.slug for c in site.case_studies if w in searchable(site, c)] == [cs.slug]:
                    pick = (cs, key, word)
                    break
            if pick:
                break
        if pick:
            break
    assert pick, "no word is unique to one note"
    cs, key, word = pick
    open_db(page, root)
    page.get_by_role("searchbox", name="Search the case studies").fill(word.upper())
    assert_shown(page, [cs.slug])
    why = page.locator(f"{TILES}[data-slug='{cs.slug}'] .match-why")
    expect(why).to_contain_text(f"Matched in: Opportunity: {site.opportunity[key].name}")
    expect(why.locator(".match-why__excerpt mark")).to_have_text(word)
    # Clearing the search takes the explanation and the marks away.
    page.get_by_role("searchbox", name="Search the case studies").fill("")
    assert_shown(page, expected_slugs(site, {}))
    expect(page.locator(f"{TILES} .match-why")).to_have_count(0)
    expect(page.locator(f"{TILES} mark")).to_have_count(0)
    assert problems == []


def test_url_state_survives_reload_and_back_and_forward(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root)
    checkbox(page, "Opportunities", "Training").check()
    page.get_by_role("radio", name="all of these").check()
    checkbox(page, "Opportunities", "Activities").check()
    page.locator("main").get_by_role("searchbox").fill("young")
    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("radio", name="Table").click()
    wait_query(page, "?opportunity=training&opportunity=activities&opportunity-match=all&q=young&view=table&sort=name")
    want = sorted(expected_slugs(site, {"opportunity": {"training", "activities"}}, {"opportunity"}, q="young"),
                  key=lambda s: site.case_study[s].title.lower())
    titles = [site.case_study[s].title for s in want]
    rows = page.locator("#table-view tbody tr th a")
    expect(rows).to_have_text(titles)
    page.reload()
    page.wait_for_function("window.HubDatabase !== undefined")
    expect(rows).to_have_text(titles)
    expect(page.locator("main").get_by_role("searchbox")).to_have_value("young")
    # The table folds the filters away; they open with one button.
    page.get_by_role("button", name=re.compile(r"^Show filters \(2 on\)")).click()
    expect(checkbox(page, "Opportunities", "Training")).to_be_checked()
    expect(page.get_by_role("radio", name="Table")).to_be_checked()
    page.go_back()  # the view change undone: the grid, still sorted by name
    wait_query(page, "?opportunity=training&opportunity=activities&opportunity-match=all&q=young&sort=name")
    expect(page.locator("#table-view")).to_be_hidden()
    assert_shown(page, want)
    page.go_back()  # and the sort: number order
    assert_shown(page, sorted(want, key=lambda s: site.case_study[s].number))
    for _ in range(4):
        page.go_back()
    wait_query(page, "")
    assert_shown(page, expected_slugs(site, {}))
    page.go_forward()
    wait_query(page, "?opportunity=training")
    assert_shown(page, expected_slugs(site, {"opportunity": {"training"}}))
    assert problems == []


def test_the_address_of_a_change_is_kept_when_a_link_is_followed_at_once(watched, built):
    """The address is written once the page is painted; a reader who follows a case study in the
    same moment as a change must still come Back to the view they left, and each change stays
    one step of history."""
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root)
    want = expected_slugs(site, {"opportunity": {"planning"}, "enabler": {"space"}})
    assert want
    # Two changes and the first result's link, in one go: nothing is painted in between.
    page.evaluate("""() => {
        document.getElementById('cs-opportunity-planning').click();
        document.getElementById('cs-enabler-space').click();
        document.querySelector('#results > .tile a').click();
    }""")
    page.wait_for_url(re.compile(r"/case-studies/[^/]+/index\.html$"))
    assert page.url.endswith(case_study_url(site.case_study[want[0]]))
    page.go_back()
    wait_query(page, "?opportunity=planning&enabler=space")
    assert_shown(page, want)
    page.go_back()
    wait_query(page, "?opportunity=planning")
    assert_shown(page, expected_slugs(site, {"opportunity": {"planning"}}))
    assert problems == []


def test_a_shared_link_opens_the_filtered_view(watched, built):
    page, root, problems, _ = watched
    open_db(page, root, "?enabler=narratives&country=Scotland&sort=-number")
    want = expected_slugs(built.site, {"enabler": {"narratives"}, "country": {"Scotland"}})
    assert want
    assert_shown(page, list(reversed(want)))
    expect(page.locator(".chip")).to_have_count(2)
    assert [c.get_attribute("aria-label") for c in page.locator(".chip").all()] == [
        "Remove filter: Enabler: Narratives", "Remove filter: Country: Scotland"]
    assert problems == []


def test_chips_say_opportunity_or_enabler_where_the_names_collide(watched, built):
    page, root, problems, _ = watched
    site = built.site
    shared = sorted({o.name for o in site.opportunities} & {e.name for e in site.enablers})
    assert shared  # Training, Activities, Incentives are both
    name = shared[0]
    o_key = next(o.key for o in site.opportunities if o.name == name)
    e_key = next(e.key for e in site.enablers if e.name == name)
    open_db(page, root, f"?opportunity={o_key}&enabler={e_key}")
    assert_shown(page, expected_slugs(site, {"opportunity": {o_key}, "enabler": {e_key}}))
    expect(page.locator(".chip > span:first-child")).to_have_text([f"Opportunity: {name}", f"Enabler: {name}"])
    assert problems == []


def test_chips_remove_filters_without_losing_focus(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?opportunity=planning&enabler=space&q=support")
    chips = page.locator(".chip")
    expect(chips).to_have_count(3)
    assert [c.get_attribute("aria-label") for c in chips.all()] == [
        "Remove filter: Search: “support”", "Remove filter: Opportunity: Planning", "Remove filter: Enabler: Space"]
    chips.nth(1).focus()
    page.keyboard.press("Enter")
    assert_shown(page, expected_slugs(site, {"enabler": {"space"}}, q="support"))
    expect(page.locator(":focus")).to_have_attribute("aria-label", "Remove filter: Enabler: Space")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("aria-label", "Remove filter: Search: “support”")
    page.keyboard.press("Enter")
    expect(page.locator("#filters-heading")).to_be_focused()
    assert_shown(page, expected_slugs(site, {}))
    assert problems == []


def test_clear_all_empties_every_facet_and_the_search(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?sector=Health&place=Charity&q=the")
    assert_shown(page, expected_slugs(site, {"sector": {"Health"}, "place": {"Charity"}}, q="the"))
    page.get_by_role("button", name="Clear all").click()
    wait_query(page, "")
    expect(page.locator("main").get_by_role("searchbox")).to_have_value("")
    expect(page.locator("#filters-heading")).to_be_focused()
    assert_shown(page, expected_slugs(site, {}))
    assert problems == []


def test_the_filters_are_never_a_scroll_box_hiding_choices(watched, built):
    """At 1280 px with a short result, the panel grows with the page: no inner scroll area."""
    page, root, problems, _ = watched
    page.set_viewport_size({"width": 1280, "height": 720})
    open_db(page, root, "?benefit=wellbeing&card=yes&country=Scotland")
    assert_shown(page, expected_slugs(built.site, {"benefit": {"wellbeing"}, "card": {"yes"}, "country": {"Scotland"}}))
    boxes = page.evaluate("""() => [document.getElementById('filters'), ...document.querySelectorAll('#filters *')]
        .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight + 1)
        .map(e => e.id || e.className)""")
    assert boxes == []
    for box in page.locator("#filter-controls input:checked").all():
        box.scroll_into_view_if_needed()
        expect(box).to_be_in_viewport()
    assert problems == []


# The table: the spreadsheet overview ------------------------------------------------

def test_table_mirrors_the_spreadsheet_and_shows_notes_on_hover_and_focus(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?view=table")
    rows = page.locator("#table-view tbody tr")
    expect(rows).to_have_count(len(site.case_studies))
    headers = page.eval_on_selector_all("#table-view thead th.col-o", "ths => ths.map(t => t.textContent.replace(/\\s+/g, ' ').trim())")
    assert headers == [f"{o.number}Opportunity: {o.name}" for o in site.opportunities]
    # A mark exactly where the collection has a note.
    marks = page.evaluate("""() => [...document.querySelectorAll('#table-view tbody tr')].map(tr =>
        [...tr.querySelectorAll('td.note-cell')].map(td => td.classList.contains('has-note')))""")
    for cs, row in zip(sorted(site.case_studies, key=number_order), marks):
        assert row == [o.key in cs.opportunities for o in site.opportunities], cs.slug
    timpson = site.case_study["timpson"]
    key = next(iter(timpson.opportunities))
    name = site.opportunity[key].name
    note = page.locator("tr", has=page.get_by_role("link", name="Timpson", exact=True)).get_by_role(
        "button", name=f"Opportunity: {name} note")
    note.hover()
    tip = page.locator(".note-tip")
    expect(tip).to_be_visible()
    assert fold(" ".join(tip.inner_text().split())) == fold(f"Opportunity: {name} {plain_text(timpson.opportunities[key])}")
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    note.focus()
    expect(tip).to_be_visible()
    # The note is also the button's description, for screen readers.
    described = note.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_have_text(plain_text(timpson.opportunities[key]))
    assert problems == []


def test_columns_and_sort_orders(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?view=table")
    titles = page.locator("#table-view tbody th a")
    page.get_by_role("button", name=re.compile("^Case study")).click()
    expect(titles).to_have_text(sorted((c.title for c in site.case_studies), key=str.lower))
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("button", name=re.compile("^Case study")).click()
    expect(titles).to_have_text(sorted((c.title for c in site.case_studies), key=str.lower, reverse=True))
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    # A column of notes: those with a note first, then by number.
    space = site.opportunity["physical-space"]
    page.get_by_role("button", name=re.compile(f"^{space.number} Opportunity: {space.name}")).click()
    with_note = [c.title for c in sorted(site.case_studies, key=number_order) if "physical-space" in c.opportunities]
    wait_query(page, "?view=table&sort=o-physical-space")
    expect(titles).to_have_count(len(site.case_studies))  # the rows below the window come a few at a time
    assert titles.all_inner_texts()[:len(with_note)] == with_note
    expect(page.get_by_label("Sort by")).to_have_value("o-physical-space")
    # Matching opportunities: most of the chosen ones first.
    open_db(page, root, "?opportunity=planning&opportunity=training&opportunity=rules&sort=matches")
    chosen = {"planning", "training", "rules"}
    want = sorted((site.case_study[s] for s in expected_slugs(site, {"opportunity": chosen})),
                  key=lambda c: (-len(chosen & set(c.opportunities)), c.number))
    assert_shown(page, [c.slug for c in want])
    expect(page.get_by_label("Sort by")).to_have_value("matches")
    assert problems == []


def test_at_1280_all_ten_columns_fit_with_the_filters_folded_away(watched, built):
    page, root, problems, _ = watched
    page.set_viewport_size({"width": 1280, "height": 800})
    open_db(page, root, "?view=table")
    expect(page.locator("#table-view thead th.col-o")).to_have_count(len(built.site.opportunities))
    for th in page.locator("#table-view thead th.col-o").all():
        expect(th).to_be_visible()
    widths = page.evaluate("""() => { const s = document.querySelector('.table-scroll');
        return [s.scrollWidth, s.clientWidth, s.getBoundingClientRect().width, window.innerWidth]; }""")
    assert widths[0] <= widths[1], widths  # no sideways scrolling: every column fits
    assert widths[2] >= widths[3] - 80  # the table has the page's width
    controls = page.locator("#filter-controls")
    expect(controls).to_be_hidden()
    toggle = page.locator("#filters-toggle")
    expect(toggle).to_have_accessible_name("Show filters")
    toggle.click()
    expect(controls).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert problems == []


def test_table_header_row_and_first_column_stay_in_view(watched, built):
    page, root, problems, _ = watched
    page.set_viewport_size({"width": 1280, "height": 800})
    open_db(page, root, "?view=table&cells=notes")
    scroller = page.locator(".table-scroll")
    scroller.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.table-scroll').scrollIntoView()")
    # The region fits the window, so its sideways scrollbar is in reach.
    box = scroller.bounding_box()
    assert box["height"] <= 800 and box["y"] + box["height"] <= 800 + 1
    assert page.evaluate("(s => s.scrollWidth > s.clientWidth && s.scrollHeight > s.clientHeight)(document.querySelector('.table-scroll'))")
    page.evaluate("(s => s.scrollTo(700, 900))(document.querySelector('.table-scroll'))")
    page.wait_for_function("(s => s.scrollLeft > 0 && s.scrollTop > 0)(document.querySelector('.table-scroll'))")
    at = page.evaluate("""() => {
        const box = e => document.querySelector(e).getBoundingClientRect();
        const s = box('.table-scroll');
        return {top: s.top, left: s.left, head: box('.spreadsheet thead th.col-o').top,
                number: box('.spreadsheet tbody td.col-number').left, name: box('.spreadsheet tbody th.col-name').left,
                numberRight: box('.spreadsheet tbody td.col-number').right}; }""")
    assert abs(at["head"] - at["top"]) <= 2, at      # the header row stays at the top
    assert abs(at["number"] - at["left"]) <= 2, at   # No. and name stay at the left
    assert abs(at["name"] - at["numberRight"]) <= 1, at
    assert problems == []


def test_notes_mode_shows_each_note_so_a_column_reads_down(watched, built):
    page, root, problems, outside = watched
    site = built.site
    open_db(page, root, "?view=table")
    page.get_by_role("radio", name="Notes").check()
    wait_query(page, "?view=table&cells=notes")
    order = sorted(site.case_studies, key=number_order)
    for o in site.opportunities:
        column = page.locator(f"#table-view tbody td[data-o='{o.key}']")
        want = [plain_text(cs.opportunities[o.key]) if o.key in cs.opportunities else "No note" for cs in order]
        expect(column).to_have_text(want, use_inner_text=True)
    expect(page.locator("#table-view .note").first).to_be_hidden()  # the marks give way to the text
    # One column at a time, to read down it.
    page.get_by_label("Opportunity columns").select_option("storytelling")
    expect(page.locator("#table-view thead th.col-o:visible")).to_have_count(1)
    expect(page.locator("#table-view thead th.col-o:visible")).to_contain_text(site.opportunity["storytelling"].name)
    assert problems == [] and outside == []
    assert_axe_clean(page)


def test_table_has_one_tab_stop_per_row_and_arrow_keys_move_between_cells(watched, built):
    page, root, problems, _ = watched
    site = built.site
    order = sorted(site.case_studies, key=number_order)
    open_db(page, root, "?view=table")
    expect(page.locator("#table-view tbody tr")).to_have_count(len(order))
    stops = page.evaluate("""() => [...document.querySelectorAll('.spreadsheet a, .spreadsheet button, .spreadsheet [tabindex]')]
        .filter(e => e.tabIndex >= 0).length""")
    assert stops == len(order) + 1  # each row once, the header row included
    where = "(() => { const c = document.activeElement.closest('th, td'); return [c.parentNode.rowIndex, c.dataset.o || c.className]; })()"
    page.get_by_role("link", name=order[0].title, exact=True).focus()
    page.keyboard.press("Tab")  # the next row, not the next cell
    expect(page.locator(":focus")).to_have_text(order[1].title)
    page.keyboard.press("Shift+Tab")
    first, second = site.opportunities[0], site.opportunities[1]
    page.keyboard.press("ArrowRight")
    assert page.evaluate(where) == [1, first.key]
    page.keyboard.press("ArrowRight")
    assert page.evaluate(where) == [1, second.key]
    page.keyboard.press("ArrowDown")
    assert page.evaluate(where) == [2, second.key]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # the header row: the column's sort button
    expect(page.locator(":focus")).to_have_attribute("data-sort", f"o-{second.key}")
    page.keyboard.press("Home")
    expect(page.locator(":focus")).to_have_attribute("data-sort", "number")
    page.keyboard.press("End")
    expect(page.locator(":focus")).to_have_attribute("data-sort", f"o-{site.opportunities[-1].key}")
    # A row remembers where the reader was in it.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(where) == [1, site.opportunities[-1].key]
    # The keys are written on the page.
    expect(page.locator("#table-keys")).to_contain_text("Tab")
    expect(page.locator(".spreadsheet")).to_have_attribute("aria-describedby", "table-keys")
    assert problems == []


def test_on_a_phone_the_table_shows_one_chosen_opportunity_column(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.set_viewport_size({"width": 390, "height": 844})
    open_db(page, root, "?view=table")
    visible = page.locator("#table-view thead th.col-o:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text(site.opportunities[0].name)
    chooser = page.get_by_label("Opportunity columns")
    expect(chooser.locator("option[value=all]")).to_be_disabled()
    key = site.opportunities[-1].key
    chooser.select_option(key)
    expect(visible).to_contain_text(site.opportunity[key].name)
    page.get_by_role("radio", name="Notes").check()
    order = sorted(site.case_studies, key=number_order)
    expect(page.locator(f"#table-view tbody td[data-o='{key}']")).to_have_text(
        [plain_text(cs.opportunities[key]) if key in cs.opportunities else "No note" for cs in order], use_inner_text=True)
    expect(page.locator("#table-view tbody td.col-o:visible")).to_have_count(len(order))
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert problems == [] and outside == []
    assert_axe_clean(page)


# The filters on a phone -----------------------------------------------------------------

def test_phone_drawer_has_show_n_results_which_closes_it_and_moves_focus(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.set_viewport_size({"width": 390, "height": 844})
    open_db(page, root)
    page.get_by_role("button", name=re.compile("^Show filters")).click()
    checkbox(page, "Opportunities", "Training").check()
    want = expected_slugs(site, {"opportunity": {"training"}})
    done = page.get_by_role("button", name=f"Show {studies(len(want))}")
    expect(done).to_be_visible()
    expect(done).to_be_in_viewport()
    assert problems == [] and outside == []
    assert_axe_clean(page)  # the drawer open
    done.click()
    expect(page.locator("#filter-controls")).to_be_hidden()
    expect(status(page)).to_be_focused()
    expect(status(page)).to_be_in_viewport()
    assert_shown(page, want)


def test_filtered_database_fits_a_phone(page, site_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site_dir.as_uri() + "/" + DB + "?view=table&opportunity=planning")
    page.get_by_role("button", name=re.compile("^Show filters")).click()
    expect(page.locator("#filter-controls")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_keyboard_reaches_every_control_and_targets_are_big_enough(watched, built):
    page, root, problems, _ = watched
    open_db(page, root, "?opportunity=planning")
    page.locator("#cs-q").focus()
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.className"))
    for control in ("cs-opportunity-match-any", "cs-opportunity-planning", "cs-opportunity-training"):
        assert control in reached
    # Space toggles a focused checkbox.
    page.locator("#cs-opportunity-training").focus()
    page.keyboard.press("Space")
    wait_query(page, "?opportunity=planning&opportunity=training")
    sizes = page.evaluate("""() => [...document.querySelectorAll(
        '#filters input, #filters summary, .chip, .chips__clear, #results-options label, #sort, .tile a, .takeaway .button, .shortlist-toggle')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect(); return [e.id || e.className || e.tagName, r.width, r.height]; })""")
    small = [s for s in sizes if s[1] < 24 or s[2] < 24]
    # Checkboxes are 20px but their label (the whole row) is the target: check the row instead.
    small = [s for s in small if not str(s[0]).startswith("cs-")]
    assert small == []
    rows = page.evaluate("[...document.querySelectorAll('.facet__value label')].map(l => l.getBoundingClientRect().height)")
    assert min(rows) >= 24
    assert problems == []


@pytest.mark.parametrize("query", ["?opportunity=planning&enabler=space&sector=Health", "?view=table&q=young",
                                   "?q=criminal+justice"])
def test_axe_on_the_filtered_database(watched, built, query):
    page, root, problems, outside = watched
    open_db(page, root, query)
    expect(status(page)).to_have_text(re.compile(r"^\d+ case stud"))
    page.wait_for_function("!/q=/.test(location.search) || window.HUB_SEARCH !== undefined")
    assert problems == [] and outside == []
    assert_axe_clean(page)


# Take it away: CSV and the deck's print of any database view ----------------------------

def test_download_csv_has_the_spreadsheet_columns_for_the_shown_view(watched, built):
    page, root, problems, outside = watched
    site = built.site
    open_db(page, root, "?opportunity=storytelling&sort=-name")
    want = sorted(expected_slugs(site, {"opportunity": {"storytelling"}}), key=lambda s: site.case_study[s].title.lower(),
                  reverse=True)
    assert_shown(page, want)
    rows = download_csv(page, page.get_by_role("button", name="Download CSV"))
    expected = spreadsheet_rows(site, want)
    assert rows[0] == expected[0]
    assert len(rows) == len(expected)
    for got, row in zip(rows, expected):
        assert got == row, row[1]
    assert problems == [] and outside == []


def test_csv_of_the_whole_table_has_every_case_study(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?view=table&cells=notes")
    rows = download_csv(page, page.get_by_role("button", name="Download CSV"))
    assert rows == spreadsheet_rows(site, expected_slugs(site, {}))
    assert problems == []


def card_titles(page) -> list[str]:
    return page.eval_on_selector_all("#results > article.card", "els => els.map(e => e.querySelector('.card__title').textContent)")


def pdf_pages(page) -> list[str]:
    page.emulate_media(media="print")
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    return [" ".join(p.extract_text().split()) for p in reader.pages]


def test_print_the_cards_of_these_case_studies_prints_exactly_their_cards(watched, built):
    page, root, problems, _ = watched
    site = built.site
    chosen = {"opportunity": {"training"}, "place": {"Charity", "Business"}}
    open_db(page, root, "?opportunity=training&place=Business&place=Charity")
    slugs = expected_slugs(site, chosen)
    assert_shown(page, slugs)
    want = [card.title for cs, card in site.cards if cs.slug in slugs]
    assert want and len(want) < len(site.cards)
    link = page.get_by_role("link", name=re.compile("^Print the cards of these case studies"))
    expect(link).to_have_text(f"Print the cards of these case studies ({len(want)} card{'s' if len(want) > 1 else ''})")
    link.click()
    page.wait_for_url(re.compile(r"cards/index\.html\?case-study="))
    expect(page.locator("#results > article.card .card__title")).to_have_text(want)
    with_cards = [s for s in slugs if site.case_study[s].cards]
    expect(page.locator(".chip > span:first-child")).to_have_text(
        [f"{len(with_cards)} case studies"] if len(with_cards) > 1 else [f"Case study: {site.case_study[with_cards[0]].title}"])
    expect(page.get_by_role("button", name=f"Print these {len(want)} cards")).to_be_visible()
    texts = pdf_pages(page)
    assert len(texts) == len(want)
    for text, title in zip(texts, want):
        assert title.upper() in text.upper()
    assert problems == []


def test_when_no_shown_case_study_has_a_card_it_says_so(watched, built):
    page, root, problems, _ = watched
    site = built.site
    found = None
    for facet, values in (("sector", site.sectors), ("place", site.types_of_place), ("country", site.countries)):
        for value in values:
            slugs = expected_slugs(site, {facet: {value}})
            if slugs and not any(site.case_study[s].cards for s in slugs):
                found = (facet, value, slugs)
                break
        if found:
            break
    assert found, "every sector, type of place and country has a case study with a card"
    facet, value, slugs = found
    open_db(page, root, f"?{facet}={quote(value)}")
    assert_shown(page, slugs)
    expect(page.locator("#no-cards")).to_be_visible()
    expect(page.locator("#no-cards")).to_have_text("None of these case studies has a card to print.")
    expect(page.locator("#print-cards-link")).to_be_hidden()
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible()
    assert problems == []


def test_a_printed_database_has_no_search_box_controls_chips_or_buttons(page, site_url, built):
    site = built.site
    for query in ("?opportunity=planning&q=young", "?view=table&opportunity=planning&q=young"):
        page.goto(site_url + DB + query)
        want = expected_slugs(site, {"opportunity": {"planning"}}, q="young")
        assert want
        page.wait_for_function("window.HUB_SEARCH !== undefined")
        flat = " ".join(pdf_pages(page))
        page.emulate_media(media="screen")
        for junk in ("Search the case studies", "Filter case studies", "Show filters", "Download CSV",
                     "Print the cards of these case studies", "Clear all", "Search: “young”", "Sort by",
                     "Add to shortlist", "Matched in", "Opportunity cells", "Skip to main content"):
            assert junk not in flat, (query, junk)
        for slug in want:
            assert site.case_study[slug].title in flat, (query, slug)


# The case study page ---------------------------------------------------------------

def test_case_study_page_has_everything_the_bank_holds(watched, built):
    page, root, problems, outside = watched
    site = built.site
    cs = site.case_study["buffer"]
    page.goto(root + f"case-studies/{cs.slug}/index.html")
    main = page.locator("main")
    for heading in ("Summary", "Relationships spotlight", "More like this"):
        expect(main.get_by_role("heading", name=heading, exact=True)).to_have_count(1)
    facts = main.locator(".facts").inner_text()
    assert ", ".join(cs.type_of_place) in facts and cs.location in facts
    terms = [t.inner_text() for t in main.locator(".opportunity dt").all()]
    assert terms == [f"{o.number} {o.name}" for o in site.opportunities if o.key in cs.opportunities]
    assert main.locator("article.card").count() == len(cs.cards) == 2
    for card in cs.cards:
        block = main.locator("article.card", has=page.get_by_role("heading", name=card.title, exact=True))
        text = block.inner_text()
        for b in card.benefits:
            assert site.benefit[b.category].name.upper() in text
        for e in card.enablers:
            assert site.enabler[e.enabler].name + ":" in text
        assert ", ".join(card.keywords) in text
    related = [a.text_content() for a in main.locator("#related ~ .tiles .tile__title a").all()]
    assert [c.title for c in site.related(cs)] == related and related
    expect(page.get_by_role("navigation", name="Previous and next case study")).to_have_count(1)
    expect(main.get_by_role("button", name=f"Add to shortlist: {cs.title}").first).to_be_visible()
    assert problems == [] and outside == []
    assert_axe_clean(page)


def test_a_case_study_lists_the_london_ideas_that_cite_it(watched, built):
    page, root, problems, _ = watched
    site = built.site
    slug, ideas = next((s, i) for s, i in sorted(site.ideas_citing.items()) if i)
    page.goto(root + f"case-studies/{slug}/index.html")
    links = page.locator("#ideas ~ ul a")
    assert [a.inner_text().split(":")[0] for a in links.all()] == [i.title for i in ideas]
    links.first.click()
    page.wait_for_url(root + f"london/ideas/{ideas[0].slug}/index.html")


# The cards -------------------------------------------------------------------------

def expected_cards(site, enablers=(), benefits=(), sectors=(), opportunities=(), q="") -> list[str]:
    def searchable_card(cs, card):
        return fold(" ".join([*card_words(site, card), *cs.sectors, *cs.type_of_place, cs.country or ""]))
    return [card.title for cs, card in site.cards
            if (not enablers or set(enablers) & {e.enabler for e in card.enablers})
            and (not benefits or set(benefits) & {b.category for b in card.benefits})
            and (not sectors or set(sectors) & set(cs.sectors))
            and (not opportunities or set(opportunities) & set(cs.opportunities))
            and all(t in searchable_card(cs, card) for t in fold(q).split())]


def test_the_deck_filters_like_the_database(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + CARDS)
    titles = page.locator("#results > article.card .card__title")
    expect(titles).to_have_text([card.title for _, card in site.cards])
    checkbox(page, "Enablers", "Space").check()
    checkbox(page, "Benefit category", "Wellbeing").check()
    want = expected_cards(site, ["space"], ["wellbeing"])
    assert want
    expect(titles).to_have_text(want)
    expect(status(page)).to_have_text(f"{len(want)} cards")
    expect(page.get_by_role("button", name=f"Print these {len(want)} cards")).to_be_visible()
    wait_query(page, "?enabler=space&benefit=wellbeing")  # the address is written once the change is painted
    page.reload()
    expect(titles).to_have_text(want)
    assert problems == [] and outside == []
    assert_axe_clean(page)


def test_the_deck_has_the_opportunity_facet_and_finds_what_the_database_finds(watched, built):
    """Criminal Justice + Training: the database's case studies and the deck's cards agree."""
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?sector=Criminal+Justice&opportunity=training")
    slugs = expected_slugs(site, {"sector": {"Criminal Justice"}, "opportunity": {"training"}})
    assert_shown(page, slugs)
    want = [card.title for cs, card in site.cards if cs.slug in slugs]
    assert want == expected_cards(site, sectors=["Criminal Justice"], opportunities=["training"]) and want
    page.goto(root + CARDS + "?sector=Criminal+Justice")
    page.locator("#filters summary", has_text="Opportunities").click()
    checkbox(page, "Opportunities", "Training").check()
    expect(page.locator("#results > article.card .card__title")).to_have_text(want)
    expect(page.locator(".chip > span:first-child")).to_have_text(["Opportunity: Training", "Sector: Criminal Justice"])
    assert problems == []


def test_the_deck_searches_every_word_on_a_card_and_its_case_studys_sector(watched, built):
    page, root, problems, _ = watched
    site = built.site
    page.goto(root + CARDS)
    search = page.get_by_role("searchbox", name="Search the cards")
    titles = page.locator("#results > article.card .card__title")
    cs, card = next((cs, card) for cs, card in site.cards if cs.sectors)
    for q in (cs.sectors[0], plain_text(card.key_learning).split()[-1].strip(".,;:"), site.enabler[card.enablers[0].enabler].name):
        search.fill(q)
        want = expected_cards(site, q=q)
        assert card.title in want, q
        expect(titles).to_have_text(want)
    search.fill(cs.sectors[0])
    shown_card = page.locator("#results > article.card").filter(has=page.get_by_role("heading", name=card.title, exact=True))
    expect(shown_card.locator(".match-why")).to_contain_text("Sector")
    assert problems == []


def test_printing_the_deck_gives_one_card_per_page_and_nothing_else(page, site_url, built):
    site = built.site
    page.goto(site_url + CARDS)
    texts = pdf_pages(page)
    assert len(texts) == len(site.cards)
    for flat, (cs, card) in zip(texts, site.cards):
        assert flat.upper().count(card.title.upper()) >= 1
        assert flat.count("TOP 3 BENEFITS") == 1 and flat.count("KEY LEARNING") == 1
        assert "Read the full case study" in flat
        for junk in ("Skip to main content", "Filter the cards", "Case study cards Inspiring", "About the project",
                     "Add to shortlist"):
            assert junk not in flat


def test_print_these_cards_prints_the_filtered_deck(page, site_url, built):
    page.goto(site_url + CARDS + "?enabler=measurement")
    want = expected_cards(built.site, ["measurement"])
    expect(page.locator("#results > article.card")).to_have_count(len(want))
    texts = pdf_pages(page)
    assert len(texts) == len(want) and want
    for text, title in zip(texts, want):
        assert title.upper() in text.upper()


def test_workshop_activities_page_links_to_the_deck(watched):
    page, root, problems, _ = watched
    page.goto(root + "using-the-cards/index.html")
    headings = [h.inner_text() for h in page.locator("main h2").all()]
    # The five activities, as deck 003 lists them.
    assert [h for h in headings if re.match(r"\d\. ", h)] == [
        "1. Gallery", "2. Co-presentation", "3. Creating benefits", "4. Divergent connections", "5. Make your own case study"]
    page.get_by_role("link", name="Browse, filter and print the cards").click()
    page.wait_for_url(root + CARDS)


def test_a_change_puts_in_at_once_every_result_in_the_window(watched, built):
    """What the reader sees after a change is in the page with the change itself, wherever they
    have scrolled: the results down to the window's foot, the page not moved. The rest of the list
    follows when the browser is next idle, which this test holds back until it has looked."""
    page, root, problems, outside = watched
    page.set_viewport_size({"width": 1280, "height": 900})
    open_db(page, root)
    everyone = expected_slugs(built.site, {})
    assert_shown(page, everyone)
    # Two thirds of the way down the list (waiting for the scroll to be reported to the page).
    page.evaluate("""n => new Promise(done => {
        addEventListener('scroll', () => done(), {once: true});
        document.querySelectorAll('#results > .tile')[n].scrollIntoView(); })""", len(everyone) * 2 // 3)
    page.evaluate("() => { window.held = []; window.requestIdleCallback = fn => window.held.push(fn); }")
    scrolled = page.evaluate("scrollY")
    page.select_option("#sort", "name")  # the same case studies in another order: the list keeps its length
    at_once = page.evaluate("""() => { const tiles = [...document.querySelectorAll('#results > .tile')];
        return {slugs: tiles.map(t => t.dataset.slug), foot: tiles.at(-1).getBoundingClientRect().bottom,
                scrollY, height: innerHeight}; }""")
    page.evaluate("() => { while (window.held.length) window.held.shift()(); }")  # the rest, a few at a time
    wait_query(page, "?sort=name")
    page.wait_for_function("n => document.querySelectorAll('#results > .tile').length === n", arg=len(everyone))
    by_name = shown(page)
    assert sorted(by_name) == sorted(everyone) and by_name != everyone
    assert at_once["scrollY"] == scrolled  # the list did not shrink under the reader
    assert at_once["slugs"] == by_name[:len(at_once["slugs"])]
    assert at_once["foot"] >= at_once["height"] or at_once["slugs"] == by_name  # the window is full
    assert not problems and not outside


def test_a_long_result_shows_in_pages_with_show_more(page, tmp_path):
    """A bank of 125 case studies shows 120, then the rest, with focus on the first new one."""
    from conftest import GOOD_CASE_STUDY, make_project, project_config
    import build

    files = {f"case-studies/acme-{i}.md": GOOD_CASE_STUDY.replace("Acme Trust", f"Acme {i}").replace("number: 1", f"number: {i}")
             for i in range(1, 126)}
    root = make_project(tmp_path, files)
    out = build.build(project_config(root)).out_dir
    page.goto((out / DB).as_uri())
    assert_shown(page, [f"acme-{i}" for i in range(1, 121)])
    more = page.get_by_role("button", name="Show 5 more (125 in all)")
    more.click()
    assert_shown(page, [f"acme-{i}" for i in range(1, 126)])
    expect(page.locator(":focus")).to_have_text("Acme 121")
    expect(more).to_be_hidden()
    # A new filter starts again from the top of its result.
    page.locator("main").get_by_role("searchbox").fill("acme")
    assert_shown(page, [f"acme-{i}" for i in range(1, 121)])
