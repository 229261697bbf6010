#!/usr/bin/env python3
"""One edit, one rebuild: what `serve` spends between noticing a save and the site being ready.

    .venv/bin/python bench/edit_bench.py                                  # the real hub (a copy)
    .venv/bin/python bench/edit_bench.py --project /dev/shm/hub-bench/10000/hub --edits 10

A copy of the project is built once with the serve cache (hub.serve.ServeCache, as `serve`
keeps it), then one case study's summary is changed and the site rebuilt, `--edits` times.
Each rebuild is timed in the process, as serve runs it: read what changed, validate it, link
the site, render the pages the edit touches, write them. Prints each figure, the median and
the worst, and the pages rendered per edit. Then a cold build of the same copy, and a check
that the preview (the served folder, and the index files serve holds in memory) is
byte-identical to it. bench/serve_bench.py measures the same path
end to end (save -> Chromium shows it), watcher and reload included.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def same_tree(a: Path, b: Path, held: dict[str, tuple[bytes, ...]]) -> bool:
    """The preview (folder `a`, and the files serve holds in memory) is byte-identical to folder `b`."""
    files = lambda root: {str(p.relative_to(root)) for p in root.rglob("*")  # noqa: E731
                          if p.is_file() and "_dev" not in p.parts and p.name != ".hub-site"}
    names = files(a)
    if names | set(held) != files(b):
        return False
    return (all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)
            and all((b / n).read_bytes() == b"".join(parts) for n, parts in held.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()

    from hub.config import Config
    from hub.pipeline import build
    from hub.serve import ServeCache

    with tempfile.TemporaryDirectory(prefix="hub-edit-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(args.project, root, ignore=shutil.ignore_patterns("site", ".git", ".venv", ".hub-cache", "node_modules"))
        served, cold = Path(tmp) / "served", Path(tmp) / "cold"
        cache = ServeCache(served)
        config = Config(root, served, drafts=True, dev=True)
        start = time.perf_counter()
        first = build(config, cache=cache)
        print(f"first build (serve's start): {time.perf_counter() - start:.2f} s, {first.pages} pages")

        source = sorted((root / "content" / "case-studies").glob("*.md"))[0]
        original = source.read_text(encoding="utf-8")
        line = next((ln for ln in original.splitlines() if ln.startswith("summary:")), "")
        if line.rstrip().endswith((">", ">-", "|", "|-")) or not line:  # a block (or no) summary: add to the body
            line = None
            print("(its summary is a block: each edit adds a sentence to the body instead)")
        counted: list[int] = []
        changed = cache.changed
        cache.changed = lambda *a: (lambda todo: counted.append(len(todo)) or todo)(changed(*a))
        times = []
        for i in range(args.edits):
            edited = original.replace(line, f"{line} Edit {i}.", 1) if line else original.rstrip("\n") + f"\n\nEdit {i}.\n"
            source.write_text(edited, encoding="utf-8")
            start = time.perf_counter()
            build(config, cache=cache)
            times.append(time.perf_counter() - start)
        print(f"one edit of {source.relative_to(root)}: " + " ".join(f"{t * 1000:.0f}" for t in times) + " ms")
        print(f"  median {statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms, "
              f"pages rendered per edit: {sorted(set(counted[1:]))}")

        start = time.perf_counter()
        build(Config(root, cold, drafts=True, dev=True))
        print(f"cold build of the same: {time.perf_counter() - start:.2f} s")
        identical = same_tree(served, cold, cache.live.held)
        print("served folder byte-identical to the cold build:", "yes" if identical else "NO")
        return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
