"""Exercise checks of chapter 04 (linear regression)."""

import numpy as np
import pytest
import torch
from torch import nn

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def _mse(p, t):
    return ((p - t) ** 2).mean()


def _least_squares(x, y):
    return np.polyfit(x, y, 1).tolist()


def test_check_mse(capsys):
    checks.check_mse(_mse)
    assert capsys.readouterr().out.startswith("Correct! Your MSE matches torch.nn.MSELoss")
    with pytest.raises(ExerciseCheckError, match="forget to square"):
        checks.check_mse(lambda p, t: (p - t).abs().mean() * 0)
    with pytest.raises(ExerciseCheckError, match="tensor"):
        checks.check_mse(lambda p, t: 0.0)
    with pytest.raises(ExerciseCheckError, match="keep the gradient"):
        checks.check_mse(lambda p, t: torch.tensor(float(((p - t) ** 2).mean())))
    with pytest.raises(ExerciseCheckError, match="single number"):
        checks.check_mse(lambda p, t: (p - t) ** 2)
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_mse(stub)
    with pytest.raises(ExerciseCheckError, match="ZeroDivisionError"):
        checks.check_mse(lambda p, t: 1 / 0)
    with pytest.raises(ExerciseCheckError, match="function itself"):
        checks.check_mse(3.0)


def test_check_least_squares(capsys):
    checks.check_least_squares(_least_squares)
    assert capsys.readouterr().out.startswith("Correct! w and b match")
    with pytest.raises(ExerciseCheckError, match="Hint"):
        checks.check_least_squares(lambda x, y: (1.0, 0.0))
    with pytest.raises(ExerciseCheckError, match="two numbers"):
        checks.check_least_squares(lambda x, y: 1.0)
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_least_squares(lambda x, y: ("a", "b"))
    with pytest.raises(ExerciseCheckError, match="not implemented"):
        checks.check_least_squares(stub)


def _fit_line(epochs):
    def fit_line(x, y):
        model = nn.Linear(1, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        for _ in range(epochs):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        return model

    return fit_line


def test_check_fit_line(capsys):
    torch.manual_seed(0)
    checks.check_fit_line(_fit_line(1000))
    assert capsys.readouterr().out.endswith("(true 0.7 and 0.3, tolerance 0.05).\n")
    with pytest.raises(ExerciseCheckError, match="more epochs"):
        checks.check_fit_line(_fit_line(0))
    with pytest.raises(ExerciseCheckError, match="nn.Linear"):
        checks.check_fit_line(lambda x, y: nn.Sequential(nn.Linear(1, 1)))


def test_check_fit_line_tolerance():
    torch.manual_seed(0)
    checks.check_fit_line(_fit_line(0), tol=10)  # any line is within 10
    with pytest.raises(ValueError, match="tol == 0.0, must be > 0"):
        checks.check_fit_line(_fit_line(1000), tol=0.0)
    with pytest.raises(TypeError, match="tol must be an instance of float"):
        checks.check_fit_line(_fit_line(1000), tol="0.05")


def test_check_fit_line_is_repeatable():
    """The student's initial weights come from their own random state, which the check
    leaves alone: checking twice gives the same answer."""
    torch.manual_seed(5)
    out = []
    for _ in range(2):
        with pytest.raises(ExerciseCheckError) as failure:
            checks.check_fit_line(_fit_line(3))
        out.append(str(failure.value))
    assert out[0] == out[1]


def _l1_step(w, b, x, y, lr, *, sign_of=np.sign, reduce=np.mean, factor_x=True, direction=-1):
    sign = sign_of(w * x + b - y)
    grad_w = reduce(sign * x) if factor_x else reduce(sign)
    return w + direction * lr * grad_w, b + direction * lr * reduce(sign)


def test_check_l1_step(capsys):
    checks.check_l1_step(_l1_step)
    checks.check_l1_step(lambda *a: tuple(torch.tensor(v) for v in _l1_step(*a)))
    assert capsys.readouterr().out.count("Correct! Your L1 step matches SGD on 4 data sets") == 2

    def mse_step(w, b, x, y, lr):
        r = w * x + b - y
        return w - lr * 2 * np.mean(r * x), b - lr * 2 * np.mean(r)

    with pytest.raises(ExerciseCheckError, match="That is the MSE's gradient"):
        checks.check_l1_step(mse_step)
    with pytest.raises(ExerciseCheckError, match="against"):
        checks.check_l1_step(lambda *a: _l1_step(*a, direction=1))
    with pytest.raises(ExerciseCheckError, match="divide the sum"):
        checks.check_l1_step(lambda *a: _l1_step(*a, reduce=np.sum))
    with pytest.raises(ExerciseCheckError, match="carries the factor x"):
        checks.check_l1_step(lambda *a: _l1_step(*a, factor_x=False))
    with pytest.raises(ExerciseCheckError, match=r"expected new w=0.2\d+.*dL/dw = mean"):
        checks.check_l1_step(lambda w, b, x, y, lr: (w, b))
    with pytest.raises(ExerciseCheckError, match="two numbers"):
        checks.check_l1_step(lambda *a: 1.0)
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_l1_step(stub)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_mse(_mse)
        checks.check_least_squares(_least_squares)
        checks.check_fit_line(_fit_line(1000))  # the student's nn.Linear draws its weights
        checks.check_l1_step(_l1_step)

    assert_keeps_random_state(monkeypatch, run)
