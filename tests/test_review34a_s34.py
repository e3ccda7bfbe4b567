"""Review of session 34's reading pass (docstrings of the teaching path, docs/design.md's
"Reading the code") and of ``nonlin demo --samples/--noise/--classes``: what they said
that the code does not do, and the demo's options that crashed or trained in vain."""

from __future__ import annotations

import functools
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from nonlin import cli, tutorial
from nonlin.activations import Sigmoid
from nonlin.cli_demo import text_map
from nonlin.losses import MeanSquaredError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import test_reading_s34 as reading  # noqa: E402  (the section's parser)


def _demo(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["demo", *argv, "--epochs", "1", "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


# -- nonlin demo ----------------------------------------------------------------------------
def test_the_noise_help_says_the_spirals_noise_is_an_angle() -> None:
    # datasets.spirals: "noise perturbs the angle (radians), not the coordinates"
    text = (ROOT / "src" / "nonlin" / "cli_demo.py").read_text(encoding="utf-8")
    assert "added to each coordinate (moons 0.2, circles 0.1, spirals 0.2)" not in text
    assert "radians" in text
    docs = " ".join((ROOT / "docs" / "cli.md").read_text(encoding="utf-8").split())
    section = docs[docs.index("## nonlin demo"):docs.index("## nonlin xor")]
    assert "radians" in section


def test_text_map_with_more_classes_than_symbols_does_not_crash() -> None:
    X = np.array([[0.0, 0.0], [1.0, 1.0]])

    def scores(points: np.ndarray) -> np.ndarray:  # class 9 of 12 everywhere
        out = np.zeros((len(points), 12))
        out[:, 9] = 1.0
        return out

    text = text_map(scores, X)  # was IndexError in the legend (internal error)
    assert "--plot" in text


def test_text_map_legend_names_every_class_the_model_has() -> None:
    X = np.array([[0.0, 0.0], [1.0, 1.0]])

    def scores(points: np.ndarray) -> np.ndarray:  # 3 classes, only class 0 predicted
        out = np.zeros((len(points), 3))
        out[:, 0] = 1.0
        return out

    legend = text_map(scores, X).splitlines()[0]
    assert "class 2" in legend  # was: the legend stopped at the largest class predicted


def test_classes_beyond_the_symbols_prints_no_internal_error(capsys) -> None:
    code, out, err = _demo(capsys, "spirals", "--classes", "30", "--samples", "300")
    assert code == 0, err  # was an IndexError (internal error) once class 8 was predicted
    assert "internal error" not in err
    assert "30 classes: more than the text map's 8 symbols" in out


def test_fewer_samples_than_classes_is_said_in_the_options_terms(capsys) -> None:
    code, _, err = _demo(capsys, "spirals", "--classes", "9", "--samples", "8")
    assert code == 2
    assert "--samples" in err and "--classes" in err and "n_samples=" not in err
    code, _, err = _demo(capsys, "spirals", "--classes", "1001")  # the default 1000 samples
    assert code == 2
    assert "--samples" in err and "1000" in err


def test_too_many_classes_to_plot_is_refused_before_training(capsys, monkeypatch,
                                                               tmp_path) -> None:
    pytest.importorskip("matplotlib")
    import nonlin.cli_demo as demo

    def no_loading(*args, **kwargs):
        raise AssertionError("loaded and trained before the refusal")

    monkeypatch.setattr(demo, "_load", no_loading)
    code, _, err = _demo(capsys, "spirals", "--classes", "101", "--plot",
                         str(tmp_path / "s.png"))
    assert code == 2
    assert "--classes" in err and "100" in err
    assert not (tmp_path / "s.png").exists()


# -- the reading path's docstrings ----------------------------------------------------------
def _tutorial_step() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tutorial's l2, l2_delta and l1_error on one step of its XOR network."""
    rng = np.random.RandomState(1)
    X, y = tutorial.X_XOR, tutorial.Y_XOR
    syn0, syn1 = 2 * rng.random_sample((3, 4)) - 1, 2 * rng.random_sample((4, 1)) - 1
    l1 = 1 / (1 + np.exp(-X @ syn0))
    l2 = 1 / (1 + np.exp(-l1 @ syn1))
    l2_delta = (y - l2) * l2 * (1 - l2)
    return l2, l2_delta, l2_delta @ syn1.T


def test_sigmoid_backward_is_minus_the_tutorials_l2_delta_and_says_so() -> None:
    l2, l2_delta, _ = _tutorial_step()
    y = tutorial.Y_XOR
    layer = Sigmoid()
    layer.forward(np.log(l2 / (1 - l2)), training=True)
    got = layer.backward(MeanSquaredError(reduction="sum").grad(y, l2))
    np.testing.assert_allclose(got, -l2_delta, rtol=1e-12)  # the negation, not l2_delta
    doc = inspect.getdoc(Sigmoid.backward)
    assert "-l2_delta" in doc
    table = reading._section()
    row7 = next(line for line in table.splitlines() if line.startswith("| 7 |"))
    assert "-l2_delta" in row7


def test_dense_backward_comment_says_minus_l1_error() -> None:
    from nonlin.layers import Dense

    source = inspect.getsource(Dense.backward)
    assert "the tutorial's l1_error" not in source
    assert "-l1_error" in source


def test_scale_docstring_says_sum_leaves_the_gradient() -> None:
    from nonlin.objective import Objective

    doc = " ".join(inspect.getdoc(Objective._scale).split())
    assert not doc.endswith('or ``/= n`` unweighted.')  # "sum" leaves it as it is
    assert '"sum"' in doc


def test_softmax_docstring_covers_one_hot_and_soft_rows() -> None:
    from nonlin.objective import Objective

    doc = " ".join(inspect.getdoc(Objective._softmax).split())
    assert "y_ij" in doc  # the rows' loss and gradient, not only onehot(labels)


# -- docs/design.md's claims and the test that checks them ----------------------------------
def _is_equation(doc: str) -> bool:
    """An equation, not a keyword argument (``reduction="none"``, ``training=True``)."""
    return bool(re.search(r"\s=\s|<-", doc))


def test_every_math_row_docstring_states_a_real_equation() -> None:
    for number, names, _ in reading._rows():
        for name in names:
            if 2 <= number <= 11:
                doc = inspect.getdoc(reading._resolve(name)) or ""
                assert _is_equation(doc), f"{name}: no equation, only keywords"


def test_the_section_claims_equations_only_where_the_test_checks_them() -> None:
    prose = reading._prose()
    assert "Each docstring states its equation and shapes" not in prose  # fit, run_epoch...


def test_in_place_calls_of_the_math_rows_are_commented() -> None:
    """The section: where a rule writes into a reused buffer, a comment says what each
    in-place call computes (rows 2 to 11), or the docstring's ``out = ...`` does."""
    for number, names, _ in reading._rows():
        if not 2 <= number <= 11:
            continue
        for name in names:
            function = reading._resolve(name)
            doc = inspect.getdoc(function) or ""
            if re.search(r"``out (=|<-) ", doc):
                continue
            lines = inspect.getsourcelines(function)[0]
            for before, line in zip(["", *lines], lines, strict=False):
                if "out=" in line.split("#")[0] and "``" not in line:
                    assert "#" in line or "#" in before, f"{name}: {line.strip()}"


# -- guards (pass on main too) ----------------------------------------------------------------
def test_guard_digits_refuses_the_shape_options_before_loading(capsys, monkeypatch) -> None:
    from nonlin import datasets

    real = datasets.digits

    def loaded(*args, **kwargs):  # the refusal reads the signature, never calls it
        raise AssertionError("digits was loaded before the refusal")

    monkeypatch.setattr(datasets, "digits", functools.wraps(real)(loaded))
    code, out, err = _demo(capsys, "digits", "--samples", "100", "--plot", "x.png")
    assert code == 2 and "--samples applies to circles, moons, spirals" in err
    assert out == ""


def test_guard_the_readme_states_the_sections_totals() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    said = re.search(r"(\d+) functions, under (\d+) lines", readme)
    prose = reading._prose()
    assert said is not None
    assert f"{said.group(1)} functions in" in prose and f"under {said.group(2)} lines" in prose
