"""The content against the source documents: counts, structure and words.

Where a fact can be read from the seeds (../shared/seeds), the test reads it there
rather than trusting a number copied from the output.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from conftest import ROOT

import build
from hub.config import Config
from hub.link import strings as all_strings

SEEDS = ROOT.parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")

# How many case studies have a note under each opportunity. Counted by hand, row by
# row, placing each note by what it says (the spreadsheet's columns are misaligned);
# the total is checked against the number of note cells in the spreadsheet below.
NOTES_PER_OPPORTUNITY = {
    "planning": 12,
    "training": 26,
    "rules-and-accountabilities": 22,
    "incentives": 16,
    "honesty-and-openness": 12,
    "impact-measurement": 13,
    "storytelling": 17,
    "activities": 22,
    "physical-space": 21,
    "digital-technology": 6,
}

# Rows whose notes were not where the tab put them, with where they belong: a sample
# read against the spreadsheet, each decided by what the note says.
PLACED_BY_MEANING = {
    ("community-shop", "activities"): "Activities are key to Community Shop relationships",
    ("community-shop", "physical-space"): "reimagines the supermarket space",
    ("leeds-anchor-network", "impact-measurement"): "A detailed internal evaluation",
    ("ao", "rules-and-accountabilities"): "were instructed to 'treat the customer",
    ("grow-cardiff", "activities"): "Gardening as a social activity",
    ("grow-cardiff", "physical-space"): "The community-garden setting",
    ("scottish-mens-sheds-association", "impact-measurement"): "Commissioning independent research",
    ("scottish-mens-sheds-association", "physical-space"): "Men's Sheds are literally physical gathering places",
    ("buffer", "digital-technology"): "Digital technology, and the thoughtful use",
    ("enrol-yourself", "digital-technology"): "A designated digital community steward",
    ("patagonia", "storytelling"): "Patagonia uses its platform to produce and sponsor a range of stories",
}


@pytest.fixture(scope="module")
def site():
    return build.check(Config(ROOT, ROOT / "site")).site


def norm(text: str) -> str:
    """Compare words, not extraction accidents: whitespace, quotes, a space before punctuation."""
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"\*\*|<sup>\d+</sup>", "", text)
    text = re.sub(r"\s+", " ", text)
    return re.sub(r" ([.,;:!?)])", r"\1", text).strip()


def spreadsheet_rows() -> dict[int, dict]:
    """The collection's rows: name, fields, and every non-empty note cell (incl. continuation lines)."""
    rows: dict[int, dict] = {}
    current = None
    for line in (SEEDS / "000_86091f307c52920e.txt").read_text(encoding="utf-8").split("\n"):
        m = re.match(r"^(\d+)\t", line)
        if m:
            cells = line.split("\t")
            current = rows[int(m.group(1))] = {
                "name": cells[1], "type": cells[2], "sectors": cells[3], "location": cells[4],
                "summary": cells[5], "spotlight": cells[6], "notes": [c for c in cells[7:] if c.strip()]}
        elif current and "\t" in line and "Planning [1]" not in line and "Relationships spotlight" not in line \
                and "Opportunities for nurturing" not in line:
            current["notes"] += [c for c in line.split("\t") if c.strip()]
    return rows


# Counts and structure -------------------------------------------------------------

# The collection's own facts, read from the seeds where they can be: never the content's
# totals, which grow with every contribution.
COLLECTION_NUMBERS = range(1, 47)  # the spreadsheet's numbered rows (checked against the seed below)


def collection_rows(site):
    """The case studies that are rows of the collection (a contribution with a new number is not)."""
    return [cs for cs in site.case_studies if cs.number in COLLECTION_NUMBERS]


@needs_seeds
def test_the_collection_numbers_are_the_spreadsheets_rows():
    assert sorted(spreadsheet_rows()) == list(COLLECTION_NUMBERS)


def test_every_row_of_the_collection_is_a_case_study_once(site):
    numbers = [cs.number for cs in site.case_studies if cs.number is not None]
    assert len(numbers) == len(set(numbers))
    assert sorted(cs.number for cs in collection_rows(site)) == list(COLLECTION_NUMBERS)
    cancer = site.case_study["cancer-research"]  # the card with no row in the spreadsheet
    assert cancer.number is None and len(cancer.cards) == 1


def test_every_card_has_three_keywords_benefits_and_enablers(site):
    for cs, card in site.cards:
        assert len(card.keywords) == len(card.benefits) == len(card.enablers) == 3, card.title
    buffer = site.case_study["buffer"]
    assert [c.title for c in buffer.cards] == ["Buffer (1/2)", "Buffer (2/2)"]
    assert site.case_study["timpson"].cards[0].title == "Timpson"


@needs_seeds
def test_card_titles_match_the_later_deck(site):
    deck = (SEEDS / "003_a6157b431f65bce8.txt").read_text(encoding="utf-8")
    headings = re.findall(r"^([A-Z][A-Z'’& ()/0-9]+)\n\n[A-Z][^\n]+\n\nOverview:", deck, re.M)
    titles = {norm(card.title).upper().replace("&", "&") for _, card in site.cards}
    for heading in headings:
        assert norm(heading) in titles, heading
    assert len(headings) >= 18  # three cards lost their heading in the extraction (WEvolution, GoodGym, COOK)


@needs_seeds
def test_benefit_categories_match_the_labels_in_the_deck(site):
    deck = (SEEDS / "003_a6157b431f65bce8.txt").read_text(encoding="utf-8")
    labels = Counter(re.findall(r"^(PERFORMANCE|SKILLS|WELLBEING|BELONGING|ECONOMIC|HEALTH|BEHAVIOUR|RESILIENCE)$", deck, re.M))
    ours = Counter(b.category.upper() for _, card in deck_cards(site) for b in card.benefits)
    assert ours == labels


def deck_cards(site):
    """The cards of deck 003: those of the collection's rows, and Cancer Research's."""
    return [(cs, card) for cs, card in site.cards if cs.number in COLLECTION_NUMBERS or cs.slug == "cancer-research"]


def test_notes_per_opportunity(site):
    counts = Counter(k for cs in collection_rows(site) for k in cs.opportunities)
    assert dict(counts) == NOTES_PER_OPPORTUNITY


@needs_seeds
def test_every_note_cell_of_the_spreadsheet_is_placed_once(site):
    rows = spreadsheet_rows()
    assert sum(len(r["notes"]) for r in rows.values()) == sum(NOTES_PER_OPPORTUNITY.values())
    by_number = {cs.number: cs for cs in site.case_studies if cs.number}
    for number, row in rows.items():
        cs = by_number[number]
        ours = sorted(norm(n) for n in cs.opportunities.values())
        theirs = sorted(norm(n) for n in row["notes"])
        assert ours == theirs, cs.slug


def test_notes_placed_by_meaning(site):
    for (slug, key), words in PLACED_BY_MEANING.items():
        assert words in site.case_study[slug].opportunities.get(key, ""), (slug, key)


@needs_seeds
def test_each_row_has_the_spreadsheet_words(site):
    for number, row in spreadsheet_rows().items():
        cs = next(c for c in site.case_studies if c.number == number)
        assert cs.title == row["name"]
        assert ", ".join(cs.type_of_place) == row["type"]
        assert ", ".join(cs.sectors) == row["sectors"].replace("Refugee,", "Refugees,").replace("Refugee", "Refugees").replace("Refugeess", "Refugees")
        assert cs.location == row["location"]
        assert norm(cs.summary) == norm(row["summary"]).replace("envision s", "envisions"), cs.slug
        assert norm(cs.spotlight) == norm(row["spotlight"]), cs.slug


def test_guide_themes_and_ideas(site):
    assert [(s.step, s.title) for s in site.guide] == [
        (1, "Agree the destination"), (2, "Know where to start"), (3, "Identify priorities"),
        (4, "Spot the breakers"), (5, "Find the makers")]
    assert [s.framework.kind for s in site.guide] == ["matrix", "circles", "characteristics", "barriers", "enablers"]
    assert len(site.guide[3].framework.barriers) == 6
    assert len(site.guide[2].framework.pairs) == 5
    assert site.guide[4].framework.enablers == [e.key for e in site.enablers]
    assert [t.slug for t in site.themes] == ["community", "democracy", "work", "services", "disadvantage"]
    report_ideas = ["co-housing", "neighbourly-activities", "bumping-places", "participatory-budgeting",
                    "participatory-democratic-forums", "cooperative-companies", "relationship-centred-workplace-cultures",
                    "collaborative-services", "collective-services", "connective-services", "radical-trust",
                    "mutual-support", "mentoring"]  # the report's ideas (PRODUCT.md's list)
    assert set(report_ideas) <= {i.slug for i in site.ideas}
    for idea in site.ideas:
        assert idea.actions, idea.slug
        for slug in idea.case_studies:
            assert slug in site.case_study, (idea.slug, slug)
    assert len(site.powers) == 6 and len(site.opportunities) == 10 and len(site.enablers) == 9 and len(site.benefits) == 8


def test_ideas_link_the_case_studies_the_report_discusses(site):
    cited = {slug for idea in site.ideas for slug in idea.case_studies}
    for slug in ("timpson", "buurtzorg", "ao", "frome-model-of-enhanced-primary-care", "scottish-violence-reduction-unit",
                 "scottish-mens-sheds-association", "wevolution", "the-big-lunch-and-the-great-get-together", "john-lewis",
                 "platform-cooperativism", "schwartz-rounds", "grandmentors", "big-picture-learning", "groundswell"):
        assert slug in cited, slug


def test_opportunity_definitions_avoid_the_footnote_8_trap(site):
    activities = site.opportunity["activities"]
    physical = site.opportunity["physical-space"]
    assert "bring people together" in activities.long
    assert "Designing environments" not in activities.long
    assert physical.long.startswith("Use the built environment")


PLACEHOLDERS = re.compile(r"\]\(#\)|<sup>|TODO|TBC|lorem ipsum|xxx|areater|iustifies|\benvision s\b|\s[.,;:](?:\s|$)", re.I)


def test_no_empty_field_and_no_placeholder_text(site):
    items = [*site.case_studies, *site.guide, *site.themes, *site.ideas, *site.pages, site.report,
             *site.references, *site.opportunities, *site.enablers, *site.powers]
    for item in items:
        for text in all_strings(item.model_dump(exclude={"body"})):
            assert text.strip(), item
            assert not PLACEHOLDERS.search(text), (getattr(item, "slug", item), text[:80])
        body = getattr(item, "body", "")
        assert not PLACEHOLDERS.search(body or ""), getattr(item, "slug", item)


@needs_seeds
def test_every_card_line_is_in_the_later_deck_word_for_word(site):
    deck = norm((SEEDS / "003_a6157b431f65bce8.txt").read_text(encoding="utf-8").replace("*with*", "with"))
    deck_flat = re.sub(r"\s+", " ", deck)
    missing = []
    for cs, card in deck_cards(site):
        lines = [card.tagline, card.spotlight, card.key_learning, ", ".join(card.keywords)]
        lines += [b.text for b in card.benefits] + [e.text for e in card.enablers]
        lines += [p for p in card.overview.split("\n\n")]
        for line in lines:
            words = norm(re.sub(r"^\d+\. ", "", line)).replace("*with*", "with")
            if words not in deck_flat:
                missing.append((card.title, words[:70]))
    # The one repair beyond spacing: deck 003 prints "members-most" where deck 001 has "membersmost";
    # both lost the apostrophe of "members' most" (Scottish Men's Sheds key learning).
    assert missing == [("Scottish Men's Sheds Association", "A desire to learn skills - members' most popular joining motivation - ")]
