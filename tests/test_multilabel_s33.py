"""Multilabel review (session 33): a multilabel confusion matrix is refused with a hint."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")


def test_multilabel_confusion_matrix_refusal_names_one_label_at_a_time() -> None:
    from nonlin import plots

    mcm = np.array([[[1, 0], [1, 1]], [[1, 0], [0, 2]], [[0, 1], [1, 1]]])  # (3, 2, 2)
    with pytest.raises(ValueError, match=r"\(3, 2, 2\): one label at a time, matrix\[i\]"):
        plots.plot_confusion_matrix(mcm)


def test_one_label_of_a_multilabel_confusion_matrix_plots() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from nonlin import plots

    mcm = np.array([[[1, 0], [1, 1]], [[1, 0], [0, 2]]])
    fig = plots.plot_confusion_matrix(mcm[1], classes=[0, 1])
    assert fig is not None
