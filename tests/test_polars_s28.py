"""polars DataFrames and pyarrow Tables in ``fit``, ``evaluate`` and ``predict``, taken as
pandas DataFrames are: column names recorded and checked as ``feature_names_in_`` (as
scikit-learn >= 1.9 reads them), a column that is not numeric named, nulls as NaN named by
the finiteness check, the same numbers as the array, and one C-ordered copy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin._frames import as_numeric

pl = pytest.importorskip("polars")

NAMES = ["age", "income", "height"]
FIT = dict(loss="cross_entropy", optimizer="adam", epochs=2, batch_size=16, verbose=0)


def _data(n: int = 40) -> tuple:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return pl.DataFrame(X, schema=NAMES), y, X


def _fitted(X, y) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2),
                               nonlin.Softmax()])
    model.fit(X, y, seed=0, **FIT)
    return model


def test_fit_on_a_polars_frame_records_its_column_names_and_trains_as_on_the_array() -> None:
    df, y, X = _data()
    model, plain = _fitted(df, y), _fitted(X, y)
    assert model.feature_names_in_.dtype == object
    assert model.feature_names_in_.tolist() == NAMES
    for a, b in zip(model.get_weights(), plain.get_weights(), strict=True):
        assert np.array_equal(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the frame as fitted: no warning
        assert np.array_equal(model.predict(df), plain.predict(X))
        assert model.evaluate(df, pl.Series(y), verbose=0) == plain.evaluate(X, y, verbose=0)


def test_a_reordered_polars_frame_is_refused_not_predicted_by_position() -> None:
    df, y, _ = _data()
    model = _fitted(df, y)
    swapped = df.select(["height", "age", "income"])
    with pytest.raises(ValueError, match="same order as they were in fit"):
        model.predict(swapped)
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- weight"):
        model.evaluate(df.rename({"height": "weight"}), y, verbose=0)
    assert np.array_equal(model.predict(swapped[model.feature_names_in_]), model.predict(df))


def test_a_model_fitted_on_pandas_checks_a_polars_frame_and_the_file_keeps_the_names(
        tmp_path) -> None:
    pd = pytest.importorskip("pandas")
    df, y, X = _data()
    model = _fitted(pd.DataFrame(X, columns=NAMES), y)
    with pytest.raises(ValueError, match="same order"):
        model.predict(df.select(["income", "age", "height"]))
    fitted_on_polars = _fitted(df, y)
    nonlin.save(fitted_on_polars, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.feature_names_in_.tolist() == NAMES
    with pytest.raises(ValueError, match="same order"):
        loaded.predict(df.select(["income", "age", "height"]))


def test_a_pyarrow_table_records_its_column_names() -> None:
    pa = pytest.importorskip("pyarrow")
    df, y, X = _data()
    table = pa.table({name: X[:, i] for i, name in enumerate(NAMES)})
    model = _fitted(table, y)
    assert model.feature_names_in_.tolist() == NAMES
    assert np.array_equal(model.predict(table), _fitted(X, y).predict(X))
    with pytest.raises(ValueError, match="same order"):
        model.predict(table.select(["income", "age", "height"]))


@pytest.mark.parametrize("column, dtype", [
    (["a", "b"] * 20, "String"),
    (pl.Series(["a", "b"] * 20, dtype=pl.Categorical), "Categorical"),
    (pl.Series([0, 1] * 20, dtype=pl.Date), "Date"),
], ids=["string", "categorical", "date"])
def test_a_column_that_is_not_numeric_is_named_with_its_dtype(column, dtype) -> None:
    df, y, _ = _data()
    bad = df.with_columns(pl.Series("plan", column))
    # polars 1.x writes Categorical(ordering='physical'), 2.x Categorical
    with pytest.raises(TypeError, match=rf"column 'plan' of dtype {dtype}(\(.*\))?; .*to_dummies"):
        _fitted(bad, y)


def test_nulls_become_nan_named_by_row_and_column_as_pandas_na() -> None:
    df, y, _ = _data()
    flags = pl.Series("flag", [True, None] + [False] * 38)  # alone: polars gives objects
    with pytest.raises(ValueError, match=r"x\[1, 0\]=nan"):
        _fitted(flags.to_frame(), y)
    holes = df.with_columns(pl.when(pl.col("age") > 0).then(None).otherwise(pl.col("age"))
                            .alias("age"))
    first = int(np.argmax(df["age"].to_numpy() > 0))
    with pytest.raises(ValueError, match=rf"x\[{first}, 0\]=nan"):
        _fitted(holes, y)


def test_decimal_int_and_boolean_columns_convert_to_the_same_numbers() -> None:
    df, y, X = _data()
    mixed = pl.DataFrame({"d": pl.Series([1, 2, 3, 4] * 10).cast(pl.Decimal(6, 2)),
                          "i": pl.Series([5, 6, 7, 8] * 10, dtype=pl.Int8),
                          "b": [True, False] * 20, "f": pl.Series(X[:, 0], dtype=pl.Float32)})
    arr = as_numeric(mixed, "x")
    assert arr.dtype == np.float64 and arr.flags.c_contiguous
    assert np.array_equal(arr, np.column_stack([[1, 2, 3, 4] * 10, [5, 6, 7, 8] * 10,
                                                [1, 0] * 20, X[:, 0].astype(np.float32)]))
    model = _fitted(mixed, y)
    assert model.feature_names_in_.tolist() == ["d", "i", "b", "f"]


def test_a_polars_frame_converts_in_one_c_ordered_copy_and_is_left_as_it_was() -> None:
    df, y, X = _data()
    before = df.clone()
    arr = as_numeric(df, "x")  # polars' default is Fortran order: fit copied it again
    assert arr.flags.c_contiguous and np.array_equal(arr, X)
    _fitted(df, pl.Series(y))
    assert df.equals(before) and df.columns == NAMES


def test_a_lazyframe_and_a_series_get_polars_advice() -> None:
    df, y, _ = _data()
    with pytest.raises(TypeError, match=r"Received a LazyFrame; run it with x\.collect\(\)"):
        _fitted(df.lazy(), y)
    with pytest.raises(ValueError, match=r"a polars Series is one column: .*df\.select\('a'\)"):
        _fitted(df["age"], y)
    with pytest.raises(TypeError, match="Received a Series of dtype String; encode class"):
        _fitted(df, pl.Series(["no", "yes"] * 20))


def test_polars_validation_data_and_sample_weight_match_arrays() -> None:
    df, y, X = _data()
    weights = np.linspace(0.5, 1.5, len(y))
    given, plain = (nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]) for _ in range(2))
    a = given.fit(df, pl.Series(y), sample_weight=pl.Series(weights),
                  validation_data=(df, pl.Series(y)), seed=0, **FIT)
    b = plain.fit(X, y, sample_weight=weights, validation_data=(X, y), seed=0, **FIT)
    assert a.history == b.history
    with pytest.raises(ValueError, match="of X_val should match"):
        nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).fit(
            df, y, validation_data=(df.select(["height", "age", "income"]), y), seed=0, **FIT)


# -- the scikit-learn estimators: polars as scikit-learn 1.9 takes it ------------------------
def _sklearn() -> tuple:
    pytest.importorskip("sklearn")
    from sklearn.neural_network import MLPClassifier as Reference

    from nonlin.sklearn import MLPClassifier
    return MLPClassifier, Reference


def test_the_estimators_record_and_check_polars_names_as_scikit_learn() -> None:
    ours, reference = _sklearn()
    df, y, X = _data()
    labels = pl.Series("kind", np.array(["low", "high"])[y])
    named = None  # whether scikit-learn reads polars' names: 1.7 (the last for Python 3.10)
    for cls in (reference, ours):  # asks __dataframe__, which polars 2 dropped; 1.8 narwhals
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter=5: ConvergenceWarning
            est = cls(max_iter=5, random_state=0).fit(df, labels)
        named = hasattr(est, "feature_names_in_") if named is None else named
        assert set(est.predict(df)) <= {"low", "high"}
        if not named:  # ours as the reference: no names, nothing checked
            assert not hasattr(est, "feature_names_in_"), cls
            continue
        assert est.feature_names_in_.tolist() == NAMES, cls
        with pytest.raises(ValueError, match="same order as they were in fit"):
            est.predict(df.select(["height", "age", "income"]))
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            est.predict(X)


def test_a_polars_pipeline_search_and_saved_file_keep_the_names(tmp_path) -> None:
    ours, _ = _sklearn()
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df, y, _ = _data(60)
    if not hasattr(StandardScaler().fit(df), "feature_names_in_"):
        # scikit-learn 1.7 (the last for Python 3.10) reads polars' columns through the
        # __dataframe__ protocol, which polars 2 dropped; 1.8+ reads them through narwhals
        import sklearn
        pytest.skip(f"scikit-learn {sklearn.__version__} takes no column of polars "
                    f"{pl.__version__}: no __dataframe__ (polars 2 dropped it)")
    raw = df.with_columns(pl.Series("plan", ["basic", "pro", "family"] * 20))
    encode = ColumnTransformer([("num", StandardScaler(), NAMES),
                                ("cat", OneHotEncoder(sparse_output=False), ["plan"])])
    pipe = make_pipeline(encode, ours(max_iter=5, random_state=0)).set_output(transform="polars")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        search = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-2]}, cv=3).fit(raw, y)
    est = search.best_estimator_[-1]
    assert est.feature_names_in_.tolist() == ["num__age", "num__income", "num__height",
                                              "cat__plan_basic", "cat__plan_family",
                                              "cat__plan_pro"]
    assert search.predict(raw).shape == (60,)
    est.save(tmp_path / "est.safetensors")
    loaded = nonlin.load(tmp_path / "est.safetensors")  # a Sequential: checks polars names
    encoded = search.best_estimator_[0].transform(raw)
    assert np.allclose(loaded.predict(encoded).ravel(), est.predict_proba(encoded)[:, 1])
    with pytest.raises(ValueError, match="same order"):
        loaded.predict(encoded.select(encoded.columns[::-1]))
