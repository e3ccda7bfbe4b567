"""Suite-wide test settings.

Hypothesis draws the same examples on every run, so that the suite (and CI)
gives one verdict per commit; ``NONLIN_FUZZ=1`` draws fresh random examples
instead, for longer fuzzing outside CI (with ``NONLIN_MUTATIONS=N`` for the
file-loader tests' example count).
"""

from __future__ import annotations

import os

try:
    from hypothesis import settings
except ImportError:  # hypothesis (the dev extra) not installed: nothing to set
    pass
else:
    settings.register_profile("deterministic", derandomize=True)
    settings.register_profile("fuzz", derandomize=False)
    settings.load_profile("fuzz" if os.environ.get("NONLIN_FUZZ") else "deterministic")
