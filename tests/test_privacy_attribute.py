"""tabgen_lib.privacy.attribute_inference_risk: anonymeter's inference risk."""

import numpy as np
import pandas as pd
import pytest

from tabgen_lib.privacy import (
    TOY_DISCRETE,
    AttributeInferenceResult,
    attribute_inference_risk,
    toy_population,
)
from tabgen_lib.privacy._stats import wilson


@pytest.fixture(scope="module")
def tables():
    return {
        "members": toy_population(200, random_state=10),
        "controls": toy_population(200, random_state=20),
        "fresh": toy_population(200, random_state=40),
    }


@pytest.mark.parametrize(
    ("known", "secret"),
    [(["age", "bmi", "region"], "smoker"), (["age", "smoker", "region"], "charges")],
)
def test_attribute_risk_sanity_copies_and_fresh_rows(tables, known, secret):
    members, controls = tables["members"], tables["controls"]
    copies = attribute_inference_risk(members, controls, members, known, secret, TOY_DISCRETE)
    # measured: smoker risk 0.974 (0.948 to 1), charges 0.931 (0.894 to 0.968)
    assert copies.risk > 0.9 and copies.risk_low > 0.85
    # nearly every member finds itself (a few share their quasi-identifiers with another)
    assert copies.member_correct.mean() >= 0.95
    fresh = attribute_inference_risk(
        members, controls, tables["fresh"], known, secret, TOY_DISCRETE
    )
    # measured: smoker risk 0.121 (0 to 0.338), charges 0 (0 to 0.037)
    assert fresh.risk < 0.2 and fresh.risk_low == 0.0


def test_attribute_risk_hand_example_follows_anonymeter():
    members = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0], "sick": ["y", "n", "y", "n"]})
    controls = pd.DataFrame({"age": [21.0, 31.0, 41.0, 51.0], "sick": ["n", "n", "y", "y"]})
    synthetic = members.copy()
    result = attribute_inference_risk(members, controls, synthetic, ["age"], "sick", ["sick"])
    # members: 4 of 4 right; controls guess the neighbour's secret: n?, n, y, n -> 2 of 4
    np.testing.assert_array_equal(result.member_correct, [True] * 4)
    np.testing.assert_array_equal(result.control_correct, [False, True, True, False])
    p_m, dp_m = wilson(4, 4)
    p_c, dp_c = wilson(2, 4)
    risk = (p_m - p_c) / (1 - p_c)
    error = np.sqrt((dp_m / (1 - p_c)) ** 2 + ((p_m - 1) * dp_c / (1 - p_c) ** 2) ** 2)
    assert result.risk == pytest.approx(risk)
    assert result.risk_low == pytest.approx(max(risk - error, 0))
    assert result.risk_high == pytest.approx(min(risk + error, 1))
    assert (result.member_success, result.control_success) == (p_m, p_c)
    assert isinstance(result, AttributeInferenceResult)
    assert str(result) == (
        f"attribute inference of 'sick': risk {risk:.3f} (95% interval "
        f"{result.risk_low:.3f} to {result.risk_high:.3f}); right guesses "
        f"{p_m:.3f} of 4 members, {p_c:.3f} of 4 controls"
    )


def test_attribute_risk_continuous_tolerance_and_missing_secrets():
    members = pd.DataFrame({"age": [20.0, 40.0], "pay": [100.0, 200.0], "c": ["a", None]})
    synthetic = pd.DataFrame({"age": [20.0, 40.0], "pay": [104.0, 215.0], "c": ["b", None]})
    controls = members.assign(age=[60.0, 80.0])
    near = attribute_inference_risk(members, controls, synthetic, ["age"], "pay", ["c"])
    np.testing.assert_array_equal(near.member_correct, [True, False])  # 4 % and 7.5 % off
    wide = attribute_inference_risk(
        members, controls, synthetic, ["age"], "pay", ["c"], tolerance=0.1
    )
    np.testing.assert_array_equal(wide.member_correct, [True, True])
    # a discrete secret: two missing values are a right guess, "a" vs "b" a wrong one
    missing = attribute_inference_risk(members, controls, synthetic, ["age"], "c", ["c"])
    np.testing.assert_array_equal(missing.member_correct, [False, True])


def test_attribute_risk_uses_gower_distance_on_quasi_identifiers():
    """L1 over range-scaled columns: one category apart (1) beats two gaps of 0.55 (1.1)."""
    members = pd.DataFrame(
        {"x": [0.0, 10.0], "y": [0.0, 10.0], "c": ["a", "b"], "s": ["right", "m1"]}
    )  # ranges 10: the scale comes from the members
    synthetic = pd.DataFrame(
        {"x": [0.0, 5.5], "y": [0.0, 5.5], "c": ["b", "a"], "s": ["right", "wrong"]}
    )
    # member 0 (0, 0, a): L1 to synthetic row 0 is 1 (category), to row 1 is 0.55 + 0.55;
    # the Euclidean distance would pick row 1 (0.78 < 1) and guess wrong
    result = attribute_inference_risk(members, members, synthetic, ["x", "y", "c"], "s", ["c", "s"])
    assert result.member_correct[0]


def test_attribute_risk_rejects_bad_input(tables):
    members, controls = tables["members"], tables["controls"]
    args = members, controls, members

    with pytest.raises(TypeError, match="quasi_identifiers must be a list"):
        attribute_inference_risk(*args, "age", "smoker", TOY_DISCRETE)
    with pytest.raises(
        ValueError, match=r"quasi_identifiers names columns that are not in the table: \['height'\]"
    ):
        attribute_inference_risk(*args, ["age", "height"], "smoker", TOY_DISCRETE)
    with pytest.raises(ValueError, match="secret 'income' is not a column"):
        attribute_inference_risk(*args, ["age"], "income", TOY_DISCRETE)
    with pytest.raises(ValueError, match="quasi_identifiers is empty"):
        attribute_inference_risk(*args, [], "smoker", TOY_DISCRETE)
    with pytest.raises(ValueError, match="also a quasi-identifier"):
        attribute_inference_risk(*args, ["age", "smoker"], "smoker", TOY_DISCRETE)
    with pytest.raises(ValueError, match="controls is empty"):
        attribute_inference_risk(
            members, controls.iloc[:0], members, ["age"], "smoker", TOY_DISCRETE
        )
    with pytest.raises(ValueError, match="missing from synthetic"):
        attribute_inference_risk(
            members, controls, members.drop(columns="bmi"), ["age"], "smoker", TOY_DISCRETE
        )
    with pytest.raises(ValueError, match="missing values in continuous"):
        attribute_inference_risk(
            members.assign(age=np.nan), controls, members, ["age"], "smoker", TOY_DISCRETE
        )
    with pytest.raises(ValueError, match="tolerance == -0.1"):
        attribute_inference_risk(*args, ["age"], "smoker", TOY_DISCRETE, tolerance=-0.1)
    with pytest.raises(ValueError, match="confidence_level == 1"):
        attribute_inference_risk(*args, ["age"], "smoker", TOY_DISCRETE, confidence_level=1)
    with pytest.raises(TypeError, match="confidence_level must be an instance of float"):
        attribute_inference_risk(*args, ["age"], "smoker", TOY_DISCRETE, confidence_level="95%")
