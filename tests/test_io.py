"""Round trips through nonlin.save / nonlin.load and the safetensors package."""

from __future__ import annotations

import json

import numpy as np
import pytest
import safetensors.numpy as stnp
from safetensors import safe_open

import nonlin
from io_helpers import join, model_bytes, small_model, split
from nonlin.io import model_arrays

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def _every_layer_model(dtype):
    layers = [
        nonlin.Dense(5),
        nonlin.Sigmoid(),
        nonlin.Dense(6, bias=False, init="he_normal"),
        nonlin.ReLU(),
        nonlin.Dense(4),
        nonlin.LeakyReLU(alpha=0.2),
        nonlin.Dense(4),
        nonlin.GELU(),
        nonlin.Dense(3),
        nonlin.Tanh(),
        nonlin.Identity(),
        nonlin.Dense(3),
        nonlin.Softmax(),
    ]
    return nonlin.Sequential(layers).build(7, seed=3, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_predicts_bit_identically(tmp_path, dtype):
    model = _every_layer_model(dtype)
    path = tmp_path / "model.safetensors"
    nonlin.save(model, path)
    loaded = nonlin.load(path)
    X = np.random.default_rng(1).normal(size=(50, 7))
    assert loaded.dtype == model.dtype
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert loaded.metadata == {}


def test_loaded_weights_are_owned_and_writable(tmp_path):
    path = tmp_path / "m.safetensors"
    nonlin.save(small_model(), path)
    for p in nonlin.load(path).parameters():
        # a view into the model's own flat buffer (see pack_parameters), not the file's bytes
        owner = p.value if p.value.base is None else p.value.base
        assert p.value.flags.writeable and p.value.flags.c_contiguous and owner.flags.owndata


def test_weights_sit_where_a_pytorch_user_expects(tmp_path):
    model = small_model()
    path = tmp_path / "m.safetensors"
    nonlin.save(model, path)
    tensors = stnp.load_file(str(path))
    assert sorted(tensors) == ["0.W", "0.b", "2.W", "2.b"]
    np.testing.assert_array_equal(tensors["0.W"], model.layers[0].W.value)  # (in, out)
    assert tensors["0.W"].shape == (3, 4) and tensors["2.b"].shape == (2,)
    with safe_open(str(path), framework="np") as handle:
        meta = handle.metadata()
    assert json.loads(meta["format"]) == "nonlin" and json.loads(meta["n_features_in"]) == 3
    layers = json.loads(meta["architecture"])["layers"]
    assert [item["class_name"] for item in layers] == ["Dense", "Tanh", "Dense", "Softmax"]


def test_file_written_by_the_safetensors_package_loads(tmp_path):
    """Weights edited by another tool (here: doubled) and written back load into nonlin."""
    model = small_model()
    source, target = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    nonlin.save(model, source)
    tensors = {k: v * 2 for k, v in stnp.load_file(str(source)).items()}
    with safe_open(str(source), framework="np") as handle:
        meta = handle.metadata()
    stnp.save_file(tensors, str(target), metadata=meta)
    loaded = nonlin.load(target)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, 2 * b)


def test_package_mis_saves_strided_arrays_but_save_does_not(tmp_path):
    base = np.arange(12.0).reshape(3, 4)
    wrong = stnp.load(stnp.save({"t": base.T}))["t"]
    assert not np.array_equal(wrong, base.T)  # the package's own writer ignores strides
    model = nonlin.Sequential([nonlin.Dense(3)]).build(4, seed=0)
    W = model.layers[0].W
    W.value = np.asfortranarray(base.T)  # transposed memory order
    model.layers[0].b.value = np.arange(6.0)[::2]  # strided view
    path = tmp_path / "m.safetensors"
    nonlin.save(model, path)
    loaded = nonlin.load(path)
    np.testing.assert_array_equal(loaded.layers[0].W.value, base.T)
    np.testing.assert_array_equal(loaded.layers[0].b.value, [0.0, 2.0, 4.0])


def test_metadata_round_trips_exactly(tmp_path):
    rng = np.random.default_rng(5)
    mean, scale = rng.normal(size=3), rng.uniform(0.1, 3, size=3)
    meta = {
        "classes": ["cat", "dog"],
        "feature_names": ["a", "b", "c"],
        "preprocessing": {"type": "standardize", "mean": mean, "scale": scale.tolist()},
        "task": "classification",
        "training": {"loss": "cross_entropy", "epochs": 3, "score": 1 / 3},
        "source": {"csv": "x.csv"},
    }
    path = tmp_path / "m.safetensors"
    nonlin.save(small_model(), path, metadata=meta)
    loaded = nonlin.load(path).metadata
    assert loaded["preprocessing"]["mean"] == mean.tolist()  # floats exact through JSON
    assert loaded["preprocessing"]["scale"] == scale.tolist()
    assert loaded == {**meta, "preprocessing": {**meta["preprocessing"], "mean": mean.tolist()}}


def test_model_metadata_is_kept_when_resaving(tmp_path):
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    nonlin.save(small_model(), a, metadata={"classes": [0, 1]})
    nonlin.save(nonlin.load(a), b)
    assert nonlin.load(b).metadata == {"classes": [0, 1]}


def test_binary_classifier_with_one_output_has_two_classes(tmp_path):
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()]).build(2, seed=0)
    nonlin.save(model, tmp_path / "ok.safetensors", metadata={"classes": ["no", "yes"]})
    with pytest.raises(ValueError, match="Expected 2 class labels"):
        nonlin.save(model, tmp_path / "bad.safetensors", metadata={"classes": ["no"]})


@pytest.mark.parametrize(
    "meta, message",
    [
        ({"classes": ["a", "b", "c"]}, "Expected 2 class labels"),
        ({"classes": ["a", "a"]}, "unique class labels"),
        ({"classes": [True, False]}, "str or int class labels"),
        ({"feature_names": ["a", "b"]}, "Expected 3 feature_names"),
        ({"feature_names": [1, 2, 3]}, "list of str"),
        ({"preprocessing": {"type": "standardize", "mean": [0.0] * 3}}, "'mean' and 'scale'"),
        (
            {"preprocessing": {"type": "standardize", "mean": [0.0] * 2, "scale": [1.0] * 3}},
            r"Expected 3 values in preprocessing\['mean'\]",
        ),
        (
            {"preprocessing": {"type": "standardize", "mean": [0.0] * 3, "scale": [1, 0, 1]}},
            "non-zero",
        ),
        ({"preprocessing": {"type": "x", "mean": [np.nan] * 3}}, "JSON"),
        ({"task": 3}, "task"),
        ({"training": [1]}, "training"),
        ({"other": object()}, "JSON"),
    ],
)
def test_bad_metadata_is_refused_before_writing(tmp_path, meta, message):
    path = tmp_path / "m.safetensors"
    path.write_bytes(b"previous")
    with pytest.raises(ValueError, match=message):
        nonlin.save(small_model(), path, metadata=meta)
    assert path.read_bytes() == b"previous"


def test_save_refuses_what_it_cannot_load_back(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match="built"):
        nonlin.save(nonlin.Sequential([nonlin.Dense(2)]), path)
    with pytest.raises(TypeError, match="Sequential"):
        nonlin.save([1, 2], path)

    class MyDense(nonlin.Dense):
        pass

    with pytest.raises(TypeError, match="registered"):
        nonlin.save(nonlin.Sequential([MyDense(2)]).build(2, seed=0), path)
    assert not path.exists()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_save_refuses_non_finite_weights(tmp_path, bad):
    model = small_model()
    model.layers[2].W.value[1, 0] = bad
    with pytest.raises(ValueError, match="'2.W'.*NaN or infinite"):
        nonlin.save(model, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_tensor_names_follow_layer_index_and_param_name():
    names = list(model_arrays(_every_layer_model(np.float64)))
    assert names == ["0.W", "0.b", "2.W", "4.W", "4.b", "6.W", "6.b", "8.W", "8.b", "11.W", "11.b"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batchnorm_running_statistics_round_trip(tmp_path, dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(2.0, 3.0, size=(64, 3)).astype(dtype)
    y = (X[:, 0] > 2).astype(int)
    layers = [nonlin.Dense(5), nonlin.BatchNorm(), nonlin.ReLU(), nonlin.Dropout(0.2)]
    model = nonlin.Sequential([*layers, nonlin.Dense(2)])
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=3, seed=0, verbose=0)
    stats = model.layers[1].get_state()
    assert np.any(stats["moving_mean"] != 0)
    path = tmp_path / "bn.safetensors"
    nonlin.save(model, path)
    assert {"1.moving_mean", "1.moving_variance", "1.gamma", "1.beta"} <= set(
        stnp.load_file(str(path))
    )
    loaded = nonlin.load(path)
    for name, value in loaded.layers[1].get_state().items():
        assert value.dtype == dtype and value.tobytes() == stats[name].tobytes()
    assert loaded.predict(X).tobytes() == model.predict(X).tobytes()


def test_batchnorm_negative_variance_is_refused(tmp_path):
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.BatchNorm()]).build(3, seed=0)
    path = tmp_path / "bn.safetensors"
    nonlin.save(model, path)
    header, buffer = split(path.read_bytes())
    begin = header["1.moving_variance"]["data_offsets"][0]
    buffer = buffer[:begin] + np.array([-1.0]).tobytes() + buffer[begin + 8 :]
    path.write_bytes(join(header, buffer))
    with pytest.raises(nonlin.ModelFileError, match=r"layers\[1\].*variance"):
        nonlin.load(path)
    model.layers[1].moving_variance[0] = -1.0
    with pytest.raises(ValueError, match=r"layers\[1\] cannot be saved"):
        nonlin.save(model, path)


def test_the_same_model_always_gives_the_same_bytes(tmp_path):
    # The safetensors package orders __metadata__ by a randomly seeded hash map:
    # the file must not depend on it (checksums, caches and diffs of model files).
    model = small_model()
    meta = {"classes": ["a", "b"], "task": "classification"}
    first = model_bytes(model, metadata=meta)
    assert all(model_bytes(model, metadata=meta) == first for _ in range(5))
    nonlin.save(model, tmp_path / "a.safetensors", metadata=meta)
    nonlin.save(nonlin.load(tmp_path / "a.safetensors"), tmp_path / "b.safetensors")
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()
    header, _ = split(first)
    assert list(header["__metadata__"]) == sorted(header["__metadata__"])
    assert nonlin.load(tmp_path / "a.safetensors").metadata == meta
