"""Property: any mutation of a valid file loads as a valid model or raises ModelFileError."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nonlin  # noqa: E402
from io_helpers import join, model_bytes, small_model, split  # noqa: E402
from nonlin import ModelFileError  # noqa: E402
from nonlin._callback_state import restore_callbacks  # noqa: E402
from nonlin.io import read_model  # noqa: E402

MODELS = {
    "softmax": model_bytes(
        small_model(), metadata={"classes": ["a", "b"], "feature_names": ["x", "y", "z"]}
    ),
    "float32": model_bytes(
        nonlin.Sequential([nonlin.Dense(2, bias=False), nonlin.Sigmoid()]).build(
            2, seed=1, dtype=np.float32
        ),
        metadata={"preprocessing": {"type": "standardize", "mean": [0, 1], "scale": [1, 2]}},
    ),
}
SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("NONLIN_MUTATIONS", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)


def _check(data: bytes) -> None:
    """The property itself."""
    try:
        model, _, _ = read_model(data, "mutated.safetensors")
    except ModelFileError as exc:
        assert "mutated.safetensors" in str(exc)
        return
    assert isinstance(model, nonlin.Sequential) and model.built
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert isinstance(model.metadata, dict)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # an array for a model with feature names
        out = model.predict(np.zeros((2, model.n_features_in)))
    assert out.shape == (2, model.n_outputs)


def test_unmutated_files_load():
    for data in MODELS.values():
        _check(data)


@SETTINGS
@given(name=st.sampled_from(sorted(MODELS)), cut=st.integers(0, 10**6))
def test_truncation(name, cut):
    data = MODELS[name]
    _check(data[: cut % len(data)])


@SETTINGS
@given(
    name=st.sampled_from(sorted(MODELS)),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4),
)
def test_byte_flips(name, flips):
    data = bytearray(MODELS[name])
    for index, mask in flips:
        data[index % len(data)] ^= mask
    _check(bytes(data))


@SETTINGS
@given(
    name=st.sampled_from(sorted(MODELS)),
    at=st.integers(0, 10**6),
    insert=st.binary(max_size=16),
    delete=st.integers(0, 16),
)
def test_splices(name, at, insert, delete):
    data = MODELS[name]
    at %= len(data)
    _check(data[:at] + insert + data[at + delete :])


def _slots(node: Any, found: list[tuple[Any, Any]]) -> None:
    """Every (container, key) in a JSON tree."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        found.append((node, key))
        if isinstance(value, dict | list):
            _slots(value, found)


def _decoded_header(data: bytes) -> tuple[dict[str, Any], bytes]:
    header, buffer = split(data)
    header["__metadata__"] = {k: json.loads(v) for k, v in header["__metadata__"].items()}
    return header, buffer


def _encoded(header: dict[str, Any], buffer: bytes) -> bytes:
    meta = header.get("__metadata__")
    if isinstance(meta, dict):
        header["__metadata__"] = {k: json.dumps(v) for k, v in meta.items()}
    return join(header, buffer)


def _apply_picks(header: dict[str, Any], picks: list[tuple[int, Any, bool]]) -> None:
    """Replace (or delete) the value at each picked slot of the header, in place."""
    for index, value, delete in picks:
        slots: list[tuple[Any, Any]] = []
        _slots(header, slots)
        if not slots:
            break
        container, key = slots[index % len(slots)]
        if delete:
            del container[key]
        else:
            container[key] = value


@SETTINGS
@given(
    name=st.sampled_from(sorted(MODELS)),
    picks=st.lists(st.tuples(st.integers(0, 10**6), JSON, st.booleans()), min_size=1, max_size=3),
)
def test_header_edits(name, picks):
    """Replace or delete values anywhere in the header, including inside the metadata JSON."""
    header, buffer = _decoded_header(MODELS[name])
    _apply_picks(header, picks)
    _check(_encoded(header, buffer))


@SETTINGS
@given(name=st.sampled_from(sorted(MODELS)), at=st.integers(0, 10**6), text=st.text(max_size=6))
def test_header_text_edits(name, at, text):
    """Raw edits of the header text that keep the length field consistent."""
    header, buffer = split(MODELS[name])
    raw = json.dumps(header)
    at %= len(raw)
    _check(join(raw[:at] + text + raw[at + len(text) :], buffer))


def test_every_single_byte_truncation_of_a_small_file():
    data = MODELS["float32"]
    for cut in range(len(data)):
        _check(data[:cut])


def _checkpoint_sample() -> bytes:
    """A checkpoint with optimizer slots, callback state (best weights as tensors) and an
    epoch stopped between two batches (as ``nonlin train`` saves on Ctrl-C)."""
    from nonlin.checkpoint import checkpoint_bytes

    class StopInEpoch1(nonlin.Callback):
        def on_batch_end(self, batch, logs=None):
            if len(self.model.history.epoch) == 1 and batch == 0:
                raise KeyboardInterrupt

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2)])
    callbacks = [
        nonlin.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True),
        nonlin.ReduceLROnPlateau(monitor="loss"),
        StopInEpoch1(),
    ]
    try:
        model.fit(X, y, loss=nonlin.CrossEntropy(from_logits=True), optimizer="adam", epochs=3,
                  seed=0, verbose=0, batch_size=8, metrics=["accuracy"], callbacks=callbacks)
    except KeyboardInterrupt:
        pass
    return checkpoint_bytes(model, epoch=1)


CHECKPOINT = _checkpoint_sample()


def _check_checkpoint(data: bytes) -> None:
    from nonlin.checkpoint import read_checkpoint

    try:
        checkpoint = read_checkpoint(data, "mutated.safetensors")
    except ModelFileError as exc:
        assert "mutated.safetensors" in str(exc)
        return
    assert checkpoint.optimizer.iterations == checkpoint.step
    assert isinstance(checkpoint.model.rng, np.random.Generator)
    _check_record(checkpoint)
    # a file that reads is one whose callback states resume: no error left for later
    callbacks = [nonlin.EarlyStopping(monitor="loss", restore_best_weights=True),
                 nonlin.ReduceLROnPlateau(monitor="loss")]
    for callback in callbacks:
        callback.set_model(checkpoint.model)
        callback.on_train_begin()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # states that moved to another index are skipped
        restore_callbacks(callbacks, checkpoint.callbacks)
    callbacks[0].on_train_end()  # puts the best weights and layer state back


def _check_record(checkpoint: Any) -> None:
    """The fields outside the callback states: an epoch that follows the history, a generator
    state NumPy would have drawn, a usable learning rate and partial epoch."""
    epochs = checkpoint.history.epoch
    assert epochs == sorted(set(epochs)) and all(e >= 0 for e in epochs)
    assert checkpoint.epoch == (epochs[-1] + 1 if epochs else checkpoint.epoch)
    assert epochs or checkpoint.epoch <= checkpoint.step
    state = checkpoint.model.rng.bit_generator.state
    assert state.get("has_uint32", 0) in (0, 1) and 0 <= state.get("uinteger", 0) < 2**32
    lr = checkpoint.optimizer.current_lr()
    assert 0 <= lr < math.inf and not isinstance(checkpoint.optimizer.lr, bool)
    partial = checkpoint.partial
    if partial is not None:
        assert partial["epoch"] == checkpoint.epoch and partial["rows"] >= 0
        assert all(set(m) == {"total", "count"} for m in partial["metrics"])


@SETTINGS
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=3),
    cut=st.integers(0, 10**6),
    picks=st.lists(st.tuples(st.integers(0, 10**6), JSON, st.booleans()), max_size=2),
)
def test_checkpoint_mutations(flips, cut, picks):
    header, buffer = _decoded_header(CHECKPOINT)
    _apply_picks(header, picks)
    data = bytearray(_encoded(header, buffer))
    for index, mask in flips:
        data[index % len(data)] ^= mask
    if cut % 3 == 0:
        data = data[: cut % len(data)]
    _check_checkpoint(bytes(data))


@SETTINGS
@given(picks=st.lists(st.tuples(st.integers(0, 10**6), JSON, st.booleans()), min_size=1,
                      max_size=3))
def test_checkpoint_callback_state_mutations(picks):
    """Edits inside the callbacks' states: refused when read, or restorable."""
    header, buffer = _decoded_header(CHECKPOINT)
    _apply_picks(header["__metadata__"]["checkpoint"]["callbacks"], picks)
    _check_checkpoint(_encoded(header, buffer))


RECORD_FIELDS = ["epoch", "step", "rng", "optimizer", "history", "partial"]
FIELD_VALUES = JSON | st.integers(-2, 2**130) | st.sampled_from([1e308, 10**6, 2.5, -1, 7])


@SETTINGS
@given(field=st.sampled_from(RECORD_FIELDS),
       picks=st.lists(st.tuples(st.integers(0, 10**6), FIELD_VALUES, st.booleans()), min_size=1,
                      max_size=3))
def test_checkpoint_record_field_mutations(field, picks):
    """Edits inside the epoch, generator, optimizer, history and partial records: refused
    when read, or a record whose epoch, generator and learning rate are sound."""
    header, buffer = _decoded_header(CHECKPOINT)
    record = header["__metadata__"]["checkpoint"]
    if isinstance(record[field], dict | list):
        _apply_picks(record[field], picks)
    else:
        record[field] = picks[0][1]
    _check_checkpoint(_encoded(header, buffer))
