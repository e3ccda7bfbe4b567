"""The scikit-learn estimators' extras as a scikit-learn user meets them (session 27)."""

from __future__ import annotations

import io
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from nonlin.sklearn import MLPClassifier  # noqa: E402


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(120, 4))
    return X, np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")


def test_verbose_2_lines_do_not_run_into_the_open_progress_bar(monkeypatch):
    """scikit-learn's ``Iteration n, loss = ...`` line was written while the epoch's bar was
    still open, on the bar's line (``Epoch 1/3:  0%|...| 0/4 [...]Iteration 1, loss = ...``);
    each now starts its own line after the bar, and the warning still names the user's fit."""
    out = io.StringIO()  # a terminal shows both streams on one screen
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", out)
    X, y = _data()
    est = MLPClassifier((8,), max_iter=3, batch_size=30, random_state=0, verbose=2)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)") as caught:
        est.fit(X, y)
    assert caught[0].filename == __file__
    lines = [part for line in out.getvalue().split("\n") for part in line.split("\r")]
    iterations = [line for line in lines if "Iteration" in line]
    expected = [f"Iteration {i + 1}, loss = {v:.8f}" for i, v in enumerate(est.loss_curve_)]
    assert iterations == expected
    assert "Epoch 3/3" in out.getvalue()
    est.set_params(n_iter_no_change=1, tol=1e9, max_iter=20)  # the stopping line too
    out.seek(0)
    out.truncate()
    est.fit(X, y)
    lines = [part for line in out.getvalue().split("\n") for part in line.split("\r")]
    said = [line for line in lines if "Iteration" in line or "Stopping" in line]
    assert said == [*(f"Iteration {i + 1}, loss = {v:.8f}" for i, v in enumerate(est.loss_curve_)),
                    "Training loss did not improve more than tol=1000000000.000000 for 1 "
                    "consecutive epochs. Stopping."]


@pytest.mark.parametrize("weight", [np.nan, np.inf, "2.0", None, [2.0]])
def test_a_class_weight_that_is_no_finite_number_is_refused_naming_its_class(weight):
    """A NaN or infinite weight was refused as ``sample_weight[0]=nan`` (a parameter not
    given), text as NumPy's ``could not convert string to float``, not naming class_weight."""
    X, y = _data()
    est = MLPClassifier((4,), max_iter=2, random_state=0, class_weight={"yes": weight})
    fits = (lambda: est.fit(X, y), lambda: est.partial_fit(X, y, classes=["no", "yes"]))
    for fit in fits:
        with pytest.raises(ValueError, match=r"Expected class_weight to map each class to a "
                                             r"finite number.*Received: class_weight\['yes'\]="):
            fit()
        assert not hasattr(est, "coefs_")
    fitted = MLPClassifier((4,), max_iter=50, tol=1e9, random_state=0).fit(X, y)
    before = [w.copy() for w in fitted.coefs_]
    with pytest.raises(ValueError, match=r"class_weight\['yes'\]"):
        fitted.set_params(class_weight={"no": 1.0, "yes": weight}).fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, fitted.coefs_, strict=True))


def test_a_multilabel_class_weight_that_is_no_finite_number_is_refused_naming_it():
    X, _ = _data()
    Y = (X[:, :2] > 0).astype(int)
    est = MLPClassifier((4,), max_iter=2, random_state=0, class_weight=[{}, {1: np.nan}])
    with pytest.raises(ValueError, match=r"Received: class_weight\[1\]\[1\]=nan"):
        est.fit(X, Y)
    est.set_params(class_weight=[{0: "3"}, {}])
    with pytest.raises(ValueError, match=r"Received: class_weight\[0\]\[0\]='3'"):
        est.fit(X, Y)


@pytest.mark.parametrize("make", [lambda nonlin: nonlin.ReduceLROnPlateau(),
                                  lambda nonlin: nonlin.LearningRateScheduler(lambda e, lr: lr)])
def test_a_rate_callback_beside_a_schedule_is_refused_before_the_estimator_changes(make):
    """The callback's TypeError came in the first epoch, named an ``optimizer.lr`` the
    user never gave, and left an unfitted estimator with ``coefs_`` and ``n_iter_ == 0``."""
    import nonlin
    from nonlin.schedules import ExponentialDecay

    X, y = _data()
    est = MLPClassifier((4,), max_iter=2, learning_rate=ExponentialDecay(0.01, 10, 0.9),
                        callbacks=[nonlin.EarlyStopping(), make(nonlin)])
    name = type(est.callbacks[1]).__name__
    for fit in (lambda: est.fit(X, y), lambda: est.partial_fit(X, y, classes=["no", "yes"])):
        with pytest.raises(TypeError, match=rf"Received a {name} \(callbacks\[1\]\).*"
                                            r"learning_rate=ExponentialDecay\(lr=0.01"):
            fit()
        assert not hasattr(est, "coefs_") and not hasattr(est, "n_iter_")
    est.set_params(solver="lbfgs", max_iter=200)  # L-BFGS runs no callbacks: warned
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert any("callbacks" in str(w.message) for w in caught)


@pytest.mark.parametrize("make", [lambda nonlin, tmp: nonlin.EarlyStopping(monitor="weird"),
                                  lambda nonlin, tmp: nonlin.ReduceLROnPlateau(monitor="weird"),
                                  lambda nonlin, tmp: nonlin.CSVLogger(str(tmp))])
def test_a_callback_refusing_its_settings_leaves_the_estimator_unfitted(make, tmp_path):
    """The callback's error (a monitor of unknown direction, a log path naming a folder)
    came once the fit had begun, and left an unfitted estimator with its initial coefs_
    and n_iter_ == 0; it now comes first, as Sequential.fit asks before it changes anything."""
    import nonlin

    X, y = _data()
    callback = make(nonlin, tmp_path)
    est = MLPClassifier((4,), max_iter=2, callbacks=[callback])
    for fit in (lambda: est.fit(X, y), lambda: est.partial_fit(X, y, classes=["no", "yes"])):
        with pytest.raises((ValueError, OSError), match=type(callback).__name__):
            fit()
        assert not hasattr(est, "coefs_") and not hasattr(est, "n_iter_")
    assert list(tmp_path.iterdir()) == []


def test_a_refused_class_weight_leaves_an_unfitted_estimator_without_fitted_attributes():
    X, y = _data()
    for weights in ({"yes": np.nan}, [{}, {1: "2"}]):
        est = MLPClassifier((4,), max_iter=2, class_weight=weights)
        with pytest.raises(ValueError, match="Expected class_weight"):
            est.fit(X, y)
        assert [k for k in vars(est) if k.endswith("_")] == []
