"""scikit-learn's own MLP test suite, run against nonlin.sklearn (opt-in: ~1-2 minutes).

    NONLIN_SKLEARN_SUITE=1 PYTHONPATH=src python3 -m pytest -q tests/test_sklearn_suite.py

Copies the installed ``sklearn/neural_network/tests/test_mlp.py``, swaps its
import of MLPClassifier/MLPRegressor for nonlin's, and runs it. Deselected:
tests that call scikit-learn's private ``_initialize``/``_forward_pass``/
``_backprop`` methods, which nonlin's estimators do not have.
"""

import os
import pathlib
import subprocess
import sys

import pytest

sklearn = pytest.importorskip("sklearn")

PRIVATE_API_TESTS = ["test_fit", "test_gradient"]
IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"


@pytest.mark.skipif(not os.environ.get("NONLIN_SKLEARN_SUITE"), reason="opt-in (slow)")
def test_sklearn_mlp_suite_passes_on_nonlin(tmp_path):
    source = pathlib.Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
    text = source.read_text()
    assert text.count(IMPORT) == 1
    (tmp_path / "test_mlp_nonlin.py").write_text(
        text.replace(IMPORT, "from nonlin.sklearn import MLPClassifier, MLPRegressor")
    )
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture(params=[0, 42])\n"
        "def global_random_seed(request):\n    return request.param\n"
    )
    deselect = [f"--deselect=test_mlp_nonlin.py::{name}" for name in PRIVATE_API_TESTS]
    src = pathlib.Path(__file__).parents[1] / "src"
    path = os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *deselect,
         "test_mlp_nonlin.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert " 2 deselected" in result.stdout
