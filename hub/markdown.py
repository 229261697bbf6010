"""Markdown to safe HTML: Python-Markdown renders, nh3 sanitises.

Whatever a contributor writes (raw HTML, `javascript:` links, event handlers,
iframes, style), only the tags and attributes listed here reach a page.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup, escape

TAGS = {
    "p", "br", "hr", "a", "em", "strong", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "sup", "sub",
    "abbr", "table", "thead", "tbody", "tr", "th", "td", "caption",
}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "ol": {"start"}}
SCHEMES = {"mailto"}  # relative URLs pass; http(s) links are refused earlier, in `link`

_renderer = md.Markdown(extensions=["tables", "sane_lists", "fenced_code"], output_format="html")


# Text with none of these can only ever be one plain paragraph: no Markdown syntax,
# no HTML, no entity. Most fields (summaries, notes, card lines) are such text, and
# escaping them directly is ~100x cheaper than a Markdown pass with the same result.
MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]<>&#\\|~]|^\s*(?:[-+=]|\d+[.)])(?:\s|$)|\n\s*\n|  \n|^ {4}", re.M)


def is_plain(text: str) -> bool:
    return MARKDOWN_SYNTAX.search(text) is None


@lru_cache(maxsize=16384)
def _render(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if is_plain(text):
        return f"<p>{escape(text)}</p>"
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


def plain_text(text: str | None) -> str:
    """Markdown reduced to plain text with single spaces, for search and summaries."""
    text = (text or "").strip()
    if not is_plain(text):
        text = html_lib.unescape(re.sub(r"<[^>]+>", " ", _render(text)))
    return re.sub(r"\s+", " ", text).strip()
