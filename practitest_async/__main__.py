"""``python -m practitest_async ...`` is the ``practitest-async`` command (try ``demo``)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
