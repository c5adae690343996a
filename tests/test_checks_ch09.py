"""Exercise checks of chapter 09 (autoencoder + GAN on Adult)."""

import numpy as np
import pytest

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def mixture_parameter_count(k, d):
    return k * (d + d * (d + 1) // 2) + k - 1


def bic_by_hand(mixture, z):
    n, d = z.shape
    p = mixture_parameter_count(mixture.n_components, d)
    return -2 * mixture.score(z) * n + p * np.log(n)


def choose_latent_size(detection, tolerance=0.01):
    if not detection or tolerance < 0:
        raise ValueError("give sizes and a tolerance >= 0")
    if any(not 0 <= auc <= 1 for auc in detection.values()):
        raise ValueError("an AUC lies in [0, 1]")
    best = min(detection.values())
    return min(d for d, auc in detection.items() if auc <= best + tolerance)


def test_check_mixture_parameter_count(capsys):
    checks.check_mixture_parameter_count(mixture_parameter_count)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_mixture_parameter_count(stub)
    with pytest.raises(ExerciseCheckError, match="symmetric"):
        checks.check_mixture_parameter_count(lambda k, d: k * (d + d * d) + k - 1)
    with pytest.raises(ExerciseCheckError, match="k - 1 of them are free"):
        checks.check_mixture_parameter_count(lambda k, d: k * (d + d * (d + 1) // 2) + k)
    with pytest.raises(ExerciseCheckError, match="mixture weights"):
        checks.check_mixture_parameter_count(lambda k, d: k * (d + d * (d + 1) // 2))
    with pytest.raises(ExerciseCheckError, match="diagonal"):
        checks.check_mixture_parameter_count(lambda k, d: k * 2 * d + k - 1)
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_mixture_parameter_count(lambda k, d: "many")


def test_check_bic_by_hand(capsys):
    checks.check_bic_by_hand(bic_by_hand)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_bic_by_hand(stub)

    def parts(mixture, z):
        n, d = z.shape
        return mixture.score(z), mixture_parameter_count(mixture.n_components, d), n, d

    def mean_loglik(m, z):
        s, p, n, _ = parts(m, z)
        return -2 * s + p * np.log(n)

    def no_two(m, z):
        s, p, n, _ = parts(m, z)
        return -s * n + p * np.log(n)

    def log_d(m, z):
        s, p, n, d = parts(m, z)
        return -2 * s * n + p * np.log(d)

    def aic(m, z):
        s, p, n, _ = parts(m, z)
        return -2 * s * n + 2 * p

    def no_penalty(m, z):
        s, _, n, _ = parts(m, z)
        return -2 * s * n

    for wrong, hint in [
        (mean_loglik, "mean"),
        (no_two, "-2 log L"),
        (log_d, "number of rows"),
        (aic, "AIC"),
        (no_penalty, "Add the penalty"),
        (lambda m, z: 0.0, "the BIC is"),
    ]:
        with pytest.raises(ExerciseCheckError, match=hint):
            checks.check_bic_by_hand(wrong)


def test_check_choose_latent_size(capsys):
    checks.check_choose_latent_size(choose_latent_size)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_choose_latent_size(stub)
    with pytest.raises(ExerciseCheckError, match="lower is better"):
        checks.check_choose_latent_size(lambda s, t: max(s, key=s.get))
    with pytest.raises(ExerciseCheckError, match="lowest AUC"):
        checks.check_choose_latent_size(lambda s, t: min(s, key=s.get))
    with pytest.raises(ExerciseCheckError, match="smallest size overall"):
        checks.check_choose_latent_size(lambda s, t: min(s) if s else choose_latent_size(s, t))
    with pytest.raises(ExerciseCheckError, match="Return a latent size"):
        checks.check_choose_latent_size(lambda s, t: float(choose_latent_size(s, t)))
    with pytest.raises(ExerciseCheckError, match="no sizes"):
        checks.check_choose_latent_size(lambda s, t: choose_latent_size(s, t) if s else 16)
    with pytest.raises(ExerciseCheckError, match="negative tolerance"):
        checks.check_choose_latent_size(lambda s, t: choose_latent_size(s, abs(t)))

    def no_range_check(s, t):
        if not s or t < 0:
            raise ValueError("no")
        best = min(s.values())
        return min(d for d, a in s.items() if a <= best + t)

    with pytest.raises(ExerciseCheckError, match="above 1"):
        checks.check_choose_latent_size(no_range_check)

    def type_error(s, t):
        if not s:
            raise TypeError("empty")
        return choose_latent_size(s, t)

    with pytest.raises(ExerciseCheckError, match="expected a ValueError"):
        checks.check_choose_latent_size(type_error)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_mixture_parameter_count(mixture_parameter_count)
        checks.check_bic_by_hand(bic_by_hand)
        checks.check_choose_latent_size(choose_latent_size)

    assert_keeps_random_state(monkeypatch, run)


# the checks of earlier versions of the chapter


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


def test_earlier_check_efficacy_ratio(capsys):
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


def test_earlier_check_smallest_good_latent(capsys):
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


def test_earlier_validation_left_unfinished_is_reported():
    def half_done(s, r):
        if 0 <= s <= 1 and 0.5 < r <= 1:
            return s / r
        raise NotImplementedError

    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_efficacy_ratio(half_done)
