"""Data larger than memory (session 31): a float64 memmap for a float32 model is converted
batch by batch in ``fit`` (its validation data chunk by chunk), never as a whole copy."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import nonlin


@pytest.fixture
def on_disk(tmp_path):
    """A read-only float64 memmap of 40,000 x 64 (20 MB), its labels, and its float32 copy."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40_000, 64))
    y = (X[:, :3].sum(axis=1) > 0).astype(np.int64)
    path = tmp_path / "X.npy"
    np.save(path, X)
    return np.load(path, mmap_mode="r"), y, X.astype(np.float32), path


def _model() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(16), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    return model.build(64, 0, dtype=np.float32)


def _peak(run) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("how", ["shuffle", "in order", "validation_split", "validation_data"])
def test_a_float64_memmap_trains_a_float32_model_batch_by_batch(on_disk, how):
    mapped, y, X32, path = on_disk
    before = path.read_bytes()
    run = dict(loss="cross_entropy", optimizer="adam", epochs=2, batch_size=128, verbose=0,
               shuffle=how != "in order", validation_split=0.2 * (how == "validation_split"))
    data = (mapped, y)
    memory = (X32, y)
    if how == "validation_data":
        data = (mapped[:30_000], y[:30_000])
        run["validation_data"] = (mapped[30_000:], y[30_000:])
        memory = (X32[:30_000], y[:30_000])
    _model().fit(X32[:256], y[:256], **{**run, "validation_data": None})  # imports, outside
    disk = _model()
    peak = _peak(lambda: disk.fit(*data, **run))
    assert peak < mapped.nbytes / 10  # a float32 copy would be mapped.nbytes / 2
    in_memory = _model()
    if how == "validation_data":
        run["validation_data"] = (X32[30_000:], y[30_000:])
    history = in_memory.fit(*memory, **run)
    for a, b in zip(disk.get_weights(), in_memory.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # bit for bit as on the converted copy
    assert disk.history.history == history.history
    assert path.read_bytes() == before  # the file is never written


def test_a_value_beyond_float32_is_refused_naming_its_row_as_before(tmp_path):
    X = np.zeros((5000, 8))
    X[4321, 5] = 1e300
    path = tmp_path / "X.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    y = np.arange(5000) % 2
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(8, 0, dtype="float32")
    message = ("Expected values within float32's range for this float32 model. "
               "Received x[4321, 5]=1e+300")
    for data in (mapped, X):  # on disk (checked by blocks) or in memory: the same words
        with pytest.raises(ValueError) as info:
            model.fit(data, y, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0)
        assert str(info.value) == message
    with pytest.raises(ValueError, match=r"Received X_val\[4321, 5\]=1e\+300"):
        model.fit(X[:10] * 0, y[:10], validation_data=(mapped, y), loss="cross_entropy",
                  optimizer="sgd", epochs=1, verbose=0)


def test_only_large_or_mapped_float64_for_float32_is_left_as_it_is(on_disk):
    from nonlin import _batch_dtype

    mapped, _, X32, _ = on_disk
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    assert _batch_dtype.by_batch(mapped, f32)
    assert _batch_dtype.by_batch(mapped[100:], f32)  # a view of the map
    assert not _batch_dtype.by_batch(mapped, f64)  # nothing to convert
    assert not _batch_dtype.by_batch(np.asfortranarray(mapped[:50]), f32)
    assert not _batch_dtype.by_batch(np.asarray(mapped[:50]) + 0, f32)  # small, in memory
    assert not _batch_dtype.by_batch(X32, f64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalization_adapts_to_a_memmap_without_a_temporary_its_size(tmp_path, dtype):
    rng = np.random.default_rng(2)
    X = (rng.normal(size=(80_000, 50)) * rng.uniform(0.1, 1e3, 50) + 7).astype(dtype)
    path = tmp_path / "X.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    nonlin.Normalization().adapt(X[:10])  # imports, outside the count
    layer = nonlin.Normalization()
    peak = _peak(lambda: layer.adapt(mapped))
    assert peak < X.size * 8 / 4  # np.var's float64 temporary: X.size * 8 bytes (32 MB)
    np.testing.assert_array_equal(layer.mean, X.mean(axis=0, dtype=np.float64))
    np.testing.assert_array_equal(layer.variance, X.var(axis=0, dtype=np.float64))  # its bits


@pytest.mark.parametrize("shape", [(1, 3), (5, 2), (70_001, 3), (3000, 700), (50_000, 1)])
def test_blockwise_variance_is_np_var_bit_for_bit(shape):
    rng = np.random.default_rng(3)
    X = rng.normal(size=shape) * rng.uniform(1e-3, 1e4, shape[1]) - 50
    for arr in (X, X.astype(np.float32), np.asfortranarray(X)):
        mean = arr.mean(axis=0, dtype=np.float64)
        layer = nonlin.Normalization()
        layer.adapt(arr)
        np.testing.assert_array_equal(layer.variance, arr.var(axis=0, dtype=np.float64))
        np.testing.assert_array_equal(layer.mean, mean)
