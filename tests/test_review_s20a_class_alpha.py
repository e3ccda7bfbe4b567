"""Review s20a: ``CategoricalFocalCrossentropy(alpha=...)`` refuses what it does not take
with its own "Expected ... Received ..." message: a ragged list (was: NumPy's "setting an
array element with a sequence", from ``np.ndim`` of the list), and a sequence it does not
take as one per class, a ``range`` or a pandas ``Series`` (was: "Expected a finite number
>= 0", as if only a number were taken)."""

import numpy as np
import pytest

from nonlin.losses_extra import CategoricalFocalCrossentropy


@pytest.mark.parametrize(("alpha", "received"), [
    ([[1.0], 2.0], r"alpha\[0\]=\[1\.0\]"),
    ([np.array([1.0]), 2.0], r"alpha\[0\]=array\(\[1\.\]\)"),
    ([0.5, [0.2, 0.3]], r"alpha\[1\]=\[0\.2, 0\.3\]"),
])
def test_a_ragged_list_is_refused_naming_the_entry(alpha, received):
    with pytest.raises(ValueError, match=r"Expected finite numbers >= 0, one per class, in "
                                         r"alpha\. Received: " + received):
        CategoricalFocalCrossentropy(alpha=alpha)


@pytest.mark.parametrize("alpha", [range(1, 4), (a for a in [1.0, 2.0]), {0.5}])
def test_another_iterable_is_refused_saying_what_is_taken(alpha):
    with pytest.raises(ValueError, match=r"Expected alpha, a finite number >= 0 or one per "
                                         r"class \(a list, tuple or 1-D array\)\. Received: "
                                         r"alpha="):
        CategoricalFocalCrossentropy(alpha=alpha)


def test_a_pandas_series_is_refused_saying_what_is_taken():
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match=r"one per class \(a list, tuple or 1-D array\)"):
        CategoricalFocalCrossentropy(alpha=pd.Series([0.2, 0.8]))
    assert CategoricalFocalCrossentropy(alpha=pd.Series([0.2, 0.8]).to_numpy()).alpha == (
        0.2, 0.8)


def test_what_was_taken_is_still_taken():
    for alpha, kept in (([1, 2.5], (1.0, 2.5)), ((0.5,), (0.5,)),
                        (np.array([1, 2]), (1.0, 2.0)), (0.25, 0.25), (np.float32(2), 2.0)):
        assert CategoricalFocalCrossentropy(alpha=alpha).alpha == kept
    for alpha in ("0.5", None, True, np.array(0.5), -1.0):
        with pytest.raises(ValueError, match=r"Expected a finite number >= 0\. Received"):
            CategoricalFocalCrossentropy(alpha=alpha)
