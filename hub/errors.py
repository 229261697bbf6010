"""Content errors: every mistake is reported as `path:line: message`, all at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentError:
    """One mistake in one file, at one line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
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
