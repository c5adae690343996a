"""Exercise checks of chapter 12 (privacy, measured)."""

import math

import numpy as np
import pytest
from scipy.stats import rankdata
from sklearn.neighbors import NearestNeighbors

from tabgen_lib.checks import ExerciseCheckError
from tabgen_lib.checks.ch12_privacy import (
    check_choose_epsilon,
    check_distance_auc_by_hand,
    check_gaussian_epsilon,
)

from ._checks_helpers import assert_keeps_random_state, stub


def _auc(member_scores, non_member_scores, ties=0.5):
    m, n = len(member_scores), len(non_member_scores)
    if ties == 0.5:
        ranks = rankdata(np.concatenate([member_scores, non_member_scores]))[:m]
        return (ranks.sum() - m * (m + 1) / 2) / (m * n)
    wins = np.asarray(member_scores)[:, None] > np.asarray(non_member_scores)[None, :]
    return wins.mean()


def distance_auc_by_hand(members, non_members, synthetic, *, scale=True, sign=-1, ties=0.5):
    low, span = members.min(), (members.max() - members.min()).replace(0, 1)

    def points(table):
        return ((table - low) / span if scale else table).to_numpy(float)

    nearest = NearestNeighbors(n_neighbors=1).fit(points(synthetic))
    scores = [sign * nearest.kneighbors(points(t))[0][:, 0] for t in (members, non_members)]
    return _auc(*scores, ties=ties)


def gaussian_epsilon(noise_multiplier, steps, delta, orders, *, per_step=False, log_term=True):
    a = np.asarray(orders, dtype=float)
    rdp = (1 if per_step else steps) * a / (2 * noise_multiplier**2)
    eps = rdp - (np.log(delta) + np.log(a)) / (a - 1)
    if log_term:
        eps = eps + np.log((a - 1) / a)
    return float(eps.min())


def choose_epsilon(measured, min_efficacy, max_attack_auc, *, finite=True, attack=True):
    ok = measured[measured["efficacy"] >= min_efficacy]
    if attack:
        ok = ok[ok["attack_high"] <= max_attack_auc]
    if finite:
        ok = ok[np.isfinite(ok["epsilon"])]
    if ok.empty:
        raise ValueError("no epsilon fits this use")
    row = ok.sort_values("epsilon").iloc[0]
    return float(row["epsilon"]), row.to_dict()


def test_check_distance_auc_by_hand(capsys):
    check_distance_auc_by_hand(distance_auc_by_hand)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        check_distance_auc_by_hand(stub)
    with pytest.raises(ExerciseCheckError, match=r"\*minus\* the distance"):
        check_distance_auc_by_hand(lambda m, n, s: distance_auc_by_hand(m, n, s, sign=1))
    with pytest.raises(ExerciseCheckError, match="members' range"):
        check_distance_auc_by_hand(lambda m, n, s: distance_auc_by_hand(m, n, s, scale=False))
    with pytest.raises(ExerciseCheckError, match="counts one half"):
        check_distance_auc_by_hand(lambda m, n, s: distance_auc_by_hand(m, n, s, ties=0))
    with pytest.raises(ExerciseCheckError, match="should be 1.0000, got 0.5000"):
        check_distance_auc_by_hand(lambda m, n, s: 0.5)
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        check_distance_auc_by_hand(lambda m, n, s: "high")


def test_check_gaussian_epsilon(capsys):
    check_gaussian_epsilon(gaussian_epsilon)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        check_gaussian_epsilon(stub)
    with pytest.raises(ExerciseCheckError, match="That is one step"):
        check_gaussian_epsilon(lambda s, t, d, o: gaussian_epsilon(s, t, d, o, per_step=True))
    with pytest.raises(ExerciseCheckError, match="whole conversion"):
        check_gaussian_epsilon(lambda s, t, d, o: gaussian_epsilon(s, t, d, o, log_term=False))

    def mironov(sigma, steps, delta, orders):  # the conversion of the 2017 paper
        a = np.asarray(orders, dtype=float)
        return float((steps * a / (2 * sigma**2) - np.log(delta) / (a - 1)).min())

    with pytest.raises(ExerciseCheckError, match="whole conversion"):
        check_gaussian_epsilon(mironov)
    with pytest.raises(ExerciseCheckError, match="smallest epsilon over all the orders"):
        check_gaussian_epsilon(lambda s, t, d, o: gaussian_epsilon(s, t, d, o[-1:]))
    with pytest.raises(ExerciseCheckError, match="epsilon should be"):
        check_gaussian_epsilon(lambda s, t, d, o: 0.0)


def test_check_choose_epsilon(capsys):
    check_choose_epsilon(choose_epsilon)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        check_choose_epsilon(stub)
    with pytest.raises(ExerciseCheckError, match="no guarantee"):
        check_choose_epsilon(lambda m, e, a: choose_epsilon(m, e, a, finite=False))
    with pytest.raises(ExerciseCheckError, match="breaks one of the two conditions"):
        check_choose_epsilon(lambda m, e, a: choose_epsilon(m, e, a, attack=False))

    def largest(m, e, a):
        epsilon, row = choose_epsilon(m, e, a)
        best = m[np.isfinite(m["epsilon"])].sort_values("epsilon").iloc[-1]
        return float(best["epsilon"]), best.to_dict()

    with pytest.raises(ExerciseCheckError, match="spend no more privacy"):
        check_choose_epsilon(largest)
    with pytest.raises(ExerciseCheckError, match="Return two things"):
        check_choose_epsilon(lambda m, e, a: choose_epsilon(m, e, a)[0])
    with pytest.raises(ExerciseCheckError, match="justification must be the chosen row"):
        check_choose_epsilon(lambda m, e, a: (choose_epsilon(m, e, a)[0], {"efficacy": 1.0}))

    def never_refuses(m, e, a):
        try:
            return choose_epsilon(m, e, a)
        except ValueError:
            return math.inf, {}

    with pytest.raises(ExerciseCheckError, match="raise a ValueError"):
        check_choose_epsilon(never_refuses)

    def crashes(m, e, a):
        try:
            return choose_epsilon(m, e, a)
        except ValueError:
            raise KeyError("no row") from None

    with pytest.raises(ExerciseCheckError, match="expected a ValueError"):
        check_choose_epsilon(crashes)

    def most_useful(m, e, a):  # the best efficacy that fits, guarantee or not
        fits = m[(m["efficacy"] >= e) & (m["attack_high"] <= a)]
        row = fits.sort_values("efficacy").iloc[-1]
        return float(row["epsilon"]), row.to_dict()

    with pytest.raises(ExerciseCheckError, match="never choose it"):
        check_choose_epsilon(most_useful)

    def refusal_unfinished(m, e, a):
        try:
            return choose_epsilon(m, e, a)
        except ValueError:
            raise NotImplementedError from None

    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        check_choose_epsilon(refusal_unfinished)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        check_distance_auc_by_hand(distance_auc_by_hand)
        check_gaussian_epsilon(gaussian_epsilon)
        check_choose_epsilon(choose_epsilon)

    assert_keeps_random_state(monkeypatch, run)
