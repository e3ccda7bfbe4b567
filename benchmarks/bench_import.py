"""Cold-start cost: ``import nonlin`` and two user paths, each in a fresh interpreter.

nonlin is meant for serverless functions, CI images and small boards, where the
import is paid on every cold start. Each case below runs as a new subprocess
(``python -c ...`` or ``python -m nonlin ...``); the cases run in interleaved
rounds, so a slow spell on a busy machine hits all alike, and the best and the
median wall time of each are printed, with the time beyond ``import numpy``
(nonlin's own share) and the number of nonlin modules the case imported.

* ``python -c pass``: the bare interpreter;
* ``import numpy``;
* ``import nonlin``;
* ``load + predict``: ``nonlin.load(path).predict(x)`` on a small saved model
  (20-16-1, written to a temporary folder first), the inference-only path;
* ``nonlin --help`` and ``nonlin xor --steps 1`` (the command's start-up: its
  imports and one training step, not the tutorial's 60,000 steps).

Run: python3 benchmarks/bench_import.py [--repeats 15]
(it runs the checkout's ``src`` through PYTHONPATH; no timed assertions anywhere.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

COUNT = "import sys; print(sum(m.split('.')[0] == 'nonlin' for m in sys.modules))"
PREDICT = "import numpy as np, nonlin; nonlin.load({path!r}).predict(np.zeros((1, 20)))"


def cases(model_path: str) -> dict[str, list[str]]:
    """Case name -> the interpreter's arguments."""
    return {
        "python -c pass": ["-c", "pass"],
        "import numpy": ["-c", "import numpy"],
        "import nonlin": ["-c", "import nonlin"],
        "load + predict": ["-c", PREDICT.format(path=model_path)],
        "nonlin --help": ["-m", "nonlin", "--help"],
        "nonlin xor --steps 1": ["-m", "nonlin", "xor", "--steps", "1", "--report-every", "1"],
    }


def save_small_model(folder: str) -> str:
    import nonlin

    model = nonlin.Sequential([nonlin.Dense(16), nonlin.ReLU(), nonlin.Dense(1), nonlin.Sigmoid()])
    path = os.path.join(folder, "small.safetensors")
    nonlin.save(model.build(20, seed=0), path)
    return path


def run_once(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def nonlin_modules(args: list[str], env: dict[str, str]) -> int:
    """How many nonlin modules the case leaves imported (the -m cases: not counted)."""
    if args[0] != "-c":
        return -1
    code = f"{args[1]}; {COUNT}"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return int(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="runs of each case (15)")
    options = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    with tempfile.TemporaryDirectory() as folder:
        table = cases(save_small_model(folder))
        for args in table.values():  # warm the OS file cache and the .pyc files once
            run_once(args, env)
        times: dict[str, list[float]] = {name: [] for name in table}
        for _ in range(options.repeats):
            for name, args in table.items():
                times[name].append(run_once(args, env))
        counts = {name: nonlin_modules(args, env) for name, args in table.items()}
    best = {name: min(values) for name, values in times.items()}
    numpy_best = best["import numpy"]
    print(f"{sys.executable} ({sys.version.split()[0]}), {options.repeats} runs each, wall time")
    print(f"{'case':<22} {'best ms':>8} {'median ms':>10} {'beyond numpy':>13} "
          f"{'nonlin modules':>15}")
    for name, values in times.items():
        ours = "nonlin" in name or "predict" in name
        beyond = f"{(best[name] - numpy_best) * 1e3:+.1f}" if ours else ""
        count = str(counts[name]) if counts[name] >= 0 else "-"
        print(f"{name:<22} {best[name] * 1e3:8.1f} {statistics.median(values) * 1e3:10.1f} "
              f"{beyond:>13} {count:>15}")
    numpy_share = numpy_best - best["python -c pass"]
    nonlin_share = best["import nonlin"] - numpy_best
    print(f"import nonlin beyond numpy: {nonlin_share * 1e3:.1f} ms "
          f"({nonlin_share / numpy_share:.2f} x numpy's own {numpy_share * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
