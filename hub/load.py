"""Stage 1, load: read every content file into a SourceFile (data + body + line map).

Nothing here knows what the data means; `validate` does. YAML errors are never
swallowed: each becomes a ContentError naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ContentError

# libyaml's loader is ~10x faster than the pure-Python one; same results.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class SourceFile:
    """One content file: its parsed YAML (front matter) and its Markdown body."""

    path: str  # as shown to contributors, relative to the project (content/…)
    text: str  # the YAML part
    data: object
    body: str = ""
    yaml_line: int = 1  # file line on which the YAML text starts
    body_line: int = 1  # file line on which the body starts
    _lines: dict | None = field(default=None, repr=False)

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    def line(self, loc: tuple = ()) -> int:
        """The file line of the deepest key or item of `loc` that exists in the YAML."""
        if self._lines is None:
            self._lines = yaml_lines(self.text)
        loc = tuple(loc)
        while loc and loc not in self._lines:
            loc = loc[:-1]
        return self._lines.get(loc, 1) + self.yaml_line - 1

    def body_line_of(self, needle: str) -> int:
        """The file line of the first body line containing `needle`."""
        for offset, text in enumerate(self.body.splitlines()):
            if needle in text:
                return self.body_line + offset
        return self.body_line

    def error(self, loc: tuple, message: str) -> ContentError:
        return ContentError(self.path, self.line(loc), message)


def yaml_lines(text: str) -> dict[tuple, int]:
    """Map each key path and list item of a YAML document to its 1-based line."""
    lines: dict[tuple, int] = {(): 1}
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        return lines

    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (key.value,)
                lines.setdefault(sub, key.start_mark.line + 1)
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault(path + (i,), item.start_mark.line + 1)
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return lines


def parse_yaml(path: str, text: str, first_line: int = 1) -> tuple[object, ContentError | None]:
    """Parse YAML; on failure return the error at the file line where it happened."""
    try:
        return yaml.load(text, Loader=Loader), None
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct starts ("number: [3"); the
        # problem mark is where the parser gave up, often a line later.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = (mark.line + first_line) if mark else first_line
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        what = f"{context}, {problem}" if context else problem
        return None, ContentError(path, line, f"invalid YAML: {what}")


def read_markdown(path: str, raw: str) -> tuple[SourceFile | None, list[ContentError]]:
    """Split `---` front matter from the Markdown body and parse it."""
    lines = raw.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, [ContentError(path, 1, "missing front matter: the file must start with a line '---'")]
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        return None, [ContentError(path, 1, "front matter is not closed: add a line '---' after it")]
    text = "".join(lines[1:end])
    data, err = parse_yaml(path, text, first_line=2)
    if err:
        return None, [err]
    body = "".join(lines[end + 1:])
    return SourceFile(path, text, data, body, yaml_line=2, body_line=end + 2), []


def read_yaml(path: str, raw: str) -> tuple[SourceFile | None, list[ContentError]]:
    data, err = parse_yaml(path, raw)
    if err:
        return None, [err]
    return SourceFile(path, raw, data), []


@dataclass(frozen=True)
class Sources:
    """Every content file, grouped by collection, each list sorted by path."""

    taxonomies: dict[str, SourceFile]
    case_studies: list[SourceFile]
    guide: list[SourceFile]
    themes: list[SourceFile]
    ideas: list[SourceFile]
    pages: list[SourceFile]
    report: SourceFile | None
    references: SourceFile | None
    site: SourceFile | None


TAXONOMIES = ("opportunities", "enablers", "benefits", "powers", "sectors", "types-of-place", "countries")


def load_content(content_dir: Path, root: Path | None = None) -> tuple[Sources, list[ContentError]]:
    """Read every file under content/. Returns the sources and every read error."""
    root = root or content_dir.parent
    errors: list[ContentError] = []

    def rel(p: Path) -> str:
        try:
            return p.relative_to(root).as_posix()
        except ValueError:
            return p.as_posix()

    def read(p: Path) -> SourceFile | None:
        try:
            raw = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            errors.append(ContentError(rel(p), 1, f"not UTF-8 text ({exc.reason})"))
            return None
        reader = read_markdown if p.suffix == ".md" else read_yaml
        source, errs = reader(rel(p), raw)
        errors.extend(errs)
        return source

    def collection(sub: str) -> list[SourceFile]:
        folder = content_dir / sub
        found = []
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.name.startswith(".") or p.is_dir():
                    continue
                if p.suffix != ".md":
                    errors.append(ContentError(rel(p), 1, f"unexpected file in {sub}/: content files end in .md"))
                    continue
                source = read(p)
                if source:
                    found.append(source)
        return found

    def single(name: str, required: bool = True) -> SourceFile | None:
        p = content_dir / name
        if p.is_file():
            return read(p)
        if required:
            errors.append(ContentError(rel(p), 1, "missing file"))
        return None

    taxonomies = {}
    for name in TAXONOMIES:
        source = single(f"taxonomies/{name}.yaml")
        if source:
            taxonomies[name] = source
    sources = Sources(
        taxonomies=taxonomies,
        case_studies=collection("case-studies"),
        guide=collection("guide"),
        themes=collection("london/themes"),
        ideas=collection("london/ideas"),
        pages=collection("pages"),
        report=single("london/report.md"),
        references=single("london/references.yaml"),
        site=single("site.yaml"),
    )
    return sources, errors
