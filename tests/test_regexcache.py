"""hub/regexcache.py: a kept compilation is the one Python makes, and a damaged file costs nothing but time.

Two compiled patterns are equal (==) only when their pattern, flags and engine code are equal,
so each check below compares the whole compilation, not a few matches.
"""

from __future__ import annotations

import marshal
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub import regexcache

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not regexcache.supported(), reason="re's internals differ on this interpreter")


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """regexcache with nothing kept, installed over tmp_path, and taken out again afterwards."""
    monkeypatch.setattr(regexcache, "_known", {})
    monkeypatch.setattr(regexcache, "_new", {})
    monkeypatch.setattr(regexcache, "_file", None)
    monkeypatch.setattr(re._compiler, "compile", regexcache._original)
    re.purge()
    yield tmp_path
    re.purge()


def kept_in(folder: Path) -> dict:
    (file,) = folder.glob("regex-*.marshal")
    return marshal.loads(file.read_bytes())


def test_every_pattern_a_build_keeps_compiles_as_python_compiles_it(tmp_path):
    # A whole start of the hub (every module build.py imports), in a fresh interpreter.
    script = ("import sys; from hub import regexcache; regexcache.install(sys.argv[1]); "
              "import hub.cli, hub.render, hub.serve; regexcache.save()")
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, check=True)
    kept = kept_in(tmp_path)
    assert len(kept) > 50  # Jinja2's, Python-Markdown's, PyYAML's and the hub's own
    for (pattern, flags), arguments in kept.items():
        assert regexcache._sre.compile(pattern, *arguments) == regexcache._original(pattern, flags), pattern


PIECES = st.sampled_from(["a", "b", "\\d", "\\w+", "\\s*", ".", "^", "$", "(", ")", "(?P<n>", "(?:", "(?=", "(?!",
                          "(?<=x)", "[", "]", "[^a-z]", "|", "*", "+?", "{2,3}", "\\1", "(?P=n)", "é", "\\b", "(?i)"])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join), st.sampled_from([0, re.I, re.M | re.S, re.X, re.A]))
def test_any_pattern_compiles_the_same_through_the_cache_first_and_second_time(pattern, flags):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" and the like: not what is checked here
        try:
            expected = regexcache._original(pattern, flags)
        except re.error:
            return
        known, new = dict(regexcache._known), dict(regexcache._new)
        try:
            regexcache._known.clear()
            regexcache._new.clear()
            first = regexcache.compile(pattern, flags)  # compiled, and kept
            regexcache._known.update(regexcache._new)
            regexcache._new.clear()
            second = regexcache.compile(pattern, flags)  # from what was kept
        finally:
            regexcache._known.clear()
            regexcache._known.update(known)
            regexcache._new.clear()
            regexcache._new.update(new)
    assert first == expected
    assert second == expected


def test_a_damaged_or_foreign_file_is_ignored_and_written_afresh(fresh):
    regexcache.install(str(fresh))
    name = Path(regexcache._file).name
    pattern = r"(?P<word>\w+)-\d{2}"
    good = regexcache.engine_arguments(pattern, 0)
    damaged = (good[0], [9999] + good[1], *good[2:])
    (fresh / name).write_bytes(marshal.dumps({(pattern, 0): damaged, ("x", 0): "not arguments"}))
    regexcache._known.clear()
    regexcache._compiler.compile = regexcache._original
    regexcache.install(str(fresh))

    assert re.compile(pattern).match("abc-42")["word"] == "abc"
    assert re.compile(pattern) == regexcache._original(pattern, 0)
    assert re.compile("x") == regexcache._original("x", 0)
    regexcache.save()
    assert kept_in(fresh)[(pattern, 0)] == good

    (fresh / name).write_bytes(b"\x00not marshal")
    regexcache._known.clear()
    regexcache._compiler.compile = regexcache._original
    regexcache.install(str(fresh))
    assert re.compile(r"q+z").fullmatch("qqz")
