"""Session 24 verification audit (invariant 3): the checks the existing suite lacked.

* every activation layer (and ``Dense(activation=...)``) by finite differences in
  training mode, where its forward writes the buffers its backward reads;
* every loss's gradient *with sample weights*, in each reduction, by central differences
  of its own value (the existing checks use unweighted calls);
* ``fit``'s gradient (the fused softmax / sigmoid / logits paths, MSE and the generic
  one, with sample and class weights, "mean" and "sum", an L2 term) against central
  differences of the weighted loss the docs define, and against torch's autograd;
* scikit-learn estimators' ``BatchObjective`` (every kind, weights, ``alpha``) by
  central differences of its value (penalty included);
* optimizer rules no test recomputed: SGD's coupled ``weight_decay`` without momentum,
  a schedule driving Adam's bias-corrected step and AdamW's decoupled decay, global
  clipping ahead of Adam and RMSprop; torch as a second opinion where it agrees.

Central differences here use a step ``h = 1e-6`` in float64: the truncation error is
O(h^2 f''') ~ 1e-12 and the rounding error ~ 1e-16 |f| / h ~ 1e-10, so a correct
gradient scores below 1e-7 in the relative error ``||a - n|| / max(||a|| + ||n||, 1e-2)``
(``nonlin.gradcheck``'s measure, written out again here), a 1%-wrong one about 5e-3.
Points are kept away from kinks (ReLU's 0, MAE's residual 0, the hinges' margins).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Param, Sequential, Tanh, gradcheck
from nonlin.registry import ACTIVATIONS, LAYERS, LOSSES, OPTIMIZERS

H = 1e-6
TOL = 1e-7


def _rel(a: np.ndarray, n: np.ndarray) -> float:
    return float(np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-2))


def _central(f, x: np.ndarray) -> np.ndarray:
    """Central differences of ``f()`` w.r.t. every entry of ``x`` (perturbed in place)."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + H
        up = f()
        x[i] = keep - H
        down = f()
        x[i] = keep
        out[i] = (up - down) / (2 * H)
    return out


# -- layers: training mode ------------------------------------------------------------------
# Layers whose training-mode gradient is checked elsewhere (file::test); the activations are
# checked here. A newly registered layer fails test_every_registered_layer_is_accounted_for.
TRAINING_CHECKED_ELSEWHERE = {
    "Dense": "test_gradcheck.py::test_the_l2_penalty_is_part_of_the_checked_loss",
    "Dropout": "test_train_layers.py::test_dropout_gradcheck_in_training_mode_with_a_frozen_mask",
    "BatchNorm": "test_train_layers.py::test_batchnorm_gradcheck_in_training_mode",
    "LayerNormalization": "test_layer_norm.py::test_gradients_match_finite_differences_in_"
                          "training_mode",
    "Normalization": "test_normalization_layer.py::test_gradients_match_finite_differences_in_"
                     "training_mode",
    "PReLU": "test_prelu.py::test_gradcheck_in_a_model",
    "AlphaDropout": "test_noise_layers.py::test_gradcheck_switches_them_off_or_freezes_them",
    "GaussianDropout": "test_noise_layers.py::test_gradcheck_switches_them_off_or_freezes_them",
    "GaussianNoise": "test_noise_layers.py::test_gradcheck_switches_them_off_or_freezes_them",
}
ACTIVATION_CLASSES = sorted({cls.__name__: cls for cls in ACTIVATIONS.values()}.items())
ACTIVATION_SETTINGS = [  # arguments off the defaults, in training mode too
    lambda: nonlin.GELU(approximate=True), lambda: nonlin.LeakyReLU(0.3),
    lambda: nonlin.ELU(0.5), lambda: nonlin.Softmax(axis=1),
]


def test_every_registered_layer_is_accounted_for() -> None:
    names = {cls.__name__ for cls in LAYERS.values()}
    assert names == set(TRAINING_CHECKED_ELSEWHERE) | {n for n, _ in ACTIVATION_CLASSES}


@pytest.mark.parametrize("batch", [1, 7])
@pytest.mark.parametrize(("name", "cls"), ACTIVATION_CLASSES, ids=[n for n, _ in
                                                                   ACTIVATION_CLASSES])
def test_activation_layers_in_training_mode(name, cls, batch) -> None:
    rng = np.random.default_rng(3)
    model = Sequential([Dense(5), cls(), Dense(2)]).build(3, seed=0)
    X, y = rng.normal(size=(batch, 3)), rng.normal(size=(batch, 2))
    assert gradcheck(model, "mse", X, y, training=True) < TOL


@pytest.mark.parametrize("make", ACTIVATION_SETTINGS)
def test_activation_settings_in_training_mode(make) -> None:
    rng = np.random.default_rng(5)
    model = Sequential([Dense(5), make(), Dense(2)]).build(3, seed=0)
    X, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    assert gradcheck(model, "mse", X, y, training=True) < TOL


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_dense_with_each_activation_in_training_mode(activation) -> None:
    rng = np.random.default_rng(4)
    model = Sequential([Dense(5, activation=activation, l2=0.01), Dense(2)]).build(3, seed=0)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    assert gradcheck(model, "mse", X, y, training=True) < TOL


# -- losses: sample weights in every reduction -----------------------------------------------
def _targets(kind: str, rng: np.random.Generator, n: int = 6, k: int = 3) -> np.ndarray:
    labels = np.array([0, 1, 2, 2, 1, 0])[:n]
    return {
        "real": lambda: rng.normal(size=(n, k)),
        "positive": lambda: rng.uniform(0.5, 3.0, size=(n, k)),
        "bits": lambda: (rng.random((n, k)) > 0.5).astype(float),
        "labels": lambda: labels,
        "onehot": lambda: np.eye(k)[labels],
        "soft": lambda: rng.dirichlet(np.ones(k), n),
        "away": lambda: rng.uniform(0.5, 3.0, size=(n, k)) * rng.choice([-1.0, 1.0], (n, k)),
    }[kind]()


def _predictions(kind: str, rng: np.random.Generator, n: int = 6, k: int = 3) -> np.ndarray:
    return {
        "scores": rng.normal(size=(n, k)) * 1.5,
        "probabilities": rng.dirichlet(np.ones(k) * 3, n) * 0.9 + 0.1 / k,  # rows sum to 1
        "open": rng.uniform(0.1, 0.9, size=(n, k)),  # independent probabilities
        "positive": rng.uniform(0.3, 3.0, size=(n, k)),
    }[kind]


# class, keyword arguments, target kind, prediction kind
LOSS_CASES = {
    "mse": (nonlin.MeanSquaredError, {}, "real", "scores"),
    "mae": (nonlin.MeanAbsoluteError, {}, "real", "scores"),
    "huber": (nonlin.Huber, {"delta": 0.7}, "real", "scores"),
    "bce_logits_smooth_pos": (nonlin.BinaryCrossEntropy, {"from_logits": True,
                              "label_smoothing": 0.1, "pos_weight": [0.5, 2.0, 3.0]},
                              "bits", "scores"),
    "bce_probabilities_pos": (nonlin.BinaryCrossEntropy, {"pos_weight": 2.5}, "bits", "open"),
    "ce_logits_labels_smooth": (nonlin.CrossEntropy, {"from_logits": True,
                                "label_smoothing": 0.2}, "labels", "scores"),
    "ce_logits_soft": (nonlin.CrossEntropy, {"from_logits": True}, "soft", "scores"),
    "ce_probabilities_onehot_smooth": (nonlin.CrossEntropy, {"label_smoothing": 0.1},
                                       "onehot", "probabilities"),
    "ce_probabilities_labels_axis1": (nonlin.CrossEntropy, {"axis": 1}, "labels",
                                      "probabilities"),
    "poisson": (nonlin.Poisson, {}, "positive", "positive"),
    "kld": (nonlin.KLDivergence, {}, "soft", "probabilities"),
    "log_cosh": (nonlin.LogCosh, {}, "real", "scores"),
    "hinge": (nonlin.Hinge, {}, "bits", "scores"),
    "squared_hinge": (nonlin.SquaredHinge, {}, "bits", "scores"),
    "categorical_hinge": (nonlin.CategoricalHinge, {}, "onehot", "scores"),
    "binary_focal_logits": (nonlin.BinaryFocalCrossentropy, {
        "from_logits": True, "apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5,
        "label_smoothing": 0.1}, "bits", "scores"),
    "binary_focal_probabilities": (nonlin.BinaryFocalCrossentropy, {"gamma": 2.0}, "bits",
                                   "open"),
    "categorical_focal_logits": (nonlin.CategoricalFocalCrossentropy, {
        "from_logits": True, "alpha": [0.2, 0.5, 0.3], "gamma": 2.0, "label_smoothing": 0.1},
        "labels", "scores"),
    "categorical_focal_probabilities": (nonlin.CategoricalFocalCrossentropy, {"gamma": 0.5},
                                        "onehot", "probabilities"),
    "msle": (nonlin.MeanSquaredLogarithmicError, {}, "positive", "positive"),
    "mape": (nonlin.MeanAbsolutePercentageError, {}, "away", "scores"),
    "cosine": (nonlin.CosineSimilarity, {}, "real", "scores"),
}


def test_every_registered_loss_is_accounted_for() -> None:
    assert {cls for cls in LOSSES.values()} == {case[0] for case in LOSS_CASES.values()}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", LOSS_CASES)
def test_weighted_loss_gradients_match_central_differences(case, reduction) -> None:
    cls, kwargs, target_kind, pred_kind = LOSS_CASES[case]
    rng = np.random.default_rng(sorted(LOSS_CASES).index(case))
    y, p = _targets(target_kind, rng), _predictions(pred_kind, rng)
    w = np.array([0.0, 1.0, 2.5, 0.3, 1.7, 4.0])
    loss = cls(**kwargs, reduction=reduction)

    def f() -> float:
        return float(np.sum(loss(y, p, w)))  # "none": the sum of w_i L_i

    analytic = loss.grad(y, p, w)
    assert _rel(analytic, _central(f, p)) < TOL
    # and the weights scale each row's gradient: w_i times the unweighted row's
    plain = cls(**kwargs, reduction=reduction).grad(y, p)
    np.testing.assert_allclose(analytic, plain * w[:, None], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_weighted_cross_entropies_match_torch(reduction) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    z, w = rng.normal(size=(6, 3)) * 2, rng.uniform(0.1, 3.0, 6)
    labels, bits = _targets("labels", rng), _targets("bits", rng)
    pos = [0.5, 2.0, 3.0]
    zt, wt = torch.tensor(z, requires_grad=True), torch.tensor(w)
    scale = 6.0 if reduction == "mean" else 1.0  # nonlin's mean divides by n, not sum(w)
    ce = (torch.nn.functional.cross_entropy(zt, torch.tensor(labels), reduction="none",
                                            label_smoothing=0.2) * wt).sum() / scale
    ce.backward()
    ours = nonlin.CrossEntropy(from_logits=True, label_smoothing=0.2, reduction=reduction)
    assert ours(labels, z, w) == pytest.approx(ce.item(), rel=1e-12)
    np.testing.assert_allclose(ours.grad(labels, z, w), zt.grad.numpy(), rtol=1e-11, atol=1e-15)
    zt.grad = None
    bce = (torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.tensor(bits), pos_weight=torch.tensor(pos), reduction="none").sum(1)
        * wt).sum() / scale
    bce.backward()
    ours_b = nonlin.BinaryCrossEntropy(from_logits=True, pos_weight=pos, reduction=reduction)
    assert ours_b(bits, z, w) == pytest.approx(bce.item(), rel=1e-12)
    np.testing.assert_allclose(ours_b.grad(bits, z, w), zt.grad.numpy(), rtol=1e-11, atol=1e-15)


# -- fit's gradient (fused paths, weights, reductions, L2) -----------------------------------
N_FIT = 9
_FIT_RNG = np.random.default_rng(21)
X_FIT = _FIT_RNG.normal(size=(N_FIT, 4))
LABELS_FIT = np.array([0, 1, 2, 2, 1, 0, 2, 1, 0])
BITS_FIT = (_FIT_RNG.random((N_FIT, 1)) > 0.5).astype(float)
SW_FIT = _FIT_RNG.uniform(0.2, 2.0, N_FIT)
CW_FIT = {0: 2.0, 1: 0.5, 2: 1.5}

# last layer (or None), loss, target, classes; the path fit takes is asserted (fused_kind)
FIT_CASES = {
    "softmax+ce labels": (nonlin.Softmax, lambda r: nonlin.CrossEntropy(reduction=r),
                          "labels", "softmax"),
    "softmax+ce one-hot": (nonlin.Softmax, lambda r: nonlin.CrossEntropy(reduction=r),
                           "onehot", "softmax"),
    "ce logits": (None, lambda r: nonlin.CrossEntropy(from_logits=True, reduction=r),
                  "labels", "softmax"),
    "softmax+ce smoothed": (nonlin.Softmax, lambda r: nonlin.CrossEntropy(
        label_smoothing=0.2, reduction=r), "labels", "logits"),
    "ce logits smoothed": (None, lambda r: nonlin.CrossEntropy(
        from_logits=True, label_smoothing=0.2, reduction=r), "onehot", "logits"),
    "sigmoid+bce": (nonlin.Sigmoid, lambda r: nonlin.BinaryCrossEntropy(reduction=r),
                    "bits", "sigmoid"),
    "bce logits": (None, lambda r: nonlin.BinaryCrossEntropy(from_logits=True, reduction=r),
                   "bits", "sigmoid"),
    "sigmoid+bce pos_weight": (nonlin.Sigmoid, lambda r: nonlin.BinaryCrossEntropy(
        pos_weight=3.0, label_smoothing=0.1, reduction=r), "bits", "logits"),
    "dense softmax+ce": ("softmax", lambda r: nonlin.CrossEntropy(reduction=r), "labels",
                         "softmax"),
    "dense softmax+ce smoothed": ("softmax", lambda r: nonlin.CrossEntropy(
        label_smoothing=0.1, reduction=r), "onehot", "logits"),
    "dense sigmoid+bce": ("sigmoid", lambda r: nonlin.BinaryCrossEntropy(reduction=r),
                          "bits", "sigmoid"),
    "mse": (None, lambda r: nonlin.MeanSquaredError(reduction=r), "real", "mse"),
    "huber": (None, lambda r: nonlin.Huber(delta=0.5, reduction=r), "real", "generic"),
    "categorical focal": (nonlin.Softmax, lambda r: nonlin.CategoricalFocalCrossentropy(
        reduction=r), "labels", "generic"),
}


def _fit_target(kind: str) -> np.ndarray:
    return {"labels": LABELS_FIT, "onehot": np.eye(3)[LABELS_FIT], "bits": BITS_FIT,
            "real": np.sin(X_FIT[:, :3])}[kind]


def _fit_model(last, k: int) -> Sequential:
    """Dense, Tanh, Dense (l2 on both), then ``last()``; a string: the last Dense's
    ``activation`` (Keras' form, whose activation fit fuses too: ``fused_head``)."""
    if isinstance(last, str):
        return Sequential([Dense(4, l2=0.01), Tanh(), Dense(k, activation=last, l2=0.02)]
                          ).build(4, seed=0)
    layers = [Dense(4, l2=0.01), Tanh(), Dense(k, l2=0.02)] + ([last()] if last else [])
    return Sequential(layers).build(4, seed=0)


def _penalty(model: Sequential) -> float:
    """Keras' L2 term, written out: sum over Dense layers of l2 * sum(W^2)."""
    return sum(x.l2 * float(np.sum(x.W.value ** 2)) for x in model.layers if isinstance(x, Dense))


def _weights(weights: str, target: str) -> tuple[np.ndarray | None, dict | None, np.ndarray]:
    """(sample_weight, class_weight) as fit takes them, and the per-row weight they make."""
    sw = SW_FIT if "sample" in weights else None
    cw = CW_FIT if "class" in weights and target != "real" else None  # classes: not of reals
    rows = np.ones(N_FIT) if sw is None else sw.copy()
    if cw is not None:
        labels = BITS_FIT[:, 0].astype(int) if target == "bits" else LABELS_FIT
        rows *= np.array([cw[int(c)] for c in labels])
    return sw, cw, rows


@pytest.mark.parametrize("weights", ["none", "sample", "sample+class"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("case", FIT_CASES)
def test_fit_steps_along_the_gradient_of_the_weighted_loss(case, reduction, weights) -> None:
    """One full-batch SGD(1.0) step of fit moves each weight by -dJ/dw, with
    ``J = loss(y, model(X), w) + sum l2 ||W||^2``, checked by central differences of J."""
    from nonlin.objective import fused_kind

    last, make, target, kind = FIT_CASES[case]
    y = _fit_target(target)
    k = 1 if target == "bits" else 3
    sw, cw, rows = _weights(weights, target)
    model, loss = _fit_model(last, k), make(reduction)
    assert fused_kind(model, loss)[0] == kind

    def J() -> float:
        return float(loss(y, model.predict(X_FIT), rows)) + _penalty(model)

    numeric = [_central(J, p.value) for p in model.parameters()]
    before = [p.value.copy() for p in model.parameters()]
    history = model.fit(X_FIT, y, loss=loss, optimizer=nonlin.SGD(1.0), epochs=1,
                        batch_size=N_FIT, shuffle=False, sample_weight=sw, class_weight=cw,
                        verbose=0)
    for w0, p, n in zip(before, model.parameters(), numeric, strict=True):
        assert _rel(w0 - p.value, n) < TOL
    # the recorded loss: J before the step; with "sum" the penalty is the epoch's last
    # (nonlin._epoch_logs: "plus the current penalty", counted once per epoch)
    first = _fit_model(last, k)
    data = float(loss(y, first.predict(X_FIT), rows))
    held = _penalty(first if reduction == "mean" else model)
    assert history.history["loss"][0] == pytest.approx(data + held, rel=1e-10)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fit_gradient_of_softmax_ce_with_weights_and_l2_matches_torch(reduction) -> None:
    torch = pytest.importorskip("torch")
    model = _fit_model(nonlin.Softmax, 3)
    sw, cw, rows = _weights("sample+class", "labels")
    params = [torch.tensor(p.value, requires_grad=True) for p in model.parameters()]
    W1, b1, W2, b2 = params
    z = torch.tanh(torch.tensor(X_FIT) @ W1 + b1) @ W2 + b2
    terms = torch.nn.functional.cross_entropy(z, torch.tensor(LABELS_FIT), reduction="none")
    total = (terms * torch.tensor(rows)).sum() / (N_FIT if reduction == "mean" else 1)
    (total + 0.01 * (W1 ** 2).sum() + 0.02 * (W2 ** 2).sum()).backward()
    before = [p.value.copy() for p in model.parameters()]
    model.fit(X_FIT, LABELS_FIT, loss=nonlin.CrossEntropy(reduction=reduction),
              optimizer=nonlin.SGD(1.0), batch_size=N_FIT, shuffle=False, sample_weight=sw,
              class_weight=cw, verbose=0)
    for w0, p, t in zip(before, model.parameters(), params, strict=True):
        np.testing.assert_allclose(w0 - p.value, t.grad.numpy(), rtol=1e-9, atol=1e-13)


# -- scikit-learn estimators: BatchObjective and the alpha rule ------------------------------
OBJECTIVE_CASES = {  # kind: (targets, outputs)
    "log_loss": ("onehot", 3), "binary_log_loss": ("bits", 2), "squared_error": ("real", 1),
    "absolute_error": ("real", 2), "huber": ("real", 2), "poisson": ("positive", 2),
    "nonlin_loss": ("real", 2),
}


@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kind", OBJECTIVE_CASES)
def test_estimator_objective_and_alpha_rule_match_central_differences(kind, weighted,
                                                                      flat) -> None:
    """``BatchObjective``: ``J = (sum_i w_i l_i + alpha / 2 sum ||W||^2) / s``; its ``_grad``
    is dJ/dz and ``PenalizedOptimizer`` adds dJ/dW's penalty part ``alpha / s * W`` (to the
    weights only; ``flat``: the estimators' one packed buffer, weights first)."""
    from nonlin._sklearn_rules import OBJECTIVES, BatchObjective, FlatParams, PenalizedOptimizer

    assert set(OBJECTIVES) == set(OBJECTIVE_CASES)
    target, k = OBJECTIVE_CASES[kind]
    rng = np.random.default_rng(31)
    y, z = _targets(target, rng, k=k), rng.normal(size=(6, k))
    w = rng.uniform(0.2, 3.0, 6) if weighted else None
    coefs = [Param(rng.normal(size=(4, 3))), Param(rng.normal(size=(3, k)))]
    loss = nonlin.LogCosh(reduction="sum") if kind == "nonlin_loss" else None
    biases = [Param(rng.normal(size=3)), Param(rng.normal(size=k))]
    objective = BatchObjective(kind, 0.3, coefs, loss)

    def J() -> float:
        return objective._value(y, z, w)

    J()
    analytic = objective._grad(y, z, w)
    numeric = _central(J, z)
    # scikit-learn's squared error averages over the outputs (k = 1 here) but its gradient
    # does not (sklearn.neural_network: squared_loss's .mean() against deltas = p - y)
    assert _rel(analytic, numeric) < TOL
    penalized = PenalizedOptimizer(nonlin.SGD(1.0), objective, coefs)
    if flat:
        penalized.flat = FlatParams(coefs + biases, len(coefs))
        objective.flat_coefs = penalized.flat.coef_values
    before = [c.value.copy() for c in coefs + biases]
    for c in coefs + biases:
        c.grad[...] = 0.0
    penalized.step(coefs + biases)  # w <- w - 1.0 * (0 + alpha / s * W); b <- b
    for c, w0 in zip(coefs + biases, before, strict=True):
        c.value[...], step = w0, w0 - c.value  # back to w0 for the differences
        assert _rel(step, _central(J, c.value)) < TOL


# -- optimizers ------------------------------------------------------------------------------
# Each registered optimizer's rule is recomputed by formula in (file::test); the rules with
# options that no test recomputed are checked below.
OPTIMIZER_FORMULA_TESTS = {
    "SGD": "test_sgd.py::test_sgd_matches_formula, test_optimizers.py::test_sgd_momentum_and_"
           "nesterov_match_formula (+ weight_decay without momentum: here)",
    "Adam": "test_optimizers.py::test_adam_bias_correction_at_steps_1_2_10, test_optimizers_"
            "s20.py::test_adam_and_adamw_amsgrad_are_keras_3s_rule_in_float64",
    "AdamW": "test_optimizers.py::test_adamw_rmsprop_adagrad_match_formula, test_optimizers_"
             "s20.py::test_adam_and_adamw_amsgrad_are_keras_3s_rule_in_float64",
    "RMSprop": "test_optimizers_s20.py::test_rmsprop_is_keras_3s_rule_in_float64",
    "Adagrad": "test_optimizers.py::test_adamw_rmsprop_adagrad_match_formula",
    "Adamax": "test_adamax_nadam.py::test_steps_1_2_and_10_match_keras_formulas",
    "Nadam": "test_adamax_nadam.py::test_steps_1_2_and_10_match_keras_formulas",
    "Adadelta": "test_adadelta_lion.py::test_adadelta_steps_are_keras_formulas_bit_for_bit",
    "Lion": "test_adadelta_lion.py::test_lion_steps_are_keras_formulas_bit_for_bit",
}


def test_every_registered_optimizer_is_accounted_for() -> None:
    assert {cls.__name__ for cls in OPTIMIZERS.values()} == set(OPTIMIZER_FORMULA_TESTS)


def _opt_params(seed: int = 0) -> list[Param]:
    rng = np.random.default_rng(seed)
    return [Param(rng.normal(size=(3, 2)), "W"), Param(rng.normal(size=2), "b")]


def _opt_grads(steps: int, seed: int = 1, scale: float = 1.0) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=(3, 2)) * scale, rng.normal(size=2) * scale] for _ in range(steps)]


def _feed(opt, params: list[Param], grads: list[list[np.ndarray]], lrs=None) -> None:
    for t, step in enumerate(grads):
        for p, g in zip(params, step, strict=True):
            p.grad[...] = g
        if lrs is not None:
            opt.lr = lrs[t]
        opt.step(params)


def test_sgd_coupled_weight_decay_without_momentum_is_its_formula_and_torch() -> None:
    """``g <- g + wd * w``, ``w <- w - lr * g`` (the docstring's rule; PyTorch's SGD)."""
    torch = pytest.importorskip("torch")
    params, grads = _opt_params(), _opt_grads(5)
    w = [p.value.copy() for p in params]
    tensors = [torch.tensor(x.copy()) for x in w]
    _feed(nonlin.SGD(0.1, weight_decay=0.05), params, grads)
    ref = torch.optim.SGD(tensors, lr=0.1, weight_decay=0.05)
    for step in grads:
        for i, g in enumerate(step):
            w[i] = w[i] - 0.1 * (g + 0.05 * w[i])
            tensors[i].grad = torch.tensor(g)
        ref.step()
    for p, want, t in zip(params, w, tensors, strict=True):
        np.testing.assert_allclose(p.value, want, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(p.value, t.numpy(), rtol=1e-13, atol=1e-15)


def _decay(t: int) -> float:
    return 0.02 * 0.5 ** (t / 3)  # ExponentialDecay(0.02, 3, 0.5) written out


@pytest.mark.parametrize("weight_decay", [None, 0.1])
def test_a_schedule_drives_adams_step_and_adamws_decay(weight_decay) -> None:
    """At step t (iterations t - 1): ``lr = schedule(t - 1)``,
    ``w <- w - lr * wd * w - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``."""
    from nonlin.schedules import ExponentialDecay

    schedule = ExponentialDecay(0.02, decay_steps=3, decay_rate=0.5)
    params, grads = _opt_params(2), _opt_grads(6, 3)
    opt = (nonlin.Adam(schedule, 0.8, 0.95, 1e-3) if weight_decay is None else
           nonlin.AdamW(schedule, beta_1=0.8, beta_2=0.95, epsilon=1e-3,
                        weight_decay=weight_decay))
    w = [p.value.copy() for p in params]
    m, v = [np.zeros_like(x) for x in w], [np.zeros_like(x) for x in w]
    _feed(opt, params, grads)
    for t, step in enumerate(grads, start=1):
        lr = _decay(t - 1)
        for i, g in enumerate(step):
            m[i] = 0.8 * m[i] + 0.2 * g
            v[i] = 0.95 * v[i] + 0.05 * g * g
            decay = lr * (weight_decay or 0.0) * w[i]
            w[i] = w[i] - decay - lr * math.sqrt(1 - 0.95**t) / (1 - 0.8**t) * m[i] / (
                np.sqrt(v[i]) + 1e-3)
    for p, want in zip(params, w, strict=True):
        np.testing.assert_allclose(p.value, want, rtol=1e-12, atol=1e-15)


def test_adamw_with_a_schedule_matches_torch() -> None:
    """PyTorch's AdamW with LambdaLR: the same rule where epsilon is negligible."""
    torch = pytest.importorskip("torch")
    from nonlin.schedules import ExponentialDecay

    params, grads = _opt_params(4), _opt_grads(8, 5)
    tensors = [torch.tensor(p.value.copy()) for p in params]
    _feed(nonlin.AdamW(ExponentialDecay(0.02, 3, 0.5), weight_decay=0.1, epsilon=1e-12),
          params, grads)
    ref = torch.optim.AdamW(tensors, lr=0.02, weight_decay=0.1, eps=1e-12)
    sched = torch.optim.lr_scheduler.LambdaLR(ref, lambda t: 0.5 ** (t / 3))
    for step in grads:
        for t, g in zip(tensors, step, strict=True):
            t.grad = torch.tensor(g)
        ref.step()
        sched.step()
    for p, t in zip(params, tensors, strict=True):
        np.testing.assert_allclose(p.value, t.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_reads_its_schedule_at_iterations(name) -> None:
    """A schedule gives the steps of the same optimizer whose ``lr`` is set by hand to
    ``schedule(iterations)`` before each step (rules with a changing rate: above and in
    test_optimizers_s20.py), bit for bit."""
    from nonlin.schedules import ExponentialDecay

    cls = OPTIMIZERS[name]
    params, same, grads = _opt_params(6), _opt_params(6), _opt_grads(5, 7)
    _feed(cls(ExponentialDecay(0.02, 3, 0.5)), params, grads)
    _feed(cls(0.5), same, grads, lrs=[_decay(t) for t in range(5)])
    for a, b in zip(params, same, strict=True):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_clips_the_global_norm_before_its_update(name) -> None:
    """clipnorm: every gradient times ``c / ||g||`` when the global norm ``||g||`` exceeds
    ``c`` (left alone below it), then the rule: as the rule fed those gradients."""
    cls = OPTIMIZERS[name]
    params, same = _opt_params(8), _opt_params(8)
    grads = _opt_grads(4, 9, scale=2.0)
    grads[2] = [g * 0.01 for g in grads[2]]  # a step under the threshold
    clipped = []
    for step in grads:
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in step))
        clipped.append([g * (1.5 / norm) if norm > 1.5 else g for g in step])
    _feed(cls(0.01, clipnorm=1.5), params, grads)
    _feed(cls(0.01), same, clipped)
    for a, b in zip(params, same, strict=True):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-12, atol=1e-14)


# -- BatchNorm's running statistics (an update rule of its own) ------------------------------
def test_batchnorm_running_statistics_follow_their_formula_and_torch() -> None:
    """``moving <- momentum * moving + (1 - momentum) * batch`` with the biased batch
    variance; inference normalizes with them. PyTorch's ``BatchNorm1d(momentum=1 - m)``
    keeps the same mean and the unbiased variance ``var * n / (n - 1)``."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(41)
    batches = [rng.normal(2.0, 3.0, size=(n, 4)) for n in (5, 8, 3)]
    model = Sequential([nonlin.BatchNorm(momentum=0.8, epsilon=1e-3)]).build(4, seed=0)
    bn = model.layers[0]
    bn.gamma.value[...], bn.beta.value[...] = rng.normal(size=4), rng.normal(size=4)
    ref = torch.nn.BatchNorm1d(4, eps=1e-3, momentum=0.2, dtype=torch.float64)
    mean, var, unbiased = np.zeros(4), np.ones(4), np.ones(4)
    for x in batches:
        model.forward(x, training=True)
        ref(torch.tensor(x))
        n = x.shape[0]
        mean = 0.8 * mean + 0.2 * x.mean(0)
        var = 0.8 * var + 0.2 * x.var(0)
        unbiased = 0.8 * unbiased + 0.2 * x.var(0) * n / (n - 1)
    np.testing.assert_allclose(bn.moving_mean, mean, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(bn.moving_variance, var, rtol=1e-13)
    np.testing.assert_allclose(ref.running_mean.numpy(), mean, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(ref.running_var.numpy(), unbiased, rtol=1e-13)
    x = batches[0]
    expected = bn.gamma.value * (x - mean) / np.sqrt(var + 1e-3) + bn.beta.value
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("case", ["softmax+ce labels", "sigmoid+bce pos_weight", "mse",
                                  "categorical focal", "ce logits smoothed"])
def test_each_batch_of_an_epoch_steps_along_its_own_weighted_loss(case, reduction) -> None:
    """Batches of 5 and 4 rows (shuffle=False): each SGD step follows -lr dJ_b/dw with
    ``J_b = loss(y_b, model(X_b), w_b) + L2``, ``"mean"`` dividing by the batch's rows."""
    last, make, target, _ = FIT_CASES[case]
    y = _fit_target(target)
    k = 1 if target == "bits" else 3
    sw, cw, rows = _weights("sample+class", target)
    model, replay, loss = _fit_model(last, k), _fit_model(last, k), make(reduction)
    for part in (slice(0, 5), slice(5, N_FIT)):
        def J(part=part) -> float:
            return float(loss(y[part], replay.predict(X_FIT[part]), rows[part])) + _penalty(
                replay)

        steps = [_central(J, p.value) for p in replay.parameters()]
        for p, g in zip(replay.parameters(), steps, strict=True):
            p.value -= 0.5 * g
    before = [p.value.copy() for p in model.parameters()]
    model.fit(X_FIT, y, loss=loss, optimizer=nonlin.SGD(0.5), epochs=1, batch_size=5,
              shuffle=False, sample_weight=sw, class_weight=cw, verbose=0)
    for w0, p, q in zip(before, model.parameters(), replay.parameters(), strict=True):
        assert _rel(w0 - p.value, w0 - q.value) < TOL
