"""``python -m nonlin``: the same as the ``nonlin`` command."""

import sys

from .cli import main

sys.exit(main())
