"""Exercise checks of chapter 02 (the minimax game)."""

import numpy as np
import pytest
import torch

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


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_value_function(_value_function)
        checks.check_optimal_discriminator(_optimal_discriminator)

    assert_keeps_random_state(monkeypatch, run)
