"""Review s20a: an estimator file whose ``CategoricalFocalCrossentropy`` has a per-class
``alpha`` of another length than its classes is refused naming that field,
``training.params.loss.config.alpha``, and the lengths (was: blamed on
``training.fitted.y_type``, "Expected a target type the file's loss ... fits. Received
'multiclass'", which it does)."""

import io
import warnings

import numpy as np
import pytest

import nonlin
from nonlin.losses_extra import CategoricalFocalCrossentropy

pytest.importorskip("sklearn")

from io_helpers import edit_meta  # noqa: E402


def _saved(y, alpha):
    from nonlin.sklearn import MLPClassifier

    X = np.random.default_rng(0).normal(size=(40, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0,
                            loss=CategoricalFocalCrossentropy(alpha=alpha)).fit(X, y)
    buffer = io.BytesIO()
    est.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("y", "alpha", "wrong", "n"), [
    (np.arange(40) % 3, [1.0, 2.0, 3.0], [1.0, 2.0], 3),
    (np.arange(40) % 2, [0.3, 0.7], [0.3, 0.7, 1.0], 2),  # a binary target's two
])
def test_a_file_whose_alpha_is_not_one_per_class_names_alpha(y, alpha, wrong, n):
    from nonlin.sklearn import load

    def change(meta):
        meta["training"]["params"]["loss"]["config"]["alpha"] = wrong
        return meta

    data = edit_meta(_saved(y, alpha), "metadata", change)
    with pytest.raises(nonlin.ModelFileError) as info:
        load(io.BytesIO(data))
    message = str(info.value)
    assert "training.params.loss.config.alpha" in message
    assert f"one alpha per class: {n} values" in message and "y_type" not in message
    load(io.BytesIO(_saved(y, alpha)))  # unchanged, it loads
