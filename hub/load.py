"""Stage 1, load: find every content file, read it within bounds, and parse its YAML.

Nothing here knows what the data means; `validate` does. Every file under content/
is either read or reported: a file the build would not read is an error, never
silence. Nothing outside the project is read: a symlink that leaves the project, a
dangling one and a loop are errors naming it. Each file is read only up to
MAX_FILE_BYTES, and its YAML through `yamlsafe` (no aliases, bounded nesting).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import yamlsafe
from .errors import ContentError
from .urls import COLLECTIONS

MAX_FILE_BYTES = 512 * 1024  # the largest real content file is ~20 KB

TAXONOMIES = ("opportunities", "enablers", "benefits", "powers", "sectors", "types-of-place", "countries")
# Single files: relative path -> kind.
SINGLES = {
    "site.yaml": "site",
    "london/report.md": "report",
    "london/references.yaml": "references",
    **{f"taxonomies/{name}.yaml": f"taxonomy:{name}" for name in TAXONOMIES},
}
# Editors' and operating systems' scratch files: never content, never published.
SCRATCH = ("*~", ".*.sw?", ".#*", "#*#", ".DS_Store", "Thumbs.db", "4913", "*.tmp", ".~lock.*")


def stem_of(path: str) -> str:
    """Path(path).stem, without making a Path (ten thousand of them cost an edit of a big bank)."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


@dataclass(frozen=True)
class Entry:
    """A content file found on disk (not yet read)."""

    path: str  # as contributors see it: content/case-studies/x.md
    file: str  # where it is, checked to be inside the project (a string: ten thousand Paths cost an edit 50 ms)
    kind: str  # a collection ('case-studies', …) or a single file ('site', 'taxonomy:sectors', …)

    @property
    def stem(self) -> str:
        return stem_of(self.path)


@dataclass
class SourceFile:
    """One content file, read: its YAML data with a line for every key and item, and its Markdown body."""

    path: str
    kind: str
    data: object
    lines: dict[tuple, int]  # key path -> line in the file
    text: str = ""  # the YAML text
    body: str = ""
    yaml_line: int = 1  # file line on which the YAML starts
    body_line: int = 1  # file line on which the body starts
    digest: str = ""  # of the file's bytes, for caches
    broken: bool = False  # its YAML could not be read: only the body can be checked

    @property
    def stem(self) -> str:
        return stem_of(self.path)

    def line(self, loc: tuple = ()) -> int:
        """The file line of the deepest key or item of `loc` that exists in the YAML."""
        loc = tuple(loc)
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1) + self.yaml_line - 1

    def error(self, loc: tuple, message: str) -> ContentError:
        return ContentError(self.path, self.line(loc), message)

    def find_line(self, needle: str, loc: tuple | None = None, occurrence: int = 0) -> int:
        """The file line of the `occurrence`-th `needle` in the body (loc None) or in the YAML from `loc` on."""
        if loc is None:
            text, first = self.body, self.body_line
        else:
            text, first = self.text, self.yaml_line
            start = self.line(loc) - self.yaml_line
            offset = sum(len(t) for t in text.splitlines(keepends=True)[:start])
            first += text.count("\n", 0, offset)
            text = text[offset:]
        at = -1
        for _ in range(occurrence + 1):
            found = text.find(needle, at + 1)
            if found < 0:
                break
            at = found
        return first + (text.count("\n", 0, at) if at >= 0 else 0)


# Finding files --------------------------------------------------------------------

def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def checked_path(path: Path, root: Path, shown: str) -> tuple[Path | None, ContentError | None]:
    """`path` resolved, if it stays inside the project; else the error that names it."""
    if not path.is_symlink():
        return path, None
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return None, ContentError(shown, 1, f"symlink to {os.readlink(path)!r}, which does not exist")
    except (RuntimeError, OSError) as exc:  # a loop (ELOOP) or unreadable
        reason = "a symlink loop" if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40 else str(exc)
        return None, ContentError(shown, 1, f"cannot follow this symlink: {reason}")
    if not inside(target, root):
        return None, ContentError(shown, 1, f"symlink to {target}, outside the project; nothing outside the project "
                                            "is read or published: copy the file in instead")
    return target, None


def walk(folder: Path, root: Path) -> tuple[list[tuple[str, str]], list[ContentError]]:
    """Every file under `folder` as (path relative to root, checked path), without leaving the project.

    Symlinks are followed only when they resolve inside the project; folders reached
    twice (a link back up the tree) are walked once.
    """
    found, errors, seen = [], [], set()
    top = folder.relative_to(root).as_posix()  # paths shown are relative to the root, as strings (10 000 files)
    start, err = checked_path(folder, root, top)
    if err:
        return [], [err]
    if not start.is_dir():
        return [], []
    pending = [(top, start)]
    while pending:
        shown_dir, real_dir = pending.pop()
        key = real_dir.resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            with os.scandir(real_dir) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            errors.append(ContentError(shown_dir, 1, f"cannot read this folder: {exc.strerror}"))
            continue
        for child in children:
            shown = f"{shown_dir}/{child.name}"
            if child.is_symlink():  # only a symlink needs resolving (and checking)
                real, err = checked_path(real_dir / child.name, root, shown)
                if err:
                    errors.append(err)
                elif real.is_dir():
                    pending.append((shown, real))
                else:
                    found.append((shown, str(real)))
            elif child.is_dir(follow_symlinks=False):
                pending.append((shown, Path(child.path)))
            else:
                found.append((shown, child.path))
    return sorted(found), errors


SCRATCH_NAME = re.compile("|".join(fnmatch.translate(pattern) for pattern in SCRATCH))  # fnmatchcase, in one pass


def is_scratch(name: str) -> bool:
    return SCRATCH_NAME.match(name) is not None


def inventory(root: Path) -> tuple[list[Entry], list[ContentError]]:
    """Every content file the build reads, and an error for every other file under content/."""
    content = root / "content"
    files, errors = walk(content, root)
    entries: list[Entry] = []
    present = set()
    for shown, real in files:
        inner = shown[len("content/"):]
        name = inner.rsplit("/", 1)[-1]
        if is_scratch(name):
            continue
        folder = inner.rsplit("/", 1)[0] if "/" in inner else ""
        if inner in SINGLES:
            entries.append(Entry(shown, real, SINGLES[inner]))
            present.add(inner)
        elif folder in COLLECTIONS and name.endswith(".md") and not name.startswith("."):
            entries.append(Entry(shown, real, COLLECTIONS[folder]))
        else:
            errors.append(ContentError(shown, 1, unread_reason(inner, folder, name)))
    for inner, kind in SINGLES.items():
        if inner not in present:
            errors.append(ContentError(f"content/{inner}", 1, "missing file: the build needs it"))
    return entries, errors


def unread_reason(inner: str, folder: str, name: str) -> str:
    """Why the build does not read a file under content/, and what to do instead."""
    if name.startswith("."):
        return "hidden file: the build does not read it; rename it without the leading '.' or remove it"
    for collection in COLLECTIONS:
        if folder.startswith(collection + "/"):
            return f"the build does not read subfolders of content/{collection}/: move the file up into that folder"
    if folder in COLLECTIONS:
        return f"the build reads only .md files in content/{folder}/: rename it to end in .md, or remove it"
    places = ", ".join(f"content/{c}/" for c in COLLECTIONS)
    return f"the build does not read this file: content files live in {places} (see docs/content-format.md)"


# Reading files --------------------------------------------------------------------

def read_bytes(entry: Entry) -> tuple[bytes | None, ContentError | None]:
    """The file's bytes, reading at most MAX_FILE_BYTES + 1 of them."""
    try:
        with open(entry.file, "rb") as f:
            # read(n) sets aside n bytes first: ask for what the file holds (plus one, to see it grow), not the limit
            want = min(os.fstat(f.fileno()).st_size, MAX_FILE_BYTES) + 1
            data = f.read(want)
            if len(data) == want and want <= MAX_FILE_BYTES:  # longer than it said: read on, to the limit
                data += f.read(MAX_FILE_BYTES + 1 - want)
    except OSError as exc:
        return None, ContentError(entry.path, 1, f"cannot read this file: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        size = os.path.getsize(entry.file)
        return None, ContentError(entry.path, 1, f"file is {size / 1024:,.0f} KB; content files are limited to "
                                                 f"{MAX_FILE_BYTES // 1024} KB (split it, or move long text out)")
    return data, None


def decode(path: str, data: bytes) -> tuple[str | None, ContentError | None]:
    """UTF-8 text with one kind of line end; a byte-order mark is dropped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        return None, ContentError(path, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x} in column {column}); "
                                              "save the file as UTF-8")
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, ContentError(path, line, "a NUL byte: this is not a text file")
    return text, None


def read_source(entry: Entry) -> tuple[SourceFile | None, list[ContentError]]:
    """Read one content file: bounded, decoded, front matter split and parsed."""
    data, err = read_bytes(entry)
    if err:
        return None, [err]
    text, err = decode(entry.path, data)
    if err:
        return None, [err]
    digest = hashlib.sha256(entry.path.encode() + b"\0" + data).hexdigest()
    if entry.path.endswith(".md"):
        return split_markdown(entry, text, digest)
    parsed = yamlsafe.load(text)
    errors = [ContentError(entry.path, p.line, p.message) for p in parsed.problems]
    if any(p.fatal for p in parsed.problems):
        return None, errors
    return SourceFile(entry.path, entry.kind, parsed.data, parsed.lines, text, digest=digest), errors


def split_markdown(entry: Entry, text: str, digest: str) -> tuple[SourceFile | None, list[ContentError]]:
    """Split the `---` front matter from the Markdown body and parse it."""
    lines = text.split("\n")
    if not text.strip():
        return None, [ContentError(entry.path, 1, "empty file: it must start with front matter between two '---' lines")]
    if lines[0].rstrip() != "---":
        return None, [ContentError(entry.path, 1, "missing front matter: the file must start with a line '---'")]
    for end in range(1, len(lines)):
        if lines[end].rstrip() == "---":
            break
    else:
        return None, [ContentError(entry.path, 1, "front matter is not closed: add a line '---' after it")]
    yaml_text = "\n".join(lines[1:end]) + "\n"
    parsed = yamlsafe.load(yaml_text, line_offset=1)
    errors = [ContentError(entry.path, p.line + 1, p.message) for p in parsed.problems]
    broken = any(p.fatal for p in parsed.problems)
    body = "\n".join(lines[end + 1:])
    # With broken YAML the body is still returned (data None), so its own problems are found in the same run.
    return SourceFile(entry.path, entry.kind, None if broken else parsed.data, parsed.lines, yaml_text, body,
                      yaml_line=2, body_line=end + 2, digest=digest, broken=broken), errors


# The other folders a build reads ---------------------------------------------------

def list_assets(root: Path) -> tuple[dict[str, Path], list[ContentError]]:
    """Every file under assets/ to publish, by output path (assets/…); scratch and hidden files are not published."""
    files, errors = walk(root / "assets", root)
    found = {}
    for shown, real in files:
        parts = shown.split("/")
        if any(p.startswith(".") for p in parts) or is_scratch(parts[-1]):
            continue
        found[shown] = Path(real)
    return found, errors


def check_templates(root: Path) -> list[ContentError]:
    """Templates are read by Jinja from templates/: every symlink there must stay inside the project."""
    return walk(root / "templates", root)[1]
