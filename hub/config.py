"""The build's configuration: one frozen object, made once by the command line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Config:
    root: Path  # the project folder: content/, templates/, assets/ live here
    out_dir: Path
    base_url: str | None = None  # for sitemap.xml and the feed, which need absolute URLs
    drafts: bool = False
    dev: bool = False  # `serve`: adds the script that shows a failed rebuild in the browser
    jobs: int | None = None  # worker processes; None: as many as the machine has cores, for big sites

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def assets_dir(self) -> Path:
        return self.root / "assets"
