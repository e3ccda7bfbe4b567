"""How ``tabular.read_csv``'s growing result keeps its rows: ``_Rows``, a mixin of ``_Output``.

``_missing`` drops the rows with a missing cell or target (``missing="drop"``) or counts
each column's finite values and sums them (``"mean"``); ``_append`` writes a block's rows
into the preallocated arrays, growing them in place; ``_impute`` fills the missing cells
with the column means (or ``fill_values``). ``_Output`` (in ``tabular``, with the parsers it
calls) sets the attributes they read.
"""

from __future__ import annotations

import numpy as np

from ._csv_plan import _Plan
from ._csv_text import no_mean_error


class _Rows:
    """The rows read so far: appended block by block, missing values dropped or counted."""

    plan: _Plan
    file_size: int
    X: np.ndarray
    y: np.ndarray
    labels: list[np.ndarray]
    n_rows: int
    n_dropped: int
    sums: np.ndarray
    counts: np.ndarray
    fill: np.ndarray | None
    impute: bool
    kept_blocks: list[np.ndarray | int]

    def _missing(
        self, X: np.ndarray, y: np.ndarray | None, y_missing: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Drop rows with a NaN or a missing target, or count the finite values for the means."""
        if self.plan.missing == "drop":
            missing = np.isnan(X)
            self.counts += len(X) - missing.sum(axis=0)
            keep = ~(missing.any(axis=1) | y_missing)
            self.n_dropped += int(len(X) - keep.sum())
            self.kept_blocks.append(keep)
            return X[keep], None if y is None else y[keep]
        if self.plan.missing == "mean":
            finite = ~np.isnan(X)
            self.sums += np.where(finite, X, 0).sum(axis=0, dtype=np.float64)
            self.counts += finite.sum(axis=0)
        return X, y

    def _append(self, X: np.ndarray, y: np.ndarray | None, n_bytes: int) -> None:
        end = self.n_rows + len(X)
        if end > len(self.X):
            guess = int(self.file_size / max(n_bytes, 1) * len(X) * 1.02) + 16
            capacity = max(end, guess if not self.n_rows else int(len(self.X) * 1.5))
            numeric_y = self.plan.target is not None and not self.plan.labels
            if not self.n_rows:  # empty, not resize: it would zero every page we then write
                self.X = np.empty((capacity, self.X.shape[1]), dtype=self.X.dtype)
                self.y = np.empty(capacity if numeric_y else 0, dtype=self.y.dtype)
            else:  # realloc grows large blocks in place (mremap): no second copy of X
                self.X.resize((capacity, self.X.shape[1]), refcheck=False)
                if numeric_y:
                    self.y.resize(capacity, refcheck=False)
        self.X[self.n_rows : end] = X
        if y is not None and self.plan.labels:
            self.labels.append(y)
        elif y is not None:
            self.y[self.n_rows : end] = y
        self.n_rows = end

    def _impute(self) -> None:
        for column in np.flatnonzero(self.counts < self.n_rows):
            if self.counts[column] == 0:  # a column of text is refused, with fill_values too
                error = no_mean_error(self.plan, int(column), fill=self.fill is not None)
                if error is not None:
                    raise error
            if self.fill is not None:
                fill = self.fill[column]
            else:
                fill = self.sums[column] / self.counts[column]
            if self.impute:
                values = self.X[:, column]
                values[np.isnan(values)] = fill
