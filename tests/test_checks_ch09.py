"""Exercise checks of chapter 09 (autoencoder + GAN on Adult)."""

import pytest

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def efficacy_ratio(auc_synthetic, auc_real):
    for value in (auc_synthetic, auc_real):
        if not 0.0 <= value <= 1.0:
            raise ValueError("an AUC lies in [0, 1]")
    if auc_real <= 0.5:
        raise ValueError("the real model must beat chance")
    return auc_synthetic / auc_real


def smallest_good_latent(scores, tolerance=0.01):
    if not scores:
        raise ValueError("no scores")
    if tolerance < 0:
        raise ValueError("tolerance must be >= 0")
    best = max(scores.values())
    return min(d for d, s in scores.items() if s >= best - tolerance)


def test_check_efficacy_ratio(capsys):
    checks.check_efficacy_ratio(efficacy_ratio)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_efficacy_ratio(stub)
    with pytest.raises(ExerciseCheckError, match="other way round"):
        checks.check_efficacy_ratio(lambda s, r: r / s)
    with pytest.raises(ExerciseCheckError, match="difference"):
        checks.check_efficacy_ratio(lambda s, r: s - r)
    with pytest.raises(ExerciseCheckError, match="should be"):
        checks.check_efficacy_ratio(lambda s, r: 1.0)
    with pytest.raises(ExerciseCheckError, match="between 0 and 1"):
        checks.check_efficacy_ratio(lambda s, r: s / r)
    with pytest.raises(ExerciseCheckError, match="no better than chance"):
        checks.check_efficacy_ratio(
            lambda s, r: s / r if 0 <= s <= 1 and 0 <= r <= 1 else efficacy_ratio(s, r)
        )
    with pytest.raises(ExerciseCheckError, match="expected a ValueError"):
        checks.check_efficacy_ratio(
            lambda s, r: s / r if 0 <= s <= 1 and 0.5 < r <= 1 else None + 1
        )
    with pytest.raises(ExerciseCheckError, match="should be numbers|should be a number"):
        checks.check_efficacy_ratio(lambda s, r: "high")


def test_check_smallest_good_latent(capsys):
    checks.check_smallest_good_latent(smallest_good_latent)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_smallest_good_latent(stub)
    with pytest.raises(ExerciseCheckError, match="best size"):
        checks.check_smallest_good_latent(lambda s, t: max(s, key=s.get))
    with pytest.raises(ExerciseCheckError, match="smallest size overall"):
        checks.check_smallest_good_latent(lambda s, t: min(s))
    with pytest.raises(ExerciseCheckError, match="Return a latent size"):
        checks.check_smallest_good_latent(lambda s, t: float(smallest_good_latent(s, t)))
    with pytest.raises(ExerciseCheckError, match="answer is"):
        checks.check_smallest_good_latent(lambda s, t: sorted(s)[1])
    with pytest.raises(ExerciseCheckError, match="empty scores"):
        checks.check_smallest_good_latent(lambda s, t: smallest_good_latent(s, t) if s else 8)
    with pytest.raises(ExerciseCheckError, match="negative tolerance"):
        checks.check_smallest_good_latent(lambda s, t: smallest_good_latent(s, abs(t)))


def test_validation_left_unfinished_is_reported():
    def half_done(s, r):
        if 0 <= s <= 1 and 0.5 < r <= 1:
            return s / r
        raise NotImplementedError

    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_efficacy_ratio(half_done)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_efficacy_ratio(efficacy_ratio)
        checks.check_smallest_good_latent(smallest_good_latent)

    assert_keeps_random_state(monkeypatch, run)
