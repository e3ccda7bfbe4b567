"""``plot_history`` leaves the learning rate out, as its docstring says, under Keras 3's key
``"learning_rate"`` too: a ``ReduceLROnPlateau`` run (which logs both ``lr`` and
``learning_rate``) was drawn with a third panel, "learning rate", beside loss and accuracy.
``plot_confusion_matrix`` of text or complex numbers says it expects real numbers (was
matplotlib's "Image data of dtype <U1 cannot be converted to float")."""

from __future__ import annotations

import struct

import numpy as np
import pytest

import nonlin

pytest.importorskip("matplotlib", reason="the plot extra")
from nonlin import plots  # noqa: E402


def _width(path: str) -> int:
    with open(path, "rb") as file:  # the PNG's IHDR: width, then height, big-endian
        return struct.unpack(">I", file.read(24)[16:20])[0]


def test_a_reduce_lr_on_plateau_history_draws_no_learning_rate_panel(tmp_path):
    X = np.random.default_rng(0).normal(size=(24, 3))
    y = (X[:, 0] > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0,
                        seed=0, metrics=["accuracy"],
                        callbacks=[nonlin.ReduceLROnPlateau(patience=1)])
    assert {"lr", "learning_rate"} <= set(history.history)
    path = plots.plot_history(history, str(tmp_path / "curves.png"))
    assert _width(path) == 2 * 600  # loss and accuracy: 600 pixels per panel


def test_an_empty_learning_rate_list_is_not_a_curve_to_draw(tmp_path):
    path = plots.plot_history({"loss": [1.0, 0.5], "learning_rate": []}, str(tmp_path / "c.png"))
    assert _width(path) == 600


@pytest.mark.parametrize("matrix", [np.array([["a", "b"], ["c", "d"]]),
                                    np.array([[1 + 1j, 0], [0, 1]])])
def test_a_confusion_matrix_of_text_or_complex_numbers_is_refused(matrix, tmp_path):
    with pytest.raises(TypeError, match=r"Expected a real numeric matrix\. Received dtype"):
        plots.plot_confusion_matrix(matrix, str(tmp_path / "cm.png"))
    assert not (tmp_path / "cm.png").exists()
