"""The seed tutorial, reproduced from library parts: all six errors and the predictions."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nonlin import tutorial

TUTORIAL_ERRORS = [
    0.49641003190272537,
    0.008584525653247153,
    0.005789459862507809,
    0.004629176776769984,
    0.003958765280273649,
    0.003510122567861676,
]
TUTORIAL_PREDICTIONS = np.array([[0.0026057], [0.99672212], [0.99701713], [0.00386756]])
SRC = str(Path(__file__).resolve().parents[1] / "src")


def reference_loop(steps):
    """The tutorial's own code (with a local RandomState instead of np.random.seed)."""
    rs = np.random.RandomState(1)
    X, y = tutorial.X_XOR, tutorial.Y_XOR
    syn0, syn1 = 2 * rs.random((3, 4)) - 1, 2 * rs.random((4, 1)) - 1
    errors = []
    for _ in range(steps):
        l1 = 1 / (1 + np.exp(-np.dot(X, syn0)))
        l2 = 1 / (1 + np.exp(-np.dot(l1, syn1)))
        l2_error = y - l2
        errors.append(np.mean(np.abs(l2_error)))
        l2_delta = l2_error * (l2 * (1 - l2))
        l1_delta = l2_delta.dot(syn1.T) * (l1 * (1 - l1))
        syn1 += l1.T.dot(l2_delta)
        syn0 += X.T.dot(l1_delta)
    return np.array(errors), syn0, syn1


@pytest.fixture(scope="module")
def run():
    return tutorial.train()


def test_six_errors_match_the_tutorial(run):
    got = run.errors[::10_000]
    np.testing.assert_allclose(got, TUTORIAL_ERRORS, rtol=1e-9, atol=0)
    assert run.errors.shape == (60_000,)


def test_predictions_match_the_tutorial(run):
    np.testing.assert_allclose(run.model.predict(tutorial.X_XOR), TUTORIAL_PREDICTIONS, atol=5e-9)


def test_every_step_matches_the_reference_loop():
    errors, syn0, syn1 = reference_loop(2_000)
    run = tutorial.train(steps=2_000)
    np.testing.assert_allclose(run.errors, errors, rtol=1e-12)
    W0, W1 = run.model.get_weights()
    np.testing.assert_allclose(W0, syn0, rtol=1e-12)
    np.testing.assert_allclose(W1, syn1, rtol=1e-12)


def test_initial_weights_are_the_tutorials_draw():
    W0, W1 = tutorial.build_network().get_weights()
    rs = np.random.RandomState(1)
    np.testing.assert_array_equal(W0, 2 * rs.random((3, 4)) - 1)
    np.testing.assert_array_equal(W1, 2 * rs.random((4, 1)) - 1)


def test_reports_and_global_state():
    np.random.seed(42)
    state = np.random.get_state()[1].copy()
    seen = []
    run = tutorial.train(steps=25, report_every=10, on_report=lambda s, e: seen.append((s, e)))
    assert [s for s, _ in seen] == [0, 10, 20]
    assert [e for _, e in seen] == [run.errors[0], run.errors[10], run.errors[20]]
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_bad_arguments():
    with pytest.raises(ValueError, match="steps=0"):
        tutorial.train(steps=0)
    with pytest.raises(ValueError, match="hidden=-2"):
        tutorial.train(hidden=-2)


@pytest.mark.parametrize(
    "X, y, message",
    [
        (tutorial.X_XOR, [[0.0], [1.0], [np.nan], [0.0]], "finite values in y"),  # NaN errors
        ([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, np.inf]], tutorial.Y_XOR, "finite values in X"),
        (tutorial.X_XOR, [0.0, 1.0, 1.0], "4 rows"),  # was numpy's 'cannot reshape'
        (np.zeros((0, 3)), np.zeros((0, 1)), "at least one row"),
    ],
)
def test_bad_data_is_named(X, y, message):
    with pytest.raises(ValueError, match=message):
        tutorial.train(X, y, steps=3)


def test_nonlin_xor_prints_the_tutorial():
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run(
        [sys.executable, "-m", "nonlin", "xor"], capture_output=True, text=True, env=env, check=True
    ).stdout
    errors = [float(x) for x in re.findall(r"^Error: (\S+)$", out, flags=re.M)]
    np.testing.assert_allclose(errors, TUTORIAL_ERRORS, rtol=1e-9, atol=0)
    matrix = out.split("Error:")[-1].split("\n", 1)[1].strip()
    assert matrix == "[[0.0026057 ]\n [0.99672212]\n [0.99701713]\n [0.00386756]]"


def test_nonlin_xor_options_and_bad_values(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-m", "nonlin", "xor", "--steps", "300", "--report-every", "100"]
    out = subprocess.run(cmd + ["--hidden", "6", "--seed", "3"], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.count("Error:") == 3
    bad = subprocess.run(cmd + ["--steps", "-5"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "-5" in bad.stderr and "Traceback" not in bad.stderr
