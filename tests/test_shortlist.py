"""Depth 3e: the workshop shortlist, in Chromium over http and file://.

"Add to shortlist" on tiles and case study pages; the list kept in the browser and in a
shareable address; a shared address in a fresh browser; their cards printed one per page;
the CSV with the spreadsheet's columns. Expected values come from the content models.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import assert_axe_clean
from test_finder import assert_shown, download_csv, number_order, open_db, pdf_pages, spreadsheet_rows

pytestmark = pytest.mark.browser

LIST = "shortlist/index.html"
TILES = "#shortlist-tiles > .tile"


def nav_link(page):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Shortlist"))


def toggle(page, title):
    return page.get_by_role("button", name=f"Add to shortlist: {title}", exact=True)


def picks(site):
    """Three case studies in collection order: two with a card (one with two cards, if any) and one without."""
    ordered = sorted(site.case_studies, key=number_order)
    with_cards = sorted((cs for cs in ordered if cs.cards), key=lambda cs: -len(cs.cards))
    without = [cs for cs in ordered if not cs.cards]
    return [with_cards[0], without[0], with_cards[1]]


def address(slugs) -> str:
    return "?" + "&".join(f"cs={s}" for s in slugs)


def test_add_to_shortlist_on_tiles_and_pages_survives_a_reload(watched, built):
    page, root, problems, outside = watched
    site = built.site
    first, second, third = picks(site)
    open_db(page, root)
    expect(nav_link(page)).to_have_text("Shortlist (0)")
    button = toggle(page, first.title)
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(nav_link(page)).to_have_text("Shortlist (1)")
    toggle(page, second.title).click()
    expect(nav_link(page)).to_have_text("Shortlist (2)")
    page.reload()
    expect(toggle(page, first.title)).to_have_attribute("aria-pressed", "true")
    expect(toggle(page, third.title)).to_have_attribute("aria-pressed", "false")
    expect(nav_link(page)).to_have_text("Shortlist (2)")
    # On a case study's own page, right under its name.
    page.goto(root + f"case-studies/{third.slug}/index.html")
    own = page.locator(".case-study > header").get_by_role("button", name=f"Add to shortlist: {third.title}")
    own.click()
    expect(own).to_have_attribute("aria-pressed", "true")
    expect(nav_link(page)).to_have_text("Shortlist (3)")
    nav_link(page).click()
    page.wait_for_url(re.compile(re.escape(LIST) + r"\?"))
    assert_shown(page, [first.slug, second.slug, third.slug], TILES)
    # The address is the list's own, ready to share.
    page.wait_for_function("q => location.search === q", arg=address([first.slug, second.slug, third.slug]))
    expect(page.get_by_label("Link to this shortlist")).to_have_value(re.compile(re.escape(address([first.slug, second.slug, third.slug])) + "$"))
    expect(page.locator("#shortlist-count")).to_have_text("3 case studies on your shortlist")
    page.reload()
    assert_shown(page, [first.slug, second.slug, third.slug], TILES)
    assert problems == [] and outside == []
    assert_axe_clean(page)


def test_a_shared_shortlist_opens_in_a_fresh_browser_and_can_be_kept(browser, site_url, built):
    site = built.site
    first, second, third = picks(site)
    context = browser.new_context()
    page = context.new_page()
    outside = []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site_url) else (outside.append(r.request.url), r.abort()))
    page.goto(site_url + LIST + address([third.slug, "no-such-case-study", first.slug]))
    assert_shown(page, [third.slug, first.slug], TILES)
    expect(page.locator("#shortlist-count")).to_have_text("2 case studies on this shared shortlist")
    expect(nav_link(page)).to_have_text("Shortlist (0)")  # nothing kept in this browser yet
    keep = page.get_by_role("button", name="Keep this shortlist")
    expect(keep).to_be_visible()
    expect(page.get_by_role("button", name="Add them to mine")).to_be_hidden()
    assert_axe_clean(page)
    keep.click()
    expect(nav_link(page)).to_have_text("Shortlist (2)")
    expect(page.locator("#shortlist-shared")).to_be_hidden()
    expect(page.locator("#shortlist-count")).to_be_focused()
    page.goto(site_url + LIST)  # kept: the plain address shows it
    assert_shown(page, [third.slug, first.slug], TILES)
    # Another shared list, with one of ours: added to ours, in order, without a double.
    page.goto(site_url + LIST + address([second.slug, first.slug]))
    page.get_by_role("button", name="Add them to mine").click()
    assert_shown(page, [third.slug, first.slug, second.slug], TILES)
    expect(nav_link(page)).to_have_text("Shortlist (3)")
    assert outside == []
    context.close()


def test_the_shortlist_prints_their_cards_one_per_page(page, site_url, built):
    site = built.site
    first, second, third = picks(site)
    page.goto(site_url + LIST + address([third.slug, second.slug, first.slug]))
    want = [card.title for cs in (third, second, first) for card in cs.cards]
    button = page.get_by_role("button", name=f"Print their {len(want)} cards")
    expect(button).to_be_visible()
    texts = pdf_pages(page)
    assert len(texts) == len(want)
    for text, title in zip(texts, want):
        assert title.upper() in text.upper()
        assert text.count("TOP 3 BENEFITS") == 1
        for junk in ("Shortlist", "Download CSV", "Link to this shortlist", "Add to shortlist", "Keep this shortlist"):
            assert junk not in text, junk


def test_the_shortlist_downloads_the_csv(watched, built):
    page, root, problems, _ = watched
    site = built.site
    first, second, third = picks(site)
    slugs = [second.slug, third.slug, first.slug]
    page.goto(root + LIST + address(slugs))
    assert_shown(page, slugs, TILES)
    rows = download_csv(page, page.get_by_role("button", name="Download CSV"))
    assert rows == spreadsheet_rows(site, slugs)
    assert problems == []


def test_a_shortlist_without_cards_says_so(watched, built):
    page, root, problems, _ = watched
    site = built.site
    without = [cs.slug for cs in sorted(site.case_studies, key=number_order) if not cs.cards][:2]
    page.goto(root + LIST + address(without))
    assert_shown(page, without, TILES)
    expect(page.locator("#shortlist-no-cards")).to_have_text("None of these case studies has a card to print.")
    expect(page.get_by_role("button", name=re.compile("^Print their"))).to_be_hidden()
    assert problems == []


def test_removing_one_from_the_shortlist_page_moves_focus_to_the_next(watched, built):
    page, root, problems, _ = watched
    site = built.site
    first, second, third = picks(site)
    page.goto(root + LIST + address([first.slug, second.slug, third.slug]))
    page.get_by_role("button", name="Keep this shortlist").click()
    toggle(page, second.title).click()
    assert_shown(page, [first.slug, third.slug], TILES)
    expect(toggle(page, third.title)).to_be_focused()
    expect(page.locator("#shortlist-count")).to_have_text("2 case studies on your shortlist")
    page.wait_for_function("q => location.search === q", arg=address([first.slug, third.slug]))
    page.get_by_role("button", name="Clear the shortlist").click()
    assert_shown(page, [], TILES)
    expect(page.locator("#shortlist-empty")).to_be_visible()
    expect(nav_link(page)).to_have_text("Shortlist (0)")
    assert problems == []
    assert_axe_clean(page)


def test_without_javascript_the_shortlist_page_says_what_it_needs(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + LIST)
    expect(page.locator("#shortlist-needs-script")).to_be_visible()
    expect(page.locator("#shortlist")).to_be_hidden()
    expect(page.locator("button[data-shortlist]").first).to_be_hidden()
    context.close()
