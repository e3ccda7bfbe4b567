"""Leftovers of ``nonlin.sklearn``'s estimators (session 28), each checked against scikit-learn
(or Keras 3, for the logs): unknown ``class_weight`` keys named, ``partial_fit`` refusing a
rate callback beside the schedule it continues (and taking one beside the float rate it
continues), one value for ``lr`` and ``learning_rate``, no callbacks kept after a fit a
Ctrl-C or an error cut short, the ``ConvergenceWarning`` after the last epoch whatever
``verbose`` is, and a failed first fit leaving the estimator as scikit-learn's does."""

from __future__ import annotations

import copy
import csv
import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

import nonlin  # noqa: E402
import nonlin.sklearn as nls  # noqa: E402
from nonlin.schedules import ExponentialDecay  # noqa: E402
from sklearn_helpers import LABELS, X  # noqa: E402
from sklearn_helpers import quiet_fit as _fit  # noqa: E402


def _clf(**kwargs):
    return nls.MLPClassifier(**{"hidden_layer_sizes": (3,), "max_iter": 3, "random_state": 0,
                                **kwargs})


# -- 1. class_weight keys that are no class ----------------------------------------------------
@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_unknown_class_weight_keys_are_named_with_the_classes(how):
    weights = {0: 1.0, 5: 2.0, "x": 3.0}  # class 1 left out, 5 and "x" no class
    with pytest.raises(ValueError) as sklearn_error:  # scikit-learn's class, and its message
        SGDClassifier(class_weight=weights).fit(X, LABELS)
    assert "5" not in str(sklearn_error.value)
    est = _clf(class_weight=weights)
    with pytest.raises(type(sklearn_error.value)) as error:
        if how == "fit":
            est.fit(X, LABELS)
        else:
            est.partial_fit(X, LABELS, classes=[0, 1])
    message = str(error.value)
    assert message.startswith(str(sklearn_error.value))  # code matching it still does
    assert "keys [5, 'x'] are no class" in message and "classes_=[0, 1]" in message
    assert "class_weight={0: 1.0, 5: 2.0, 'x': 3.0}" in message
    assert "coefs_" not in vars(est)  # refused before training


def test_a_class_weight_naming_every_class_and_more_is_taken_as_scikit_learn_takes_it():
    weights = {0: 1.0, 1: 2.0, 7: 3.0}
    SGDClassifier(class_weight=weights, max_iter=5, tol=None).fit(X, LABELS)
    assert _fit(_clf(class_weight=weights), X, LABELS).n_iter_ == 3


# -- 2. partial_fit continues the fitted optimizer's rate --------------------------------------
def test_scikit_learn_partial_fit_keeps_the_rate_rule_of_its_optimizer():
    """What the two tests below follow: ``learning_rate`` set since applies from the next fit."""
    est = neural_network.MLPClassifier((3,), solver="sgd", learning_rate="invscaling",
                                       max_iter=2, random_state=0)
    _fit(est, X, LABELS)
    est.set_params(learning_rate="constant").partial_fit(X, LABELS)
    assert est._optimizer.lr_schedule == "invscaling"


@pytest.mark.parametrize("callback", [nonlin.ReduceLROnPlateau(monitor="loss"),
                                      nonlin.LearningRateScheduler(lambda epoch, lr: lr)])
def test_partial_fit_refuses_a_rate_callback_beside_the_schedule_it_continues(callback):
    est = _fit(_clf(solver="sgd", learning_rate=ExponentialDecay(0.01, 10, 0.9)), X, LABELS)
    before = (est.n_iter_, est.t_, est.coefs_[0].copy())
    est.set_params(learning_rate="constant", callbacks=[callback])
    with pytest.raises(TypeError, match="learning_rate='constant' applies from the next fit") \
            as error:
        est.partial_fit(X, LABELS)
    assert "partial_fit" in str(error.value) and "ExponentialDecay(lr=0.01" in str(error.value)
    assert (est.n_iter_, est.t_) == before[:2]  # refused before anything changed
    np.testing.assert_array_equal(est.coefs_[0], before[2])
    _fit(est.set_params(warm_start=True), X, LABELS)  # fit makes an optimizer of the new rate
    assert est._optimizer.inner.lr == est.learning_rate_init


def test_partial_fit_takes_a_rate_callback_beside_the_float_rate_it_continues():
    est = _fit(_clf(solver="sgd", learning_rate_init=0.05), X, LABELS)
    scheduler = nonlin.LearningRateScheduler(lambda epoch, lr: lr / 2)
    est.set_params(learning_rate=ExponentialDecay(0.01, 10, 0.9), callbacks=[scheduler])
    est.partial_fit(X, LABELS)  # the fitted optimizer's float rate goes on, halved
    assert est._optimizer.lr == 0.025 and est.n_iter_ == 1


# -- 3. lr and learning_rate: one value -------------------------------------------------------
def test_an_estimator_logs_the_same_rate_as_lr_and_learning_rate(tmp_path):
    """The ``invscaling`` rule sets the next epoch's rate before the user's callbacks run:
    ``learning_rate`` was that one, ``lr`` the rate the epoch trained with."""
    path = tmp_path / "log.csv"
    # not ReduceLROnPlateau, refused beside invscaling since session 29 (test_corners_s29)
    callbacks = [nonlin.LearningRateScheduler(lambda epoch, lr: lr), nonlin.CSVLogger(path)]
    _fit(_clf(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1, max_iter=4,
              callbacks=callbacks), X, LABELS)
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 4 and rows[0]["lr"] == "0.1"
    assert [row["learning_rate"] for row in rows] == [row["lr"] for row in rows]


def test_fit_logs_the_same_rate_as_lr_and_learning_rate():
    model = nonlin.Sequential([nonlin.Dense(1)])
    history = model.fit(X, LABELS[:, None].astype(float), loss="mse", optimizer=nonlin.SGD(0.1),
                        epochs=3, verbose=0, seed=0,
                        callbacks=[nonlin.ReduceLROnPlateau(monitor="loss", patience=0,
                                                            min_delta=10.0, factor=0.5)])
    assert history.history["learning_rate"] == history.history["lr"] == [0.1, 0.1, 0.05]


# -- 4. no callbacks kept after an interrupted fit -----------------------------------------------
class _Cut(nonlin.Callback):
    def __init__(self, error: type[BaseException]) -> None:
        self.error = error

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise self.error


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_a_cut_fit_leaves_no_callbacks_on_the_network(error):
    est = _clf(early_stopping=True, max_iter=5, callbacks=[_Cut(error)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est.fit(X, LABELS)
        except RuntimeError:
            pass
    assert est.n_iter_ == 2 and est.model_._fit_callbacks == []
    data = pickle.dumps(est)  # the schedule held the scorer, a local function pickle refused
    assert b"SklearnSchedule" not in data and b"SklearnSchedule" not in pickle.dumps(
        copy.deepcopy(est))
    np.testing.assert_array_equal(pickle.loads(data).predict_proba(X), est.predict_proba(X))


# -- 5. the ConvergenceWarning after the last epoch, whatever verbose is -----------------------
@pytest.mark.parametrize("verbose", [True, 2])
def test_the_convergence_warning_as_an_error_comes_after_the_last_epoch(tmp_path, verbose,
                                                                       capsys):
    path = tmp_path / "log.csv"
    ends = []
    seen = nonlin.LambdaCallback(on_epoch_end=lambda epoch, logs: ends.append(epoch),
                                 on_train_end=lambda logs: ends.append("end"))
    est = _clf(max_iter=3, verbose=verbose, callbacks=[nonlin.CSVLogger(path), seen])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
            est.fit(X, LABELS)
    assert ends == [0, 1, 2, "end"] and len(list(csv.DictReader(path.open()))) == 3
    assert est.n_iter_ == 3 and "Iteration 3, loss" in capsys.readouterr().out


# -- 6. a failed first fit: fitted-looking, as scikit-learn's ------------------------------------
def test_a_failed_first_fit_leaves_the_estimator_as_scikit_learn_leaves_its_own():
    """scikit-learn's estimator passes ``check_is_fitted`` after a fit that failed once its
    weights were made (here its early-stopping split); nonlin's too, after an error from a
    callback (documented in docs/sklearn.md). nonlin refuses that split before the weights
    are made since session 29 (tests/test_review29c.py): its estimator stays unfitted."""
    for est in (neural_network.MLPClassifier((3,), early_stopping=True,
                                             validation_fraction=0.01),
                _clf(callbacks=[_Cut(RuntimeError)])):
        with pytest.raises((ValueError, RuntimeError)):
            est.fit(X, LABELS)
        check_is_fitted(est)
    est = _clf(early_stopping=True, validation_fraction=0.01)
    with pytest.raises(ValueError):
        est.fit(X, LABELS)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
