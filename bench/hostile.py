#!/usr/bin/env python3
"""The hostile corpus, run and tabulated: each input, the build's exit code, seconds, peak memory,
first line of output, and whether site/ is intact (unchanged after a failure, whole after success).

    .venv/bin/python bench/hostile.py               # every case (a few minutes)
    .venv/bin/python bench/hostile.py nest bomb     # only cases whose name contains a word

The same cases are asserted by tests/test_hostile.py; this script prints the figures.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import hostile  # noqa: E402


def main() -> int:
    words = sys.argv[1:]
    cases = [(n, d, lambda w, n=n: hostile.run_case(n, w)) for n, (d, _) in hostile.CASES.items()]
    mount = hostile.can_mount()
    for name, (what, run, needs_mount) in hostile.ENVIRONMENT.items():
        if needs_mount and not mount:
            print(f"skipped {name}: mounting a tmpfs needs root", file=sys.stderr)
            continue
        cases.append((name, what, run))
    print("| input | exit | seconds | peak MB | first line of output | site/ intact |")
    print("| --- | --- | --- | --- | --- | --- |")
    failures = 0
    for name, what, run in cases:
        if words and not any(w in name for w in words):
            continue
        work = Path(tempfile.mkdtemp(prefix="hostile-"))
        try:
            outcome = run(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        line = outcome.first_line.replace("|", "\\|")
        if len(line) > 110:
            line = line[:107] + "…"
        bad = "Traceback" in outcome.output or outcome.code not in (0, 1) or not outcome.intact
        failures += bad
        print(f"| {what} | {outcome.code} | {outcome.seconds:.2f} | {outcome.peak_mb:.0f} | {line} | "
              f"{'yes' if outcome.intact else 'NO'} |", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
