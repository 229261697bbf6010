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

from conftest import AXE
from hub.markdown import plain_text
from test_finder import assert_shown

pytestmark = pytest.mark.browser


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
        return [*f.x_axis, *f.y_axis]
    if f.kind == "circles":
        return [*f.circles, f.types_title, *f.types]
    if f.kind == "characteristics":
        return [w for p in f.pairs for w in (p.weak, p.strong)]
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
    assert problems == [] and outside == []
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


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
    assert page.evaluate("location.search") == f"?theme={theme.slug}&theme={site.themes[2].slug}&power={power.key}"
    page.reload()
    assert ideas() == expected_ideas(site, chosen)
    assert problems == [] and outside == []
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


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
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


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
        assert '<script src="../assets/js/facets.js"></script>' in page_html


def test_landing_has_purpose_commission_and_calls_to_action(watched, built):
    page, root, problems, _ = watched
    page.goto(root + "london/index.html")
    nav = page.get_by_role("navigation", name="On this page")
    for name in ("The report's purpose", "A London Relationships Commission", "Calls to action"):
        nav.get_by_role("link", name=name).click()
        assert page.evaluate("document.querySelector(location.hash) !== null")
    for call in built.site.report.calls_to_action:
        assert page.get_by_role("heading", name=call.audience).count() == 1
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


def test_a_theme_page_has_its_sections_and_ideas(watched, built):
    page, root, problems, _ = watched
    site = built.site
    theme = site.themes[1]
    page.goto(root + f"london/themes/{theme.slug}/index.html")
    headings = [h.inner_text() for h in page.locator("main h2").all()]
    assert headings[:2] == [f"Why improve {theme.title.lower()} relationships?", "What do we mean?"]
    assert "Barriers" in headings and "Enabling strong relationships" in headings and "Ideas" in headings
    links = [a.inner_text() for a in page.locator("main h2:text('Ideas') + ul a").all()]
    assert links == [i.title for i in site.ideas_by_theme[theme.slug]]
    assert problems == []
