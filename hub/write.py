"""Stage 6, write: check every internal link, then write into a fresh folder and swap it in.

A failed build never touches the previous output: the new site is written beside
it and renamed into place only when everything succeeded.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from .errors import BuildError, ContentError

LINK = re.compile(r"""\b(?:href|src)\s*=\s*(["'])(.*?)\1""", re.I | re.S)
EXTERNAL_SCHEMES = ("http:", "https:", "//")
ALLOWED_SCHEMES = ("mailto:",)


def collect_assets(assets_dir: Path) -> dict[str, bytes]:
    """Every file under assets/, keyed by its output path (assets/…)."""
    out = {}
    if assets_dir.is_dir():
        for p in sorted(assets_dir.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                out["assets/" + p.relative_to(assets_dir).as_posix()] = p.read_bytes()
    return out


def check_links(files: dict[str, str | bytes], base_url: str | None = None) -> list[ContentError]:
    """Every href/src in every HTML page must name a file of the site, relatively."""
    errors = []
    for path in sorted(files):
        if not path.endswith(".html"):
            continue
        text = files[path]
        for match in LINK.finditer(text):
            url = match.group(2).strip()
            if base_url and url.startswith(base_url.rstrip("/") + "/"):
                # An absolute link to the site itself (404.html's <base>, which lets it
                # work at any depth): check it as a link from the site root.
                path_from_root = url[len(base_url.rstrip("/")) + 1:]
                problem = link_problem("index.html", path_from_root, files) if path_from_root else None
            else:
                problem = link_problem(path, url, files)
            if problem:
                line = text.count("\n", 0, match.start()) + 1
                errors.append(ContentError(f"site/{path}", line, f"link {url!r}: {problem}"))
    return errors


def link_problem(page: str, url: str, files) -> str | None:
    problem, resolved = _classify(posixpath.dirname(page), url)
    if problem or resolved is None:
        return problem
    return None if resolved in files else f"no such file in the site ({resolved})"


@lru_cache(maxsize=65536)
def _classify(folder: str, url: str) -> tuple[str | None, str | None]:
    """(problem, None) for a bad link; (None, path from the site root) for a file link; (None, None) if nothing to check."""
    if url.startswith(ALLOWED_SCHEMES) or url.startswith("#"):
        return None, None
    if url == "":
        return "empty link", None
    if url.lower().startswith(EXTERNAL_SCHEMES):
        return "points outside the site; the hub links only to its own files", None
    if ":" in url.split("/")[0]:
        return "unsupported URL scheme", None
    if url.startswith("/"):
        return "absolute path; links must be relative so the site works from disk", None
    target = url.split("#", 1)[0].split("?", 1)[0]
    if target == "" or target.endswith("/") or target in (".", ".."):
        return "links to a folder; name the file (…/index.html)", None
    resolved = posixpath.normpath(posixpath.join(folder, target))
    if resolved.startswith("../") or resolved == "..":
        return "leaves the site folder", None
    return None, resolved


def safe_path(out: Path, rel: str) -> Path:
    """The destination of `rel` inside `out`; refuses anything that would land outside."""
    target = (out / rel).resolve()
    if not str(target).startswith(str(out.resolve()) + os.sep):
        raise BuildError([ContentError(rel, 1, "refusing to write outside the output folder")])
    return target


def write_site(files: dict[str, str | bytes], out_dir: Path) -> None:
    """Write every file into a temporary folder beside `out_dir`, then swap it into place."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        for rel in sorted(files):
            target = safe_path(staging, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = files[rel]
            if isinstance(data, str):
                data = data.encode("utf-8")
            target.write_bytes(data)
        os.chmod(staging, 0o755)
        swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def swap_into_place(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames; the old tree is removed afterwards."""
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        old.rmdir()
        os.rename(out_dir, old)
        os.rename(staging, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, out_dir)
