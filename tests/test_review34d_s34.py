"""Review of session 34's weighted ``class_weight="balanced"`` and saved metadata requests.

The estimators' and ``nonlin train``'s balanced weights under ``sample_weight`` /
``--weight`` are scikit-learn's ``compute_class_weight(..., sample_weight=)`` to the bit
(they summed the weights themselves, float32 ones in float32: an ulp or more apart); a
checkpoint whose balanced table an earlier nonlin counted unweighted still resumes; a
hostile ``training.requests`` key is named escaped and cut, not echoed raw.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.utils.class_weight import compute_class_weight  # noqa: E402

import nonlin  # noqa: E402
from io_helpers import edit_meta  # noqa: E402
from nonlin import cli  # noqa: E402
from nonlin._header import ModelFileError  # noqa: E402
from nonlin.sklearn import MLPClassifier, load  # noqa: E402

RNG = np.random.default_rng(34)
X = RNG.normal(size=(60, 3))
Y3 = RNG.integers(0, 3, 60)
SW = RNG.random(60) * 2.7 + 0.05
KW: dict[str, Any] = {"hidden_layer_sizes": (4,), "max_iter": 3, "random_state": 0}


# -- the estimators: compute_class_weight's weights to the bit -------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_balanced_with_sample_weight_trains_with_compute_class_weights_bits(
        dtype: Any, kind: str) -> None:
    """``class_weight="balanced"`` with ``sample_weight`` trains bit for bit as
    ``sample_weight`` times ``compute_class_weight("balanced", sample_weight=)`` (the
    rule of ``LogisticRegression``, which casts them to ``X``'s dtype so too)."""
    y = Y3 if kind == "multiclass" else (Y3 == 0).astype(int)
    Xd, sw = X.astype(dtype), SW.astype(dtype)
    classes = np.unique(y)
    cw = compute_class_weight("balanced", classes=classes, y=y, sample_weight=sw)
    explicit = cw[np.searchsorted(classes, y)].astype(dtype) * sw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        balanced = MLPClassifier(**KW, class_weight="balanced").fit(Xd, y, sample_weight=sw)
        given = MLPClassifier(**KW).fit(Xd, y, sample_weight=explicit)
    for a, b in zip(balanced.coefs_, given.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert balanced.loss_curve_ == given.loss_curve_


# -- nonlin train --class-weight balanced --weight --------------------------------------
def _data(folder: Path, weights: np.ndarray) -> None:
    rows = [f"{a:.3f},{b:.3f},{float(w)!r},{'yes' if i % 4 == 0 else 'no'}"
            for i, ((a, b, _), w) in enumerate(zip(X, weights, strict=True))]
    (folder / "d.csv").write_text("a,b,w,y\n" + "\n".join(rows) + "\n")


def _train(folder: Path, *options: str) -> int:
    return cli.main(["train", str(folder / "d.csv"), "--target", "y", "--hidden", "3",
                     "--epochs", "2", "--quiet", "--weight", "w", "--class-weight",
                     "balanced", *options])


def test_the_cli_balanced_table_is_compute_class_weights_to_the_bit(tmp_path: Path) -> None:
    """The recorded table equals scikit-learn's weights exactly (was: its own sum of the
    weights, an ulp apart)."""
    weights = np.round(SW * 10) / 10 + 0.01
    _data(tmp_path, weights)
    assert _train(tmp_path, "-o", str(tmp_path / "m.safetensors")) == 0
    table = nonlin.load(tmp_path / "m.safetensors").metadata["training"]["class_weights"]
    order = np.random.default_rng(0).permutation(60)[:48]  # --val-split 0.2's training rows
    labels = (order % 4 == 0).astype(int)
    expected = compute_class_weight("balanced", classes=np.array([0, 1]), y=labels,
                                    sample_weight=weights[order])
    assert [table["no"], table["yes"]] == expected.tolist()


# -- training.requests: a hostile key -------------------------------------------------
def _saved() -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLPClassifier(**KW).fit(X, Y3).save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("requests", "field"), [
    ({"x" * 100_000: {"sample_weight": True}}, "training.requests['xxx"),
    ({"fit\n\x1b[2J": {"sample_weight": True}}, r"training.requests['fit\n\x1b[2J']"),
    ({"fit": {"y" * 100_000: True}}, "training.requests.fit['yyy"),
    ({"fit": {"sample_weight\x1b[31m": True}}, r"training.requests.fit['sample_weight\x1b[31m']"),
])
def test_a_hostile_request_key_is_named_escaped_and_cut(requests: dict, field: str) -> None:
    """The key that is no method or parameter is named quoted, escaped and cut, in the
    field as in the message (was: the field echoed it raw: a line break or an escape
    code sent to the terminal, a 100 000-character message)."""
    def change(meta: dict) -> dict:
        meta["training"]["requests"] = requests
        return meta

    with pytest.raises(ModelFileError) as info:
        load(io.BytesIO(edit_meta(_saved(), "metadata", change)))
    message = str(info.value)
    assert info.value.field is not None and info.value.field.startswith(field)
    assert len(message) < 400 and "\n" not in message and "\x1b" not in message


def test_a_loaded_estimators_requests_survive_a_clone_and_a_pickle() -> None:
    """Guard: the requests ``load`` sets are kept by ``clone`` and a pickle, as set ones."""
    import pickle

    import sklearn
    from sklearn.base import clone

    def change(meta: dict) -> dict:
        meta["training"]["requests"] = {"fit": {"sample_weight": True},
                                        "score": {"sample_weight": "w"}}
        return meta

    loaded = load(io.BytesIO(edit_meta(_saved(), "metadata", change)))
    with sklearn.config_context(enable_metadata_routing=True):
        expected = str(MLPClassifier().set_fit_request(sample_weight=True)
                       .set_score_request(sample_weight="w").get_metadata_routing())
    for est in (loaded, clone(loaded), pickle.loads(pickle.dumps(loaded))):
        assert str(est.get_metadata_routing()) == expected


# -- a checkpoint written before the weighted count -----------------------------------
def test_a_checkpoint_whose_balanced_table_counted_the_rows_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint of ``--weight w --class-weight balanced`` whose table an earlier nonlin
    counted unweighted (the rows' counts, ``n / (2 * n_c)``) resumes with that table, as
    its run began (was: refused, "expected the weights class_weight 'balanced' gives")."""
    from cli_helpers import interrupt_after
    from nonlin import cli_train_model

    _data(tmp_path, SW)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert _train(tmp_path, "-o", "r.safetensors", "--epochs", "3") == 130
    order = np.random.default_rng(0).permutation(60)[:48]
    n_yes = int(np.sum(order % 4 == 0))
    old = {"no": 48 / (2 * (48 - n_yes)), "yes": 48 / (2 * n_yes)}

    def change(meta: dict) -> dict:
        meta["training"]["class_weights"] = old
        return meta

    checkpoint = tmp_path / "r.checkpoint.safetensors"
    checkpoint.write_bytes(edit_meta(checkpoint.read_bytes(), "metadata", change))
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "3", "--quiet", "-o",
                     "r.safetensors", "--resume", str(checkpoint)]) == 0
    assert nonlin.load(tmp_path / "r.safetensors").metadata["training"]["class_weights"] == old
    # another table is still refused
    change_again = {"no": 1.0, "yes": 3.0}
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert _train(tmp_path, "-o", "r.safetensors", "--epochs", "3") == 130
    checkpoint.write_bytes(edit_meta(checkpoint.read_bytes(), "metadata", lambda m: {
        **m, "training": {**m["training"], "class_weights": change_again}}))
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "3", "--quiet", "-o",
                     "r.safetensors", "--resume", str(checkpoint)]) == 2


# -- Sequential.fit's advice for 'balanced' -------------------------------------------
def test_sequential_fits_balanced_advice_counts_by_sample_weight_as_the_estimator() -> None:
    """``Sequential.fit(class_weight="balanced")`` is refused, as Keras refuses it, and its
    advice names the estimator's rule under ``sample_weight`` too (was: only the rows'
    counts, which the estimator it points to no longer uses beside ``sample_weight``)."""
    y = (Y3 == 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    with pytest.raises(TypeError) as error:
        model.fit(X, y, loss="binary_cross_entropy", optimizer="sgd", epochs=1, seed=0, verbose=0,
                  class_weight="balanced", sample_weight=SW)
    assert "np.bincount(y, weights=w)" in str(error.value)
    n_classes, w = 2, SW  # the advice as written
    c = np.bincount(y, weights=w)
    advice = c.sum() / (n_classes * c)
    np.testing.assert_array_equal(advice, compute_class_weight(
        "balanced", classes=np.array([0, 1]), y=y, sample_weight=w))
    model.fit(X, y, loss="binary_cross_entropy", optimizer="sgd", epochs=1, seed=0, verbose=0,
              class_weight=dict(enumerate(advice)), sample_weight=w)


# -- nonlin train: a class with no training row ---------------------------------------
def test_a_class_with_no_training_row_is_not_counted_with_or_without_weight(
        tmp_path: Path) -> None:
    """``balanced`` over the training rows is ``compute_class_weight`` on their labels:
    a class whose one row is held out is not among ``n_classes`` (weighing 1, no row), and a
    ``--weight`` column of 1s gives the table no ``--weight`` gives (was: 3 classes
    counted without ``--weight``, 2 with it)."""
    order = np.random.default_rng(0).permutation(60)
    rare = int(order[-1])  # a validation row
    labels = ["z" if i == rare else ("yes" if i % 4 == 0 else "no") for i in range(60)]
    rows = [f"{a:.3f},{b:.3f},1,{label}" for (a, b, _), label in zip(X, labels, strict=True)]
    (tmp_path / "d.csv").write_text("a,b,w,y\n" + "\n".join(rows) + "\n")
    tables = []
    for options in (["--exclude", "w"], ["--weight", "w"]):
        assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--hidden", "3",
                         "--epochs", "1", "--quiet", "--class-weight", "balanced", *options,
                         "-o", str(tmp_path / "m.safetensors")]) == 0
        tables.append(nonlin.load(tmp_path / "m.safetensors")
                      .metadata["training"]["class_weights"])
    assert tables[0] == tables[1]
    train = np.array([labels[i] for i in order[:48]])
    expected = compute_class_weight("balanced", classes=np.array(["no", "yes"]), y=train)
    assert [tables[0]["no"], tables[0]["yes"], tables[0]["z"]] == [*expected.tolist(), 1.0]
