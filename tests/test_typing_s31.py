"""nonlin ships its type information (PEP 561's ``py.typed``): a user's ``mypy --strict``
reads nonlin's annotations, and ordinary user code (a model built, compiled, fitted,
evaluated, saved and loaded; a layer, loss, optimizer, callback, schedule and metric of
one's own) checks clean, with the main entry points typed (``fit`` a ``History``,
``predict`` an array, ``load`` a ``Sequential``), not ``Any``.

Without the marker mypy skips the package ("module is installed, but missing library
stubs or py.typed marker") and every nonlin name is ``Any``. mypy runs as on a user's
machine: nonlin found on ``sys.path`` (this tree's ``src``), not as code to check.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

STRICT = """\
[mypy]
strict = True

[mypy-sklearn.*]
ignore_missing_imports = True
"""

TRAINING = '''\
from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

import nonlin
from nonlin import (
    Adam, BatchNorm, CrossEntropy, Dense, Dropout, EarlyStopping, History, MeanSquaredError,
    ModelCheckpoint, ReLU, Sequential, Softmax, Tanh,
)
from nonlin.metrics import Accuracy, Metric


def train(X: NDArray[np.float64], y: NDArray[np.int64], out: Path) -> float:
    model = Sequential([Dense(16), BatchNorm(), ReLU(), Dropout(0.1), Dense(3), Softmax()])
    model.compile(loss=CrossEntropy(), optimizer=Adam(0.01), metrics=["accuracy", Accuracy()])
    stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    history = model.fit(X, y, epochs=5, batch_size=32, validation_split=0.2, verbose=0,
                        callbacks=[stop, ModelCheckpoint(out / "best.nlm")], seed=0)
    reveal_type(history)
    reveal_type(model.predict(X))
    reveal_type(model.evaluate(X, y))
    reveal_type(model.evaluate(X, y, return_dict=False))
    reveal_type(model.train_on_batch(X, y))
    model.save(out / "model.nlm", metadata={"task": "demo"})
    again = nonlin.load(out / "model.nlm")
    reveal_type(again)
    reveal_type(nonlin.gradcheck(again, "cross_entropy", X[:4], y[:4]))
    reveal_type(Dense.from_config({"units": 2}))
    reveal_type(nonlin.datasets.moons(10, seed=0))
    metric: Metric = Accuracy()
    print(metric, again.summary(), model.evaluate(X, y)["loss"])
    losses: list[float] = history.history["loss"]
    return losses[-1]


def regress(X: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    model = Sequential([Dense(8), Tanh(), Dense(1)]).build(X.shape[1], seed=0)
    history: History = model.fit(X, y, loss=MeanSquaredError(), optimizer="sgd", epochs=3,
                                 verbose=0)
    print(nonlin.optimizers.SGD(0.1), nonlin.schedules.CosineDecay(0.1, decay_steps=5))
    last: float = history.history["loss"][-1]  # History.history: dict[str, list[Any]]
    return model.evaluate(X, y)["loss"] + last
'''

CUSTOM = '''\
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

import nonlin
from nonlin import Callback, Layer, Param, Sequential
from nonlin.core import RandomLike
from nonlin.losses import Loss
from nonlin.optimizers import Optimizer
from nonlin.schedules import Schedule


class Scale(Layer):
    def __init__(self) -> None:
        super().__init__()
        self.w: Param | None = None

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.w = Param(np.ones(in_features), name="w")
        return in_features

    def forward(self, x: NDArray[Any], *, training: bool = False) -> NDArray[Any]:
        assert self.w is not None
        y: NDArray[Any] = x * self.w.value
        return y

    def backward(self, grad_out: NDArray[Any]) -> NDArray[Any] | None:
        return grad_out

    def parameters(self) -> list[Param]:
        return [] if self.w is None else [self.w]


class LogCosh(Loss):
    def call(self, y_true: NDArray[Any], y_pred: NDArray[Any]) -> NDArray[Any]:
        r = np.abs(y_pred - y_true)
        out: NDArray[Any] = (r + np.log1p(np.exp(-2 * r)) - np.log(2)).sum(axis=1)
        return out

    def grad_terms(self, y_true: NDArray[Any], y_pred: NDArray[Any],
                   out: NDArray[Any]) -> NDArray[Any]:
        np.subtract(y_pred, y_true, out=out)
        np.tanh(out, out=out)
        return out


class HeavyBall(Optimizer):
    slot_names = ("velocity",)

    def __init__(self, lr: float = 0.01, beta: float = 0.9, **options: Any) -> None:
        super().__init__(lr, **options)
        self.beta = beta

    def compute_updates(self, params: list[Param], lr: float) -> list[NDArray[Any]]:
        return [self.beta * v - lr * p.grad for p, v in zip(params, self.slots["velocity"])]


class Stop(Callback):
    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None and logs["loss"] < 0.1:
            self.model.stop_training = True


class Halving(Schedule):
    def __call__(self, step: int) -> float:
        return 0.1 / (1 + step)


def run(X: NDArray[Any], y: NDArray[Any]) -> float:
    model = Sequential([nonlin.Dense(4), Scale(), nonlin.Dense(1)]).build(X.shape[1], seed=0)
    error = nonlin.gradcheck(model, LogCosh(), X[:4], y[:4])
    model.fit(X, y, loss=LogCosh(), optimizer=HeavyBall(0.05), epochs=2, verbose=0,
              callbacks=[Stop()])
    model.compile(loss="mse", optimizer=nonlin.Adam(Halving()))
    return error
'''

# each line ending in "# E" must be an error (a typo, an override that narrows)
MISTAKES = '''\
import numpy as np

import nonlin
from nonlin import Adamw  # E
from nonlin.core import Layer, Sequentia  # E
from nonlin.optimizers import Adamx  # E

print(nonlin.Adamm)  # E


class Narrow(Layer):
    def build(self, in_features: int, rng: np.random.Generator) -> int:  # E
        return in_features


history = nonlin.Sequential([nonlin.Dense(1)]).fit(np.ones((2, 1)), np.ones(2), loss="mse",
                                                    optimizer="sgd", verbose=0)
history.histroy  # E
'''

REVEALED = [  # TRAINING's reveal_type lines, in order (a prefix of each)
    "nonlin.callbacks.History",  # fit
    "numpy.ndarray[",  # predict
    "dict[str, float]",  # evaluate
    "float | list[float]",  # evaluate(return_dict=False)
    "float | list[float]",  # train_on_batch
    "nonlin.sequential.Sequential",  # nonlin.load
    "float",  # gradcheck (exact: the others ending in "[" are prefixes)
    "nonlin.layers.Dense",  # Dense.from_config
    "tuple[numpy.ndarray[",  # nonlin.datasets.moons, without importing nonlin.datasets
]


def _mypy(tmp_path: Path, scripts: dict[str, str]) -> list[str]:
    """``mypy`` on ``scripts`` (written to ``tmp_path``) under ``STRICT``, with this tree's
    nonlin on the import path as an installed package is (PYTHONPATH: mypy asks the
    interpreter for its ``sys.path``); its output lines, the summary left out."""
    for name, text in scripts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text(STRICT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("MYPYPATH", None)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir",
         str(tmp_path / "cache"), "--no-error-summary", "--show-error-codes",
         "--python-executable", sys.executable, *scripts],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 2: mypy itself failed
    return done.stdout.splitlines()


def test_a_strict_user_sees_nonlin_typed(tmp_path: Path) -> None:
    """User code checks clean under ``mypy --strict``; its ``reveal_type``s name nonlin's
    types; the mistakes in ``MISTAKES`` (a name misspelt, through a lazily imported name
    too, and a narrowed override) are each reported, not swallowed by a module
    ``__getattr__`` (which types every name ``object`` or ``Any``)."""
    pytest.importorskip("mypy")
    lines = _mypy(tmp_path, {"training.py": TRAINING, "custom.py": CUSTOM,
                             "mistakes.py": MISTAKES})
    errors = [line for line in lines if ": error:" in line]
    clean = [line for line in errors if not line.startswith("mistakes.py")]
    assert clean == [], "\n".join(lines)
    expected = {i for i, line in enumerate(MISTAKES.splitlines(), 1) if line.endswith("# E")}
    found = {int(line.split(":")[1]) for line in errors if line.startswith("mistakes.py")}
    assert found == expected, "\n".join(lines)
    revealed = [re.sub(r'.*Revealed type is "(.*)"$', r"\1", line) for line in lines
                if "Revealed type is" in line]
    assert len(revealed) == len(REVEALED), "\n".join(lines)
    for got, want in zip(revealed, REVEALED, strict=True):
        assert got == want or (want.endswith("[") and got.startswith(want)), (got, want)


def test_the_marker_is_in_the_package_and_its_wheel(tmp_path: Path) -> None:
    """``src/nonlin/py.typed`` exists and a wheel and an sdist built from this tree hold it
    (built from a copy in ``tmp_path``: the build writes beside the sources)."""
    assert (ROOT / "src" / "nonlin" / "py.typed").is_file()
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "src" / "nonlin", tree / "src" / "nonlin",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    out = tmp_path / "dist"
    build = ("import sys; from setuptools import build_meta as b; "  # build_wheel edits argv
             "out = sys.argv[1]; b.build_wheel(out); b.build_sdist(out)")
    done = subprocess.run([sys.executable, "-c", build, str(out)], cwd=tree,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel], [sdist] = out.glob("*.whl"), out.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        assert "nonlin/py.typed" in archive.namelist()
    with tarfile.open(sdist) as archive:
        assert any(name.endswith("src/nonlin/py.typed") for name in archive.getnames())
