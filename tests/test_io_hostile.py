"""Bad and hostile files: each fault is a ModelFileError naming the file and the field."""

from __future__ import annotations

import json
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

import nonlin
from io_helpers import edit, edit_meta, join, model_bytes, small_model, split
from nonlin import ModelFileError


def _load(tmp_path, data: bytes, name: str = "bad.safetensors"):
    path = tmp_path / name
    path.write_bytes(data)
    return nonlin.load(path)


def _refused(tmp_path, data: bytes, *patterns: str) -> ModelFileError:
    with pytest.raises(ModelFileError) as info:
        _load(tmp_path, data)
    message = str(info.value)
    assert "bad.safetensors" in message
    for pattern in patterns:
        assert pattern in message, message
    assert isinstance(info.value, ValueError)
    return info.value


def _set_tensor(name, **fields):
    def change(header):
        header[name].update(fields)

    return change


def test_empty_and_tiny_files(tmp_path):
    _refused(tmp_path, b"", "empty")
    _refused(tmp_path, b"\x05\x00\x00", "truncated", "3 bytes")


def test_truncated_file(tmp_path):
    data = model_bytes()
    _refused(tmp_path, data[:20], "header length", "past the end")
    _refused(tmp_path, data[:-8], "truncated")


def test_bytes_appended(tmp_path):
    _refused(tmp_path, model_bytes() + b"\x00" * 8, "appended")


def test_header_length_past_end_and_too_large(tmp_path):
    data = model_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    _refused(tmp_path, struct.pack("<Q", len(data)) + data[8:], "past the end")
    _refused(tmp_path, struct.pack("<Q", 2**63) + data[8:], "exceeds the limit")


@pytest.mark.parametrize("text", ["[1, 2, 3]", '"text"', "12345678"])
def test_header_not_a_json_object(tmp_path, text):
    _refused(tmp_path, join(text, b""), "not a JSON object")


def test_header_invalid_json_and_not_utf8(tmp_path):
    _refused(tmp_path, join('{"a": ', b""), "invalid JSON")
    raw = b'{"\xff": 1}'
    _refused(tmp_path, struct.pack("<Q", len(raw)) + raw, "not UTF-8")
    _refused(tmp_path, join("{" * 100_000, b""), "invalid JSON")  # deep nesting


def test_duplicate_keys(tmp_path):
    header, buffer = split(model_bytes())
    text = json.dumps(header)
    entry = json.dumps({"0.b": header["0.b"]})[1:-1]
    _refused(tmp_path, join(text[:-1] + ", " + entry + "}", buffer), "duplicate key '0.b'")


@pytest.mark.parametrize("code", ["I64", "F16", "BF16", "U8", "C64", 7])
def test_wrong_dtype(tmp_path, code):
    _refused(tmp_path, edit(model_bytes(), _set_tensor("0.b", dtype=code)), "'0.b'", "dtype")


def test_model_dtype_mismatch(tmp_path):
    data = edit_meta(model_bytes(), "dtype", lambda _: "float32")
    _refused(tmp_path, data, "'0.W'", "does not match the model's float32")


def test_shape_mismatch_with_architecture(tmp_path):
    data = edit(model_bytes(), _set_tensor("0.W", shape=[4, 3]))
    _refused(tmp_path, data, "'0.W'", "shape (4, 3)", "(3, 4) from the architecture")


def test_byte_count_mismatch(tmp_path):
    data = edit(model_bytes(), _set_tensor("0.W", shape=[3, 5]))
    _refused(tmp_path, data, "'0.W'", "byte count mismatch")


def test_overlapping_offsets(tmp_path):
    header, buffer = split(model_bytes())
    begin, end = header["0.b"]["data_offsets"]
    header["2.b"]["data_offsets"] = [begin, end - (end - begin - 16)]
    header["2.b"]["shape"] = [2]
    _refused(tmp_path, join(header, buffer), "overlaps")


def test_missing_tensor(tmp_path):
    model = nonlin.Sequential([nonlin.Dense(2, bias=False), nonlin.Dense(1)]).build(2, seed=0)
    data = model_bytes(model)

    def drop_bias(header):
        header["__metadata__"]["architecture"] = header["__metadata__"]["architecture"].replace(
            '"bias":false', '"bias":true'
        )

    _refused(tmp_path, edit(data, drop_bias), "'0.b'", "missing")


def test_extra_tensor(tmp_path):
    model = small_model()
    data = model_bytes(model, extra_tensors={"0.extra": np.zeros(2)})
    _refused(tmp_path, data, "'0.extra'", "unexpected")


def test_non_finite_weights_in_file(tmp_path):
    header, buffer = split(model_bytes())
    begin = header["0.b"]["data_offsets"][0]
    buffer = buffer[:begin] + np.array([np.nan]).tobytes() + buffer[begin + 8 :]
    _refused(tmp_path, join(header, buffer), "'0.b'", "NaN or infinite")


def test_unknown_layer_type(tmp_path):
    data = edit_meta(
        model_bytes(),
        "architecture",
        lambda a: {"layers": [*a["layers"][:-1], {"class_name": "os.system", "config": {}}]},
    )
    _refused(tmp_path, data, "unknown layer type 'os.system'", "layers[3]")


@pytest.mark.parametrize(
    "config", [{"units": -3}, {"units": "4"}, {"units": 4, "import": "os"}, {"init": "eval"}]
)
def test_bad_layer_config(tmp_path, config):
    def change(arch):
        arch["layers"][0]["config"] = config
        return arch

    _refused(tmp_path, edit_meta(model_bytes(), "architecture", change), "layers[0]")


def test_huge_layer_is_refused_before_allocation(tmp_path):
    def change(arch):
        arch["layers"][0]["config"]["units"] = 10**12
        return arch

    _refused(tmp_path, edit_meta(model_bytes(), "architecture", change), "not in the file")
    data = edit_meta(model_bytes(), "n_features_in", lambda _: 10**15)
    _refused(tmp_path, data, "layers[0]", "not backed")


@pytest.mark.parametrize("version", [2, 0, "1", None, True, 1.5])
def test_unknown_format_version(tmp_path, version):
    data = edit_meta(model_bytes(), "format_version", lambda _: version)
    _refused(tmp_path, data, "format_version", "unsupported format version")


@pytest.mark.parametrize("key", ["format", "architecture", "n_features_in", "dtype", "metadata"])
def test_missing_metadata_field(tmp_path, key):
    data = edit(model_bytes(), lambda h: h["__metadata__"].pop(key))
    _refused(tmp_path, data, key, "missing")


def test_plain_safetensors_file_is_not_a_model(tmp_path):
    import safetensors.numpy as stnp

    _refused(tmp_path, stnp.save({"w": np.zeros(3)}), "'format'", "not a nonlin model file")


def test_classes_inconsistent_with_output_size(tmp_path):
    data = edit_meta(model_bytes(), "metadata", lambda _: {"classes": ["a", "b", "c"]})
    _refused(tmp_path, data, "metadata", "Expected 2 class labels", "Received 3")


def test_feature_names_inconsistent_with_inputs(tmp_path):
    data = edit_meta(model_bytes(), "metadata", lambda _: {"feature_names": ["a"]})
    _refused(tmp_path, data, "feature_names")


@pytest.mark.parametrize(
    "mean, scale",
    [
        (["a", "b", "c"], [1.0, 1.0, 1.0]),  # 'could not convert string to float' in the CLI
        ([0.0, 0.0, 0.0], []),  # broadcast error in the CLI
        (5.0, [1.0, 1.0, 1.0]),  # "'float' object is not iterable"
        ([True, 0.0, 0.0], [1.0, 1.0, 1.0]),  # a JSON true is not a mean
        ([0.0, 0.0, 0.0], [1.0, "x", 1.0]),
    ],
)
def test_standardize_needs_one_number_per_feature(tmp_path, mean, scale):
    spec = {"type": "standardize", "mean": mean, "scale": scale}
    with pytest.raises(ValueError, match=r"preprocessing\['(mean|scale)'\]"):
        nonlin.save(small_model(), tmp_path / "m.safetensors", metadata={"preprocessing": spec})
    data = edit_meta(model_bytes(), "metadata", lambda _: {"preprocessing": spec})
    _refused(tmp_path, data, "__metadata__['metadata']", "preprocessing[")


def test_nan_in_metadata_json(tmp_path):
    def change(header):
        header["__metadata__"]["metadata"] = '{"training": {"loss": NaN}}'

    _refused(tmp_path, edit(model_bytes(), change), "invalid JSON")


class _Marker:
    """Unpickling this object would create the file at ``path``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickle_renamed_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
        payload = pickle.dumps({"0.W": _Marker(marker)}, protocol=protocol)
        error = _refused(tmp_path, payload)
        if protocol >= 2:
            assert "pickle" in str(error)
        assert not marker.exists()


def test_zip_renamed_runs_no_code(tmp_path):
    """A PyTorch-style zip with a malicious data.pkl inside."""
    marker = tmp_path / "pwned"
    archive = tmp_path / "model.pt"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("archive/data.pkl", pickle.dumps(_Marker(marker), protocol=2))
    _refused(tmp_path, archive.read_bytes(), "zip archive")
    assert not marker.exists()


def test_other_formats_are_named(tmp_path):
    buffer = __import__("io").BytesIO()
    np.save(buffer, np.zeros(3))
    _refused(tmp_path, buffer.getvalue(), "NumPy .npy")


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        nonlin.load(tmp_path / "nothing.safetensors")
    with pytest.raises(IsADirectoryError):
        nonlin.load(tmp_path)
    assert os.listdir(tmp_path) == []


def test_error_pickles_for_multiprocessing(tmp_path):
    error = _refused(tmp_path, b"")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.path, copy.field) == (
        ModelFileError,
        str(error),
        error.path,
        error.field,
    )


def test_wide_input_without_weights_is_refused_before_allocation(tmp_path):
    data = model_bytes(nonlin.Sequential([nonlin.BatchNorm(), nonlin.Tanh()]).build(3, seed=0))
    data = edit_meta(data, "n_features_in", lambda _: 10**7)
    _refused(tmp_path, data, "layers[0]", "width 10000000 is not backed")
