"""Session 29's corners: leftovers from session 28's closing note.

- A refused refit of a scikit-learn estimator (a ``class_weight`` key that is no class of
  the new labels, a ``sample_weight`` of the wrong length) leaves the fitted estimator as
  it was: ``classes_``, ``n_features_in_`` and the label binarizer are not replaced while
  the network stays the old one (scikit-learn 1.9.1's ``MLPClassifier`` does replace them
  on a refused ``sample_weight``, leaving an estimator that predicts the old network's
  outputs decoded with the new classes; see docs/sklearn.md).
- ``ReduceLROnPlateau`` beside SGD's ``learning_rate="invscaling"`` is refused before the
  fit changes anything: the rule overwrote its reduction an epoch later.
- mypy is clean read as Python 3.13 too (the newest Python the suite runs on; with NumPy
  2.5's stubs it found six errors, with 2.4's an unused ``type: ignore``).
- A third Ctrl-C inside a step of a fit on a batch source (a sequence, a generator) cuts it
  as on arrays: its ``KeyboardInterrupt`` says so and no mid-epoch record is left (this
  held already on main: the tests pin it; the source loop records no progress to drop).
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

try:
    from nonlin.sklearn import MLPClassifier, MLPRegressor
except ImportError:  # scikit-learn (the sklearn extra) not installed: those tests skip
    MLPClassifier = MLPRegressor = None
needs_sklearn = pytest.mark.skipif(MLPClassifier is None, reason="needs scikit-learn")

X = np.random.default_rng(0).normal(size=(20, 3))
Y01 = np.arange(20) % 2


def _fitted() -> MLPClassifier:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 5 epochs
        return MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, Y01)


def _state(est: Any) -> tuple:
    return (est.classes_.tolist(), est._label_binarizer.classes_.tolist(),
            est.n_features_in_, est._objective_kind, est.n_outputs_,
            est.predict(X).tolist())


@needs_sklearn
@pytest.mark.parametrize("y, weights", [
    (np.where(Y01 == 1, "a", "b"), {0: 2.0}),  # text labels, an int key
    (np.arange(20) % 3, {5: 1.0}),  # three classes, a key that is none
])
def test_a_refused_class_weight_on_refit_keeps_the_fitted_classes(y: np.ndarray,
                                                                  weights: dict) -> None:
    est = _fitted()
    kept = _state(est)
    est.set_params(class_weight=weights)
    with pytest.raises(ValueError, match="are not in class_weight"):
        est.fit(X, y)
    est.set_params(class_weight=None)
    assert _state(est) == kept


@needs_sklearn
def test_a_refused_sample_weight_on_refit_keeps_the_fitted_classes_and_width() -> None:
    est = _fitted()
    kept = _state(est)
    with pytest.raises(ValueError, match="sample_weight"):
        est.fit(np.hstack([X, X]), np.arange(20) % 3, sample_weight=np.ones(7))
    assert _state(est) == kept


@needs_sklearn
def test_a_refused_first_partial_fit_keeps_no_classes() -> None:
    est = MLPClassifier(hidden_layer_sizes=(4,), random_state=0, class_weight={5: 1.0})
    with pytest.raises(ValueError, match="are not in class_weight"):
        est.partial_fit(X, Y01, classes=[0, 1])
    assert not hasattr(est, "classes_")
    est.set_params(class_weight=None).partial_fit(X, Y01 + 1, classes=[1, 2])  # other classes
    assert est.classes_.tolist() == [1, 2]


@needs_sklearn
def test_a_refused_regressor_refit_keeps_its_width() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, X[:, 0])
    before = est.predict(X)
    with pytest.raises(ValueError, match="sample_weight"):
        est.fit(np.hstack([X, X]), X[:, 0], sample_weight=np.ones(7))
    assert est.n_features_in_ == 3
    np.testing.assert_array_equal(est.predict(X), before)


# -- 2. ReduceLROnPlateau beside the invscaling rule ---------------------------------------------
def _plateau() -> object:
    import nonlin
    return nonlin.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10.0, factor=0.5)


@needs_sklearn
def test_fit_refuses_reduce_lr_on_plateau_beside_invscaling_before_anything_changes() -> None:
    """The rule set every epoch's rate from ``learning_rate_init``: the callback's halving
    lasted one epoch (rates 0.1, 0.0156, 0.0056, 0.0091: the third halved, the fourth not)."""
    est = MLPClassifier((4,), solver="sgd", learning_rate="invscaling", max_iter=4,
                        random_state=0, callbacks=[_plateau()])
    with pytest.raises(TypeError, match="ReduceLROnPlateau") as error:
        est.fit(X, Y01)
    said = str(error.value)
    assert "learning_rate='invscaling'" in said and "learning_rate='adaptive'" in said
    assert "callbacks[0]" in said and not hasattr(est, "n_iter_")


@needs_sklearn
def test_partial_fit_refuses_it_beside_the_invscaling_rule_it_continues() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier((4,), solver="sgd", learning_rate="invscaling", max_iter=2,
                            random_state=0).fit(X, Y01)
    before = (est.n_iter_, est.t_, est.coefs_[0].copy())
    est.set_params(learning_rate="constant", callbacks=[_plateau()])
    with pytest.raises(TypeError, match="the rule of the optimizer partial_fit continues"):
        est.partial_fit(X, Y01)
    assert (est.n_iter_, est.t_) == before[:2]
    np.testing.assert_array_equal(est.coefs_[0], before[2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.set_params(warm_start=True).fit(X, Y01)  # a new optimizer of the constant rate


@needs_sklearn
@pytest.mark.parametrize("params", [
    {"solver": "sgd", "learning_rate": "adaptive"},  # both lower the rate in place
    {"solver": "sgd", "learning_rate": "constant"},
    {"solver": "adam", "learning_rate": "invscaling"},  # SGD's rule only: Adam ignores it
])
def test_reduce_lr_on_plateau_is_taken_beside_the_other_rates(params: dict) -> None:
    est = MLPClassifier((4,), max_iter=3, random_state=0, learning_rate_init=0.1,
                        callbacks=[_plateau()], **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, Y01)
    assert est.n_iter_ == 3 and est._optimizer.lr < 0.1


@needs_sklearn
def test_a_learning_rate_scheduler_is_still_taken_beside_invscaling() -> None:
    """It sets each epoch's rate as the epoch begins, from the rule's (its ``lr``): its
    value is the one the epoch trains with, so nothing it does is lost."""
    import nonlin
    seen: list[float] = []
    scheduler = nonlin.LearningRateScheduler(lambda epoch, lr: seen.append(lr) or lr / 2)
    est = MLPClassifier((4,), solver="sgd", learning_rate="invscaling", max_iter=3,
                        learning_rate_init=0.1, random_state=0, callbacks=[scheduler])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, Y01)
    np.testing.assert_allclose(seen, [0.1 / (20 * k + 1) ** 0.5 for k in range(3)])


# -- 3. mypy as Python 3.13 -----------------------------------------------------------------------
def test_mypy_finds_no_error_read_as_python_3_13(tmp_path: Path) -> None:
    """pyproject.toml's settings but ``--python-version 3.13``: there ``BaseException``
    has ``__notes__`` (an ignore for 3.10 went unused) and NumPy 2.5's stubs type a reshape,
    ``nonzero`` and a sum more narrowly. tests/test_types.py checks the configured 3.10."""
    pytest.importorskip("mypy")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "src/nonlin", "--config-file", "pyproject.toml",
         "--python-version", "3.13", "--cache-dir", str(tmp_path), "--no-error-summary"],
        cwd=root, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- 4. a cut step in a fit on a batch source ---------------------------------------------------
class _Batches:
    """A sequence of eight batches of four rows (Keras 3's ``PyDataset`` shape)."""

    def __init__(self, X: np.ndarray) -> None:
        self.X = X

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.X[4 * i:4 * i + 4]
        return rows, rows[:, :1]


def _signalled_fit(monkeypatch: pytest.MonkeyPatch, source: str, signals: int,
                   at: str = "step") -> tuple[KeyboardInterrupt, Any]:
    """``signals`` SIGINTs raised in epoch 2 (8 steps an epoch), inside its third step or
    as its third batch is fetched (between two steps); the fit's ``KeyboardInterrupt``."""
    import signal

    import nonlin
    from nonlin import _epoch_loop
    X2 = np.random.default_rng(0).normal(size=(32, 2))
    calls: list[int] = []

    def hit() -> None:
        calls.append(1)
        if len(calls) == 11:
            for _ in range(signals):
                signal.raise_signal(signal.SIGINT)

    if at == "step":
        step = _epoch_loop._Loop._step

        def stepped(self: Any, *args: Any) -> float:
            hit()
            return step(self, *args)

        monkeypatch.setattr(_epoch_loop._Loop, "_step", stepped)
    batches = _Batches(X2)
    if at == "fetch":
        get = _Batches.__getitem__

        def fetched(self: Any, i: int) -> Any:
            hit()
            return get(self, i)

        monkeypatch.setattr(_Batches, "__getitem__", fetched)
    given = {"arrays": (X2, X2[:, :1]), "sequence": (batches,),
             "generator": ((batches[i % 8] for i in range(10 ** 6)),)}[source]
    model = nonlin.Sequential([nonlin.Dense(1)])
    options = {"batch_size": 4} if source == "arrays" else (
        {"steps_per_epoch": 8} if source == "generator" else {})
    with pytest.raises(KeyboardInterrupt) as info:
        model.fit(*given, loss="mse", optimizer="sgd", epochs=3, verbose=0, seed=0, **options)
    monkeypatch.undo()
    return info.value, model


@pytest.mark.parametrize("source", ["arrays", "sequence", "generator"])
def test_a_third_ctrl_c_cuts_a_step_on_a_batch_source_as_on_arrays(
        monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """The guard's ``KeyboardInterrupt`` says the step was cut (``_interrupt.CUT``, what
    ``nonlin train`` reads for its note before ``resume with:``), and no mid-epoch record
    is left; a second Ctrl-C waits for the step's end, and says nothing."""
    from nonlin._interrupt import CUT
    cut, model = _signalled_fit(monkeypatch, source, 3)
    assert cut.args == (CUT,) and model._epoch_in_progress is None
    assert int(model.optimizer.iterations) == 10  # the cut step (the 11th) is not counted
    waited, model = _signalled_fit(monkeypatch, source, 2)
    assert waited.args == () and int(model.optimizer.iterations) == 11  # the step ended


def test_between_two_steps_of_a_batch_source_a_second_ctrl_c_stops_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fetching a batch is no step: the second raises there, and cuts nothing."""
    stop, model = _signalled_fit(monkeypatch, "sequence", 2, at="fetch")
    assert stop.args == () and int(model.optimizer.iterations) == 9  # the last fetch's


@needs_sklearn
def test_the_plateau_refusal_names_a_subclass_as_itself_and_the_rate_it_lowers() -> None:
    """A subclass is named by its own class (as ``_check_rates`` names callbacks), and the
    way out says what ``'constant'`` gives: the callback lowers the optimizer's rate, which
    starts at ``learning_rate_init`` (the parameter itself keeps its value)."""
    import nonlin

    class Patient(nonlin.ReduceLROnPlateau):
        pass

    est = MLPClassifier((4,), solver="sgd", learning_rate="invscaling", max_iter=2,
                        random_state=0, callbacks=[Patient(monitor="loss")])
    with pytest.raises(TypeError, match=r"Received a Patient \(callbacks\[0\]\)") as error:
        est.fit(X, Y01)
    assert "lowers the rate, which starts at learning_rate_init" in str(error.value)
