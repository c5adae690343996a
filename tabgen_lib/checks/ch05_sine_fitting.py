"""Checks of chapter 05, *Fitting a sine curve* (``notebooks/05_sine_fitting.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from tabgen_lib.validation import check_float, check_int

from ._core import _call, _fail, _number, _own_rng, _passed, _tensor_tuple, _train_student_model

__all__ = ["check_adam_step", "check_build_model", "check_top_hessian_eigenvalue"]


@_own_rng
def check_build_model(build_model: Callable, *, steps: int = 1500, threshold: float = 0.01) -> None:
    """Check ``build_model() -> nn.Module``: a network that can fit ``sin x`` on ``[0, 2π]``.

    The check builds your model (seeded, so the result is reproducible), trains it with
    Adam (learning rate 0.01) for ``steps`` full-batch steps (a positive integer) on 100
    points of ``y = sin x`` and accepts it when the final MSE is below ``threshold`` (a
    positive number).

    Examples
    --------
    >>> from torch import nn
    >>> check_build_model(lambda: nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 1)))
    ... # doctest: +ELLIPSIS
    Correct! After 1500 Adam steps your model reaches MSE = ... (threshold 0.01).
    """
    steps = check_int(steps, "steps", min_value=1)
    threshold = check_float(threshold, "threshold", min_value=0, include_min=False)
    x = torch.linspace(0, 2 * np.pi, 100).unsqueeze(1)
    y = torch.sin(x)
    mse_loss = torch.nn.functional.mse_loss
    model = _train_student_model(build_model, "build_model", x, y, mse_loss, steps=steps)
    with torch.no_grad():
        mse = float(mse_loss(model(x), y))
    if not np.isfinite(mse) or mse >= threshold:
        _fail(
            f"After {steps} Adam steps your model's MSE is {mse:.4f}, above {threshold}. "
            "A straight line cannot follow a sine: use at least one hidden layer with a "
            "non-linear activation (and no activation after the last layer)."
        )
    _passed(f"After {steps} Adam steps your model reaches MSE = {mse:.2e} (threshold {threshold}).")


def _adam_reference(param, grads, lr, beta1, beta2, eps, *, bias_correction=True):
    m, v = torch.zeros_like(param), torch.zeros_like(param)
    for t, grad in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat = m / (1 - beta1**t) if bias_correction else m
        v_hat = v / (1 - beta2**t) if bias_correction else v
        param = param - lr * m_hat / (v_hat.sqrt() + eps)
    return param


@_own_rng
def check_adam_step(adam_step: Callable) -> None:
    """Check ``adam_step(param, grad, m, v, t, lr, beta1, beta2, eps) -> (param, m, v)``,
    one Adam update, against ``torch.optim.Adam`` over 5 steps.

    Examples
    --------
    >>> def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    ...     m = beta1 * m + (1 - beta1) * grad
    ...     v = beta2 * v + (1 - beta2) * grad**2
    ...     m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    ...     return param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    >>> check_adam_step(adam_step)
    Correct! 5 steps of your Adam match torch.optim.Adam.
    """
    gen = torch.Generator().manual_seed(8)
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    start = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    grads = [torch.randn(3, 4, generator=gen, dtype=torch.float64) * 10**k for k in range(-2, 3)]
    leaf = torch.nn.Parameter(start.clone())
    optimizer = torch.optim.Adam([leaf], lr=lr, betas=(beta1, beta2), eps=eps)
    for grad in grads:
        leaf.grad = grad.clone()
        optimizer.step()
    want = leaf.detach()
    param, m, v = start.clone(), torch.zeros_like(start), torch.zeros_like(start)
    for t, grad in enumerate(grads, start=1):
        result = _call(adam_step, "adam_step", param, grad.clone(), m, v, t, lr, beta1, beta2, eps)
        param, m, v = _tensor_tuple(result, "adam_step", 3, "(param, m, v)")
        if tuple(param.shape) != tuple(start.shape):
            _fail(
                f"The new param should have shape {tuple(start.shape)}, got {tuple(param.shape)}."
            )
    got = param.detach().to(torch.float64)
    if not torch.allclose(got, want, atol=1e-10):
        no_bc = _adam_reference(start, grads, lr, beta1, beta2, eps, bias_correction=False)
        hint = (
            " Did you forget the bias correction m / (1 - beta1**t), v / (1 - beta2**t)?"
            if torch.allclose(got, no_bc, atol=1e-10)
            else " Follow the formulas step by step; m and v must be returned and passed back in."
        )
        _fail(f"After 5 steps your parameter differs from torch.optim.Adam.{hint}")
    _passed("5 steps of your Adam match torch.optim.Adam.")


def _hessian_cases():
    """(name, loss function of a flat float64 vector, point) with a dominant eigenvalue."""
    gen = torch.Generator().manual_seed(12)
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=gen, dtype=torch.float64))
    a = q @ torch.diag(torch.tensor([5.0, 1.0, 0.1, -0.5], dtype=torch.float64)) @ q.T

    def quadratic(theta):
        return 0.5 * theta @ a @ theta

    def quartic(theta):
        return 0.25 * (theta**4).sum() + 0.5 * theta @ a @ theta

    # a network like the chapter's: 1 -> 6 ReLU units -> 1, on positive inputs
    x = torch.rand(30, 1, generator=gen, dtype=torch.float64) * 2 * np.pi
    y = torch.sin(x)

    def network(theta):
        w1, b1, w2, b2 = theta[:6].reshape(6, 1), theta[6:12], theta[12:18].reshape(1, 6), theta[18]
        return ((torch.relu(x @ w1.T + b1) @ w2.T + b2 - y) ** 2).mean()

    return [
        ("a quadratic with eigenvalues 5, 1, 0.1, -0.5", quadratic, torch.randn(4, generator=gen)),
        ("a quartic", quartic, torch.randn(4, generator=gen).double()),
        ("a small ReLU network's MSE", network, torch.randn(19, generator=gen).double()),
    ]


@_own_rng
def check_top_hessian_eigenvalue(top_hessian_eigenvalue: Callable) -> None:
    """Check ``top_hessian_eigenvalue(loss_fn, theta, iters=100) -> float``: the largest
    eigenvalue of the Hessian of ``loss_fn`` (a function of a flat float64 parameter
    vector) at ``theta``, by power iteration with Hessian-vector products.

    The answer is compared, within 0.1 %, with the eigenvalues of the full Hessian on three
    functions whose largest eigenvalue dominates: a quadratic, a quartic and the MSE of a
    small ReLU network.

    Examples
    --------
    >>> import torch
    >>> def top_hessian_eigenvalue(loss_fn, theta, iters=100):
    ...     v = torch.randn_like(theta)
    ...     for _ in range(iters):
    ...         v = v / v.norm()
    ...         _, hv = torch.autograd.functional.hvp(loss_fn, theta, v)
    ...         value, v = float(v @ hv), hv
    ...     return value
    >>> check_top_hessian_eigenvalue(top_hessian_eigenvalue)
    Correct! Your power iteration finds the largest Hessian eigenvalue of 3 functions.
    """
    for name, loss_fn, theta in _hessian_cases():
        theta = theta.to(torch.float64)
        eig = torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss_fn, theta))
        want = float(eig[-1])
        got = _number(
            _call(top_hessian_eigenvalue, "top_hessian_eigenvalue", loss_fn, theta.clone()),
            "The eigenvalue",
        )
        if np.isclose(got, want, rtol=1e-3):
            continue
        gradient = torch.autograd.functional.jacobian(loss_fn, theta)
        if np.isclose(got, float(eig[0]), rtol=1e-3):
            hint = " That is the smallest eigenvalue: take the largest."
        elif np.isclose(abs(got), float(gradient.norm()), rtol=1e-3):
            hint = " That is the gradient's norm: multiply v by the Hessian, not the gradient."
        else:
            hint = (
                " Power iteration: v <- H v / |H v|, and the eigenvalue v.H v for a unit v; "
                "torch.autograd.functional.hvp(loss_fn, theta, v) gives H v."
            )
        _fail(f"For {name} the largest eigenvalue is {want:.4f}, yours {got:.4f}.{hint}")
    _passed("Your power iteration finds the largest Hessian eigenvalue of 3 functions.")
