"""What a student's lab trips on (session 30's teacher review): a gradient check that names
the wrong array, and a decision boundary that refuses a logit instead of drawing it misplaced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin.core import Layer, Param


class WrongSquare(Layer):
    """y = x**2 with the student's mistake: dL/dx = g * x, the 2 forgotten."""

    _inputs = ("_x",)

    def forward(self, x, *, training=False):
        if training:
            self._x = x
        return x * x

    def backward(self, grad_out):
        return grad_out * self._x


class WrongScale(Layer):
    """y = x * w, with the mistake in the parameter's gradient: sum(g), not sum(g * x)."""

    _inputs = ("_x",)

    def build(self, n_in, rng):
        self.w = Param(np.linspace(0.5, 1.5, n_in), name="w")
        return n_in

    def parameters(self):
        return [self.w]

    def forward(self, x, *, training=False):
        if training:
            self._x = x
        return x * self.w.value

    def backward(self, grad_out):
        self.w.grad[...] = grad_out.sum(axis=0)
        return grad_out * self.w.value


def _errors(layer: Layer) -> dict[str, float]:
    model = nonlin.Sequential([nonlin.Dense(3), layer, nonlin.Dense(1)]).build(4, seed=0)
    X, y = np.random.default_rng(0).normal(size=(7, 4)), np.zeros((7, 1))
    errors = nonlin.gradcheck_errors(model, nonlin.MeanSquaredError(), X, y)
    assert nonlin.gradcheck(model, nonlin.MeanSquaredError(), X, y) == max(errors.values())
    return errors


def test_gradcheck_errors_name_the_arrays_a_wrong_input_gradient_reaches():
    errors = _errors(WrongSquare())
    assert list(errors) == ["dense.W", "dense.b", "dense_1.W", "dense_1.b", "input"]
    assert {name for name, error in errors.items() if error > 1e-3} == {
        "dense.W", "dense.b", "input"}  # below the wrong layer; dense_1, above it, is right
    assert errors["dense.W"] == pytest.approx(1 / 3, rel=1e-6)  # half the gradient: 1/3


def test_gradcheck_errors_name_a_wrong_parameter_gradient_alone():
    errors = _errors(WrongScale())
    assert list(errors) == ["dense.W", "dense.b", "wrong_scale.w", "dense_1.W", "dense_1.b",
                            "input"]
    assert {name for name, error in errors.items() if error > 1e-3} == {"wrong_scale.w"}


def test_gradcheck_errors_of_right_rules_are_small_without_the_input():
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(2),
                               nonlin.Softmax()]).build(3, seed=0)
    X = np.random.default_rng(1).normal(size=(5, 3))
    errors = nonlin.gradcheck_errors(model, "cross_entropy", X, np.arange(5) % 2,
                                     check_input=False)
    assert list(errors) == ["dense.W", "dense.b", "dense_1.W", "dense_1.b"]
    assert max(errors.values()) < 1e-6


def _logit_predict(points: np.ndarray) -> np.ndarray:
    return 3.0 * (points[:, :1] - 0.5)  # a from_logits model's one column: class 1 above 0


def test_a_decision_boundary_refuses_logits_it_would_cut_at_half(tmp_path: Path) -> None:
    # was: drawn with the boundary at logit 0.5, x1 = 0.67 instead of 0.5, silently
    pytest.importorskip("matplotlib")
    from nonlin import plots

    X = np.random.default_rng(0).uniform(-1, 2, size=(50, 2))
    y = (X[:, 0] > 0.5).astype(int)
    with pytest.raises(ValueError, match=r"probabilities of class 1 in \[0, 1\].*logits"):
        plots.plot_decision_boundary(_logit_predict, X, y, tmp_path / "b.png")
    assert not (tmp_path / "b.png").exists()
    with pytest.raises(ValueError, match=r"Received 2 .*classes of shape \(n,\)"):  # in a column
        plots.plot_decision_boundary(lambda p: np.full((len(p), 1), 2), X, y, tmp_path / "b.png")
    hinted = lambda points: (_logit_predict(points)[:, 0] > 0).astype(int)  # noqa: E731
    assert Path(plots.plot_decision_boundary(hinted, X, y, tmp_path / "b.png")).exists()


def test_a_decision_boundary_given_one_hot_labels_says_what_to_pass(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from nonlin import plots

    X = np.random.default_rng(0).normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=r"y\.argmax\(axis=1\)"):
        plots.plot_decision_boundary(lambda p: p, X, np.eye(2)[y], tmp_path / "b.png")


def test_cli_md_says_demo_draws_its_text_picture_without_plot_only(tmp_path, monkeypatch, capsys):
    # was: "prints ... for the 2-D sets, a text picture", which --plot replaces
    pytest.importorskip("matplotlib")
    from nonlin import cli

    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "moons", "--epochs", "1", "--quiet"]) == 0
    assert "what the network predicts" in capsys.readouterr().out
    assert cli.main(["demo", "moons", "--epochs", "1", "--quiet", "--plot", "m.png"]) == 0
    assert "what the network predicts" not in capsys.readouterr().out
    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = " ".join(page.split("## nonlin demo")[1].split("## nonlin xor")[0].split())
    assert "for the 2-D sets without `--plot`, a text picture" in section


class SummedBackward(Layer):
    """The identity, with the student's mistake: dL/dx summed over the batch."""

    def forward(self, x, *, training=False):
        return x

    def backward(self, grad_out):
        return grad_out.sum(axis=0)


def test_a_backward_returning_the_wrong_shape_is_blamed_on_the_layer_above():
    model = nonlin.Sequential([nonlin.Dense(3), SummedBackward(), nonlin.Dense(1)]).build(4, seed=0)
    X, y = np.random.default_rng(0).normal(size=(7, 4)), np.zeros((7, 1))
    with pytest.raises(ValueError, match=r"Received shape \(3,\) \(in a model: what the "
                                         r"backward of the layer above returned"):
        nonlin.gradcheck(model, "mse", X, y)


def test_one_hot_targets_for_a_sigmoid_output_say_what_to_do():
    X = np.random.default_rng(0).normal(size=(8, 2))
    y = np.eye(2)[np.arange(8) % 2]  # one-hot rows; the model has one sigmoid output
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1), nonlin.Sigmoid()])
    with pytest.raises(ValueError, match=r"Received shape \(8, 2\); for one-hot rows of 2 "
                                         r"classes use Dense\(2\) \+ Softmax\(\)"):
        model.fit(X, y, loss="binary_cross_entropy", optimizer="adam", epochs=1, seed=0,
                  verbose=0)
