"""Audit of invariants 4 and 5 across the public API (session 24).

Invariant 4: no public entry point draws from or reseeds a global random stream
(NumPy's or the standard library's); the same seed gives the same bits, also in another
process with another ``PYTHONHASHSEED`` and after other fits in the same process. The
one documented exception, ``nonlin.sklearn`` with ``random_state=None``
(scikit-learn's contract, ``_sklearn_random``), is left out.

Invariant 5: read-only copies of every array a user gives are accepted (so nothing
writes into them), the lists and dicts a user gives are deeply equal after the call,
and a save that fails over an existing file (mid-write, onto a full or a read-only
file system) leaves it byte-identical with no temporary file behind, for each writer.

Both also in the source: an AST scan of every module (no global stream, no unseeded
generator, no pickle / eval / exec, ``import_module`` only of names from code tables).

Covered elsewhere and not repeated: read-only ``fit`` / ``evaluate`` / ``predict``
arrays (``test_io_inputs``), ``write_atomic``'s failure modes and ``nonlin.save``'s
(``test_io_atomic``), the CLI's (``test_audit_cli``), ``BackupAndRestore``'s
(``test_backup_restore_s21``), scikit-learn's own parameter checks (``test_sklearn_checks``).
"""

from __future__ import annotations

import copy
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import (
    AlphaDropout,
    Dense,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    Normalization,
    ReLU,
    Sequential,
    Softmax,
    cli,
    datasets,
    initializers,
)

pytest.importorskip("sklearn")  # the sklearn extra: skipped where it is not installed

from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

DATA = np.random.default_rng(0)
X = DATA.normal(size=(24, 3))
LABELS = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
TARGET = X @ np.array([1.0, -2.0, 0.5])


# -- invariants 4 and 5, in the source: a scan of every module ------------------------
SRC = Path(nonlin.__file__).parent
_NUMPY_RANDOM_OK = {"default_rng", "Generator", "RandomState", "BitGenerator", "SeedSequence",
                    "PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"}
_LOADERS = {"pickle.load", "pickle.loads", "marshal.load", "marshal.loads", "shelve.open",
            "dill.load", "dill.loads", "joblib.load", "cloudpickle.load", "cloudpickle.loads"}
_GLOBAL_STREAM = "_sklearn_random.py"  # random_state=None: scikit-learn's contract (sklearn.py)
# import_module of names from tables in the code, never from a file: nonlin's deferred names,
# "_signal", the optional extras ("sklearn", "matplotlib"), the homes of re-exported names
_DYNAMIC_IMPORTS = {"__init__.py", "_interrupt.py", "_optional.py", "_reexport.py"}


def _dotted(node: Any) -> str:
    import ast

    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return "?"


def _faults(path: Path) -> list[str]:
    """What the scan refuses in one module: each found with its line."""
    import ast

    faults = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names]
            faults += [f"{where} imports {n}" for n in names if n == "random"]
        dotted = _dotted(node) if isinstance(node, ast.Attribute) else ""
        head, _, attr = dotted.rpartition(".")
        if head in ("np.random", "numpy.random") and attr not in _NUMPY_RANDOM_OK and not (
                attr == "mtrand" and path.name == _GLOBAL_STREAM):
            faults.append(f"{where} uses {dotted}")
        if not isinstance(node, ast.Call):
            continue
        called = _dotted(node.func)
        if called in _LOADERS or called in ("eval", "exec", "__import__", "compile"):
            faults.append(f"{where} calls {called}")
        if called.endswith("import_module") and path.name not in _DYNAMIC_IMPORTS:
            faults.append(f"{where} calls {called}")
        if called.endswith(("default_rng", "RandomState")) and not node.args and not node.keywords:
            faults.append(f"{where} calls {called}() (fresh entropy) with no seed passed on")
        for keyword in node.keywords:
            if keyword.arg == "allow_pickle" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                faults.append(f"{where} passes allow_pickle")
    return faults


def test_no_module_draws_from_a_global_stream_or_loads_code_from_a_file() -> None:
    modules = sorted(SRC.glob("*.py"))
    assert len(modules) > 200
    assert [fault for module in modules for fault in _faults(module)] == []


# -- invariant 4: the global random states ---------------------------------------
def _states() -> tuple[Any, Any]:
    numpy_state = np.random.get_state()
    return (numpy_state[0], numpy_state[1].tobytes(), *numpy_state[2:]), random.getstate()


@pytest.fixture
def global_states_untouched() -> Iterator[None]:
    """Both global streams seeded; after the test, both exactly where they were."""
    np.random.seed(1234)
    random.seed(1234)
    before = _states()
    yield
    assert _states() == before, "a global random stream was drawn from or reseeded"


def _noisy_model() -> Sequential:
    return Sequential([Dense(5), ReLU(), Dropout(0.3), GaussianNoise(0.1), GaussianDropout(0.2),
                       AlphaDropout(0.1), Dense(2), Softmax()])


def _fit_everything() -> None:
    model = _noisy_model()
    model.fit(X, LABELS, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=5,
              validation_split=0.25, shuffle=True, seed=3, verbose=0, metrics=["accuracy"])
    model.fit(X, LABELS, epochs=1, batch_size=7, validation_data=(X[:6], LABELS[:6]), verbose=0)
    model.train_on_batch(X[:8], LABELS[:8])
    model.forward(X, training=True)
    model.predict(X)
    again = nonlin.load(io.BytesIO(nonlin.io.to_bytes(model)))  # no generator kept: a fresh one
    again.fit(X, LABELS, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0)
    nonlin.model_from_json(model.to_json()).fit(X, LABELS, loss="cross_entropy",
                                                optimizer="sgd", epochs=1, verbose=0)


def _every_initializer() -> None:
    for name in sorted(initializers.INITIALIZERS):
        Sequential([Dense(3, init=name)]).build(3, seed=1)
    seeded = {c for c in initializers.INITIALIZERS.values()
              if isinstance(c, type) and getattr(c, "_seeded", False)}
    assert len(seeded) >= 10
    for cls in seeded:
        cls(seed=4)(None, 3, 3)  # its own generator: none given


def _every_dataset() -> None:
    for name in ("moons", "circles", "spirals"):
        getattr(datasets, name)(30, seed=2)
        datasets.load(name, seed=2)
    datasets.xor()
    datasets.iris()


def _estimators() -> None:
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0,
                        early_stopping=True, validation_fraction=0.25, n_iter_no_change=2)
    with pytest.warns(Warning):  # ConvergenceWarning
        clf.fit(X, LABELS)
    fresh = MLPClassifier(hidden_layer_sizes=(3,), random_state=1)
    fresh.partial_fit(X, LABELS, classes=[0, 1])
    fresh.partial_fit(X, LABELS)
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0, solver="sgd")
    with pytest.warns(Warning):
        reg.fit(X, TARGET)
    reg.partial_fit(X, TARGET)
    with pytest.warns(Warning):
        MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=2,
                     solver="lbfgs").fit(X, TARGET)


def _gradcheck_and_tutorial() -> None:
    from nonlin.gradcheck import gradcheck
    from nonlin.tutorial import train

    model = Sequential([Dense(3), Dropout(0.5), Dense(2), Softmax()]).build(3, seed=0)
    gradcheck(model, "cross_entropy", X[:4], LABELS[:4], training=True)
    train(steps=20, report_every=10)


def _cli_train(tmp: Path) -> None:
    _write_csv(tmp / "d.csv")
    assert cli.main(["train", str(tmp / "d.csv"), "--target", "y", "--hidden", "4",
                     "--dropout", "0.2", "--epochs", "2", "--val-split", "0.25", "--quiet",
                     "--seed", "5", "-o", str(tmp / "m.safetensors")]) == 0
    assert cli.main(["demo", "moons", "--epochs", "1", "--quiet", "--seed", "1"]) == 0


def _write_csv(path: Path) -> None:
    rows = [f"{a:.6f},{b:.6f},{c:.6f},{int(label)}"
            for (a, b, c), label in zip(X, LABELS, strict=True)]
    path.write_text("a,b,c,y\n" + "\n".join(rows) + "\n")


@pytest.mark.parametrize("entry", [_fit_everything, _every_initializer, _every_dataset,
                                   _estimators, _gradcheck_and_tutorial, _cli_train],
                         ids=lambda f: f.__name__.strip("_"))
def test_no_public_entry_point_touches_a_global_random_stream(
        entry: Callable[..., None], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        global_states_untouched: None) -> None:
    entry(tmp_path) if entry is _cli_train else entry()


_SAME_BITS = r"""
import json, sys, warnings
import numpy as np
import nonlin
from nonlin import Dense, Dropout, GaussianNoise, ReLU, Sequential, Softmax
from nonlin.sklearn import MLPClassifier, MLPRegressor

warnings.simplefilter("ignore")
out = {}
rng = np.random.default_rng(0)
X = rng.normal(size=(24, 3))
y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)

def fit(dtype):
    model = Sequential([Dense(5), ReLU(), Dropout(0.3), GaussianNoise(0.1), Dense(2), Softmax()])
    model.build(3, seed=3, dtype=dtype)
    history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=3, batch_size=5,
                        validation_split=0.25, seed=3, verbose=0,
                        metrics=["accuracy", "auc", "precision", "recall"],
                        class_weight={0: 1.0, 1: 2.0})
    return ([w.tobytes().hex() for w in model.get_weights()],
            {k: [float(v).hex() for v in vs] for k, vs in sorted(history.history.items())},
            list(history.history))


out["fit"], out["fit32"] = fit("float64"), fit("float32")
clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=4, random_state=0, early_stopping=True,
                    validation_fraction=0.25, n_iter_no_change=2, class_weight="balanced")
clf.fit(X, ["b" if v else "a" for v in y])
out["clf"] = [c.tobytes().hex() for c in clf.coefs_ + clf.intercepts_]
out["clf_curve"] = [float(v).hex() for v in clf.loss_curve_ + clf.validation_scores_]
reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=4, random_state=0).fit(X, X.sum(axis=1))
out["reg"] = [c.tobytes().hex() for c in reg.coefs_ + reg.intercepts_]
from nonlin import cli
code = cli.main(["train", sys.argv[1], "--target", "y", "--hidden", "4", "--dropout", "0.2",
                 "--epochs", "3", "--val-split", "0.25", "--quiet", "--seed", "5",
                 "--categorical", "k", "--class-weight", "balanced", "-o", sys.argv[2]])
loaded = nonlin.load(sys.argv[2])
raw = open(sys.argv[2], "rb").read()
header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])["__metadata__"]
kept = json.loads(header["metadata"])
del kept["training"]["created"]  # the clock's
header["metadata"] = kept
out["cli"] = [code, [w.tobytes().hex() for w in loaded.get_weights()], header]
# again, after everything else ran in this process: no state (a cache, a scratch buffer) leaks
assert fit("float64") == out["fit"] and fit("float32") == out["fit32"]
print(json.dumps(out))
"""


def test_the_same_seed_gives_the_same_bits_in_processes_of_other_hash_seeds(
        tmp_path: Path) -> None:
    lines = ["a,b,k,y"] + [f"{a:.5f},{b:.5f},{'uvwxyz'[i % 6]},{'ham' if t else 'spam'}"
                           for i, ((a, b, _), t) in enumerate(zip(X, LABELS, strict=True))]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    runs = []
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(nonlin.__file__).parents[1]),
                                                           os.environ.get("PYTHONPATH")]))}
        runs.append(subprocess.Popen(
            [sys.executable, "-c", _SAME_BITS, str(tmp_path / "d.csv"),
             str(tmp_path / f"m{hash_seed}.safetensors")],  # its name is in no file
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    first, second = results
    assert first["cli"][0] == 0
    for key in first:
        assert first[key] == second[key], key


# -- invariant 5: read-only arrays ------------------------------------------------
def _ro(value: Any) -> np.ndarray:
    """A read-only copy: a write into it by the library raises instead of passing."""
    array = np.array(value)
    array.flags.writeable = False
    return array


def _metric_classes() -> list[type]:
    import inspect

    from nonlin import metrics

    return sorted((c for n, c in vars(metrics).items() if inspect.isclass(c) and not
                   n.startswith("_") and issubclass(c, metrics.Metric) and c is not metrics.Metric),
                  key=lambda c: c.__name__)


_N = 8
_PAIRS = {"binary": (DATA.integers(0, 2, (_N, 1)).astype(float), DATA.uniform(0.05, 0.95, (_N, 1))),
          "sparse": (DATA.integers(0, 3, _N), DATA.dirichlet(np.ones(3), _N)),
          "one_hot": (np.eye(3)[DATA.integers(0, 3, _N)], DATA.dirichlet(np.ones(3), _N)),
          "class_ids": (DATA.integers(0, 3, _N), DATA.integers(0, 3, _N))}  # IoU, MeanIoU
_SETTINGS: list[dict[str, Any]] = [
    {}, {"num_classes": 3}, {"recall": 0.5}, {"precision": 0.5}, {"specificity": 0.5},
    {"sensitivity": 0.5}, {"num_classes": 3, "target_class_ids": [0, 2]},
    {"target_class_ids": [0, 1]}, {"from_logits": True}, {"label_smoothing": 0.2},
    {"from_logits": True, "label_smoothing": 0.2}, {"reduction": "sum"}, {"reduction": "none"},
    {"apply_class_balancing": True}, {"ignore_class": 1}, {"multi_label": True},
    {"average": "macro", "threshold": 0.5}, {"num_classes": 3, "sparse_y_pred": False},
    {"thresholds": [0.3, 0.6]}, {"top_k": 1}, {"k": 2}]


def _read_only_everywhere(make: Callable[[dict[str, Any]], Any],
                          call: Callable[[Any, np.ndarray, np.ndarray, np.ndarray], Any]) -> int:
    """Every settings and inputs the object takes with writable copies, called again
    with read-only ones (which must work too); how many there were."""
    taken = 0
    for settings in _SETTINGS:
        for y_true, y_pred in _PAIRS.values():
            try:
                call(make(settings), y_true.copy(), y_pred.copy(), np.linspace(0.5, 1.5, _N))
            except (TypeError, ValueError):
                continue
            call(make(settings), _ro(y_true), _ro(y_pred), _ro(np.linspace(0.5, 1.5, _N)))
            taken += 1
    return taken


@pytest.mark.parametrize("cls", _metric_classes(), ids=lambda c: c.__name__)
def test_every_metric_takes_read_only_y_true_y_pred_and_sample_weight(cls: type) -> None:
    def call(metric: Any, y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray) -> None:
        metric.update_state(y_true, y_pred, sample_weight=weight)
        metric.result()
        metric(y_true, y_pred)

    assert _read_only_everywhere(lambda s: cls(**s), call) > 0


@pytest.mark.parametrize("cls", [getattr(nonlin.losses, name) for name in nonlin.losses.__all__
                                 if name != "Loss"], ids=lambda c: c.__name__)
def test_every_loss_and_its_gradient_take_read_only_inputs(cls: type) -> None:
    def call(loss: Any, y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray) -> None:
        loss(y_true, y_pred, sample_weight=weight)
        loss.grad(y_true, y_pred)

    assert _read_only_everywhere(lambda s: cls(**s), call) > 0


def test_model_methods_take_read_only_arrays_and_keep_given_weights() -> None:
    model = Sequential([Normalization(mean=_ro([0.0, 1.0, 0.5]), variance=_ro([1.0, 2.0, 0.5])),
                        Dense(4), ReLU(), Dense(2), Softmax()]).build(3, seed=0)
    given = [w.copy() + 0.5 for w in model.get_weights()]
    kept = [w.copy() for w in given]
    model.set_weights(given)  # writable: must be copied, so training leaves them
    model.set_weights([_ro(w) for w in given])
    weight, x, y = _ro(np.linspace(0.5, 1.5, 24)), _ro(X), _ro(LABELS)
    model.fit(x, y, loss="cross_entropy", optimizer="adam", epochs=1, batch_size=6, verbose=0,
              sample_weight=weight, validation_data=[_ro(X[:5]), _ro(LABELS[:5]), _ro(weight[:5])])
    model.train_on_batch(x, y, sample_weight=weight)
    model.train_on_batch(x, y, class_weight={0: 1.0, 1: 2.0})
    model.test_on_batch(x, y, sample_weight=weight)
    model.predict_on_batch(x)
    model.evaluate(x, y, sample_weight=weight, verbose=0)
    for now, before in zip(given, kept, strict=True):
        np.testing.assert_array_equal(now, before)
    Sequential([Normalization(), Dense(1)]).layers[0].adapt(x)
    batch_norm = Sequential([Dense(4), nonlin.BatchNorm(), Dense(2), Softmax()]).build(3, seed=0)
    state = {key: value + 0.5 for key, value in batch_norm.get_state().items()}
    state_kept = copy.deepcopy(state)
    batch_norm.set_state(state)  # writable: the moving statistics must not train in place
    batch_norm.fit(x, y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0)
    batch_norm.set_state({key: _ro(value) for key, value in state.items()})
    batch_norm.fit(x, y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0)
    np.testing.assert_equal(state, state_kept)


def test_gradcheck_and_the_estimators_take_read_only_arrays() -> None:
    from nonlin.gradcheck import gradcheck

    model = Sequential([Dense(3), Dense(2), Softmax()]).build(3, seed=0)
    assert gradcheck(model, "cross_entropy", _ro(X[:4]), _ro(LABELS[:4])) < 1e-5
    x, weight = _ro(X), _ro(np.linspace(0.5, 1.5, 24))
    for est, y in ((MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0),
                    _ro(LABELS)),
                   (MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0),
                    _ro(TARGET)),
                   (MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                                  solver="lbfgs"), _ro(LABELS))):
        with pytest.warns(Warning):
            est.fit(x, y, sample_weight=weight)
        est.partial_fit(x, y, sample_weight=weight) if est.solver != "lbfgs" else None
        est.predict(x)
        est.score(x, y, sample_weight=weight)


class _Batches:
    """A batch source (Keras 3's PyDataset protocol) over the batches given."""

    def __init__(self, batches: list[tuple[np.ndarray, ...]]) -> None:
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
        return self.batches[index]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_batches_of_a_source_may_be_read_only(dtype: type) -> None:
    weight = np.linspace(0.5, 2.0, 24)
    batches = [(_ro(X[s:s + 8].astype(dtype)), _ro(LABELS[s:s + 8]), _ro(weight[s:s + 8]))
               for s in range(0, 24, 8)]
    model = Sequential([Dense(4), Dropout(0.3), Dense(2), Softmax()]).build(3, seed=0, dtype=dtype)
    model.fit(_Batches(batches), loss="cross_entropy", optimizer="adam", epochs=2, verbose=0,
              class_weight={0: 1.0, 1: 3.0}, validation_data=_Batches(batches[:1]))
    model.evaluate(_Batches(batches), verbose=0)
    model.predict(_Batches([batch[:1] for batch in batches]))


def test_a_read_only_sparse_matrix_is_neither_sorted_nor_summed_in_place() -> None:
    sparse = pytest.importorskip("scipy.sparse")
    indices = np.tile([2, 0, 2], 24)  # each row: columns unsorted, column 2 twice
    data = np.abs(X).reshape(-1)[:72] + 0.1
    matrix = sparse.csr_matrix((data, indices, np.arange(0, 73, 3)), shape=X.shape)
    assert not matrix.has_canonical_format
    for array in (matrix.data, matrix.indices, matrix.indptr):
        array.flags.writeable = False
    for est in (MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0),
                MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                              solver="lbfgs")):
        with pytest.warns(Warning):
            est.fit(matrix, LABELS)
        est.predict(matrix)
    np.testing.assert_array_equal(matrix.indices, indices)


# -- invariant 5: the lists and dicts a user gives --------------------------------
def _snapshot(value: Any) -> Any:
    """Deep contents: containers walked, arrays as bytes, other objects by identity."""
    if isinstance(value, dict):
        return ("dict", [(_snapshot(k), _snapshot(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_snapshot(v) for v in value])
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    return ("object", id(value))


def test_fit_compile_and_save_leave_the_given_lists_and_dicts(tmp_path: Path) -> None:
    from nonlin.callbacks import EarlyStopping, History, LambdaCallback
    from nonlin.metrics import AUC

    layers = [Dense(4), ReLU(), Dense(2), Softmax()]
    model = Sequential(layers)
    model.add(Dense(2))
    model.pop()
    metrics = ["accuracy", AUC(thresholds=[0.3, 0.6])]
    given: dict[str, Any] = {
        "layers": layers, "metrics": metrics, "class_weight": {0: 1.0, 1: 3.0},
        "callbacks": [History(), EarlyStopping(patience=1), LambdaCallback(on_epoch_end=None)],
        "validation_data": [X[:5].copy(), LABELS[:5].copy()], "sample_weight": np.ones(24)}
    before = _snapshot(given)
    model.compile(optimizer="adam", loss="cross_entropy", metrics=metrics)
    kwargs = {key: given[key] for key in ("class_weight", "callbacks", "validation_data",
                                          "sample_weight")}
    model.fit(X, LABELS, epochs=2, batch_size=8, verbose=0, seed=0, metrics=metrics, **kwargs)
    metadata = {"note": ["a", {"b": 1}]}
    meta_before = copy.deepcopy(metadata)
    model.save(tmp_path / "m.safetensors", metadata=metadata)
    nonlin.save(model, tmp_path / "n.safetensors", metadata=metadata)
    model.set_weights(weights := model.get_weights())
    assert _snapshot(given) == before and metadata == meta_before
    assert len(weights) == len(model.get_weights())


def test_from_config_leaves_the_config_it_is_given() -> None:
    from nonlin.initializers import VarianceScaling
    from nonlin.metrics import AUC
    from nonlin.optimizers import SGD
    from nonlin.registry import layer_from_config
    from nonlin.schedules import PiecewiseConstantDecay, schedule_from_config

    model = Sequential([Normalization(mean=[0.0, 1.0, 0.5], variance=[1.0, 2.0, 0.5]),
                        Dense(4, init="he_normal"), Dropout(0.2), Dense(2), Softmax()])
    model.build(3, seed=0)
    schedule = PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])
    cases: list[tuple[Callable[[Any], Any], Any]] = [
        (Sequential.from_config, model.get_config()),
        (lambda c: layer_from_config(c), {"class_name": "Dense",
                                          "config": {"units": 3, "name": "d", "trainable": False}}),
        (Dense.from_config, {**Dense(3).get_config(), "trainable": False}),
        (Dense.from_config, {  # Keras' own keys, nested configs
            "units": 4, "name": "k", "use_bias": True,
            "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": 3}},
            "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}},
            "activation": {"class_name": "LeakyReLU", "config": {"alpha": 0.2}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}}),
        (Normalization.from_config, model.layers[0].get_config()),
        (SGD.from_config, SGD(schedule, momentum=0.9).get_config()),
        (schedule_from_config, {"class_name": "PiecewiseConstantDecay",
                                "config": schedule.get_config()}),
        (AUC.from_config, AUC(thresholds=[0.2, 0.7]).get_config()),
        (VarianceScaling.from_config, VarianceScaling(scale=2.0, seed=1).get_config()),
    ]
    for make, config in cases:
        before = copy.deepcopy(config)
        make(config)
        assert config == before, make


def test_the_estimators_and_the_cli_leave_what_they_are_given(tmp_path: Path) -> None:
    sizes, class_weight, classes = [3, 2], {0: 1.0, 1: 2.0}, [0, 1]
    clf = MLPClassifier(hidden_layer_sizes=sizes, max_iter=2, random_state=0,
                        class_weight=class_weight)
    with pytest.warns(Warning):
        clf.fit(X, LABELS)
    MLPClassifier(hidden_layer_sizes=sizes, random_state=0).partial_fit(X, LABELS, classes=classes)
    clf.set_params(**(params := {"alpha": 0.01, "hidden_layer_sizes": sizes}))
    assert (sizes, class_weight, classes) == ([3, 2], {0: 1.0, 1: 2.0}, [0, 1])
    assert params == {"alpha": 0.01, "hidden_layer_sizes": [3, 2]}
    _write_csv(tmp_path / "d.csv")
    argv = ["train", str(tmp_path / "d.csv"), "--target", "y", "--hidden", "3", "--epochs", "1",
            "--quiet", "-o", str(tmp_path / "m.safetensors")]
    kept = list(argv)
    assert cli.main(argv) == 0 and argv == kept


# -- invariant 5: a failed save over an existing file --------------------------------
def _small(width: int, seed: int = 0) -> Sequential:
    model = Sequential([Dense(width), ReLU(), Dense(2), Softmax()])
    model.fit(X, LABELS, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0, seed=seed)
    return model


def _save_model(path: Path, width: int) -> None:
    _small(width).save(path)


def _save_estimator(path: Path, width: int) -> None:
    est = MLPClassifier(hidden_layer_sizes=(width,), max_iter=1, random_state=0)
    with pytest.warns(Warning):
        est.fit(X, LABELS)
    est.save(path)


def _save_checkpoint(path: Path, width: int) -> None:
    nonlin.save_checkpoint(_small(width), path, epoch=1)


def _model_checkpoint(path: Path, width: int) -> None:
    model = Sequential([Dense(width), ReLU(), Dense(2), Softmax()])
    model.fit(X, LABELS, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0, seed=0,
              callbacks=[nonlin.ModelCheckpoint(str(path))])


def _plot(path: Path, width: int) -> None:
    from nonlin.plots import plot_error_curve

    plot_error_curve(np.linspace(1.0, 0.1, width), path)


_WRITERS = {"Sequential.save": (_save_model, "m.safetensors"),
            "estimator.save": (_save_estimator, "e.safetensors"),
            "save_checkpoint": (_save_checkpoint, "c.safetensors"),
            "ModelCheckpoint": (_model_checkpoint, "k.safetensors"),
            "plot": (_plot, "p.png")}


@pytest.mark.parametrize("writer", sorted(_WRITERS))
def test_a_save_failing_mid_write_leaves_the_old_file_and_no_temporary_one(
        writer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nonlin import _atomic

    save, name = _WRITERS[writer]
    save(tmp_path / name, 3)
    before, listing = (tmp_path / name).read_bytes(), sorted(os.listdir(tmp_path))

    def half_then_full(handle: Any, data: Any) -> None:
        handle.write(bytes(data)[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_atomic, "_write_all", half_then_full)
    with pytest.raises(OSError, match="No space left"):
        save(tmp_path / name, 9)
    assert (tmp_path / name).read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == listing


_FULL_DISK = r"""
import os, sys, warnings
import numpy as np
import nonlin
from nonlin import Dense, Sequential, Softmax, cli
from nonlin.sklearn import MLPClassifier

warnings.simplefilter("ignore")
disk, data = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
X, y = rng.normal(size=(24, 3)), rng.integers(0, 2, 24)

def model(width):
    m = Sequential([Dense(width), Dense(2), Softmax()])
    m.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=0, seed=0)
    return m

def estimator(width):
    return MLPClassifier(hidden_layer_sizes=(width,), max_iter=1, random_state=0).fit(X, y)

def train(width, out):
    return cli.main(["train", data, "--target", "y", "--hidden", str(width), "--epochs", "1",
                     "--quiet", "-o", out])

writers = {
    "save.safetensors": lambda p, w: nonlin.save(model(w), p),
    "est.safetensors": lambda p, w: estimator(w).save(p),
    "ckpt.safetensors": lambda p, w: nonlin.save_checkpoint(model(w), p, epoch=1),
    "cli.safetensors": lambda p, w: train(w, p),
    "pred.csv": lambda p, w: cli.main(["predict", os.path.join(disk, "cli.safetensors"),
                                       data, "-o", p]) if w < 100 else
                             cli.main(["predict", os.path.join(disk, "cli.safetensors"),
                                       data + ".big", "-o", p]),
}
old = {}
for name, write in writers.items():
    path = os.path.join(disk, name)
    assert write(path, 2) in (None, 0), name
    old[name] = open(path, "rb").read()
filler = os.open(os.path.join(disk, "filler"), os.O_WRONLY | os.O_CREAT)
for size in (65536, 4096, 1):  # the disk, full to its last byte
    try:
        while True:
            os.write(filler, b"\0" * size)
    except OSError:
        pass
os.close(filler)
listing = sorted(os.listdir(disk))

def refused(errno_expected):
    for name, write in writers.items():
        path = os.path.join(disk, name)
        try:
            status = write(path, 400)
        except OSError as exc:
            assert exc.errno == errno_expected, (name, exc)
        else:
            assert status not in (None, 0), (name, status)
        assert open(path, "rb").read() == old[name], name
        assert sorted(os.listdir(disk)) == listing, (name, sorted(os.listdir(disk)))

refused(28)  # ENOSPC
os.remove(os.path.join(disk, "filler"))
listing.remove("filler")
assert os.system(f"mount -o remount,ro {disk}") == 0
refused(30)  # EROFS: a read-only file system, however much room it has
print("ok", len(writers))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="a tmpfs in a user and mount namespace")
def test_a_save_onto_a_full_or_read_only_disk_leaves_the_old_file_and_no_temporary_one(
        tmp_path: Path) -> None:
    import shutil

    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True) if shutil.which(
        "unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("no unprivileged mount namespace here (unshare -rm) for a small tmpfs")
    _write_csv(tmp_path / "d.csv")
    rows = "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(3000))
    (tmp_path / "d.csv.big").write_text("a,b,c,y\n" + rows)
    disk = tmp_path / "disk"
    disk.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(Path(nonlin.__file__).parents[1]), os.environ.get("PYTHONPATH")]))}
    script = ('mount -t tmpfs -o size=1m tmpfs "$1" && exec "$3" -c "$4" "$1" "$2"')
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(disk),
                           str(tmp_path / "d.csv"), sys.executable, _FULL_DISK],
                          env=env, capture_output=True, text=True, timeout=120)
    if "mount" in done.stderr and done.returncode != 0 and "ok" not in done.stdout:
        pytest.skip(f"tmpfs not mountable here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0 and "ok 5" in done.stdout, done.stderr[-3000:]
