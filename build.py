#!/usr/bin/env python3
"""The Relationships Hub's command line: build (default), check, new, serve.

    python build.py                     build the site into site/
    python build.py check               check everything a build checks, writing nothing
    python build.py new "Organisation"  start a case study from the template
    python build.py serve               preview with live reload

The same commands are the `hub` command once the project is installed (pip install .).
The pipeline is hub/pipeline.py's build(): load -> validate -> link -> render -> index
-> write, one module of hub/ per stage; the command line is hub/cli.py.
"""

import gc
import os
import sys

gc.disable()  # the imports below make many objects and no garbage: the build turns the collector back on
from hub import regexcache  # noqa: E402

regexcache.install(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".hub-cache"))  # before the imports below
from hub.cli import main  # noqa: E402
from hub.pipeline import Built, build, check  # noqa: F401, E402 - the pipeline, for scripts and tests

if __name__ == "__main__":
    status = main()
    regexcache.save()  # the regular expressions compiled for the first time (hub/regexcache.py)
    # Done: every file is written and closed. Tearing down the interpreter would free the whole
    # site object by object (50 ms for the real hub, seconds for a big bank) for nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
