"""Depth 3c: finding, reading and printing, in Chromium over http and file://.

Every expected result is computed here from the content models (`built.site`) or the
content files, with the filter rules written out in Python: a value's count is what
checking it would give; OR within a facet (AND for opportunities set to "all of"); AND
across facets; search ignores case and accents.
"""

from __future__ import annotations

import io
import re
import unicodedata

import pypdf
import pytest

from conftest import AXE, PROJECT

pytestmark = pytest.mark.browser

DB = "case-studies/index.html"
CARDS = "cards/index.html"


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


def expected_slugs(site, chosen, all_of=frozenset(), q="") -> list[str]:
    """Slugs in collection-number order (the default sort; Cancer Research, with no number, last)."""
    terms = fold(q).split()
    found = [cs for cs in site.case_studies
             if passes(facet_values(cs), chosen, all_of) and all(t in fold(source_text(cs)) for t in terms)]
    return [cs.slug for cs in sorted(found, key=lambda c: (c.number is None, c.number or 0, c.title))]


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


def source_text(cs) -> str:
    """What search covers, read from the content file: every word in it."""
    return (PROJECT / "content" / "case-studies" / f"{cs.slug}.md").read_text()


# Reading the page -------------------------------------------------------------------

def shown(page, selector="#results > .tile") -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.filter(e => !e.closest('[hidden]')).map(e => e.dataset.slug)")


def counts(page) -> dict[str, tuple[int, bool, bool]]:
    """{"facet=value": (count shown, disabled, checked)} for every checkbox in the panel."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#filter-controls input[type=checkbox]')]
        .map(b => [b.name + '=' + b.value,
                   [parseInt(b.labels[0].querySelector('.facet__count').textContent.replace(/\\D/g, ''), 10), b.disabled, b.checked]]))""")


def status(page) -> str:
    return page.locator("#result-count").inner_text()


def checkbox(page, facet, label):
    return page.locator("#filters").get_by_role("group", name=facet).get_by_role("checkbox", name=re.compile("^" + re.escape(label) + r" \("))


def open_db(page, root, query=""):
    page.goto(root + DB + query)
    page.wait_for_function("window.HubDatabase !== undefined")


# The database ---------------------------------------------------------------------

def test_without_javascript_every_case_study_is_in_the_page(browser, site_url, built):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + DB)
    assert shown(page) == [cs.slug for cs in built.site.case_studies]
    assert page.locator("#filters").is_hidden()  # no dead controls without the script
    context.close()


def test_counts_on_arrival_match_the_content(watched, built):
    page, root, problems, outside = watched
    open_db(page, root)
    site = built.site
    assert shown(page) == expected_slugs(site, {})
    assert status(page) == f"{len(site.case_studies)} case studies"
    got = counts(page)
    want = expected_counts(site, {})
    for key, n in want.items():
        assert got[key][0] == n, key
    # Every value of the closed lists is offered, with the ones no case study has greyed out.
    assert len(got) == 10 + 9 + len(site.sectors) + len(site.types_of_place) + len(site.countries) + 8 + 1
    assert all(disabled == (n == 0) for n, disabled, _ in got.values())
    assert problems == [] and outside == []


def test_or_within_a_facet_and_across_facets_with_any_and_all(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root)
    checkbox(page, "Opportunities", "Planning").check()
    checkbox(page, "Opportunities", "Storytelling").check()
    chosen = {"opportunity": {"planning", "storytelling"}}
    assert shown(page) == expected_slugs(site, chosen)
    checkbox(page, "Enablers", "Space").check()
    chosen["enabler"] = {"space"}
    assert shown(page) == expected_slugs(site, chosen)
    assert {k: v[0] for k, v in counts(page).items()} == expected_counts(site, chosen) | {
        k: 0 for k in counts(page) if k not in expected_counts(site, chosen)}
    page.get_by_role("radio", name="all of these").check()
    all_of = {"opportunity"}
    assert shown(page) == expected_slugs(site, chosen, all_of)
    got = counts(page)
    for key, n in expected_counts(site, chosen, all_of).items():
        assert got[key][0] == n, key
        assert got[key][1] == (n == 0 and not got[key][2]), key
    assert status(page) == f"{len(expected_slugs(site, chosen, all_of))} case stud{'y' if len(expected_slugs(site, chosen, all_of)) == 1 else 'ies'}"
    assert problems == []


def test_search_ignores_case_and_accents_and_covers_card_text(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root)
    search = page.get_by_role("searchbox", name="Search the case studies")
    search.fill("BARCELÓNA")
    assert shown(page) == expected_slugs(site, {}, q="barcelona") and shown(page)
    # A word only on a card (Cancer Research has no collection row).
    search.fill("digital working practices")
    assert "cancer-research" in shown(page)
    assert shown(page) == expected_slugs(site, {}, q="digital working practices")
    # The status is announced once typing pauses, with the number.
    page.wait_for_function("document.getElementById('result-count').textContent.startsWith('%d ')" % len(shown(page)))
    search.fill("zzzz no such words")
    assert shown(page) == []
    assert page.locator("#no-results").is_visible()
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
    query = page.evaluate("location.search")
    assert query == "?opportunity=training&opportunity=activities&opportunity-match=all&q=young&view=table&sort=name"
    want = sorted(expected_slugs(site, {"opportunity": {"training", "activities"}}, {"opportunity"}, q="young"),
                  key=lambda s: site.case_study[s].title.lower())
    rows = lambda: page.eval_on_selector_all("#table-view tbody tr th a", "as => as.map(a => a.textContent)")
    assert rows() == [site.case_study[s].title for s in want]
    page.reload()
    page.wait_for_function("window.HubDatabase !== undefined")
    assert rows() == [site.case_study[s].title for s in want]
    assert page.locator("main").get_by_role("searchbox").input_value() == "young"
    assert checkbox(page, "Opportunities", "Training").is_checked()
    assert page.get_by_role("radio", name="Table").is_checked()
    page.go_back()  # the view change undone: the grid, still sorted by name
    assert page.evaluate("location.search").endswith("q=young&sort=name")
    assert page.locator("#table-view").is_hidden()
    assert shown(page) == want
    page.go_back()  # and the sort: number order
    assert shown(page) == sorted(want, key=lambda s: site.case_study[s].number)
    for _ in range(4):
        page.go_back()
    assert page.evaluate("location.search") == ""
    assert shown(page) == expected_slugs(site, {})
    page.go_forward()
    assert page.evaluate("location.search") == "?opportunity=training"
    assert shown(page) == expected_slugs(site, {"opportunity": {"training"}})
    assert problems == []


def test_a_shared_link_opens_the_filtered_view(watched, built):
    page, root, problems, _ = watched
    open_db(page, root, "?enabler=narratives&country=Scotland&sort=-number")
    want = expected_slugs(built.site, {"enabler": {"narratives"}, "country": {"Scotland"}})
    assert shown(page) == list(reversed(want)) and want
    assert [c.get_attribute("aria-label") for c in page.locator(".chip").all()] == [
        "Remove filter: Enablers: Narratives", "Remove filter: Country: Scotland"]
    assert problems == []


def test_chips_remove_filters_without_losing_focus(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?opportunity=planning&enabler=space&q=support")
    chips = page.locator(".chip")
    assert [c.get_attribute("aria-label") for c in chips.all()] == [
        "Remove filter: Search: “support”", "Remove filter: Opportunities: Planning", "Remove filter: Enablers: Space"]
    chips.nth(1).focus()
    page.keyboard.press("Enter")
    assert shown(page) == expected_slugs(site, {"enabler": {"space"}}, q="support")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Remove filter: Enablers: Space"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Remove filter: Search: “support”"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "filters-heading"
    assert shown(page) == expected_slugs(site, {})
    assert problems == []


def test_clear_all_empties_every_facet_and_the_search(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?sector=Health&place=Charity&q=the")
    assert shown(page) == expected_slugs(site, {"sector": {"Health"}, "place": {"Charity"}}, q="the")
    page.get_by_role("button", name="Clear all").click()
    assert page.evaluate("location.search") == ""
    assert page.locator("main").get_by_role("searchbox").input_value() == ""
    assert page.evaluate("document.activeElement.id") == "filters-heading"
    assert len(shown(page)) == len(site.case_studies)
    assert problems == []


def test_table_mirrors_the_spreadsheet_and_shows_notes_on_hover_and_focus(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?view=table")
    rows = page.locator("#table-view tbody tr")
    assert rows.count() == len(site.case_studies)
    headers = page.eval_on_selector_all("#table-view thead th", "ths => ths.map(t => t.innerText.replace(/\\s+/g, ' ').trim())")
    assert headers[4:] == [f"{o.number} {o.name}" for o in site.opportunities]
    # A mark exactly where the collection has a note.
    marks = page.evaluate("""() => [...document.querySelectorAll('#table-view tbody tr')].map(tr =>
        [...tr.querySelectorAll('td.note-cell')].map(td => td.classList.contains('has-note')))""")
    for cs, row in zip(sorted(site.case_studies, key=lambda c: (c.number is None, c.number or 0)), marks):
        assert row == [o.key in cs.opportunities for o in site.opportunities], cs.slug
    timpson = site.case_study["timpson"]
    key = next(iter(timpson.opportunities))
    name = site.opportunity[key].name
    note = page.locator("tr", has=page.get_by_role("link", name="Timpson", exact=True)).get_by_role("button", name=f"{name} note")
    note.hover()
    tip = page.locator(".note-tip")
    assert tip.is_visible()
    assert fold(" ".join(tip.inner_text().split())) == fold(" ".join((name + " " + _plain(timpson.opportunities[key])).split()))
    page.keyboard.press("Escape")
    assert tip.is_hidden()
    note.focus()
    assert tip.is_visible()
    # The note is also the button's description, for screen readers.
    described = note.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").text_content().strip() == _plain(timpson.opportunities[key])
    assert problems == []


def _plain(markdown: str) -> str:
    from hub.markdown import plain_text
    return plain_text(markdown)


def test_columns_and_sort_orders(watched, built):
    page, root, problems, _ = watched
    site = built.site
    open_db(page, root, "?view=table")
    titles = lambda: page.eval_on_selector_all("#table-view tbody th a", "as => as.map(a => a.textContent)")
    page.get_by_role("button", name=re.compile("^Case study")).click()
    assert titles() == sorted((c.title for c in site.case_studies), key=str.lower)
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    page.get_by_role("button", name=re.compile("^Case study")).click()
    assert titles() == sorted((c.title for c in site.case_studies), key=str.lower, reverse=True)
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    # A column of notes: those with a note first, then by number.
    page.get_by_role("button", name=re.compile("^9 Physical space")).click()
    with_note = [c.title for c in sorted(site.case_studies, key=lambda c: (c.number is None, c.number or 0))
                 if "physical-space" in c.opportunities]
    assert titles()[:len(with_note)] == with_note
    # Matching opportunities: most of the chosen ones first.
    open_db(page, root, "?opportunity=planning&opportunity=training&opportunity=rules&sort=matches")
    chosen = {"planning", "training", "rules"}
    want = sorted((site.case_study[s] for s in expected_slugs(site, {"opportunity": chosen})),
                  key=lambda c: (-len(chosen & set(c.opportunities)), c.number))
    assert shown(page) == [c.slug for c in want]
    assert page.get_by_label("Sort by").input_value() == "matches"
    assert problems == []


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
    assert page.evaluate("location.search") == "?opportunity=planning&opportunity=training"
    sizes = page.evaluate("""() => [...document.querySelectorAll(
        '#filters input, #filters summary, .chip, .chips__clear, #results-options label, #sort, .tile a')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect(); return [e.id || e.className || e.tagName, r.width, r.height]; })""")
    small = [s for s in sizes if s[1] < 24 or s[2] < 24]
    # Checkboxes are 20px but their label (the whole row) is the target: check the row instead.
    small = [s for s in small if not str(s[0]).startswith("cs-")]
    assert small == []
    rows = page.evaluate("[...document.querySelectorAll('.facet__value label')].map(l => l.getBoundingClientRect().height)")
    assert min(rows) >= 24
    assert problems == []


@pytest.mark.parametrize("query", ["?opportunity=planning&enabler=space&sector=Health", "?view=table&q=young"])
def test_axe_on_the_filtered_database(watched, query):
    page, root, problems, outside = watched
    open_db(page, root, query)
    assert problems == [] and outside == []
    results = AXE.run(page)  # after the console check: axe fetches stylesheets itself, which file:// refuses
    assert results.violations_count == 0, results.generate_report()


def test_filtered_database_fits_a_phone(page, site_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site_dir.as_uri() + "/" + DB + "?view=table&opportunity=planning")
    page.get_by_role("button", name=re.compile("^Show filters")).click()
    assert page.locator("#filter-controls").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


# The case study page ---------------------------------------------------------------

def test_case_study_page_has_everything_the_bank_holds(watched, built):
    page, root, problems, outside = watched
    site = built.site
    cs = site.case_study["buffer"]
    page.goto(root + f"case-studies/{cs.slug}/index.html")
    main = page.locator("main")
    for heading in ("Summary", "Relationships spotlight", "More like this"):
        assert main.get_by_role("heading", name=heading, exact=True).count() == 1
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
    assert page.get_by_role("navigation", name="Previous and next case study").count() == 1
    assert problems == [] and outside == []
    results = AXE.run(page)  # after the console check: axe fetches stylesheets itself, which file:// refuses
    assert results.violations_count == 0, results.generate_report()


def test_a_case_study_lists_the_london_ideas_that_cite_it(watched, built):
    page, root, problems, _ = watched
    site = built.site
    slug, ideas = next((s, i) for s, i in sorted(site.ideas_citing.items()) if i)
    page.goto(root + f"case-studies/{slug}/index.html")
    links = page.locator("#ideas ~ ul a")
    assert [a.inner_text().split(":")[0] for a in links.all()] == [i.title for i in ideas]
    links.first.click()
    assert page.url == root + f"london/ideas/{ideas[0].slug}/index.html"


# The cards -------------------------------------------------------------------------

def expected_cards(site, enablers=(), benefits=()) -> list[str]:
    return [card.title for _, card in site.cards
            if (not enablers or set(enablers) & {e.enabler for e in card.enablers})
            and (not benefits or set(benefits) & {b.category for b in card.benefits})]


def card_titles(page) -> list[str]:
    return page.eval_on_selector_all("#results > article.card", "els => els.map(e => e.querySelector('.card__title').textContent)")


def test_the_deck_filters_like_the_database(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + CARDS)
    assert card_titles(page) == [card.title for _, card in site.cards]
    checkbox(page, "Enablers", "Space").check()
    checkbox(page, "Benefit category", "Wellbeing").check()
    want = expected_cards(site, ["space"], ["wellbeing"])
    assert card_titles(page) == want and want
    assert status(page) == f"{len(want)} cards"
    assert page.get_by_role("button", name=f"Print these {len(want)} cards").is_visible()
    page.reload()
    assert card_titles(page) == want
    assert problems == [] and outside == []
    results = AXE.run(page)  # after the console check: axe fetches stylesheets itself, which file:// refuses
    assert results.violations_count == 0, results.generate_report()


def pdf_pages(page) -> list[str]:
    page.emulate_media(media="print")
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    return [p.extract_text() for p in reader.pages]


def test_printing_the_deck_gives_one_card_per_page_and_nothing_else(page, site_url, built):
    site = built.site
    page.goto(site_url + CARDS)
    texts = pdf_pages(page)
    assert len(texts) == len(site.cards)
    for text, (cs, card) in zip(texts, site.cards):
        flat = " ".join(text.split())
        assert flat.upper().count(card.title.upper()) >= 1
        assert flat.count("TOP 3 BENEFITS") == 1 and flat.count("KEY LEARNING") == 1
        assert "Read the full case study" in flat
        for junk in ("Skip to main content", "Filter the cards", "Case study cards Inspiring", "About the project"):
            assert junk not in flat


def test_print_these_cards_prints_the_filtered_deck(page, site_url, built):
    page.goto(site_url + CARDS + "?enabler=measurement")
    want = expected_cards(built.site, ["measurement"])
    texts = pdf_pages(page)
    assert len(texts) == len(want) and want
    for text, title in zip(texts, want):
        assert title.upper() in " ".join(text.split()).upper()


def test_workshop_activities_page_links_to_the_deck(watched):
    page, root, problems, _ = watched
    page.goto(root + "using-the-cards/index.html")
    headings = [h.inner_text() for h in page.locator("main h2").all()]
    # The five activities, as deck 003 lists them.
    assert [h for h in headings if re.match(r"\d\. ", h)] == [
        "1. Gallery", "2. Co-presentation", "3. Creating benefits", "4. Divergent connections", "5. Make your own case study"]
    page.get_by_role("link", name="Browse, filter and print the cards").click()
    assert page.url == root + CARDS


def test_a_long_result_shows_in_pages_with_show_more(page, tmp_path):
    """A bank of 125 case studies shows 120, then the rest, with focus on the first new one."""
    from conftest import GOOD_CASE_STUDY, make_project, project_config
    import build

    files = {f"case-studies/acme-{i}.md": GOOD_CASE_STUDY.replace("Acme Trust", f"Acme {i}").replace("number: 1", f"number: {i}")
             for i in range(1, 126)}
    root = make_project(tmp_path, files)
    out = build.build(project_config(root)).out_dir
    page.goto((out / DB).as_uri())
    assert len(shown(page)) == 120
    more = page.get_by_role("button", name="Show 5 more (125 in all)")
    more.click()
    assert shown(page) == [f"acme-{i}" for i in range(1, 126)]
    assert page.evaluate("document.activeElement.textContent") == "Acme 121"
    assert more.is_hidden()
    # A new filter starts again from the top of its result.
    page.locator("main").get_by_role("searchbox").fill("acme")
    assert len(shown(page)) == 120
