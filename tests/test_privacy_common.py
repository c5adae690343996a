"""tabgen_lib.privacy: shared table checks, the distance encoding, the statistics, the toy data."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from tabgen_lib.privacy import (
    TOY_DISCRETE,
    MembershipResult,
    TableEncoder,
    check_tables,
    toy_population,
)
from tabgen_lib.privacy._stats import auc_interval, roc_auc, wilson
from tabgen_lib.validation import NotFittedError


@pytest.fixture
def table():
    return pd.DataFrame(
        {"bmi": [20.0, 30.0, 40.0], "smoker": ["no", "yes", None], "age": [20, 40, 60]}
    )


# ---------------------------------------------------------------------------- check_tables


def test_check_tables_aligns_columns_to_the_first(table):
    (first, second), discrete = check_tables(
        {"members": table, "synthetic": table[["age", "smoker", "bmi"]]}, ("smoker",)
    )
    assert list(second.columns) == ["bmi", "smoker", "age"]
    assert discrete == ["smoker"]
    assert first is table


@pytest.mark.parametrize(
    ("other", "message"),
    [
        (lambda t: t.drop(columns="age"), r"missing from synthetic: \['age'\]"),
        (lambda t: t.assign(extra=1.0), r"only in synthetic: \['extra'\]"),
        (lambda t: t.iloc[:0], "synthetic is empty"),
        (lambda t: t.assign(bmi=[1.0, np.nan, 2.0]), r"missing values in continuous.*'bmi'"),
        (lambda t: t.assign(bmi=["a", "b", "c"]), "not numeric"),
    ],
)
def test_check_tables_rejects_bad_second_table(table, other, message):
    with pytest.raises(ValueError, match=message):
        check_tables({"members": table, "synthetic": other(table)}, ["smoker"])


def test_check_tables_errors_name_the_table_and_use_the_policy(table):
    with pytest.raises(ValueError, match="members is empty"):
        check_tables({"members": table.iloc[:0], "synthetic": table}, ["smoker"])
    with pytest.raises(ValueError, match="discrete_columns names columns.*'sex'"):
        check_tables({"members": table, "synthetic": table}, ["smoker", "sex"])
    with pytest.raises(TypeError, match="synthetic must be a pandas DataFrame"):
        check_tables({"members": table, "synthetic": table.to_numpy()}, ["smoker"])
    with pytest.raises(TypeError, match="not a single string"):
        check_tables({"members": table, "synthetic": table}, "smoker")


# ---------------------------------------------------------------------------- encoder


def test_encoder_distances_one_per_category_and_range(table):
    encoder = TableEncoder(["smoker"]).fit(table)
    points = encoder.transform(table)
    # rows 0 and 1: bmi 10/20 = 0.5, age 20/40 = 0.5, different category 1
    np.testing.assert_allclose(np.linalg.norm(points[0] - points[1]), np.sqrt(0.25 + 0.25 + 1))
    # a missing value is a category of its own: row 2 vs a copy with "no"
    other = encoder.transform(table.iloc[[2]].assign(smoker="no"))
    np.testing.assert_allclose(np.linalg.norm(points[2] - other[0]), 1.0)


def test_encoder_unseen_category_and_values_outside_the_range(table):
    encoder = TableEncoder(["smoker"]).fit(table)
    query = pd.DataFrame({"bmi": [60.0], "smoker": ["maybe"], "age": [20]})
    point = encoder.transform(query)[0]
    assert point[0] == 2.0  # (60 - 20) / 20: outside the fitted range, not clipped
    reference = encoder.transform(table.iloc[[0]])[0]
    np.testing.assert_allclose(np.linalg.norm(point - reference), np.sqrt(4 + 1))


def test_encoder_is_fitted_on_the_reference_only(table):
    encoder = TableEncoder(["smoker"]).fit(table)
    wide = table.assign(bmi=[0.0, 100.0, 1000.0])
    # the query's own range changes nothing: the scale is the reference's (20)
    np.testing.assert_allclose(encoder.transform(wide)[:, 0], [-1.0, 4.0, 49.0])


def test_encoder_manhattan_weights_give_gower_distance(table):
    encoder = TableEncoder(["smoker"], metric="manhattan").fit(table)
    points = encoder.transform(table)
    assert np.abs(points[0] - points[1]).sum() == pytest.approx(0.5 + 0.5 + 1.0)


def test_encoder_constant_column_and_column_order(table):
    constant = table.assign(age=5)
    encoder = TableEncoder(["smoker"]).fit(constant)
    shuffled = constant[["age", "bmi", "smoker"]]
    np.testing.assert_array_equal(encoder.transform(shuffled), encoder.transform(constant))
    assert encoder.span_["age"] == 1.0


def test_encoder_errors_and_sklearn_api(table):
    with pytest.raises(NotFittedError):
        TableEncoder(["smoker"]).transform(table)
    with pytest.raises(ValueError, match="metric == 'cosine'"):
        TableEncoder(["smoker"], metric="cosine").fit(table)
    encoder = TableEncoder(["smoker"]).fit(table)
    with pytest.raises(ValueError, match="X lacks column"):
        encoder.transform(table.drop(columns="bmi"))
    assert clone(encoder).get_params() == {"discrete_columns": ["smoker"], "metric": "euclidean"}
    assert "TableEncoder(discrete_columns=['smoker'])" == repr(encoder)


# ---------------------------------------------------------------------------- statistics


def test_roc_auc_equals_sklearn_with_ties():
    rng = np.random.default_rng(0)
    members, others = rng.integers(0, 5, 40).astype(float), rng.integers(0, 4, 30).astype(float)
    labels = np.r_[np.ones(40), np.zeros(30)]
    want = roc_auc_score(labels, np.r_[members, others])
    assert float(roc_auc(members, others)) == pytest.approx(want)


def test_auc_interval_reproducible_and_around_the_auc():
    rng = np.random.default_rng(1)
    members, others = rng.normal(1, 1, 50), rng.normal(0, 1, 60)
    first = auc_interval(members, others, 300, seed=3)
    assert first == auc_interval(members, others, 300, seed=3)
    assert first != auc_interval(members, others, 300, seed=4)
    auc, low, high = first
    assert low < auc < high and high - low < 0.4


def test_wilson_matches_the_formula_and_stays_inside():
    z = 1.959963984540054
    rate, error = wilson(30, 40)
    assert rate == pytest.approx((30 + z * z / 2) / (40 + z * z))
    assert error == pytest.approx(z / (40 + z * z) * np.sqrt(30 * 10 / 40 + z * z / 4))
    rate, error = wilson(40, 40)
    assert rate < 1 and rate - error > 0.8  # all right: centre pulled below 1


def test_membership_result_str_and_tpr():
    result = MembershipResult.from_scores("demo", [0.9, 0.8, 0.1], [0.2, 0.0, 0.05], 50, 0)
    assert str(result).startswith("demo: AUC 0.889 (95% interval")
    assert result.tpr_at_fpr(0.0) == pytest.approx(2 / 3)
    assert result.tpr_at_fpr(1.0) == 1.0
    with pytest.raises(ValueError, match="fpr == 2"):
        result.tpr_at_fpr(2)


# ---------------------------------------------------------------------------- toy data


def test_toy_population_reproducible_and_leaves_global_rng_alone():
    before = np.random.get_state()[1].copy(), torch.random.get_rng_state()
    first = toy_population(50, random_state=3)
    assert first.equals(toy_population(50, random_state=3))
    assert not first.equals(toy_population(50, random_state=4))
    np.testing.assert_array_equal(before[0], np.random.get_state()[1])
    assert torch.equal(before[1], torch.random.get_rng_state())
    check_tables({"population": first}, TOY_DISCRETE)
    assert set(first["smoker"]) == {"yes", "no"}
    with pytest.raises(ValueError, match="n_rows == 0"):
        toy_population(0)
