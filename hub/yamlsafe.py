"""YAML for content files: bounded, line-numbered, and strict about silent surprises.

PyYAML's loaders follow aliases (a 500-byte "billion laughs" file expands to gigabytes),
recurse once per nesting level (libyaml's composer overflows the C stack at ~10^6 levels),
keep the last of two equal keys without a word, and report errors in parser jargon at
the line where a construct *started*. So content YAML is read here from libyaml's event
stream, which is flat and never expands anything, into plain Python values:

- anchors and aliases (`&name`, `*name`) are refused: content never needs them;
- nesting deeper than MAX_DEPTH is refused as soon as it is seen;
- a key written twice in one mapping is an error at its second line (the rest is still read);
- a scalar that cannot be read as its type (`!!int abc`, `2024-02-30`) is an error at its line;
- syntax errors say in plain words what is wrong, at the line the parser stopped on,
  with the parser's own detail after;
- every key path and list item gets its line, for error messages (`lines`).

Scalars are resolved exactly as `yaml.safe_load` resolves them (same resolver and
constructor), so `2024-01-31` is a date, `yes` is True and `1_000` is 1000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import yaml

Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's event parser when present
MAX_DEPTH = 32  # content nests four or five levels; this is far beyond any honest file


@dataclass
class Problem:
    line: int  # 1-based, within the YAML text
    message: str
    fatal: bool = True  # False: the data is still usable (a key written twice), so later checks run too


@dataclass
class Parsed:
    data: object = None
    lines: dict[tuple, int] = field(default_factory=lambda: {(): 1})
    problems: list[Problem] = field(default_factory=list)


class _Stop(Exception):
    """Reading cannot go on (syntax error, too deep): the problem is already recorded."""


_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_TYPE_NAMES = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date (YYYY-MM-DD)",
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:binary": "base64 data",
}
_COLLECTION_TAGS = {
    yaml.SequenceStartEvent: {None, "!", "tag:yaml.org,2002:seq"},
    yaml.MappingStartEvent: {None, "!", "tag:yaml.org,2002:map"},
}


def scalar(event: yaml.ScalarEvent, line: int) -> object:
    """The value of one scalar, as safe_load would give it; a clear error (_Problem) when it cannot be read."""
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:  # quoted or a block: text, whatever it looks like (as the resolver says)
            return event.value
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == "tag:yaml.org,2002:str":
        return event.value
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return _constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError:
        raise _Problem(line, f"unsupported YAML tag {event.tag!r}; write plain values") from None
    except (ValueError, OverflowError, TypeError) as exc:
        if tag == "tag:yaml.org,2002:timestamp":
            raise _Problem(line, f"{event.value!r} is not a real date ({exc}); expected YYYY-MM-DD") from None
        raise _Problem(line, f"{event.value!r} cannot be read as {_TYPE_NAMES.get(tag, tag)}") from None
    finally:
        _constructor.constructed_objects.clear()
        _constructor.recursive_objects.clear()


class _Problem(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


def shown(path: tuple) -> str:
    """('cards', 0, 'title') -> 'cards[0].title: ' (empty for the top level)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out + ": " if out else ""


def load(text: str, line_offset: int = 0) -> Parsed:
    """Read one YAML document into plain values, with its line map and every problem found.

    Lines are those of `text`; `line_offset` is added only where a message names another line.
    """
    result = Parsed()
    # Each open collection: [container, path, pending key (mappings), key lines (mappings)]
    stack: list[list] = []
    root_set = False

    def add(value, line: int) -> None:
        nonlocal root_set
        if not stack:
            if root_set:
                return
            result.data, root_set = value, True
            return
        frame = stack[-1]
        container, path = frame[0], frame[1]
        if isinstance(container, list):
            index = len(container)
            container.append(value)
            result.lines.setdefault(path + (index,), line)
            return
        if frame[2] is _NO_KEY:  # this value is a key
            if isinstance(value, (dict, list)):
                raise _Problem(line, f"{shown(path)}a key must be plain text, not a list or a mapping")
            if isinstance(value, dt.date):
                value = value.isoformat()
            try:
                hash(value)
            except TypeError:
                raise _Problem(line, f"{shown(path)}a key must be plain text") from None
            if value in frame[3]:
                result.problems.append(Problem(
                    line, f"{shown(path + (value,))}this key is written twice (first on line {frame[3][value] + line_offset}); "
                          "the second would silently replace the first: keep one", fatal=False))
            frame[3].setdefault(value, line)
            frame[2] = value
            result.lines.setdefault(path + (value,), line)
            return
        container[frame[2]] = value
        frame[2] = _NO_KEY

    def child_path() -> tuple:
        if not stack:
            return ()
        frame = stack[-1]
        if isinstance(frame[0], list):
            return frame[1] + (len(frame[0]),)
        return frame[1] + ((frame[2],) if frame[2] is not _NO_KEY else ())

    try:
        for event in yaml.parse(text, Loader=Parser):
            line = event.start_mark.line + 1 if event.start_mark else 1
            kind = type(event)
            if kind is yaml.AliasEvent or getattr(event, "anchor", None):
                raise _Problem(line, f"{shown(child_path())}anchors and aliases (&name, *name) are not supported in "
                                     "content files; write the value out in full")
            if kind is yaml.ScalarEvent:
                try:
                    value = scalar(event, line)
                except _Problem as problem:  # named by where it is (a key is named by its mapping, in add)
                    in_key = bool(stack) and isinstance(stack[-1][0], dict) and stack[-1][2] is _NO_KEY
                    raise _Problem(line, ("" if in_key else shown(child_path())) + problem.message) from None
                add(value, line)
            elif kind in (yaml.SequenceStartEvent, yaml.MappingStartEvent):
                if event.tag not in _COLLECTION_TAGS[kind]:
                    raise _Problem(line, f"{shown(child_path())}unsupported YAML tag {event.tag!r}; write plain values")
                if len(stack) >= MAX_DEPTH:
                    raise _Problem(line, f"nested more than {MAX_DEPTH} levels deep (the limit for content files)")
                path = child_path()
                if stack and isinstance(stack[-1][0], list):
                    result.lines.setdefault(path, line)  # a list item's line is where it starts
                container = [] if kind is yaml.SequenceStartEvent else {}
                stack.append([container, path, _NO_KEY, {}])
            elif kind in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
                container = stack.pop()[0]
                add(container, line)
            elif kind is yaml.DocumentStartEvent and root_set:
                raise _Problem(line, "a second YAML document ('---' inside the front matter); keep one")
    except _Problem as problem:
        result.problems.append(Problem(problem.line, problem.message))
        result.data = None
    except yaml.MarkedYAMLError as exc:
        result.problems.append(syntax_problem(exc))
        result.data = None
    except yaml.YAMLError as exc:  # unmarked: rare (reader errors on control characters)
        result.problems.append(Problem(1, f"invalid YAML: {exc}"))
        result.data = None
    except RecursionError:
        result.problems.append(Problem(1, f"nested too deeply (the limit is {MAX_DEPTH} levels)"))
        result.data = None
    return result


_NO_KEY = object()

# The parser's problem -> (plain words, use the context mark instead of the problem mark).
# Block constructs are reported where the parser stopped (the line that is wrong); flow
# collections and quoted text where they were opened (the line that never closed them).
PLAIN = [
    ("while scanning a quoted scalar", "a quotation mark opened here is not closed", True),
    ("mapping values are not allowed",
     "unexpected ':'; if the text contains ': ', put the whole value in quotes", False),
    ("found character '\\t' that cannot start any token",
     "a tab character: YAML indents with spaces only", False),
    ("found a tab character", "a tab character: YAML indents with spaces only", False),
    ("did not find expected key",
     "this line's indentation does not match the lines above it (or a value has stray text after it)", False),
    ("did not find expected '-' indicator",
     "this line's indentation does not match the list items above it", False),
    ("could not find expected ':'", "a line with no 'key: value'; is a ':' missing, or a quote not closed?", False),
    ("found unexpected end of stream", "the text ends inside an unfinished value", True),
    ("did not find expected ',' or ']'", "a list opened with '[' is not closed with ']'", True),
    ("did not find expected ',' or '}'", "a mapping opened with '{' is not closed with '}'", True),
    ("found unknown escape character", "an unknown backslash escape inside double quotes; write \\\\ for a backslash", False),
    ("found undefined alias", "an alias (*name); content files do not support aliases", False),
    ("found character that cannot start any token",
     "a character that cannot start a value here ('@' and '`' are reserved); put the value in quotes", False),
    ("expected <document start>", "more than one YAML document, or text outside the mapping", False),
    ("found unexpected ':'", "unexpected ':'; put the value in quotes", False),
]


def syntax_problem(exc: yaml.MarkedYAMLError) -> Problem:
    problem = exc.problem or str(exc)
    context = exc.context or ""
    plain, use_context = "", False
    for needle, words, from_context in PLAIN:
        if needle in problem or needle == context:
            plain, use_context = words, from_context
            break
    mark = (exc.context_mark if use_context and exc.context_mark else None) or exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    detail = f"{context}, {problem}" if context else problem
    if not plain:
        return Problem(line, f"invalid YAML: {detail}")
    return Problem(line, f"invalid YAML: {plain} (the parser says: {detail})")
