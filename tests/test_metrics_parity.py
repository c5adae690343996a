"""Parity of the course's hand-written metrics with SDMetrics (sdmetrics 0.32), the field's
library, where both compute the same thing.  The hand-written metrics stay the lesson; these
tests show that they agree with the reference, and pin down exactly where and why they differ.

- Detection: SDMetrics' ``LogisticDetection`` returns ``1 - mean_k(2 max(0.5, AUC_k) - 1)``
  over 3 folds, i.e. ``2 (1 - AUC)`` when no fold is below 0.5; our ``detection_auc`` returns
  the raw AUC.  The encodings differ (robust vs standard scaling, no row balancing), so the
  scores agree within a tolerance.
- Distance to closest record: per column both use the same normalisation -- a continuous
  difference divided by the *reference's* range, 0/1 for a discrete column (missing values
  equal to each other) -- so on one column they are equal.  They combine columns
  differently: SDMetrics takes the **mean** of the per-column distances, each **capped at 1**;
  we take the **Euclidean** norm (one-hot / sqrt 2 for categories) with no cap.  On several
  columns the values (and sometimes the nearest row) differ; a copy is at 0 in both.
- DCR share: SDMetrics' ``DCROverfittingProtection`` reports the share of synthetic rows
  strictly closer to the training rows (``closer_to_training``); our ``dcr_share`` counts a
  tie as one half, equalises the sizes of train and holdout, and scales both with one range.
  With one continuous column, equal sizes and equal ranges, they are the same number.
"""

import functools

import numpy as np
import pandas as pd
import pytest

sdmetrics = pytest.importorskip("sdmetrics")

from sdmetrics.single_table import DCROverfittingProtection, LogisticDetection  # noqa: E402
from sdmetrics.single_table.detection import base as detection_base  # noqa: E402
from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from tabgen_lib.metrics import dcr_share, detection_auc, distance_to_closest_record  # noqa: E402


def _metadata(continuous=(), discrete=()):
    columns = {c: {"sdtype": "numerical"} for c in continuous}
    columns.update({c: {"sdtype": "categorical"} for c in discrete})
    return {"columns": columns}


def _tables(n=600, seed=0):
    rng = np.random.default_rng(seed)
    real = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.uniform(size=n),
            "c": rng.choice(["a", "b", "c"], size=n),
        }
    )
    fake = pd.DataFrame(
        {
            "x": rng.normal(0.6, 1.2, size=n),
            "z": rng.uniform(size=n) ** 1.5,
            "c": rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2]),
        }
    )
    return real, fake


# ---------------------------------------------------------------- detection


def test_logistic_detection_is_two_times_one_minus_our_lr_auc(monkeypatch):
    # SDMetrics draws its 3 folds without a seed: fix it, so the test is deterministic
    monkeypatch.setattr(
        detection_base, "StratifiedKFold", functools.partial(StratifiedKFold, random_state=0)
    )
    real, fake = _tables()
    theirs = LogisticDetection.compute(real, fake, _metadata(["x", "z"], ["c"]))
    ours = detection_auc(real, fake, ["c"], model="lr", n_splits=3, seeds=(0,), max_rows=None)
    assert 0.3 < theirs < 0.9  # a partial difference: neither metric is at its bound
    assert 2 * (1 - ours["mean"]) == pytest.approx(theirs, abs=0.02)


def test_logistic_detection_of_one_table_against_itself_is_perfect_in_both(monkeypatch):
    monkeypatch.setattr(
        detection_base, "StratifiedKFold", functools.partial(StratifiedKFold, random_state=0)
    )
    real, _ = _tables(400, seed=1)
    half_a, half_b = real.iloc[:200].reset_index(drop=True), real.iloc[200:]
    theirs = LogisticDetection.compute(
        half_a, half_b.reset_index(drop=True), _metadata(["x", "z"], ["c"])
    )
    ours = detection_auc(half_a, half_b, ["c"], model="lr", n_splits=3, seeds=(0,), max_rows=None)
    # their clipping at 0.5 makes chance a perfect 1; our raw AUC sits near 0.5
    assert theirs > 0.85 and abs(ours["mean"] - 0.5) < 0.1


# ---------------------------------------------------------------- distance to closest record


def test_dcr_on_one_continuous_column_is_the_same():
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"x": rng.normal(size=300)})
    low, high = reference["x"].min(), reference["x"].max()
    query = pd.DataFrame({"x": rng.uniform(low, high, size=200)})  # inside the range: no cap
    theirs = calculate_dcr(query, reference, _metadata(["x"]))
    ours = distance_to_closest_record(query, reference, [])
    np.testing.assert_allclose(ours, theirs.to_numpy(), rtol=1e-12, atol=1e-12)
    assert ours.max() > 0


def test_dcr_on_one_discrete_column_is_the_same_missing_values_included():
    reference = pd.DataFrame({"c": ["a", "b", None, "b"]})
    query = pd.DataFrame({"c": ["a", "c", np.nan, "b", "d"]})
    theirs = calculate_dcr(query, reference, _metadata(discrete=["c"]))
    ours = distance_to_closest_record(query, reference, ["c"])
    np.testing.assert_allclose(ours, theirs.to_numpy())
    np.testing.assert_allclose(ours, [0, 1, 0, 0, 1])  # a missing value matches a missing one


def test_dcr_on_several_columns_differs_as_documented():
    """Mean of capped per-column distances (SDMetrics) against their Euclidean norm (ours)."""
    reference = pd.DataFrame({"x": [0.0, 1.0], "c": ["a", "b"]})  # x's range is 1
    query = pd.DataFrame({"x": [0.5, 3.0, 1.0], "c": ["a", "b", "b"]})
    theirs = calculate_dcr(query, reference, _metadata(["x"], ["c"])).to_numpy()
    ours = distance_to_closest_record(query, reference, ["c"])
    # row 0 (0.5, a): to (0, a) the columns differ by 0.5 and 0 -> mean 0.25, norm 0.5
    # row 1 (3.0, b): to (1, b) x differs by 2 ranges -> capped at 1: mean 0.5; norm 2
    # row 2 (1.0, b): a copy of a reference row -> 0 in both
    np.testing.assert_allclose(theirs, [0.25, 0.5, 0.0])
    np.testing.assert_allclose(ours, [0.5, 2.0, 0.0])


def test_dcr_copies_are_at_zero_in_both():
    real, fake = _tables(300, seed=2)
    query = pd.concat([fake.iloc[:40], real.iloc[:10]], ignore_index=True)  # 10 copies
    theirs = calculate_dcr(query, real, _metadata(["x", "z"], ["c"])).to_numpy()
    ours = distance_to_closest_record(query, real, ["c"])
    np.testing.assert_array_equal(theirs == 0, ours == 0)
    assert (ours == 0).sum() == 10
    # the order of the other rows largely agrees: both measure the same closeness
    assert np.corrcoef(theirs, ours)[0, 1] > 0.8


# ---------------------------------------------------------------- DCR share


def test_dcr_share_is_dcr_overfitting_protections_closer_to_training():
    rng = np.random.default_rng(3)
    train, holdout = rng.uniform(size=300), rng.uniform(size=300)
    train[:2], holdout[:2] = (0.0, 1.0), (0.0, 1.0)  # one range for both: [0, 1]
    # half the synthetic rows near training rows, half fresh
    synthetic = np.r_[train[2:102] + rng.normal(0, 1e-4, 100), rng.uniform(size=100)]
    synthetic = np.clip(synthetic, 0.0, 1.0)
    frames = [pd.DataFrame({"x": v}) for v in (train, synthetic, holdout)]
    result = DCROverfittingProtection.compute_breakdown(
        frames[0], frames[1], frames[2], _metadata(["x"]), None
    )
    theirs = result["synthetic_data_percentages"]["closer_to_training"]
    ours = dcr_share(frames[1], frames[0], frames[2], [])
    assert 0.6 < ours < 0.9  # the near-copies show
    assert ours == pytest.approx(theirs, abs=1e-12)
    # their score maps the share onto [0, 1], 1 best: min(2 (1 - share), 1)
    assert result["score"] == pytest.approx(min(2 * (1 - ours), 1.0))
