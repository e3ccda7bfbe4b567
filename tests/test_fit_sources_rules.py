"""Batch sources: what ``fit`` refuses with one (Keras 3 refuses ``y`` and
``sample_weight`` too), each batch checked as arrays are with its index named, and
``evaluate`` / ``predict`` on a source giving the arrays' numbers."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from source_helpers import FIT, Reiterable, Seq, batches, data, model, same_weights


@pytest.mark.parametrize(("given", "match"), [
    ({"y": np.zeros(40)}, r"Expected y=None when x is a batch source \(fit\): each batch "
                          r"carries its targets.*Received: y="),
    ({"sample_weight": np.ones(40)}, r"Expected sample_weight=None .*Received: sample_weight="),
    ({"batch_size": 8}, r"Expected batch_size=None .*their own sizes\. Received: batch_size=8"),
    ({"validation_split": 0.2}, r"Expected validation_split=0 .*cannot be split.*"
                                r"Received: validation_split=0\.2"),
])
def test_fit_refuses_what_the_batches_carry(given: dict, match: str) -> None:
    X, y = data()
    m = model()
    with pytest.raises(ValueError, match=match):
        m.fit(Seq(X, y), epochs=1, **FIT, **given)
    assert not m.built


def test_evaluate_and_predict_refuse_them_too() -> None:
    X, y = data()
    m = model().build(3, seed=0)
    with pytest.raises(ValueError, match=r"Expected y=None when x is a batch source \(evaluate"):
        m.evaluate(Seq(X, y), y, loss="cross_entropy")
    with pytest.raises(ValueError, match=r"Expected batch_size=None .*\(predict\)"):
        m.predict(Seq(X), batch_size=4)


@pytest.mark.parametrize(("batch", "match"), [
    (lambda X, y: X, r"Expected each batch as \(x, y\) or \(x, y, sample_weight\).*Received a "
                     r"ndarray of shape \(8, 3\) as x\[2\]"),
    (lambda X, y: (X,), r"Received a tuple of 1 item as x\[2\]"),
    (lambda X, y: (X[:, :2], y), r"In x\[2\]: Expected input with 3 features. Received an "
                                 r"array of shape \(8, 2\)"),
    (lambda X, y: (X, y + 2), r"In x\[2\]: Expected class labels in \[0, 2\)"),
    (lambda X, y: (X * np.nan, y), r"In x\[2\]: .*NaN"),
    (lambda X, y: (X, y[:5]), r"In x\[2\]: .*8.*5|In x\[2\]: .*5.*8"),
    (lambda X, y: (X, y, -np.ones(8)), r"In x\[2\]: Expected non-negative sample weights"),
])
def test_each_batch_is_checked_as_arrays_and_named(batch, match: str) -> None:
    X, y = data()

    class Bad(Seq):
        def __getitem__(self, i):
            good = super().__getitem__(i)
            return batch(*good) if i == 2 else good

    m = model().build(3, seed=0)
    with pytest.raises((ValueError, TypeError), match=match):
        m.fit(Bad(X, y, 8), epochs=1, shuffle=False, **FIT)


def test_an_iterators_bad_batch_is_named_by_its_count() -> None:
    X, y = data()
    source = ((X[i:i + 8], y[i:i + 8] if i < 16 else y[i:i + 8] + 5) for i in range(0, 40, 8))
    with pytest.raises(ValueError, match=r"In batch 2 drawn from x: Expected class labels in "
                                         r"\[0, 2\) for a model with 2"):
        model().fit(source, epochs=1, seed=0, **FIT)


def test_an_empty_source_is_refused() -> None:
    X, y = data()
    with pytest.raises(ValueError, match="Expected at least one batch in x. Received a "
                                         "sequence of length 0"):
        model().fit(Seq(X[:0], y[:0]), **FIT)
    with pytest.raises(ValueError, match="Expected at least one batch from x. Received none"):
        model().fit(iter([]), **FIT)


def test_one_hot_and_binary_targets_per_batch() -> None:
    X, y = data()
    onehot = np.eye(2)[y]
    a = model()
    a.fit(X, onehot, epochs=2, batch_size=8, shuffle=False, seed=0, **FIT)
    b = model()
    b.fit(Seq(X, onehot, 8), epochs=2, shuffle=False, seed=0, **FIT)
    assert same_weights(a, b)
    c = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    c.fit(Seq(X, y.astype(float), 8), loss="binary_cross_entropy", optimizer="sgd", verbose=0)
    assert c.n_outputs == 1


def _trained():
    X, y = data(300)
    m = model()
    m.fit(X, y, epochs=2, seed=0, **FIT)
    return m, X, y, np.linspace(0.1, 3.0, len(y))


@pytest.mark.parametrize("size", [64, 300])
def test_evaluate_on_a_sequence_gives_the_arrays_numbers(size: int) -> None:
    m, X, y, w = _trained()
    metrics = ["accuracy", "precision"]
    arrays = m.evaluate(X, y, sample_weight=w, metrics=metrics)
    source = m.evaluate(Seq(X, y, size, w), metrics=metrics)
    assert arrays.keys() == source.keys()
    for key in arrays:
        assert abs(arrays[key] - source[key]) <= 1e-12, key
    listed = m.evaluate(Reiterable(X, y, 64), return_dict=False, metrics=metrics)
    assert abs(listed[0] - m.evaluate(X, y)["loss"]) <= 1e-12


def test_evaluate_with_a_function_metric_and_a_sum_loss() -> None:
    m, X, y, w = _trained()
    loss = nonlin.losses.CrossEntropy(reduction="sum")
    metrics = [lambda t, p: float(np.mean(p[:, 0]))]
    arrays = m.evaluate(X, y, sample_weight=w, loss=loss, metrics=metrics)
    source = m.evaluate(Seq(X, y, 64, w), loss=loss, metrics=metrics)
    for key in arrays:
        assert abs(arrays[key] - source[key]) <= 1e-9 * abs(arrays[key]), key


def test_evaluate_steps_reads_the_first_batches() -> None:
    m, X, y, _ = _trained()
    assert abs(m.evaluate(Seq(X, y, 64), steps=2)["loss"]
               - m.evaluate(X[:128], y[:128])["loss"]) <= 1e-12
    with pytest.warns(UserWarning, match="ran out of data"):
        m.evaluate(Seq(X, y, 64), steps=9)


@pytest.mark.parametrize("form", ["x", "(x,)", "(x, y)", "(x, y, w)"])
def test_predict_on_a_source_gives_the_arrays_outputs(form: str) -> None:
    m, X, y, w = _trained()
    make = {"x": lambda s: X[s], "(x,)": lambda s: (X[s],), "(x, y)": lambda s: [X[s], y[s]],
            "(x, y, w)": lambda s: (X[s], y[s], w[s])}[form]
    source = (make(slice(i, i + 64)) for i in range(0, 300, 64))
    np.testing.assert_allclose(m.predict(source), m.predict(X), rtol=0, atol=1e-12)
    assert m.predict(Seq(X, None, 64), steps=2).shape == (128, 2)


def test_predict_names_a_bad_batch() -> None:
    m, X, y, _ = _trained()
    source = iter([X[:5], X[:5, :2]])
    with pytest.raises(ValueError, match=r"In batch 1 drawn from x: Expected input with 3"):
        m.predict(source)


def test_arrays_lists_and_frames_stay_on_the_array_path() -> None:
    from nonlin._source_kind import is_source

    X, _ = data()
    assert not any(is_source(v) for v in (X, X.tolist(), tuple(X.tolist()), range(3),
                                          np.memmap, memoryview(b"ab")))
    assert is_source(Seq(X)) and is_source(iter(X)) and is_source(batches(X, X))
    assert is_source(Reiterable(X, X))


def test_shuffle_is_ignored_for_iterators_and_the_progress_bar_is_open_ended(capsys) -> None:
    X, y = data()
    m = model()
    m.fit(batches(X, y), epochs=1, seed=0, loss="cross_entropy", optimizer="adam", verbose=2)
    assert "Epoch 1/1" in capsys.readouterr().err
    assert m.optimizer.iterations == 5


def test_the_progress_lines_count_a_generators_batches(capsys) -> None:
    m, X, y, _ = _trained()
    m.evaluate(batches(X, y, 64), verbose=2)
    m.predict(batches(X, y, 64), verbose=2)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("5/5 - ") and "loss: " in lines[0]
    assert lines[1].startswith("5/5 - ")


def test_a_reiterables_len_is_the_epochs_steps_when_it_has_one() -> None:
    from source_helpers import _Counts

    X, y = data()

    class Loader(Reiterable):  # a torch DataLoader's len: its batches
        def __len__(self):
            return 5

    counts = _Counts()
    model().fit(Loader(X, y, 8), epochs=1, seed=0, callbacks=[counts], **FIT)
    assert counts.params["steps"] == 5 and counts.per_epoch == [5]


def test_validation_steps_are_checked_for_validation_arrays_as_for_arrays() -> None:
    X, y = data()
    with pytest.raises(ValueError, match="Expected validation_steps >= 2"):
        model().fit(Seq(X, y), validation_data=(X, y), validation_steps=1,
                    validation_batch_size=32, **FIT)


def test_a_bad_class_weight_is_refused_before_anything_runs() -> None:
    from source_helpers import _Counts

    X, y = data()
    counts = _Counts()
    m = model()
    with pytest.raises(TypeError, match="Expected a dict {class: weight}"):
        m.fit(Seq(X, y), class_weight="balanced", callbacks=[counts], **FIT)
    assert not hasattr(counts, "per_epoch") and not m.built


def test_a_regression_source_trains_as_its_arrays() -> None:
    X, _ = data()
    Y = np.column_stack([X.sum(axis=1), X[:, 0] * X[:, 1]])
    fit = {"loss": "mse", "optimizer": "sgd", "epochs": 2, "shuffle": False, "seed": 0,
           "verbose": 0}
    a = nonlin.Sequential([nonlin.Dense(5), nonlin.Tanh(), nonlin.Dense(2)])
    ha = a.fit(X, Y, batch_size=16, metrics=["mae"], **fit)
    b = nonlin.Sequential([nonlin.Dense(5), nonlin.Tanh(), nonlin.Dense(2)])
    hb = b.fit(Seq(X, Y, 16), metrics=["mae"], **fit)
    assert same_weights(a, b) and ha.history == hb.history
