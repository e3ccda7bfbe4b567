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


class _KerasHistory:  # keras.callbacks.History's fields: every epoch, val_ at validated ones
    def __init__(self, epoch: list[int], history: dict[str, list[float]]) -> None:
        self.epoch, self.history = epoch, history


def test_plot_history_draws_keras_shorter_val_lists_at_their_epochs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # before: a Keras History's val_loss of fit(validation_freq=2) (epochs 2 and 4) was drawn
    # at epochs 1 and 2
    pytest.importorskip("matplotlib")
    from nonlin import plots

    figures: list = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or str(path))
    keras_dict = {"loss": [5.0, 4.0, 3.0, 2.0, 1.0], "val_loss": [4.5, 2.5],
                  "accuracy": [0.1, 0.2, 0.3, 0.4, 0.5], "val_accuracy": [0.2, 0.4]}
    plots.plot_history(keras_dict, tmp_path / "h.png", validation_freq=2)
    for ax in figures[0].axes:
        train, val = ax.lines
        assert train.get_xdata().tolist() == [1, 2, 3, 4, 5]
        assert val.get_xdata().tolist() == [2, 4]
    assert figures[0].axes[0].lines[1].get_ydata().tolist() == [4.5, 2.5]
    # a run from initial_epoch=5 validates the absolute epochs 6 and 9 (Keras' _should_eval)
    resumed = _KerasHistory([5, 6, 7, 8, 9], {"loss": [1.0] * 5, "val_loss": [0.5, 0.4]})
    plots.plot_history(resumed, tmp_path / "r.png", validation_freq=3)
    assert figures[1].axes[0].lines[1].get_xdata().tolist() == [6, 9]
    # nonlin's own History: NaN on epochs not validated, drawn as before
    plots.plot_history({"loss": [3.0, 2.0, 1.0], "val_loss": [float("nan"), 2.5, float("nan")]},
                       tmp_path / "n.png")
    assert figures[2].axes[0].lines[1].get_xdata().tolist() == [2]
    with pytest.raises(ValueError, match=r"Expected val_loss with one value per epoch \(5, as "
                                         r"loss.*validation_freq=k.*Received 2 values for 5"):
        plots.plot_history(keras_dict, tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"Expected val_loss with one value per epoch validated "
                                         r"with validation_freq=3 of the 5 epochs \(\[3\]\)\. "
                                         r"Received 2 values"):
        plots.plot_history(keras_dict, tmp_path / "x.png", validation_freq=3)
    with pytest.raises(ValueError, match=r"Received: validation_freq=0"):
        plots.plot_history(keras_dict, tmp_path / "x.png", validation_freq=0)
    assert len(figures) == 3 and not (tmp_path / "x.png").exists()


def test_a_backward_zeroing_with_times_zero_is_told_how_to_write_its_gradient() -> None:
    # grad *= 0 keeps the mark's NaN (as it would a diverged step's), so it is refused as
    # "added to"; the message now says how to write it, and that way trains
    import nonlin
    from nonlin.core import Layer, Param

    class Scale(Layer):
        def __init__(self, zeroing: str = "times") -> None:
            super().__init__()
            self.zeroing = zeroing

        def build(self, in_features: int, rng: object) -> int:
            self.a = Param(np.full(in_features, 0.5), "a")
            return in_features

        def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
            self._x = x
            return x * self.a.value

        def backward(self, grad_out: np.ndarray) -> np.ndarray:
            if self.zeroing == "times":
                self.a.grad *= 0
            else:
                self.a.grad.fill(0)
            self.a.grad += (grad_out * self._x).sum(axis=0)
            return grad_out * self.a.value

        def parameters(self) -> list[Param]:
            return [self.a]

    X = np.random.default_rng(0).normal(size=(8, 2))
    y = X @ np.array([[1.0], [-1.0]])
    model = nonlin.Sequential([Scale(), nonlin.Dense(1)])
    with pytest.raises(RuntimeError, match=r"np\.copyto\(param\.grad, dL_dparam\).*start from "
                                           r"param\.grad\.fill\(0\) \(param\.grad \*= 0 keeps"):
        model.fit(X, y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)
    model = nonlin.Sequential([Scale("fill"), nonlin.Dense(1)])
    model.fit(X, y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)


def test_the_layer_cache_tables_do_not_keep_a_layer_class_alive() -> None:
    # before: _layer_caches' per-class tables held each class strongly: a layer class made in a
    # loop or a test was never freed
    import copy
    import gc
    import weakref

    from nonlin._layer_caches import _INPUTS, _NAMES, release
    from nonlin.core import Layer

    class Passing(Layer):
        _inputs = ("_x",)

        def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
            self._x = x
            return x

    layer = Passing()
    layer.forward(np.ones((2, 2)), training=True)
    assert copy.copy(layer)._x is None  # state_without_caches: the table of cache names
    release([layer])  # the table of input caches
    assert Passing in _NAMES and Passing in _INPUTS
    gone = weakref.ref(Passing)
    del Passing, layer
    gc.collect()
    assert gone() is None
