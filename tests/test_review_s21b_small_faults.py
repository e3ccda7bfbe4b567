"""Small faults today's reviewers left (session 21, left21b): a huge int in a message,
IoU's num_classes checked first, a bool threshold, EMA settings set late, the abstract
Initializer, 0-d arrays as numbers, a loaded custom init, ``Dense.use_bias``."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import nonlin
from nonlin import metrics
from nonlin._quoting import quoted
from nonlin.core import Param
from nonlin.initializers_keras import Constant, Initializer
from nonlin.layers import Dense
from nonlin.losses import BinaryCrossEntropy
from nonlin.optimizers import SGD
from nonlin.schedules import CosineDecay
from nonlin.sequential import Sequential

HUGE = 10**5000  # over Python's 4300-digit int-to-str limit
GUIDE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "guide.md"


def test_quoted_shows_an_int_too_long_to_write_by_its_digits() -> None:
    assert quoted(HUGE) == "<int of 5001 digits>"
    assert quoted(HUGE - 1) == "<int of 5000 digits>"
    assert quoted(-(10**4300)) == "<negative int of 4301 digits>"
    assert quoted(10**4299).endswith("... (4300 characters)")  # still written out
    assert quoted([HUGE]).startswith("<list")


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: Dense(-HUGE), ValueError, r"Received: units=<negative int of 5001 digits>"),
    (lambda: Dense(3, init=HUGE), TypeError, r"Received: init=<int of 5001 digits>"),
    (lambda: CosineDecay(0.1, -HUGE), ValueError,
     r"Received: decay_steps=<negative int of 5001 digits>"),
])
def test_refusals_of_a_huge_int_name_it(make, error, message) -> None:
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("make", [
    lambda: metrics.MeanIoU(10**12), lambda: metrics.OneHotMeanIoU(10**12),
    lambda: metrics.IoU(10**12, [0]), lambda: metrics.OneHotIoU(10**12, [0]),
    lambda: metrics.MeanIoU(20_000),  # a 3.2 GB confusion matrix
])
def test_iou_refuses_num_classes_too_large_at_once(make) -> None:
    with pytest.raises(ValueError, match=r"num_classes in \[1, 4096\] .*Received: num_classes="):
        make()


def test_iou_refuses_a_long_range_of_targets_without_listing_it() -> None:
    with pytest.raises(ValueError, match=r"Received: target_class_ids=range\(0, 1000000000000\)"):
        metrics.IoU(10, range(10**12))
    assert metrics.IoU(4, range(2)).target_class_ids == [0, 1]
    assert metrics.MeanIoU(4096).num_classes == 4096


@pytest.mark.parametrize(("make", "shown"), [
    (lambda: metrics.Precision(thresholds=True), "thresholds=True"),
    (lambda: metrics.Recall(thresholds=[np.True_]), r"thresholds=\[np.True_\]"),
    (lambda: metrics.TruePositives(thresholds=(False,)), r"thresholds=\(False,\)"),
    (lambda: metrics.FalseNegatives(thresholds=True), "thresholds=True"),
    (lambda: metrics.F1Score(threshold=True), "threshold=True"),
])
def test_a_bool_threshold_is_refused_as_no_threshold(make, shown) -> None:
    with pytest.raises(ValueError, match=r"a bool is not a threshold\. Received: " + shown):
        make()


def _ema_step(**settings) -> tuple[SGD, Param]:
    param = Param(np.ones(3))
    param.grad = np.ones(3)
    optimizer = SGD(0.1, use_ema=True)
    for name, value in settings.items():
        setattr(optimizer, name, value)
    return optimizer, param


@pytest.mark.parametrize(("name", "value"), [
    ("ema_momentum", 1.5), ("ema_momentum", float("nan")), ("ema_momentum", "0.5"),
    ("ema_overwrite_frequency", -3), ("ema_overwrite_frequency", 2.5),
])
def test_ema_settings_set_late_are_checked_before_the_step(name, value) -> None:
    optimizer, param = _ema_step(**{name: value})
    with pytest.raises(ValueError, match=rf"Expected {name}.*Received: {name}="):
        optimizer.step([param])
    assert np.array_equal(param.value, np.ones(3)) and optimizer.iterations == 0


def test_ema_settings_set_late_are_stored_as_the_constructor_stores_them() -> None:
    late, param = _ema_step(ema_momentum=np.float32(0.5), ema_overwrite_frequency=np.int64(2))
    made = SGD(0.1, use_ema=True, ema_momentum=np.float32(0.5), ema_overwrite_frequency=2)
    other = Param(np.ones(3))
    other.grad = np.ones(3)
    for _ in range(3):
        late.step([param])
        made.step([other])
    assert type(late.ema_momentum) is float and type(late.ema_overwrite_frequency) is int
    assert np.array_equal(late._slots["average"][0], made._slots["average"][0])
    zero, _ = _ema_step(ema_overwrite_frequency=0)
    param = Param(np.ones(3))
    param.grad = np.ones(3)
    zero.step([param])
    assert zero.ema_overwrite_frequency is None  # 0: never, as the constructor takes it


class _NoCall(Initializer):
    pass


@pytest.mark.parametrize("init", [Initializer, Initializer(), _NoCall])
def test_dense_refuses_the_abstract_initializer_when_made(init) -> None:
    with pytest.raises(TypeError, match=r"Received: init=.*abstract Initializer's"):
        Dense(3, init=init)


def test_zero_d_arrays_are_their_number() -> None:
    assert Constant(np.array(2.0)).get_config() == {"value": 2.0}
    weights = Constant(np.array(2.0))(np.random.default_rng(0), 2, 3)
    assert np.array_equal(weights, np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match=r"Received: value=array\(True\)"):
        Constant(np.array(True))
    assert BinaryCrossEntropy(pos_weight=np.array(3.0)).get_config() == \
        BinaryCrossEntropy(pos_weight=3.0).get_config()
    with pytest.raises(ValueError, match=r"Received: pos_weight=array\(-1\.\)"):
        BinaryCrossEntropy(pos_weight=np.array(-1.0))


def _halves(rng, fan_in: int, fan_out: int) -> np.ndarray:
    return np.full((fan_in, fan_out), 0.5)


def test_a_loaded_custom_init_is_as_the_guide_says(tmp_path) -> None:
    model = Sequential([Dense(2, init=_halves)])
    model.build(3, seed=0)
    model.save(tmp_path / "m.safetensors")
    layer = nonlin.load(tmp_path / "m.safetensors").layers[0]
    assert np.array_equal(layer.W.value, np.full((3, 2), 0.5))  # the file's weights
    assert layer.init is nonlin.initializers.glorot_uniform
    assert layer.get_config()["init"] == "custom:_halves"
    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    assert "`init` attribute is then `glorot_uniform` while its config still records" in text


def test_dense_use_bias_reads_bias() -> None:
    assert Dense(3).use_bias is True and Dense(3, bias=False).use_bias is False
    assert Dense(3, use_bias=False).use_bias is False
    layer = Dense(3)
    with pytest.raises(AttributeError, match=r"given at construction.*Received: use_bias=False"):
        layer.use_bias = False
    assert layer.bias is True
