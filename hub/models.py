"""The content models: one per kind of content, unknown keys rejected.

Shapes and types are checked here (by pydantic); values that must come from a
taxonomy, and references between files, are checked in `link`, in one place.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

class _Markdown:
    """Marks a text field as Markdown: rendered with `| md` or `| inline`, and checked by `validate`."""

    def __repr__(self) -> str:
        return "MARKDOWN"


MARKDOWN = _Markdown()
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Markdown = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), MARKDOWN]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Three = Field(min_length=3, max_length=3)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Entry(Model):
    """Content that comes from one Markdown file: slug from the file name, body below the front matter."""

    slug: Key
    body: str = ""


# Taxonomies --------------------------------------------------------------


class Opportunity(Model):
    key: Key
    number: Annotated[int, Field(ge=1)]
    name: Text
    short: Text
    long: Text


class Enabler(Model):
    key: Key
    name: Text
    aliases: list[Key] = []  # other spellings in the documents ("Co-creation"), for "did you mean"
    description: Markdown


class BenefitCategory(Model):
    key: Key
    name: Text


class Power(Model):
    key: Key
    name: Text
    description: Markdown


# Case studies ------------------------------------------------------------


class Benefit(Model):
    category: Key
    text: Markdown


class CardEnabler(Model):
    enabler: Key
    text: Markdown


class Card(Model):
    title: Text
    tagline: Markdown
    overview: Markdown
    spotlight: Markdown
    keywords: Annotated[list[Text], Three]
    benefits: Annotated[list[Benefit], Three]
    enablers: Annotated[list[CardEnabler], Three]
    key_learning: Markdown


class CaseStudy(Entry):
    title: Text
    number: Annotated[int, Field(ge=1)] | None = None
    type_of_place: list[Text] = []
    sectors: list[Text] = []
    location: Text | None = None
    source: Markdown | None = None  # where the words come from, when not the collection or the deck
    summary: Markdown | None = None
    spotlight: Markdown | None = None
    opportunities: dict[Key, Markdown] = {}
    cards: list[Card] = []
    updated: dt.date | None = None
    draft: bool = False

    # The rule, stated identically in docs/content-format.md: a row of the collection
    # (it has a number) has every field of the spreadsheet; any other case study needs
    # a summary or a card, so that its page and its tile have words to show.
    ROW_FIELDS: ClassVar[tuple[str, ...]] = ("type_of_place", "sectors", "location", "summary", "spotlight")

    @model_validator(mode="after")
    def _row_or_card(self):
        if self.number is not None:
            missing = [f for f in self.ROW_FIELDS if not getattr(self, f)]
            if missing:
                raise ValueError(f"a case study with a collection number needs {', '.join(missing)}")
        elif not self.cards and not self.summary:
            raise ValueError("a case study without a collection number needs a summary or a card")
        return self

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


class Framework(Model):
    title: Text | None = None  # only when the source prints one
    intro: Markdown | None = None


Two = Field(min_length=2, max_length=2)


class Matrix(Framework):
    kind: Literal["matrix"]
    x_axis: Annotated[list[Text], Two]
    y_axis: Annotated[list[Text], Two]
    cells: Annotated[list[Annotated[list[Text], Two]], Two] | None = None  # a row per y label, a cell per x label


class Circles(Framework):
    kind: Literal["circles"]
    circles: Annotated[list[Text], Field(min_length=1)]
    types_title: Text
    types: Annotated[list[Text], Field(min_length=1)]


class Pair(Model):
    weak: Text
    strong: Text


class Characteristics(Framework):
    kind: Literal["characteristics"]
    columns: Annotated[list[Text], Two] | None = None  # the heads of the weak and the strong column
    pairs: Annotated[list[Pair], Field(min_length=1)]


class Barrier(Model):
    name: Text
    text: Text


class Barriers(Framework):
    kind: Literal["barriers"]
    barriers: Annotated[list[Barrier], Field(min_length=1)]


class Enablers(Framework):
    kind: Literal["enablers"]
    enablers: Annotated[list[Key], Field(min_length=1)]


class GuideStep(Entry):
    step: Annotated[int, Field(ge=1)]
    title: Text
    question: Text
    lead: Markdown
    framework: Annotated[Union[Matrix, Circles, Characteristics, Barriers, Enablers], Field(discriminator="kind")]


# London report -----------------------------------------------------------


class ThemeHeadings(Model):
    """The report's own heading over each section of a theme."""

    why: Text
    what_we_mean: Text
    barriers: Text
    enabling: Text


class Theme(Entry):
    title: Text
    order: Annotated[int, Field(ge=1)]
    heading: Text
    headings: ThemeHeadings | None = None
    why_note: Markdown | None = None  # our own words about the "why" heading, shown as a note from the hub
    why: Markdown
    what_we_mean: Markdown
    barriers: Markdown
    enabling: Markdown


class Example(Model):
    title: Text
    text: Markdown


class Action(Model):
    power: Key
    text: Markdown


class Idea(Entry):
    title: Text
    strapline: Text
    theme: Key
    order: Annotated[int, Field(ge=1)]
    lead: Markdown | None = None
    enablers: list[Key] = []
    case_studies: list[Key] = []
    examples: list[Example] = []
    actions: Annotated[list[Action], Field(min_length=1)]


class Need(Model):
    title: Text
    text: Markdown


class Commission(Model):
    intro: Markdown
    needs: list[Need] = []


class Part(Model):
    """A titled part of the report, in its own words."""

    title: Text
    text: Markdown | None = None


class ReportHeadings(Model):
    """The report's headings over the parts the templates lay out from structured fields."""

    commission: Text
    calls_to_action: Text
    reflections: Text
    moving_forwards: Text
    mayor_could: Text  # over each idea's actions
    references: Text  # the bibliography
    appendices: Text


class CallToAction(Model):
    audience: Text
    actions: Annotated[list[Markdown], Field(min_length=1)]


class Report(Entry):
    title: Text
    published: Text
    authors: list[Text]
    commission: Commission
    calls_intro: Markdown
    calls_to_action: Annotated[list[CallToAction], Field(min_length=1)]
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


class Reference(Model):
    number: Annotated[int, Field(ge=1)]
    text: Text


# Pages and the site ------------------------------------------------------


class PageSection(Model):
    """A part of a page: with a title (and a key for its anchor) it is listed under "On this page"."""

    key: Key | None = None
    title: Text | None = None
    text: Markdown


class Page(Entry):
    title: Text
    description: Text
    lead: Text | None = None
    sections: list[PageSection] = []


class SiteInfo(Model):
    title: Text
    description: Text
    updated: dt.date  # when the content was last revised: the feed's date, never the clock
