"""``Sequential.predict``'s pass: the input checked once, then the layers in inference mode.

A served model predicts one row at a time, so the per-call work outside the
layers is kept to the checks themselves: no imports, no progress display and
no context manager unless ``verbose`` asks for one. The rows go through in
chunks (each converted to the model's dtype on its own), ``batch_size`` rows or
by default ``default_rows(model)``, and each chunk's outputs are written into
one preallocated result: memory stays bounded whatever the number of rows.

``InferenceMethods`` is a mixin of ``nonlin.sequential.Sequential`` (as ``ModelState``):
its ``predict`` and ``__call__`` delegate to ``predict_rows`` and ``call``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._feature_names import check_names
from ._layers_built import check_layers_as_built
from ._source_kind import is_source
from .validation import as_dtype, check_bool, check_positive_int, check_verbose, check_X


class InferenceMethods:
    """``predict`` and ``model(x)`` of a ``Sequential``."""

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = 0,
                steps: int | None = None, callbacks: Any = None) -> np.ndarray:
        """Outputs for ``x`` (or a batch source's batches), in inference mode; Keras 3's
        signature.

        Parameters
        ----------
        x : array or pandas DataFrame of shape (n_samples, n_features_in), or a batch source
            A DataFrame's columns must match ``feature_names_in_`` by name and order. A
            source (the guide's "Streaming batches") gives ``x``, ``(x,)``, ``(x, y)`` or
            ``(x, y, sample_weight)`` batches (``y`` and the weights ignored).
        batch_size : int, optional
            Rows per chunk; by default 256 rows or fewer in one pass, more in near-equal
            chunks that keep the widest activation near 2**20 entries (each converted on
            its own): memory stays bounded. None with a source.
        verbose : {0, 1, 2, "auto"}, default 0
            As in Keras: 0 silent, 1 or ``"auto"`` a progress bar over the chunks, 2 one line
            at the end; on standard error.
        steps : int, optional
            Keras 3's: the rows of the first ``steps`` batches (all without ``batch_size``);
            with a source, its first ``steps`` batches.
        callbacks : sequence of ``nonlin.callbacks.Callback``, optional
            Or one callback, or a ``CallbackList`` (its callbacks).
            Keras 3's: their ``on_predict_begin`` runs before the pass and
            ``on_predict_end`` after it, also after a pass that fails once begun (Keras skips
            it: ``SwapEMAWeights`` then leaves the average in the model); no batch hook runs.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
            In the model's dtype; a source's batches' outputs one after the other.
        """
        if callbacks is None:
            return predict_rows(self, x, batch_size, verbose, steps=steps)
        from ._callback_list import pass_callbacks, run_pass

        hooks = pass_callbacks(callbacks, self, verbose)
        return run_pass(hooks, "predict", lambda begin: predict_rows(  # begin: x checked
            self, x, batch_size, verbose, steps=steps, begin=begin))

    def __call__(self, x: Any, *, training: bool | None = False) -> np.ndarray:
        """Keras' ``model(x)``: ``forward``'s outputs as a new array (lists converted), in
        inference unless ``training=True`` (PyTorch's train-mode call; ``backward`` then
        differentiates this pass); ``training=None``, Keras' default, is inference as
        Keras' outside ``fit``. See ``nonlin._inference.call``."""
        return call(self, x, training)


def call(model: Any, x: Any, training: Any) -> np.ndarray:
    """``model(x, training=...)``: ``model.forward`` on ``x`` (an array-like that is not an
    ndarray goes through ``check_X`` first), its result a new array each call, as Keras'
    and PyTorch's are: a training pass's result is the last layer's buffer, which the next
    pass overwrites, so it is copied (``backward`` still differentiates this pass)."""
    training = training is not None and check_bool("training", training)  # None: Keras'
    if model.__dict__.get("_layers_edited"):  # add or pop since build
        check_layers_as_built(model)
    if not isinstance(x, np.ndarray):
        x = check_X(x, "x", n_features=model.n_features_in)
    out = model.forward(x, training=training)
    return out.copy() if training else out


def call_layer(layer: Any, x: Any, training: Any) -> np.ndarray:
    """``layer(x, training=...)``: ``layer.forward`` as ``call`` runs the model's, with the same
    rules: ``training`` a bool, an array-like that is not an ndarray through ``check_X``, the
    result a new array each call (a training pass's buffer, or an inference pass that hands
    its input on, ``Dropout``, ``Identity``, is copied). An unbuilt layer's ``forward`` says so."""
    training = training is not None and check_bool("training", training)  # None: inference
    if not isinstance(x, np.ndarray):
        x = check_X(x, "x")
    out = layer.forward(x, training=training)
    if training or (isinstance(out, np.ndarray) and np.may_share_memory(out, x)):
        return np.array(out, copy=True)
    return out


def predict_rows(model: Any, X: Any, batch_size: Any, verbose: Any, *,
                 one_pass: bool = False, steps: Any = None,
                 begin: Callable[[], None] | None = None) -> np.ndarray:
    """``model``'s outputs for ``X``, shape (n_samples, n_outputs); see ``Sequential.predict``
    (``one_pass``: all rows at once, ``predict_on_batch``; ``steps``: Keras 3's, the first
    ``steps`` batches, ``_fit_keras_args.rows_for_steps``; ``begin``: called once the
    arguments are checked, before the pass, as Keras calls ``on_predict_begin``)."""
    verbose = check_verbose(verbose)
    model._require_built()
    if model.__dict__.get("_layers_edited"):  # add or pop since build
        check_layers_as_built(model)
    if not isinstance(X, np.ndarray) and not one_pass and is_source(X):  # nonlin._sources
        from ._fit_keras_args import check_steps
        from ._source_eval import predict_source

        return predict_source(model, X, batch_size, verbose, check_steps("steps", steps),
                              begin or (lambda: None))
    check_names(model, X)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    X = check_X(X, "x", n_features=model.n_features_in)
    if steps is not None:
        from ._fit_keras_args import rows_for_steps

        X = X[:rows_for_steps(steps, batch_size, X.shape[0])]
    if begin is not None:
        begin()
    n_samples = X.shape[0]
    size = n_samples if one_pass else min(batch_size or default_size(model, n_samples),
                                          n_samples)
    if not verbose and size >= n_samples:
        return _whole(model, X)
    from .progress import PassProgress

    with PassProgress(verbose, -(-n_samples // size)) as progress:
        out = predict_chunks(model, X, size, progress.update if verbose == 1 else None)
        progress.finish()
    return out


# The entries (rows x width) of the widest activation of one default chunk: 4 MiB in
# float32. Larger chunks gain nothing (the products run as fast at a few thousand rows)
# and lose much: activations of hundreds of megabytes, each page touched for the first
# time, made a one-pass predict of 1,000,000 rows 6x slower here than chunks of 16,384.
_CHUNK_ENTRIES = 1 << 20
_MIN_ROWS = 256  # a default chunk's fewest rows: fewer rows go in one pass, unmeasured


def default_rows(model: Any) -> int:
    """Rows per chunk when ``predict`` is given no ``batch_size``: ``_CHUNK_ENTRIES`` over
    the widest output of a layer that says its width (``units``: ``Dense``) or of the
    model, at least 256 rows."""
    widths = [vars(layer).get("units", 0) if hasattr(layer, "__dict__") else 0
              for layer in model.layers]  # no failing getattr: Layer.__getattr__ hints
    widest = max([model.n_outputs, *(w for w in widths if isinstance(w, int))])
    return max(_MIN_ROWS, _CHUNK_ENTRIES // max(widest, 1))


def balanced_rows(n_samples: int, most: int) -> int:
    """Rows per chunk for ``n_samples`` rows in as few chunks of at most ``most`` rows as
    possible, of near-equal sizes: no small last chunk (a single row would go through
    BLAS's matrix-vector product instead of its matrix product)."""
    chunks = -(-n_samples // most)
    return -(-n_samples // max(chunks, 1))


def default_size(model: Any, n_samples: int) -> int:
    """Rows per chunk of ``n_samples`` rows when no ``batch_size`` is given: all of them up
    to 256 (one row served: no width looked up), else near-equal chunks of at most
    ``default_rows(model)``."""
    if n_samples <= _MIN_ROWS:
        return n_samples
    return balanced_rows(n_samples, default_rows(model))


def forward_in_chunks(model: Any, X: np.ndarray) -> np.ndarray:
    """``model.forward(X)`` in inference, in ``predict``'s default chunks, for an ``X``
    already checked and in the model's dtype (``nonlin.sklearn``'s estimators)."""
    size = default_size(model, X.shape[0])
    if size >= X.shape[0]:
        return model.forward(X)
    return predict_chunks(model, X, size, None)


def predict_chunks(model: Any, X: np.ndarray, size: int,
                   tick: Callable[[int], None] | None) -> np.ndarray:
    """Outputs for a checked ``X``, ``size`` rows at a time; ``tick(chunks done)`` after each."""
    if size >= X.shape[0]:
        return _whole(model, X)
    out = np.empty((X.shape[0], model.n_outputs), dtype=model.dtype)
    for step, start in enumerate(range(0, X.shape[0], size), 1):
        chunk = as_dtype(X[start : start + size], model.dtype, "x", contiguous=False,
                         first_row=start)
        put_chunk(out, start, size, model.forward(chunk))
        if tick is not None:
            tick(step)
    return out


def _whole(model: Any, X: np.ndarray) -> np.ndarray:
    """Outputs for all of a checked ``X`` in one pass, checked as ``put_chunk`` checks."""
    out = model.forward(as_dtype(X, model.dtype, "x", contiguous=False))
    expected = (X.shape[0], model.n_outputs)
    if getattr(out, "shape", None) != expected:
        raise output_shape_error("", expected, out)
    return out


def put_chunk(out: np.ndarray, start: int, size: int, chunk: Any) -> None:
    """Write one chunk's outputs into ``out[start : start + size]``: the same shape or
    ``ValueError`` (a layer whose ``forward`` returns another width than its ``build``
    said would otherwise be broadcast into the result)."""
    target = out[start : start + size]
    if np.shape(chunk) != target.shape:
        raise output_shape_error(f" for rows {start}:{start + target.shape[0]}", target.shape,
                                 chunk)
    target[...] = chunk


def output_shape_error(rows: str, expected: tuple[int, ...], received: Any) -> ValueError:
    """The error for outputs of another shape than ``expected``, or no array (``fit``'s
    steps raise it too: ``nonlin.objective``)."""
    kind = ("" if isinstance(received, np.ndarray)
            else f", a {type(received).__name__}, not a NumPy array,")
    return ValueError(
        f"Expected the model's outputs{rows} of shape {expected} (n_outputs={expected[1]}, "
        f"the width its layers' build returned). Received shape {np.shape(received)}{kind} "
        "from the layers' forward")


@functools.cache
def _layer_kinds() -> tuple[frozenset[type], dict[type, Callable[[np.ndarray], np.ndarray]],
                            frozenset[type]]:
    """Layer types (exact: a subclass may override ``forward``) by what their inference
    ``forward`` returns: a new array nobody else holds; the same computed over its input
    (with the function that does it); the input itself. Imported on first use: the
    layers' modules import ``core``, which imports this one."""
    from .activations import (
        GELU,
        Exp,
        Identity,
        LeakyReLU,
        ReLU,
        Sigmoid,
        Softmax,
        Tanh,
        relu_in_place,
        sigmoid_into,
    )
    from .activations_hard import HardSigmoid, HardSwish, ReLU6, Softsign
    from .activations_smooth import ELU, SELU, Mish, SiLU, Softplus
    from .layer_norm import LayerNormalization
    from .layers import Dense, Dropout
    from .noise import AlphaDropout, GaussianDropout, GaussianNoise
    from .normalization import BatchNorm
    from .prelu import PReLU
    from .preprocessing import Normalization

    in_place: dict[type, Callable[[np.ndarray], np.ndarray]] = {
        ReLU: relu_in_place, Tanh: lambda x: np.tanh(x, x), Sigmoid: lambda x: sigmoid_into(x, x)}
    fresh = frozenset({Dense, BatchNorm, LayerNormalization, Normalization, Exp, GELU,
                       LeakyReLU, Softmax, SiLU, ELU, SELU, Softplus, Mish, ReLU6, HardSigmoid,
                       HardSwish, Softsign, PReLU, *in_place})
    # the noise layers, as Dropout, return their input itself at inference
    passing = frozenset({Dropout, AlphaDropout, GaussianDropout, GaussianNoise, Identity})
    return fresh, in_place, passing


def infer(layers: list[Any], x: np.ndarray) -> np.ndarray:
    """``layers``' inference outputs for ``x``, a new array (never ``x`` or a view of it).

    An elementwise activation whose input is an array that an earlier layer of
    this pass made (not ``x``, not a buffer a layer keeps) computes over that
    array instead of a new one: the same bits, one temporary fewer per layer.
    """
    fresh, in_place, passing = _layer_kinds()
    out, owned = x, False
    for layer in layers:
        kind = type(layer)
        if owned and kind in in_place:
            out = in_place[kind](out)
            continue
        out = layer.forward(out)
        owned = kind in fresh or (owned and kind in passing)
    if not owned and np.may_share_memory(out, x):  # Identity, Dropout, ...: the input
        out = out.copy()
    return out
