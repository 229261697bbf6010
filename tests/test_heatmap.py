"""The Heatmap page in Chromium, over http and file://: rate, read the result, share, print, forget;
and the Heatmap for a group: add and remove people, averages and spreads, the group's cool spots.

Every expected value (cool spots, averages, reading list, notes, links) is computed here from
the real hub's `Site`, never copied from the page.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from io import BytesIO
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from conftest import assert_axe_clean
from hub.markdown import plain_text

pytestmark = pytest.mark.browser

PAGE = "heatmap/index.html"
STORE = "hub-heatmap-v1"
GROUP_STORE = "hub-heatmap-group-v1"
LEVELS = ["Not at all", "A little", "Partly", "Mostly", "Fully"]
SHOWN = 8  # the reading list shows this many entries before "Show all" (README: the Heatmap)

# One reader's answers: two opportunities left unrated, cool spots at 1 and 2.
ANSWERS = {
    "planning": 2, "training": 4, "rules-and-accountabilities": 1, "incentives": 3,
    "honesty-and-openness": 5, "impact-measurement": 2, "storytelling": 4, "activities": 5,
}

# A group of three (label, answers): averages with .0, .3, .5 and .7, one opportunity rated by
# one person only, one rated by no one, and one person without a label.
GROUP = [
    ("Ann", {"planning": 2, "training": 4, "rules-and-accountabilities": 1, "incentives": 3,
             "honesty-and-openness": 5, "impact-measurement": 2, "storytelling": 1, "activities": 2}),
    ("Ben Okafor", {"planning": 3, "training": 3, "rules-and-accountabilities": 2, "incentives": 2,
                    "honesty-and-openness": 4, "impact-measurement": 3, "storytelling": 1, "physical-space": 4}),
    ("", {"planning": 1, "training": 5, "rules-and-accountabilities": 2, "incentives": 3,
          "honesty-and-openness": 3, "impact-measurement": 4, "physical-space": 5}),
]


# What the page should show, from the Site --------------------------------------------

def cool_by_tenths(site, tenths: dict[str, int]) -> list[str]:
    """The written rule, on scores in tenths: 2.0 or lower; else the lowest (ties included), unless all are 5.0."""
    scored = [o.key for o in site.opportunities if o.key in tenths]
    low = [k for k in scored if tenths[k] <= 20]
    if low or not scored:
        return low
    lowest = min(tenths[k] for k in scored)
    return [] if lowest == 50 else [k for k in scored if tenths[k] == lowest]


def cool_spots(site, ratings: dict[str, int]) -> list[str]:
    """One person: rated 1 or 2; else the lowest-rated (ties included), unless every rated one is 5."""
    return cool_by_tenths(site, {k: v * 10 for k, v in ratings.items()})


def group_summary(site, people: list[dict[str, int]]) -> dict[str, dict | None]:
    """Each opportunity's answers: how many, the average in tenths (halves rounded up), the range, the counts."""
    summary: dict[str, dict | None] = {}
    for o in site.opportunities:
        values = [p[o.key] for p in people if o.key in p]
        n = len(values)
        summary[o.key] = None if not n else {
            "n": n, "tenths": (20 * sum(values) + n) // (2 * n), "min": min(values), "max": max(values),
            "counts": [values.count(level) for level in range(1, 6)],
        }
    return summary


def group_cool(site, people: list[dict[str, int]]) -> list[str]:
    """The group's rule: by the average as shown (one decimal place)."""
    summary = group_summary(site, people)
    return cool_by_tenths(site, {k: s["tenths"] for k, s in summary.items() if s})


def decimal(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}"


def reading_list(site, cool: list[str]) -> list[dict]:
    """Case studies with a note in a cool spot: most cool spots first, then collection order (the Site's order)."""
    entries = []
    for cs in site.case_studies:
        matches = [k for k in cool if cs.opportunities.get(k)]
        if matches:
            entries.append({
                "title": cs.title,
                "url": f"case-studies/{cs.slug}/index.html",
                "matches": matches,
                "notes": [[label_of(site, k), plain_text(cs.opportunities[k])] for k in matches],
            })
    entries.sort(key=lambda e: -len(e["notes"]))  # stable: ties keep collection order
    return entries


def label_of(site, key: str) -> str:
    o = site.opportunity[key]
    return f"{o.number}. {o.name}"


def query_of(site, ratings: dict[str, int]) -> str:
    return "&".join(f"{o.key}={ratings[o.key]}" for o in site.opportunities if o.key in ratings)


def code_of(site, ratings: dict[str, int]) -> str:
    """One digit per opportunity, in order, 0 for not rated."""
    return "".join(str(ratings.get(o.key, 0)) for o in site.opportunities)


def group_query(site, group: list[tuple[str, dict[str, int]]]) -> str:
    # encodeURIComponent leaves !'()* as they are; quote() would escape them.
    return "&".join(["view=group"] + [f"person={code_of(site, r)}" + (f":{quote(label, safe=chr(33) + chr(39) + '()*')}" if label else "")
                                      for label, r in group])


def answers_of(group) -> list[dict[str, int]]:
    return [ratings for _, ratings in group]


# What the page shows ------------------------------------------------------------------

READ_RESULT = """(p) => {
  document.getAnimations().forEach(a => a.finish());  // colour transitions: read the end state
  const visible = el => !!el && el.checkVisibility();
  const text = el => el.innerText.replace(/\\s+/g, ' ').trim();
  const byId = id => document.getElementById(p + '-' + id);
  const results = byId('results');
  return {
    shown: visible(results),
    cells: [...byId('map').querySelectorAll('.hm-cell')].map(c => ({
      key: c.dataset.key,
      name: text(c.querySelector('.hm-cell__name')),
      rating: text(c.querySelector('.hm-cell__rating')),
      spread: visible(c.querySelector('.hm-cell__spread')) ? text(c.querySelector('.hm-cell__spread')) : null,
      dots: visible(c.querySelector('.hm-dots')) ? [...c.querySelectorAll('.hm-dots__col')].map(col => col.querySelectorAll('.hm-dot').length) : null,
      cool: visible(c.querySelector('.hm-cell__cool')),
      background: getComputedStyle(c).backgroundColor,
    })),
    rule: text(byId('rule')),
    cool: [...byId('cool-list').querySelectorAll('li')].filter(visible).map(li => text(li.querySelector('.hm-cool__name'))),
    noCool: visible(byId('cool-none')),
    database: visible(byId('database-link')) ? byId('database-link').href : null,
    count: visible(byId('reading-count')) ? text(byId('reading-count')) : null,
    order: visible(byId('reading-order')) ? text(byId('reading-order')) : null,
    reading: visible(byId('reading-list')) ? [...byId('reading-list').children].map(li => ({
      shown: visible(li),
      title: li.querySelector('h3').textContent.trim(),
      href: li.querySelector('h3 a').href,
      covers: li.querySelector('.hm-read__covers-names').textContent.trim(),
      notes: [...li.querySelectorAll('dt')].map(dt => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]),
    })) : null,
    showAll: visible(byId('show-all')) ? text(byId('show-all')) : null,
    share: visible(byId('share-url')) ? text(byId('share-url')) : null,
  };
}"""


def read_result(page, prefix: str = "hm") -> dict:
    return page.evaluate(READ_RESULT, prefix)


def assert_cells_coloured_by_level(result: dict, levels: dict[str, int | None]) -> None:
    """Colour as well as text: cells of one level share a background, and each level has its own."""
    by_level: dict = {}
    for cell in result["cells"]:
        by_level.setdefault(levels[cell["key"]], set()).add(cell["background"])
    assert all(len(colours) == 1 for colours in by_level.values())
    assert len({next(iter(c)) for c in by_level.values()}) == len(by_level)


def assert_cool_and_reading(result: dict, site, cool: list[str], root: str, whose: str) -> None:
    """The cool spots, the database link (ranked) and the capped reading list that these cool spots give."""
    assert [c["key"] for c in result["cells"] if c["cool"]] == cool
    assert result["cool"] == [label_of(site, k) for k in cool]
    if not cool:
        assert result["noCool"] and result["database"] is None and result["reading"] is None
        return
    assert not result["noCool"]
    database = urlsplit(result["database"])
    assert database._replace(query="").geturl() == root + "case-studies/index.html"
    assert parse_qs(database.query) == {"opportunity": cool, "sort": ["matches"]}

    expected = reading_list(site, cool)
    reading = result["reading"]
    assert [e["title"] for e in reading] == [e["title"] for e in expected]
    assert [e["href"] for e in reading] == [root + e["url"] for e in expected]
    assert [e["notes"] for e in reading] == [e["notes"] for e in expected]
    spots = f"{len(cool)} cool spot{'' if len(cool) == 1 else 's'}"
    assert [e["covers"] for e in reading] == [
        f"Covers {len(e['matches'])} of {whose} {spots}: " + ", ".join(site.opportunity[k].name for k in e["matches"])
        for e in expected]
    # Ranked and capped, and the page says so.
    n = len(expected)
    assert result["count"] == (
        (f"{n} case studies have" if n != 1 else "1 case study has") + f" a note under at least one of {whose} cool spots."
        + (f" The first {SHOWN} are shown." if n > SHOWN else "")
        if n else f"No case study has a note under {whose} cool spots yet.")
    assert [e["shown"] for e in reading] == [i < SHOWN for i in range(len(expected))]
    assert result["showAll"] == (f"Show all {len(expected)}" if len(expected) > SHOWN else None)
    if len(expected) > 1:
        assert result["order"] == f"Ranked by how many of {whose} cool spots each one covers, then in collection order."


def assert_result_matches(result: dict, site, ratings: dict[str, int], root: str) -> None:
    """One person's heatmap, cool spots, reading list and database link."""
    assert result["shown"]
    assert [c["key"] for c in result["cells"]] == [o.key for o in site.opportunities]
    for cell, o in zip(result["cells"], site.opportunities):
        assert cell["name"] == f"{o.number}. {o.name}"
        value = ratings.get(o.key)
        assert cell["rating"] == (f"{value} · {LEVELS[value - 1]}" if value else "Not rated")
    assert_cells_coloured_by_level(result, {o.key: ratings.get(o.key) for o in site.opportunities})
    assert_cool_and_reading(result, site, cool_spots(site, ratings), root, "your")


def assert_group_matches(result: dict, site, people: list[dict[str, int]], root: str) -> None:
    """The group's heatmap: each cell's average and spread as text, its colour, the cool spots and reading list."""
    summary = group_summary(site, people)
    assert result["shown"]
    assert [c["key"] for c in result["cells"]] == [o.key for o in site.opportunities]
    for cell, o in zip(result["cells"], site.opportunities):
        s = summary[o.key]
        assert cell["name"] == f"{o.number}. {o.name}"
        if s is None:
            assert (cell["rating"], cell["spread"], cell["dots"]) == ("Not rated", None, None)
            continue
        assert cell["rating"] == f"Average {decimal(s['tenths'])}", o.key
        assert cell["spread"] == f"Range {s['min']}–{s['max']} · {s['n']} of {len(people)} rated", o.key
        assert cell["dots"] == s["counts"], o.key
    assert_cells_coloured_by_level(result, {k: (s["tenths"] + 5) // 10 if s else None for k, s in summary.items()})
    assert result["rule"].startswith("The group's cool spots are the opportunities whose average is 2.0 or lower")
    assert_cool_and_reading(result, site, group_cool(site, people), root, "the group's")


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
        expect(radio(page, site, key, value)).to_be_checked()


CANONICAL = """([key, expected]) => {
  const canon = x => JSON.stringify(x, (k, v) => v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort()) : v);
  return canon(JSON.parse(localStorage.getItem(key))) === canon(expected);
}"""


def wait_stored(page, key: str, expected) -> None:
    """Wait until localStorage[key] holds `expected` (None: nothing)."""
    page.wait_for_function(CANONICAL, arg=[key, expected])


def stored(page, key: str = STORE):
    return page.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")


def expected_status(site, ratings) -> str:
    cool = cool_spots(site, ratings)
    n = len(reading_list(site, cool))
    return (f"Heatmap updated: {len(ratings)} of {len(site.opportunities)} rated, "
            f"{len(cool)} cool spot{'' if len(cool) == 1 else 's'}, "
            f"{n} case stud{'y' if n == 1 else 'ies'} in the reading list.")


def result_in_a_fresh_browser(browser, root: str, url: str, prefix: str, store: str) -> dict:
    """What a link shows in a new browser context, where nothing is stored; with no error and no outside request."""
    errors: list[str] = []
    elsewhere: list[str] = []
    context = browser.new_context()
    try:
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(root)
                      else (elsewhere.append(r.request.url), r.abort()))
        other = context.new_page()
        other.on("pageerror", lambda e: errors.append(str(e)))
        other.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        other.goto(url)
        expect(other.locator(f"#{prefix}-results")).to_be_visible()
        assert other.evaluate(f"localStorage.getItem('{store}')") is None  # nothing remembered: it came from the URL
        result = read_result(other, prefix)
        assert errors == [] and elsewhere == []
        return result
    finally:
        context.close()


# One person ---------------------------------------------------------------------------------

def test_rating_by_keyboard_and_mouse_gives_the_heatmap_cool_spots_and_reading_list(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + PAGE)
    status = page.locator("#hm-status")
    status_handle = status.element_handle()
    expect(page.locator("#hm-results")).to_be_hidden()
    expect(status).to_have_text("")

    # Mouse: Planning is 2.
    radio(page, site, "planning", 2).click()
    expect(page.locator("#hm-results")).to_be_visible()
    # Keyboard: Tab into the next groups; Space picks the first level, arrows move along the scale.
    page.keyboard.press("Tab")
    page.wait_for_function("document.activeElement.name === 'training'")
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    page.wait_for_function("document.activeElement.name === 'rules-and-accountabilities'")
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
    # One polite status element, there from the start, announces the update.
    expect(status).to_have_text(expected_status(site, ANSWERS))

    assert_result_matches(read_result(page), site, ANSWERS, root)
    assert cool_spots(site, ANSWERS) == ["planning", "rules-and-accountabilities", "impact-measurement"]
    assert urlsplit(page.url).query == query_of(site, ANSWERS)
    assert read_result(page)["share"] == page.url
    expect(page.locator("#hm-code")).to_have_text(code_of(site, ANSWERS))
    wait_stored(page, STORE, ANSWERS)
    assert status_handle.evaluate("el => el.isConnected && el.getAttribute('role') === 'status'")
    expect(page.locator("[role=status]")).to_have_count(1)
    assert problems == [] and outside == []


def test_a_reading_list_link_opens_the_case_study(watched, built):
    page, root, problems, outside = watched
    page.goto(root + PAGE + "?" + query_of(built.site, ANSWERS))
    first = reading_list(built.site, cool_spots(built.site, ANSWERS))[0]
    page.locator("#hm-reading-list > li").first.get_by_role("link").click()
    page.wait_for_url(root + first["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text(first["title"])
    assert problems == [] and outside == []


def test_the_reading_list_shows_the_first_entries_then_all_of_them(watched, built):
    page, root, problems, _ = watched
    site = built.site
    # Every opportunity at 1: every case study with a note is in the list, so it is longer than the cap.
    ratings = {o.key: 1 for o in site.opportunities}
    expected = reading_list(site, cool_spots(site, ratings))
    if len(expected) <= SHOWN:
        pytest.skip("the hub has too few case studies for the cap to matter")
    page.goto(root + PAGE + "?" + query_of(site, ratings))
    entries = page.locator("#hm-reading-list > li")
    expect(page.locator("#hm-reading-count")).to_have_text(
        f"{len(expected)} case studies have a note under at least one of your cool spots. The first {SHOWN} are shown.")
    expect(entries.locator("visible=true")).to_have_count(SHOWN)
    show_all = page.get_by_role("button", name=f"Show all {len(expected)}")
    show_all.focus()
    page.keyboard.press("Enter")
    expect(entries.locator("visible=true")).to_have_count(len(expected))
    expect(entries.locator("h3")).to_have_text([e["title"] for e in expected])
    expect(show_all).to_be_hidden()
    expect(page.locator("#hm-reading-count")).to_have_text(
        f"{len(expected)} case studies have a note under at least one of your cool spots.")
    # The keyboard carries on at the first entry that was hidden.
    expect(entries.nth(SHOWN).get_by_role("link")).to_be_focused()
    expect(page.locator("#hm-status")).to_have_text(f"Showing all {len(expected)} case studies.")
    assert problems == []


def database_titles(page):
    return page.locator("#results .tile__title")


@pytest.mark.parametrize("view", ["one", "group"])
def test_the_database_link_opens_the_same_ranking_in_the_database(watched, built, view):
    page, root, problems, outside = watched
    site = built.site
    if view == "one":
        page.goto(root + PAGE + "?" + query_of(site, ANSWERS))
        cool = cool_spots(site, ANSWERS)
    else:
        page.goto(root + PAGE + "?" + group_query(site, GROUP))
        cool = group_cool(site, answers_of(GROUP))
    expected = reading_list(site, cool)
    page.get_by_role("link", name="Open these in the case study database").click()
    page.wait_for_url(re.compile(re.escape(root + "case-studies/index.html?")))
    query = parse_qs(urlsplit(page.url).query)
    assert query["opportunity"] == cool and query["sort"] == ["matches"]
    # The database combines the opportunities as "any of" and sorts by matching opportunities:
    # the same case studies as the reading list, in the same order.
    expect(page.locator("#result-count")).to_have_text(re.compile(rf"^{len(expected)} case stud"))
    expect(page.locator("#sort")).to_have_value("matches")
    expect(database_titles(page)).to_have_text([e["title"] for e in expected])
    assert problems == [] and outside == []


def test_reload_and_a_return_visit_keep_the_answers(watched, built):
    page, root, problems, _ = watched
    site = built.site
    page.goto(root + PAGE)
    answers = {"training": 1, "storytelling": 3, "digital-technology": 5}
    rate_with_mouse(page, site, answers)
    wait_stored(page, STORE, answers)
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
    page.wait_for_url(re.compile(re.escape(query_of(site, ANSWERS)) + "$"))
    mine = read_result(page)
    shared = mine["share"]
    assert shared == page.url

    theirs = result_in_a_fresh_browser(browser, root, shared, "hm", STORE)
    assert theirs == mine
    assert_result_matches(theirs, site, ANSWERS, root)
    assert problems == [] and outside == []


def test_forget_clears_storage_form_url_and_result(watched, built):
    page, root, problems, _ = watched
    site = built.site
    page.goto(root + PAGE)
    rate_with_mouse(page, site, ANSWERS)
    wait_stored(page, STORE, ANSWERS)

    page.get_by_role("button", name="Forget my answers").click()
    expect(page.locator("#hm-status")).to_have_text("Your answers have been forgotten.")
    wait_stored(page, STORE, None)
    expect(page.locator("#hm-form input:checked")).to_have_count(0)
    page.wait_for_url(root + PAGE)
    expect(page.locator("#hm-results")).to_be_hidden()
    expect(page.get_by_role("heading", name="Rate your place")).to_be_focused()

    page.reload()
    expect(page.locator("#hm-form input:checked")).to_have_count(0)
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
    expect(page.locator("#hm-cool-none")).to_have_text("Everything you rated is 5 (Fully), so there are no cool spots.")
    expect(page.get_by_role("link", name="Open these in the case study database")).to_be_hidden()
    expect(page.get_by_role("heading", name="Reading list")).to_be_hidden()
    assert problems == []


def test_invalid_values_in_the_url_are_ignored_and_the_url_beats_storage(watched, built):
    page, root, problems, _ = watched
    site = built.site
    page.goto(root + PAGE)
    rate_with_mouse(page, site, {"planning": 1})
    wait_stored(page, STORE, {"planning": 1})
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
    assert_axe_clean(page)
    assert_fits_a_phone(page)


def assert_fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth")
    # Controls and links that stand alone (links inside a sentence are exempt).
    small = page.evaluate("""() => [...document.querySelectorAll(
        '#hm-form input, #hg-add input, #hm button, .hm-views a, .hm-read__title a, .hm-database a')]
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


def test_how_to_use_it_keeps_the_collections_steps_word_for_word(watched, built):
    """The steps are the Collection's own (content/pages/collection.md); the hub's additions say "On this hub:"."""
    page, root, problems, _ = watched
    body = built.site.page["collection"].body
    after = body[body.index("Relationships Heatmap"):]
    source_steps = re.findall(r"^\d+\. (.+)$", after.split("\n\n", 1)[1].split("\n\n", 1)[0], flags=re.M)
    assert source_steps
    page.goto(root + PAGE)
    steps = page.locator(".hm-steps > li")
    expect(steps).to_have_count(len(source_steps))
    shown = steps.evaluate_all("""items => items.map(li => [...li.childNodes]
        .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join(' ').replace(/\\s+/g, ' ').trim())""")
    assert shown == source_steps
    for note in page.locator(".hm-on-hub").all():
        expect(note).to_contain_text(re.compile(r"^On this hub: "))
    # Step 2 ("invite others") has the group behind it.
    invite = next(i for i, s in enumerate(source_steps) if s.startswith("Invite others"))
    steps.nth(invite).get_by_role("link", name="Heatmap for a group").click()
    page.wait_for_url(root + PAGE + "?view=group")
    expect(page.get_by_role("heading", name="Heatmap for a group", level=2)).to_be_visible()
    assert problems == []


# A group ------------------------------------------------------------------------------------

def add_by_keyboard(page, entry: str, label: str = "") -> None:
    """Type a code or link and a label, and press Enter, from the code box on."""
    page.get_by_label("Code or link").focus()
    page.keyboard.type(entry)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Name or label (optional)")).to_be_focused()
    page.keyboard.type(label)
    page.keyboard.press("Enter")


def people_listed(page):
    return page.locator("#hg-people > li")


def test_the_group_heatmap_shows_each_opportunitys_average_and_spread(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + PAGE + "?" + group_query(site, GROUP))
    expect(page.locator("#hg-results")).to_be_visible()
    expect(page.locator("#hm-one")).to_be_hidden()
    views = page.get_by_role("navigation", name="Heatmap views")
    expect(views.get_by_role("link", name="Heatmap for a group")).to_have_attribute("aria-current", "page")
    expect(views.get_by_role("link", name="Your heatmap")).not_to_have_attribute("aria-current", "page")
    people = answers_of(GROUP)
    assert_group_matches(read_result(page, "hg"), site, people, root)
    # The examples cover what they are meant to: a .5, an opportunity rated by no one, and cool spots.
    summary = group_summary(site, people)
    assert any(s and s["tenths"] % 10 == 5 for s in summary.values())
    assert any(s is None for s in summary.values())
    assert group_cool(site, people)
    # The people, with their labels (or a number) and their codes.
    expect(people_listed(page)).to_have_count(len(GROUP))
    for i, (label, ratings) in enumerate(GROUP):
        expect(people_listed(page).nth(i)).to_contain_text(f"{label or f'Person {i + 1}'} {code_of(site, ratings)}")
    # Opening a group's link stores nothing until the reader changes the group.
    assert stored(page, GROUP_STORE) is None
    assert problems == [] and outside == []


@pytest.mark.parametrize("group", [
    # No average at 2.0 or lower: the lowest ones, ties included.
    [("A", {"planning": 3, "training": 4, "storytelling": 3}), ("B", {"planning": 3, "training": 3, "storytelling": 3})],
    # Every average 5.0: no cool spots.
    [("A", {"planning": 5, "activities": 5}), ("B", {"planning": 5})],
])
def test_the_groups_cool_spots_follow_the_written_rule(watched, built, group):
    page, root, problems, _ = watched
    page.goto(root + PAGE + "?" + group_query(built.site, group))
    assert_group_matches(read_result(page, "hg"), built.site, answers_of(group), root)
    assert problems == []


def test_adding_and_removing_people_by_keyboard(watched, built):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + PAGE + "?view=group")
    expect(page.locator("#hg-people-count")).to_have_text("No one has been added yet.")
    expect(page.locator("#hg-results")).to_be_hidden()

    # A code, a person's share link, and a code typed with spaces, without a label.
    (ann, ann_ratings), (ben, ben_ratings), (_, third) = GROUP
    add_by_keyboard(page, code_of(site, ann_ratings), ann)
    expect(people_listed(page)).to_have_count(1)
    expect(page.get_by_label("Code or link")).to_be_focused()
    expect(page.get_by_label("Code or link")).to_have_value("")
    add_by_keyboard(page, root + PAGE + "?" + query_of(site, ben_ratings), ben)
    code = code_of(site, third)
    add_by_keyboard(page, " ".join([code[:5], code[5:]]))
    expect(people_listed(page)).to_have_count(3)
    expect(page.locator("#hm-status")).to_have_text(re.compile(r"^Person 3 added\. Group heatmap updated: 3 people, "))
    assert_group_matches(read_result(page, "hg"), site, answers_of(GROUP), root)

    # Mistakes are explained, and add no one.
    for wrong in (code[:-1], "9" * len(code), "0" * len(code), root + PAGE + "?bogus=1", "hello"):
        add_by_keyboard(page, wrong)
        expect(page.locator("#hg-error")).to_be_visible()
        expect(page.get_by_label("Code or link")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Code or link")).to_be_focused()
        expect(people_listed(page)).to_have_count(3)
        page.get_by_label("Code or link").fill("")

    # A fourth person makes an average of quarters: halves are rounded up (2.25 shows as 2.3).
    fourth = {"planning": 3, "training": 2, "digital-technology": 4}
    people = answers_of(GROUP) + [fourth]
    assert group_summary(site, people)["planning"]["tenths"] == 23
    add_by_keyboard(page, code_of(site, fourth), "Dee")
    expect(page.locator("#hg-error")).to_be_hidden()
    expect(people_listed(page)).to_have_count(4)
    expect(page.locator("#hm-status")).to_have_text(re.compile(r"^Dee added\. "))
    assert_group_matches(read_result(page, "hg"), site, people, root)
    labelled = GROUP + [("Dee", fourth)]
    page.wait_for_url(re.compile(re.escape("?" + group_query(site, labelled)) + "$"))
    wait_stored(page, GROUP_STORE, [{"code": code_of(site, r), "label": label} for label, r in labelled])

    # Remove Ben with Enter: the keyboard stays on the next person's button.
    page.get_by_role("button", name=f"Remove {ben}").focus()
    page.keyboard.press("Enter")
    expect(people_listed(page)).to_have_count(3)
    expect(page.locator("#hm-status")).to_have_text(re.compile(rf"^{ben} removed\. Group heatmap updated: 3 people, "))
    expect(page.get_by_role("button", name="Remove Person 2")).to_be_focused()  # the unlabelled one, now second
    # Remove the last one with Space: the keyboard goes to the one before.
    page.get_by_role("button", name="Remove Dee").focus()
    page.keyboard.press("Space")
    expect(people_listed(page)).to_have_count(2)
    expect(page.get_by_role("button", name="Remove Person 2")).to_be_focused()
    left = [GROUP[0], GROUP[2]]
    expect(page.locator("#hm-status")).to_have_text(re.compile(r"^Dee removed\. Group heatmap updated: 2 people, "))
    assert_group_matches(read_result(page, "hg"), site, answers_of(left), root)
    page.wait_for_url(re.compile(re.escape("?" + group_query(site, left)) + "$"))
    wait_stored(page, GROUP_STORE, [{"code": code_of(site, r), "label": label} for label, r in left])

    # The group is remembered: the group view without people in its URL shows it.
    settle(page)
    page.goto(root + PAGE + "?view=group")
    expect(people_listed(page)).to_have_count(2)
    assert_group_matches(read_result(page, "hg"), site, answers_of(left), root)
    assert urlsplit(page.url).query == group_query(site, left)
    # Removing everyone empties it, and the box is ready for the next one.
    page.get_by_role("button", name="Remove everyone").click()
    expect(people_listed(page)).to_have_count(0)
    expect(page.locator("#hg-results")).to_be_hidden()
    expect(page.get_by_label("Code or link")).to_be_focused()
    wait_stored(page, GROUP_STORE, None)
    assert problems == [] and outside == []


def test_a_group_link_and_my_own_answers_can_be_added(watched, built):
    page, root, problems, _ = watched
    site = built.site
    # This browser's own answers, then a group page.
    page.goto(root + PAGE)
    rate_with_mouse(page, site, ANSWERS)
    wait_stored(page, STORE, ANSWERS)
    settle(page)
    page.goto(root + PAGE + "?view=group")
    page.get_by_role("button", name="Use my own answers").click()
    expect(page.get_by_label("Code or link")).to_have_value(code_of(site, ANSWERS))
    expect(page.get_by_label("Name or label (optional)")).to_be_focused()
    page.keyboard.type("Me")
    page.keyboard.press("Enter")
    expect(people_listed(page)).to_have_count(1)
    # Another group's link adds all its people, with their labels.
    add_by_keyboard(page, root + PAGE + "?" + group_query(site, GROUP))
    expect(people_listed(page)).to_have_count(1 + len(GROUP))
    everyone = [("Me", ANSWERS)] + GROUP
    assert_group_matches(read_result(page, "hg"), site, answers_of(everyone), root)
    page.wait_for_url(re.compile(re.escape("?" + group_query(site, everyone)) + "$"))
    assert problems == []


def test_a_group_url_opens_the_same_result_in_a_fresh_browser(watched, built, browser):
    page, root, problems, outside = watched
    site = built.site
    page.goto(root + PAGE + "?view=group")
    for label, ratings in GROUP:
        add_by_keyboard(page, code_of(site, ratings), label)
    expect(people_listed(page)).to_have_count(len(GROUP))
    page.wait_for_url(re.compile(re.escape("?" + group_query(site, GROUP)) + "$"))
    mine = read_result(page, "hg")
    assert mine["share"] == page.url

    theirs = result_in_a_fresh_browser(browser, root, mine["share"], "hg", GROUP_STORE)
    assert theirs == mine
    assert_group_matches(theirs, site, answers_of(GROUP), root)
    assert problems == [] and outside == []


def test_the_group_view_passes_axe_and_fits_a_phone(watched, built):
    page, root, problems, outside = watched
    page.goto(root + PAGE + "?" + group_query(built.site, GROUP))
    expect(page.locator("#hg-results")).to_be_visible()
    add_by_keyboard(page, "123")  # with an error showing too
    expect(page.locator("#hg-error")).to_be_visible()
    assert problems == [] and outside == []
    assert_axe_clean(page)
    assert_fits_a_phone(page)


# Print ---------------------------------------------------------------------------------------

def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, with ligatures undone."""
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in PdfReader(BytesIO(pdf)).pages]


def printed_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


PRINTS = {
    "one": lambda site: (query_of(site, ANSWERS), "Your heatmap", reading_list(site, cool_spots(site, ANSWERS))),
    "one, every one at 1": lambda site: (query_of(site, {o.key: 1 for o in site.opportunities}), "Your heatmap",
                                         reading_list(site, cool_spots(site, {o.key: 1 for o in site.opportunities}))),
    "group": lambda site: (group_query(site, GROUP), "The group's heatmap",
                           reading_list(site, group_cool(site, answers_of(GROUP)))),
}


@pytest.mark.parametrize("view", PRINTS)
def test_printing_gives_one_a4_page_with_title_date_link_and_result(watched, built, view):
    page, root, problems, _ = watched
    site = built.site
    query, title, expected = PRINTS[view](site)
    prefix = "hg" if view == "group" else "hm"
    # The date comes from the browser's clock at print time, not when the page was opened.
    opened, printed = dt.datetime(2024, 12, 31, 23, 58), dt.datetime(2025, 1, 1, 0, 1)
    page.clock.set_fixed_time(opened)
    page.goto(root + PAGE + "?" + query)
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.get_by_role("button", name="Print result").click()
    page.wait_for_function("window.printed === true")

    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".hm-intro", ".hm-views", "#hm-form", ".hm-people",
                   f"#{prefix}-database-link", ".hm-read__notes", ".hm-share", f"#{prefix}-show-all"):
        expect(page.locator(hidden).first).to_be_hidden()
    for shown in ("h1", f"#{prefix}-results-title", f"#{prefix}-stamp", f"#{prefix}-map", f"#{prefix}-cool-list",
                  f"#{prefix}-reading-list"):
        expect(page.locator(shown)).to_be_visible()
    # The list as on screen: the first entries, each with the numbers of the cool spots it covers.
    entries = page.locator(f"#{prefix}-reading-list > li")
    expect(entries.locator("visible=true")).to_have_count(min(SHOWN, len(expected)))
    numbers = ", ".join(label.split(".")[0] for label, _ in expected[0]["notes"])
    expect(entries.first.locator(".hm-read__covers-numbers")).to_have_text(numbers)
    expect(entries.first.locator(".hm-read__covers-names")).to_be_hidden()

    page.clock.set_fixed_time(printed)
    pages = pdf_pages(page.pdf(format="A4"))
    assert len(pages) == 1
    text = pages[0]
    assert text.startswith("Relationships Heatmap\n" + title)
    assert f"Printed on {printed_date(printed.date())}." in text
    expect(page.locator(f"#{prefix}-stamp time")).to_have_attribute("datetime", printed.date().isoformat())
    assert page.url in "".join(text.split())  # the whole link, however the line breaks fall
    for e in expected[:SHOWN]:
        assert " ".join(e["title"].split()) in " ".join(text.split())
    if view == "group":
        names = ", ".join(label or f"Person {i + 1}" for i, (label, _) in enumerate(GROUP))
        assert f"{len(GROUP)} people: {names}." in " ".join(text.split())
    assert problems == []


def test_planted_overflow_would_make_a_second_page(watched, built):
    """Guards the guard: the page counter sees a second page when there is one."""
    page, root, _, _ = watched
    page.goto(root + PAGE + "?" + query_of(built.site, ANSWERS))
    page.emulate_media(media="print")
    page.evaluate("document.getElementById('hm-map').classList.add('planted')")
    page.add_style_tag(content=".planted { min-height: 400mm; }")
    assert len(pdf_pages(page.pdf(format="A4"))) >= 2


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
