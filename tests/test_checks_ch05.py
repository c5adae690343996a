"""Exercise checks of chapter 05 (fitting a sine curve)."""

import pytest
import torch
from torch import nn

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def _sine_model():
    return nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))


def test_check_build_model(capsys):
    checks.check_build_model(_sine_model)
    assert capsys.readouterr().out.startswith("Correct! After 1500 Adam steps")
    with pytest.raises(ExerciseCheckError, match="straight line"):
        checks.check_build_model(lambda: nn.Linear(1, 1), steps=200)
    with pytest.raises(ExerciseCheckError, match="nn.Module"):
        checks.check_build_model(lambda: "model")
    with pytest.raises(ExerciseCheckError, match="no parameters"):
        checks.check_build_model(lambda: nn.ReLU())
    with pytest.raises(ExerciseCheckError, match="should output"):
        checks.check_build_model(lambda: nn.Linear(1, 3))
    with pytest.raises(ExerciseCheckError, match="failed on an input"):
        checks.check_build_model(lambda: nn.Linear(2, 1))
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_build_model(stub)


def test_check_build_model_is_seeded():
    """The student's model is built from the same seed every time: same answer twice."""
    messages = []
    for _ in range(2):
        with pytest.raises(ExerciseCheckError) as failure:
            checks.check_build_model(_sine_model, steps=20)
        messages.append(str(failure.value))
    assert messages[0] == messages[1]


def test_check_build_model_refuses_bad_settings():
    with pytest.raises(ValueError, match="steps == 0, must be >= 1"):
        checks.check_build_model(_sine_model, steps=0)
    with pytest.raises(TypeError, match="steps must be an instance of int"):
        checks.check_build_model(_sine_model, steps=10.0)
    with pytest.raises(ValueError, match="threshold == -0.1, must be > 0"):
        checks.check_build_model(_sine_model, threshold=-0.1)


def _adam_step(bias_correction=True):
    def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        if bias_correction:
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        else:
            m_hat, v_hat = m, v
        return param - lr * m_hat / (v_hat.sqrt() + eps), m, v

    return adam_step


def test_check_adam_step(capsys):
    checks.check_adam_step(_adam_step())
    assert capsys.readouterr().out == "Correct! 5 steps of your Adam match torch.optim.Adam.\n"
    with pytest.raises(ExerciseCheckError, match="bias correction"):
        checks.check_adam_step(_adam_step(bias_correction=False))
    with pytest.raises(ExerciseCheckError, match="step by step"):
        checks.check_adam_step(lambda p, g, m, v, t, lr, b1, b2, eps: (p - lr * g, m, v))
    with pytest.raises(ExerciseCheckError, match="shape"):
        checks.check_adam_step(lambda p, g, m, v, t, lr, b1, b2, eps: (p.reshape(-1), m, v))
    with pytest.raises(ExerciseCheckError, match="3 tensors"):
        checks.check_adam_step(lambda *args: args[0])
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_adam_step(stub)


def _power_iteration(loss_fn, theta, iters=100):
    v = torch.randn_like(theta)
    value = 0.0
    for _ in range(iters):
        v = v / v.norm()
        _, hv = torch.autograd.functional.hvp(loss_fn, theta, v)
        value, v = float(v @ hv), hv
    return value


def test_check_top_hessian_eigenvalue(capsys):
    checks.check_top_hessian_eigenvalue(_power_iteration)
    assert capsys.readouterr().out.startswith("Correct! Your power iteration finds the largest")

    def smallest(loss_fn, theta, iters=100):
        hessian = torch.autograd.functional.hessian(loss_fn, theta)
        return float(torch.linalg.eigvalsh(hessian)[0])

    with pytest.raises(ExerciseCheckError, match="smallest eigenvalue"):
        checks.check_top_hessian_eigenvalue(smallest)

    def gradient_norm(loss_fn, theta, iters=100):
        return float(torch.autograd.functional.jacobian(loss_fn, theta).norm())

    with pytest.raises(ExerciseCheckError, match="gradient's norm"):
        checks.check_top_hessian_eigenvalue(gradient_norm)
    with pytest.raises(ExerciseCheckError, match="largest eigenvalue is 5.0000, yours 1.0000.*hvp"):
        checks.check_top_hessian_eigenvalue(lambda f, theta, iters=100: 1.0)
    with pytest.raises(ExerciseCheckError, match="single number"):
        checks.check_top_hessian_eigenvalue(lambda f, theta, iters=100: torch.ones(3))
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_top_hessian_eigenvalue(stub)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_build_model(_sine_model, steps=20, threshold=1.0)  # seeds the model
        checks.check_top_hessian_eigenvalue(_power_iteration)
        checks.check_adam_step(_adam_step())

    assert_keeps_random_state(monkeypatch, run)
