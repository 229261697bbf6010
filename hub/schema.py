"""Typed content models without a framework: frozen records, checked against their annotations.

A model is a class, made by `model`, whose annotations say what each field holds:

    Text       text, stripped, not empty          Markdown   the same, rendered as Markdown
    Key        a slug: lower-case letters, digits and hyphens
    Positive   a whole number of at least 1       str        any text (a file's body)
    bool, dt.date, X | None, list[X], dict[Key, X], another model, Literal["a"],
    Annotated[list[X], Length(3, 3)], Annotated[A | B, Tagged("kind")] (chosen by a key)

`check(Model, data)` turns raw YAML data into a model and lists every problem as
(location, message), in the contributor's words: the field, the value, what was
expected ("cards[0].keywords: has 2 items; expected exactly 3"). Unknown keys are
problems, with "did you mean". A model may add a rule of its own (`problem()`).
Each model's checks are compiled once, on first use, from its annotations.

(pydantic did this before; building its validators cost a fifth of a second at every
start of the build, more than building the whole real hub's pages.)
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import typing

from .errors import did_you_mean, format_loc

INVALID = object()  # a value that failed its check (its problem is already recorded)
KEY_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


TEXT = _Marker("TEXT")  # stripped, not empty
MARKDOWN = _Marker("MARKDOWN")  # rendered with `| md` or `| inline`, and checked by `validate`
KEY = _Marker("KEY")


class Length:
    def __init__(self, minimum: int | None = None, maximum: int | None = None):
        self.minimum, self.maximum = minimum, maximum


class Minimum:
    def __init__(self, value: int):
        self.value = value


class Tagged:
    """A union of models chosen by the value of one key (a framework's `kind`)."""

    def __init__(self, key: str):
        self.key = key


Text = typing.Annotated[str, TEXT]
Markdown = typing.Annotated[str, TEXT, MARKDOWN]
Key = typing.Annotated[str, KEY]
Positive = typing.Annotated[int, Minimum(1)]


def shown(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def where(loc: tuple) -> str:
    return format_loc(loc) or "front matter"


# One check per kind of value ------------------------------------------------------------

class Spec:
    markdown = False

    def check(self, value, loc: tuple, problems: list):
        raise NotImplementedError


class TextSpec(Spec):
    def __init__(self, strip: bool, markdown: bool = False):
        self.strip, self.markdown = strip, markdown

    def check(self, value, loc, problems):
        if not isinstance(value, str):
            problems.append((loc, f"{where(loc)}: {shown(value)} is not text"))
            return INVALID
        if self.strip:
            value = value.strip()
            if not value:
                problems.append((loc, f"{where(loc)}: empty; expected text"))
                return INVALID
        return value


class KeySpec(Spec):
    def check(self, value, loc, problems):
        if not isinstance(value, str):
            problems.append((loc, f"{where(loc)}: {shown(value)} is not text"))
            return INVALID
        if not KEY_PATTERN.fullmatch(value):
            problems.append((loc, f"{where(loc)}: {value!r} is not a key; expected lower-case letters, digits and "
                                  "hyphens (like 'co-design')"))
            return INVALID
        return value


class IntSpec(Spec):
    def __init__(self, minimum: int | None):
        self.minimum = minimum

    def check(self, value, loc, problems):
        number = value
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            number = None
        elif isinstance(value, float):
            number = int(value) if value.is_integer() else None
        elif isinstance(value, str):
            number = int(value.strip()) if re.fullmatch(r"\s*[+-]?\d+\s*", value) else None
        if number is None:
            problems.append((loc, f"{where(loc)}: {shown(value)} is not a whole number"))
            return INVALID
        if self.minimum is not None and number < self.minimum:
            problems.append((loc, f"{where(loc)}: {shown(value)} is too small; expected a number of at least {self.minimum}"))
            return INVALID
        return number


class BoolSpec(Spec):
    WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}

    def check(self, value, loc, problems):
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in self.WORDS:
            return self.WORDS[value.strip().lower()]
        problems.append((loc, f"{where(loc)}: {shown(value)} is not true or false"))
        return INVALID


class DateSpec(Spec):
    def check(self, value, loc, problems):
        if isinstance(value, dt.datetime):
            if value.time() == dt.time(0) and value.tzinfo is None:
                return value.date()
        elif isinstance(value, dt.date):
            return value
        elif isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        problems.append((loc, f"{where(loc)}: {shown(value)} is not a date (YYYY-MM-DD)"))
        return INVALID


class OptionalSpec(Spec):
    def __init__(self, inner: Spec):
        self.inner = inner
        self.markdown = inner.markdown

    def check(self, value, loc, problems):
        return None if value is None else self.inner.check(value, loc, problems)


class ListSpec(Spec):
    def __init__(self, inner: Spec, length: Length | None):
        self.inner, self.length = inner, length

    def check(self, value, loc, problems):
        if not isinstance(value, (list, tuple)):
            problems.append((loc, f"{where(loc)}: {shown(value)} is not a list"))
            return INVALID
        out, ok = [], True
        for i, item in enumerate(value):
            checked = self.inner.check(item, loc + (i,), problems)
            ok = ok and checked is not INVALID
            out.append(checked)
        n = self.length
        if n and ((n.minimum is not None and len(value) < n.minimum) or (n.maximum is not None and len(value) > n.maximum)):
            want = (f"exactly {n.minimum}" if n.minimum == n.maximum else
                    f"at least {n.minimum}" if n.minimum is not None and len(value) < n.minimum else f"at most {n.maximum}")
            problems.append((loc, f"{where(loc)}: has {len(value)} item{'s' if len(value) != 1 else ''}; expected {want}"))
            return INVALID
        return out if ok else INVALID


class DictSpec(Spec):
    def __init__(self, key: Spec, value: Spec):
        self.key, self.value = key, value

    def check(self, value, loc, problems):
        if not isinstance(value, dict):
            problems.append((loc, f"{where(loc)}: {shown(value)} is not a mapping of keys to values"))
            return INVALID
        out, ok = {}, True
        for k, v in value.items():
            here = loc + (k,)
            key = self.key.check(k, here, problems)
            item = self.value.check(v, here, problems)
            ok = ok and key is not INVALID and item is not INVALID
            out[key] = item
        return out if ok else INVALID


class LiteralSpec(Spec):
    def __init__(self, values: tuple):
        self.values = values

    def check(self, value, loc, problems):
        if value in self.values:
            return value
        problems.append((loc, f"{where(loc)}: {shown(value)} is not one of: {', '.join(map(str, self.values))}"))
        return INVALID


class ModelSpec(Spec):
    def __init__(self, model: type):
        self.model = model

    def check(self, value, loc, problems):
        return check_model(self.model, value, loc, problems)


class TaggedSpec(Spec):
    def __init__(self, key: str, choices: dict[str, type]):
        self.key, self.choices = key, choices

    def check(self, value, loc, problems):
        if not isinstance(value, dict):
            problems.append((loc, f"{where(loc)}: {shown(value)} is not a mapping of keys to values"))
            return INVALID
        kinds = ", ".join(self.choices)
        tag = value.get(self.key)
        here = format_loc(loc + (self.key,))
        if tag is None:
            problems.append((loc, f"{here}: missing (required); expected one of: {kinds}"))
            return INVALID
        if tag not in self.choices:
            problems.append((loc, f"{here}: {tag!r} is not a framework kind; expected one of: {kinds}"
                                  f"{did_you_mean(tag, self.choices)}"))
            return INVALID
        return check_model(self.choices[tag], value, loc, problems)


# Compiling a model's annotations into checks ---------------------------------------------

def spec_for(annotation, namespace: dict) -> Spec:
    if isinstance(annotation, str):
        annotation = eval(annotation, namespace)  # noqa: S307 - our own annotations, under `from __future__ import annotations`
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        inner, extras = args[0], args[1:]
        tagged = next((x for x in extras if isinstance(x, Tagged)), None)
        if tagged:
            choices = {}
            for model in typing.get_args(inner):
                literal = typing.get_type_hints(model, include_extras=False)[tagged.key]
                choices[typing.get_args(literal)[0]] = model
            return TaggedSpec(tagged.key, choices)
        if inner is str:
            if KEY in extras:
                return KeySpec()
            return TextSpec(strip=TEXT in extras, markdown=MARKDOWN in extras)
        if inner is int:
            minimum = next((x.value for x in extras if isinstance(x, Minimum)), None)
            return IntSpec(minimum)
        length = next((x for x in extras if isinstance(x, Length)), None)
        spec = spec_for(inner, namespace)
        if isinstance(spec, ListSpec) and length:
            spec.length = length
        return spec
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return OptionalSpec(spec_for(rest[0], namespace))
        raise TypeError(f"an untagged union in a model: {annotation}")
    if origin is list:
        return ListSpec(spec_for(args[0], namespace), None)
    if origin is dict:
        return DictSpec(spec_for(args[0], namespace), spec_for(args[1], namespace))
    if origin is typing.Literal:
        return LiteralSpec(args)
    if annotation is str:
        return TextSpec(strip=False)
    if annotation is bool:
        return BoolSpec()
    if annotation is int:
        return IntSpec(None)
    if annotation is dt.date:
        return DateSpec()
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return ModelSpec(annotation)
    raise TypeError(f"no check for {annotation!r}")


class Model:
    """Base of every content model: a frozen record made by `model` (see the module's docstring)."""

    __slots__ = ()
    __fields__: dict[str, tuple[object, object]] = {}  # name -> (annotation, default), as `model` found them

    def __init__(self, **given):
        for name, (_, default) in self.__fields__.items():
            value = given.pop(name, default)
            if value is MISSING:
                raise TypeError(f"{type(self).__name__}() needs {name!r}")
            object.__setattr__(self, name, value.make() if type(value) is Factory else value)
        if given:
            raise TypeError(f"{type(self).__name__}() has no field {sorted(given)[0]!r}")

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__fields__)})"

    def __getstate__(self):  # for pickling (results come back from worker processes)
        return tuple(getattr(self, n) for n in self.__fields__)

    def __setstate__(self, state):
        for name, value in zip(self.__fields__, state):
            object.__setattr__(self, name, value)

    def problem(self) -> str | None:
        """A rule across the model's fields: a message when it is broken."""
        return None

    @classmethod
    def specs(cls) -> dict[str, tuple[Spec, bool]]:
        """{field: (its check, required)}, compiled once from the annotations."""
        found = cls.__dict__.get("_specs")
        if found is None:
            namespace = {**vars(typing), **vars(sys.modules[cls.__module__])}
            found = {}
            for name, (annotation, default) in cls.__fields__.items():
                found[name] = (spec_for(annotation, namespace), default is MISSING)
            type.__setattr__(cls, "_specs", found)
        return found

    def model_dump(self, exclude: set[str] = frozenset()) -> dict:
        """The model as plain data (dicts and lists), as it would be written."""
        return {name: _plain(getattr(self, name)) for name in self.__fields__ if name not in exclude}


def _plain(value):
    if isinstance(value, Model):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


MISSING = _Marker("MISSING")  # a field without a default: it must be given


class Factory:
    """A field's default that is made afresh for each model (a list, a dict)."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


def model(cls):
    """Make `cls` a model (the decorator every content model wears): a frozen record with slots,
    made with keywords only, whose fields are its annotations (after its bases' fields), each with
    its default if it has one. What dataclasses.dataclass(frozen=True, slots=True, eq=False,
    kw_only=True) would make, without writing and compiling code for each class (33 dataclasses
    took 13-30 ms of every start)."""
    namespace = dict(cls.__dict__)
    fields = dict(cls.__fields__)  # the bases' fields first
    own = []
    for name, annotation in namespace.get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        default = namespace.pop(name, MISSING)
        if name not in fields:
            own.append(name)
        fields[name] = (annotation, default)
    namespace.update(__slots__=tuple(own), __fields__=fields)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    return type(cls)(cls.__name__, cls.__bases__, namespace)


def check_model(cls: type, data, loc: tuple = (), problems: list | None = None):
    """`data` as a `cls`, or INVALID; every problem appended to `problems` as (location, message)."""
    problems = [] if problems is None else problems
    if not isinstance(data, dict):
        problems.append((loc, f"{where(loc)}: {shown(data)} is not a mapping of keys to values"))
        return INVALID
    specs = cls.specs()
    values, ok = {}, True
    for key in data:
        if key not in specs:
            allowed = [f for f in specs if f not in ("slug", "body")]
            hint = did_you_mean(key, allowed) if isinstance(key, str) else ""
            listed = f" (expected one of: {', '.join(sorted(allowed))})" if not hint else ""
            problems.append((loc + (key,), f"{format_loc(loc + (key,))}: unknown key '{key}'{hint}{listed}"))
            ok = False
    for name, (spec, required) in specs.items():
        if name not in data:
            if required:
                problems.append((loc + (name,), f"{format_loc(loc + (name,))}: missing (required)"))
                ok = False
            continue
        value = spec.check(data[name], loc + (name,), problems)
        if value is INVALID:
            ok = False
        else:
            values[name] = value
    if not ok:
        return INVALID
    made = cls(**values)
    rule = made.problem()
    if rule:
        problems.append((loc, f"{where(loc)}: {rule}"))
        return INVALID
    return made


def check(cls: type, data) -> tuple[object | None, list[tuple[tuple, str]]]:
    """`data` as a `cls` (or None), and every problem as (location, message)."""
    problems: list = []
    made = check_model(cls, data, (), problems)
    return (None if made is INVALID else made), problems


def markdown_values(spec: Spec, value, loc: tuple = ()):
    """(location, text) of every Markdown field in raw `value`, following the spec (broken data included)."""
    if isinstance(spec, OptionalSpec):
        spec = spec.inner
    if isinstance(spec, TextSpec):
        if spec.markdown and isinstance(value, str):
            yield loc, value
    elif isinstance(spec, ModelSpec):
        yield from model_markdown(spec.model, value, loc)
    elif isinstance(spec, TaggedSpec):
        if isinstance(value, dict) and value.get(spec.key) in spec.choices:
            yield from model_markdown(spec.choices[value[spec.key]], value, loc)
    elif isinstance(spec, ListSpec) and isinstance(value, list):
        for i, item in enumerate(value):
            yield from markdown_values(spec.inner, item, loc + (i,))
    elif isinstance(spec, DictSpec) and isinstance(value, dict):
        for key, item in value.items():
            yield from markdown_values(spec.value, item, loc + (key,))


def model_markdown(cls: type, data, loc: tuple = ()):
    if isinstance(data, dict):
        for name, (spec, _) in cls.specs().items():
            if name in data:
                yield from markdown_values(spec, data[name], loc + (name,))
