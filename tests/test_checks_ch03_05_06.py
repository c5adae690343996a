"""Exercise checks of chapters 03 (backpropagation), 05 (sine) and 06 (circles)."""

import pytest
import torch
from torch import nn

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError


def _stub(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- chapter 03


def _linear_relu_backward(x, W, b, grad_out):
    grad_z = grad_out * (x @ W.T + b > 0)
    return grad_z @ W, grad_z.T @ x, grad_z.sum(0)


def test_check_linear_relu_backward():
    checks.check_linear_relu_backward(_linear_relu_backward)
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
        checks.check_linear_relu_backward(_stub)


def test_check_bce_logits_grad():
    checks.check_bce_logits_grad(lambda s, t: (torch.sigmoid(s) - t) / s.numel())
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
        checks.check_bce_logits_grad(_stub)


# ---------------------------------------------------------------- chapter 05


def test_check_build_model():
    checks.check_build_model(lambda: nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1)))
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
        checks.check_build_model(_stub)


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


def test_check_adam_step():
    checks.check_adam_step(_adam_step())
    with pytest.raises(ExerciseCheckError, match="bias correction"):
        checks.check_adam_step(_adam_step(bias_correction=False))
    with pytest.raises(ExerciseCheckError, match="step by step"):
        checks.check_adam_step(lambda p, g, m, v, t, lr, b1, b2, eps: (p - lr * g, m, v))
    with pytest.raises(ExerciseCheckError, match="shape"):
        checks.check_adam_step(lambda p, g, m, v, t, lr, b1, b2, eps: (p.reshape(-1), m, v))
    with pytest.raises(ExerciseCheckError, match="3 tensors"):
        checks.check_adam_step(lambda *args: args[0])
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_adam_step(_stub)


# ---------------------------------------------------------------- chapter 06


def test_check_build_classifier():
    checks.check_build_classifier(
        lambda: nn.Sequential(
            nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
        )
    )
    with pytest.raises(ExerciseCheckError, match="straight boundary"):
        checks.check_build_classifier(lambda: nn.Linear(2, 1), epochs=100)
    with pytest.raises(ExerciseCheckError, match="nn.Module"):
        checks.check_build_classifier(lambda: None)
    with pytest.raises(ExerciseCheckError, match="no parameters"):
        checks.check_build_classifier(lambda: nn.Identity())
    with pytest.raises(ExerciseCheckError, match=r"output \(800, 1\)"):
        checks.check_build_classifier(lambda: nn.Linear(2, 2))
    with pytest.raises(ExerciseCheckError, match="failed on an input"):
        checks.check_build_classifier(lambda: nn.Linear(3, 1))
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_build_classifier(_stub)


def _collapse(with_bias=True, order_right=True):
    def collapse_linears(layers):
        W, b = layers[0].weight, layers[0].bias
        for layer in layers[1:]:
            W = layer.weight @ W if order_right else (W.T @ layer.weight.T).T * 2
            b = layer.weight @ b + layer.bias if with_bias else layer.bias
        single = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            single.weight.copy_(W)
            single.bias.copy_(b)
        return single

    return collapse_linears


def test_check_collapse_linears():
    checks.check_collapse_linears(_collapse())
    with pytest.raises(ExerciseCheckError, match="earlier bias"):
        checks.check_collapse_linears(_collapse(with_bias=False))
    with pytest.raises(ExerciseCheckError, match="right to left"):
        checks.check_collapse_linears(_collapse(order_right=False))
    with pytest.raises(ExerciseCheckError, match="return an nn.Linear"):
        checks.check_collapse_linears(lambda layers: nn.Sequential(*layers))
    with pytest.raises(ExerciseCheckError, match="2 inputs to 1 output"):
        checks.check_collapse_linears(lambda layers: nn.Linear(2, 2))
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_collapse_linears(_stub)
