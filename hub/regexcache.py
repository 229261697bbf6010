"""Compiled regular expressions kept between runs, as __pycache__ keeps compiled modules.

Importing Jinja2, Python-Markdown, PyYAML and the hub compiles about 140 regular expressions,
and Python compiles each one with its pure-Python compiler (`re._compiler`): about 12 ms of
every start, before any work, a sixteenth of the real hub's whole build. What that compiler
hands to the C engine (`_sre.compile`) is plain data (flags, a list of opcodes, group names)
that depends only on the pattern, its flags and the interpreter, so it is kept in a file,
keyed by the interpreter's version and the engine's MAGIC number, and the next run hands it
to the engine straight away.

`build.py` installs it before importing anything else and saves what was new after a build.
Nothing is trusted blindly: an unreadable or foreign file is ignored (and rewritten); a
pattern the file lacks is compiled as Python always does. Where the interpreter's `re`
internals are not the ones this was written for, `install` does nothing.
`tests/test_regexcache.py` holds every kept pattern equal to Python's own compilation.
"""

from __future__ import annotations

import marshal
import os
import sys

import _sre
import re
from re import _compiler, _parser

MAX_PATTERNS = 4096  # a bound on the file, whatever compiles patterns at run time

_known: dict[tuple, tuple] = {}
_new: dict[tuple, tuple] = {}
_original = _compiler.compile
_file: str | None = None


def engine_arguments(pattern: str | bytes, flags: int) -> tuple:
    """What `re._compiler.compile` passes to `_sre.compile` after the pattern: (flags, code, groups,
    groupindex, indexgroup), as plain data."""
    parsed = _parser.parse(pattern, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]  # some are named int constants
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def compile(pattern, flags=0):  # noqa: A001 - stands in for re._compiler.compile
    if not isinstance(pattern, (str, bytes)) or flags & re.DEBUG:
        return _original(pattern, flags)
    key = (pattern, int(flags))
    kept = _known.get(key)
    if kept is not None:
        try:
            return _sre.compile(pattern, *kept)
        except Exception:  # noqa: BLE001 - a damaged entry (the engine checks the code): compile it afresh
            del _known[key]
    arguments = _new.get(key) or engine_arguments(pattern, flags)
    if len(_known) + len(_new) < MAX_PATTERNS:
        _new[key] = arguments
    return _sre.compile(pattern, *arguments)


def supported() -> bool:
    """Are `re`'s internals the ones this module was written for (Python 3.11 to 3.13)?"""
    return ((3, 11) <= sys.version_info[:2] <= (3, 13) and sys.implementation.name == "cpython"
            and all(hasattr(m, n) for m, n in ((_compiler, "_code"), (_compiler, "compile"), (_parser, "parse"))))


def install(folder: str) -> None:
    """Compile regular expressions through the kept ones in `folder` (created when first saved)."""
    global _file
    if not supported() or _compiler.compile is compile:
        return
    _file = os.path.join(folder, f"regex-{sys.implementation.cache_tag}-{_sre.MAGIC}.marshal")
    try:
        with open(_file, "rb") as f:
            data = marshal.load(f)
        if isinstance(data, dict):
            _known.update(data)
    except (OSError, EOFError, ValueError, TypeError):
        pass  # none yet, or unreadable: written afresh by save()
    _compiler.compile = compile


def save() -> None:
    """Write the kept patterns with those compiled in this run, if there were any (atomically)."""
    if not _new or _file is None:
        return
    data = {**_known, **_new}
    try:
        os.makedirs(os.path.dirname(_file), exist_ok=True)
        temporary = f"{_file}.{os.getpid()}"
        with open(temporary, "wb") as f:
            marshal.dump(data, f)
        os.replace(temporary, _file)
    except OSError:
        return  # a read-only checkout: compile as before
    _known.update(_new)
    _new.clear()
