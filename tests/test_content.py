"""The content against the source documents: counts, structure and words.

Where a fact can be read from the seeds (../shared/seeds), the test reads it there
rather than trusting a number copied from the output.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from conftest import PROJECT, ROOT

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
    return build.check(Config(PROJECT, PROJECT / "site")).site


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


# The whole of the sources, in reading order, and nothing they do not say -------------
#
# Content is compared block by block (paragraph, list item, heading, table row) with the
# seed it comes from, in both directions: every block of ours is in the seed, in the seed's
# order; every paragraph of the seed's sections is in ours. Case is ignored (the documents
# print headings and boxes in capitals) and so are straight double quotes and "…" (the
# prospectus lost its opening quotation marks); our own words, the notes from the hub, are
# left out of the comparison and must say so.

import html as html_lib  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

from hub.markdown import render_markdown  # noqa: E402

HUB_NOTE = "Note from the hub:"


def flat(text: str) -> str:
    """Words for comparison: norm(), lower case, no straight double quotes, no ellipsis character."""
    return re.sub(r"\s+", " ", norm(text).lower().replace('"', "").replace("…", "")).strip()


def seed_text(name: str) -> str:
    """A seed as plain words: links reduced to their text, footnote markers, escapes and markup dropped."""
    text = (SEEDS / name).read_text(encoding="utf-8")
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<sup>\d+</sup>|</?u>|</?b>|^#+ |■ ", "", text, flags=re.M)
    return re.sub(r"\\+_", "_", text)


# The prospectus's extraction damage, repaired (docs/content-format.md, "Notes on the content").
PROSPECTUS_REPAIRS = [
    (r"^ow are we", "How are we"), (r"^magine a place", "Imagine a place"), (r"^n the early stages", "In the early stages"),
    (r"^e can do worthwhile", "We can do worthwhile"), (r"^ew activities", "New activities"),
    (r"^ur research, undertaken", "Our research, undertaken"), (r"^ivisions have", "Divisions have"),
    (r"^e were suggesting", "We were suggesting"), (r"^\(6 ", ""), ("QRships_Project", "@Rships_Project"),
    (r"\tТО$", "\tTo"), (r"^COMMUNIT$", "COMMUNITY"),
]


def prospectus() -> str:
    text = seed_text("004_379b666685c60b57.txt")
    for pattern, repl in PROSPECTUS_REPAIRS:
        text = re.sub(pattern, repl, text, flags=re.M)
    return text


class Blocks(HTMLParser):
    """The text of each block of rendered Markdown: p, li, h1-h6, and table rows (data cells joined by ' > ')."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self.stack: list[list[str]] = []
        self.row: list[tuple[str, list[str]]] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.stack.append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.row.append((tag, []))

    def handle_endtag(self, tag):
        if tag in self.BLOCKS and self.stack:
            text = " ".join("".join(self.stack.pop()).split())
            if text:
                self.blocks.append(text)
        elif tag == "tr" and self.row:
            joiner = " > " if self.row[0][0] == "td" else " "
            self.blocks.append(joiner.join(" ".join("".join(words).split()) for _, words in self.row))
            self.row = None

    def handle_data(self, data):
        if self.stack:
            self.stack[-1].append(data)
        elif self.row:
            self.row[-1][1].append(data)


def blocks(markdown: str | None) -> list[str]:
    """Our blocks of a Markdown field, notes from the hub left out (a list's paragraphs count once)."""
    parser = Blocks()
    parser.feed(str(render_markdown(markdown or "")))
    out = []
    for b in parser.blocks:
        if b.startswith(HUB_NOTE) or any(b != o and b in o for o in parser.blocks):
            continue  # a note; or a paragraph inside a list item already counted
        out.append(b)
    return out


def assert_in_seed_in_order(ours: list[str], seed: str, moved: tuple[str, ...] = ()) -> None:
    """Every block is in the seed, each after the one before it (`moved`: blocks placed elsewhere on purpose)."""
    words = flat(seed)
    at = 0
    for block in ours:
        b = flat(block)
        assert b in words, f"not in the seed: {block[:90]!r}"
        if any(b.startswith(flat(m)) for m in moved):
            continue
        found = words.find(b, at)
        assert found >= 0, f"out of the seed's order: {block[:90]!r}"
        at = found + len(b)


def seed_paragraphs(seed: str, start: str, end: str) -> list[str]:
    """The seed's paragraphs between a line starting with `start` and the next starting with `end`."""
    lines = seed.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i, line in enumerate(lines) if i > first and line.startswith(end))
    text = "\n".join(lines[first:last])
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def report_parts(report) -> list:
    return [report.acknowledgments, report.navigating, report.opportunities, report.paving_the_way,
            report.five_steps, report.directions, report.ideas_intro, report.road_ahead,
            report.get_involved, report.say_hello, report.appendix]


@needs_seeds
def test_the_reports_parts_are_the_reports_words_in_its_order(site):
    seed = seed_text("002_fec83bcc4cf7ff02.txt")
    report = site.report
    assert all(report_parts(report)), "every part of the report is in content/london/report.md"
    ours = blocks(report.body)  # Welcome to the Report
    ours += [report.navigating.title] + blocks(report.navigating.text)
    ours += [report.opportunities.title] + blocks(report.opportunities.text)
    for part in (report.paving_the_way, report.five_steps, report.directions, report.ideas_intro):
        ours += [part.title] + blocks(part.text)
    assert_in_seed_in_order(ours, seed[seed.index("Welcome to the Report"):])
    for part in (report.acknowledgments, report.get_involved, report.say_hello, report.appendix):
        assert_in_seed_in_order([part.title] + blocks(part.text), seed)
    headings = report.headings
    assert_in_seed_in_order([headings.calls_to_action, headings.reflections, headings.moving_forwards,
                             report.get_involved.title, report.say_hello.title, headings.appendices,
                             report.appendix.title, headings.references], seed[seed.index("a. Calls to action"):])
    for text in (headings.commission, headings.mayor_could):
        assert flat(text) in flat(seed), text


@needs_seeds
def test_every_paragraph_of_the_reports_front_matter_ideas_introduction_contact_and_appendix_is_there(site):
    raw = (SEEDS / "002_fec83bcc4cf7ff02.txt").read_text(encoding="utf-8")
    report = site.report
    ours = flat(" ".join(b for part in report_parts(report) if part
                         for b in [part.title, *blocks(part.text)]) + " " + " ".join(blocks(report.body)))
    sections = [("# Acknowledgments", "# Contents"), ("### NAVIGATING THE REPORT", "## 1. OPPORTUNITIES"),
                ("# Ideas for a relationship-centred city", "## 3. DIRECTION OF TRAVEL"),
                ("### GET INVOLVED", "# APPENDICES"), ("# Appendix 1", "## APPENDIX")]
    for start, end in sections:
        for paragraph in seed_paragraphs(raw, start, end):
            for line in paragraph.split("\n"):  # a list is one paragraph: each item on its own
                words = flat(re.sub(r"^(#+ |- )", "", seed_text_of(line)))
                assert words in ours, (start, line[:80])
    paving = raw[raw.index("## 2. PAVING THE WAY\n\nThis report"):]
    five = raw[raw.index("# 5 steps to becoming a Relationship Maker"):]
    for paragraph in (paving.split("\n\n")[1], *five.split("\n\n")[1:4]):
        assert flat(seed_text_of(paragraph)) in ours, paragraph[:80]


def seed_text_of(line: str) -> str:
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
    return re.sub(r"\\+_", "_", re.sub(r"<sup>\d+</sup>", "", line))


@needs_seeds
def test_every_theme_heading_is_the_reports_own(site):
    seed = seed_text("002_fec83bcc4cf7ff02.txt")
    printed = {flat(line) for line in seed.split("\n") if line.isupper() or line.startswith("WHY")}
    work, services = site.theme["work"], site.theme["services"]
    for theme in site.themes:
        h = theme.headings
        assert h is not None, theme.slug
        for heading in (h.why, h.what_we_mean, h.barriers, h.enabling):
            assert flat(heading) in printed, (theme.slug, heading)
        assert flat(theme.title) in flat(seed)
    # The report's slip: the services section repeats the work section's heading, kept as
    # printed and said to be so in a note from the hub.
    assert services.headings.why == work.headings.why
    assert (services.why_note or "").startswith(f"**{HUB_NOTE}**")


@needs_seeds
def test_the_report_prints_every_bold_paragraph_we_show(site):
    """Its leads and pull quotes: each is in the content, the mentoring idea's too."""
    seed = (SEEDS / "002_fec83bcc4cf7ff02.txt").read_text(encoding="utf-8")
    ours = flat(" ".join(" ".join(blocks(t)) for item in [*site.guide, *site.themes, *site.ideas, site.report]
                         for t in [*all_strings(item.model_dump(exclude={"body"})), item.body]))
    missing = []
    for bold in re.findall(r"^\*\*([^*\n]+)\*\*$", seed, re.M):
        if bold == "THANKS" or bold.startswith("Ask the question:"):
            continue  # a label over the acknowledgments; a step's question and lead (compared below)
        if flat(seed_text_of(bold)) not in ours:
            missing.append(bold)
    assert missing == []
    for step in site.guide:
        assert flat(f"Ask the question: {step.question}") in flat(seed)


@needs_seeds
def test_radical_trust_reads_in_the_reports_order(site, built):
    seed = seed_text("002_fec83bcc4cf7ff02.txt")
    idea = next(i for i in site.ideas if i.slug == "radical-trust")
    too_often = next(p for p in seed.split("\n\n") if p.startswith("Too often") and "pioneers" in p)
    many = next(p for p in seed.split("\n\n") if p.startswith("Many at first regarded"))
    assert seed.index(many) < seed.index(too_often), "in the report the pioneers follow Timpson's results"
    page = (built.out_dir / "london" / "ideas" / "radical-trust" / "index.html").read_text()
    text = flat(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))
    order = [text.index(flat(s)) for s in (idea.body.split(".")[0], "Timpson is a well-known", many[:60], too_often[:60],
                                           site.report.headings.mayor_could)]
    assert order == sorted(order)


@needs_seeds
def test_the_prospectus_is_on_the_about_page_word_for_word_in_its_order(site):
    about = site.page["about"]
    seed = prospectus()
    ours = [about.title, about.lead, *blocks(about.body)]
    for section in about.sections:
        ours += ([section.title] if section.title else []) + blocks(section.text)
    # Moved on purpose (docs/content-format.md): the heading of the nine intentions, printed once after them,
    # and the Through Thick and Thin contributor's quotation, printed beside the text.
    assert_in_seed_in_order(ours, seed, moved=("Over the next two years we intend", "We need to reimagine infrastructure",
                                                "- Contributor to Through Thick and Thin"))


# The prospectus's paragraphs that are not on the About page, and why.
PROSPECTUS_LEFT_OUT = {
    "2021": "the cover's date", "$@R_shipsProject$": "the cover's handle", "Cand Robussa": "a signature read as text",
    "06": "a page number", "the infrastructure that's needed to make the most powerful and transformative ideas stick.":
    "a fragment whose beginning the extraction lost",
}
MATRIX_LABELS = ("ACUTE LONELINESS AND SOCIAL ISOLATION", "COMMUNITY", "WELLBEING",
                 "OTHER SOCIAL BENEFITS EG. HEALTH, EDUCATION", "TACKLING DEFICITS", "GENERATING ASSETS")


@needs_seeds
def test_every_paragraph_of_the_prospectus_is_on_the_about_page(site):
    about = site.page["about"]
    ours = flat(" ".join([about.title, about.lead or "", *blocks(about.body)]
                         + [" ".join(([s.title] if s.title else []) + blocks(s.text)) for s in about.sections]))
    seed = prospectus()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", seed) if p.strip()]
    matrix = site.guide[0].framework
    drawn = {flat(w) for w in [*matrix.x_axis, *(c for row in matrix.cells for c in row)]}
    missing = []
    for paragraph in paragraphs:
        if paragraph in PROSPECTUS_LEFT_OUT:
            continue
        if paragraph in MATRIX_LABELS:  # the matrix's labels are drawn in step 1 of the guide
            assert flat(paragraph) in drawn, paragraph
            continue
        if paragraph.startswith("A world of good relationships A report"):
            paragraph = paragraph.replace("relationships A report", "relationships. A report")
            assert flat(about.title) in flat(paragraph) and flat(about.lead) in flat(paragraph)
            continue
        for line in paragraph.split("\n") if "\t" in paragraph or paragraph.startswith("- ") else [paragraph]:
            words = flat(re.sub(r"^- ", "", line).replace("\t>\t", " > ").replace("\t\t", " "))
            if words not in ours:
                missing.append(line[:80])
    assert missing == []


def test_no_doubled_full_stop_in_what_a_reader_reads(site):
    """Extraction damage such as Grow Cardiff's 'socialise..' (an ellipsis of three is the source's)."""
    items = [*site.case_studies, *site.guide, *site.themes, *site.ideas, *site.pages, site.report]
    for item in items:
        for text in [*all_strings(item.model_dump(exclude={"body"})), item.body]:
            for block in blocks(text):
                assert not re.search(r"(?<!\.)\.\.(?!\.)", block), (getattr(item, "slug", item), block[:80])


def test_notes_from_the_hub_are_labelled_and_only_ours(site):
    """Our own words are a paragraph beginning 'Note from the hub:' and never appear in a seed."""
    items = [*site.guide, *site.themes, *site.pages, site.report]
    notes = []
    for item in items:
        for text in [*all_strings(item.model_dump(exclude={"body"})), item.body]:
            parser = Blocks()
            parser.feed(str(render_markdown(text)))
            notes += [b for b in parser.blocks if "from the hub" in b.lower()]
    assert notes and all(n.startswith(HUB_NOTE) for n in notes)
    if SEEDS.is_dir():
        seeds = " ".join(flat(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt"))
        assert all(flat(n) not in seeds for n in notes)


# Headings and pointers in the built site ------------------------------------------------

# Headings that templates write in their own words: interface labels we wrote on purpose, and
# the collection's and the cards' fixed labels. Everything else a heading says comes from content.
INTERFACE_HEADINGS = {
    # case study pages and the database
    "Summary", "Relationships spotlight", "Opportunities for nurturing the conditions for good relationships",
    "Case study card", "More like this", "Case studies", "Filter case studies", "Results",
    # the cards
    "Overview", "Relationship spotlight", "Keywords", "Top 3 benefits", "Top 3 enablers", "Key learning",
    "Case study cards", "The deck", "Filter the cards",
    # London: the finder, and the hub's own lists under each idea and theme
    "Filter the ideas", "Enablers", "Case studies in the bank", "Ideas",
    # the Heatmap
    "Relationships Heatmap", "How to use it", "Rate your place", "Your heatmap", "Cool spots",
    "Share, print or forget", "Share, print or clear", "Reading list", "Heatmap for a group", "People in the group",
    "The group's heatmap",
    # site-wide search
    "Search",
    # home and 404
    "Newest case studies", "Page not found",
    # the shortlist
    "Shortlist",
}
# Headings a template composes from a fixed phrase and a content field (the field is checked too).
INTERFACE_PATTERNS = [re.compile(r"London ideas that cite (?P<content>.+)")]


class Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.current = []

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self.current is not None:
            self.found.append(" ".join("".join(self.current).split()))
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data)


def content_headings(site) -> set[str]:
    """Every string of the content, and every Markdown heading inside one, as a reader sees it."""
    items = [*site.case_studies, *site.guide, *site.themes, *site.ideas, *site.pages, site.report, site.info,
             *site.opportunities, *site.enablers, *site.powers, *site.benefits]
    found = {f"{step.step} {step.title}" for step in site.guide}  # a step's number and title
    for item in items:
        strings = list(all_strings(item.model_dump()))
        for text in strings:
            found.add(" ".join(text.split()))
            for line in re.findall(r"^#{1,6}\s+(.+)$", text, re.M):
                found.add(" ".join(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line).split()))
    return found


def test_every_heading_comes_from_content_or_is_an_interface_label(built):
    from_content = content_headings(built.site)
    strays = {}
    for path in sorted(built.out_dir.rglob("*.html")):
        parser = Headings()
        parser.feed(path.read_text(encoding="utf-8"))
        for heading in parser.found:
            heading = html_lib.unescape(heading)
            composed = [m for p in INTERFACE_PATTERNS if (m := p.fullmatch(heading))]
            if composed and composed[0]["content"] in from_content:
                continue
            if heading not in from_content and heading not in INTERFACE_HEADINGS:
                strays.setdefault(heading, str(path.relative_to(built.out_dir)))
    assert strays == {}


def test_london_headings_are_all_from_content(built):
    """On the report's pages only the hub's own lists under an idea or theme, and the finder, speak for the hub."""
    from_content = content_headings(built.site)
    ours = {"Enablers", "Case studies in the bank", "Ideas", "Filter the ideas"}
    for path in sorted((built.out_dir / "london").rglob("*.html")):
        parser = Headings()
        parser.feed(path.read_text(encoding="utf-8"))
        assert [h for h in parser.found if h not in from_content and h not in ours] == [], path


def page_ids(path) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))


def links_named(html: str, pattern: str) -> list[tuple[str, str]]:
    """(href, text) of every link whose text matches `pattern`."""
    out = []
    for href, inner in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', html, re.S):
        text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", inner)).split())
        if re.fullmatch(pattern, text):
            out.append((href, text))
    return out


def target(built, page, href):
    """The file and fragment a relative link from `page` leads to (the file must exist)."""
    import posixpath
    path, _, fragment = href.partition("#")
    here = page.relative_to(built.out_dir).parent.as_posix()
    resolved = built.out_dir / posixpath.normpath(posixpath.join(here, path)) if path else page
    assert resolved.is_file(), href
    return resolved, fragment


def heading_of_html(html: str) -> str:
    """The text of the first heading in `html`."""
    m = re.search(r"<h([1-6])[^>]*>(.*?)</h\1>", html, re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", m.group(2))).split())


def heading_of(path) -> str:
    """A page's h1."""
    text = path.read_text(encoding="utf-8")
    return heading_of_html(text[text.index("<h1"):])


def test_every_see_pointer_leads_to_what_it_names(built):
    """'See Appendix 1', 'section 2b', 'the next section, on services' … each a link to that very thing."""
    site = built.site
    kinds = set()
    for page in sorted(built.out_dir.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
        # Every mention in running text is a link.
        for mention in re.findall(r"[Ss]ee (Appendix \d+)|presented in (section \d[a-z])|(the next section, on \w+)", text):
            name = next(m for m in mention if m)
            assert links_named(html, re.escape(name)), (page, name)
        for href, name in links_named(html, r"Appendix \d+"):
            path, _ = target(built, page, href)
            assert heading_of(path).startswith(name + ":"), (page, href)
            kinds.add("appendix")
        for href, name in links_named(html, r"section \d[a-z]"):
            part, sub = name[-2], name[-1]
            path, fragment = target(built, page, href)
            assert fragment in page_ids(path), href
            # The fragment is the b-th subsection (h3) of the part whose heading (h2) begins "2.".
            doc = path.read_text(encoding="utf-8")
            at = doc.index(f'id="{fragment}"')
            part_at = doc[:at].rfind("<h2")
            assert heading_of_html(doc[part_at:]).startswith(f"{part}. "), name
            assert len(re.findall(r"<h3[\s>]", doc[part_at:at + doc[at:].index("</h3>")])) == ord(sub) - ord("a") + 1, name
            kinds.add("section")
        for href, name in links_named(html, r"the next section, on (\w+)"):
            here = next(t for t in site.themes if f"themes/{t.slug}/" in page.as_posix())
            following = next(t for t in site.themes if t.order == here.order + 1)
            path, _ = target(built, page, href)
            assert heading_of(path) == following.title == name.rsplit(" ", 1)[1].title()
            kinds.add("next section")
    assert kinds == {"appendix", "section", "next section"}  # the report's three kinds of pointer, all found


def test_the_guides_below_points_at_the_framework(built):
    """'The matrix below', 'the model below', 'benefits … below': each sentence comes before its framework."""
    for step in built.site.guide:
        html = (built.out_dir / "guide" / step.slug / "index.html").read_text(encoding="utf-8")
        figure = html.index("</figcaption>") if "</figcaption>" in html else html.index("<figure")
        for m in re.finditer(r"<p>[^<]*\bbelow\b", html):
            assert m.start() < figure, (step.slug, html[m.start():m.start() + 80])
