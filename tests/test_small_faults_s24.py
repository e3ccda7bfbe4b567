"""Session 24's small faults: each test failed on the code before its fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin.optimizers as opt


def test_ema_overwrite_frequency_message_names_the_range_it_accepts() -> None:
    # 0 is accepted (Keras 3 takes it as "never"), so the message may not say ">= 1"
    assert opt.SGD(use_ema=True, ema_overwrite_frequency=0).ema_overwrite_frequency is None
    with pytest.raises(ValueError) as info:
        opt.SGD(use_ema=True, ema_overwrite_frequency=-1)
    assert str(info.value) == ("Expected ema_overwrite_frequency, an integer >= 0 or None "
                               "(0 or None: never overwrite). "
                               "Received: ema_overwrite_frequency=-1")


def test_cli_class_weight_beyond_float32_names_its_class_and_value(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # fit's message named the weight by its class index: "Received class_weight[1]=1e+39"
    from nonlin.cli import main

    data = tmp_path / "d.csv"
    data.write_text("x,y\n0.1,yes\n0.5,no\n0.9,yes\n0.2,no\n", encoding="utf-8")
    code = main(["train", str(data), "--target", "y", "--class-weight", "yes=1e39,no=1",
                 "--epochs", "1", "--quiet", "--out", str(tmp_path / "m.safetensors")])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "m.safetensors").exists()
    assert "--class-weight: class 'yes' weighs 1e+39, beyond float32's range" in err
    assert "class_weight[" not in err


@pytest.mark.parametrize("name", ["MeanSquaredLogarithmicError", "Hinge", "KLDivergence",
                                  "CategoricalCrossentropy", "MeanSquaredError",
                                  "MeanAbsoluteError", "MeanAbsolutePercentageError"])
def test_loss_like_metrics_name_the_expected_target_shapes_once(name: str) -> None:
    # before: "Expected y_true of shape (3,), (3, 1) or (3, 1) ..." (the column twice), and
    # the regression metrics raised numpy's broadcasting error
    import nonlin.metrics

    metric = getattr(nonlin.metrics, name)()
    y_pred = np.full((3, 1), 0.5)
    for call in (metric, metric.update_state):
        with pytest.raises(ValueError) as info:
            call(np.zeros((3, 2)), y_pred)
        assert str(info.value) == ("Expected y_true of shape (3,) or (3, 1) for y_pred of "
                                   "shape (3, 1). Received shape (3, 2)")
    with pytest.raises(ValueError, match=r"^Expected y_true of shape \(3,\), \(3, 1\) or "
                                         r"\(3, 3\) for y_pred of shape \(3, 3\)\. "
                                         r"Received shape \(3, 2\)$"):
        metric(np.zeros((3, 2)), np.full((3, 3), 0.2))


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("trainable", [True, False])
def test_dense_backward_refuses_a_list_as_forward_does(activation: str | None,
                                                      trainable: bool) -> None:
    # before: a trainable Dense's backward took a list (NumPy converted it), where forward
    # and every other layer's backward refuse anything but an array
    import nonlin

    dense = nonlin.Dense(2, activation=activation)
    dense.build(3, np.random.default_rng(0))
    dense.trainable = trainable
    dense.forward(np.ones((2, 3)), training=True)
    with pytest.raises(TypeError, match=r"^Expected grad_out, dL/dy, as a NumPy array of shape "
                                        r"\(2, 2\) for Dense.backward. Received: list$"):
        dense.backward([[1.0, 2.0], [3.0, 4.0]])
    assert not dense.W.grad.any()
    dense.backward(np.ones((2, 2)))  # an array is taken as before
