"""Session 16, a newcomer's first hour: the messages a learner, a pandas user and a
command-line user met, each of which now says what to do.

- class labels against a single output point to binary cross-entropy or a softmax;
- ``build`` given the data or a shape tuple names the int to pass;
- ``fit(class_weight="balanced")`` gives the weights it stands for;
- a cross-entropy called in PyTorch's argument order says to swap them;
- a class given for an optimizer or a loss, a name given for a layer: what to create;
- a text file given to ``nonlin.load`` is named as text, not as a huge header length;
- an object array of numbers (``DataFrame.to_numpy()`` of mixed types) is not called text;
- ``--missing mean`` on a column of True/False reads it as 1 and 0 (session 17: it said to
  write them so);
- ``nonlin evaluate DATA.csv MODEL`` (the order swapped) says the model comes first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
LABELS = np.array([0, 1, 1, 0])


def _xor_net(outputs: int = 1) -> nonlin.Sequential:
    last = nonlin.Sigmoid() if outputs == 1 else nonlin.Softmax()
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Sigmoid(), nonlin.Dense(outputs), last])


def test_labels_for_a_single_output_point_to_binary_cross_entropy() -> None:
    with pytest.raises(ValueError) as error:
        _xor_net().fit(X, LABELS, loss="cross_entropy", optimizer="sgd", epochs=1, seed=0,
                       verbose=0)
    message = str(error.value)
    assert "for a model with 1 output." in message  # not "1 outputs"
    assert "loss='binary_crossentropy'" in message and "Softmax()" in message


def test_labels_for_two_outputs_keep_their_message() -> None:
    with pytest.raises(ValueError, match=r"in \[0, 2\) for a model with 2 outputs\. "
                                         r"Received label 2$"):
        _xor_net(2).fit(X, np.array([0, 1, 2, 0]), loss="cross_entropy", optimizer="sgd",
                        epochs=1, seed=0, verbose=0)


@pytest.mark.parametrize(("given", "fragments"), [
    (X, ("an array of shape (4, 3)", "X.shape[1], build(3)")),
    ((None, 3), ("n_features=(None, 3)", "not a shape: build(3)")),
    ((3,), ("n_features=(3,)", "build(3)")),
])
def test_build_given_data_or_a_shape_names_the_int(given: object, fragments: tuple) -> None:
    with pytest.raises(TypeError) as error:
        _xor_net().build(given, seed=0)  # type: ignore[arg-type]
    message = str(error.value)
    assert message.startswith("Expected an int n_features. Received: ")
    assert "[[0." not in message  # the shape, not the values
    for fragment in fragments:
        assert fragment in message


def test_build_keeps_refusing_what_it_refused() -> None:
    with pytest.raises(TypeError, match=r"^Expected an int n_features\. Received: "
                                        r"n_features='3'$"):
        _xor_net().build("3", seed=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Expected a positive integer. Received: n_features=0"):
        _xor_net().build(0, seed=0)


def test_balanced_class_weight_gives_the_weights_it_stands_for() -> None:
    with pytest.raises(TypeError) as error:
        _xor_net(2).fit(X, LABELS, loss="cross_entropy", optimizer="sgd", epochs=1, seed=0,
                        verbose=0, class_weight="balanced")
    message = str(error.value)
    assert "Received: class_weight='balanced'" in message
    assert "dict(enumerate(len(y) / (n_classes * np.bincount(y))))" in message
    assert "MLPClassifier(class_weight='balanced')" in message
    n_classes, y = 2, LABELS  # the advice runs as written
    _xor_net(2).fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, seed=0, verbose=0,
                    class_weight=dict(enumerate(len(y) / (n_classes * np.bincount(y)))))


def test_cross_entropy_in_pytorch_order_says_to_swap() -> None:
    probabilities = _xor_net(2).build(3, seed=0).predict(X)
    with pytest.raises(ValueError) as error:
        nonlin.CrossEntropy()(probabilities, LABELS)  # PyTorch's loss(input, target)
    message = str(error.value)
    assert "Received y_true of shape (4, 2)" in message and "swap them" in message
    assert nonlin.CrossEntropy()(LABELS, probabilities) > 0  # Keras' order works


@pytest.mark.parametrize(("kwargs", "hint"), [
    ({"loss": "mse", "optimizer": nonlin.SGD}, "; create one: SGD()"),
    ({"loss": nonlin.MeanSquaredError, "optimizer": "sgd"}, "; create one: MeanSquaredError()"),
])
def test_a_class_instead_of_an_instance_says_create_one(kwargs: dict, hint: str) -> None:
    with pytest.raises(TypeError) as error:
        _xor_net().fit(X, LABELS, epochs=1, seed=0, verbose=0, **kwargs)
    assert str(error.value).endswith(hint)


def test_a_name_in_the_layer_list_says_how_to_make_a_layer() -> None:
    with pytest.raises(TypeError, match=r"layers\[1\]='relu'; a name is not a layer: "
                                        r"nonlin\.registry\.activation\('relu'\)"):
        nonlin.Sequential([nonlin.Dense(3), "relu"])


def test_loading_a_csv_file_says_it_is_text(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("age,income,churn\n" + "41,52000,yes\n" * 50)
    with pytest.raises(nonlin.ModelFileError) as error:
        nonlin.load(path)
    message = str(error.value)
    assert "this is a text file (it starts with 'age,inco'" in message
    assert "not a safetensors file" in message and "header length" not in message


def test_an_object_array_of_numbers_is_not_called_text() -> None:
    model = _xor_net().build(3, seed=0)
    mixed = np.array([[0.0, True, 1], [1.0, False, 1]], dtype=object)  # to_numpy() of mixed
    with pytest.raises(TypeError) as error:
        model.predict(mixed)
    message = str(error.value)
    assert "x.astype(float)" in message and "encode text" not in message
    assert model.predict(mixed.astype(float)).shape == (2, 1)  # the advice works
    with pytest.raises(TypeError, match="encode text and categories"):
        model.predict(np.array([[0.0, "a", 1]], dtype=object))


def test_missing_mean_on_a_boolean_column_reads_it_as_1_and_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """(Session 17: pandas' True/False feature cells are read as 1 and 0; before, this
    said to write booleans as 1 and 0.)"""
    rows = "".join(f"{i},{'True' if i % 2 else 'False'},{'yes' if i % 3 else 'no'}\n"
                   for i in range(12))
    (tmp_path / "d.csv").write_text("a,member,y\n" + rows)
    code = cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--missing", "mean",
                     "--quiet", "-o", str(tmp_path / "m.safetensors")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "member" not in err  # no cell of it was missing


def test_data_and_model_swapped_on_the_command_line_says_model_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12))
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows)
    model = str(tmp_path / "m.safetensors")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1",
                     "--quiet", "-o", model]) == 0
    capsys.readouterr()
    for command in ("evaluate", "predict"):
        assert cli.main([command, str(tmp_path / "d.csv"), model]) == 2
        err = capsys.readouterr().err
        assert "not a nonlin model file" in err
        assert err.rstrip().endswith("predict and evaluate take the model first: MODEL DATA.csv")
