"""Depth 3b: no script delays a page's first paint, and nothing moves when the scripts arrive.

Every page's scripts are deferred (the built HTML says so). In Chromium, each page that a
script changes is first painted with its scripts held back (over http, where requests can
be held; over file:// they arrive as fast as the disk gives them), then they are let through,
and the page's layout shifts (the Layout Instability API, as Lighthouse's CLS reads them)
must add up to nothing, on a phone, a tablet and a wide screen.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

SCRIPT = re.compile(r"<script\b[^>]*>")

# The shifts of the page so far, each with what moved (for the failure message).
SHIFTS = """() => new Promise(done => {
  const found = [];
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      if (!e.hadRecentInput) found.push([e.value, e.sources.map(s => s.node ? s.node.nodeName + '.' + s.node.className : '?').join(' ')]);
    }
  }).observe({type: 'layout-shift', buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done(found), 50)));
})"""

# Each page a script changes on arrival, and what says its script has run.
FINDER_READY = "document.querySelector('#filter-controls details') !== null"
PAGES = [
    ("case-studies/index.html", "window.HubDatabase !== undefined"),
    ("case-studies/index.html?view=table", "document.querySelector('#table-view tbody tr') !== null"),
    ("cards/index.html", FINDER_READY),
    ("london/index.html#directions", FINDER_READY),  # the ideas' finder, in view from the first paint
    ("heatmap/index.html", "document.querySelector('[data-shortlist-count]').textContent !== ''"),
]
WIDTHS = {"phone": (412, 823), "tablet": (800, 1000), "wide": (1280, 900)}


def test_every_script_is_deferred(built, site_dir):
    """A script in the page would hold its first paint until it had loaded and run."""
    for path in sorted(p for p in built.files if p.endswith(".html")):
        for tag in SCRIPT.findall((site_dir / path).read_text()):
            assert " defer" in tag, f"{path}: {tag} blocks the first paint"


def case_study_pages(built):
    return [(f"case-studies/{built.site.case_studies[0].slug}/index.html",
             "document.querySelector('[data-shortlist-count]').textContent !== ''")]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("index", range(len(PAGES) + 1))
def test_nothing_moves_when_the_scripts_arrive(request, watched, built, width, index):
    page, root, problems, outside = watched
    path, ready = (PAGES + case_study_pages(built))[index]
    if path.endswith("?view=table") and width == "wide":  # known, and in the README: run, and expected to fail
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "on a wide screen the table view folds the filters above the results: only the script can read "
            "the URL, so a table link is first painted as the grid")))
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width])))
    held = []
    page.route("**/*.js", lambda route: held.append(route))  # over http: the scripts wait for the first paint
    page.goto(root + path, wait_until="commit")
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    while held:
        held.pop(0).fallback()
    page.wait_for_load_state("load")
    page.wait_for_function(ready)
    shifts = page.evaluate(SHIFTS)
    assert sum(value for value, _ in shifts) == 0, shifts
    assert problems == [] and outside == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_header_is_laid_out_the_same_before_it_is_all_parsed(page, site_url, width):
    """A first paint can come while the header is still being parsed (a slow phone, a busy machine):
    the search box must not be sized by what has arrived of it, or it moves when its button does.
    Found by a flaky run: 0.0018 of layout shift, the box 231 px wide at first paint, then 331."""
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width])))
    page.goto(site_url + "cards/index.html")
    boxes = page.evaluate("""() => {
      const header = document.querySelector('.site-header__inner');
      const box = s => document.querySelector(s).getBoundingClientRect();  // (an empty form is 0 high: not painted)
      const boxes = () => [box('.brand').left, box('.brand').top, box('.brand').width, box('form.site-search').left,
                           box('form.site-search').width];
      const whole = boxes();
      const form = document.querySelector('form.site-search');
      const nav = header.querySelector('.site-nav');
      nav.remove();
      const parts = [...form.children];
      const seen = [];
      for (let n = parts.length; n >= 0; n--) {  // the form as the parser leaves it: its first n children
        parts.forEach((child, i) => { if (i >= n) child.remove(); });
        seen.push(boxes());
      }
      return {whole, seen};
    }""")
    for partial in boxes["seen"]:  # the Layout Instability API counts a move of 3 px or more
        assert all(abs(a - b) < 3 for a, b in zip(partial, boxes["whole"])), (partial, boxes["whole"])


@pytest.mark.parametrize("page_of", [lambda site: "case-studies/index.html", lambda site: "cards/index.html",
                                     lambda site: "london/index.html",
                                     lambda site: f"case-studies/{site.case_studies[0].slug}/index.html"])
def test_without_scripting_no_control_that_needs_one_is_shown(browser, site_url, built, page_of):
    """The controls laid out from the first paint (class js-only) are taken away by noscript.css."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + page_of(built.site))
    controls = page.locator(".js-only")
    assert controls.count() > 0
    for i in range(controls.count()):
        assert controls.nth(i).is_hidden(), controls.nth(i).evaluate("e => e.outerHTML.slice(0, 120)")
    context.close()
