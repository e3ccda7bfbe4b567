"""Swapping the import in scikit-learn's example gallery (swap22).

scikit-learn's examples (``plot_mlp_training_curves.py``, ``plot_mnist_filters.py``) silence
the MLP's ``ConvergenceWarning`` with ``filterwarnings(..., module="sklearn")`` and run with
``verbose=10``; each test is the minimal reproducer of what broke when the import was swapped,
or a side-by-side check of what the scripts read (the coefficient images, curve lengths).
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network as skl  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import nonlin  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _caught(est, X, y, *, module_filter):
    """The warnings ``est.fit(X, y)`` shows under the examples' filter (or none)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if module_filter:
            warnings.filterwarnings("ignore", category=ConvergenceWarning, module="sklearn")
        est.fit(X, y)
    return caught


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_the_examples_module_filter_silences_the_convergence_warning(small, solver):
    """It showed nonlin's ConvergenceWarning where scikit-learn's was silenced (the filter's
    module pattern did not match the user's ``__main__``)."""
    X, y = small
    for cls in (MLPClassifier, skl.MLPClassifier):
        est = cls((5,), solver=solver, max_iter=2, random_state=0)
        assert _caught(est, X, y, module_filter=True) == []


def test_the_regressors_warning_matches_the_filter_too(small):
    X, y = small
    for cls in (MLPRegressor, skl.MLPRegressor):
        est = cls(hidden_layer_sizes=(5,), max_iter=2, random_state=0)
        assert _caught(est, X, y.astype(float), module_filter=True) == []


def test_the_warning_still_points_at_the_users_fit(small):
    """Unfiltered, it is shown once per line at the line of the user's call, as before."""
    X, y = small
    caught = _caught(MLPClassifier((5,), max_iter=2, random_state=0), X, y, module_filter=False)
    assert [w.category for w in caught] == [ConvergenceWarning]
    assert caught[0].filename == __file__


def test_the_batch_size_warning_matches_a_module_filter(small):
    """scikit-learn's clipping ``UserWarning`` comes from its MLP module too."""
    X, y = small
    for cls in (MLPClassifier, skl.MLPClassifier):
        est = cls((5,), batch_size=500, max_iter=50, random_state=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", module="sklearn")
            est.fit(X, y)
        assert caught == []


def test_an_interrupted_fit_warns_as_sklearns(small):
    X, y = small

    class Interrupt(nonlin.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    est = MLPClassifier((5,), max_iter=5, random_state=0, callbacks=[Interrupt()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert [str(w.message) for w in caught] == ["Training interrupted by user."]
    assert caught[0].filename == __file__
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", module="sklearn")
        est.fit(X, y)
    assert caught == []


def test_verbose_10_prints_sklearns_lines_alone(small, capsys):
    """``plot_mnist_filters.py`` passes ``verbose=10``; it drew nonlin's progress bar on
    standard error (any ``verbose >= 2`` did), where scikit-learn prints its lines alone."""
    X, y = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier((5,), max_iter=3, random_state=0, verbose=10).fit(X, y)
        out, err = capsys.readouterr()
        skl.MLPClassifier((5,), max_iter=3, random_state=0, verbose=10).fit(X, y)
    assert err == ""
    assert out == capsys.readouterr().out
    assert out.splitlines() == [f"Iteration {i + 1}, loss = {v:.8f}"
                                for i, v in enumerate(ours.loss_curve_)]


def test_mnist_filters_images_and_curves_match_sklearn():
    """What ``plot_mnist_filters.py`` and ``plot_mlp_training_curves.py`` read: the first
    layer's columns as 28x28 images, and the curves' lengths (early stopping ends them)."""
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(120, 784)) / 255.0
    y = np.array([str(v) for v in rng.integers(0, 3, size=120)], dtype=object)
    kw = dict(hidden_layer_sizes=(6,), max_iter=4, solver="sgd", random_state=1,
              learning_rate_init=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = MLPClassifier(**kw).fit(X, y), skl.MLPClassifier(**kw).fit(X, y)
    images = [c.reshape(28, 28) for c in ours.coefs_[0].T]
    expected = [c.reshape(28, 28) for c in theirs.coefs_[0].T]
    assert len(images) == 6 and all(a.shape == (28, 28) for a in images)
    np.testing.assert_allclose(images, expected, rtol=0, atol=1e-12)
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 4
    stop = dict(kw, max_iter=40, early_stopping=True, n_iter_no_change=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours_es = MLPClassifier(**stop).fit(X, y)
        try:
            theirs_es = skl.MLPClassifier(**stop).fit(X, y)
        except TypeError as error:  # 1.7 (Python 3.10's): np.isnan on the object labels
            import sklearn
            pytest.skip(f"scikit-learn {sklearn.__version__}'s early stopping fails on object "
                        f"labels: {error}")
    assert ours_es.n_iter_ == theirs_es.n_iter_ < 40
    assert len(ours_es.loss_curve_) == len(theirs_es.loss_curve_) == ours_es.n_iter_
    assert ours_es.validation_scores_ == theirs_es.validation_scores_
    assert ours_es.best_loss_ is None and theirs_es.best_loss_ is None
