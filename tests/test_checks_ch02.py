"""Exercise checks of chapter 02 (the minimax game)."""

import numpy as np
import pytest
import torch
from scipy.integrate import trapezoid

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def _value_function(d_real, d_fake):
    return np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))


def _optimal_discriminator(p_data, p_g, x):
    return p_data(x) / (p_data(x) + p_g(x))


def test_check_value_function(capsys):
    checks.check_value_function(_value_function)
    assert capsys.readouterr().out.startswith("Correct! Your V(D, G) is right in 3 cases")
    with pytest.raises(ExerciseCheckError, match="sign is flipped"):
        checks.check_value_function(lambda r, f: -_value_function(r, f))
    with pytest.raises(ExerciseCheckError, match=r"log\(1 - D"):
        checks.check_value_function(lambda r, f: np.mean(np.log(r)) + np.mean(np.log(f)))
    with pytest.raises(ExerciseCheckError, match="V should be -1.3863 here.*own samples"):
        checks.check_value_function(lambda r, f: 0.0)
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_value_function(lambda r, f: [1.0, 2.0])
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_value_function(stub)


def test_check_optimal_discriminator(capsys):
    checks.check_optimal_discriminator(_optimal_discriminator)
    checks.check_optimal_discriminator(lambda p, q, x: torch.tensor(p(x) / (p(x) + q(x))))
    assert capsys.readouterr().out.count("Correct! Your D* is right") == 2
    with pytest.raises(ExerciseCheckError, match="swapped"):
        checks.check_optimal_discriminator(lambda p, q, x: q(x) / (p(x) + q(x)))
    with pytest.raises(ExerciseCheckError, match="point by point"):
        checks.check_optimal_discriminator(lambda p, q, x: p(x) / q(x))
    with pytest.raises(ExerciseCheckError, match=r"expected shape \(91,\), got \(\)"):
        checks.check_optimal_discriminator(lambda p, q, x: 0.5)
    with pytest.raises(ExerciseCheckError, match="should return an array, got str"):
        checks.check_optimal_discriminator(lambda p, q, x: "D*")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_optimal_discriminator(stub)


def _collapsed_dstar(w, s):
    return w * s / (w * s + 1)


def _weighted_dstar(p_data, p_g, x, pi):
    return pi * p_data(x) / (pi * p_data(x) + (1 - pi) * p_g(x))


def _weighted_value(p_data, p_g, x, pi):
    p, q = p_data(x), p_g(x)
    d = pi * p / (pi * p + (1 - pi) * q)
    with np.errstate(divide="ignore", invalid="ignore"):
        real = trapezoid(np.where(p > 0, p * np.log(d), 0.0), x)
        fake = trapezoid(np.where(q > 0, q * np.log(1 - d), 0.0), x)
    return pi * real + (1 - pi) * fake


def test_check_collapsed_dstar(capsys):
    checks.check_collapsed_dstar(_collapsed_dstar)
    assert capsys.readouterr().out.startswith("Correct! D* at a collapsed mode is w s / (w s + 1)")
    with pytest.raises(ExerciseCheckError, match="width matters"):
        checks.check_collapsed_dstar(lambda w, s: w / (w + 1))
    with pytest.raises(ExerciseCheckError, match="That is 1 - D"):
        checks.check_collapsed_dstar(lambda w, s: 1 / (w * s + 1))
    with pytest.raises(ExerciseCheckError, match="only where p_data = p_g"):
        checks.check_collapsed_dstar(lambda w, s: 0.5)
    with pytest.raises(ExerciseCheckError, match=r"D\* is 0.3333, yours 0.2500.*phi\(0\)"):
        checks.check_collapsed_dstar(lambda w, s: w * s / 2)
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_collapsed_dstar(stub)


def test_check_weighted_optimal_discriminator(capsys):
    checks.check_weighted_optimal_discriminator(_weighted_dstar)
    out = capsys.readouterr().out
    assert out.startswith("Correct! Your D*_pi matches the formula for 9 cases")
    gap = float(out.split("largest gap ")[1].rstrip(").\n"))
    assert 0 < gap < 0.03, "a trained discriminator agrees with the formula"
    with pytest.raises(ExerciseCheckError, match="D\\* for equal proportions"):
        checks.check_weighted_optimal_discriminator(
            lambda p, q, x, pi: _optimal_discriminator(p, q, x)
        )
    with pytest.raises(ExerciseCheckError, match="share of \\*real\\* samples"):
        checks.check_weighted_optimal_discriminator(
            lambda p, q, x, pi: _weighted_dstar(p, q, x, 1 - pi)
        )
    with pytest.raises(ExerciseCheckError, match="P\\(fake\\)"):
        checks.check_weighted_optimal_discriminator(
            lambda p, q, x, pi: 1 - _weighted_dstar(p, q, x, pi)
        )
    with pytest.raises(ExerciseCheckError, match="point by point"):
        checks.check_weighted_optimal_discriminator(lambda p, q, x, pi: pi * p(x) / q(x))
    with pytest.raises(ExerciseCheckError, match=r"expected shape \(91,\)"):
        checks.check_weighted_optimal_discriminator(lambda p, q, x, pi: pi)
    with pytest.raises(ExerciseCheckError, match="should return an array, got dict"):
        checks.check_weighted_optimal_discriminator(lambda p, q, x, pi: {})
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_weighted_optimal_discriminator(stub)


def test_check_weighted_value_at_optimum(capsys):
    checks.check_weighted_value_at_optimum(_weighted_value)
    assert capsys.readouterr().out.startswith("Correct! Your value is right in 5 cases")

    with pytest.raises(ExerciseCheckError, match="by pi and 1 - pi"):
        checks.check_weighted_value_at_optimum(
            lambda p, q, x, pi: _weighted_value(p, q, x, pi) * 2 if pi == 0.5 else 0.0
        )
    with pytest.raises(ExerciseCheckError, match="0 log 0 = 0"):
        checks.check_weighted_value_at_optimum(lambda p, q, x, pi: float("nan"))
    with pytest.raises(ExerciseCheckError, match=r"should be -0.69315, yours is 0.00000.*D\*_pi"):
        checks.check_weighted_value_at_optimum(lambda p, q, x, pi: 0.0)
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_weighted_value_at_optimum(stub)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_value_function(_value_function)
        checks.check_optimal_discriminator(_optimal_discriminator)
        checks.check_collapsed_dstar(_collapsed_dstar)
        checks.check_weighted_optimal_discriminator(_weighted_dstar)
        checks.check_weighted_value_at_optimum(_weighted_value)

    assert_keeps_random_state(monkeypatch, run)
