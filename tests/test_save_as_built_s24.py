"""``save`` wrote files that ``load`` refused, or loaded into another model: a setting the
shapes depend on changed since ``build`` (``dense.units = 7``: the config says 7, the weights
are 4 wide), a state array or a parameter's arrays replaced by hand with another shape or
dtype, one array in two places (loaded untied), a path through a missing folder (which
``open`` refuses). Each is refused now, before anything is written; ordinary saves of every
layer type still round-trip bit for bit (``nonlin._saved_shapes``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.layer_norm import LayerNormalization
from nonlin.normalization import BatchNorm
from nonlin.prelu import PReLU
from nonlin.preprocessing import Normalization

X = np.random.default_rng(0).normal(size=(16, 3))
Y = X @ np.array([[1.0, -1.0], [0.5, 2.0], [-1.0, 0.0]])


def _model(middle: Any, dtype: str = "float64") -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), middle, nonlin.Dense(2)]).build(
        3, seed=0, dtype=dtype)


def _saves_nothing(model: nonlin.Sequential, tmp_path: Any, match: str,
                   error: type[Exception] = ValueError) -> None:
    """``save`` refuses ``model`` with ``match``, the good file at the path left as it was."""
    path = tmp_path / "m.safetensors"
    nonlin.save(_model(nonlin.ReLU()), path)
    before = path.read_bytes()
    with pytest.raises(error, match=match):
        nonlin.save(model, path)
    assert path.read_bytes() == before


def _set(layer: int, name: str, value: Any) -> Callable[[nonlin.Sequential], None]:
    return lambda model: setattr(model.layers[layer], name, value)


# -- 1. a setting the shapes depend on, changed since build --------------------------------
SETTINGS = [  # (the middle layer, the change, what loading builds instead)
    (nonlin.ReLU(), _set(0, "units", 7), r"tensor '0\.W' of shape \(3, 7\)"),
    (nonlin.ReLU(), _set(2, "units", 3), r"tensor '2\.W' of shape \(4, 3\)"),
    (nonlin.ReLU(), _set(0, "bias", False), r"no tensor '0\.b'"),
    (PReLU(), _set(1, "shared", True), r"tensor '1\.alpha' of shape \(1,\)"),
    (PReLU(shared=True), _set(1, "shared", False), r"tensor '1\.alpha' of shape \(4,\)"),
    (LayerNormalization(), _set(1, "scale", False), r"no tensor '1\.gamma'"),
    (LayerNormalization(), _set(1, "center", False), r"no tensor '1\.beta'"),
    (LayerNormalization(scale=False), _set(1, "scale", True), r"tensor '1\.gamma' of shape"),
]


@pytest.mark.parametrize(("middle", "change", "built"), SETTINGS)
def test_a_setting_changed_since_build_that_the_shapes_depend_on_is_refused(
        tmp_path, middle, change, built) -> None:
    model = _model(middle)
    change(model)
    _saves_nothing(model, tmp_path, rf"Expected {built}.*, as loading builds .*Received")


def test_a_setting_back_as_built_saves_again(tmp_path) -> None:
    model = _model(nonlin.ReLU())
    model.layers[0].units = 7
    with pytest.raises(ValueError, match=r"layers\[0\] \(Dense\)"):
        nonlin.save(model, io.BytesIO())
    model.layers[0].units = 4
    nonlin.save(model, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").predict(X),
                                  model.predict(X))


def test_a_dense_given_a_bias_since_build_is_refused(tmp_path) -> None:
    model = nonlin.Sequential([nonlin.Dense(4, bias=False), nonlin.Dense(2)]).build(3, seed=0)
    model.layers[0].bias = True
    _saves_nothing(model, tmp_path, r"Expected tensor '0\.b' of shape \(4,\).*Received none")


# -- 2. state arrays replaced by hand ----------------------------------------------------
@pytest.mark.parametrize(("middle", "name", "value", "received"), [
    (BatchNorm(), "moving_mean", np.zeros(5), r"shape \(5,\), dtype float64"),
    (BatchNorm(), "moving_variance", np.ones(4, np.float32), r"shape \(4,\), dtype float32"),
    (BatchNorm(), "moving_mean", np.zeros((1, 4)), r"shape \(1, 4\)"),
])
def test_a_state_array_replaced_with_another_shape_or_dtype_is_refused(
        tmp_path, middle, name, value, received) -> None:
    model = _model(middle)
    setattr(model.layers[1], name, value)
    _saves_nothing(model, tmp_path, rf"Expected tensor '1\.{name}' of shape \(4,\) and dtype "
                                    rf"float64.*Received {received}")


def test_an_adapted_normalization_given_statistics_of_another_width_is_refused(tmp_path) -> None:
    norm = Normalization()
    norm.adapt(X)
    model = nonlin.Sequential([norm, nonlin.Dense(2)]).build(3, seed=0)
    norm.mean, norm.variance = np.zeros(4), np.ones(4)
    _saves_nothing(model, tmp_path, r"Expected tensor '0\.mean' of shape \(3,\).*Received "
                                    r"shape \(4,\)")


# -- 3. a parameter's arrays replaced ------------------------------------------------------
def test_a_parameter_made_again_in_place_with_another_shape_is_refused(tmp_path) -> None:
    """``Param.__init__`` again (value and grad of the new shape): the old check compared the
    value with the gradient, which had the new shape too."""
    model = _model(nonlin.ReLU())
    model.layers[2].W.__init__(np.zeros((4, 5)), "W")
    _saves_nothing(model, tmp_path, r"Expected tensor '2\.W' of shape \(4, 2\).*Received "
                                    r"shape \(4, 5\)")


def test_a_parameter_replaced_whole_is_still_refused(tmp_path) -> None:
    model = _model(nonlin.ReLU())
    model.layers[2].W = nonlin.core.Param(np.zeros((4, 5)), "W")
    _saves_nothing(model, tmp_path, "layers changed since it was built", RuntimeError)


# -- 4. one array in two places ------------------------------------------------------------
def test_one_array_in_two_layers_is_refused_naming_both(tmp_path) -> None:
    """Saved, it loaded as two arrays (untied): safetensors' save_file refuses it too."""
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Dense(3), nonlin.Dense(2)]).build(3,
                                                                                         seed=0)
    model.layers[1].W.value = model.layers[0].W.value
    _saves_nothing(model, tmp_path, r"Received tensors '0\.W' and '1\.W' sharing memory")


def test_part_of_an_array_shared_is_refused(tmp_path) -> None:
    model = _model(BatchNorm())
    model.layers[1].moving_mean = model.layers[0].W.value[0]  # a row of the weights, (4,)
    _saves_nothing(model, tmp_path, r"tensors '0\.W' and '1\.moving_mean' sharing memory")


def test_one_param_in_two_layers_is_refused(tmp_path) -> None:
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Dense(3), nonlin.Dense(2)]).build(3,
                                                                                         seed=0)
    model.layers[1].W = model.layers[0].W
    _saves_nothing(model, tmp_path, "layers changed since it was built", RuntimeError)


def test_interleaved_arrays_of_one_buffer_are_not_shared(tmp_path) -> None:
    """Bounds that overlap without a shared byte (every other column of one buffer)."""
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Dense(2)]).build(2, seed=0)
    both = np.arange(8.0).reshape(2, 4)
    model.layers[0].W.value, model.layers[1].W.value = both[:, ::2], both[:, 1::2]
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    for mine, theirs in zip(loaded.layers, model.layers, strict=True):
        np.testing.assert_array_equal(mine.W.value, theirs.W.value)
    # the same weights, contiguous here and strided there: NumPy 2.2 (Python 3.10's) multiplies
    # a strided matrix in another order than a contiguous one, so the last bits may differ
    contiguous = [np.ascontiguousarray(both[:, ::2]), np.ascontiguousarray(both[:, 1::2])]
    model.layers[0].W.value, model.layers[1].W.value = contiguous
    np.testing.assert_array_equal(loaded.predict(X[:, :2]), model.predict(X[:, :2]))


# -- 5. a path through a missing folder ------------------------------------------------------
@pytest.mark.parametrize("step", ["missing", "file.txt"])
def test_a_path_through_a_missing_folder_is_refused_as_open_refuses_it(tmp_path, step) -> None:
    (tmp_path / "file.txt").write_text("x")
    path = tmp_path / step / ".." / "m.safetensors"
    with pytest.raises(OSError) as opened:
        open(path, "wb")  # noqa: SIM115 (refused: nothing to close)
    with pytest.raises(type(opened.value), match="m.safetensors"):
        nonlin.save(_model(nonlin.ReLU()), path)
    assert not (tmp_path / "m.safetensors").exists()


# -- what still saves ----------------------------------------------------------------------
def _middles() -> list[Any]:
    """One of each registered layer, as the middle of Dense(4) ... Dense(2)."""
    made = {"Dense": lambda: nonlin.Dense(4, activation="tanh", l2=0.01),
            "Dropout": lambda: nonlin.Dropout(0.2), "AlphaDropout": lambda: registry.LAYERS[
                "AlphaDropout"](0.2), "GaussianDropout": lambda: registry.LAYERS[
                "GaussianDropout"](0.2), "GaussianNoise": lambda: registry.LAYERS[
                "GaussianNoise"](0.1), "Normalization": lambda: Normalization(
                mean=0.5, variance=2.0)}
    return [made.get(name, cls) for name, cls in sorted(registry.LAYERS.items())
            if name != "LayerNorm"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fitted", [False, True])
def test_every_layer_type_round_trips_bit_for_bit(tmp_path, dtype, fitted) -> None:
    for make in _middles():
        model = nonlin.Sequential([nonlin.Dense(4), make(), nonlin.Dense(2)])
        if fitted:
            model.fit(X.astype(dtype), Y.astype(dtype), epochs=2, batch_size=8, verbose=0,
                      loss="mse", optimizer="adam", seed=0)
        else:
            model.build(3, seed=0, dtype=dtype)
        data = nonlin.io.to_bytes(model)
        again = nonlin.load(io.BytesIO(data))
        for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
            assert a.dtype == b.dtype == dtype
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(again.predict(X), model.predict(X))
        assert nonlin.io.to_bytes(again) == data, type(model.layers[1]).__name__


def test_an_adapted_normalization_and_a_trained_batchnorm_round_trip(tmp_path) -> None:
    norm = Normalization()
    norm.adapt(X)
    model = nonlin.Sequential([norm, nonlin.Dense(4), BatchNorm(), nonlin.Dense(2)])
    model.fit(X, Y, epochs=3, batch_size=4, verbose=0, loss="mse", optimizer="sgd", seed=0)
    assert model.layers[2].moving_mean.any()  # trained statistics
    nonlin.save(model, tmp_path / "m.safetensors")
    again = nonlin.load(tmp_path / "m.safetensors")
    for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("change", [
    _set(0, "l2", 0.5), _set(0, "trainable", False), _set(0, "name", "first"),
    _set(0, "activation", "relu"), _set(1, "momentum", 0.5), _set(1, "epsilon", 0.01),
])
def test_a_setting_no_shape_depends_on_changed_since_build_saves(tmp_path, change) -> None:
    model = _model(BatchNorm())
    change(model)
    nonlin.save(model, tmp_path / "m.safetensors")
    again = nonlin.load(tmp_path / "m.safetensors")
    assert again.get_config() == model.get_config()
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_a_model_without_the_build_record_is_checked_by_building(tmp_path) -> None:
    """An unpickled model of an older nonlin has no ``_built_record``: save builds each
    layer from its config, as loading does, to compare."""
    model = _model(PReLU())
    del model.__dict__["_built_record"]
    nonlin.save(model, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").predict(X),
                                  model.predict(X))
    model.layers[1].shared = True
    _saves_nothing(model, tmp_path, r"'1\.alpha' of shape \(1,\)")


def test_estimators_save_and_load_as_before(tmp_path) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier, MLPRegressor, load

    labels = (X[:, 0] > 0).astype(int)
    for est, y in [(MLPClassifier((5,), batch_norm=True, max_iter=3, random_state=0), labels),
                   (MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0), Y)]:
        with pytest.warns(Warning):  # not converged in 3 iterations
            est.fit(X, y)
        est.save(tmp_path / "e.safetensors")
        np.testing.assert_array_equal(load(tmp_path / "e.safetensors").predict(X), est.predict(X))


class Wide(nonlin.core.Layer):
    """``y = x @ W``, ``W`` of width ``self.k``: an attribute its config does not hold."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.k = 2

    def build(self, in_features: int, rng: Any) -> int:
        self.W = nonlin.core.Param(rng.normal(size=(in_features, self.k)), "W")
        return self.k

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x @ self.W.value

    def parameters(self) -> list[Any]:
        return [self.W]


def test_a_layer_of_ones_own_built_from_more_than_its_config_is_refused(
        tmp_path, monkeypatch) -> None:
    """Its config rebuilds ``k = 2``; the model was built with 3: loading refused the file."""
    monkeypatch.setitem(registry.LAYERS, "Wide", Wide)
    wide = Wide()
    model = nonlin.Sequential([wide, nonlin.Dense(2)])
    model.build(3, seed=0)
    nonlin.save(model, tmp_path / "m.safetensors")  # k as the config rebuilds it
    wide.k = 3
    model.build(3, seed=0)
    _saves_nothing(model, tmp_path, r"Expected tensor '0\.W' of shape \(3, 2\).*Received shape "
                                    r"\(3, 3\)")


def test_only_a_changed_layer_or_one_of_ones_own_is_built_to_check(tmp_path, monkeypatch) -> None:
    """The large layer, unchanged and nonlin's, is compared with what build recorded: the
    save holds one copy of the weights at most, as before (tests/test_io_save_memory.py)."""
    import tracemalloc

    monkeypatch.setitem(registry.LAYERS, "Wide", Wide)
    model = nonlin.Sequential([nonlin.Dense(1000), nonlin.ReLU(), nonlin.Dense(24), Wide()])
    model.build(1000, seed=0)  # about 8.2 MB of float64 weights
    model.layers[2].l2 = 0.01  # a setting changed since build: that layer is built again
    size = sum(p.value.nbytes for p in model.parameters())
    nonlin.save(model, tmp_path / "m.safetensors")  # imports done before measuring
    tracemalloc.start()
    try:
        nonlin.save(model, tmp_path / "m.safetensors")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * size
