"""What a model file's header drives is bounded before the work it drives: the layer and
tensor counts, the tensor names before their bytes, each layer's arrays before build;
format_version 1.0 refused; a layer of one's own with a ``units`` of its own loads."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import edit, edit_meta, join, model_bytes, split
from nonlin import ModelFileError, registry
from nonlin._safetensors_writer import safetensors_file
from nonlin.core import Layer

MAX_LAYERS, MAX_TENSORS = 10_000, 100_000  # docs/file-format.md's limits


def test_the_limits_are_the_documented_ones():
    from nonlin import _header

    assert (_header.MAX_LAYERS, _header.MAX_TENSORS) == (MAX_LAYERS, MAX_TENSORS)


def _refused(tmp_path, data: bytes, *patterns: str) -> str:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as info:
        nonlin.load(path)
    message = str(info.value)
    assert "bad.safetensors" in message
    for pattern in patterns:
        assert pattern in message, message
    return message


def _with_layers(data: bytes, extra: list[dict[str, Any]]) -> bytes:
    def change(arch: dict[str, Any]) -> dict[str, Any]:
        arch["layers"] += extra
        return arch

    return edit_meta(data, "architecture", change)


def _bare(meta: dict[str, Any], tensors: dict[str, Any], buffer: bytes) -> bytes:
    """A file of ``meta``'s fields over ``model_bytes``' and these tensors alone."""
    header, _ = split(model_bytes())
    fields = {**header["__metadata__"], "metadata": "{}"}
    fields.pop("compile", None)
    fields.update({key: json.dumps(value) for key, value in meta.items()})
    return join({"__metadata__": fields, **tensors}, buffer)


def test_layers_beyond_the_limit_are_counted_before_any_is_made(tmp_path, monkeypatch):
    data = _with_layers(model_bytes(), [{"class_name": "ReLU", "config": {}}] * (MAX_LAYERS - 3))
    made = []
    monkeypatch.setattr(registry, "layer_from_config", lambda item: made.append(item))
    _refused(tmp_path, data, "architecture", f"at most {MAX_LAYERS:,} layers",
             f"Received {MAX_LAYERS + 1:,}")
    assert made == []


def test_save_refuses_more_layers_than_load_reads():
    model = nonlin.Sequential([nonlin.ReLU() for _ in range(MAX_LAYERS + 1)]).build(2, seed=0)
    with pytest.raises(ValueError, match=f"at most {MAX_LAYERS:,} layers.*{MAX_LAYERS + 1:,}"):
        nonlin.save(model, io.BytesIO())


def test_tensors_beyond_the_limit_are_counted_before_their_entries(tmp_path):
    entry = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}

    def change(header: dict[str, Any]) -> None:
        header.update({f"x{i}": entry for i in range(MAX_TENSORS)})

    _refused(tmp_path, edit(model_bytes(), change), f"at most {MAX_TENSORS:,} tensors",
             f"Received {MAX_TENSORS + 4:,}")


def test_save_refuses_more_tensors_than_load_reads():
    arrays = {f"t{i}": np.zeros(1) for i in range(MAX_TENSORS + 1)}
    with pytest.raises(ValueError, match=f"at most {MAX_TENSORS:,} tensors"):
        safetensors_file(arrays, {})


def test_unexpected_tensor_names_are_refused_before_the_bytes_are_read(tmp_path, monkeypatch):
    import nonlin._reader as reader

    def change(header: dict[str, Any]) -> None:
        header["x"] = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}

    def read(data: bytes) -> Any:
        raise AssertionError("the tensors' bytes were read before their names were checked")

    monkeypatch.setattr(reader.safetensors.numpy, "load", read)
    _refused(tmp_path, edit(model_bytes(), change), "tensor 'x'", "unexpected")


def test_format_version_as_a_float_is_refused_naming_it(tmp_path):
    # JSON writers of floats emit 1.0; nonlin writes 1, and reads its integer fields strictly
    data = edit_meta(model_bytes(), "format_version", lambda _: 1.0)
    _refused(tmp_path, data, "format_version", "expected the integer 1", "Received: 1.0 (float)")


def test_format_version_as_nonlin_writes_it_loads():
    header, _ = split(model_bytes())
    assert header["__metadata__"]["format_version"] == "1"  # the text "1", not "1.0"
    assert nonlin.load(io.BytesIO(model_bytes())).layers


class _Repeat(Layer):
    """A width-preserving layer of one's own whose ``units`` counts something else."""

    def __init__(self, units: int = 1000) -> None:
        self.units = units

    def build(self, in_features: int, rng: Any) -> int:
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units}


def test_units_of_a_layer_of_ones_own_is_not_read_as_a_width(monkeypatch):
    monkeypatch.setitem(registry.LAYERS, "_Repeat", _Repeat)
    model = nonlin.Sequential([nonlin.Dense(4), _Repeat(1000), nonlin.Dense(2)]).build(3, seed=0)
    buffer = io.BytesIO()
    nonlin.save(model, buffer)
    buffer.seek(0)
    loaded = nonlin.load(buffer)
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(loaded.predict(x), model.predict(x))


def test_a_layers_arrays_must_be_in_the_file_under_its_index_before_build(tmp_path):
    # each Dense(300) needs its (300, 300) weights; the one W in the file backs layer 0 alone
    dense = {"class_name": "Dense", "config": {"units": 300}}
    tensors = {"0.W": {"dtype": "F64", "shape": [300, 300], "data_offsets": [0, 720_000]}}
    data = _bare({"architecture": {"layers": [dense] * 3}, "n_features_in": 300}, tensors,
                 np.zeros(90_000).tobytes())
    _refused(tmp_path, data, "architecture.layers[1]", "(300, 300) weight matrix is not in the "
             "file", "'1.*' hold 0 values")


@pytest.mark.parametrize("name", ["BatchNorm", "LayerNormalization", "PReLU"])
def test_per_feature_arrays_must_be_in_the_file_before_build(tmp_path, name):
    layer = {"class_name": name, "config": {}}
    data = _bare({"architecture": {"layers": [layer] * 50}, "n_features_in": 60_000}, {}, b"")
    _refused(tmp_path, data, "architecture.layers[0]", f"{name}'s arrays of 60000 values are "
             "not in the file")


def test_per_feature_layers_and_a_shared_prelu_load():
    layers = [nonlin.Dense(5), nonlin.BatchNorm(), nonlin.LayerNormalization(),
              nonlin.PReLU(shared=True), nonlin.PReLU(), nonlin.Dense(2)]
    model = nonlin.Sequential(layers).build(3, seed=0)
    buffer = io.BytesIO()
    nonlin.save(model, buffer)
    buffer.seek(0)
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(nonlin.load(buffer).predict(x), model.predict(x))


def test_info_refuses_more_layers_than_a_file_holds_as_load_does(tmp_path, capsys):
    from nonlin import cli

    # a class not registered here: info would list the layers as the file records them
    path = tmp_path / "bad.safetensors"
    path.write_bytes(_with_layers(model_bytes(), [{"class_name": "Mine", "config": {}}]
                                  * (MAX_LAYERS - 3)))
    assert cli.main(["info", str(path)]) == 2
    captured = capsys.readouterr()
    assert f"at most {MAX_LAYERS:,} layers" in captured.err and "bad.safetensors" in captured.err
    assert captured.out.count("\n") < 20  # was: a line per layer


def _lines_run(function: Any, *args: Any) -> int:
    """How many lines of ``function``'s own body run in a call (a count, not a time); the
    tracer set before (pytest-cov's, a debugger's) is set again after."""
    import sys

    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += event == "line"
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code is function.__code__ else None

    before = sys.gettrace()  # a coverage tool's, or a debugger's: given back after
    sys.settrace(tracer)
    try:
        function(*args)
    finally:
        sys.settrace(before)
    return count


def test_many_metrics_of_one_name_are_named_in_linear_time():
    from nonlin.metrics import MeanAbsoluteError, get_metrics

    # each name was tried against all before it (12.6 s for 10,000): lines ran grew as n**2
    assert _lines_run(get_metrics, ["accuracy"] * 2000) <= 2.1 * _lines_run(
        get_metrics, ["accuracy"] * 1000)
    names = [metric.name for metric in get_metrics(["accuracy"] * 10_000)]
    assert names[:2] == ["accuracy", "accuracy_1"] and names[-1] == "accuracy_9999"
    names = [metric.name for metric in get_metrics(["mae"] * 3 + [MeanAbsoluteError("mae_1")])]
    assert names == ["mae", "mae_1", "mae_2", "mae_1_1"]  # Keras' suffixes, as before


def _compiled_file(metrics: list[Any]) -> bytes:
    from nonlin.io import to_bytes

    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy"])
    header, buffer = split(to_bytes(model))
    record = json.loads(header["__metadata__"]["compile"])
    record["metrics"] = metrics
    header["__metadata__"]["compile"] = json.dumps(record)
    return join(header, buffer)


_WIDE_IOU = {"class_name": "MeanIoU", "config": {"num_classes": 4096}}  # 2**24 entries, 128 MiB


def test_a_compile_records_metrics_are_bounded_together_before_any_is_made(tmp_path):
    # each within its own limit; 4 of them made 1.5 GB from a file of 1.6 KB
    _refused(tmp_path, _compiled_file([_WIDE_IOU] * 2), "compile.metrics[1]", "its arrays "
             "hold 16,777,216 float64 entries, 33,554,432 with the metrics before it, where a "
             "file's metrics hold at most 16,777,216 (128 MiB) in all")
    _refused(tmp_path, _compiled_file(["accuracy"] * 1001), "compile.metrics",
             "Received 1,001 metrics", "nonlin.load(path, compile=False) reads the model")
    assert len(nonlin.load(io.BytesIO(_compiled_file([_WIDE_IOU])))._metrics) == 1
    assert nonlin.load(io.BytesIO(_compiled_file([_WIDE_IOU] * 2)), compile=False).built


def test_save_leaves_out_the_metrics_beyond_what_load_reads():
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["mae"] * 1001)
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match=r"leaves out metrics\[1000\]='mae' \(a file holds at "
                                         "most 1,000 metrics"):
        nonlin.save(model, buffer)
    buffer.seek(0)
    assert len(nonlin.load(buffer)._metrics) == 1000


def test_fixed_statistics_in_configs_are_bounded_together_before_build(tmp_path):
    # Normalization(mean=0.0, variance=1.0) makes one value per feature from its config
    layer = {"class_name": "Normalization", "config": {"mean": 0.0, "variance": 1.0}}
    # (session 25: all together at most 2**23 features beyond the file's values, not 65536)
    data = _bare({"architecture": {"layers": [layer] * 150}, "n_features_in": 60_000}, {}, b"")
    _refused(tmp_path, data, "architecture.layers[139]", "the fixed statistics of 60000 "
             "features are more than the file holds")
    model = nonlin.Sequential([nonlin.Normalization(mean=0.0, variance=4.0), nonlin.Dense(2),
                               nonlin.Normalization(mean=[1.0, 2.0], variance=[1.0, 9.0])]).build(3)
    buffer = io.BytesIO()
    nonlin.save(model, buffer)
    buffer.seek(0)
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(nonlin.load(buffer).predict(x), model.predict(x))


def test_a_layer_norm_without_arrays_needs_none():
    model = nonlin.Sequential([nonlin.Dense(5), nonlin.LayerNormalization(center=False,
                                                                          scale=False)]).build(3)
    buffer = io.BytesIO()
    nonlin.save(model, buffer)
    buffer.seek(0)
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(nonlin.load(buffer).predict(x), model.predict(x))
