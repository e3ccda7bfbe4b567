"""``python -m nonlin`` and the ``nonlin`` command (``run``, pyproject's [project.scripts]).

``run`` imports the command line inside its ``try``, so that a Ctrl-C at any moment
after the package itself is imported, also while the commands' modules load or the
parser is built, ends with ``nonlin: interrupted`` and exit status 130, not a
traceback. This module imports nothing but ``sys`` before that.
"""

import sys


def run() -> None:
    """Run ``nonlin.cli.main`` on ``sys.argv`` and exit with its status (130 on Ctrl-C)."""
    try:
        from .cli import main

        status = main()
    except KeyboardInterrupt:
        print("\nnonlin: interrupted", file=sys.stderr)
        status = 130
    sys.exit(status)


if __name__ == "__main__":
    run()
