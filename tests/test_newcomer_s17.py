"""Session 17, three newcomers: a PyTorch user porting a hand-written loop, a Kaggle-style
pandas user on the command line, and a teacher with the tutorial. What each met now says
what to do:

- ``Adam(model.parameters(), lr=0.01)``, PyTorch's construction, says that ``step`` takes
  the parameters (Python said only "got multiple values for argument 'lr'", and
  ``learning_rate=`` dropped the list without a word);
- ``model.zero_grad()``, ``train()``, ``eval()``, ``state_dict()``, ``load_state_dict()``,
  ``named_parameters()``, ``to()``, ``optimizer.zero_grad()``, ``optimizer.param_groups`` and
  ``nonlin.manual_seed`` keep their ``AttributeError``, with nonlin's way added;
- an empty or NA feature cell read with ``--missing error`` (``evaluate`` after
  ``train --missing mean``) names ``--missing drop`` and ``--missing mean``, and a text cell
  (a category column) says to leave the column out (``--exclude``) or encode it;
- one sample given to ``forward`` or ``model(x)`` as a 1-D array says ``x.reshape(1, -1)``;
- a custom layer's ``backward`` that returns None is named as such, not as NumPy's
  "Cannot cast ufunc 'multiply' output from dtype('O')" from the ``Dense`` below it;
- a custom layer's ``forward(self, x)`` without ``training=`` is named at build, with the
  protocol's signature, not by Python's "unexpected keyword argument" at the first pass;
- a custom layer holding a ``Param`` that its ``parameters()`` leaves out (``Layer``'s
  default lists none) warns at build: nothing would train it, and gradcheck passed;
- ``gradcheck`` given a lone layer shows how to wrap it in a ``Sequential``;
- the guide names the plotting functions a teacher looks for (``nonlin.plots``).
"""

from __future__ import annotations

import copy
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli
from nonlin.core import Layer, Param
from nonlin.tabular import CSVError, read_csv

ROOT = Path(__file__).resolve().parents[1]


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2),
                              nonlin.Softmax()]).build(3, seed=0)


@pytest.mark.parametrize("optimizer", [nonlin.SGD, nonlin.Adam, nonlin.AdamW, nonlin.RMSprop])
@pytest.mark.parametrize("keyword", ["lr", "learning_rate"])
def test_pytorch_construction_with_the_rate_by_name_says_step_takes_the_parameters(
    optimizer: type, keyword: str
) -> None:
    params = _model().parameters()
    with pytest.raises(TypeError) as error:
        optimizer(params, **{keyword: 0.01})
    message = str(error.value)
    assert message.startswith("Expected a learning rate first, not the parameters")
    assert "opt.step(model.parameters())" in message
    assert f"{optimizer.__name__}(lr=...)" in message


def test_optimizers_are_still_made_copied_and_pickled_as_before() -> None:
    adam = nonlin.Adam(lr=0.01, clipnorm=1.0)
    assert nonlin.SGD(0.1, 0.9).momentum == 0.9 and adam.lr == 0.01
    assert repr(copy.deepcopy(adam)) == repr(adam) == repr(pickle.loads(pickle.dumps(adam)))


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("zero_grad", "nonlin needs none: backward replaces each Param.grad"),
        ("train", "model.forward(X, training=True)"),
        ("eval", "model.predict(X)"),
        ("state_dict", "model.get_weights()"),
        ("load_state_dict", "model.set_weights(weights)"),
        ("named_parameters", "model.parameters() gives the trainable Params"),
        ("to", "dtype=np.float32"),
        ("cuda", "NumPy on the CPU"),
    ],
)
def test_pytorch_model_habits_say_nonlin_s_way(name: str, fragment: str) -> None:
    model = _model()
    with pytest.raises(AttributeError) as error:
        getattr(model, name)()
    message = str(error.value)
    assert message.startswith(f"'Sequential' object has no attribute {name!r}; ")
    assert fragment in message
    assert not hasattr(model, name) and getattr(model, name, None) is None


@pytest.mark.parametrize(("name", "fragment"), [
    ("zero_grad", "backward replaces each Param.grad"),
    ("param_groups", "optimizer.step(model.parameters())"),
])
def test_pytorch_optimizer_habits_say_nonlin_s_way(name: str, fragment: str) -> None:
    with pytest.raises(AttributeError, match=re.escape(fragment)):
        getattr(nonlin.Adam(), name)
    assert not hasattr(nonlin.SGD(), name)


def test_other_missing_names_keep_python_s_message() -> None:
    with pytest.raises(AttributeError) as error:
        _model().no_such_thing  # noqa: B018
    assert str(error.value) == "'Sequential' object has no attribute 'no_such_thing'"
    model = copy.deepcopy(_model())  # copies and pickles find no hook by mistake
    assert pickle.loads(pickle.dumps(model)).get_config() == model.get_config()


@pytest.mark.parametrize(("name", "fragment"), [
    ("manual_seed", "nonlin reads no global random state: seed each"),
    ("seed", "nonlin reads no global random state: seed each"),
    ("no_grad", "cache nothing for backward"),
    ("clip_grad_norm_", "clipnorm=1.0"),
])
def test_torch_module_habits_say_nonlin_s_way(name: str, fragment: str) -> None:
    with pytest.raises(AttributeError, match=re.escape(fragment)):
        getattr(nonlin, name)
    with pytest.raises(AttributeError, match=r"^module 'nonlin' has no attribute 'nope'$"):
        nonlin.nope  # noqa: B018


@pytest.mark.parametrize("cell", ["", "NA", "nan"])
def test_a_missing_feature_cell_names_the_missing_option(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"a,b,y\n1,2,0\n3,{cell},1\n")
    with pytest.raises(CSVError) as error:
        read_csv(path, target="y")
    assert str(error.value).endswith(
        f"line 3, column 'b': expected a {'finite ' if cell == 'nan' else ''}number, received "
        f"{cell!r} (a missing value: missing='drop' leaves its row out, missing='mean' fills it)")


def test_a_text_feature_cell_says_leave_the_column_out_or_encode_it(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,2,0\n3,red,1\n4,1.2.3,0\n")
    with pytest.raises(CSVError) as error:
        read_csv(path, target="y")
    assert str(error.value).endswith("column 'b': expected a number, received 'red' (text: "
                                     "leave the column out of the features or encode its text "
                                     "as numbers)")
    path.write_text("a,b,y\n1,2,0\n4,1.2.3,0\n")  # no letter: a number mistyped, no hint
    with pytest.raises(CSVError, match=r"received '1\.2\.3'$"):
        read_csv(path, target="y")


def test_train_on_a_category_column_says_exclude_it_or_encode_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"{i},{'paris' if i % 2 else 'lyon'},{i % 2}\n" for i in range(12))
    (tmp_path / "d.csv").write_text("a,city,y\n" + rows)
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--quiet",
                     "-o", str(tmp_path / "m.safetensors")]) == 2
    assert capsys.readouterr().err.rstrip().endswith(
        "line 2, column 'city': expected a number, received 'lyon' (text: one-hot encode it "
        "(--categorical city), leave it out (--exclude, or --columns without it) or encode its "
        "text as numbers)")


def test_evaluate_after_training_with_missing_mean_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"{'' if i == 3 else i},{i % 3},{i % 2}\n" for i in range(12))
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows)
    model = str(tmp_path / "m.safetensors")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1",
                     "--missing", "mean", "--quiet", "-o", model]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", model, str(tmp_path / "d.csv")]) == 2
    assert capsys.readouterr().err.rstrip().endswith(
        "line 5, column 'a': expected a number, received '' "
        "(a missing value: --missing drop leaves its row out, --missing mean fills it)")


PLOTS = ("plot_error_curve", "plot_history", "plot_decision_boundary", "plot_confusion_matrix")


def test_the_guide_shows_each_plot_function() -> None:
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    assert "## Plots" in guide
    for name in PLOTS:
        assert f"plots.{name}(" in guide, name
    assert "no `model.train()`" in guide and "no `state_dict()`" in guide


def test_the_guide_s_plots_block_writes_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    page = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    found = re.findall(r"(<!-- not run[^>]*-->\s*\n)?```python\n(.*?)```", page, re.S)
    namespace: dict = {"__name__": "docs_guide"}
    for index, (skip, code) in enumerate(found):
        if not skip:
            exec(compile(code, f"docs/guide.md block {index}", "exec"), namespace)  # noqa: S102
    for name in ("xor-error.png", "curves.png", "boundary.png", "confusion.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG"), name
    assert namespace["xor_run"].errors.shape == (2000,)


class _NoReturn(Layer):
    """A student's tanh whose backward forgets its ``return``."""

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self._x = x
        return np.tanh(x)

    def backward(self, grad_out: np.ndarray) -> None:
        grad_out * (1 - np.tanh(self._x) ** 2)  # noqa: B018


@pytest.mark.parametrize("below", [nonlin.Dense, nonlin.Tanh, nonlin.BatchNorm])
def test_a_backward_returning_none_is_named_not_a_numpy_casting_error(below: type) -> None:
    model = nonlin.Sequential([nonlin.Dense(3), below(3) if below is nonlin.Dense else below(),
                               _NoReturn(), nonlin.Dense(1)]).build(4, seed=0)
    X, y = np.ones((5, 4)), np.zeros((5, 1))
    with pytest.raises(TypeError) as error:
        nonlin.gradcheck(model, nonlin.MeanSquaredError(), X, y)
    message = str(error.value)
    assert message.startswith(f"Expected grad_out, dL/dy, as a NumPy array of shape (5, 3) for "
                              f"{below.__name__}.backward. Received: None (in a model: ")
    assert "must return dL/dx" in message


class _NoTraining(Layer):
    """A student's square whose forward leaves out ``training``."""

    def forward(self, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        self._x = x
        return x * x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * 2 * self._x


class _AnyKeywords(_NoTraining):
    def forward(self, x: np.ndarray, **kwargs: object) -> np.ndarray:  # type: ignore[override]
        return super().forward(x)


def test_a_forward_without_training_is_named_at_build() -> None:
    model = nonlin.Sequential([nonlin.Dense(3), _NoTraining(), nonlin.Dense(1)])
    with pytest.raises(TypeError) as error:
        model.build(4, seed=0)
    assert str(error.value) == (
        "Expected layers[1].forward to take training= (the layer protocol: forward(self, x, *, "
        "training=False); fit passes True, predict False). Received _NoTraining.forward(x)")
    taking = nonlin.Sequential([nonlin.Dense(3), _AnyKeywords(), nonlin.Dense(1)]).build(4, seed=0)
    X, y = np.ones((5, 4)), np.zeros((5, 1))
    assert nonlin.gradcheck(taking, nonlin.MeanSquaredError(), X, y) < 1e-6


def test_one_sample_as_a_1d_array_to_forward_says_reshape() -> None:
    model = _model()
    for call in (lambda: model.forward(np.ones(3), training=True), lambda: model(np.ones(3))):
        with pytest.raises(ValueError, match=r"shape \(3,\); one sample is x\.reshape\(1, -1\)$"):
            call()
    with pytest.raises(ValueError, match=r"Received an array of shape \(4,\)$"):  # no sample
        model.forward(np.ones(4))


class _Scale(Layer):
    """A student's learned per-feature scale, ``y = s * x``."""

    def build(self, in_features: int, rng: object) -> int:
        self.s = Param(np.ones(in_features), "s")
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self._x = x
        return x * self.s.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.s.grad[...] = (grad_out * self._x).sum(axis=0)
        return grad_out * self.s.value


class _ListedScale(_Scale):
    def parameters(self) -> list[Param]:
        return [self.s]


def test_a_param_left_out_of_parameters_warns_at_build() -> None:
    with pytest.warns(UserWarning, match=r"^layers\[1\] \(_Scale\) holds the Param s that its "
                      r"parameters\(\) leaves out, so nothing trains it") as caught:
        nonlin.Sequential([nonlin.Dense(3), _Scale(), nonlin.Dense(1)]).build(4, seed=0)
    assert caught[0].filename == __file__  # the user's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        listed = nonlin.Sequential([nonlin.Dense(3), _ListedScale(), nonlin.Dense(1)])
        listed.build(4, seed=0)
        frozen = _model()
        frozen.layers[0].trainable = False
        frozen.build(3, seed=0)  # a frozen layer still lists its Params
    assert len(listed.parameters()) == 5


def test_gradcheck_given_a_lone_layer_says_wrap_it_in_a_model() -> None:
    X, y = np.ones((3, 4)), np.zeros((3, 4))
    with pytest.raises(TypeError, match=r"Received: model=_ListedScale\(\); check a layer alone "
                       r"inside a model: gradcheck\(nonlin\.Sequential\(\[layer\]\)"):
        nonlin.gradcheck(_ListedScale(), nonlin.MeanSquaredError(), X, y)
    with pytest.raises(TypeError, match=r"Received: model='mse'$"):
        nonlin.gradcheck("mse", nonlin.MeanSquaredError(), X, y)
    alone = nonlin.Sequential([_ListedScale()]).build(4, seed=0)
    assert nonlin.gradcheck(alone, nonlin.MeanSquaredError(), X + 0.5, y) < 1e-6
