"""Exercise checks of chapter 03 (backpropagation)."""

import pytest
import torch
from torch.nn import functional as F

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


def _bce_d_loss(D, real, fake):
    r, f = D(real), D(fake)
    return F.binary_cross_entropy_with_logits(
        r, torch.ones_like(r)
    ) + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))


def _g_grad_norm(G):
    grads = [p.grad.reshape(-1) for p in G.parameters() if p.grad is not None]
    return float(torch.cat(grads).norm()) if grads else 0.0


def _detach_effect(G, D, real, z, *, clear=True, detach_first=True, detach_second=False):
    norms = []
    for detach in (detach_first, detach_second):
        if clear:
            G.zero_grad()
            D.zero_grad()
        fake = G(z).detach() if detach else G(z)
        _bce_d_loss(D, real, fake).backward()
        norms.append(_g_grad_norm(G))
    return tuple(norms)


def test_check_detach_effect(capsys):
    checks.check_detach_effect(_detach_effect)
    out = capsys.readouterr().out
    assert out.startswith("Correct! With detach no gradient of D's loss reaches G")
    assert float(out.split("norm ")[1].split(" ")[0]) > 0.01  # a real leak is measured
    with pytest.raises(ExerciseCheckError, match="Clear G's gradients first"):
        checks.check_detach_effect(lambda G, D, r, z: _detach_effect(G, D, r, z, clear=False))
    with pytest.raises(ExerciseCheckError, match=r"detach\(\) for the first number"):
        checks.check_detach_effect(
            lambda G, D, r, z: _detach_effect(G, D, r, z, detach_first=False)
        )
    with pytest.raises(ExerciseCheckError, match="do not detach"):
        checks.check_detach_effect(
            lambda G, D, r, z: _detach_effect(G, D, r, z, detach_second=True)
        )

    def accumulates(G, D, real, z):
        G.zero_grad()
        with_detach = 0.0
        for _ in range(2):
            _bce_d_loss(D, real, G(z)).backward()  # twice into the same .grad
        return with_detach, _g_grad_norm(G)

    with pytest.raises(ExerciseCheckError, match="backward\\(\\) adds"):
        checks.check_detach_effect(accumulates)
    with pytest.raises(ExerciseCheckError, match="Use D's loss"):
        checks.check_detach_effect(lambda G, D, r, z: (0.0, 0.5 * _detach_effect(G, D, r, z)[1]))

    def steps(G, D, real, z):
        result = _detach_effect(G, D, real, z)
        torch.optim.SGD(G.parameters(), lr=0.1).step()
        return result

    with pytest.raises(ExerciseCheckError, match="no parameter may change"):
        checks.check_detach_effect(steps)
    with pytest.raises(ExerciseCheckError, match="two numbers"):
        checks.check_detach_effect(lambda G, D, r, z: 0.0)
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_detach_effect(stub)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_linear_relu_backward(_linear_relu_backward)
        checks.check_bce_logits_grad(_bce_logits_grad)
        checks.check_detach_effect(_detach_effect)

    assert_keeps_random_state(monkeypatch, run)
