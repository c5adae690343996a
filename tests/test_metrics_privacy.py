import numpy as np
import pandas as pd
import pytest

from tabgen_lib.metrics import distance_to_closest_record, exact_copy_share


@pytest.fixture
def real():
    return pd.DataFrame(
        {
            "age": [20, 30, 40, 60],
            "sex": ["f", "m", "f", "m"],
            "bmi": [20.0, 25.0, 30.0, 40.0],
        }
    )


def test_exact_copy_share_counts_identical_rows_after_aligning(real):
    synthetic = pd.DataFrame(
        {
            "bmi": [25.0, 25.0, 30.0001, 20.0],
            "sex": pd.Categorical(["m", "m", "f", "m"]),
            "age": [30.0, 30.0, 40.0, 20.0],  # floats equal to the real ints
        }
    )
    # rows 0 and 1 copy real row 1; row 2 differs in bmi; row 3 differs in sex
    assert exact_copy_share(synthetic, real) == 0.5
    assert exact_copy_share(real, real) == 1.0
    assert exact_copy_share(real.iloc[::-1], real) == 1.0


def test_exact_copy_share_zero_and_return_type(real):
    shifted = real.assign(bmi=real["bmi"] + 0.5)
    result = exact_copy_share(shifted, real)
    assert isinstance(result, float) and result == 0.0


def test_dcr_hand_computed(real):
    query = pd.DataFrame({"age": [30, 60, 20], "sex": ["m", "f", "x"], "bmi": [25.0, 40.0, 50.0]})
    got = distance_to_closest_record(query, real, discrete_columns=["sex"])
    # age range 40, bmi range 20, different category counts 1
    # row 0: exact copy of real row 1; row 1 (60, f, 40): real row 3 differs in sex only
    # (distance 1), real row 2 (40, f, 30) by 0.5 in age and 0.5 in bmi -> sqrt(0.5);
    # row 2: unseen category "x" (distance 1 in sex) and bmi 50 -> nearest real row 0
    # (d^2 = 0 + 1 + (30/20)^2) vs row 3 (d^2 = 1 + 1 + 0.25) -> row 3 is nearer
    want = [0.0, np.sqrt(0.5), np.sqrt(2.25)]
    np.testing.assert_allclose(got, want)
    assert got.shape == (3,)


def test_dcr_column_order_and_scaling_from_reference(real):
    query = real[["bmi", "age", "sex"]].iloc[[0]].assign(bmi=22.0)
    got = distance_to_closest_record(query, real, discrete_columns=["sex"])
    np.testing.assert_allclose(got, [0.1])  # 2 / 20 (reference bmi range)
    # scaling uses the reference, not the query: a wide query range changes nothing
    wide = pd.concat([query, query.assign(bmi=1000.0)])
    np.testing.assert_allclose(distance_to_closest_record(wide, real, ["sex"])[0], 0.1)


def test_dcr_leave_one_out_excludes_self_but_keeps_duplicates(real):
    loo = distance_to_closest_record(real, discrete_columns=["sex"])
    assert (loo > 0).all(), "a row must not be matched with itself"
    # row 0 (20, f, 20) vs row 2 (40, f, 30): (20/40)^2 + (10/20)^2 = 0.5
    # row 0 vs row 1 (30, m, 25): 0.0625 + 1 + 0.0625 -> row 2 is nearer
    assert loo[0] == pytest.approx(np.sqrt(0.5))
    with_twin = pd.concat([real, real.iloc[[1]]], ignore_index=True)
    loo_twin = distance_to_closest_record(with_twin, discrete_columns=["sex"])
    assert loo_twin[1] == 0.0 and loo_twin[4] == 0.0
    assert (loo_twin[[0, 2, 3]] > 0).all()


def test_dcr_equals_a_brute_force_search():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], size=200)})
    query, reference = frame.iloc[:100], frame.iloc[100:]
    got = distance_to_closest_record(query, reference, ["c"])
    # every pair: x scaled by the reference's range, a different category counts 1
    span = reference["x"].max() - reference["x"].min()
    dx = (query["x"].to_numpy()[:, None] - reference["x"].to_numpy()[None, :]) / span
    dc = query["c"].to_numpy()[:, None] != reference["c"].to_numpy()[None, :]
    np.testing.assert_allclose(got, np.sqrt(dx**2 + dc).min(axis=1))
    np.testing.assert_array_equal(got, distance_to_closest_record(query, reference, ["c"]))


def test_dcr_constant_numeric_column():
    ref = pd.DataFrame({"x": [1.0, 1.0], "c": ["a", "b"]})
    got = distance_to_closest_record(pd.DataFrame({"x": [3.0], "c": ["a"]}), ref, ["c"])
    np.testing.assert_allclose(got, [2.0])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda r: exact_copy_share(r.to_numpy(), r), TypeError, "DataFrame"),
        (lambda r: exact_copy_share(r, [1, 2]), TypeError, "DataFrame"),
        (lambda r: exact_copy_share(r.drop(columns="bmi"), r), ValueError, "same columns"),
        (lambda r: exact_copy_share(r.iloc[:0], r), ValueError, "empty"),
        (lambda r: exact_copy_share(r.assign(bmi=np.nan), r), ValueError, "missing values"),
        (lambda r: distance_to_closest_record(r, r, ["sex", "smoker"]), ValueError, "smoker"),
        (lambda r: distance_to_closest_record(r, r, "sex"), TypeError, "list of column"),
        (lambda r: distance_to_closest_record(r, r), ValueError, "'sex'.*discrete_columns"),
        (lambda r: distance_to_closest_record(r.iloc[:1], None, ["sex"]), ValueError, "two rows"),
        (lambda r: distance_to_closest_record(r, r.assign(z=1), ["sex"]), ValueError, "z"),
        (lambda r: distance_to_closest_record(r, "r", ["sex"]), TypeError, "reference"),
        (
            lambda r: exact_copy_share(r.set_axis(["a", "a", "b"], axis=1), r),
            ValueError,
            "same col",
        ),
        (
            lambda r: exact_copy_share(*[r.set_axis(["a", "a", "b"], axis=1)] * 2),
            ValueError,
            "dupl",
        ),
    ],
)
def test_bad_inputs(real, call, error, match):
    with pytest.raises(error, match=match):
        call(real)


def test_missing_categories_are_a_category_of_their_own(real):
    with_nan = real.assign(sex=["f", np.nan, "f", None])
    synthetic = pd.DataFrame({"age": [30, 60], "sex": [None, np.nan], "bmi": [25.0, 40.0]})
    assert exact_copy_share(synthetic, with_nan) == 1.0  # NaN and None both mean missing
    assert exact_copy_share(synthetic.assign(sex="m"), with_nan) == 0.0
    got = distance_to_closest_record(synthetic, with_nan, discrete_columns=["sex"])
    np.testing.assert_allclose(got, [0.0, 0.0])
    np.testing.assert_allclose(
        distance_to_closest_record(synthetic.assign(sex="m"), with_nan, ["sex"]), [1.0, 1.0]
    )
    loo = distance_to_closest_record(with_nan, discrete_columns=["sex"])
    assert loo.shape == (4,) and np.isfinite(loo).all()
    with pytest.raises(ValueError, match=r"synthetic has missing values in continuous column.*bmi"):
        exact_copy_share(synthetic.assign(bmi=np.nan), with_nan)
    with pytest.raises(ValueError, match=r"query has missing values in continuous column.*bmi"):
        distance_to_closest_record(synthetic.assign(bmi=np.nan), with_nan, ["sex"])
