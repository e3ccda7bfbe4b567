"""Tests for nonlin.datasets and nonlin._optional."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nonlin import datasets
from nonlin._optional import MissingExtraError, require

GENERATED = {
    "moons": datasets.moons,
    "circles": datasets.circles,
    "spirals": datasets.spirals,
}


def test_xor_is_the_tutorial_table() -> None:
    X, y = datasets.xor()
    assert X.dtype == np.float64 and X.shape == (4, 3)
    assert y.dtype == np.float64 and y.shape == (4, 1)
    np.testing.assert_array_equal(X, [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(y, [[0], [1], [1], [0]])
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))


@pytest.mark.parametrize("name", sorted(GENERATED))
@pytest.mark.parametrize("n_samples", [1, 2, 7, 1000])
def test_shapes_dtypes_and_balance(name: str, n_samples: int) -> None:
    if name == "spirals" and n_samples < 2:
        pytest.skip("spirals needs a point per arm (test_spirals_refuses_fewer_points_than_arms)")
    X, y = GENERATED[name](n_samples, seed=0)
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.shape == (n_samples,) and y.dtype == np.intp  # int64; int32 on 32-bit
    counts = np.bincount(y, minlength=2)
    assert counts.sum() == n_samples and counts.max() - counts.min() <= 1
    assert np.isfinite(X).all()


def test_spirals_has_n_classes_balanced() -> None:
    X, y = datasets.spirals(1001, n_classes=5, seed=3)
    assert sorted(set(y.tolist())) == [0, 1, 2, 3, 4]
    assert np.ptp(np.bincount(y)) <= 1
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)  # noise turns, never stretches


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_same_seed_same_bits(name: str) -> None:
    first = GENERATED[name](300, seed=42)
    second = GENERATED[name](300, seed=42)
    other = GENERATED[name](300, seed=43)
    assert first[0].tobytes() == second[0].tobytes() and first[1].tobytes() == second[1].tobytes()
    assert first[0].tobytes() != other[0].tobytes()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_global_random_state_neither_read_nor_written(name: str) -> None:
    np.random.seed(0)
    state = np.random.get_state()
    first = GENERATED[name](100, seed=7)
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]
    np.random.seed(12345)
    second = GENERATED[name](100, seed=7)
    assert first[0].tobytes() == second[0].tobytes()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generator_is_used_as_is(name: str) -> None:
    rng = np.random.default_rng(5)
    first = GENERATED[name](50, seed=rng)
    second = GENERATED[name](50, seed=rng)  # the generator has moved on
    assert first[0].tobytes() != second[0].tobytes()
    replay = GENERATED[name](50, seed=np.random.default_rng(5))
    assert replay[0].tobytes() == first[0].tobytes()


def test_shuffled_not_sorted_by_class() -> None:
    _, y = datasets.moons(200, seed=1)
    assert not np.all(np.diff(y) >= 0)


def test_moons_geometry_without_noise() -> None:
    X, y = datasets.moons(101, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_circles_geometry_without_noise() -> None:
    X, y = datasets.circles(100, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


@pytest.mark.parametrize("n_samples", [200, 201, 7])
@pytest.mark.parametrize(("name", "kwargs"), [("moons", {}), ("circles", {"factor": 0.5})])
def test_same_clouds_as_scikit_learn(name: str, kwargs: dict, n_samples: int) -> None:
    sk = pytest.importorskip("sklearn.datasets")
    ours, our_y = GENERATED[name](n_samples, noise=0.0, seed=0, **kwargs)
    theirs, their_y = getattr(sk, f"make_{name}")(n_samples, noise=0.0, shuffle=False, **kwargs)
    for label in (0, 1):
        mine = ours[our_y == label]
        reference = theirs[their_y == label]
        distance = np.linalg.norm(mine[:, None, :] - reference[None, :, :], axis=-1)
        assert len(mine) == len(reference)
        assert distance.min(axis=0).max() < 1e-12 and distance.min(axis=1).max() < 1e-12


@pytest.mark.parametrize("name", ["moons", "circles"])
def test_an_odd_point_goes_to_class_1_as_in_scikit_learn(name: str) -> None:
    """make_moons and make_circles put n_samples // 2 points in class 0, the rest in class 1."""
    for n_samples in (1, 7, 8):
        _, y = GENERATED[name](n_samples, seed=0)
        assert np.bincount(y, minlength=2).tolist() == [n_samples // 2, n_samples - n_samples // 2]


def test_noise_spreads_the_points() -> None:
    clean, _ = datasets.circles(500, noise=0.0, seed=0)
    noisy, _ = datasets.circles(500, noise=0.1, seed=0)
    spread = np.std(np.hypot(*noisy.T) - np.hypot(*clean.T).mean())
    assert spread > np.std(np.hypot(*clean.T) - np.hypot(*clean.T).mean())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: datasets.moons(-3), "Expected a positive integer. Received: n_samples=-3"),
        (lambda: datasets.moons(0), "Received: n_samples=0"),
        (lambda: datasets.circles(2.5), "Received: n_samples=2.5"),
        (lambda: datasets.spirals(True), "Received: n_samples=True"),
        (lambda: datasets.moons(10, noise=-0.1), "Received: noise=-0.1"),
        (lambda: datasets.moons(10, noise=float("nan")), "Received: noise=nan"),
        (lambda: datasets.circles(10, factor=1.0), "Received: factor=1.0"),
        (lambda: datasets.circles(10, factor=0), "Received: factor=0"),
        (lambda: datasets.spirals(10, n_classes=1), "Received: n_classes=1"),
    ],
)
def test_argument_errors_say_expected_and_received(call, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call()


@pytest.mark.parametrize("name", ["moons", "circles", "spirals"])
@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_a_bad_seed_is_named(name: str, seed) -> None:
    # numpy's own messages ('expected non-negative integer') did not name it
    with pytest.raises((ValueError, TypeError), match=f"Received: seed={seed!r}"):
        GENERATED[name](10, seed=seed)


@pytest.mark.parametrize("name", ["xor", "moons", "circles", "spirals"])
def test_load_by_name(name: str) -> None:
    X, y = datasets.load(name)
    assert len(X) == len(y)


def test_load_passes_keyword_arguments() -> None:
    X, y = datasets.load("spirals", n_samples=30, n_classes=3, seed=1)
    reference = datasets.spirals(30, n_classes=3, seed=1)
    assert X.tobytes() == reference[0].tobytes() and y.tobytes() == reference[1].tobytes()


def test_load_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="Received: name='mnist'") as info:
        datasets.load("mnist")
    for known in ("xor", "moons", "circles", "spirals", "digits", "iris", "breast_cancer"):
        assert repr(known) in str(info.value)


@pytest.mark.parametrize(
    ("name", "shape", "n_classes"),
    [("digits", (1797, 64), 10), ("iris", (150, 4), 3), ("breast_cancer", (569, 30), 2)],
)
def test_real_data_sets(name: str, shape: tuple[int, int], n_classes: int) -> None:
    pytest.importorskip("sklearn")
    X, y = datasets.load(name)
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[0],) and y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(n_classes))


def test_digits_pixels_are_not_scaled() -> None:
    pytest.importorskip("sklearn")
    X, _ = datasets.digits()
    assert X.min() == 0.0 and X.max() == 16.0


def test_missing_sklearn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(MissingExtraError) as info:
        datasets.iris()
    assert isinstance(info.value, ImportError)
    message = str(info.value)
    assert "scikit-learn" in message and "pip install 'nonlin[sklearn]'" in message
    assert "\n" not in message


def test_require_returns_the_module() -> None:
    assert require("json", "plot", "testing") is sys.modules["json"]


def test_require_names_extra_and_purpose() -> None:
    with pytest.raises(
        MissingExtraError,
        match=r"plotting needs no_such_module_xyz, which is not installed; "
        r"install it with: pip install 'nonlin\[plot\]'",
    ):
        require("no_such_module_xyz.sub", "plot", "plotting")


def test_require_does_not_hide_a_broken_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str):
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    monkeypatch.setattr("importlib.import_module", broken)
    with pytest.raises(ModuleNotFoundError) as info:
        require("sklearn", "sklearn", "loading iris")
    assert not isinstance(info.value, MissingExtraError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: datasets.load("digits", seed=0), r"data set 'digits' \(it takes no keyword"),
        (lambda: datasets.load("xor", n_samples=5), "Received: n_samples=5"),
        (lambda: datasets.load("moons", n_classes=3), "it takes n_samples, noise, seed"),
        (lambda: datasets.load(["x"]), r"Received: name=\['x'\]"),
        (lambda: datasets.load(None), "Received: name=None"),
    ],
)
def test_load_names_a_bad_name_or_keyword(call, message: str) -> None:
    # an unhashable name raised "unhashable type: 'list'"; a stray keyword raised
    # "digits() got an unexpected keyword argument" without the value or what it takes
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize(("n_samples", "n_classes"), [(3, 5), (1, 2), (4, 7)])
def test_spirals_refuses_fewer_points_than_arms(n_samples: int, n_classes: int) -> None:
    # fewer points than arms left arms empty and put every point at the centre
    with pytest.raises(
        ValueError, match=f"Received: n_samples={n_samples}, n_classes={n_classes}"
    ):
        datasets.spirals(n_samples, n_classes=n_classes, seed=0)


@pytest.mark.parametrize(("n_samples", "n_classes"), [(2, 2), (5, 5), (7, 4)])
def test_spirals_one_point_arms_are_told_apart(n_samples: int, n_classes: int) -> None:
    # one point per arm sat at the shared centre: every class at (0, 0)
    X, y = datasets.spirals(n_samples, n_classes=n_classes, noise=0.0, seed=0)
    assert sorted(set(y.tolist())) == list(range(n_classes))
    lone = [label for label in range(n_classes) if np.sum(y == label) == 1]
    assert lone
    for label in lone:
        np.testing.assert_allclose(np.hypot(*X[y == label].T), [1.0])
    assert len({tuple(np.round(X[y == label][-1], 9)) for label in lone}) == len(lone)


def test_a_missing_extra_is_a_module_not_found_that_importorskip_skips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Test suites skip on a missing extra as on any missing module (pytest >= 8.2 skips
    only on ModuleNotFoundError)."""
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.delitem(sys.modules, "nonlin.sklearn", raising=False)
    with pytest.raises(MissingExtraError) as info:
        require("sklearn", "sklearn", "loading iris")
    assert isinstance(info.value, ModuleNotFoundError) and info.value.name == "sklearn"
    with pytest.raises(pytest.skip.Exception):
        pytest.importorskip("nonlin.sklearn")
