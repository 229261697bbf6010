"""The Heatmap page in Chromium, over http and file://: rate, read the result, share, print, forget.

Every expected value (cool spots, reading list, notes, links) is computed here from the
real hub's `Site`, never copied from the page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from conftest import AXE
from hub.markdown import plain_text

pytestmark = pytest.mark.browser

PAGE = "heatmap/index.html"
STORE = "hub-heatmap-v1"
LEVELS = ["Not at all", "A little", "Partly", "Mostly", "Fully"]

# One reader's answers: two opportunities left unrated, cool spots at 1 and 2.
ANSWERS = {
    "planning": 2, "training": 4, "rules-and-accountabilities": 1, "incentives": 3,
    "honesty-and-openness": 5, "impact-measurement": 2, "storytelling": 4, "activities": 5,
}


# What the page should show, from the Site --------------------------------------------

def cool_spots(site, ratings: dict[str, int]) -> list[str]:
    """Rated 1 or 2; else the lowest-rated (ties included), unless every rated one is 5."""
    rated = [o.key for o in site.opportunities if o.key in ratings]
    low = [k for k in rated if ratings[k] <= 2]
    if low or not rated:
        return low
    lowest = min(ratings[k] for k in rated)
    return [] if lowest == 5 else [k for k in rated if ratings[k] == lowest]


def reading_list(site, cool: list[str]) -> list[dict]:
    """Case studies with a note in a cool spot: most cool spots first, then number, then title."""
    entries = []
    for cs in site.case_studies:
        matches = [k for k in cool if cs.opportunities.get(k)]
        if matches:
            entries.append({
                "title": cs.title,
                "url": f"case-studies/{cs.slug}/index.html",
                "number": cs.number,
                "notes": [[label_of(site, k), plain_text(cs.opportunities[k])] for k in matches],
            })
    entries.sort(key=lambda e: (-len(e["notes"]), e["number"] if e["number"] is not None else float("inf"), e["title"]))
    return entries


def label_of(site, key: str) -> str:
    o = site.opportunity[key]
    return f"{o.number}. {o.name}"


def query_of(site, ratings: dict[str, int]) -> str:
    return "&".join(f"{o.key}={ratings[o.key]}" for o in site.opportunities if o.key in ratings)


# What the page shows ------------------------------------------------------------------

READ_RESULT = """() => {
  document.getAnimations().forEach(a => a.finish());  // colour transitions: read the end state
  const visible = el => !!el && el.checkVisibility();
  const text = el => el.innerText.replace(/\\s+/g, ' ').trim();
  const results = document.getElementById('hm-results');
  return {
    shown: visible(results),
    cells: [...document.querySelectorAll('#hm-map .hm-cell')].map(c => ({
      key: c.dataset.key,
      name: text(c.querySelector('.hm-cell__name')),
      rating: text(c.querySelector('.hm-cell__rating')),
      cool: visible(c.querySelector('.hm-cell__cool')),
      background: getComputedStyle(c).backgroundColor,
    })),
    cool: [...document.querySelectorAll('#hm-cool-list li')].filter(visible).map(li => text(li.querySelector('.hm-cool__name'))),
    noCool: visible(document.getElementById('hm-cool-none')),
    database: visible(document.getElementById('hm-database-link')) ? document.getElementById('hm-database-link').href : null,
    reading: visible(document.getElementById('hm-reading-list')) ? [...document.querySelectorAll('#hm-reading-list > li')].map(li => ({
      title: text(li.querySelector('h3')),
      href: li.querySelector('h3 a').href,
      notes: [...li.querySelectorAll('dt')].map(dt => [text(dt), text(dt.nextElementSibling)]),
    })) : null,
    share: visible(document.getElementById('hm-share-url')) ? text(document.getElementById('hm-share-url')) : null,
  };
}"""


def read_result(page) -> dict:
    return page.evaluate(READ_RESULT)


def assert_result_matches(result: dict, site, ratings: dict[str, int], root: str) -> None:
    """The heatmap, cool spots, reading list and database link that these ratings should give."""
    cool = cool_spots(site, ratings)
    assert result["shown"]
    assert [c["key"] for c in result["cells"]] == [o.key for o in site.opportunities]
    for cell, o in zip(result["cells"], site.opportunities):
        assert cell["name"] == f"{o.number}. {o.name}"
        value = ratings.get(o.key)
        assert cell["rating"] == (f"{value} · {LEVELS[value - 1]}" if value else "Not rated")
        assert cell["cool"] == (o.key in cool), o.key
    # Colour as well as text: each level present has its own background.
    by_level = {}
    for cell in result["cells"]:
        by_level.setdefault(cell["rating"], set()).add(cell["background"])
    assert all(len(colours) == 1 for colours in by_level.values())
    assert len({next(iter(c)) for c in by_level.values()}) == len(by_level)

    assert result["cool"] == [label_of(site, k) for k in cool]
    if not cool:
        assert result["noCool"] and result["database"] is None and result["reading"] is None
        return
    assert not result["noCool"]
    database = urlsplit(result["database"])
    assert database._replace(query="").geturl() == root + "case-studies/index.html"
    assert parse_qs(database.query) == {"opportunity": cool}
    assert database.query == "&".join(f"opportunity={k}" for k in cool)

    expected = reading_list(site, cool)
    assert [e["title"] for e in result["reading"]] == [e["title"] for e in expected]
    assert [e["href"] for e in result["reading"]] == [root + e["url"] for e in expected]
    assert [e["notes"] for e in result["reading"]] == [e["notes"] for e in expected]


def radio(page, site, key: str, value: int):
    o = site.opportunity[key]
    group = page.get_by_role("group", name=f"{o.number} {o.name}")
    return group.get_by_role("radio", name=f"{value} {LEVELS[value - 1]}")


def settle(page) -> None:
    """Let the favicon and other late requests finish before navigating away (else they show as failed)."""
    page.wait_for_load_state("networkidle")


def rate_with_mouse(page, site, ratings: dict[str, int]) -> None:
    for key, value in ratings.items():
        radio(page, site, key, value).click()


def stored(page):
    return page.evaluate(f"JSON.parse(localStorage.getItem('{STORE}'))")


def expected_status(site, ratings) -> str:
    cool = cool_spots(site, ratings)
    n = len(reading_list(site, cool))
    return (f"Heatmap updated: {len(ratings)} of {len(site.opportunities)} rated, "
            f"{len(cool)} cool spot{'' if len(cool) == 1 else 's'}, "
            f"{n} case stud{'y' if n == 1 else 'ies'} in the reading list.")


# The tests --------------------------------------------------------------------------------

def test_rating_by_keyboard_and_mouse_gives_the_heatmap_cool_spots_and_reading_list(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + PAGE)
    status = page.locator("#hm-status")
    status_handle = status.element_handle()
    assert page.locator("#hm-results").is_hidden()
    assert status.inner_text() == ""

    # Mouse: Planning is 2.
    radio(page, site, "planning", 2).click()
    expect(page.locator("#hm-results")).to_be_visible()
    # Keyboard: Tab into the next groups; Space picks the first level, arrows move along the scale.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "training"
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "rules-and-accountabilities"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # Mouse for the rest; Physical space and Digital technology stay unrated.
    rate_with_mouse(page, site, {k: v for k, v in ANSWERS.items()
                                 if k not in ("planning", "training", "rules-and-accountabilities", "incentives")})
    for key, value in ANSWERS.items():
        expect(radio(page, site, key, value)).to_be_checked()

    # The button takes keyboard users to the result.
    page.get_by_role("button", name="Show my heatmap").press("Enter")
    expect(page.get_by_role("heading", name="Your heatmap")).to_be_focused()

    assert_result_matches(read_result(page), site, ANSWERS, root)
    assert cool_spots(site, ANSWERS) == ["planning", "rules-and-accountabilities", "impact-measurement"]
    assert urlsplit(page.url).query == query_of(site, ANSWERS)
    assert read_result(page)["share"] == page.url
    assert stored(page) == ANSWERS
    # One polite status element, there from the start, announces the update.
    expect(status).to_have_text(expected_status(site, ANSWERS))
    assert status_handle.evaluate("el => el.isConnected && el.getAttribute('role') === 'status'")
    assert page.locator("[role=status]").count() == 1
    assert problems == [] and outside == []


def test_a_reading_list_link_opens_the_case_study(watched, built):
    page, root, problems, outside = watched
    page.goto(root + PAGE + "?" + query_of(built.site, ANSWERS))
    first = reading_list(built.site, cool_spots(built.site, ANSWERS))[0]
    page.locator("#hm-reading-list > li").first.get_by_role("link").click()
    assert page.url == root + first["url"]
    assert page.get_by_role("heading", level=1).inner_text() == first["title"]
    assert problems == [] and outside == []


def test_the_database_link_opens_the_same_case_studies_in_the_database(watched, built):
    page, root, problems, outside = watched
    page.goto(root + PAGE + "?" + query_of(built.site, ANSWERS))
    cool = cool_spots(built.site, ANSWERS)
    expected = reading_list(built.site, cool)
    page.get_by_role("link", name="Open these in the case study database").click()
    page.wait_for_load_state("load")
    assert urlsplit(page.url)._replace(query="").geturl() == root + "case-studies/index.html"
    assert parse_qs(urlsplit(page.url).query)["opportunity"] == cool
    # The database combines the opportunities as "any of": the same case studies as the reading list.
    expect(page.locator("#result-count")).to_have_text(re.compile(rf"^{len(expected)} case stud"))
    assert problems == [] and outside == []


def test_reload_and_a_return_visit_keep_the_answers(watched, built):
    page, root, problems, _ = watched
    site = built.site
    page.goto(root + PAGE)
    answers = {"training": 1, "storytelling": 3, "digital-technology": 5}
    rate_with_mouse(page, site, answers)
    settle(page)
    page.reload()
    assert_result_matches(read_result(page), site, answers, root)
    for key, value in answers.items():
        expect(radio(page, site, key, value)).to_be_checked()
    # Coming back without a query: the answers come from localStorage and the URL is rewritten.
    settle(page)
    page.goto(root + "index.html")
    settle(page)
    page.goto(root + PAGE)
    assert_result_matches(read_result(page), site, answers, root)
    assert urlsplit(page.url).query == query_of(site, answers)
    assert problems == []


def test_the_shared_url_gives_the_same_result_in_a_fresh_browser(watched, built, browser):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + PAGE)
    rate_with_mouse(page, site, ANSWERS)
    mine = read_result(page)
    shared = mine["share"]
    assert shared == page.url

    context = browser.new_context()
    try:
        elsewhere: list[str] = []
        errors: list[str] = []
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(root) else (elsewhere.append(r.request.url), r.abort()))
        other = context.new_page()
        other.on("pageerror", lambda e: errors.append(str(e)))
        other.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        other.goto(shared)
        assert other.evaluate(f"localStorage.getItem('{STORE}')") is None  # nothing remembered: it came from the URL
        theirs = read_result(other)
        assert theirs == mine
        assert_result_matches(theirs, site, ANSWERS, root)
        assert errors == [] and elsewhere == []
    finally:
        context.close()
    assert problems == [] and outside == []


def test_forget_clears_storage_form_url_and_result(watched, built):
    page, root, problems, _ = watched
    site = built.site
    page.goto(root + PAGE)
    rate_with_mouse(page, site, ANSWERS)
    assert stored(page) == ANSWERS

    page.get_by_role("button", name="Forget my answers").click()
    assert stored(page) is None
    assert page.locator("#hm-form input:checked").count() == 0
    assert urlsplit(page.url).query == ""
    assert page.url == root + PAGE
    expect(page.locator("#hm-results")).to_be_hidden()
    expect(page.get_by_role("heading", name="Rate your place")).to_be_focused()
    expect(page.locator("#hm-status")).to_have_text("Your answers have been forgotten.")

    page.reload()
    assert page.locator("#hm-form input:checked").count() == 0
    expect(page.locator("#hm-results")).to_be_hidden()
    assert problems == []


@pytest.mark.parametrize("ratings, cool", [
    ({"planning": 4, "training": 3, "storytelling": 3, "activities": 5}, ["training", "storytelling"]),
    ({"incentives": 4}, ["incentives"]),
    ({"planning": 5, "physical-space": 5}, []),
    ({"digital-technology": 1, "planning": 2, "training": 3}, ["planning", "digital-technology"]),
])
def test_cool_spots_follow_the_written_rule(watched, built, ratings, cool):
    page, root, problems, _ = watched
    page.goto(root + PAGE + "?" + "&".join(f"{k}={v}" for k, v in ratings.items()))
    assert cool_spots(built.site, ratings) == cool  # the rule here agrees with the examples
    assert_result_matches(read_result(page), built.site, ratings, root)
    assert problems == []


def test_every_rating_at_5_says_there_are_no_cool_spots(watched, built):
    page, root, problems, _ = watched
    all_fives = {o.key: 5 for o in built.site.opportunities}
    page.goto(root + PAGE + "?" + query_of(built.site, all_fives))
    expect(page.get_by_text("so there are no cool spots")).to_be_visible()
    expect(page.get_by_role("link", name="Open these in the case study database")).to_be_hidden()
    expect(page.get_by_role("heading", name="Reading list")).to_be_hidden()
    assert problems == []


def test_invalid_values_in_the_url_are_ignored_and_the_url_beats_storage(watched, built):
    page, root, problems, _ = watched
    site = built.site
    page.goto(root + PAGE)
    rate_with_mouse(page, site, {"planning": 1})
    settle(page)
    page.goto(root + PAGE + "?planning=7&training=abc&activities=2&bogus=1&storytelling=0&incentives=3.5")
    assert_result_matches(read_result(page), site, {"activities": 2}, root)
    assert urlsplit(page.url).query == "activities=2"
    # Opening a link does not overwrite this browser's own answers, and a URL with
    # nothing valid in it falls back to them.
    assert stored(page) == {"planning": 1}
    settle(page)
    page.goto(root + PAGE + "?planning=9")
    assert urlsplit(page.url).query == "planning=1"
    assert_result_matches(read_result(page), site, {"planning": 1}, root)
    assert problems == []


def test_the_result_passes_axe_and_fits_a_phone(watched, built):
    page, root, problems, outside = watched
    page.goto(root + PAGE + "?" + query_of(built.site, ANSWERS))
    expect(page.locator("#hm-results")).to_be_visible()
    assert problems == [] and outside == []  # before axe, whose own stylesheet requests fail over file://
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    small = page.evaluate("""() => [...document.querySelectorAll('#hm-form input, button, #hm-results a')]
        .filter(el => el.checkVisibility())
        .map(el => [el.name || el.textContent.trim(), el.getBoundingClientRect()])
        .filter(([, r]) => r.width < 24 || r.height < 24)
        .map(([name]) => name)""")
    assert small == []


def test_copy_link_copies_the_current_url_or_selects_it(watched, built):
    page, root, problems, _ = watched
    page.goto(root + PAGE + "?" + query_of(built.site, ANSWERS))
    page.evaluate("""() => Object.defineProperty(navigator, 'clipboard', {configurable: true,
        value: {writeText: text => { window.copied = text; return Promise.resolve(); }}})""")
    page.get_by_role("button", name="Copy link to these results").click()
    expect(page.locator("#hm-status")).to_have_text("Link copied.")
    assert page.evaluate("window.copied") == page.url
    # Where the clipboard refuses, the link is selected for the reader to copy.
    page.evaluate("""() => Object.defineProperty(navigator, 'clipboard', {configurable: true,
        value: {writeText: () => Promise.reject(new Error('denied'))}})""")
    page.get_by_role("button", name="Copy link to these results").click()
    expect(page.locator("#hm-status")).to_contain_text("The link is selected")
    assert page.evaluate("String(getSelection())") == page.url
    assert problems == []


def count_pdf_pages(pdf: bytes) -> int:
    try:
        from io import BytesIO

        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    return len(PdfReader(BytesIO(pdf)).pages)


@pytest.mark.parametrize("ratings", ["answers", "every-one-at-1"])
def test_printing_the_result_gives_one_a4_page_with_only_the_result(watched, built, ratings):
    page, root, problems, _ = watched
    site = built.site
    answers = ANSWERS if ratings == "answers" else {o.key: 1 for o in site.opportunities}
    page.goto(root + PAGE + "?" + query_of(site, answers))
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.get_by_role("button", name="Print result").click()
    assert page.evaluate("window.printed") is True

    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", "h1", "#hm-form", ".hm-intro", ".hm-share",
                   "#hm-database-link", ".hm-read__notes"):
        assert page.locator(hidden).first.is_hidden(), hidden
    entries = page.locator("#hm-reading-list > li")
    expected = reading_list(site, cool_spots(site, answers))
    expect(entries).to_have_count(len(expected))
    for entry in entries.all():
        assert entry.is_visible()
    for shown in ("#hm-map", "#hm-cool-list", "#hm-reading-list"):
        assert page.locator(shown).is_visible(), shown
    # Compact list: each entry names the case study and the numbers of the cool spots it covers.
    numbers = ", ".join(label.split(".")[0] for label, _ in expected[0]["notes"])
    expect(entries.first.locator(".hm-read__covers-numbers")).to_have_text(numbers)
    expect(entries.first.locator(".hm-read__covers-names")).to_be_hidden()

    pdf = page.pdf(format="A4")
    assert count_pdf_pages(pdf) == 1
    assert problems == []


def test_planted_overflow_would_make_a_second_page(watched, built):
    """Guards the guard: the page counter sees a second page when there is one."""
    page, root, _, _ = watched
    page.goto(root + PAGE + "?" + query_of(built.site, ANSWERS))
    page.emulate_media(media="print")
    page.evaluate("document.getElementById('hm-map').style.minHeight = '400mm'")
    assert count_pdf_pages(page.pdf(format="A4")) >= 2


def test_without_javascript_the_form_still_makes_the_shareable_url(browser, site_url, built):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + PAGE)
        assert "<noscript><p class=\"hm-noscript\">The result needs JavaScript" in page.content()
        expect(page.locator("#hm-results")).to_be_hidden()
        rate_with_mouse(page, built.site, {"planning": 2, "activities": 4})
        page.get_by_role("button", name="Show my heatmap").click()
        page.wait_for_url(re.compile(r"\?"))
        assert urlsplit(page.url).query == "planning=2&activities=4"
    finally:
        context.close()
