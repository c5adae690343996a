"""Exercise checks of chapter 03 (backpropagation)."""

import pytest
import torch

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def _linear_relu_backward(x, W, b, grad_out):
    grad_z = grad_out * (x @ W.T + b > 0)
    return grad_z @ W, grad_z.T @ x, grad_z.sum(0)


def _bce_logits_grad(s, t):
    return (torch.sigmoid(s) - t) / s.numel()


def test_check_linear_relu_backward(capsys):
    checks.check_linear_relu_backward(_linear_relu_backward)
    assert capsys.readouterr().out.startswith("Correct! grad_x, grad_W and grad_b match")
    with pytest.raises(ExerciseCheckError, match="forget the ReLU"):
        checks.check_linear_relu_backward(lambda x, W, b, g: (g @ W, g.T @ x, g.sum(0)))
    with pytest.raises(ExerciseCheckError, match="chain rule"):
        checks.check_linear_relu_backward(
            lambda x, W, b, g: tuple(2 * t for t in _linear_relu_backward(x, W, b, g))
        )
    with pytest.raises(ExerciseCheckError, match="shape of W"):
        checks.check_linear_relu_backward(
            lambda x, W, b, g: (lambda gx, gw, gb: (gx, gw.T, gb))(
                *_linear_relu_backward(x, W, b, g)
            )
        )
    with pytest.raises(ExerciseCheckError, match="3 tensors"):
        checks.check_linear_relu_backward(lambda x, W, b, g: _linear_relu_backward(x, W, b, g)[:2])
    with pytest.raises(ExerciseCheckError, match="should return tensors"):
        checks.check_linear_relu_backward(lambda x, W, b, g: (1, 2, 3))
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_linear_relu_backward(stub)


def test_check_bce_logits_grad(capsys):
    checks.check_bce_logits_grad(_bce_logits_grad)
    assert capsys.readouterr().out.startswith("Correct! Your gradient matches torch.autograd")
    with pytest.raises(ExerciseCheckError, match="divide by the number"):
        checks.check_bce_logits_grad(lambda s, t: torch.sigmoid(s) - t)
    with pytest.raises(ExerciseCheckError, match="sign is flipped"):
        checks.check_bce_logits_grad(lambda s, t: (t - torch.sigmoid(s)) / s.numel())
    with pytest.raises(ExerciseCheckError, match="Differentiate"):
        checks.check_bce_logits_grad(lambda s, t: (s - t) / s.numel())
    with pytest.raises(ExerciseCheckError, match="shape of the logits"):
        checks.check_bce_logits_grad(lambda s, t: (torch.sigmoid(s) - t).reshape(-1, 1, 1))
    with pytest.raises(ExerciseCheckError, match="return a tensor"):
        checks.check_bce_logits_grad(lambda s, t: 0.0)
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_bce_logits_grad(stub)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_linear_relu_backward(_linear_relu_backward)
        checks.check_bce_logits_grad(_bce_logits_grad)

    assert_keeps_random_state(monkeypatch, run)
