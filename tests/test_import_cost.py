"""What ``import nonlin`` and the inference path import: the cold-start split kept.

``import nonlin`` is paid on every cold start (serverless functions, CI images,
small boards), so the package imports what building a model needs and defers
the rest (``nonlin/__init__.py``'s ``_DEFERRED`` table, ``registry``'s tables);
``benchmarks/bench_import.py`` measures it. Each check runs in a fresh
interpreter, since this one has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nonlin
from cli_helpers import cli_env

# the training side: the loop, callbacks, metrics, checkpoints, optimizers, losses
TRAINING = ("nonlin.train", "nonlin._epoch_loop", "nonlin.evaluation", "nonlin.objective",
            "nonlin.data", "nonlin.progress", "nonlin.callbacks", "nonlin.early_stopping",
            "nonlin.lr_callbacks", "nonlin.metrics", "nonlin._auc_metric",
            "nonlin._confusion_metrics", "nonlin.checkpoint", "nonlin._checkpoint_reader",
            "nonlin._optimizer_reader",
            "nonlin._callback_state", "nonlin.schedules", "nonlin.optimizers", "nonlin.adaptive",
            "nonlin.adaptive_more", "nonlin.schedules_more", "nonlin.optim_extra",
            "nonlin.schedules_cyclic",
            "nonlin.sgd", "nonlin.losses", "nonlin.losses_more", "nonlin.losses_margin",
            "nonlin.losses_extra", "nonlin._loss_focal")
# the model-file reader and writer
FILES = ("nonlin.io", "nonlin._reader", "nonlin._header", "nonlin.registry", "safetensors")


def modules_after(code: str) -> set[str]:
    """The nonlin (and safetensors) modules imported once ``code`` has run in a fresh python."""
    report = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", f"{code}\n{report}"], env=cli_env(),
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return {m for m in json.loads(out.splitlines()[-1]) if m.startswith(("nonlin", "safetensors"))}


def test_import_nonlin_imports_neither_the_training_side_nor_the_file_reader() -> None:
    loaded = modules_after("import nonlin")
    assert {"nonlin.core", "nonlin.layers", "nonlin.activations"} <= loaded
    assert not loaded & {*TRAINING, *FILES}, sorted(loaded & {*TRAINING, *FILES})


def test_load_and_predict_import_no_training_side(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(1), nonlin.Sigmoid()])
    nonlin.save(model.build(4, seed=0), path)
    loaded = modules_after("import numpy as np, nonlin\n"
                           f"print(nonlin.load({str(path)!r}).predict(np.ones((2, 4))).tolist())")
    assert {"nonlin.io", "nonlin.registry"} <= loaded
    assert not loaded & set(TRAINING), sorted(loaded & set(TRAINING))


def test_every_public_name_resolves_in_a_fresh_interpreter_as_it_does_here() -> None:
    """``nonlin.X``, ``from nonlin import *``, ``dir``, the submodules and the registry's
    tables, each in a fresh interpreter, where nothing deferred has been imported yet."""
    code = """
import json, sys
import nonlin.gradcheck, nonlin.registry as registry
assert callable(nonlin.gradcheck)  # the function, not the module of that name
assert "nonlin.optimizers" not in sys.modules and {"LOSSES", "METRICS"} <= set(dir(registry))
from nonlin.registry import OPTIMIZERS
assert registry.lookup("optimizer", "adam") is OPTIMIZERS["adam"] is nonlin.Adam
assert registry.lookup("loss", "mse") is nonlin.MeanSquaredError and registry.METRICS
assert set(nonlin.__all__) | {"losses", "io", "checkpoint", "metrics"} <= set(dir(nonlin))
from nonlin import *
homes = {name: [getattr(nonlin, name).__module__, globals()[name] is getattr(nonlin, name)]
         for name in nonlin.__all__}
homes["nonlin.optimizers"] = [nonlin.optimizers.__name__, nonlin.optimizers.Adam is nonlin.Adam]
print(json.dumps(homes))
"""
    out = subprocess.run([sys.executable, "-c", code], env=cli_env(), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    homes = json.loads(out.stdout.splitlines()[-1])
    expected = {name: [getattr(nonlin, name).__module__, True] for name in nonlin.__all__}
    expected["nonlin.optimizers"] = ["nonlin.optimizers", True]
    assert homes == expected


def test_every_public_module_imports_first() -> None:
    """``import nonlin.sgd`` (or any public module) as a program's first import of nonlin:
    the re-exports of ``optimizers`` and ``callbacks`` once closed an import cycle there."""
    folder = Path(nonlin.__file__).parent
    public = sorted(p.stem for p in folder.glob("*.py")
                    if not p.stem.startswith("_") and p.stem != "sklearn")
    code = ("import importlib, sys\nfailed = []\n"
            f"for name in {public!r}:\n"
            "    for key in [k for k in sys.modules if k.startswith('nonlin')]:\n"
            "        del sys.modules[key]\n"
            "    try:\n        importlib.import_module('nonlin.' + name)\n"
            "    except ImportError as error:\n        failed.append(f'{name}: {error}')\n"
            "print(failed)")
    out = subprocess.run([sys.executable, "-c", code], env=cli_env(), capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip() == "[]", out
    assert len(public) > 20
