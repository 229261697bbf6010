"""Depth 3a: the real hub, built once; its files, links and index."""

from __future__ import annotations

import json
import re

from hub.render import LINK


def html_pages(site_dir):
    return sorted(p for p in site_dir.rglob("*.html"))


def test_every_case_study_has_a_page_and_the_expected_pages_exist(built, site_dir):
    for cs in built.site.case_studies:
        assert (site_dir / "case-studies" / cs.slug / "index.html").is_file()
    for rel in ("index.html", "404.html", "robots.txt", "index.json", "index.js", "search.json", "search.js",
                "case-studies/index.html", "cards/index.html", "shortlist/index.html", "guide/index.html",
                "london/index.html", "assets/favicon.svg"):
        assert (site_dir / rel).is_file(), rel


def test_no_link_leaves_the_site_names_a_folder_or_is_absolute(site_dir):
    for page in html_pages(site_dir):
        text = page.read_text()
        for match in LINK.finditer(text):
            url = match.group(2)
            assert not re.match(r"^(https?:)?//", url), (page, url)
            assert not url.startswith("/"), (page, url)
            target = url.split("#")[0].split("?")[0]
            if target and not url.startswith("mailto:"):
                assert not target.endswith("/"), (page, url)
                assert (page.parent / target).resolve().is_file(), (page, url)


def test_no_inline_script_event_handler_or_inline_style(site_dir):
    for page in html_pages(site_dir):
        text = page.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, (page, tag)
        assert not re.search(r"<script\b[^>]*>[^<]+</script>", text), page
        assert not re.search(r"\son[a-z]+\s*=", text), page
        assert " style=" not in text, page


def test_every_page_has_the_skeleton(site_dir):
    for page in html_pages(site_dir):
        text = page.read_text()
        assert '<html lang="en-GB">' in text
        assert 'class="skip-link" href="#main"' in text and 'id="main"' in text
        assert 'rel="icon"' in text
        assert text.count("<h1") == 1, page


def test_index_schema(built, site_dir):
    index = json.loads((site_dir / "index.json").read_text())
    script = (site_dir / "index.js").read_text()
    assert script.startswith("window.HUB_INDEX = ") and script.rstrip().endswith(";")
    assert json.loads(script[len("window.HUB_INDEX = "):].rstrip().rstrip(";")) == index

    tax = index["taxonomies"]
    assert [o["number"] for o in tax["opportunities"]] == list(range(1, 11))
    assert all({"key", "name"} <= set(e) for e in tax["enablers"] + tax["benefits"])
    assert len(tax["enablers"]) == 9 and len(tax["benefits"]) == 8

    studies = {c["slug"]: c for c in index["case_studies"]}
    assert len(studies) == len(built.site.case_studies)
    for c in studies.values():
        assert set(c) >= {"slug", "url", "title", "number", "type_of_place", "sectors", "location", "country",
                          "opportunities", "notes", "cards"}
        assert (site_dir / c["url"]).is_file()
        for card in c["cards"]:
            assert set(card) >= {"title", "enablers", "benefits"}
    timpson = studies["timpson"]
    assert timpson["number"] == 1 and timpson["country"] == "UK" and timpson["sectors"] == ["Retail", "Criminal Justice"]
    assert studies["cancer-research"]["number"] is None
    assert [card["title"] for card in studies["buffer"]["cards"]] == ["Buffer (1/2)", "Buffer (2/2)"]
    for collection in ("ideas", "guide"):
        for item in index[collection]:
            assert {"slug", "url", "title"} <= set(item)
            assert (site_dir / item["url"]).is_file()
    for idea in index["ideas"]:
        assert {"theme", "enablers", "case_studies"} <= set(idea)
        assert all(s in studies for s in idea["case_studies"])


def test_search_index_has_every_word_field_by_field(built, site_dir):
    """search.json (and its script twin) holds each case study, card and idea, every field [key, label, text]."""
    from hub.markdown import plain_text

    search = json.loads((site_dir / "search.json").read_text())
    script = (site_dir / "search.js").read_text()
    assert script.startswith("window.HUB_SEARCH = ")
    assert json.loads(script[len("window.HUB_SEARCH = "):].rstrip().rstrip(";")) == search
    site = built.site
    items = {(i["kind"], i["id"]): i for i in search["items"]}
    assert {k["key"] for k in search["kinds"]} >= {i["kind"] for i in search["items"]}
    for item in search["items"]:
        assert (site_dir / item["url"].split("#")[0]).is_file()
        assert all(len(f) == 3 and all(isinstance(x, str) and x for x in f) for f in item["fields"])
    for cs in site.case_studies:
        fields = {key: text for key, _, text in items[("case-study", cs.slug)]["fields"]}
        assert fields["name"] == cs.title
        assert fields.get("sector", "") == ", ".join(cs.sectors)
        assert fields.get("location", "") == (cs.location or "")
        assert fields.get("summary", "") == plain_text(cs.summary)
        assert fields.get("spotlight", "") == plain_text(cs.spotlight)
        for key, note in cs.opportunities.items():
            assert fields[f"opportunity:{key}"] == plain_text(note)
        for n, card in enumerate(cs.cards, 1):
            words = fields[f"card:card-{cs.slug}-{n}"]
            assert plain_text(card.key_learning) in words and all(k in words for k in card.keywords)
    for cs, card in site.cards:
        labels = [label for _, label, _ in items[("card", f"card-{cs.slug}-{cs.cards.index(card) + 1}")]["fields"]]
        assert labels == ["Tagline", "Overview", "Relationship spotlight", "Keywords", "Top 3 benefits",
                          "Top 3 enablers", "Key learning"]
    for idea in site.ideas:
        fields = items[("idea", idea.slug)]["fields"]
        text = " ".join(t for _, _, t in fields)
        for example in idea.examples:
            assert ["example", f"Example: {example.title}", plain_text(example.text)] in fields
        for action in idea.actions:
            assert plain_text(action.text) in text
        assert plain_text(idea.body) in text


def test_sitemap_and_feed_only_with_a_base_url(site_dir):
    assert not (site_dir / "sitemap.xml").exists() and not (site_dir / "feed.xml").exists()
    assert (site_dir / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"


def test_sitemap_and_feed_use_absolute_urls(tmp_path):
    import build
    from hub.config import Config
    from conftest import PROJECT
    import xml.etree.ElementTree as ET

    out = tmp_path / "site"
    built = build.build(Config(PROJECT, out, base_url="https://hub.example.org/"))
    sitemap = ET.parse(out / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://hub.example.org/case-studies/timpson/index.html" in locs
    assert all(u.startswith("https://hub.example.org/") for u in locs)
    assert len(locs) == built.pages - 1  # every page but 404.html
    feed = ET.parse(out / "feed.xml").getroot()
    ns = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{ns}entry")
    assert len(entries) == len(built.site.case_studies)
    assert entries[0].find(f"{ns}id").text == "https://hub.example.org/case-studies/timpson/index.html"
    assert "Sitemap: https://hub.example.org/sitemap.xml" in (out / "robots.txt").read_text()
