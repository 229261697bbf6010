"""The hostile corpus: inputs an attacker or a clumsy contributor can send, and how to run a build on each.

Used by tests/test_hostile.py (which asserts the outcome) and by bench/hostile.py (which
prints the table of exit code, seconds, peak memory, first line and whether site/ is
intact). Every case plants its input in a copy of the real project; the build must
finish with a clear `path:line` error (or a correct build), never a traceback, and leave
site/ a whole tree.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GOOD = """---
title: Hostile Trust
number: 900
type_of_place: [Charity]
sectors: [Health]
location: Leeds, England
summary: Hostile helps people.
spotlight: Trusting relationships help.
opportunities:
  planning: A plan.
---
Body.
"""


def bomb(levels: int) -> str:
    """A billion-laughs front matter: `levels` anchors, each nine aliases of the one before."""
    lines = ["title: Bomb", "unknown_key: 1", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n"


def write(project: Path, rel: str, data: str | bytes) -> None:
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def case_study(data: str | bytes):
    return lambda project: write(project, "content/case-studies/hostile.md", data)


def link(rel: str, target: str | None):
    """A symlink at `rel`; target None makes a loop (rel -> rel)."""

    def plant(project: Path) -> None:
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(path if target is None else target, path)

    return plant


def outside_file(project: Path) -> str:
    secret = project.parent / "secret-outside.md"
    secret.write_text("---\ntitle: Secret\ndescription: SECRET-OUTSIDE-THE-REPOSITORY\n---\nSECRET\n")
    return str(secret)


def dangling(rel: str):
    return link(rel, "/nonexistent/nowhere.md")


# name -> (what it is, how to plant it)
CASES: dict[str, tuple[str, object]] = {
    "alias-bomb-7x7": ("7 levels of 9 aliases, and an unknown key", case_study(bomb(7))),
    "alias-bomb-8x8": ("8 levels of 9 aliases, and an unknown key", case_study(bomb(8))),
    "alias-bomb-9x9": ("9 levels of 9 aliases, and an unknown key", case_study(bomb(9))),
    "alias-bomb-9x9-alone": ("9 levels of 9 aliases in a valid file", case_study(bomb(9).replace("unknown_key: 1\n", "") + GOOD.split("---\n", 2)[2])),
    "nest-1000": ("1 000 nested lists", case_study("---\ntitle: Deep\nx: " + "[" * 1000 + "]" * 1000 + "\n---\n")),
    "nest-10000": ("10 000 nested lists", case_study("---\ntitle: Deep\nx: " + "[" * 10_000 + "]" * 10_000 + "\n---\n")),
    "nest-1000000": ("10^6 nested lists (2 MB)", case_study("---\ntitle: Deep\nx: " + "[" * 10**6 + "]" * 10**6 + "\n---\n")),
    "nest-block-1000": ("1 000 nested block mappings", case_study("---\n" + "".join(" " * i + f"k{i}:\n" for i in range(1000)) + "---\n")),
    "python-object": ("!!python/object", case_study(GOOD.replace("title: Hostile Trust", "title: !!python/object:os.system 'ls'"))),
    "int-abc": ("!!int abc", case_study(GOOD.replace("number: 900", "number: !!int abc"))),
    "float-abc": ("!!float abc", case_study(GOOD.replace("number: 900", "number: !!float abc"))),
    "impossible-date": ("updated: 2024-02-30", case_study(GOOD.replace("number: 900", "number: 900\nupdated: 2024-02-30"))),
    "impossible-date-site": ("site.yaml updated: 2024-02-30", lambda p: write(p, "content/site.yaml", (p / "content/site.yaml").read_text().replace("updated: ", "updated: 2024-02-30\nold_updated: "))),
    "duplicate-keys": ("title written twice", case_study(GOOD.replace("number: 900", "number: 900\ntitle: Again"))),
    "bom": ("a UTF-8 byte-order mark before ---", case_study(b"\xef\xbb\xbf" + GOOD.encode())),
    "crlf": ("CRLF line ends", case_study(GOOD.replace("\n", "\r\n"))),
    "cr-only": ("CR-only line ends", case_study(GOOD.replace("\n", "\r"))),
    "empty-file": ("an empty file", case_study("")),
    "only-dashes": ("a file that is only ---", case_study("---\n")),
    "non-utf8": ("Latin-1 bytes", case_study(GOOD.replace("Hostile helps", "Caf\xe9 helps").encode("latin-1"))),
    "body-5mb": ("a 5 MB body", case_study(GOOD + ("Ordinary words in a long paragraph. " * 140_000))),
    "body-50mb": ("a 50 MB body", case_study(GOOD + ("Ordinary words in a long paragraph. " * 1_400_000))),
    "brackets-10kb": ("10 KB of [", case_study(GOOD + "[" * 10_000 + "\n")),
    "brackets-200kb": ("200 KB of [", case_study(GOOD + "[" * 200_000 + "\n")),
    "stars-1mb": ("1 MB of *a", case_study(GOOD + "*a" * 500_000 + "\n")),
    "stars-400kb": ("400 KB of *a (under the size limit)", case_study(GOOD + "*a" * 200_000 + "\n")),
    "symlink-outside-content": ("content/pages/leak.md -> a file outside the repository", lambda p: link("content/pages/leak.md", outside_file(p))(p)),
    "symlink-passwd-content": ("content/pages/passwd.md -> /etc/passwd", link("content/pages/passwd.md", "/etc/passwd")),
    "symlink-loop-content": ("content/pages/loop.md -> itself", link("content/pages/loop.md", None)),
    "symlink-dangling-content": ("content/pages/gone.md -> nowhere", dangling("content/pages/gone.md")),
    "symlink-outside-assets": ("assets/leak.txt -> a file outside the repository", lambda p: link("assets/leak.txt", outside_file(p))(p)),
    "symlink-passwd-assets": ("assets/passwd.txt -> /etc/passwd", link("assets/passwd.txt", "/etc/passwd")),
    "symlink-loop-assets": ("assets/loop.txt -> itself", link("assets/loop.txt", None)),
    "symlink-dangling-assets": ("assets/gone.txt -> nowhere", dangling("assets/gone.txt")),
    "symlink-folder-outside": ("content/case-studies/more -> /etc", link("content/case-studies/more", "/etc")),
}


@dataclass
class Outcome:
    code: int
    seconds: float
    peak_mb: float
    output: str
    intact: bool

    @property
    def first_line(self) -> str:
        return next((line for line in self.output.splitlines() if line.strip()), "")


def make_project(into: Path, extra_case_studies: int = 0) -> Path:
    """A copy of the real project (content, templates, assets), optionally with synthetic case studies."""
    project = into / "project"
    for folder in ("content", "templates", "assets"):
        shutil.copytree(ROOT / folder, project / folder)
    for i in range(extra_case_studies):
        text = GOOD.replace("Hostile Trust", f"Synthetic {i}").replace("number: 900", f"number: {1000 + i}")
        text += "\n".join(f"Paragraph {k} with **some** words, a [link](../../cards/index.html) and more words." for k in range(30))
        (project / "content" / "case-studies" / f"synthetic-{i}.md").write_text(text)
    return project


def digest(folder: Path) -> str | None:
    if not folder.is_dir():
        return None
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def whole(out: Path) -> bool:
    """A whole site: the marker, the home page and the index, and no half-written staging beside it."""
    return all((out / f).is_file() for f in (".hub-site", "index.html", "index.js", "404.html"))


TIME = "/usr/bin/time"  # GNU time: measures the build's own peak memory (a child inherits its parent's at exec)
PEAK = "HUB-PEAK-KB "


def start_build(project: Path, out: Path, preexec=None, measure: bool = True) -> subprocess.Popen:
    argv = [sys.executable, str(ROOT / "build.py"), "--root", str(project), "--out", str(out)]
    if measure and os.path.exists(TIME):
        argv = [TIME, "-f", f"{PEAK}%M"] + argv
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=preexec)


def finish(proc: subprocess.Popen, started: float, timeout: float) -> tuple[int, float, float, str]:
    """Wait for `proc` (killing it after `timeout`): exit code, seconds, peak MB, output."""
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    output = proc.stdout.read().decode("utf-8", "replace")
    proc.stdout.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss / 1024
    if PEAK in output:
        output, _, measured = output.rpartition(PEAK)
        peak = int(measured.split()[0]) / 1024
        output = "\n".join(line for line in output.splitlines() if not line.startswith("Command exited with"))
    return proc.returncode, seconds, peak, output


def run_build(project: Path, out: Path, timeout: float = 120, preexec=None) -> Outcome:
    before = digest(out)
    started = time.perf_counter()
    proc = start_build(project, out, preexec)
    code, seconds, peak, output = finish(proc, started, timeout)
    intact = (digest(out) == before) if code != 0 else whole(out)
    return Outcome(code, seconds, peak, output, intact)


def run_case(name: str, workdir: Path, built: Path | None = None) -> Outcome:
    """Plant the case in a project that has a site already (`built`, copied, or made here), and build again."""
    if built is None:
        project = make_project(workdir)
        assert run_build(project, project / "site").code == 0
    else:
        project = workdir / "project"
        shutil.copytree(built, project, symlinks=True, ignore=shutil.ignore_patterns(".site.*"))
    CASES[name][1](project)
    return run_build(project, project / "site")


# The file system and the process ------------------------------------------------------

def can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    probe = Path(tempfile.mkdtemp())
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)], capture_output=True).returncode == 0
    if ok:
        subprocess.run(["umount", str(probe)], capture_output=True)
    probe.rmdir()
    return ok


def mounted(workdir: Path, options: str) -> Path:
    point = workdir / f"mnt-{options.replace(',', '-').replace('=', '')}"
    point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], check=True)
    return point


def unmount(point: Path) -> None:
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


def run_on_tmpfs(options: str):
    """A build into a small tmpfs mounted with `options` (read-only, or too small to hold the site)."""
    def run(workdir: Path) -> Outcome:
        project = make_project(workdir)
        point = mounted(workdir, options)
        try:
            return run_build(project, point / "site")
        finally:
            unmount(point)
    return run


run_read_only = run_on_tmpfs("size=1m,ro")
run_full_disk = run_on_tmpfs("size=1m")


def run_file_size_limit(workdir: Path) -> Outcome:
    project = make_project(workdir)
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))  # noqa: E731
    return run_build(project, project / "site", preexec=limit)


def run_two_at_once(workdir: Path) -> Outcome:
    """Two builds into one folder at the same moment: both succeed (one waits), and the site is whole."""
    project = make_project(workdir, extra_case_studies=200)
    out = project / "site"
    started = time.perf_counter()
    procs = [start_build(project, out) for _ in range(2)]
    results = [finish(p, started, 300) for p in procs]
    code = max(r[0] for r in results)
    output = "\n".join(r[3].strip() for r in results)
    leftovers = [p.name for p in project.iterdir() if p.name.startswith(".site.new-")]
    return Outcome(code, max(r[1] for r in results), max(r[2] for r in results), output, whole(out) and not leftovers)


def run_killed(workdir: Path, fraction: float | None, size: int = 600) -> Outcome:
    """kill -9 at a fraction of a build's time (None: exactly between writing and publishing); then build again.

    site/ must be whole, old or new, right after the kill; the next build must clean up and succeed.
    """
    project = make_project(workdir, extra_case_studies=size)
    out = project / "site"
    first = run_build(project, out)
    assert first.code == 0, first.output
    old = digest(out)
    (project / "content" / "case-studies" / "synthetic-0.md").write_text(
        (project / "content" / "case-studies" / "synthetic-0.md").read_text().replace("Synthetic 0", "Synthetic Zero"))
    started = time.perf_counter()
    proc = start_build(project, out, measure=False)
    if fraction is None:  # the staging folder's marker is written just before the swap
        while proc.poll() is None and not list(project.glob(".site.new-*/.hub-site")):
            time.sleep(0.0005)
    else:
        time.sleep(first.seconds * fraction)
    os.kill(proc.pid, signal.SIGKILL)
    finish(proc, started, 60)
    for child in children_of(proc.pid):
        os.kill(child, signal.SIGKILL)
    after_kill = digest(out)
    state = "old" if after_kill == old else ("new" if whole(out) else "broken")
    again = run_build(project, out)
    leftovers = [p.name for p in project.iterdir() if p.name.startswith((".site.new-", ".site.old-"))]
    intact = state != "broken" and again.code == 0 and not leftovers
    return Outcome(again.code, time.perf_counter() - started, again.peak_mb,
                   f"site/ after the kill: {state}; next build: exit {again.code}, leftovers {leftovers or 'none'}", intact)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


ENVIRONMENT = {
    "read-only-output": ("a read-only output folder (a read-only tmpfs)", run_read_only, True),
    "full-disk": ("a full disk (a 1 MB tmpfs)", run_full_disk, True),
    "file-size-limit": ("RLIMIT_FSIZE of 64 KB", run_file_size_limit, False),
    "two-builds-at-once": ("two builds into one folder at the same moment", run_two_at_once, False),
    "kill-at-10%": ("kill -9 at 10 % of a build", lambda w: run_killed(w, 0.1), False),
    "kill-at-50%": ("kill -9 at 50 % of a build", lambda w: run_killed(w, 0.5), False),
    "kill-at-90%": ("kill -9 at 90 % of a build", lambda w: run_killed(w, 0.9), False),
    "kill-before-publish": ("kill -9 between writing and publishing", lambda w: run_killed(w, None), False),
}
