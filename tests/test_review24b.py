"""Review of session 24's merges: what the docs now say of copies and pickles holding no
gradient (docs/guide.md's loop of one's own, docs/sklearn.md's pickle sizes)."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import nonlin


def test_a_copy_made_between_backward_and_step_steps_on_zeros() -> None:
    """guide.md: a copy holds no gradient (PyTorch's deep copy of a module: grad None);
    the original's step is the one the loop makes."""
    rng = np.random.default_rng(0)
    X, Y = rng.random((8, 3)), rng.random((8, 2))
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2)])
    model.build(3, seed=0)
    loss = nonlin.MeanSquaredError()
    model.backward(loss.grad(Y, model.forward(X, training=True)))
    twin = copy.deepcopy(model)
    before = twin.get_weights()
    nonlin.SGD(0.1).step(twin.parameters())
    assert all(np.array_equal(a, b) for a, b in zip(before, twin.get_weights(), strict=True))
    assert any(p.grad.any() for p in model.parameters())
    nonlin.SGD(0.1).step(model.parameters())
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_an_estimator_pickle_is_about_scikit_learns_size(solver: str) -> None:
    """sklearn.md: the digits network's pickle is scikit-learn's size (189 KB and 249 KB
    beside 187 KB and 247 KB), no gradients."""
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier as Theirs

    from nonlin.sklearn import MLPClassifier

    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        ours = MLPClassifier((100,), solver=solver, max_iter=2, random_state=0).fit(X, y)
        theirs = Theirs((100,), solver=solver, max_iter=2, random_state=0).fit(X, y)
    assert len(pickle.dumps(ours)) < len(pickle.dumps(theirs)) + 5_000


def test_plot_history_refuses_a_huge_validation_freq_with_its_message(tmp_path) -> None:
    """Before: ``epochs % validation_freq`` on int64 epochs raised OverflowError for a
    validation_freq of 2**63 or more; a long run's epoch list is clipped in the message."""
    pytest.importorskip("matplotlib")
    from nonlin import plots

    keras_dict = {"loss": [1.0, 0.9, 0.8, 0.7], "val_loss": [0.5]}
    for freq in (2**63, 10**30):
        with pytest.raises(ValueError, match=rf"validation_freq={freq} of the 4 epochs \(\[\]\)"):
            plots.plot_history(keras_dict, tmp_path / "h.png", validation_freq=freq)
    long_run = {"loss": [1.0] * 5000, "val_loss": [0.5]}
    with pytest.raises(ValueError, match=r"of the 5000 epochs \(\[2, 4, 6, .*characters\)\)\. "
                                         r"Received 1 values") as caught:
        plots.plot_history(long_run, tmp_path / "h.png", validation_freq=2)
    assert len(str(caught.value)) < 400
    assert not (tmp_path / "h.png").exists()
