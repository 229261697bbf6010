"""Where each kind of content is published: output paths from the site root.

Every page is a file (`case-studies/timpson/index.html`), so the site works from disk.
"""

from __future__ import annotations

import posixpath

# Collections: a flat folder under content/ -> the kind of content it holds.
COLLECTIONS = {
    "case-studies": "case-studies",
    "guide": "guide",
    "london/themes": "themes",
    "london/ideas": "ideas",
    "pages": "pages",
}
# kind of content file -> its page's path, from the file's stem ("{}" is the slug).
PAGE_OF_KIND = {
    "case-studies": "case-studies/{}/index.html",
    "guide": "guide/{}/index.html",
    "themes": "london/themes/{}/index.html",
    "ideas": "london/ideas/{}/index.html",
    "pages": "{}/index.html",
    "report": "london/index.html",
    "references": "london/references/index.html",
}
HOME_PAGE = "home"  # content/pages/home.md is the site's index.html


def page_of(kind: str, stem: str) -> str | None:
    """The page a content file becomes, or None (taxonomies and site.yaml have no page of their own)."""
    if kind == "pages" and stem == HOME_PAGE:
        return "index.html"
    pattern = PAGE_OF_KIND.get(kind)
    return pattern.format(stem) if pattern else None


def case_study_url(cs) -> str:
    return page_of("case-studies", cs.slug)


def idea_url(idea) -> str:
    return page_of("ideas", idea.slug)


def theme_url(theme) -> str:
    return page_of("themes", theme.slug)


def step_url(step) -> str:
    return page_of("guide", step.slug)


def page_url(page) -> str:
    return page_of("pages", page.slug)


def card_id(cs, card) -> str:
    return f"card-{cs.slug}-{cs.cards.index(card) + 1}"


def prefix(path: str) -> str:
    """What leads from the page at `path` back to the site root ('' at the root, '../../' two down)."""
    return "../" * path.count("/")


def relative(target: str, path: str) -> str:
    """`target` (from the site root) as a link from the page at `path`."""
    return prefix(path) + target


def content_path_to_page(link: str, from_file: str) -> str | None:
    """A link to a content file (`../case-studies/timpson.md`) from `from_file` -> that file's page, or None."""
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(from_file), link))
    if not resolved.startswith("content/"):
        return None
    inner = resolved[len("content/"):]
    folder, _, name = inner.rpartition("/")
    stem = name[:-3]
    if inner == "london/report.md":
        return page_of("report", "report")
    kind = COLLECTIONS.get(folder)
    return page_of(kind, stem) if kind else None
