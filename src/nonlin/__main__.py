"""``python -m nonlin`` and the ``nonlin`` command (``run``, pyproject's [project.scripts]).

``run`` imports the command line inside its ``try``, so that a Ctrl-C at any moment
after the package itself is imported, also while the commands' modules load or the
parser is built, ends with ``nonlin: interrupted`` and exit status 130, not a
traceback; and a ``MemoryError`` there (a tiny ``ulimit -v``) with one line and
status 2, as running out of memory during a command does. This module imports
nothing but ``sys`` before that.
"""

import sys


def run() -> None:
    """Run ``nonlin.cli.main`` on ``sys.argv`` and exit with its status (130 on Ctrl-C; 2,
    with one line, when memory runs out while the command line's modules load)."""
    try:
        from .cli import main

        status = main()
    except KeyboardInterrupt:
        print("\nnonlin: interrupted", file=sys.stderr)
        status = 130
    except MemoryError as exc:  # the imports under a small limit (ulimit -v, a container's)
        detail = f" ({exc})" if str(exc) else ""
        print(f"nonlin: error: out of memory while loading nonlin's modules{detail}; the "
              "process needs more memory than its limit allows", file=sys.stderr)
        status = 2  # as out of memory during a command (cli.main): not a bug in nonlin
    sys.exit(status)


if __name__ == "__main__":
    run()
