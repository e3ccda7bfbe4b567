"""Keras 3's initializer classes (s21 audit, keras/src/initializers/random_initializers.py and
constant_initializers.py): ``Dense(kernel_initializer=HeNormal())``, ``RandomNormal(mean=0.0,
stddev=0.05)``, ``VarianceScaling(scale=2.0, ...)``, ``Constant(0.1)``, ``Orthogonal(gain)``,
``Identity(gain)`` and the class names as strings.

Before, ``nonlin.initializers`` had none of these classes (an ``ImportError``), the string
``"HeNormal"`` was an unknown initializer, and an initializer object was recorded in a config
as ``"custom:<class name>"`` (its draw lost). Each class is checked against a NumPy
transcription of Keras' ``__call__`` from the same generator, by statistics over 200,000
draws against Keras' formulas, against PyTorch's ``torch.nn.init``, through a model file,
and nonlin's snake-case names against the hashes of their draws before this change.
"""

from __future__ import annotations

import hashlib
import io
import json
import math

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Sequential, registry
from nonlin.initializers import (
    INITIALIZERS,
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Identity,
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
)
from nonlin.initializers_keras import from_entry
from nonlin.initializers_more import _truncated_normal

TRUNC = 0.87962566103423978  # Keras' constant: the std of N(0, 1) truncated to [-2, 2]


def _keras(init: object, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Keras 3's ``__call__`` of ``init`` transcribed to NumPy (random.normal: ``rng.normal``,
    random.truncated_normal: ``mean + stddev * z``, z redrawn outside [-2, 2], uniform:
    ``rng.uniform``), compute_fans of a 2-D shape being ``(shape[0], shape[1])``."""
    name, c = type(init).__name__, {**init.get_config(), **vars(init)}
    if name == "RandomNormal":
        return rng.normal(c["mean"], c["stddev"], size=shape)
    if name == "TruncatedNormal":
        return c["mean"] + c["stddev"] * _truncated_normal(rng, shape)
    if name == "RandomUniform":
        return rng.uniform(c["minval"], c["maxval"], size=shape)
    if name == "Orthogonal":
        rows, cols = shape
        a = rng.normal(size=(max(cols, rows), min(cols, rows)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        return c["gain"] * (q.T if rows < cols else q)
    if name == "Identity":
        return c["gain"] * np.eye(*shape)
    if name in ("Constant", "Zeros", "Ones"):
        return c["value"] * np.ones(shape)
    scale, (fan_in, fan_out) = c["scale"], shape  # VarianceScaling and its subclasses
    scale /= max(1.0, {"fan_in": fan_in, "fan_out": fan_out,
                       "fan_avg": (fan_in + fan_out) / 2.0}[c["mode"]])
    if c["distribution"] == "truncated_normal":
        return math.sqrt(scale) / TRUNC * _truncated_normal(rng, shape)
    if c["distribution"] == "untruncated_normal":
        return rng.normal(0.0, math.sqrt(scale), size=shape)
    limit = math.sqrt(3.0 * scale)
    return rng.uniform(-limit, limit, size=shape)


INITS = [RandomNormal(), RandomNormal(mean=1.0, stddev=0.2), TruncatedNormal(),
         TruncatedNormal(mean=-0.5, stddev=2.0), RandomUniform(), RandomUniform(-0.3, 0.7),
         *[VarianceScaling(scale, mode, dist) for scale in (2.0, 0.1)
           for mode in ("fan_in", "fan_out", "fan_avg")
           for dist in ("truncated_normal", "untruncated_normal", "uniform")],
         GlorotUniform(), GlorotNormal(), HeNormal(), HeUniform(), LecunNormal(), LecunUniform(),
         Orthogonal(), Orthogonal(gain=0.5), Identity(), Identity(2.0), Constant(0.1), Zeros(),
         Ones()]


@pytest.mark.parametrize("init", INITS, ids=repr)
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (64, 10), (7, 1)])
def test_each_class_is_keras_formula_from_the_same_generator(init, shape) -> None:
    ours = init(np.random.default_rng(5), *shape)
    assert ours.shape == shape and ours.dtype == np.float64
    theirs = _keras(init, np.random.default_rng(5), shape)
    # Keras' limit is sqrt(3 * (scale / n)), nonlin's sqrt(3 * scale / n): an ulp apart, and
    # uniform(-limit, limit) = -limit + 2 limit u keeps that ulp of limit near 0
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=1e-15 * np.abs(theirs).max())


def test_keras_defaults_and_config_keys() -> None:
    assert RandomNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    assert TruncatedNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    assert RandomUniform().get_config() == {"seed": None, "minval": -0.05, "maxval": 0.05}
    assert VarianceScaling().get_config() == {"seed": None, "scale": 1.0, "mode": "fan_in",
                                              "distribution": "truncated_normal"}
    for cls in (GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform):
        assert cls().get_config() == {"seed": None}
    assert Orthogonal().get_config() == {"seed": None, "gain": 1.0}
    assert Identity().get_config() == {"gain": 1.0}  # Keras 3's is {} (its gain is lost)
    assert Constant().get_config() == {"value": 0.0}
    assert Zeros().get_config() == Ones().get_config() == {}
    settings = {GlorotUniform: (1.0, "fan_avg", "uniform"),
                GlorotNormal: (1.0, "fan_avg", "truncated_normal"),
                HeNormal: (2.0, "fan_in", "truncated_normal"),
                HeUniform: (2.0, "fan_in", "uniform"),
                LecunNormal: (1.0, "fan_in", "truncated_normal"),
                LecunUniform: (1.0, "fan_in", "uniform")}
    for cls, (scale, mode, distribution) in settings.items():
        init = cls()
        assert (init.scale, init.mode, init.distribution) == (scale, mode, distribution)
    # Keras reads the distribution in lower case, "normal" as "truncated_normal"
    assert VarianceScaling(distribution="Normal").distribution == "truncated_normal"
    assert VarianceScaling(distribution="UNIFORM").distribution == "uniform"


N = (500, 400)  # 200,000 draws: a sample std within 1% is > 6 standard errors (<= 0.16%)


@pytest.mark.parametrize("init, std, bound", [
    (HeNormal(), math.sqrt(2 / 500), 2 * math.sqrt(2 / 500) / TRUNC),
    (GlorotNormal(), math.sqrt(2 / 900), 2 * math.sqrt(2 / 900) / TRUNC),
    (LecunNormal(), math.sqrt(1 / 500), 2 * math.sqrt(1 / 500) / TRUNC),
    (TruncatedNormal(), 0.05 * TRUNC, 0.1),
    (RandomNormal(), 0.05, math.inf),
    (RandomUniform(), 0.1 / math.sqrt(12), 0.05),
    (HeUniform(), math.sqrt(2 / 500), math.sqrt(6 / 500)),
    (VarianceScaling(2.0, "fan_out", "untruncated_normal"), math.sqrt(2 / 400), math.inf),
])
def test_statistics_of_large_draws_are_keras_math(init, std, bound) -> None:
    W = init(np.random.default_rng(0), *N)
    assert abs(W.mean()) < 0.015 * std  # the mean's standard error is std / 447
    assert W.std() == pytest.approx(std, rel=0.01)
    assert np.abs(W).max() <= bound
    if math.isfinite(bound):
        assert np.abs(W).max() > 0.98 * bound  # the bounds are reached, not narrower
    if isinstance(init, VarianceScaling) and init.distribution == "truncated_normal":
        # P(|z| <= 1 | |z| <= 2) = 0.6827 / 0.9545 = 0.7153 (standard error 0.001)
        inside = np.mean(np.abs(W) <= bound / 2)
        assert inside == pytest.approx(0.7153, abs=0.006)


def test_keras_class_names_truncate_where_the_snake_case_names_do_not() -> None:
    """The documented divergence: HeNormal and GlorotNormal are Keras' (truncated), he_normal
    and glorot_normal stay nonlin's untruncated normals (PyTorch's)."""
    for keras, ours, n in ((HeNormal(), "he_normal", 500), (GlorotNormal(), "glorot_normal", 450)):
        bound = 2 * math.sqrt(keras.scale / n) / TRUNC
        assert np.abs(keras(np.random.default_rng(0), *N)).max() <= bound
        assert np.abs(INITIALIZERS[ours](np.random.default_rng(0), *N)).max() > bound
    built = [Sequential([Dense(4, init=name)]).build(30, seed=1).get_weights()[0]
             for name in ("HeNormal", "he_normal")]
    assert not np.array_equal(*built)


@pytest.mark.parametrize("cls, name, kwargs", [
    (GlorotUniform, "glorot_uniform", {}), (HeUniform, "he_uniform", {}),
    (LecunNormal, "lecun_normal", {}), (LecunUniform, "lecun_uniform", {}),
    (Orthogonal, "orthogonal", {}), (RandomNormal, "random_normal", {}),
    (TruncatedNormal, "truncated_normal", {}), (VarianceScaling, "variance_scaling", {}),
    (Identity, "identity", {}), (Ones, "ones", {}), (Zeros, "zeros", {}),
])
@pytest.mark.parametrize("make_rng", [np.random.default_rng, np.random.RandomState])
def test_classes_with_a_nonlin_name_draw_its_bits(cls, name, kwargs, make_rng) -> None:
    np.testing.assert_array_equal(cls(**kwargs)(make_rng(3), 40, 30),
                                  INITIALIZERS[name](make_rng(3), 40, 30))


INITS_JSON = [*INITS, HeNormal(seed=3), RandomUniform(seed=np.int64(7))]


@pytest.mark.parametrize("init", INITS_JSON, ids=repr)
def test_config_round_trip_gives_the_same_initializer_and_draws(init) -> None:
    config = init.get_config()
    assert json.loads(json.dumps(config)) == config
    for again in (type(init).from_config(config), init.clone(),
                  from_entry(nonlin.initializers.initializer_name(init))):
        assert type(again) is type(init) and again.get_config() == config
        np.testing.assert_array_equal(again(np.random.default_rng(1), 6, 4),
                                      init(np.random.default_rng(1), 6, 4))


def test_keras_config_entries_and_class_names_are_read() -> None:
    keras_entry = {"module": "keras.initializers", "class_name": "HeNormal",
                   "config": {"seed": None}, "registered_name": None}
    assert isinstance(Dense(2, kernel_initializer=keras_entry).init, HeNormal)
    assert isinstance(Dense(2, kernel_initializer=HeNormal).init, HeNormal)  # a class
    for name, cls in (("HeNormal", HeNormal), ("GlorotNormal", GlorotNormal),
                      ("random_uniform", RandomUniform), ("constant", Constant),
                      ("OrthogonalInitializer", Orthogonal), ("Zeros", Zeros)):
        assert registry.lookup("initializer", name) is cls
        assert type(Dense(2, kernel_initializer=name).init) is cls
    assert Dense(2, init="he_normal").init is INITIALIZERS["he_normal"]  # unchanged
    assert Dense(2, init="uniform").init is INITIALIZERS["uniform"]  # nonlin's U[-1, 1)


def _header(data: bytes) -> str:
    return data[8:8 + int.from_bytes(data[:8], "little")].decode()


def test_a_model_file_records_and_loads_them_through_the_registry() -> None:
    model = Sequential([
        Dense(8, activation="relu", kernel_initializer=HeNormal()),
        Dense(6, kernel_initializer=VarianceScaling(scale=2.0, mode="fan_in",
                                                    distribution="truncated_normal")),
        Dense(5, kernel_initializer=RandomNormal(mean=0.0, stddev=0.05)),
        Dense(4, kernel_initializer=Orthogonal(gain=1.0)),
        Dense(4, kernel_initializer=Identity(2.0), use_bias=False),
        Dense(3, kernel_initializer=Constant(0.1)),
    ]).build(4, seed=0)
    buffer = io.BytesIO()
    model.save(buffer)
    data = buffer.getvalue()
    architecture = json.loads(json.loads(_header(data))["__metadata__"]["architecture"])
    inits = [layer["config"]["init"] for layer in architecture["layers"]]
    assert inits[0] == {"class_name": "HeNormal", "config": {"seed": None}}
    assert inits[5] == {"class_name": "Constant", "config": {"value": 0.1}}
    assert "custom" not in _header(data)
    loaded = nonlin.load(io.BytesIO(data))
    for old, new in zip(model.layers, loaded.layers, strict=True):
        assert type(new.init) is type(old.init)
        assert new.init.get_config() == old.init.get_config()
    X = np.random.default_rng(2).normal(size=(5, 4))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    rebuilt = Sequential.from_config(model.get_config()).build(4, seed=0)  # draws anew
    for a, b in zip(rebuilt.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # a name outside the allowlist is refused, naming it; no code is looked up
    for hostile in (b"HeNormal", b"Constant"):
        bad = data.replace(hostile, b"X" * (len(hostile) - 1) + b"Y", 1)
        with pytest.raises(nonlin.ModelFileError, match="Expected an initializer entry"):
            nonlin.load(io.BytesIO(bad))


@pytest.mark.parametrize("entry", [
    {"class_name": "Initializer", "config": {}},
    {"class_name": "he_normal", "config": {}},
    {"class_name": "HeNormal"},
    {"class_name": ["HeNormal"], "config": {}},
    {"class_name": "HeNormal", "config": {}, "module": "os"},
    {"class_name": "HeNormal", "config": {}, "registered_name": "x>HeNormal"},
])
def test_entries_outside_the_allowlist_are_refused(entry) -> None:
    with pytest.raises(ValueError, match="Expected an initializer entry.*Received"):
        Dense(2, init=entry)
    with pytest.raises(ValueError, match="Expected the config of HeNormal.*Received"):
        Dense(2, init={"class_name": "HeNormal", "config": {"scale": 3.0}})


def test_an_int_seed_gives_the_same_bits_from_a_generator_of_its_own() -> None:
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    first = HeNormal(seed=3)(rng, 6, 5)
    assert rng.bit_generator.state == state  # the model's generator is left alone
    np.testing.assert_array_equal(first, HeNormal(seed=3)(np.random.default_rng(9), 6, 5))
    np.testing.assert_array_equal(first, VarianceScaling(2.0)(np.random.default_rng(3), 6, 5))
    weights = [Sequential([Dense(5, kernel_initializer=HeNormal(seed=3))]).build(6, seed=s)
               .get_weights()[0] for s in (0, 1)]
    np.testing.assert_array_equal(*weights)
    assert RandomUniform(seed=np.int64(7)).get_config()["seed"] == 7


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0", np.random.default_rng(0),
                                  {"class_name": "SeedGenerator", "config": {"seed": 1}}])
def test_other_seeds_are_refused_naming_the_model_seed(seed) -> None:
    with pytest.raises(ValueError, match=r"Expected seed=None .*build\(n_features, seed=.*"
                                         r"Received: seed="):
        HeNormal(seed=seed)


@pytest.mark.parametrize("make, match", [
    (lambda: VarianceScaling(scale=0.0), "positive, finite scale. Received: scale=0.0"),
    (lambda: VarianceScaling(scale=-2.0), "positive, finite scale. Received: scale=-2.0"),
    (lambda: VarianceScaling(scale=float("nan")), "Received: scale=nan"),
    (lambda: VarianceScaling(scale=math.inf), "Received: scale=inf"),
    (lambda: VarianceScaling(scale="2"), "Received: scale='2'"),
    (lambda: VarianceScaling(mode="fan_sum"), "Expected mode one of .*Received: mode='fan_sum'"),
    (lambda: VarianceScaling(mode="FAN_IN"), "Received: mode='FAN_IN'"),
    (lambda: VarianceScaling(distribution="gaussian"),
     "Expected distribution one of .*Received: distribution='gaussian'"),
    (lambda: VarianceScaling(distribution=3), "Received: distribution=3"),
    (lambda: RandomNormal(stddev=-1.0), "Expected a finite number >= 0. Received: stddev=-1.0"),
    (lambda: RandomNormal(mean=float("nan")), "Received: mean=nan"),
    (lambda: TruncatedNormal(stddev=math.inf), "Received: stddev=inf"),
    (lambda: RandomUniform(0.1, -0.1), "Expected minval <= maxval. Received: minval=0.1"),
    (lambda: RandomUniform(maxval=float("nan")), "Received: maxval=nan"),
    (lambda: Constant(float("nan")), "Expected a finite number. Received: value=nan"),
    (lambda: Constant([1.0, 2.0]), r"Received: value=\[1.0, 2.0\]"),
    (lambda: Orthogonal(gain=math.inf), "Received: gain=inf"),
    (lambda: Identity(float("nan")), "Received: gain=nan"),
])
def test_bad_settings_are_refused_naming_them(make, match) -> None:
    with pytest.raises(ValueError, match=match):
        make()


# nonlin's names before this change: sha256 (first 16 hex digits) of name(rng(7), 40, 30)
# from default_rng and RandomState (orthogonal left out: its QR comes from the LAPACK build)
HASHES = {
    "uniform": ("076c2085071e1c53", "a199589d4b61d782"),
    "glorot_uniform": ("7ab1cff97fb85ca5", "8d84a3c6c16e8b35"),
    "glorot_normal": ("fbf5515a83240d61", "22a853c510f86ded"),
    "he_normal": ("c19419c516e02d0f", "28b42b3626d9a4f4"),
    "he_uniform": ("a6eccdbe744d9ca3", "37c6f060ab4ab8ce"),
    "lecun_normal": ("48f853fb2ac093e5", "9de2db76e71d0b4b"),
    "lecun_uniform": ("c55971e07ec2f589", "70fbf21911b8fed2"),
    "zeros": ("e9a15a094703faae", "e9a15a094703faae"),
    "variance_scaling": ("48f853fb2ac093e5", "9de2db76e71d0b4b"),
    "truncated_normal": ("04daaacc159e784f", "2ab5cde50f841768"),
    "random_normal": ("dd2b4ec74c2f0fd7", "f825e6d557a7b4d1"),
    "ones": ("5485c6b2a1b42da3", "5485c6b2a1b42da3"),
    "identity": ("c69573cd21732328", "c69573cd21732328"),
}


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@pytest.mark.parametrize("name", HASHES)
def test_existing_names_draw_bit_identically(name) -> None:
    draws = tuple(_hash(INITIALIZERS[name](make(7), 40, 30).tobytes())
                  for make in (np.random.default_rng, np.random.RandomState))
    assert draws == HASHES[name]


def test_existing_model_files_stay_byte_identical() -> None:
    model = Sequential([Dense(6, init="he_normal"), Dense(4, kernel_initializer="glorot_normal"),
                        Dense(2, init="lecun_normal")]).build(3, seed=0)
    buffer = io.BytesIO()
    model.save(buffer)
    assert _hash(b"".join(w.tobytes() for w in model.get_weights())) == "885e0edd1f35ddf3"
    assert _hash(buffer.getvalue()) == "b84582befa34f836"


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _torch_weight(torch, fill, fan_in: int, fan_out: int, **kwargs) -> np.ndarray:
    """PyTorch's fill of an nn.Linear weight, shape (fan_out, fan_in), as nonlin's layout."""
    weight = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.manual_seed(0)
    fill(weight, **kwargs)
    return weight.numpy().T


@pytest.mark.parametrize("fill, kwargs, ours", [
    ("kaiming_normal_", dict(mode="fan_in", nonlinearity="relu"), INITIALIZERS["he_normal"]),
    ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu"),
     VarianceScaling(2.0, "fan_out", "untruncated_normal")),
    ("kaiming_normal_", dict(a=0.2, mode="fan_in", nonlinearity="leaky_relu"),
     VarianceScaling(2 / (1 + 0.2 ** 2), "fan_in", "untruncated_normal")),
    ("xavier_normal_", {}, INITIALIZERS["glorot_normal"]),
    ("xavier_normal_", dict(gain=5 / 3), VarianceScaling(25 / 9, "fan_avg", "untruncated_normal")),
    ("xavier_uniform_", {}, GlorotUniform()),
    ("kaiming_uniform_", dict(nonlinearity="relu"), HeUniform()),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), VarianceScaling(1 / 3, "fan_in", "uniform")),
    ("trunc_normal_", dict(std=0.05, a=-0.1, b=0.1), TruncatedNormal()),
    ("normal_", dict(std=0.05), RandomNormal()),
    ("uniform_", dict(a=-0.05, b=0.05), RandomUniform()),
])
def test_torch_fills_are_the_stated_equivalents(torch, fill, kwargs, ours) -> None:
    """PyTorch's weight is (fan_out, fan_in): its fan_in is nonlin's (fan_in, fan_out)[0].
    Same distribution: standard deviations within 1% (200,000 draws, > 6 standard errors),
    the same bounds where there are bounds."""
    theirs = _torch_weight(torch, getattr(torch.nn.init, fill), *N, **kwargs)
    mine = ours(np.random.default_rng(0), *N)
    assert mine.std() == pytest.approx(theirs.std(), rel=0.01)
    assert abs(mine.mean() - theirs.mean()) < 0.02 * theirs.std()
    if "uniform" in fill or fill == "trunc_normal_":
        assert np.abs(mine).max() == pytest.approx(np.abs(theirs).max(), rel=1e-3)


def test_torch_formulas_match_exactly(torch) -> None:
    init = torch.nn.init
    weight = torch.empty(N[1], N[0])
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(weight)
    assert (fan_in, fan_out) == N  # torch's (out, in) weight: nonlin's (fan_in, fan_out)
    assert init.calculate_gain("relu") / math.sqrt(fan_in) == pytest.approx(
        math.sqrt(HeNormal().scale / N[0]), rel=1e-15)  # kaiming_normal_'s std
    gain = init.calculate_gain("leaky_relu", math.sqrt(5))  # nn.Linear's default weights
    assert gain * math.sqrt(3 / fan_in) == pytest.approx(math.sqrt(3 * (1 / 3) / N[0]),
                                                         rel=1e-15)
    eye = init.eye_(torch.empty(5, 3, dtype=torch.float64)).numpy().T
    np.testing.assert_array_equal(Identity()(np.random.default_rng(0), 3, 5), eye)
    q = _torch_weight(torch, init.orthogonal_, 7, 3, gain=2.0)  # weight (3, 7): orthonormal rows
    ours = Orthogonal(gain=2.0)(np.random.default_rng(0), 7, 3)
    np.testing.assert_allclose(q.T @ q, ours.T @ ours, atol=1e-12)  # both 4 I
