"""Claims of README.md and docs/sklearn.md that an audit found wrong, each checked against the code.

The pages stated things about nonlin's own behaviour and about scikit-learn 1.9.1's that
did not hold; the code was right in each case, so the test pins the behaviour and the
page's corrected sentence. Checks of scikit-learn's own behaviour run on 1.9 only, the
version the page describes.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "nonlin"


def _text(page: str) -> str:
    """The page with its line breaks folded, so a sentence is found whatever its wrapping."""
    return re.sub(r"\s+", " ", (ROOT / page).read_text(encoding="utf-8"))


def _sklearn_19() -> bool:
    sklearn = pytest.importorskip("sklearn")
    return sklearn.__version__.startswith("1.9.")


def test_the_tour_comment_gives_the_order_of_the_gradcheck_it_prints() -> None:
    """README's tour printed gradcheck "~1e-8"; the trained XOR net gives about 5e-11."""
    block = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)[0]
    shown = re.search(r"gradcheck\(.*\)\)\s+# ~1e-(\d+)", block)
    assert shown is not None, "the tour's gradcheck line lost its '# ~1e-N' comment"
    run = nonlin.tutorial.train()  # the tour's loop: same model, same predictions
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    error = nonlin.gradcheck(run.model, nonlin.MeanSquaredError(reduction="sum"), X, y)
    assert abs(math.log10(error) + int(shown.group(1))) < 1.0  # "~": within a factor of 10


def _imports_sklearn(path: Path) -> bool:
    """Whether a module imports scikit-learn: an ``import`` statement anywhere in it, or
    ``require`` of one of its modules (``require("sklearn")`` alone checks the extra)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sklearn"
                                                for a in node.names):
            return True
        if (isinstance(node, ast.ImportFrom) and node.level == 0  # not nonlin's own .sklearn
                and (node.module or "").split(".")[0] == "sklearn"):
            return True
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require"
                and node.args and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("sklearn.")):
            return True
    return False


def test_sklearn_py_is_the_only_module_importing_scikit_learn() -> None:
    """The layout's promise: sklearn.py alone imports scikit-learn; datasets.py, which loads
    digits, iris and breast_cancer from it, checks the extra and goes through
    ``nonlin.sklearn.bundled``; the README's row says so."""
    importers = {p.name for p in SRC.glob("*.py") if _imports_sklearn(p)}
    assert importers == {"sklearn.py"}
    row = next(line for line in (ROOT / "README.md").read_text().splitlines()
               if line.startswith("| `sklearn.py`"))
    assert "the only module importing scikit-learn" in row and "`datasets.py`" in row
    from nonlin import datasets

    pytest.importorskip("sklearn")
    X, y = datasets.iris()
    assert X.shape == (150, 4) and X.dtype == np.float64 and y.dtype == np.int64


def test_a_sparse_regression_target_is_made_dense_where_scikit_learn_refuses_it() -> None:
    """docs/sklearn.md said scikit-learn's regressor "fails in training" on a sparse y:
    a one-column one it refuses at once, with a TypeError; a wider one fails in training."""
    sparse = pytest.importorskip("scipy.sparse")
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPRegressor

    X = np.random.default_rng(0).normal(size=(20, 3))
    for columns in (1, 2):
        y = sparse.csr_matrix(X[:, :columns])
        ours = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter=2: ConvergenceWarning
            assert ours.fit(X, y).n_outputs_ == columns
    if _sklearn_19():
        from sklearn.neural_network import MLPRegressor as Theirs

        with pytest.raises(TypeError, match="dense data is required"):
            Theirs(max_iter=2).fit(X, sparse.csr_matrix(X[:, :1]))
    assert ("a sparse `y` for `MLPRegressor`: scikit-learn's refuses a one-column one with a "
            "`TypeError` and fails inside NumPy in training on a wider one"
            ) in _text("docs/sklearn.md")


def test_the_command_line_reads_an_estimator_file_only_when_fitted_on_a_frame(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/sklearn.md said `nonlin predict` and `nonlin evaluate` read an estimator's file,
    unconditionally; the command line matches columns by name, so a file fitted on an array
    (no feature names) is refused with that advice, and one fitted on a DataFrame is read."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    y = (frame["a"] > 0).astype(int)
    frame.assign(y=y).to_csv(tmp_path / "data.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=5: ConvergenceWarning
        MLPClassifier(max_iter=5, random_state=0).fit(frame.to_numpy(), y).save(
            tmp_path / "array.safetensors")
        MLPClassifier(max_iter=5, random_state=0).fit(frame, y).save(
            tmp_path / "frame.safetensors")
    data = str(tmp_path / "data.csv")
    assert cli.main(["predict", str(tmp_path / "array.safetensors"), data]) == 2
    assert "fit the estimator on a pandas DataFrame" in capsys.readouterr().err
    assert cli.main(["evaluate", str(tmp_path / "frame.safetensors"), data, "--target", "y"]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert ("`nonlin predict` and `nonlin evaluate` read it too when the estimator was fitted "
            "on a pandas DataFrame") in _text("docs/sklearn.md")


def test_new_layers_after_an_lbfgs_fit_raise_where_scikit_learn_cuts_its_weights() -> None:
    """docs/sklearn.md said scikit-learn's L-BFGS "fails in a reshape on new hidden sizes
    and stops at once on a NaN loss for new outputs". In 1.9.1 it cuts the old weights into
    the new layers: larger ones fail in a reshape, smaller ones take a slice (and a
    regressor of three outputs refitted on two aborts inside SciPy, not run here)."""
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier, MLPRegressor

    X = np.random.default_rng(0).normal(size=(40, 4))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=3: ConvergenceWarning
        for hidden in ((3,), (20,)):
            ours = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=3,
                                 random_state=0).fit(X, y)
            ours.set_params(hidden_layer_sizes=hidden, warm_start=True)
            with pytest.raises(ValueError, match="hidden_layer_sizes"):
                ours.fit(X, y)
        ours = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=3,
                            random_state=0).fit(X, X[:, :3]).set_params(warm_start=True)
        with pytest.raises(ValueError, match="layers"):
            ours.fit(X, X[:, :2])
        if _sklearn_19():
            from sklearn.neural_network import MLPClassifier as Theirs

            theirs = Theirs(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=3,
                            random_state=0).fit(X, y).set_params(warm_start=True)
            with pytest.raises(ValueError, match="reshape"):
                theirs.set_params(hidden_layer_sizes=(20,)).fit(X, y)
            theirs = Theirs(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=3,
                            random_state=0).fit(X, y).set_params(warm_start=True)
            theirs.set_params(hidden_layer_sizes=(3,)).fit(X, y)
            assert [w.shape for w in theirs.coefs_] == [(4, 3), (3, 1)]  # a slice of the old ones
    text = _text("docs/sklearn.md")
    assert "NaN loss for new outputs" not in text
    assert "Its L-BFGS cuts the old weights into the new layers" in text


def test_the_distributed_extra_installs_the_joblib_its_examples_call() -> None:
    """README and docs/sklearn.md: `pip install "nonlin[distributed]"`, then
    `joblib.parallel_config(backend="dask")`, which joblib 1.3 added. The extra pulled joblib
    only through scikit-learn>=1.6, which allows joblib 1.2: an environment holding 1.2 kept
    it and the examples failed with an AttributeError. The dev extra runs those examples."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    for extra in ("distributed", "dev"):
        assert "joblib>=1.3" in extras[extra], extra
    uses = [page for page in ("README.md", "docs/sklearn.md")
            if 'joblib.parallel_config(backend="dask")' in _text(page)]
    assert uses == ["README.md", "docs/sklearn.md"]
    assert 'pip install "nonlin[distributed]"' in _text("README.md")
    assert 'pip install "nonlin[distributed]"' in _text("docs/sklearn.md")
