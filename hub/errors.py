"""Content errors: every mistake is reported as `path:line: message`, all at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentError:
    """One mistake in one file, at one line (0: the file as a whole, as for an error of the file system)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class BuildError(Exception):
    """Raised by a stage that found mistakes; carries every one of them, sorted."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


def did_you_mean(value: object, options) -> str:
    """Return "; did you mean 'x'?" for a near miss among options, else ""."""
    if not isinstance(value, str):
        return ""
    options = list(options)
    lowered = {o.lower(): o for o in options}
    if value.lower() in lowered:
        return f"; did you mean '{lowered[value.lower()]}'?"
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean '{lowered[close[0]]}'?" if close else ""


def format_loc(loc: tuple) -> str:
    """('cards', 0, 'benefits', 1, 'category') -> 'cards[0].benefits[1].category'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _escape(text: str, property_value: bool = False) -> str:
    """GitHub workflow-command escaping (data: % CR LF; property values also : and ,)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotations(errors: list[ContentError]) -> list[str]:
    """One `::error file=…,line=…::message` line per problem (GitHub shows the first 10 of a step at their lines)."""
    out = []
    for e in errors:
        where = f"file={_escape(e.path, True)}" + (f",line={e.line}" if e.line > 0 else "")
        out.append(f"::error {where},title={_escape('Content problem', True)}::{_escape(e.message)}")
    return out


def github_summary(errors: list[ContentError]) -> str:
    """The whole list as Markdown for the job summary (annotations are capped; this is not)."""
    lines = [f"### {len(errors)} content problem{'s' if len(errors) != 1 else ''}", "",
             "| file | line | problem |", "| --- | --- | --- |"]
    for e in errors:
        message = e.message.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{e.path}` | {e.line if e.line > 0 else ''} | {message} |")
    return "\n".join(lines) + "\n\n"
