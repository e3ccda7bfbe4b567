"""Saving and loading models as safetensors files, safely.

``nonlin.save(model, "model.safetensors")`` writes a standard safetensors file
that PyTorch, Hugging Face and every other safetensors reader opens;
``nonlin.load(path)`` rebuilds the model and predicts bit-identically.

Tensors, one per parameter, named ``"{layer_index}.{param_name}"``::

    "0.W"   (n_features_in, units)   Dense weights, y = x @ W + b  (PyTorch's
                                     nn.Linear.weight is W.T)
    "0.b"   (units,)                 Dense bias
    "2.W", "2.b", ...                the next Dense layer (index 1 is its activation)
    "3.gamma", "3.beta"   (units,)   a BatchNorm's scale and shift, and its running
    "3.moving_mean", "3.moving_variance"   statistics (state from ``get_state()``)

dtype F32 or F64 (the model's), little-endian, C order. ``__metadata__`` maps
str to JSON text::

    "format"          "nonlin"
    "format_version"  1
    "architecture"    {"layers": [{"class_name": "Dense", "config": {...}}, ...]}, and
                      "name" when the model was given one (a layer's in its config)
    "n_features_in"   3
    "dtype"           "float64"
    "metadata"        {"classes": [...], "feature_names": [...], "preprocessing": {...},
                       "task": "...", "training": {...}}   (see ``nonlin._metadata``)
    "compile"         only when the model has a loss or optimizer (``compile``, the
                      last ``fit``): loss, optimizer and metrics, the optimizer's
                      slots as tensors "optimizer.{slot}.{i}" (see ``nonlin._compile_record``)
    "checkpoint"      only in checkpoints (see ``nonlin.checkpoint``)
    "optimizer"       only in ``nonlin.sklearn`` estimator files: the optimizer's
                      state, its slots as tensors "optimizer.{slot}.0" (see
                      ``nonlin._sklearn_io``)

Safety: layer types come from the allowlist ``nonlin.registry.LAYERS``; no
pickle, no ``eval``, no import by name. Every field is checked before use and
any fault raises ``ModelFileError`` naming the file and the field; ``load``
raises nothing else for any content (opening the file may raise ``OSError``).
Writes to a path are atomic (``nonlin._atomic``). Both also take a binary file
object, as ``torch.save``/``torch.load`` do (``io.BytesIO``, ``open(p, "rb")``):
the same bytes and checks (``nonlin._file_objects``).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from ._feature_names import with_model_names
from ._file_objects import ModelTarget, read_model_bytes, write_model
from ._header import ModelFileError
from ._layer_names import layer_names, name_config
from ._layers_built import check_layers_as_built
from ._metadata import check_metadata, to_json_text
from ._model_arrays import model_arrays
from ._model_suffix import check_model_suffix
from ._quoting import quoted
from ._reader import FORMAT, FORMAT_VERSION, read_model
from ._safetensors_writer import checked_tensors, safetensors_file
from ._saveable import check_registered
from ._saved_shapes import check_backed, check_saved
from ._weights import layer_state
from .core import Sequential
from .validation import check_bool

__all__ = ["ModelFileError", "load", "model_arrays", "read_model", "save", "to_bytes"]


# -- saving ------------------------------------------------------------------
def _architecture(model: Sequential) -> list[dict[str, Any]]:
    """The layer list, checked to be rebuildable from the registry alone, and each layer to
    build from it the arrays it holds (``nonlin._saved_shapes.check_saved``)."""
    layer_names(list(model.layers))  # names given since (layer.name = ...): load refuses twins
    items = check_registered(model)
    for i, layer in enumerate(model.layers):
        try:
            if getattr(layer, "is_adapted", True) is False:  # forward would refuse it
                raise ValueError(f"this {type(layer).__name__} has no statistics yet: call its "
                                 "adapt(X) on the training data first")
            _check_state(layer)
        except ValueError as exc:
            raise ValueError(f"layers[{i}] cannot be saved: {exc}") from None
    check_saved(model, items)  # a setting or an array changed since build, one array twice
    return items


def _check_state(layer: Any) -> None:
    """Run the layer's own ``set_state`` checks on copies, as loading will."""
    state = layer_state(layer)
    if not state or not np.all([np.isfinite(v).all() for v in state.values()]):
        return  # no state, or non-finite values (reported with the tensor's name later)
    layer.set_state({name: np.array(value) for name, value in state.items()})


def to_bytes(
    model: Sequential,
    *,
    metadata: dict[str, Any] | None = None,
    extra_tensors: dict[str, np.ndarray] | None = None,
    extra_header: dict[str, str] | None = None,
) -> bytes:
    """The safetensors file for ``model`` and its ``metadata`` as bytes (``save`` without the
    write, its compile record included).

    ``extra_tensors`` and ``extra_header`` carry checkpoint state.
    """
    return bytes(_model_file(model, metadata, extra_tensors, extra_header, stacklevel=4))


def _model_file(model: Sequential, metadata: dict[str, Any] | None,
                extra_tensors: dict[str, np.ndarray] | None,
                extra_header: dict[str, str] | None, stacklevel: int,
                include_optimizer: bool = True) -> bytearray:
    """``file_buffer`` with the model's compile record (its warning ``stacklevel`` frames up
    from ``compile_record``)."""
    from ._compile_record import compile_record  # saving's (the losses' checks): not load's

    built = isinstance(model, Sequential) and model.built  # else file_buffer refuses it
    header, tensors = compile_record(model, stacklevel, include_optimizer) if built else ({}, {})
    return file_buffer(model, metadata=metadata, extra_tensors={**tensors, **(extra_tensors or {})},
                       extra_header={**header, **(extra_header or {})})


def file_buffer(
    model: Sequential,
    *,
    metadata: dict[str, Any] | None = None,
    extra_tensors: dict[str, np.ndarray] | None = None,
    extra_header: dict[str, str] | None = None,
) -> bytearray:
    """``to_bytes``'s file in a buffer written once: the weights are copied only into it."""
    if not isinstance(model, Sequential):
        raise TypeError(f"Expected a nonlin.Sequential. Received: {type(model).__name__}")
    model._require_built()  # NotBuiltError, a ValueError (as this one was) and a RuntimeError
    check_layers_as_built(model)  # a layer added since build has no weights to write
    if metadata is None:
        metadata = getattr(model, "metadata", None) or {}
    metadata = with_model_names(model, metadata)  # feature_names_in_ as feature_names
    user = check_metadata(metadata, cast(int, model.n_features_in), cast(int, model.n_outputs))
    items = _architecture(model)
    header = {
        "format": to_json_text(FORMAT, "format"),
        "format_version": to_json_text(FORMAT_VERSION, "format_version"),
        "architecture": to_json_text({"layers": items, **name_config(model)}, "architecture"),
        "n_features_in": to_json_text(model.n_features_in, "n_features_in"),
        "dtype": to_json_text(model.dtype.name, "dtype"),
        "metadata": to_json_text(user, "metadata"),
        **(extra_header or {}),
    }
    arrays = model_arrays(model)
    for name in extra_tensors or {}:
        if name in arrays:
            raise ValueError(f"Duplicate tensor name {name!r}")
    arrays.update(extra_tensors or {})
    check_backed(model, items, arrays)  # widths the file's tensors back, as load requires
    return safetensors_file(checked_tensors(arrays), header)


def save(model: Sequential, path: ModelTarget, *,
         metadata: dict[str, Any] | None = None, include_optimizer: bool = True) -> None:
    """Write ``model`` to ``path`` (a file or a binary file object) as a safetensors file,
    atomically, with how it was compiled.

    A model with a loss or an optimizer (``compile``'s, or the last ``fit``'s) keeps
    them in the file's compile record, as Keras' ``model.save`` does: the loss, the
    optimizer with its learning rate (or schedule), step count and slots (Adam's
    moments, SGD's velocities) and ``compile``'s metrics, so that ``load(path)``
    gives a model whose ``fit(X, y)`` continues the training. What nonlin's registry
    does not hold (your own ``Loss`` subclass, a metric function) is left out with a
    ``UserWarning``: pass it to ``compile`` again after loading. The model's
    generator, history and callbacks are not saved (checkpoints keep them).

    Parameters
    ----------
    model : Sequential
        A built model of registered layers with finite weights.
    path : str, bytes, path-like or binary file object
        The file to (over)write; on failure an existing file is left intact. Or an object
        with ``write`` (``io.BytesIO()``, ``open(p, "wb")``): the whole file, built in
        memory first, goes to it in one ``write`` at its position (nothing on failure),
        then ``flush``; it is not closed nor rewound (``seek(0)`` before reading it back).
    metadata : dict, optional
        JSON-able facts to keep with the model: ``classes``, ``feature_names``,
        ``preprocessing``, ``task``, ``training`` (checked against the model's
        shape) and any other keys. Defaults to ``model.metadata`` if set;
        ``model.feature_names_in_`` (fitted on a DataFrame) is added as ``feature_names``.
    include_optimizer : bool, default True
        Keep the optimizer and its state (tf.keras' option). False leaves them out, for
        a file about a third the size with Adam (its two moments per weight): the loaded
        model keeps its loss and metrics, and ``fit`` needs an optimizer again.

    Raises
    ------
    ValueError, TypeError
        Unbuilt model, unregistered layer, NaN/inf weights, bad metadata; what ``load``
        would refuse or rebuild otherwise (a weight or state array of another shape or dtype
        than its layer's config builds, as after ``dense.units = 7`` or ``bias = False`` set
        since build, or one replaced by hand; one array in two places, which would load
        untied; two arrays of one layer under one name; a config that rebuilds a layer with
        another constructor argument; widths its tensors do not back, as a width above 65536
        without weights: ``nonlin._saved_shapes``; more than 10,000 layers or 100,000
        tensors, the limits of a file); a text-mode file object
        (``io.StringIO``, ``open(p, "w")``); a setting of the loss or optimizer set since
        that its constructor refuses (``opt.beta_1 = 1.5``): its message.
    OSError
        The file could not be written (``IsADirectoryError``: a path ending in a folder's
        name, ``out/``; ``FileNotFoundError``: one through a missing folder, as ``open``).
    """
    _save(model, path, metadata, stacklevel=5, include_optimizer=include_optimizer)


def _save(model: Sequential, path: ModelTarget, metadata: dict[str, Any] | None,
          stacklevel: int, include_optimizer: bool = True) -> None:
    """``save`` (and ``Sequential.save``), its warning ``stacklevel`` frames up."""
    include_optimizer = check_bool("include_optimizer", include_optimizer)
    check_model_suffix(path)  # model.h5, model.pt: a safetensors file would not be that
    write_model(path, _model_file(model, metadata, None, None, stacklevel, include_optimizer))


def load(path: ModelTarget, *, compile: bool = True) -> Sequential:
    """Read the model at ``path`` (a file or a binary file object), written by ``save``
    (or a checkpoint), and rebuild it.

    The model predicts bit-identically to the one saved; ``model.metadata``
    holds the metadata saved with it, ``model.feature_names_in_`` its ``feature_names``.

    Parameters
    ----------
    path : str, bytes, path-like or binary file object
        The file, or an object with ``read`` (``io.BytesIO(data)``, ``open(p, "rb")``)
        read from its position to its end (not closed), its bytes checked as a file's
        (messages name it by its ``name``, else as ``'<BytesIO>'``). A file's contents
        as ``bytes`` are read as a path: wrap them, ``load(io.BytesIO(data))``.
    compile : bool, default True
        Restore the file's compile record, as Keras' ``load_model(compile=True)``:
        ``model.loss``, ``model.optimizer`` (config, learning rate, step count,
        slots) and ``compile``'s metrics, so ``model.fit(X, y)`` continues the saved
        training. Its weights are then those of an uninterrupted run when the
        training draws nothing from the generator (``shuffle=False``, no
        ``Dropout``) or draws from the same generator state (set ``model.rng``):
        the file does not keep ``model.rng`` (the loaded model's is as after ``build(n, seed=0)``),
        the history nor the callbacks' state; a checkpoint does. False (or a file
        without a record, as files written before it and checkpoints) gives the
        bare model: ``loss`` and ``optimizer`` None.

    Raises
    ------
    ModelFileError
        The content is not a valid nonlin model file; the message names the
        file and the tensor or field at fault (``compile.optimizer.scalars.lr``).
    OSError
        The file cannot be opened or read.
    TypeError
        A text-mode file object (``io.StringIO``, ``open(p, "r")``).
    """
    compile = check_bool("compile", compile)
    data, header, source = read_model_bytes(path)  # a path's header read first, size checked
    model, header, arrays = read_model(data, source, header=header)
    if compile and "compile" in header.metadata:  # _compile_record.RECORD: imported then
        from ._compile_record import restore_compile
        restore_compile(model, header.metadata, arrays, source)
    return model


def model_from_json(json_string: str | bytes, seed: Any = None) -> Sequential:
    """Keras' ``keras.models.model_from_json``: the model whose ``model.to_json()`` is
    ``json_string``, its weights drawn anew (from ``seed``, an int or generator) when the
    description says its input width.

    The text is read with ``json.loads`` (no code runs) and its layers are made through the
    registry's allowlist (``Sequential.from_config``), as ``load`` makes them: a layer class of
    your own must be registered (``nonlin.registry``). Raises ``ValueError`` for text that is
    not such a description (nesting deeper than a model file may, too).
    """
    import json

    from ._json_checks import text_problem
    from .validation import as_rng

    rng = as_rng(seed)  # a wrong seed is the caller's TypeError, not the text's
    try:
        data = json.loads(json_string)
        problem = text_problem(bytes(json_string) if isinstance(json_string, bytearray)
                               else json_string, data)
    except (TypeError, ValueError, RecursionError) as error:  # JSONDecodeError: a ValueError
        problem = str(error)
    if problem:
        raise ValueError("Expected the JSON text of model.to_json(). Received: "
                         f"{quoted(json_string, 100)} ({problem})") from None
    if (not isinstance(data, dict) or data.get("class_name") != "Sequential"
            or not isinstance(data.get("config"), dict)):
        raise ValueError('Expected {"class_name": "Sequential", "config": {...}}, the JSON of '
                         f"model.to_json(). Received: {quoted(data, 200)}")
    try:
        return Sequential.from_config(data["config"], rng)
    except TypeError as error:  # a field of the wrong type (name, n_features_in, dtype)
        raise ValueError(f"Expected the config of model.to_json(). Received: "
                         f"{quoted(data, 200)} ({error})") from None
