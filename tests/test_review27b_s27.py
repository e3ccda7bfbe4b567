"""Session 27's hostile review (review27b) of the notebook and scikit-learn-extras merges."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin.progress
from nonlin.progress import ProgbarLogger

tqdm = pytest.importorskip("tqdm")


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3))
    return X, (X[:, 0] > 0).astype(int)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])


class _StopAt(nonlin.Callback):
    """Ctrl-C (or a bug) during batch 2 of the first epoch."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if batch == 2:
            raise self.error


def test_a_bar_failing_to_close_leaves_the_interrupt_as_it_was(monkeypatch) -> None:
    monkeypatch.setattr(nonlin.progress, "redraws", lambda file: True)  # as on a terminal
    class Closing(ProgbarLogger):  # a bar whose stream broke (a closed pipe)
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            super().on_epoch_begin(epoch, logs)
            close, bar = self._bar.close, self._bar

            def broken() -> None:
                close()
                bar.close = close  # (tqdm's __del__ closes it again)
                raise OSError("Bad file descriptor")
            self._bar.close = broken

    X, y = _data()
    with pytest.raises(KeyboardInterrupt):  # not an OSError with the interrupt as context
        _model().fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=8,
                     seed=0, verbose=0, callbacks=[Closing(1, 4, 2), _StopAt(KeyboardInterrupt())])


def test_a_progbar_subclass_train_end_is_not_run_by_a_failed_fit_nor_twice() -> None:
    ends: list[int] = []

    class Summary(ProgbarLogger):
        def on_train_end(self, logs: Any = None) -> None:
            super().on_train_end(logs)
            ends.append(1)  # "training finished": a summary of the subclass's own

    class Late(nonlin.Callback):
        def on_train_end(self, logs: Any = None) -> None:
            raise RuntimeError("a later callback's bug")

    X, y = _data()
    with pytest.raises(RuntimeError, match="a later callback's bug"):
        _model().fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, batch_size=8,
                     seed=0, verbose=0, callbacks=[Summary(1, 4, 1), Late()])
    assert ends == [1]  # once, from the fit's own on_train_end
    with pytest.raises(RuntimeError, match="a callback's bug"):
        _model().fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, batch_size=8,
                     seed=0, verbose=0, callbacks=[Summary(1, 4, 1), _StopAt(RuntimeError(
                         "a callback's bug"))])
    assert ends == [1]  # a failed fit: no "training finished" (the bar closed all the same)


def test_a_layer_whose_name_clashes_with_nonlins_is_not_said_defined_again(
        tmp_path: Any) -> None:
    from nonlin import registry
    from nonlin.core import Layer

    class Dense(Layer):  # the user's own Dense: no cell run again
        def forward(self, x: Any, *, training: bool = False) -> Any:
            return 2 * x

        def backward(self, grad_out: Any) -> Any:
            return 2 * grad_out

    model = nonlin.Sequential([nonlin.Dense(2), Dense()]).build(2, seed=0)
    with pytest.raises(TypeError) as refused:
        model.save(tmp_path / "m.nonlin")
    message = str(refused.value)
    assert "defined again" not in message and "= type(model.layers[1])" not in message
    assert "nonlin.registry.LAYERS['Dense'] is nonlin." in message
    assert "give your class a name of its own" in message
    assert registry.LAYERS["Dense"] is nonlin.Dense and not (tmp_path / "m.nonlin").exists()


def test_a_loss_whose_name_clashes_with_nonlins_gets_the_plain_left_out_warning(
        tmp_path: Any) -> None:
    from nonlin.losses import Loss

    class MeanSquaredError(Loss):  # the user's own, unregistered: no cell run again
        def call(self, y_true: Any, y_pred: Any) -> Any:
            return ((y_pred - y_true) ** 2).sum(axis=1)

        def grad_terms(self, y_true: Any, y_pred: Any, out: Any) -> Any:
            return np.subtract(y_pred, y_true, out=out)

    X = np.random.default_rng(0).normal(size=(8, 2))
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.fit(X, X[:, :1], loss=MeanSquaredError(), optimizer="sgd", seed=0, verbose=0)
    with pytest.warns(UserWarning, match="leaves out loss=MeanSquaredError") as caught:
        model.save(tmp_path / "m.nonlin")
    assert not any("another class named" in str(w.message) for w in caught)


class _CutAt(nonlin.Callback):
    """A Ctrl-C (or a bug) at the end of the second epoch, after the estimator's own lines."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == 1:
            raise self.error


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("a callback's bug")])
def test_verbose_2_shows_the_lines_of_an_epoch_cut_short_as_verbose_1_does(
        error: BaseException, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    X, y = _data()
    out = {}
    for verbose in (1, 2):
        est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, verbose=verbose,
                            random_state=0, callbacks=[_CutAt(error)])
        with pytest.warns(UserWarning, match="interrupted") if isinstance(
                error, KeyboardInterrupt) else pytest.raises(RuntimeError):
            est.fit(X, y)
        out[verbose] = capsys.readouterr().out
    assert out[1].count("Iteration") == 2 and out[2] == out[1]  # once each, none lost


@pytest.mark.parametrize("weight", [__import__("decimal").Decimal("0.5"), np.array(0.5),
                                    np.bool_(True), __import__("fractions").Fraction(1, 2)])
def test_class_weight_numbers_that_trained_before_the_check_still_train(weight: Any) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    X, y = _data()
    est = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                        class_weight={0: weight, 1: 1.0})
    with pytest.warns(UserWarning):  # the ConvergenceWarning of two epochs
        est.fit(X, y)
    assert est.n_iter_ == 2
    for bad in ("high", float("nan"), 1 + 0j, np.array([0.5])):  # still refused, named
        with pytest.raises(ValueError, match=r"class_weight\[0\]="):
            MLPClassifier(class_weight={0: bad, 1: 1.0}).fit(X, y)


class _Snapshot(nonlin.Callback):
    """A user's snapshot of the estimator (``held[0]``) at each epoch's end."""

    held: list[Any] = []
    taken: list[bytes] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        import pickle

        self.taken.append(pickle.dumps(self.held[0]))


def test_verbose_2_estimator_pickles_mid_fit_as_verbose_1_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    monkeypatch.setattr(_Snapshot, "held", [])
    monkeypatch.setattr(_Snapshot, "taken", [])
    X, y = _data()
    for verbose in (1, 2):
        est = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, verbose=verbose,
                            random_state=0, callbacks=[_Snapshot()])
        _Snapshot.held[:] = [est]
        with pytest.warns(UserWarning):  # the ConvergenceWarning of two epochs
            est.fit(X, y)
    assert len(_Snapshot.taken) == 4
