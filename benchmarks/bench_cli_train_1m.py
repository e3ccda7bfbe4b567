"""Memory and speed of ``nonlin train`` on a 1,000,000-row x 20-column numeric CSV.

Prints:
* the time ``nonlin.tabular.read_csv`` takes against ``pandas.read_csv`` (when
  pandas is installed; it is not a dependency), best of ``--repeat`` runs;
* the peak resident memory of ``nonlin train`` in a subprocess, against the
  size of the float32 feature array and the resident memory of a process that
  only imports nonlin and NumPy.

The goal (issue 6): training holds no more than the float32 array plus a small
buffer, and reading takes no more than 2x what pandas takes. ``--missing-share``
writes that share of the feature cells as ``nan`` and trains with ``--missing mean``
(the missing cells filled with the training rows' means, in place).

    PYTHONPATH=src python3 benchmarks/bench_cli_train_1m.py [--rows 1000000] [--epochs 1]
        [--missing-share 0.01]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def write_csv(
    path: Path, n_rows: int, n_features: int, seed: int = 0, missing_share: float = 0.0
) -> None:
    """``f0..f{n-1},y``: Gaussian features with 6 decimals (``missing_share`` of them
    ``nan``), a binary target, in blocks."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n_features)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join([*(f"f{i}" for i in range(n_features)), "y"]) + "\n")
        for start in range(0, n_rows, 100_000):
            X = rng.normal(size=(min(100_000, n_rows - start), n_features))
            y = (X @ w + 0.5 * rng.normal(size=X.shape[0]) > 0).astype(int)
            if missing_share:
                X[rng.random(X.shape) < missing_share] = np.nan
            fmt = ",".join(["%.6f"] * n_features + ["%d"])
            np.savetxt(handle, np.column_stack([X, y]), fmt=fmt, delimiter=",")


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mib(command: list[str]) -> float:
    """Peak resident memory (MiB) of ``command`` run as the only child of a fresh Python."""
    paths = [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *command], env=env, check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--missing-share", type=float, default=0.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from nonlin.tabular import read_csv

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        write_csv(path, args.rows, args.features, missing_share=args.missing_share)
        missing = "mean" if args.missing_share else "error"
        size = path.stat().st_size / 2**20
        print(
            f"{path.name}: {args.rows:,} rows x {args.features} features + target, {size:.0f} MiB"
        )
        ours = best_time(lambda: read_csv(path, target="y", missing=missing), args.repeat)
        print(f"nonlin.tabular.read_csv: {ours:.2f} s")
        try:
            import pandas
        except ImportError:
            print("pandas not installed: no reading-time ratio")
        else:
            theirs = best_time(lambda: pandas.read_csv(path), args.repeat)
            print(
                f"pandas.read_csv:         {theirs:.2f} s   ratio {ours / theirs:.2f} (goal <= 2)"
            )
        array = args.rows * args.features * 4 / 2**20
        base = peak_rss_mib([sys.executable, "-c", "import numpy, nonlin, nonlin.cli"])
        start = time.perf_counter()
        peak = peak_rss_mib(
            [
                sys.executable,
                "-m",
                "nonlin",
                "train",
                str(path),
                "--target",
                "y",
                "--epochs",
                str(args.epochs),
                "--batch-size",
                str(args.batch_size),
                "--hidden",
                "64,32",
                "--quiet",
                "--missing",
                missing,
                "--out",
                str(Path(folder) / "big.safetensors"),
            ]
        )
        took = time.perf_counter() - start
        print(
            f"nonlin train ({args.epochs} epoch, batch {args.batch_size}): {took:.1f} s, "
            f"peak RSS {peak:.0f} MiB"
        )
        print(
            f"  float32 array {array:.0f} MiB, interpreter + imports {base:.0f} MiB, "
            f"above both: {peak - base - array:.0f} MiB "
            f"(peak / (array + imports) = {peak / (array + base):.2f})"
        )


if __name__ == "__main__":
    main()
