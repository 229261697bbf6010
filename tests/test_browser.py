"""Depth 3b: the built hub in Debian's Chromium, over http://127.0.0.1 and over file://.

Each page type opens with no console error and no request outside the site,
and axe-core reports no accessibility violation.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import AXE, assert_axe_clean

pytestmark = pytest.mark.browser

PAGE_TYPES = [
    "index.html",
    "case-studies/index.html",
    "case-studies/timpson/index.html",
    "case-studies/buffer/index.html",
    "case-studies/cancer-research/index.html",
    "cards/index.html",
    "shortlist/index.html",
    "guide/index.html",
    "guide/1-agree-the-destination/index.html",
    "guide/2-know-where-to-start/index.html",
    "guide/3-identify-priorities/index.html",
    "guide/4-spot-the-breakers/index.html",
    "guide/5-find-the-makers/index.html",
    "london/index.html",
    "london/themes/community/index.html",
    "london/ideas/co-housing/index.html",
    "london/references/index.html",
    "heatmap/index.html",
    "about/index.html",
    "using-the-cards/index.html",
    "collection/index.html",
    "search/index.html",
    "search/index.html?q=community",
    "404.html",
]

@pytest.mark.parametrize("path", PAGE_TYPES)
def test_page_opens_cleanly_and_passes_axe(watched, path):
    page, root, problems, outside = watched
    response = page.goto(root + path)
    assert response is None or response.ok  # file:// has no response object
    page.wait_for_load_state("load")
    assert page.locator("h1").count() == 1
    assert problems == []
    assert outside == []
    assert_axe_clean(page)


def test_skip_link_is_first_and_moves_focus_to_main(watched):
    page, root, problems, _ = watched
    page.goto(root + "case-studies/timpson/index.html")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    # The next stop is inside main, not back in the header.
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_navigation_works_from_disk_and_server(watched, built):
    page, root, problems, outside = watched
    first = built.site.case_studies[0]
    following = built.site.neighbours(first)[1]
    page.goto(root + "index.html")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Case studies").click()
    page.wait_for_url(root + "case-studies/index.html")
    page.locator("#results").get_by_role("link", name=first.title, exact=True).click()
    page.wait_for_url(root + f"case-studies/{first.slug}/index.html")
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(root + f"case-studies/{following.slug}/index.html")
    expect(page.get_by_role("heading", level=1)).to_have_text(following.title)
    assert problems == [] and outside == []


def test_the_index_script_sets_one_global_over_both_protocols(watched, built):
    page, root, problems, _ = watched
    page.goto(root + "index.html")
    page.add_script_tag(url=root + "index.js")
    count = page.evaluate("window.HUB_INDEX.case_studies.length")
    titles = page.evaluate("window.HUB_INDEX.case_studies.map(c => c.title)")
    assert count == len(built.site.case_studies)
    assert titles == [cs.title for cs in built.site.case_studies]
    assert problems == []


def test_the_harness_catches_violations_and_outside_requests(watched):
    """Guards the guards: a planted accessibility violation and an outside request are both caught."""
    page, root, problems, outside = watched
    page.goto(root + "index.html")
    page.evaluate("""() => {
        const img = document.createElement('img');
        img.src = 'https://cdn.example.org/pixel.png';
        document.querySelector('main').appendChild(img);
    }""")
    page.wait_for_timeout(300)
    assert set(outside) == {"https://cdn.example.org/pixel.png"}
    assert "image-alt" in [v["id"] for v in AXE.run(page).response["violations"]]


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_nothing_scrolls_sideways_on_a_phone(page, site_dir, path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site_dir.as_uri() + "/" + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than a 390px screen"
