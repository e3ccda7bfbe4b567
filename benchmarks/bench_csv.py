"""Benchmark nonlin.tabular.read_csv against pandas.read_csv on a large CSV.

Writes a numeric CSV (default 1,000,000 rows x 20 columns) and the same data
with a string label column to a temporary folder, then for each file times
``nonlin.tabular.read_csv`` and ``pandas.read_csv`` in this process, runs
interleaved so that both see the same machine load, and prints the medians
(wall and CPU time), their ratio, and the peak memory nonlin's reader
allocates beyond the arrays it returns (measured with tracemalloc, in a
separate untimed run). pandas is needed here only; nonlin does not depend on it.

Usage::

    PYTHONPATH=src python3 benchmarks/bench_csv.py [--rows N] [--cols K] [--repeat R]
        [--formats g7,repr,e18] [--one-core]

nonlin's reader runs on one thread; pandas 3's C parser can use several, so on
a multi-core machine its CPU time exceeds its wall time. ``--one-core`` pins
the process to one CPU (Linux) for a like-for-like comparison.

Formats: ``g7`` is ``%.7g`` (what float32 data usually looks like), ``repr``
is Python's shortest round-trip spelling of float64 (what ``DataFrame.to_csv``
writes), ``e18`` is ``%.18e`` (``np.savetxt``'s default).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nonlin.tabular import read_csv

SPELLINGS = {"g7": "%.7g", "repr": None, "e18": "%.18e"}
LABELS = np.array(["setosa", "versicolor", "virginica"])


def write_csv(path: Path, values: np.ndarray, spelling: str, labels: np.ndarray | None) -> None:
    """Write ``values`` (and a last ``species`` column) with a header row, in chunks."""
    n_cols = values.shape[1]
    header = [f"f{i}" for i in range(n_cols)] + (["species"] if labels is not None else [])
    fmt = SPELLINGS[spelling]
    with path.open("w", newline="") as handle:
        handle.write(",".join(header) + "\n")
        for start in range(0, len(values), 50_000):
            chunk = values[start : start + 50_000]
            rows = (
                [",".join(map(repr, row)) for row in chunk.tolist()]
                if fmt is None
                else [",".join([fmt] * n_cols) % tuple(row) for row in chunk.tolist()]
            )
            if labels is not None:
                rows = [
                    f"{row},{label}"
                    for row, label in zip(rows, labels[start : start + 50_000], strict=True)
                ]
            handle.write("\n".join(rows) + "\n")


def timed(function: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(path: Path, target: str | None, repeat: int) -> None:
    import pandas as pd

    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for _ in range(repeat):  # interleaved: both readers see the same load
        ours.append(timed(lambda: read_csv(path, target=target)))
        theirs.append(timed(lambda: pd.read_csv(path)))
    wall = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in theirs)
    cpu = statistics.median(c for _, c in ours), statistics.median(c for _, c in theirs)

    tracemalloc.start()
    table = read_csv(path, target=target)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = table.X.nbytes + (0 if table.y is None else table.y.nbytes)

    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB, X {table.X.shape} {table.X.dtype}")
    print(
        f"  wall  nonlin {wall[0]:6.2f} s   pandas {wall[1]:6.2f} s   ratio {wall[0] / wall[1]:.2f}"
    )
    print(f"  cpu   nonlin {cpu[0]:6.2f} s   pandas {cpu[1]:6.2f} s   ratio {cpu[0] / cpu[1]:.2f}")
    print(
        f"  memory: result {result / 1e6:.0f} MB, reader peak {peak / 1e6:.0f} MB, "
        f"extra {(peak - result) / 1e6:.0f} MB ({(peak - result) / result:.0%} of the result)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="g7", help="comma-separated: g7, repr, e18")
    parser.add_argument("--one-core", action="store_true", help="pin to one CPU (Linux)")
    args = parser.parse_args()
    if args.one_core:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    rng = np.random.default_rng(0)
    values = rng.standard_normal((args.rows, args.cols))
    labels = LABELS[rng.integers(0, len(LABELS), args.rows)]
    with tempfile.TemporaryDirectory() as folder:
        for spelling in args.formats.split(","):
            numeric = Path(folder) / f"numeric_{spelling}.csv"
            labelled = Path(folder) / f"labels_{spelling}.csv"
            write_csv(numeric, values, spelling, None)
            write_csv(labelled, values, spelling, labels)
            compare(numeric, None, args.repeat)
            compare(labelled, "species", args.repeat)
            numeric.unlink()
            labelled.unlink()


if __name__ == "__main__":
    main()
