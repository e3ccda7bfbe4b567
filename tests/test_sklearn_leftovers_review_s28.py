"""Review of session 28's scikit-learn leftovers (``test_sklearn_leftovers_s28``): the
``class_weight`` key check held to scikit-learn's own condition (a count, which text labels
that are one number make differ from a key-by-key match), ``learning_rate`` in the logs when
a callback before made ``lr`` no number, and guards on what held: the state a
``ConvergenceWarning`` raised as an error leaves (scikit-learn's), a Ctrl-C mid-epoch."""

from __future__ import annotations

import itertools
import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.utils.class_weight import compute_class_weight  # noqa: E402

import nonlin  # noqa: E402
import nonlin.sklearn as nls  # noqa: E402
from nonlin._sklearn_weights import check_keys  # noqa: E402
from sklearn_helpers import LABELS, X  # noqa: E402
from sklearn_helpers import quiet_fit as _fit  # noqa: E402

_TEXT = np.array(["01", "1", "b"] * 20)  # '01' and '1': both looked up as the key 1


def _numbers_looked_up() -> bool:
    """Whether the installed scikit-learn looks text labels up as numbers (``int(c)``,
    1.9.1 does), the rule nonlin keeps; 1.7.2 (Python 3.10's) looks them up as given."""
    try:
        return compute_class_weight({1: 2.0}, classes=np.array(["1", "b"]),
                                    y=np.array(["1", "b"]))[0] == 2.0
    except ValueError:  # 1.7: "The classes, ['1', 'b'], are not in class_weight"
        return False


_AS_NUMBERS = pytest.mark.skipif(
    not _numbers_looked_up(), reason="this scikit-learn looks text labels up as given, not as "
    "numbers (scikit-learn 1.9's rule, which nonlin keeps): its condition is another")


@_AS_NUMBERS
def test_a_dict_scikit_learn_takes_for_text_labels_that_are_one_number_trains():
    weights = {1: 2.0, "z": 3.0}  # 1 weighs '01' and '1'; 'b' left out; 'z' no class
    SGDClassifier(class_weight=weights, max_iter=5, tol=None).fit(X, _TEXT)  # taken there
    est = _fit(nls.MLPClassifier((3,), max_iter=2, random_state=0, class_weight=weights),
               X, _TEXT)
    assert est.n_iter_ == 2


@_AS_NUMBERS
def test_such_a_dict_scikit_learn_refuses_is_refused_with_its_message():
    weights = {1: 2.0, "z": 3.0, "y": 1.0}  # two classes weighted, three keys
    with pytest.raises(ValueError) as sklearn_error:
        SGDClassifier(class_weight=weights).fit(X, _TEXT)
    with pytest.raises(ValueError) as error:
        nls.MLPClassifier((3,), max_iter=2, class_weight=weights).fit(X, _TEXT)
    assert str(error.value).startswith(str(sklearn_error.value))
    assert "keys ['z', 'y'] are no class" in str(error.value)


_LABEL_SETS = [[0, 1], [1, 2, 3], [False, True], [-1.0, 1.0], ["1", "2"], ["a", "b"],
               ["1", "a"], ["01", "1", "b"], [" 1", "1", "2"]]
_KEYS = [0, 1, 2, 5, "1", "2", "a", "b", "z", 1.0, True, np.int64(1), np.str_("a"), "01"]


@_AS_NUMBERS
@pytest.mark.parametrize("labels", _LABEL_SETS, ids=str)
def test_check_keys_refuses_what_compute_class_weight_refuses_and_nothing_else(labels):
    classes = np.unique(np.array(labels))
    for n in range(4):
        for keys in itertools.combinations(_KEYS, n):
            weights = dict.fromkeys(keys, 2.0)
            try:
                compute_class_weight(weights, classes=classes, y=classes)
                refused = None
            except ValueError as exc:
                refused = str(exc)
            try:
                check_keys(weights, classes)
            except ValueError as exc:
                assert refused is not None and str(exc).startswith(refused), (labels, weights)


@pytest.mark.parametrize("shown", [None, "halved"])
def test_learning_rate_is_the_optimizers_when_a_callback_made_lr_no_number(shown):
    """A callback before the scheduler that makes ``lr`` something else for a display: the
    fit trains, as before ``learning_rate`` was read from ``lr`` (``float(None)``'s
    ``TypeError``, or a bare ``could not convert string to float``)."""
    def show(epoch, logs):
        logs["lr"] = shown

    model = nonlin.Sequential([nonlin.Dense(1)])
    history = model.fit(X, LABELS[:, None].astype(float), loss="mse", optimizer=nonlin.SGD(0.1),
                        epochs=2, verbose=0, seed=0,
                        callbacks=[nonlin.LambdaCallback(on_epoch_end=show),
                                   nonlin.LearningRateScheduler(lambda epoch, lr: lr / 2)])
    assert history.history["lr"] == [shown, shown]
    assert history.history["learning_rate"] == [0.05, 0.025]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_the_convergence_warning_as_an_error_leaves_scikit_learns_state(early_stopping):
    """A guard: raised after the fit, the warning leaves what scikit-learn's leaves (the last
    epoch's weights, not early stopping's best; ``n_iter_``, ``t_``, ``loss_curve_``)."""
    states = []
    for cls in (neural_network.MLPClassifier, nls.MLPClassifier):
        est = cls((3,), max_iter=3, random_state=0, early_stopping=early_stopping,
                  n_iter_no_change=100)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            with pytest.raises(ConvergenceWarning):
                est.fit(X, LABELS)
        states.append((est.n_iter_, est.t_, est.loss_curve_, est.coefs_, est.predict_proba(X)))
    (n, t, curve, coefs, proba), (n2, t2, curve2, coefs2, proba2) = states
    assert (n, t) == (n2, t2) and np.allclose(curve, curve2, rtol=1e-12)
    for a, b in zip(coefs, coefs2, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    np.testing.assert_allclose(proba, proba2, rtol=1e-10)


class _CutMidEpoch(nonlin.Callback):
    def __init__(self) -> None:
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 2 and batch == 0:
            raise KeyboardInterrupt


def test_a_ctrl_c_in_the_last_epoch_gives_no_convergence_warning_and_forgets_callbacks():
    """A guard: cut in the last epoch, the fit warns only scikit-learn's "Training
    interrupted by user.", keeps no callbacks, pickles and predicts; a new fit is a new run."""
    kwargs = {"max_iter": 3, "batch_size": 20, "random_state": 0, "early_stopping": True,
              "n_iter_no_change": 100}
    est = nls.MLPClassifier((3,), callbacks=[_CutMidEpoch()], **kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, LABELS)
    assert [str(w.message) for w in caught] == ["Training interrupted by user."]
    assert est.n_iter_ == 2 and est.model_._fit_callbacks == []
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))
    again = _fit(est.set_params(callbacks=None), X, LABELS)
    fresh = _fit(nls.MLPClassifier((3,), **kwargs), X, LABELS)
    for a, b in zip(again.coefs_, fresh.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
