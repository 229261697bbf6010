"""Depth 3d: the five-step guide and the London ideas, in Chromium over http and file://.

Expected values come from the content models (`built.site`), with the filter rule
(OR within a facet, AND across) written out here, independently of the browser code.
"""

from __future__ import annotations

import io
import re
import unicodedata

import pypdf
import pytest
from playwright.sync_api import expect

from conftest import assert_axe_clean
from playwright.sync_api import expect
from hub.markdown import plain_text
from test_finder import assert_shown

pytestmark = pytest.mark.browser


def assert_clean(page, problems, outside):
    """No console error, no request outside the site, and no axe-core violation on the page as it is."""
    assert problems == [] and outside == []
    assert_axe_clean(page)


# The guide ---------------------------------------------------------------------------

def test_overview_lists_the_five_steps_with_their_questions(watched, built):
    page, root, problems, _ = watched
    page.goto(root + "guide/index.html")
    steps = built.site.guide
    assert [s.title for s in steps] == ["Agree the destination", "Know where to start", "Identify priorities",
                                        "Spot the breakers", "Find the makers"]
    for step in steps:
        link = page.get_by_role("link", name=re.compile(re.escape(step.title)))
        assert link.count() == 1
    text = page.locator("main").inner_text()
    assert all(step.question in text for step in steps)
    assert problems == []


def framework_words(f) -> list[str]:
    """Every word a step's framework must show as text."""
    if f.kind == "matrix":
        return [*f.x_axis, *f.y_axis, *(cell for row in (f.cells or []) for cell in row)]
    if f.kind == "circles":
        return [*f.circles, f.types_title, *f.types]
    if f.kind == "characteristics":
        return [*(f.columns or []), *(w for p in f.pairs for w in (p.weak, p.strong))]
    if f.kind == "barriers":
        return [b.name for b in f.barriers]
    return list(f.enablers)


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_each_step_draws_its_framework_in_real_text(watched, built, number):
    page, root, problems, outside = watched
    site = built.site
    step = site.guide[number - 1]
    page.goto(root + f"guide/{step.slug}/index.html")
    assert page.get_by_role("heading", level=1).inner_text().split(None, 1)[1] == step.title
    assert step.question in page.locator(".question").inner_text()
    figure = page.locator("figure.framework")
    shown = " ".join(figure.inner_text().split()).lower()
    for word in framework_words(step.framework):
        word = site.enabler[word].name if step.framework.kind == "enablers" else word
        assert " ".join(word.split()).lower() in shown, word
    # Previous / next between steps.
    pager = page.get_by_role("navigation", name="Previous and next step")
    if number > 1:
        assert pager.get_by_role("link", name=re.compile("Previous")).inner_text().endswith(site.guide[number - 2].title)
    if number < 5:
        assert pager.get_by_role("link", name=re.compile("Next")).inner_text().endswith(site.guide[number].title)
    assert_clean(page, problems, outside)


def test_the_frameworks_print_as_text(page, site_url, built):
    for step in built.site.guide[:4]:
        page.goto(site_url + f"guide/{step.slug}/index.html")
        page.emulate_media(media="print")
        text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(page.pdf(format="A4"))).pages)
        text = unicodedata.normalize("NFKC", text)  # the PDF writes "fi" as a ligature
        flat = " ".join(text.split()).lower()
        for word in framework_words(step.framework):
            assert " ".join(word.split()).lower() in flat, (step.slug, word)
        assert "Skip to main content" not in text


def cards_using(site, enabler):
    return [card.title for _, card in site.cards if enabler in {e.enabler for e in card.enablers}]


def test_each_enabler_opens_the_case_studies_cards_and_ideas_that_use_it(watched, built):
    page, root, problems, _ = watched
    site = built.site
    step = site.guide[4]
    for enabler in site.enablers:
        studies = [cs.slug for cs in site.case_studies if enabler.key in {e.enabler for c in cs.cards for e in c.enablers}]
        cards = cards_using(site, enabler.key)
        ideas = [i.slug for i in site.ideas if enabler.key in i.enablers]
        page.goto(root + f"guide/{step.slug}/index.html")
        block = page.locator(f"#enabler-{enabler.key}")
        link = block.get_by_role("link", name=f"{len(studies)} case stud{'y' if len(studies) == 1 else 'ies'} using {enabler.name}")
        link.click()
        page.wait_for_function("window.HubDatabase !== undefined")
        # The results below the window arrive a few at a time, a moment after the first.
        page.wait_for_function("n => document.querySelectorAll('#results > .tile').length === n", arg=len(studies))
        assert sorted(page.eval_on_selector_all("#results > .tile", "e => e.map(t => t.dataset.slug)")) == sorted(studies)
        page.go_back()
        block.get_by_role("link", name=f"{len(cards)} card{'' if len(cards) == 1 else 's'} using {enabler.name}").click()
        page.wait_for_load_state("load")
        assert page.eval_on_selector_all("#results > .card .card__title", "e => e.map(t => t.textContent)") == cards
        page.go_back()
        block.get_by_role("link", name=f"{len(ideas)} London idea{'' if len(ideas) == 1 else 's'} using {enabler.name}").click()
        page.wait_for_load_state("load")
        assert page.eval_on_selector_all("#results > .tile", "e => e.map(t => t.dataset.slug)") == ideas
    assert problems == []


# The London ideas ----------------------------------------------------------------------

def idea_values(idea):
    return {"theme": {idea.theme}, "enabler": set(idea.enablers), "power": {a.power for a in idea.actions}}


def expected_ideas(site, chosen):
    return [i.slug for i in site.ideas
            if all(not want or want & idea_values(i)[facet] for facet, want in chosen.items())]


def test_landing_filters_ideas_by_theme_enabler_and_power(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + "london/index.html")
    ideas = lambda: page.eval_on_selector_all("#results > .tile", "e => e.map(t => t.dataset.slug)")
    assert ideas() == [i.slug for i in site.ideas]
    filters = page.locator("#filters")
    theme = site.themes[0]
    filters.get_by_role("group", name="Theme").get_by_role("checkbox", name=re.compile("^" + theme.title)).check()
    filters.get_by_role("group", name="Theme").get_by_role("checkbox", name=re.compile("^" + site.themes[2].title)).check()
    chosen = {"theme": {theme.slug, site.themes[2].slug}}
    assert ideas() == expected_ideas(site, chosen)
    power = site.powers[3]
    filters.get_by_role("group", name="Mayor's power").get_by_role("checkbox", name=re.compile("^" + power.name)).check()
    chosen["power"] = {power.key}
    assert ideas() == expected_ideas(site, chosen)
    # Counts: what each enabler would give with the other facets as they are.
    for e in site.enablers:
        label = filters.get_by_role("group", name="Enablers").get_by_role("checkbox", name=re.compile("^" + e.name + " \\("))
        count = int(re.search(r"\((\d+)\)", label.evaluate("b => b.labels[0].textContent")).group(1))
        assert count == len(expected_ideas(site, {**chosen, "enabler": {e.key}})), e.key
    assert page.locator("#result-count").inner_text() == f"{len(ideas())} idea{'' if len(ideas()) == 1 else 's'}"
    page.wait_for_function("q => location.search === q",  # the address is written once the change is painted
                           arg=f"?theme={theme.slug}&theme={site.themes[2].slug}&power={power.key}")
    page.reload()
    assert ideas() == expected_ideas(site, chosen)
    assert_clean(page, problems, outside)


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def idea_text(site, idea) -> str:
    """Every word of an idea a reader can see, as the London search must cover them."""
    parts = [idea.title, idea.strapline, plain_text(idea.lead), plain_text(idea.body),
             *(f"{e.title} {plain_text(e.text)}" for e in idea.examples),
             *(f"{site.power[a.power].name} {plain_text(a.text)}" for a in idea.actions),
             site.theme[idea.theme].title, *(site.enabler[k].name for k in idea.enablers)]
    return fold("\n".join(parts))


def test_london_search_finds_a_word_only_in_an_ideas_example(watched, built):
    page, root, problems, outside = watched
    site = built.site
    found = None
    for idea in site.ideas:
        rest = fold(" ".join([idea.title, idea.strapline, plain_text(idea.lead), plain_text(idea.body),
                              *(plain_text(a.text) for a in idea.actions)]))
        for example in idea.examples:
            for word in re.findall(r"[A-Za-z]{6,}", plain_text(example.text)):
                if fold(word) not in rest:
                    found = (idea, example, word)
                    break
            if found:
                break
        if found:
            break
    assert found, "no idea has a word only in its examples"
    idea, example, word = found
    want = [i.slug for i in site.ideas if fold(word) in idea_text(site, i)]
    page.goto(root + "london/index.html")
    page.get_by_role("searchbox", name="Search the ideas").fill(word.lower())
    assert idea.slug in want
    assert_shown(page, want)
    why = page.locator(f"#results > .tile[data-slug='{idea.slug}'] .match-why")
    expect(why).to_contain_text(f"Example: {example.title}")
    expect(why.locator(".match-why__excerpt mark").first).to_have_text(re.compile(f"^{re.escape(word)}$", re.I))
    expect(page.locator("#result-count")).to_have_text(f"{len(want)} idea{'' if len(want) == 1 else 's'}")
    assert problems == [] and outside == []
    assert_axe_clean(page)


def test_after_ticking_a_filter_the_ideas_are_in_view_or_a_button_takes_the_reader_there(watched, built):
    page, root, problems, _ = watched
    site = built.site
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(root + "london/index.html")
    power = site.powers[-1]
    box = page.locator("#filters").get_by_role("group", name="Mayor's power").get_by_role(
        "checkbox", name=re.compile("^" + re.escape(power.name) + " \\("))
    box.scroll_into_view_if_needed()
    box.check()
    want = expected_ideas(site, {"power": {power.key}})
    page.wait_for_function("n => document.querySelectorAll('#results > .tile').length === n", arg=len(want))
    count = page.locator("#result-count")
    button = page.get_by_role("button", name=f"Show {len(want)} idea{'' if len(want) == 1 else 's'}")
    if page.evaluate("() => { const r = document.getElementById('result-count').getBoundingClientRect(); return r.bottom < 0 || r.top > innerHeight; }"):
        expect(button).to_be_in_viewport()
        button.click()
    else:
        expect(button).to_be_hidden()
    expect(count).to_be_in_viewport()
    expect(page.locator("#results > .tile").first).to_be_in_viewport()
    assert_shown(page, want)
    assert problems == []


def test_landing_uses_the_shared_facet_code(built, site_dir):
    html = (site_dir / "london" / "index.html").read_text()
    db = (site_dir / "case-studies" / "index.html").read_text()
    for page_html in (html, db):
        assert '<script src="../assets/js/facets.js" defer></script>' in page_html  # deferred: never blocks first paint


def report_parts_with_anchors(report):
    """(anchor, part) of the report's parts listed under "On this page", in reading order."""
    return [(a, p) for a, p in (("acknowledgments", report.acknowledgments), ("opportunities", report.opportunities),
                                ("paving-the-way", report.paving_the_way), ("directions", report.directions),
                                ("road-ahead", report.road_ahead)) if p]


def test_landing_reads_as_the_report_with_every_part_reachable(watched, built):
    page, root, problems, outside = watched
    report = built.site.report
    page.goto(root + "london/index.html")
    nav = page.get_by_role("navigation", name="On this page")
    parts = report_parts_with_anchors(report)
    assert [a.inner_text() for a in nav.get_by_role("link").all()] == [p.title for _, p in parts] + [report.headings.appendices]
    # The h2s of the page are the report's parts, in its order.
    h2 = [h.inner_text() for h in page.locator("main h2").all()]
    welcome = re.search(r"^## (.+)$", report.body, re.M).group(1)  # the body's own heading
    expected = [report.acknowledgments.title, welcome, *[p.title for _, p in parts[1:]], report.headings.appendices]
    assert [h for h in h2 if h in expected] == expected
    for anchor, part in parts:
        nav.get_by_role("link", name=part.title, exact=True).click()
        page.wait_for_url(re.compile(f"#{anchor}$"))
        expect(page.locator(f"#{anchor} h2").first).to_have_text(part.title)
        expect(page.locator(f"#{anchor}")).to_be_in_viewport()
    # "Navigating the report" jumps to the four parts too.
    navigating = page.locator(".report-navigating")
    for anchor, part in parts[1:]:
        navigating.get_by_role("link", name=part.title, exact=True).click()
        page.wait_for_url(re.compile(f"#{anchor}$"))
        expect(page.locator(f"#{anchor}")).to_be_in_viewport()
    for call in report.calls_to_action:
        assert page.get_by_role("heading", name=call.audience).count() == 1
    for heading in (report.headings.commission, report.headings.calls_to_action, report.headings.reflections,
                    report.headings.moving_forwards, report.five_steps.title, report.ideas_intro.title,
                    report.get_involved.title, report.say_hello.title):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_have_count(1)
    assert_clean(page, problems, outside)


def test_see_appendix_1_opens_the_appendix(watched, built):
    page, root, problems, outside = watched
    report = built.site.report
    page.goto(root + "london/index.html")
    page.locator("#opportunities").get_by_role("link", name="Appendix 1", exact=True).click()
    page.wait_for_url(re.compile(r"london/appendix-1/index\.html$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(report.appendix.title)
    for heading in re.findall(r"^## (.+)$", report.appendix.text, re.M):
        expect(page.get_by_role("heading", level=2, name=heading, exact=True)).to_have_count(1)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=report.title).click()
    page.wait_for_url(re.compile(r"london/index\.html$"))
    assert problems == [] and outside == []
    page.goto(root + "london/appendix-1/index.html")
    assert_axe_clean(page)


def test_section_2b_and_contact_us_lead_to_their_parts(watched, built):
    page, root, problems, _ = watched
    report = built.site.report
    page.goto(root + "london/index.html")
    page.get_by_role("link", name="section 2b", exact=True).click()
    page.wait_for_url(re.compile("#five-steps$"))
    expect(page.locator("#five-steps h3").first).to_have_text(report.five_steps.title)
    steps = page.locator("#five-steps").get_by_role("link")
    expect(steps).to_have_count(len(built.site.guide))
    page.get_by_role("link", name="Contact us", exact=True).click()
    page.wait_for_url(re.compile("#say-hello$"))
    expect(page.locator("#say-hello")).to_be_in_viewport()
    expect(page.locator("#say-hello").get_by_role("link", name=re.compile("@"))).to_have_attribute("href", re.compile("^mailto:"))
    assert problems == []


def test_an_idea_page_has_its_actions_powers_and_cited_case_studies(watched, built):
    page, root, problems, _ = watched
    site = built.site
    idea = next(i for i in site.ideas if i.case_studies and i.examples)
    page.goto(root + f"london/ideas/{idea.slug}/index.html")
    assert page.locator(".lead").inner_text() == idea.strapline
    actions = page.locator(".mayor .actions li")
    assert actions.count() == len(idea.actions)
    for li, action in zip(actions.all(), idea.actions):
        assert li.locator(".power").inner_text().lower() == site.power[action.power].name.lower()
    for example in idea.examples:
        assert page.get_by_role("heading", name=example.title).count() == 1
    cited = page.locator("#cited ~ ul a")
    assert [a.inner_text() for a in cited.all()] == [site.case_study[s].title for s in idea.case_studies]
    cited.first.click()
    assert page.url == root + f"case-studies/{idea.case_studies[0]}/index.html"
    assert problems == []


@pytest.mark.parametrize("slug", ["community", "democracy", "work", "services", "disadvantage"])
def test_a_theme_page_has_the_reports_headings_and_its_ideas(watched, built, slug):
    page, root, problems, outside = watched
    site = built.site
    theme = next((t for t in site.themes if t.slug == slug), None)
    if theme is None:
        pytest.skip(f"no theme {slug}")
    page.goto(root + f"london/themes/{theme.slug}/index.html")
    h = theme.headings
    headings = [x.inner_text() for x in page.locator("main h2").all()]
    assert headings == [h.why, h.what_we_mean, h.barriers, h.enabling, "Ideas"]
    if theme.why_note:  # our note sits under the heading it is about, labelled as ours
        note = page.locator("main h2").first.locator("xpath=following-sibling::p[1]")
        expect(note).to_contain_text("Note from the hub:")
    links = [a.inner_text() for a in page.locator("#theme-ideas + ul a").all()]
    assert links == [i.title for i in site.ideas_by_theme[theme.slug]]
    assert_clean(page, problems, outside)


def test_an_idea_page_shows_the_reports_heading_over_the_actions(watched, built):
    page, root, problems, _ = watched
    report = built.site.report
    for idea in built.site.ideas[:3]:
        page.goto(root + f"london/ideas/{idea.slug}/index.html")
        expect(page.locator(".mayor h2")).to_have_text(report.headings.mayor_could)
    assert problems == []


# The guide's fixes (issue 11, item 7) --------------------------------------------------

def open_framework(page, root, built, kind, width):
    """The step whose framework is of `kind`, opened at `width` px; returns the step."""
    page.set_viewport_size({"width": width, "height": 900})
    step = next(s for s in built.site.guide if s.framework.kind == kind)
    page.goto(root + f"guide/{step.slug}/index.html")
    return step


@pytest.mark.parametrize("width", [390, 1280])
def test_the_circles_labels_never_overlap(watched, built, width):
    page, root, problems, _ = watched
    step = open_framework(page, root, built, "circles", width)
    labels = page.locator(".circles__ring > span")
    expect(labels).to_have_count(len(step.framework.circles))
    page.wait_for_function("document.fonts.status === 'loaded'")
    boxes = labels.evaluate_all("ls => ls.map(l => { const r = l.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
    figure = page.locator("figure.framework").evaluate("f => { const r = f.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }")
    for i, a in enumerate(boxes):
        assert figure[0] <= a[0] and a[2] <= figure[2], (width, step.framework.circles[i])  # inside the figure
        for j, b in enumerate(boxes[i + 1:], i + 1):
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (width, step.framework.circles[i], step.framework.circles[j])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert problems == []


@pytest.mark.parametrize("width", [390, 1280])
def test_the_matrix_cells_carry_the_content_in_their_rows_and_columns(watched, built, width):
    page, root, problems, outside = watched
    f = open_framework(page, root, built, "matrix", width).framework
    table = page.locator("table.matrix")
    expect(table.locator("thead th")).to_have_text(f.x_axis)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    for tr, y in zip(rows.all(), [1, 0]):  # drawn from the second y label down to the first
        expect(tr.locator("th")).to_have_text(f.y_axis[y])
        expect(tr.locator("td")).to_have_text(f.cells[y])
    # No cell repeats an axis label: its words are its own.
    for cell in (c for row in f.cells for c in row):
        assert cell not in (*f.x_axis, *f.y_axis)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_clean(page, problems, outside)


def test_step_1_links_ao_and_wevolution_to_their_case_studies(watched, built):
    page, root, problems, outside = watched
    site = built.site
    step = site.guide[0]
    for slug, name in (("ao", "AO"), ("wevolution", "WEvolution's")):
        page.goto(root + f"guide/{step.slug}/index.html")
        page.locator("article").get_by_role("link", name=name, exact=True).click()
        page.wait_for_url(re.compile(f"case-studies/{slug}/index\\.html$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(site.case_study[slug].title)
    assert problems == [] and outside == []


def test_step_4_get_in_touch_says_whose_community_it_is_and_leads_to_the_contact(watched, built):
    page, root, problems, _ = watched
    step = next(s for s in built.site.guide if s.framework.kind == "barriers")
    page.goto(root + f"guide/{step.slug}/index.html")
    expect(page.locator("article p", has_text="Note from the hub:")).to_have_count(1)
    page.get_by_role("link", name="get in touch", exact=True).click()
    page.wait_for_url(re.compile(r"london/index\.html#say-hello$"))
    expect(page.locator("#say-hello h4")).to_have_text(built.site.report.say_hello.title)
    expect(page.locator("#say-hello")).to_be_in_viewport()
    assert problems == []


def test_the_guide_index_has_the_reports_introduction(watched, built):
    page, root, problems, _ = watched
    five = built.site.report.five_steps
    page.goto(root + "guide/index.html")
    expect(page.get_by_role("heading", level=1)).to_have_text(five.title)
    first = five.text.split("\n\n")[0]
    expect(page.locator("main .prose p").first).to_have_text(first)
    assert problems == []


# The prospectus on the About page ------------------------------------------------------

def test_about_lists_its_sections_and_each_link_reaches_one(watched, built):
    page, root, problems, outside = watched
    about = built.site.page["about"]
    listed = [s for s in about.sections if s.title and s.key]
    page.goto(root + "about/index.html")
    nav = page.get_by_role("navigation", name="On this page")
    assert [a.inner_text() for a in nav.get_by_role("link").all()] == [s.title for s in listed]
    for section in listed:
        nav.get_by_role("link", name=section.title, exact=True).click()
        page.wait_for_url(re.compile(f"#{section.key}$"))
        expect(page.locator(f"#{section.key} > h2")).to_have_text(section.title)
        expect(page.locator(f"#{section.key} > h2")).to_be_in_viewport()
    # The Project's addresses are mailto links; nothing links outside the hub.
    expect(page.locator("#get-in-touch a[href^='mailto:']")).to_have_count(1)
    assert_clean(page, problems, outside)
