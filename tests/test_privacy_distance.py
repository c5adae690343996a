"""tabgen_lib.privacy.distance_attack and density_attack: sanity values, hand checks, bad input."""

import numpy as np
import pandas as pd
import pytest

from tabgen_lib.privacy import TOY_DISCRETE, density_attack, distance_attack, toy_population
from tabgen_lib.privacy.density import scott_bandwidth, spacing_bandwidth


@pytest.fixture(scope="module")
def tables():
    """Members, non-members, a reference sample and fresh rows: disjoint draws."""
    return {
        "members": toy_population(200, random_state=10),
        "non_members": toy_population(200, random_state=20),
        "reference": toy_population(600, random_state=30),
        "fresh": toy_population(200, random_state=40),
    }


# ---------------------------------------------------------------------------- distance


def test_distance_attack_sanity_copies_and_fresh_rows(tables):
    members, non_members = tables["members"], tables["non_members"]
    copies = distance_attack(members, non_members, members, TOY_DISCRETE)
    assert copies.auc == 1.0 and copies.auc_low == 1.0  # measured 1.000
    np.testing.assert_array_equal(copies.member_scores, 0.0)
    assert (copies.non_member_scores < 0).all()
    fresh = distance_attack(members, non_members, tables["fresh"], TOY_DISCRETE)
    assert abs(fresh.auc - 0.5) < 0.06  # measured 0.509
    assert fresh.auc_low < 0.5 < fresh.auc_high  # (0.454, 0.565)


def test_distance_attack_hand_computed_scores():
    members = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]})  # x range 10
    non_members = pd.DataFrame({"x": [5.0], "c": ["b"]})
    synthetic = pd.DataFrame({"x": [1.0, 9.0], "c": ["b", "b"]})
    result = distance_attack(members, non_members, synthetic, ["c"], n_bootstrap=20)
    # member 0: nearest (1, b) at sqrt(0.1^2 + 1); member 1: (9, b) at 0.1; non-member: 0.4
    np.testing.assert_allclose(result.member_scores, [-np.sqrt(1.01), -0.1])
    np.testing.assert_allclose(result.non_member_scores, [-0.4])
    assert result.auc == 0.5  # one member above the non-member, one below


def test_distance_attack_reproducible_and_str(tables):
    args = tables["members"], tables["non_members"], tables["fresh"], TOY_DISCRETE
    first = distance_attack(*args, n_bootstrap=100, random_state=5)
    again = distance_attack(*args, n_bootstrap=100, random_state=5)
    other = distance_attack(*args, n_bootstrap=100, random_state=6)
    assert (first.auc_low, first.auc_high) == (again.auc_low, again.auc_high)
    assert (first.auc_low, first.auc_high) != (other.auc_low, other.auc_high)
    assert first.auc == other.auc
    assert str(first) == (
        f"distance attack: AUC {first.auc:.3f} (95% interval {first.auc_low:.3f} to "
        f"{first.auc_high:.3f}; 200 members, 200 non-members)"
    )


@pytest.mark.parametrize("attack", ["distance", "density"])
def test_membership_attacks_reject_bad_input(tables, attack):
    members, non_members = tables["members"], tables["non_members"]

    def run(members=members, non_members=non_members, synthetic=members, **kwargs):
        kwargs.setdefault("discrete_columns", TOY_DISCRETE)
        if attack == "distance":
            return distance_attack(members, non_members, synthetic, **kwargs)
        return density_attack(members, non_members, synthetic, tables["reference"], **kwargs)

    with pytest.raises(ValueError, match="missing from non_members"):
        run(non_members=non_members.drop(columns="bmi"))
    with pytest.raises(ValueError, match="only in synthetic"):
        run(synthetic=members.assign(extra=1.0))
    with pytest.raises(ValueError, match="members is empty"):
        run(members=members.iloc[:0])
    with pytest.raises(ValueError, match="non_members is empty"):
        run(non_members=non_members.iloc[:0])
    with pytest.raises(ValueError, match="missing values in continuous"):
        run(synthetic=members.assign(age=np.nan))
    with pytest.raises(ValueError, match="discrete_columns names columns.*'sex'"):
        run(discrete_columns=[*TOY_DISCRETE, "sex"])
    with pytest.raises(ValueError, match="not numeric"):
        run(discrete_columns=["smoker"])  # region is text but not listed
    with pytest.raises(ValueError, match="n_bootstrap == 0"):
        run(n_bootstrap=0)
    with pytest.raises(TypeError, match="n_bootstrap must be an instance of int"):
        run(n_bootstrap=10.0)
    with pytest.raises(ValueError, match="random_state == -1"):
        run(random_state=-1)
    with pytest.raises(TypeError, match="members must be a pandas DataFrame"):
        run(members=members.to_numpy())


# ---------------------------------------------------------------------------- density


def test_density_attack_sanity_copies_and_fresh_rows(tables):
    members, non_members, reference = tables["members"], tables["non_members"], tables["reference"]
    copies = density_attack(members, non_members, members, reference, TOY_DISCRETE)
    assert copies.auc > 0.95 and copies.auc_low > 0.9  # measured 0.980 (0.966 to 0.992)
    fresh = density_attack(members, non_members, tables["fresh"], reference, TOY_DISCRETE)
    assert abs(fresh.auc - 0.5) < 0.06  # measured 0.517
    assert fresh.auc_low < 0.5 < fresh.auc_high  # (0.461, 0.574)
    assert str(copies).startswith("density attack (DOMIAS): AUC 0.98")


def test_density_attack_scott_for_synthetic_misses_copies(tables):
    """The documented reason for the narrow synthetic kernel: Scott's rule smooths copies."""
    members, non_members, reference = tables["members"], tables["non_members"], tables["reference"]
    smooth = density_attack(
        members, non_members, members, reference, TOY_DISCRETE, synthetic_bandwidth="scott"
    )
    assert 0.55 < smooth.auc < 0.75  # measured 0.61, against 0.98 with "spacing"


def test_density_attack_score_is_the_log_density_ratio():
    """One continuous column, fixed bandwidths: the score is log p_syn - log p_ref by hand."""
    members, non_members = pd.DataFrame({"x": [0.0]}), pd.DataFrame({"x": [1.0]})
    synthetic, reference = pd.DataFrame({"x": [0.0]}), pd.DataFrame({"x": [0.0, 2.0]})
    result = density_attack(
        members, non_members, synthetic, reference, reference_bandwidth=0.5,
        synthetic_bandwidth=0.25, n_bootstrap=10,
    )  # fmt: skip

    def log_kde(at, centres, h):  # reference range 2: encoded x / 2
        kernels = np.exp(-((at - np.asarray(centres)) ** 2) / (2 * h * h))
        return np.log(kernels.mean() / np.sqrt(2 * np.pi * h * h))

    want_member = log_kde(0.0, [0.0], 0.25) - log_kde(0.0, [0.0, 1.0], 0.5)
    want_non = log_kde(0.5, [0.0], 0.25) - log_kde(0.5, [0.0, 1.0], 0.5)
    np.testing.assert_allclose(result.member_scores, [want_member])
    np.testing.assert_allclose(result.non_member_scores, [want_non])
    assert result.auc == 1.0


def test_bandwidth_rules():
    points = np.random.default_rng(0).normal(size=(1000, 1))
    assert scott_bandwidth(points) == pytest.approx(points.std() * 1000 ** (-1 / 5))
    assert scott_bandwidth(np.zeros((10, 2))) == pytest.approx(10 ** (-1 / 6))
    assert spacing_bandwidth(np.array([[0.0], [1.0], [3.0]])) == 0.5
    # duplicates: a twin is not a gap of 0, the gap to the next distinct row counts
    assert spacing_bandwidth(np.array([[0.0], [0.0], [2.0], [2.0]])) == 1.0
    # a single distinct point has no gap: Scott's rule (spread 0 -> 1) instead
    assert spacing_bandwidth(np.zeros((3, 1))) == pytest.approx(3 ** (-1 / 5))


def test_density_attack_rejects_bad_bandwidths(tables):
    args = tables["members"], tables["non_members"], tables["members"], tables["reference"]
    with pytest.raises(ValueError, match="reference_bandwidth == 'silverman'"):
        density_attack(*args, TOY_DISCRETE, reference_bandwidth="silverman")
    with pytest.raises(ValueError, match="synthetic_bandwidth == 0"):
        density_attack(*args, TOY_DISCRETE, synthetic_bandwidth=0)
    with pytest.raises(TypeError, match="synthetic_bandwidth"):
        density_attack(*args, TOY_DISCRETE, synthetic_bandwidth=[0.1])
    with pytest.raises(ValueError, match=r"missing from reference: \['age'\]"):
        density_attack(*args[:3], args[3].drop(columns="age"), TOY_DISCRETE)


def test_density_attack_rejects_an_empty_or_incomplete_reference(tables):
    args = tables["members"], tables["non_members"], tables["members"]
    reference = tables["reference"]
    with pytest.raises(ValueError, match="reference is empty"):
        density_attack(*args, reference.iloc[:0], TOY_DISCRETE)
    with pytest.raises(ValueError, match="reference has missing values in continuous"):
        density_attack(*args, reference.assign(bmi=np.nan), TOY_DISCRETE)
