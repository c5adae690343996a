"""tabgen_lib.metrics_tables: the checks every table metric shares; tabgen_lib.metrics keeps
every public name of the split modules importable."""

import numpy as np
import pandas as pd
import pytest

from tabgen_lib import metrics, metrics_dcr, metrics_detection
from tabgen_lib.metrics_tables import MISSING, as_category_text, check_tables


def test_metrics_keeps_every_public_name():
    assert sorted(metrics.__all__) == [
        "binary_accuracy",
        "dcr_share",
        "detection_auc",
        "distance_to_closest_record",
        "efficacy",
        "exact_copy_share",
    ]
    assert metrics.detection_auc is metrics_detection.detection_auc
    assert metrics.efficacy is metrics_detection.efficacy
    for name in metrics_dcr.__all__:
        assert getattr(metrics, name) is getattr(metrics_dcr, name)


def test_as_category_text_makes_every_missing_value_one_category():
    column = pd.Series([1, "1", None, np.nan, pd.NA, 2.5], dtype=object)
    assert as_category_text(column).tolist() == ["1", "1", MISSING, MISSING, MISSING, "2.5"]
    categorical = pd.Series(pd.Categorical(["a", None, "a"]))
    assert as_category_text(categorical).tolist() == ["a", MISSING, "a"]


def test_check_tables_aligns_to_the_first_table():
    real = pd.DataFrame({"x": [1.0, 2.0], "c": ["a", None], "n": [1, 2]})
    fake = pd.DataFrame({"n": [3, 4], "c": ["b", "a"], "x": [0.5, 0.1]})
    holdout = pd.DataFrame({"c": ["a", "a"], "n": [5, 6], "x": [1.0, 1.0]})
    (first, second, third), discrete = check_tables(
        {"real": real, "synthetic": fake, "holdout": holdout}, ("c",)
    )
    assert discrete == ["c"]
    assert first is real
    assert list(second.columns) == list(third.columns) == ["x", "c", "n"]
    pd.testing.assert_series_equal(second["x"], fake["x"])


@pytest.mark.parametrize(
    ("tables", "discrete", "error", "match"),
    [
        ({"real": [[1]], "synthetic": pd.DataFrame({"x": [1]})}, [], TypeError, "real must be"),
        ({"real": pd.DataFrame({"x": [1]}), "synthetic": None}, [], TypeError, "synthetic must be"),
        (
            {"real": pd.DataFrame({"x": [1]}), "synthetic": pd.DataFrame({"y": [1]})},
            [],
            ValueError,
            r"missing from synthetic: \['x'\], only in synthetic: \['y'\]",
        ),
        (
            {"real": pd.DataFrame({"x": [1]}), "synthetic": pd.DataFrame({"x": []})},
            [],
            ValueError,
            "synthetic is empty",
        ),
        (
            {"real": pd.DataFrame({"x": [1]}), "synthetic": pd.DataFrame({"x": ["a"]})},
            [],
            ValueError,
            "Column 'x' of synthetic is not numeric",
        ),
        (
            {"real": pd.DataFrame({"x": [1.0]}), "synthetic": pd.DataFrame({"x": [np.nan]})},
            [],
            ValueError,
            r"synthetic has missing values in continuous column\(s\) \['x'\]",
        ),
        ({"real": pd.DataFrame({"x": [1]})}, "x", TypeError, "not a single string"),
        ({"real": pd.DataFrame({"x": [1]})}, ["y"], ValueError, r"not in the table: \['y'\]"),
    ],
)
def test_check_tables_rejects(tables, discrete, error, match):
    with pytest.raises(error, match=match):
        check_tables(tables, discrete)
