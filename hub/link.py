"""Stage 3, link: everything that needs more than one file, checked in one place.

References between files (an idea citing a case study), numbers and orders that must
be unique (every file that shares one is named), and links from content to pages of
the site. The result is a `Site`: the whole hub as typed models, sorted, with the
derived relations (ideas citing a case study, related case studies, previous/next).

A file that failed validation is left out of the Site but its name still counts: an
idea citing a broken case study, or a link to its page, is not a second error.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from . import models as m
from .errors import ContentError, did_you_mean, format_loc
from .validate import FileResult


@dataclass(frozen=True)
class Site:
    """Everything the templates and the index see."""

    info: m.SiteInfo
    opportunities: list[m.Opportunity]
    enablers: list[m.Enabler]
    benefits: list[m.BenefitCategory]
    powers: list[m.Power]
    sectors: list[str]
    types_of_place: list[str]
    countries: list[str]
    case_studies: list[m.CaseStudy]
    guide: list[m.GuideStep]
    themes: list[m.Theme]
    ideas: list[m.Idea]
    pages: list[m.Page]
    report: m.Report | None
    references: list[m.Reference]
    ideas_citing: dict[str, list[m.Idea]] = field(default_factory=dict)

    @cached_property
    def opportunity(self) -> dict[str, m.Opportunity]:
        return {o.key: o for o in self.opportunities}

    @cached_property
    def enabler(self) -> dict[str, m.Enabler]:
        return {e.key: e for e in self.enablers}

    @cached_property
    def benefit(self) -> dict[str, m.BenefitCategory]:
        return {b.key: b for b in self.benefits}

    @cached_property
    def power(self) -> dict[str, m.Power]:
        return {p.key: p for p in self.powers}

    @cached_property
    def case_study(self) -> dict[str, m.CaseStudy]:
        return {c.slug: c for c in self.case_studies}

    @cached_property
    def theme(self) -> dict[str, m.Theme]:
        return {t.slug: t for t in self.themes}

    @cached_property
    def ideas_by_theme(self) -> dict[str, list[m.Idea]]:
        out = defaultdict(list)
        for idea in self.ideas:
            out[idea.theme].append(idea)
        return dict(out)

    @cached_property
    def cards(self) -> list[tuple[m.CaseStudy, m.Card]]:
        return [(cs, card) for cs in self.case_studies for card in cs.cards]

    @cached_property
    def enabler_uses(self) -> dict[str, dict[str, int]]:
        """Per enabler: how many case studies, cards and London ideas use it (the guide's step 5 links)."""
        uses = {e.key: {"case_studies": 0, "cards": 0, "ideas": 0} for e in self.enablers}
        for cs in self.case_studies:
            for key in {e.enabler for card in cs.cards for e in card.enablers}:
                uses[key]["case_studies"] += 1
        for _, card in self.cards:
            for key in {e.enabler for e in card.enablers}:
                uses[key]["cards"] += 1
        for idea in self.ideas:
            for key in set(idea.enablers):
                uses[key]["ideas"] += 1
        return uses

    @cached_property
    def page(self) -> dict[str, m.Page]:
        return {p.slug: p for p in self.pages}

    def neighbours(self, cs: m.CaseStudy) -> tuple[m.CaseStudy | None, m.CaseStudy | None]:
        i = self._position[cs.slug]
        before = self.case_studies[i - 1] if i > 0 else None
        after = self.case_studies[i + 1] if i + 1 < len(self.case_studies) else None
        return before, after

    @cached_property
    def _position(self) -> dict[str, int]:
        return {c.slug: i for i, c in enumerate(self.case_studies)}

    def related(self, cs: m.CaseStudy, limit: int = 4) -> list[m.CaseStudy]:
        """The `limit` case studies sharing most opportunities and enablers with `cs` (ties in collection order)."""
        if limit != RELATED_SHOWN:
            return self._related(cs, limit)
        return [self.case_study[slug] for slug in self._related_lists[cs.slug]]

    @cached_property
    def _related_lists(self) -> dict[str, list[str]]:
        """Every case study's related ones, by slug. They depend only on each case study's features and
        its place in the collection; a process that builds again (serve) reuses them while those hold."""
        key = tuple((c.slug, features_of(c)) for c in self.case_studies)
        if _RELATED.get("key") != key:
            _RELATED["lists"] = {c.slug: [r.slug for r in self._related(c, RELATED_SHOWN, mine)] for c, (_, mine) in
                                 zip(self.case_studies, key)}
            _RELATED["key"] = key
        return _RELATED["lists"]

    def _related(self, cs: m.CaseStudy, limit: int, mine: frozenset[str] | None = None) -> list[m.CaseStudy]:
        """Case studies sharing most opportunities and enablers (ties in collection order).

        Exact, and near-linear: each feature has a bitset of the case studies that
        have it (bit i = position i); a bit-sliced counter adds up the bitsets of
        this case study's features, and each score level is read off lowest bit first.
        """
        everyone = (1 << len(self.case_studies)) - 1
        planes: list[int] = []  # planes[j] holds bit j of every case study's shared-feature count
        mine = features_of(cs) if mine is None else mine
        for feature in mine:
            carry = self._postings[feature]
            for j in range(len(planes)):
                planes[j], carry = planes[j] ^ carry, planes[j] & carry
                if not carry:
                    break
            if carry:
                planes.append(carry)
        others = everyone ^ (1 << self._position[cs.slug])
        found: list[int] = []
        for score in range(len(mine), 0, -1):
            if score >> len(planes):
                continue
            level = others
            for j, plane in enumerate(planes):
                level &= plane if (score >> j) & 1 else everyone ^ plane
            while level and len(found) < limit:
                lowest = level & -level
                found.append(lowest.bit_length() - 1)
                level ^= lowest
            if len(found) == limit:
                break
        return [self.case_studies[i] for i in found]

    @cached_property
    def _postings(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for i, c in enumerate(self.case_studies):
            for feature in features_of(c):
                out[feature] |= 1 << i
        return dict(out)


def features(cs: m.CaseStudy) -> frozenset[str]:
    """The opportunities and enablers a case study has, as comparable tokens."""
    found = {f"o:{k}" for k in cs.opportunities}
    found |= {f"e:{e.enabler}" for card in cs.cards for e in card.enablers}
    return frozenset(found)


RELATED_SHOWN = 4  # "More like this" on a case study's page
_RELATED: dict = {}  # the last related lists and what they were computed from
_FEATURES: dict[tuple, tuple] = {}


def features_of(cs: m.CaseStudy) -> frozenset[str]:
    """features(cs), remembered for the very same (immutable) model."""
    if len(_FEATURES) > 4 * 65536:  # bounded, whatever a long serve session sees
        _FEATURES.clear()
    return m.remembered(_FEATURES, (id(cs),), (cs,), lambda: features(cs))


def case_study_order(cs: m.CaseStudy):
    """Collection order: numbered ones by number, then the rest by title."""
    return (cs.number is None, cs.number or 0, cs.title.lower(), cs.slug)


PLACEHOLDER_INFO = m.SiteInfo(title="Relationships Hub", description="", updated=None)  # when site.yaml is broken


def link(results: list[FileResult], drafts: bool = False) -> tuple[Site, list[ContentError]]:
    """Check what needs several files; build the Site from every file that validated.

    The Site is whole only when there are no errors (a partial one is still good for
    planning pages and checking links, so that every problem is found in one run).
    """
    errors: list[ContentError] = []
    by_kind: dict[str, list[FileResult]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    single = {kind: rs[0] for kind, rs in by_kind.items() if not kind in COLLECTION_KINDS}

    def taxonomy(name: str, attr: str = "key") -> dict[str, object]:
        """A taxonomy by key, every duplicate reported."""
        r = single.get(f"taxonomy:{name}")
        seen: dict[str, object] = {}
        if r is None or not r.value:
            return seen
        for item, loc in r.value:
            key = item if isinstance(item, str) else getattr(item, attr)
            if key in seen:
                errors.append(r.source.error(loc, f"duplicate {attr} {key!r}"))
            seen[key] = item
        return seen

    opportunities = taxonomy("opportunities")
    enablers = taxonomy("enablers")
    benefits = taxonomy("benefits")
    powers = taxonomy("powers")
    sectors = taxonomy("sectors")
    types_of_place = taxonomy("types-of-place")
    countries = taxonomy("countries")
    numbers = Counter(o.number for o in opportunities.values())
    if "taxonomy:opportunities" in single and single["taxonomy:opportunities"].value:
        r = single["taxonomy:opportunities"]
        for item, loc in r.value:
            if numbers[item.number] > 1:
                errors.append(r.source.error(loc + ("number",), f"duplicate number {item.number}"))

    errors += shared_values(by_kind["case-studies"], "number", "collection number")
    errors += shared_values(by_kind["guide"], "step", "step")
    errors += shared_values(by_kind["ideas"], "order", "order", group="theme")

    # References: an idea citing a case study. Every case-study file counts, valid or not.
    files = {r.stem for r in by_kind["case-studies"]}
    drafted = {r.stem for r in by_kind["case-studies"] if r.value is not None and r.value.draft and not drafts}
    for r in by_kind["ideas"]:
        for where, slug in values_at_list(r.data, "case_studies"):
            if slug in drafted:
                errors.append(r.source.error(where, f"{format_loc(where)}: {slug!r} is a draft, so it is not "
                                                    "published; remove the link or publish it"))
            elif slug not in files:
                errors.append(r.source.error(where, f"{format_loc(where)}: {slug!r} is not a known case study "
                                                    f"(see content/case-studies/){did_you_mean(slug, files)}"))

    def valid(kind: str) -> list:
        return [r.value for r in by_kind[kind] if r.value is not None and not r.errors]

    case_studies = [cs for cs in valid("case-studies") if drafts or not cs.draft]
    published = {cs.slug for cs in case_studies}
    themes = {t.slug: t for t in valid("themes")}
    ideas = sorted((i for i in valid("ideas") if i.theme in themes),
                   key=lambda i: (themes[i.theme].order, i.order, i.slug))
    citing: dict[str, list[m.Idea]] = defaultdict(list)
    for idea in ideas:
        for slug in idea.case_studies:
            if slug in published:
                citing[slug].append(idea)
    report = single.get("report")
    site_info = single.get("site")
    references = single.get("references")
    site = Site(
        info=site_info.value if site_info and site_info.value is not None else PLACEHOLDER_INFO,
        opportunities=sorted(opportunities.values(), key=lambda o: o.number),
        enablers=list(enablers.values()),
        benefits=list(benefits.values()),
        powers=list(powers.values()),
        sectors=sorted(sectors),
        types_of_place=sorted(types_of_place),
        countries=sorted(countries),
        case_studies=sorted(case_studies, key=case_study_order),
        guide=sorted(valid("guide"), key=lambda g: (g.step, g.slug)),
        themes=sorted(themes.values(), key=lambda t: (t.order, t.slug)),
        ideas=ideas,
        pages=sorted(valid("pages"), key=lambda p: p.slug),
        report=report.value if report and not report.errors else None,
        references=sorted((item for item, _ in references.value), key=lambda r: r.number) if references and references.value else [],
        ideas_citing={k: v for k, v in sorted(citing.items())},
    )
    return site, errors


COLLECTION_KINDS = ("case-studies", "guide", "themes", "ideas", "pages")


def values_at_list(data: dict, key: str) -> list[tuple[tuple, str]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [((key, i), v) for i, v in enumerate(value) if isinstance(v, str)]


def shared_values(results: list[FileResult], key: str, what: str, group: str | None = None) -> list[ContentError]:
    """A value that must be unique (a collection number): every file that has it is named, at its line."""
    holders: dict[tuple, list[FileResult]] = defaultdict(list)
    for r in results:
        value = r.data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            holders[(r.data.get(group) if group else None, value)].append(r)
    errors = []
    for (scope, value), rs in sorted(holders.items(), key=lambda kv: str(kv[0])):
        if len(rs) < 2:
            continue
        for r in rs:
            others = ", ".join(o.path for o in rs if o is not r)
            within = f" in theme {scope!r}" if group else ""
            errors.append(r.source.error((key,), f"{key}: {what} {value}{within} is also used by {others}; "
                                                  "each must be different"))
    return errors


def check_links(results: list[FileResult], manifest: set[str], unpublished: dict[str, str]) -> list[ContentError]:
    """Every link and image written in content must name a file of the site (checked at the line it was written)."""
    errors = []
    for r in results:
        for target, written, line, what in r.links:
            if target in manifest:
                continue
            why = unpublished.get(target)
            if why == "broken":
                continue  # that file has its own errors; this link will work once they are fixed
            if why == "draft":
                message = f"{what} {written!r}: that case study is a draft, so its page is not published"
            else:
                message = f"{what} {written!r}: no such {'file' if what == 'image' else 'page or file'} in the site ({target})"
            errors.append(ContentError(r.path, line, message))
    return errors


def unpublished(results: list[FileResult], site: Site) -> dict[str, str]:
    """Pages of content files that are not in this build: 'draft' (left out) or 'broken' (they have errors)."""
    from .urls import page_of

    published = {c.slug for c in site.case_studies}
    out = {}
    for r in results:
        page = page_of(r.kind, r.stem)
        if page is None:
            continue
        if r.value is None or r.errors:
            out[page] = "broken"
        elif r.kind == "case-studies" and r.stem not in published:
            out[page] = "draft"
    return out


def strings(value):
    """Every string inside a value (dicts, lists, tuples), in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)
