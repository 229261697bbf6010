"""The content models: one per kind of content, unknown keys rejected.

Each is a frozen record (made by hub/schema.py's `model`) whose annotations say what its
fields hold (hub/schema.py checks raw data against them, every problem with its location);
values that must come from a taxonomy, and references between files, are checked in
`validate` and `link`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal, Union

from .schema import MARKDOWN, Factory, Key, Length, Markdown, Model, Positive, Tagged, Text, model  # noqa: F401

Three = Length(3, 3)
Two = Length(2, 2)
Some = Length(1)


def many():
    """An empty list, as a field's default."""
    return Factory(list)


@model
class Entry(Model):
    """Content that comes from one Markdown file: slug from the file name, body below the front matter."""

    slug: Key
    body: str = ""


# Taxonomies --------------------------------------------------------------


@model
class Opportunity(Model):
    key: Key
    number: Positive
    name: Text
    short: Text
    long: Text


@model
class Enabler(Model):
    key: Key
    name: Text
    aliases: list[Key] = many()  # other spellings in the documents ("Co-creation"), for "did you mean"
    description: Markdown


@model
class BenefitCategory(Model):
    key: Key
    name: Text


@model
class Power(Model):
    key: Key
    name: Text
    description: Markdown


# Case studies ------------------------------------------------------------


@model
class Benefit(Model):
    category: Key
    text: Markdown


@model
class CardEnabler(Model):
    enabler: Key
    text: Markdown


@model
class Card(Model):
    title: Text
    tagline: Markdown
    overview: Markdown
    spotlight: Markdown
    keywords: Annotated[list[Text], Three]
    benefits: Annotated[list[Benefit], Three]
    enablers: Annotated[list[CardEnabler], Three]
    key_learning: Markdown


@model
class CaseStudy(Entry):
    title: Text
    number: Positive | None = None
    type_of_place: list[Text] = many()
    sectors: list[Text] = many()
    location: Text | None = None
    source: Markdown | None = None  # where the words come from, when not the collection or the deck
    summary: Markdown | None = None
    spotlight: Markdown | None = None
    opportunities: dict[Key, Markdown] = Factory(dict)
    cards: list[Card] = many()
    updated: dt.date | None = None
    draft: bool = False

    # The rule, stated identically in docs/content-format.md: a row of the collection
    # (it has a number) has every field of the spreadsheet; any other case study needs
    # a summary or a card, so that its page and its tile have words to show.
    ROW_FIELDS: ClassVar[tuple[str, ...]] = ("type_of_place", "sectors", "location", "summary", "spotlight")

    def problem(self) -> str | None:
        if self.number is not None:
            missing = [f for f in self.ROW_FIELDS if not getattr(self, f)]
            if missing:
                return f"a case study with a collection number needs {', '.join(missing)}"
        elif not self.cards and not self.summary:
            return "a case study without a collection number needs a summary or a card"
        return None

    # What another page shows of a case study (a tile, a pager, a list of links): a page that shows
    # it is rendered again by `serve` only when this changes (tests/test_serve.py checks that the
    # templates read nothing else of it).
    FACE = ("slug", "title", "number", "draft", "type_of_place", "location", "teaser", "cards")

    def face(self) -> tuple:
        return (self.slug, self.title, self.number, self.draft, tuple(self.type_of_place), self.location,
                self.teaser, len(self.cards))  # of its cards, a tile shows how many

    @property
    def teaser(self) -> str:
        """The words a tile shows: the spotlight, else the summary, else the first card's tagline."""
        return self.spotlight or self.summary or self.cards[0].tagline

    @property
    def country(self) -> str | None:
        """The part of the location after the last comma ('Various, UK' -> 'UK')."""
        if not self.location:
            return None
        return self.location.rsplit(",", 1)[-1].strip()

    @property
    def place(self) -> str | None:
        if not self.location or "," not in self.location:
            return None
        return self.location.rsplit(",", 1)[0].strip()


# Guide -------------------------------------------------------------------


@model
class Framework(Model):
    title: Text | None = None  # only when the source prints one
    intro: Markdown | None = None


@model
class Matrix(Framework):
    kind: Literal["matrix"]
    x_axis: Annotated[list[Text], Two]
    y_axis: Annotated[list[Text], Two]
    cells: Annotated[list[Annotated[list[Text], Two]], Two] | None = None  # a row per y label, a cell per x label


@model
class Circles(Framework):
    kind: Literal["circles"]
    circles: Annotated[list[Text], Some]
    types_title: Text
    types: Annotated[list[Text], Some]


@model
class Pair(Model):
    weak: Text
    strong: Text


@model
class Characteristics(Framework):
    kind: Literal["characteristics"]
    columns: Annotated[list[Text], Two] | None = None  # the heads of the weak and the strong column
    pairs: Annotated[list[Pair], Some]


@model
class Barrier(Model):
    name: Text
    text: Text


@model
class Barriers(Framework):
    kind: Literal["barriers"]
    barriers: Annotated[list[Barrier], Some]


@model
class Enablers(Framework):
    kind: Literal["enablers"]
    enablers: Annotated[list[Key], Some]


@model
class GuideStep(Entry):
    step: Positive
    title: Text
    question: Text
    lead: Markdown
    framework: Annotated[Union[Matrix, Circles, Characteristics, Barriers, Enablers], Tagged("kind")]


# London report -----------------------------------------------------------


@model
class ThemeHeadings(Model):
    """The report's own heading over each section of a theme."""

    why: Text
    what_we_mean: Text
    barriers: Text
    enabling: Text


@model
class Theme(Entry):
    title: Text
    order: Positive
    heading: Text
    headings: ThemeHeadings | None = None
    why_note: Markdown | None = None  # our own words about the "why" heading, shown as a note from the hub
    why: Markdown
    what_we_mean: Markdown
    barriers: Markdown
    enabling: Markdown


@model
class Example(Model):
    title: Text
    text: Markdown


@model
class Action(Model):
    power: Key
    text: Markdown


@model
class Idea(Entry):
    title: Text
    strapline: Text
    theme: Key
    order: Positive
    lead: Markdown | None = None
    enablers: list[Key] = many()
    case_studies: list[Key] = many()
    examples: list[Example] = many()
    actions: Annotated[list[Action], Some]

    FACE = ("slug", "title", "strapline")  # what another page shows of an idea (see CaseStudy.FACE)

    def face(self) -> tuple:
        return (self.slug, self.title, self.strapline)


@model
class Need(Model):
    title: Text
    text: Markdown


@model
class Commission(Model):
    intro: Markdown
    needs: list[Need] = many()


@model
class Part(Model):
    """A titled part of the report, in its own words."""

    title: Text
    text: Markdown | None = None


@model
class ReportHeadings(Model):
    """The report's headings over the parts the templates lay out from structured fields."""

    commission: Text
    calls_to_action: Text
    reflections: Text
    moving_forwards: Text
    mayor_could: Text  # over each idea's actions
    references: Text  # the bibliography
    appendices: Text


@model
class CallToAction(Model):
    audience: Text
    actions: Annotated[list[Markdown], Some]


@model
class Report(Entry):
    title: Text
    published: Text
    authors: list[Text]
    commission: Commission
    calls_intro: Markdown
    calls_to_action: Annotated[list[CallToAction], Some]
    reflections: Markdown
    moving_forwards: Markdown
    # The rest of the report, each part in its reading order (see docs/content-format.md).
    subtitle: Text | None = None
    headings: ReportHeadings | None = None
    acknowledgments: Part | None = None
    navigating: Part | None = None
    opportunities: Part | None = None
    paving_the_way: Part | None = None
    five_steps: Part | None = None
    directions: Part | None = None
    ideas_intro: Part | None = None
    road_ahead: Part | None = None
    get_involved: Part | None = None
    say_hello: Part | None = None
    appendix: Part | None = None


@model
class Reference(Model):
    number: Positive
    text: Text


# Pages and the site ------------------------------------------------------


@model
class PageSection(Model):
    """A part of a page: with a title (and a key for its anchor) it is listed under "On this page"."""

    key: Key | None = None
    title: Text | None = None
    text: Markdown


@model
class Page(Entry):
    title: Text
    description: Text
    lead: Text | None = None
    sections: list[PageSection] = many()


@model
class SiteInfo(Model):
    title: Text
    description: Text
    updated: dt.date  # when the content was last revised: the feed's date, never the clock


def remembered(store: dict, key: tuple, objects: tuple, make):
    """`make()`, kept in `store` under `key`, which must hold the id of each of `objects`: models are
    immutable, so what is made from the very same objects is the same. The entry keeps the objects
    themselves, so while it is in the store no other object can have their ids: a key found is
    always those objects (no check needed, and ten thousand lookups an edit stay cheap)."""
    found = store.get(key)
    if found is not None:
        return found[1]
    value = make()
    store[key] = (objects, value)
    return value
