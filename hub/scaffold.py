"""`python build.py new "Name"`: a new case study from the template, as a draft."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

TEMPLATE = '''---
# A new case study. Every field is shown; delete the comments as you fill it in.
# Preview it as you write: bin/build serve. Check it: bin/build check (or: hub serve, hub check).
# docs/content-format.md explains every field; CONTRIBUTING.md walks a whole contribution.
# In Markdown, link a page of the hub by its content file: [Timpson](timpson.md).
title: {title}
# number: 47                    # only for a row of the Case Study Collection (its number there)
type_of_place: [Charity]        # names from content/taxonomies/types-of-place.yaml
sectors: [Community]            # names from content/taxonomies/sectors.yaml (add one there if none fits)
location: Various, UK           # as written; the part after the last comma is the country
                                # (countries are listed in content/taxonomies/countries.yaml)
# Where these words come from (a document and its page or section); shown on the page.
source: >-
  The document and the page or section these words come from.
# Needed (Markdown): what the organisation does, for whom, and what difference it makes.
summary: >-
  What the organisation does, for whom, and what difference it makes.
# Optional without a number (Markdown): the relationship at its heart, in one sentence.
spotlight: >-
  "An empowering, trusting relationship between ... improves ...".
opportunities:                  # a note for each opportunity that applies; delete the others
  planning: >-                  # a strategy for improving relationships
    How it plans for relationships.
  training: >-                  # skills to build and maintain strong relationships
    How it equips people.
  # rules-and-accountabilities: holding each other to account for good relational practice
  # incentives: celebrating those who lead the way
  # honesty-and-openness: a welcoming culture of transparency and generosity
  # impact-measurement: measuring what works and acting on it
  # storytelling: new, positive narratives about good relationships
  # activities: activities and events that bring people together
  # physical-space: environments that encourage interaction
  # digital-technology: digital tools that connect rather than atomise
cards: []                       # zero or more printable cards; to add one, replace [] with:
#  - title: {title}
#    tagline: One line under the name.
#    overview: |-
#      A paragraph or two.
#    spotlight: The relationship spotlight.
#    keywords: [First, second, third]          # exactly three
#    benefits:                                 # exactly three
#      - category: wellbeing                   # performance, skills, wellbeing, belonging,
#        text: What improved, with a figure.   #   economic, health, behaviour or resilience
#      - category: skills
#        text: ...
#      - category: belonging
#        text: ...
#    enablers:                                 # exactly three, most important first
#      - enabler: activities                   # activities, narratives, co-design, norms, space,
#        text: how it enables relationships.   #   training, measurement, incentives, regulations
#      - enabler: space
#        text: ...
#      - enabler: co-design
#        text: ...
#    key_learning: The one lesson others can take from it.
draft: true                     # delete this line when it is ready to publish
---
Optional longer text in Markdown: the story, quotes, what others can learn.
'''


def slugify(name: str) -> str:
    """'Scottish Men's Sheds' -> 'scottish-mens-sheds'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"['’]", "", ascii_name.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")


def new_case_study(folder: Path, name: str) -> Path:
    """Write folder/<slug>.md; refuses to overwrite an existing file."""
    name = " ".join(name.split())
    slug = slugify(name)
    if not slug:
        raise ValueError(f"cannot make a file name from {name!r}: use letters or digits")
    path = folder / f"{slug}.md"
    if path.exists():
        raise FileExistsError(path)
    folder.mkdir(parents=True, exist_ok=True)
    title = name if re.fullmatch(r"[\w .&()-]+", name) and not name[0] in "&*!|>'\"%@`" else '"' + name.replace('"', '\\"') + '"'
    path.write_text(TEMPLATE.format(title=title), encoding="utf-8")
    return path
