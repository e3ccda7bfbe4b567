"""Rebuild the files in this folder from the commits that wrote them.

``python3 tests/data/old_files/rebuild.py [OUT]`` (from the repository root, whose git
history holds the commits): each commit's ``src`` is taken with ``git archive`` into a
temporary folder, and ``write.py`` runs under it (``PYTHONPATH=<that folder>/src``), writing
``<commit>/`` in ``OUT`` (default: here): the files and ``expected.json``, the inputs and
that nonlin's numbers. The commits' NumPy is today's: rerun only to add a commit or a kind,
and check that the files already here come back the same (``git diff --stat``, or
``diff -r`` against a rebuild in another ``OUT``): byte for byte, but for f39315e's, whose
header keys that nonlin wrote in a hash order that changes from run to run (sorted since
897b3e8), and whose ``cli`` file records when it was trained (``training.created``); their
tensors and ``expected.json`` come back the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# commit (first-parent merges on main), what it brought, the kinds written with it
COMMITS = {
    # 2026-11-29: the first main with io, checkpoints, the CLI and the estimators' save
    "f39315e": ["plain", "bn", "f32", "checkpoint", "estimator", "estimator_sgd",
                "estimator_lbfgs", "cli"],
    # 2026-11-30: nonlin.save writes the compile record (loss, optimizer and its slots);
    # estimator files hold the optimizer and still name init 'zeros' (until 8a2fe9d)
    "8e45737": ["compiled", "estimator"],
    # 2026-12-01: BackupAndRestore's backups, the compile record's metric bounds
    "c9fbcfa": ["compiled", "backup"],
}


def main(dest: str = HERE) -> None:
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=HERE, check=True,
                          capture_output=True, text=True).stdout.strip()
    for commit, kinds in COMMITS.items():
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "archive", commit, "src"], cwd=root, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            out = os.path.join(os.path.abspath(dest), commit)
            shutil.rmtree(out, ignore_errors=True)
            env = {**os.environ, "PYTHONPATH": os.path.join(tmp, "src")}
            subprocess.run([sys.executable, os.path.join(HERE, "write.py"), out, commit, *kinds],
                           env=env, check=True, cwd=tmp)


if __name__ == "__main__":
    main(*sys.argv[1:2])
