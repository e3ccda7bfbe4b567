"""Side effects: nothing a user gave is mutated, editing what a call returned changes
nothing it came from, and a refused call changes nothing."""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest

import nonlin
from nonlin import SGD, Adam, BatchNorm, Dense, ReLU, Sequential, Softmax
from nonlin.callbacks import History
from nonlin.metrics import AUC, Precision, Recall
from nonlin.schedules_more import PiecewiseConstantDecay

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 3))
Y = RNG.integers(0, 2, 30)


def trained() -> Sequential:
    model = Sequential([Dense(4), ReLU(), BatchNorm(), Dense(2), Softmax()])
    model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0, seed=0)
    return model


def everything(model: Sequential) -> dict[str, object]:
    """What a refused call must leave as it was."""
    return {"weights": model.get_weights(), "state": model.get_state(),
            "rng": copy.deepcopy(model.rng.bit_generator.state),
            "optimizer": model.optimizer, "loss": model.loss, "history": model.history,
            "curve": copy.deepcopy(model.history.history),
            "slots": model.optimizer.state_dict()}


def assert_unchanged(before: dict[str, object], after: dict[str, object]) -> None:
    assert before.keys() == after.keys()
    for key in ("optimizer", "loss", "history"):
        assert before[key] is after[key], key
    for key in ("weights", "state", "rng", "curve", "slots"):
        np.testing.assert_equal(after[key], before[key], err_msg=key)


# -- what a user gave ---------------------------------------------------------------
def test_the_array_an_initializer_returns_is_copied_not_trained_in_place() -> None:
    kept = np.full((3, 2), 0.5)

    def init(rng: object, fan_in: int, fan_out: int) -> np.ndarray:
        return kept  # the same array every time: a "constant" initializer

    a = Sequential([Dense(2, bias=False, init=init)]).build(3, seed=0)
    b = Sequential([Dense(2, bias=False, init=init)]).build(3, seed=0)
    assert not np.shares_memory(a.layers[0].W.value, kept)
    assert not np.shares_memory(a.layers[0].W.value, b.layers[0].W.value)
    a.fit(X, RNG.normal(size=(30, 2)), loss="mse", optimizer=SGD(0.1), epochs=1, verbose=0)
    np.testing.assert_array_equal(kept, np.full((3, 2), 0.5))  # the user's array
    np.testing.assert_array_equal(b.get_weights()[0], kept)  # the other model's weights


# -- editing what a call returned ---------------------------------------------------
def test_editing_a_schedule_config_leaves_the_schedule_and_the_optimizer() -> None:
    schedule = PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])
    config = schedule.get_config()
    config["values"][0], config["boundaries"][0] = 5.0, 0
    assert schedule(0) == 0.1 and schedule(5) == 0.1
    assert schedule.get_config() == {"boundaries": [10, 20], "values": [0.1, 0.01, 0.001]}
    optimizer = SGD(PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]))
    optimizer.get_config()["lr"]["config"]["values"][0] = 5.0
    assert optimizer.current_lr() == 0.1


def test_editing_a_metric_config_leaves_the_metric() -> None:
    y_true = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    y_pred = np.array([[0.9, 0.2], [0.3, 0.8], [0.6, 0.4], [0.1, 0.7]])
    auc = AUC(thresholds=[0.3, 0.6], multi_label=True, label_weights=[1.0, 3.0])
    expected = auc(y_true, y_pred)
    config = auc.get_config()
    config["label_weights"][0], config["thresholds"][0] = 100.0, 0.9
    assert auc(y_true, y_pred) == expected
    assert auc.get_config()["label_weights"] == [1.0, 3.0]
    assert auc.get_config()["thresholds"] == [0.3, 0.6]
    for cls in (Precision, Recall):
        metric = cls(thresholds=[0.4])
        metric.get_config()["thresholds"][0] = 0.9
        assert metric.get_config()["thresholds"] == [0.4]


# -- a refused fit ----------------------------------------------------------------
@pytest.mark.parametrize("refused", [
    {"metrics": ["no such metric"]},
    {"metrics": ["accuracy", "no such metric"], "optimizer": Adam(0.5),
     "loss": nonlin.CrossEntropy()},
    {"callbacks": [History(), "not a callback"]},
    {"callbacks": [History(), 1], "optimizer": SGD(0.5), "seed": 3},
], ids=["metric", "metric-new-optimizer", "callback", "callback-new-optimizer"])
def test_a_fit_refused_for_its_arguments_changes_nothing(refused: dict[str, object]) -> None:
    model = trained()
    before = everything(model)
    with pytest.raises((ValueError, TypeError)):
        model.fit(X, Y, epochs=3, verbose=0, **refused)  # type: ignore[arg-type]
    assert_unchanged(before, everything(model))


def test_a_fit_whose_checkpoint_cannot_be_read_keeps_the_generator(tmp_path: object) -> None:
    model = trained()
    before = everything(model)
    missing = os.path.join(str(tmp_path), "missing.safetensors")
    with pytest.raises(FileNotFoundError):
        model.fit(X, Y, epochs=3, verbose=0, seed=5, resume_from=missing)
    assert_unchanged(before, everything(model))


@pytest.mark.parametrize("how", ["stepped", "loaded"])
def test_a_fit_refused_for_another_models_optimizer_changes_nothing(how: str) -> None:
    other = Sequential([Dense(5), Softmax()])
    other.fit(X, Y, loss="cross_entropy", optimizer=Adam(), epochs=1, verbose=0)
    optimizer = other.optimizer  # its moments belong to the other model's weights
    if how == "loaded":
        optimizer = Adam()
        optimizer.load_state_dict(other.optimizer.state_dict())
    model = trained()
    before = everything(model)
    with pytest.raises(ValueError, match="holds state for|Expected optimizer state for"):
        model.fit(X, Y, optimizer=optimizer, epochs=3, verbose=0)
    assert_unchanged(before, everything(model))  # BatchNorm's statistics and the generator too


def test_a_seed_still_reseeds_a_fit_and_a_bad_one_is_still_refused() -> None:
    a, b = trained(), trained()
    a.fit(X, Y, epochs=1, verbose=0, seed=7)
    b.rng = np.random.default_rng(7)
    b.fit(X, Y, epochs=1, verbose=0)
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    with pytest.raises(ValueError, match="seed=-1"):
        a.fit(X, Y, epochs=1, verbose=0, seed=-1)


@pytest.mark.parametrize("how", ["fit", "warm_start", "partial_fit", "lbfgs"])
def test_an_estimator_refuses_what_is_no_callback_before_changing_anything(how: str) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    est.partial_fit(X, Y, classes=[0, 1])
    fitted = {"coefs_": [w.copy() for w in est.coefs_], "n_iter_": est.n_iter_, "t_": est.t_,
              "loss_curve_": list(est.loss_curve_), "model_": est.model_}
    est.set_params(callbacks=[History(), "not a callback"], warm_start=how != "fit",
                   solver="lbfgs" if how == "lbfgs" else "adam")
    with pytest.raises(TypeError, match="Expected Callback instances. Received: 'not a"):
        est.partial_fit(X, Y) if how == "partial_fit" else est.fit(X, Y)
    assert est.model_ is fitted["model_"]
    np.testing.assert_equal(
        {"coefs_": est.coefs_, "n_iter_": est.n_iter_, "t_": est.t_,
         "loss_curve_": est.loss_curve_}, {k: v for k, v in fitted.items() if k != "model_"})


# -- refusals name what they received -----------------------------------------------
def test_set_weights_names_the_value_it_refuses() -> None:
    model = trained()
    weights = model.get_weights()
    weights[0][1, 0] = np.nan
    with pytest.raises(ValueError, match=r"\(0\.W\)\. Received weights\[0\]\[1, 0\]=nan"):
        model.set_weights(weights)
    weights[0] = np.full((3, 4), "a")
    with pytest.raises(ValueError, match="Received dtype <U1"):
        model.set_weights(weights)


def test_a_loss_names_the_sample_weight_it_refuses() -> None:
    with pytest.raises(ValueError, match=r"Received sample_weight\[2\]=-2\.0"):
        nonlin.MeanSquaredError()(np.ones(3), np.ones(3), sample_weight=[1.0, 0.5, -2.0])
    with pytest.raises(ValueError, match=r"Received sample_weight\[1\]=nan"):
        nonlin.MeanSquaredError()(np.ones(3), np.ones(3), sample_weight=[1.0, np.nan, -2.0])


def test_an_optimizer_names_the_state_it_refuses() -> None:
    with pytest.raises(ValueError, match=r"Received: state=\[1, 2\]"):
        Adam().load_state_dict([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(("metadata", "received"), [
    ({"feature_names": ["a", "b", "a"]}, "Received 'a' 2 times"),
    ({"preprocessing": {"type": "standardize", "mean": [0, 0, 0]}},
     r"Received the keys \['mean', 'type'\]"),
    ({"preprocessing": {"type": "standardize", "mean": [0, 0, 0], "scale": [1, 0, 2]}},
     r"Received preprocessing\['scale'\]\[1\]=0"),
])
def test_save_names_the_metadata_it_refuses(metadata: dict[str, object], received: str,
                                            tmp_path: object) -> None:
    model = Sequential([Dense(1)]).build(3, seed=0)
    path = os.path.join(str(tmp_path), "model.safetensors")
    with pytest.raises(ValueError, match=received):
        model.save(path, metadata=metadata)
    assert not os.path.exists(path)
