"""Session 25: ``Normalization`` layers given scalar statistics (``mean=0.0``) are bounded
together by what their ``build`` makes, not by one layer's width.

Each makes a float64 mean and variance per feature from its config, backed by no tensor.
Their features together were held to ``max(values in the file, 65536)``: two of them on one
input of 40,000 features, followed by ``Dense(1)``, were refused by ``save`` (and a file of
them by ``load``). Now all may have ``max(values in the file, 2**23)`` features (128 MiB),
which still refuses 10,000 of them on 65536 features (10 GiB) before any is built.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import nonlin
from io_helpers import refused_load
from nonlin._header import Header, ModelFileError
from nonlin._widths import check_widths
from nonlin.io import to_bytes


def _scaled(n: int, width: int) -> nonlin.Sequential:
    layers = [nonlin.Normalization(mean=0.5, variance=4.0) for _ in range(n)]
    return nonlin.Sequential([*layers, nonlin.Dense(1)]).build(width, seed=0)


def test_two_scalar_normalizations_on_a_wide_input_save_and_load() -> None:
    model = _scaled(2, 40_000)
    buffer = io.BytesIO()
    nonlin.save(model, buffer)  # refused before: 80,000 features of fixed statistics
    buffer.seek(0)
    loaded = nonlin.load(buffer)
    x = np.random.default_rng(0).normal(size=(3, 40_000))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def _hostile(n: int, width: int) -> bytes:
    """A file of ``n`` such layers on ``width`` features and no tensor."""
    base = to_bytes(nonlin.Sequential([nonlin.Normalization(mean=0.0, variance=1.0)])
                    .build(width))
    k = int.from_bytes(base[:8], "little")
    header = json.loads(base[8:8 + k])
    architecture = json.loads(header["__metadata__"]["architecture"])
    architecture["layers"] *= n
    header["__metadata__"]["architecture"] = json.dumps(architecture)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return len(raw).to_bytes(8, "little") + raw + base[8 + k:]


def test_ten_thousand_of_them_are_refused_before_any_is_built() -> None:
    data = _hostile(10_000, 65536)  # 1.2 MB naming 10 GiB of statistics
    error, peak = refused_load(data)
    assert peak < 64 * 2**20, peak
    assert error.field == "architecture.layers[128]"
    assert ("the fixed statistics of 65536 features are more than the file holds (8,454,144 "
            "features with those before it, where all may have at most 8,388,608: the file's "
            "0 values, or 8,388,608)") in str(error)


@pytest.mark.parametrize("n, refused", [(128, None), (129, "architecture.layers[128]")])
def test_the_bound_is_on_all_of_them_together(n: int, refused: str | None) -> None:
    from nonlin._widths import FIXED_FEATURES

    layers = [nonlin.Normalization(mean=0.0, variance=1.0) for _ in range(n)]  # unbuilt
    assert n * 65536 - FIXED_FEATURES in (0, 65536)
    if refused is None:
        assert check_widths(layers, 65536, Header({}, {}, 0), "f") == 65536
    else:
        with pytest.raises(ModelFileError) as info:
            check_widths(layers, 65536, Header({}, {}, 0), "f")
        assert info.value.field == refused
