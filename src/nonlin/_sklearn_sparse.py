"""Sparse ``X`` (SciPy CSR or CSC) for ``nonlin.sklearn``'s estimators, never made dense.

scikit-learn's MLP keeps a sparse ``X`` sparse: each batch is the matrix's rows gathered
by index, and the only products with it are the first layer's ``X_batch @ W`` and its
weight gradient ``X_batch.T @ delta`` (``safe_sparse_dot``), dense results of sparse
times dense. The estimators do the same, and nothing of shape (n_samples, n_features) or
(batch, n_features) is ever dense:

* ``csr`` converts the validated input once: CSC to CSR (rows are what batches gather),
  in the dtype to compute in (a float32 fit casts the data once, not per batch);
* training (``in_front``): nonlin's fit loop, L-BFGS's objective and early stopping's
  scorer all work on a dense ``X``, so for the time of the fit they are handed the column
  of row numbers (n_samples, 1) instead, and the network's first ``Dense`` is stood in
  for by a ``SparseRows`` sharing its weights: it gathers the batch's rows of the CSR
  matrix, multiplies, and fills the weights' gradients. The hidden layers (dropout,
  batch_norm included) run as on dense input; the dense path is not touched;
* prediction (``outputs``): the first layer's product on the CSR matrix, a chunk of rows
  at a time, then the other layers as ``predict`` runs them.

The math is NumPy's plus SciPy's sparse products, which the matrix itself provides
(``X @ W``, ``X.T @ g``): this module imports neither SciPy nor scikit-learn.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import numpy as np

from ._callback_list import _HOOKS, _hook
from ._inference import default_size, infer
from .callbacks import Callback
from .core import Sequential
from .layers import Dense

_FLOAT32_ROWS = 2**24  # float32 holds every row number below this exactly


def is_sparse(X: Any) -> bool:
    """Whether ``X`` is a SciPy sparse matrix or array (without importing SciPy)."""
    return type(X) is not np.ndarray and hasattr(X, "tocsr") and hasattr(X, "nnz")


def csr(X: Any, dtype: Any = None) -> Any:
    """``X`` as CSR (a CSC ``X`` converted once), in ``dtype`` if given; a CSR ``X`` of that
    dtype is returned as it is. Dense ``X`` too."""
    if not is_sparse(X):
        return X
    if X.format != "csr":
        X = X.tocsr()
    return X if dtype is None else X.astype(dtype, copy=False)


class SparseRows(Dense):
    """Stands in for a network's first ``Dense`` while it trains on a sparse ``X``.

    Its input is a batch of row numbers (m, 1) of ``X`` (what the fit loop gathers from
    the column ``in_front`` hands it); it shares the ``Dense``'s ``W`` (n_features, units)
    and ``b`` (units,). Forward: ``y = X[rows] @ W + b`` (m, units), ``X[rows]`` a CSR
    batch. Backward, ``g = dL/dy``: ``dL/dW = X[rows].T @ g``, ``dL/db = sum_rows(g)``;
    no ``dL/dx`` (the first layer's input is data).

    Parameters
    ----------
    X : scipy.sparse CSR matrix of shape (n_samples, n_features)
        In the weights' dtype.
    first : Dense
        The layer stood in for (built, no activation, no ``l2``: the estimators').
    """

    _inputs = ("_batch",)  # nonlin._layer_caches

    def __init__(self, X: Any, first: Dense) -> None:
        super().__init__(first.units, bias=first.b is not None, init="zeros")
        self.X, self.first = X, first
        self.W, self.b = first.W, first.b
        self.in_features, self.input_grad = 1, False
        self.all_rows: np.ndarray | None = None  # in_front's column: all of X, in order
        self.width = first.in_features  # the network's input width outside the fit
        self._batch: Any = None

    def forward(self, x: np.ndarray, *, training: bool = False,
                logits: bool = False) -> np.ndarray:
        """``X[rows] @ W + b`` for the row numbers ``x`` (m, 1)."""
        batch = self.X if x is self.all_rows else self.X[x[:, 0].astype(np.intp)]
        if training:
            self._batch = batch
        return product(batch, self.W.value, None if self.b is None else self.b.value)

    def backward(self, grad_out: np.ndarray, *, logits: bool = False) -> None:
        """Fill ``W.grad`` and ``b.grad`` from ``grad_out`` (m, units); returns None."""
        batch = self._batch
        np.copyto(self.W.grad, batch.T @ grad_out)  # sparse (n_features, m) @ (m, units)
        if self.b is not None:
            np.add.reduce(grad_out, axis=0, out=self.b.grad)

    def parameters(self) -> list[Any]:
        return self.first.parameters()


def product(X: Any, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """``X @ W + b`` for a sparse ``X`` (m, n_features): a new dense (m, units) array."""
    y = np.asarray(X @ W)
    if b is not None:
        y += b
    return y


def check_rows(X: Any, dtype: Any) -> None:
    """Refuse a sparse ``X`` of more than 2**24 rows for a fit in float32 (``dtype``, the
    network's): ``in_front``'s row numbers would not be exact. The estimators call it
    before a fit changes anything (``ValueError``), on the ``X`` they were given: a pandas
    DataFrame of sparse columns too, which validation makes a sparse matrix. A frame naming
    a column twice is refused here too (``_feature_names.frame_names``), as scikit-learn
    >= 1.9 refuses it; older versions would record the names, which no file can save."""
    from ._feature_names import frame_names

    frame_names(X)
    n = X.shape[0] if is_sparse(X) or _sparse_frame(X) else 0
    if np.dtype(dtype) == np.float32 and n > _FLOAT32_ROWS:
        raise ValueError(
            f"Expected at most {_FLOAT32_ROWS} rows of sparse X for a float32 fit (each row's "
            f"number must be exact in float32). Received {n} rows: fit with dtype=np.float64")


def _sparse_frame(X: Any) -> bool:
    """Whether ``X`` is a pandas DataFrame whose columns are all sparse: scikit-learn's test
    (``check_array``) for one it turns into a SciPy sparse matrix (``X.sparse.to_coo()``)."""
    pd = sys.modules.get("pandas")  # not imported: X is no DataFrame
    return (pd is not None and isinstance(X, pd.DataFrame) and hasattr(X, "sparse")
            and all(isinstance(dtype, pd.SparseDtype) for dtype in X.dtypes))


@contextmanager
def in_front(model: Sequential, X: Any) -> Iterator[Any]:
    """For a sparse ``X``: the column of row numbers (n_samples, 1), in the model's dtype,
    to train on in place of ``X`` while ``model``'s first layer is a ``SparseRows`` on
    ``X`` (cast to the model's dtype) and its input width 1; both are put back after. A
    dense ``X`` comes back as it is, the model untouched."""
    if not is_sparse(X):
        yield X
        return
    check_rows(X, model.dtype)
    n = X.shape[0]
    first, width = cast(Dense, model.layers[0]), model.n_features_in
    stand_in = SparseRows(csr(X, model.dtype), first)
    rows = stand_in.all_rows = np.arange(n, dtype=model.dtype).reshape(-1, 1)
    model.layers[0], model.n_features_in = stand_in, 1
    try:
        yield rows
    finally:
        model.layers[0], model.n_features_in = first, width


class _Shown(Callback):
    """Puts ``layer`` first in ``model`` and ``width`` as its input width, at each of
    ``hooks`` (set on the instance, so that it takes part in those hooks alone)."""

    reads_batch_logs = False  # builds no batch logs for itself

    def __init__(self, model: Sequential, layer: Dense, width: int, hooks: list[str]) -> None:
        self._put_back = (model, layer, width)
        for hook in hooks:
            setattr(self, hook, self._put)

    def _put(self, *args: Any) -> None:
        model, layer, width = self._put_back
        model.layers[0], model.n_features_in = layer, width


def shown(model: Sequential, callbacks: list[Any]) -> list[Any]:
    """The user's ``callbacks`` for a fit of ``model``. During a sparse fit (``in_front``)
    they come between two ``_Shown``: at each of their hooks the network is as it is outside
    the fit (its first ``Dense``, its input width), so that what they call (``est.predict``
    on dense ``X``, ``est.save``, ``self.model.predict``) sees it, and the stand-in is back
    for the steps after. The list as it is otherwise."""
    stand_in = model.layers[0] if model.layers else None
    if not callbacks or type(stand_in) is not SparseRows:
        return list(callbacks)
    hooks = [hook for hook in _HOOKS if any(_hook(hook)(cb) for cb in callbacks)]
    return [_Shown(model, stand_in.first, stand_in.width, hooks), *callbacks,
            _Shown(model, stand_in, 1, hooks)]


def outputs(model: Sequential, X: Any) -> np.ndarray:
    """``model``'s inference outputs (n_samples, n_outputs) for a sparse ``X`` in its dtype:
    the first ``Dense``'s product on ``X``'s rows, then the other layers, in ``predict``'s
    chunks of rows."""
    X = csr(X)
    first, rest = cast(Dense, model.layers[0]), list(model.layers)[1:]
    W, b = first.W.value, None if first.b is None else first.b.value
    n = X.shape[0]
    size = default_size(model, n)
    out = np.empty((n, cast(int, model.n_outputs)), dtype=model.dtype)
    for start in range(0, n, max(size, 1)):
        out[start:start + size] = infer(rest, product(X[start:start + size], W, b))
    return out
