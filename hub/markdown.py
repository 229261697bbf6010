"""Markdown to safe HTML: Python-Markdown renders, nh3 sanitises.

Whatever a contributor writes (raw HTML, `javascript:` links, event handlers,
iframes, style), only the tags and attributes listed here reach a page.
"""

from __future__ import annotations

from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

TAGS = {
    "p", "br", "hr", "a", "em", "strong", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "sup", "sub",
    "abbr", "table", "thead", "tbody", "tr", "th", "td", "caption",
}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "ol": {"start"}}
SCHEMES = {"mailto"}  # relative URLs pass; http(s) links are refused earlier, in `link`

_renderer = md.Markdown(extensions=["tables", "sane_lists", "fenced_code"], output_format="html")


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    _renderer.reset()
    html = _renderer.convert(text)
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel=None,
        strip_comments=True,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "svg", "math"},
    )


def render_markdown(text: str | None) -> Markup:
    """Render Markdown as sanitised HTML, safe to insert into a template."""
    return Markup(_render(text or ""))


def render_inline(text: str | None) -> Markup:
    """Render a one-paragraph field without its wrapping <p>."""
    html = _render(text or "")
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)
