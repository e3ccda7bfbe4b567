"""Review s20b of batch sources: what a hostile read of ``fit`` / ``evaluate`` on
sources found (each test fails on the code before its fix)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest

from source_helpers import FIT, Seq, data, model

if TYPE_CHECKING:
    import pandas as pd


def _fitted_on_frame() -> tuple[object, pd.DataFrame, np.ndarray]:
    pd = pytest.importorskip("pandas")
    X, y = data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    m = model()
    m.fit(frame, y, epochs=1, seed=0, **FIT)
    return m, frame, y


def test_evaluate_on_a_source_checks_frame_columns_as_predict_does() -> None:
    # was: evaluate on a source of DataFrames in another column order scored the swapped
    # features silently (predict on the same source refused them, as evaluate on arrays)
    m, frame, y = _fitted_on_frame()
    swapped = frame[["c", "b", "a"]]
    with pytest.raises(ValueError, match=r"In x\[0\]: The feature names should match"):
        m.predict(Seq(swapped, None))
    with pytest.raises(ValueError, match=r"In x\[0\]: The feature names should match"):
        m.evaluate(Seq(swapped, y))
    assert m.evaluate(Seq(frame, y)) == pytest.approx(m.evaluate(frame, y), rel=1e-12)


def test_fit_on_a_source_checks_frame_columns_of_a_fitted_model() -> None:
    # was: fit trained on the swapped columns (fit on arrays refuses them before any step)
    m, frame, y = _fitted_on_frame()
    before = [w.copy() for w in m.get_weights()]
    swapped = frame[["c", "b", "a"]]
    with pytest.raises(ValueError, match=r"In x\[0\]: The feature names should match"):
        m.fit(Seq(swapped, y), epochs=1, shuffle=False, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights(), strict=True))
    with pytest.raises(ValueError, match=r"In validation_data\[0\]: The feature names"):
        m.fit(Seq(frame, y), epochs=1, shuffle=False, verbose=0,
              validation_data=Seq(swapped, y))


class _Broken(Exception):
    """An exception of the user's own, with a signature of its own."""

    def __init__(self, code: int) -> None:
        super().__init__(f"disk gone ({code})")
        self.code = code


NOTES = pytest.mark.skipif(sys.version_info < (3, 11), reason="add_note is Python 3.11's")


@NOTES
def test_an_error_raised_by_a_generator_says_which_batch_and_epoch() -> None:
    # was: the generator's own error came out without the batch or the epoch it was giving
    X, y = data()

    def gen():  # 5 batches, then it breaks
        for i in range(0, 40, 8):
            yield X[i:i + 8], y[i:i + 8]
        raise _Broken(7)

    m = model()
    with pytest.raises(_Broken) as info:
        m.fit(gen(), epochs=2, steps_per_epoch=3, seed=0, **FIT)
    assert info.value.code == 7  # the same exception, its type and attributes kept
    assert info.value.__notes__ == [
        "(raised by the batch source x while giving batch 5, at epoch 1)"]
    assert m.optimizer.iterations == 5
    assert all(np.isfinite(w).all() for w in m.get_weights())


@NOTES
def test_an_index_error_of_a_sequence_says_which_batch() -> None:
    # was: a bare 'IndexError: 3' (a sequence's len promises its batches)
    X, y = data()

    class Short(Seq):
        def __getitem__(self, i: int):
            if i >= 3:
                raise IndexError(i)
            return super().__getitem__(i)

    m = model()
    with pytest.raises(IndexError) as info:
        m.fit(Short(X, y), epochs=1, shuffle=False, seed=0, **FIT)
    assert info.value.__notes__ == ["(raised by the batch source x while giving x[3], at epoch 0)"]
    with pytest.raises(IndexError) as info:
        m.evaluate(Short(X, y))
    assert info.value.__notes__ == ["(raised by the batch source x while giving x[3])"]


def _ran_out_messages(record: list) -> list[str]:
    return [str(w.message) for w in record if "ran out of data" in str(w.message)]


def test_running_out_names_the_steps_argument_given() -> None:
    # was: evaluate(steps=5), predict(steps=5) and validation_steps=5 warned about
    # 'steps_per_epoch=5 batches this epoch', an argument those calls were not given
    X, y = data()
    m = model()
    m.fit(X, y, epochs=1, seed=0, **FIT)
    with pytest.warns(UserWarning) as record:
        m.evaluate(Seq(X, y, 20), steps=5)
    assert _ran_out_messages(record) == [
        "Your input ran out of data: x gave fewer than steps=5 batches (its 2 batches are "
        "used up; Keras 3 warns so too). Make sure that it can give at least steps batches"]
    with pytest.warns(UserWarning) as record:
        m.predict(Seq(X, None, 20), steps=5)
    assert len(_ran_out_messages(record)) == 1 and "than steps=5 batches (" in \
        _ran_out_messages(record)[0]
    with pytest.warns(UserWarning) as record:
        m.fit(Seq(X, y, 20), epochs=1, shuffle=False, verbose=0,
              validation_data=Seq(X, y, 20), validation_steps=5)
    assert _ran_out_messages(record) == [
        "Your input ran out of data: validation_data gave fewer than validation_steps=5 "
        "batches this epoch (its 2 batches are used up; Keras 3 warns so too). Make sure "
        "that it can give at least validation_steps batches per epoch"]
    with pytest.warns(UserWarning) as record:
        m.fit(Seq(X, y, 20), epochs=1, steps_per_epoch=5, verbose=0)
    assert _ran_out_messages(record)[0].startswith(
        "Your input ran out of data: x gave fewer than steps_per_epoch=5 batches this epoch")


def test_validation_batch_size_with_a_validation_source_is_refused() -> None:
    # was: silently ignored (batch_size with a source x is refused; Keras 3's docs say not
    # to give validation_batch_size for a generator or PyDataset)
    X, y = data()
    m = model()
    with pytest.raises(ValueError, match=r"Expected validation_batch_size=None when "
                       r"validation_data is a batch source: its batches set their own sizes"
                       r".*Received: validation_batch_size=4"):
        m.fit(Seq(X, y), epochs=1, seed=0, validation_data=Seq(X, y),
              validation_batch_size=4, **FIT)
    assert not m.built
    m.fit(Seq(X, y), epochs=1, seed=0, validation_data=(X, y), validation_batch_size=4, **FIT)


def test_a_batch_without_targets_says_so() -> None:
    # was: 'Received: None (y may be left out only when X is a batch source ...)' about
    # a batch of a batch source
    X, y = data()
    for call in ("fit", "evaluate"):
        m = model()
        m.fit(X, y, epochs=1, seed=0, **FIT)
        with pytest.raises(TypeError) as info:
            if call == "fit":
                m.fit(iter([(X, None)]), epochs=1, verbose=0)
            else:
                m.evaluate(iter([(X, None)]))
        assert str(info.value) == (
            "In batch 0 drawn from x: Expected the batch's targets y, its second item "
            "((x, y) or (x, y, sample_weight)). Received: y=None")


def _mean_positive(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """A plain function metric: it cannot stream, so evaluate keeps the batches."""
    return float(np.mean(y_pred[:, 1]))


@pytest.mark.parametrize("weighted", [False, True])
def test_evaluate_keeps_copies_of_batches_whose_buffers_the_source_reuses(
        weighted: bool) -> None:
    # was: the kept batches were the source's own arrays, which a loader filling one
    # buffer overwrote: the loss and metrics of the last batch's rows, four times over
    X, y = data()
    w = np.linspace(0.1, 1.0, 40)

    def reused():  # one buffer for every batch, as many loaders fill theirs
        xb, yb, wb = np.empty((10, 3)), np.empty(10, np.int64), np.empty(10)
        for i in range(0, 40, 10):
            xb[:], yb[:], wb[:] = X[i:i + 10], y[i:i + 10], w[i:i + 10]
            yield (xb, yb, wb) if weighted else (xb, yb)

    m = model()
    m.compile(loss="cross_entropy", optimizer="adam", metrics=[_mean_positive])
    m.fit(X, y, epochs=1, seed=0, verbose=0)
    expected = m.evaluate(X, y, sample_weight=w if weighted else None)
    assert m.evaluate(reused()) == pytest.approx(expected, rel=1e-12)
