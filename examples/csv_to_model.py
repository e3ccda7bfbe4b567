"""From a CSV file to a model and predictions with the `nonlin` command, no Python API.

Run: python examples/csv_to_model.py [FOLDER]      (NumPy only; files go to FOLDER, default
a new temporary folder)

Writes spirals.csv (two coordinates and a colour per row) and new.csv, then runs, as a shell
would:

    nonlin train spirals.csv --target colour --hidden 64,64 --epochs 60 --lr 0.01 --quiet \\
        --out spirals.safetensors
    nonlin info spirals.safetensors
    nonlin evaluate spirals.safetensors spirals.csv --json
    nonlin predict spirals.safetensors new.csv --proba

(`python -m nonlin` is the same program as `nonlin`.)
"""

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from nonlin import datasets

folder = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="nonlin-"))
folder.mkdir(parents=True, exist_ok=True)

# Three interleaved spirals; the labels as text, as a CSV export would have them.
X, y = datasets.spirals(600, n_classes=3, noise=0.1, seed=0)
colours = np.array(["red", "green", "blue"])[y]
with open(folder / "spirals.csv", "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["x1", "x2", "colour"])
    writer.writerows([f"{a:.5f}", f"{b:.5f}", c] for (a, b), c in zip(X, colours, strict=True))
# Rows to predict: columns matched by name, in any order; "id" is ignored with a note.
(folder / "new.csv").write_text("id,x2,x1\nfirst,0.1,0.2\nsecond,-0.3,0.4\n")


def nonlin(*args):
    """Run `nonlin ARGS` in `folder`; return its standard output (stop on a non-zero status)."""
    result = subprocess.run([sys.executable, "-m", "nonlin", *args], cwd=folder,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"nonlin {' '.join(args)} exited with {result.returncode}:\n{result.stderr}")
    return result.stdout


print(nonlin("train", "spirals.csv", "--target", "colour", "--hidden", "64,64",
             "--epochs", "60", "--lr", "0.01", "--quiet", "--out", "spirals.safetensors"))
print(nonlin("info", "spirals.safetensors"))
report = json.loads(nonlin("evaluate", "spirals.safetensors", "spirals.csv", "--json"))
print(nonlin("predict", "spirals.safetensors", "new.csv", "--proba"))
print(f"files in {folder}: {', '.join(sorted(p.name for p in folder.iterdir()))}")
print(f"accuracy: {report['accuracy']:.4f}")
