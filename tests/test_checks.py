import numpy as np
import pytest
import torch
from torch import nn

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError


def _stub(*args):
    raise NotImplementedError


def test_check_mse():
    checks.check_mse(lambda p, t: ((p - t) ** 2).mean())
    with pytest.raises(ExerciseCheckError, match="forget to square"):
        checks.check_mse(lambda p, t: (p - t).abs().mean() * 0)
    with pytest.raises(ExerciseCheckError, match="tensor"):
        checks.check_mse(lambda p, t: 0.0)
    with pytest.raises(ExerciseCheckError, match="keep the gradient"):
        checks.check_mse(lambda p, t: torch.tensor(float(((p - t) ** 2).mean())))
    with pytest.raises(ExerciseCheckError, match="single number"):
        checks.check_mse(lambda p, t: (p - t) ** 2)
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_mse(_stub)
    with pytest.raises(ExerciseCheckError, match="ZeroDivisionError"):
        checks.check_mse(lambda p, t: 1 / 0)
    with pytest.raises(ExerciseCheckError, match="function itself"):
        checks.check_mse(3.0)


def test_check_least_squares():
    checks.check_least_squares(lambda x, y: np.polyfit(x, y, 1).tolist())
    with pytest.raises(ExerciseCheckError, match="Hint"):
        checks.check_least_squares(lambda x, y: (1.0, 0.0))
    with pytest.raises(ExerciseCheckError, match="two numbers"):
        checks.check_least_squares(lambda x, y: 1.0)
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_least_squares(lambda x, y: ("a", "b"))
    with pytest.raises(ExerciseCheckError, match="not implemented"):
        checks.check_least_squares(_stub)


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


def test_check_fit_line():
    torch.manual_seed(0)
    checks.check_fit_line(_fit_line(1000))
    with pytest.raises(ExerciseCheckError, match="more epochs"):
        checks.check_fit_line(_fit_line(0))
    with pytest.raises(ExerciseCheckError, match="nn.Linear"):
        checks.check_fit_line(lambda x, y: nn.Sequential(nn.Linear(1, 1)))
