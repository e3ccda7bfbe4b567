"""What ``nonlin.plots`` draws beside the data: class colours and a confusion matrix's counts.

``_class_colors`` is the colour map of a decision boundary's classes (matplotlib's ``tab``
colours, repeated past ten); ``_annotate_cells`` writes each count of a confusion matrix in
its cell, up to ``_MOST_ANNOTATED`` classes. Both run once matplotlib is imported
(``plots.require_matplotlib``).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _class_colors(n_classes: int) -> Any:
    from matplotlib.colors import ListedColormap

    base = [f"tab:{name}" for name in
            "blue orange green red purple brown pink gray olive cyan".split()]
    return ListedColormap([base[k % len(base)] for k in range(max(n_classes, 1))])


_MOST_ANNOTATED = 30  # classes; beyond, the counts are illegible (and slow: n * n texts)


def _annotate_cells(ax: Any, matrix: np.ndarray) -> None:
    """Write each count in its cell, white on the darker half of the colour scale."""
    n = matrix.shape[0]
    threshold = matrix.max() / 2
    for i in range(n):
        for j in range(n):
            color = "white" if matrix[i, j] > threshold else "black"
            ax.text(j, i, f"{matrix[i, j]:g}", ha="center", va="center", color=color,
                    fontsize=8 if n > 10 else 11)
