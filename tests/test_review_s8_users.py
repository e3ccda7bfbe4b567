"""Usability audit (s8-users): what a learner, a pandas user and a scikit-learn user meet first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import datasets

pd = pytest.importorskip("pandas")


def _classifier() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])


def _frame() -> tuple:
    X, y = datasets.moons(40, noise=0.2, seed=0)
    index = np.arange(40) * 3 + 7                       # a non-default index
    return pd.DataFrame(X, columns=["a", "b"], index=index), pd.Series(y, index=index), X, y


def _fit(X, y) -> nonlin.Sequential:
    model = _classifier()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)
    return model


@pytest.mark.parametrize("dtype", ["bool", "boolean", "Int64", "Float64"])
def test_a_dataframe_mixing_numeric_dtypes_trains_as_its_float_values(dtype) -> None:
    df, s, X, y = _frame()
    numbers = pd.Series(np.arange(40) % 3, index=df.index)
    extra = (df.a > 0) if dtype in ("bool", "boolean") else numbers
    mixed = df.assign(c=extra.astype(dtype))
    expected = np.column_stack([X, extra.to_numpy(dtype=float)])
    assert np.array_equal(_fit(mixed, s).get_weights()[0], _fit(expected, y).get_weights()[0])


def test_a_missing_value_in_a_nullable_column_is_named_as_a_nan() -> None:
    df, s, _, _ = _frame()
    holed = df.assign(c=pd.array([1, 2, None, 4] * 10, dtype="Int64"))
    with pytest.raises(ValueError, match="finite values in x. Received NaN or infinity in row 2"):
        _fit(holed, s)


@pytest.mark.parametrize("column", [["x", "y"] * 20, pd.Categorical(["u", "v"] * 20)])
def test_a_text_or_category_column_is_refused_naming_it(column) -> None:
    df, s, _, _ = _frame()
    with pytest.raises(TypeError, match=r"numeric columns in x. Received column 'c' of dtype"):
        _fit(df.assign(c=column), s)


def test_a_layer_class_instead_of_a_layer_is_refused_when_the_model_is_made() -> None:
    expected = r"layers\[1\]=<class 'nonlin.activations.ReLU'>; create one: ReLU\(\)"
    with pytest.raises(TypeError, match=expected):
        nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU])


def test_a_csv_written_with_the_pandas_index_trains_and_predicts_without_it(tmp_path) -> None:
    from nonlin.cli import main
    from nonlin.tabular import read_csv

    df, s, _, _ = _frame()
    df.assign(label=np.array(["no", "yes"])[s]).to_csv(tmp_path / "train.csv")  # index written
    df.to_csv(tmp_path / "new.csv")
    table = read_csv(tmp_path / "train.csv", target="label")
    assert table.feature_names == ("a", "b") and table.X.shape == (40, 2)
    model = str(tmp_path / "m.safetensors")
    assert main(["train", str(tmp_path / "train.csv"), "--target", "label", "--epochs", "1",
                 "--quiet", "--out", model]) == 0
    assert main(["predict", model, str(tmp_path / "new.csv"), "-o",
                 str(tmp_path / "p.csv")]) == 0
    assert len((tmp_path / "p.csv").read_text().splitlines()) == 41


def test_an_unnamed_column_elsewhere_is_still_refused(tmp_path) -> None:
    from nonlin.tabular import CSVError, read_csv

    (tmp_path / "d.csv").write_text("a,,b\n0,1,2\n")
    with pytest.raises(CSVError, match="column 2 has an empty name"):
        read_csv(tmp_path / "d.csv")


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_one_dimensional_labels_for_several_outputs_name_their_shape_and_the_loss(loss) -> None:
    _, _, X, y = _frame()
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Sigmoid()])
    expected = r"Received shape \(40,\); for class labels use loss='cross_entropy'"
    with pytest.raises(ValueError, match=expected):
        model.fit(X, y, loss=loss, optimizer="adam", verbose=0)


def test_a_missing_text_label_before_any_label_is_not_called_a_missing_number(tmp_path) -> None:
    from nonlin.tabular import CSVError, read_csv

    (tmp_path / "d.csv").write_text("a,t\n1,\n2,yes\n3,no\n")
    with pytest.raises(CSVError, match=r"line 2, column 't': expected a number or a label, rec"):
        read_csv(tmp_path / "d.csv", target="t")


def test_a_boolean_column_written_by_pandas_reads_as_1_and_0(tmp_path) -> None:
    """(Session 17; before, this was an error with a hint to write booleans as 1 and 0.)"""
    from nonlin.tabular import read_csv

    df, s, _, _ = _frame()
    df.assign(flag=df.a > 0, t=s).to_csv(tmp_path / "d.csv", index=False)
    table = read_csv(tmp_path / "d.csv", target="t")
    flag = table.X[:, table.feature_names.index("flag")]
    np.testing.assert_array_equal(flag, (df.a > 0).to_numpy(dtype=np.float32))


def test_submodules_are_attributes_of_the_package_on_first_use() -> None:
    import subprocess
    import sys

    code = ("import sys, nonlin; X, y = nonlin.datasets.xor(); "
            "assert nonlin.tabular.read_csv and 'datasets' in dir(nonlin); "
            "assert 'sklearn' not in sys.modules and 'matplotlib' not in sys.modules; "
            "print(X.shape)")
    env = {**__import__("os").environ, "PYTHONPATH": str(Path(nonlin.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(4, 3)"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        nonlin.nope  # noqa: B018


@pytest.mark.parametrize(("loss", "wanted"), [("cross_entropy", "Softmax"), ("bce", "Sigmoid")])
def test_a_probability_loss_after_an_unbounded_last_layer_warns_naming_the_fix(loss, wanted):
    X, y = datasets.moons(n_samples=40, noise=0.2, seed=0)
    units = 2 if loss == "cross_entropy" else 1
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(units)])
    with pytest.warns(UserWarning, match=rf"last layer, Dense \(layers\[2\]\), gives unbounded "
                                         rf"scores.*Add a {wanted}\(\) layer.*from_logits=True"):
        model.fit(X, y, loss=loss, optimizer="sgd", verbose=0)
    import warnings

    for last in (getattr(nonlin, wanted)(), None):  # probabilities, or scores with from_logits
        layers = [nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(units)] + ([last] if last else [])
        fixed = nonlin.CrossEntropy if loss == "cross_entropy" else nonlin.BinaryCrossEntropy
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nonlin.Sequential(layers).fit(X, y, loss=fixed(from_logits=last is None),
                                          optimizer="sgd", verbose=0)
