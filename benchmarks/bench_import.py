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

Modules are read from bytecode that a first, untimed run of each case wrote
(to a temporary PYTHONPYCACHEPREFIX): what an installed package does, as pip
compiles on install. ``--from-source`` times with PYTHONDONTWRITEBYTECODE=1
instead, as on a checkout whose ``src`` has no ``__pycache__``: every nonlin
module is compiled on every start (NumPy's installed bytecode still read).

Run: python3 benchmarks/bench_import.py [--repeats 15] [--src PATH] [--against PATH]
     [--from-source] [--cpu-time]
``--src`` is the folder holding ``nonlin/`` (default: this checkout's ``src``);
``--against`` another one, say an older commit's exported with ``git archive``,
timed in the same interleaved rounds for a before / after comparison. On a busy
machine ``--cpu-time`` (the child's user + system CPU time, with one BLAS
thread) is steadier.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

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


def save_small_model(path: str, env: dict[str, str]) -> None:
    code = ("import nonlin; nonlin.save(nonlin.Sequential([nonlin.Dense(16), nonlin.ReLU(), "
            f"nonlin.Dense(1), nonlin.Sigmoid()]).build(20, seed=0), {path!r})")
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(args: list[str], env: dict[str, str], cpu_time: bool = False) -> float:
    """Seconds one run took: wall time, or the child's CPU time (user + system)."""
    clock = cpu_of_children if cpu_time else time.perf_counter
    start = clock()
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return clock() - start


def nonlin_modules(args: list[str], env: dict[str, str]) -> int:
    """How many nonlin modules the case leaves imported (the -m cases: not counted)."""
    if args[0] != "-c":
        return -1
    code = f"{args[1]}; {COUNT}"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return int(out.stdout.split()[-1])


def report(src: str, times: dict[str, list[float]], counts: dict[str, int]) -> None:
    best = {name: min(values) for name, values in times.items()}
    numpy_best = best["import numpy"]
    print(f"\n{src}")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="runs of each case (15)")
    parser.add_argument("--src", default=str(SRC), help="the folder holding nonlin/ (src)")
    parser.add_argument("--against", help="another such folder, timed in the same rounds")
    parser.add_argument("--cpu-time", action="store_true",
                        help="the child's CPU time (user + system), steadier on a busy machine")
    parser.add_argument("--from-source", action="store_true",
                        help="PYTHONDONTWRITEBYTECODE=1: compile nonlin on every start")
    options = parser.parse_args()
    sources = [options.src] + ([options.against] if options.against else [])
    clock = "CPU time" if options.cpu_time else "wall time"
    code = "compiled from source" if options.from_source else "from bytecode"
    print(f"{sys.executable} ({sys.version.split()[0]}), {options.repeats} runs of each case, "
          f"{clock}, {code}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "small.safetensors")
        base = {key: value for key, value in os.environ.items()
                if key not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        if options.from_source:
            base["PYTHONDONTWRITEBYTECODE"] = "1"
        if options.cpu_time:  # OpenBLAS's threads spin as NumPy starts: CPU time, not import
            base.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        envs = [{**base, "PYTHONPATH": src,
                 **({} if options.from_source else
                    {"PYTHONPYCACHEPREFIX": os.path.join(folder, f"pycache{i}")})}
                for i, src in enumerate(sources)]
        save_small_model(path, envs[0])
        table = cases(path)
        for env in envs:  # warm the OS file cache and write the bytecode, untimed
            for args in table.values():
                run_once(args, env)
        times = [{name: [] for name in table} for _ in sources]
        for _ in range(options.repeats):
            for env, timings in zip(envs, times, strict=True):
                for name, args in table.items():
                    timings[name].append(run_once(args, env, options.cpu_time))
        counts = [{name: nonlin_modules(args, env) for name, args in table.items()}
                  for env in envs]
    for src, timings, count in zip(sources, times, counts, strict=True):
        report(src, timings, count)
    if options.against:
        print(f"\nbest ms, {options.src} against {options.against}:")
        for name in table:
            new, old = min(times[0][name]), min(times[1][name])
            print(f"  {name:<22} {new * 1e3:7.1f} against {old * 1e3:7.1f} "
                  f"({(new - old) * 1e3:+.1f})")


if __name__ == "__main__":
    main()
