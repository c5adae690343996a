"""Checks of chapter 05, *Fitting a sine curve* (``notebooks/05_sine_fitting.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from tabgen_lib.validation import check_float, check_int

from ._core import _call, _fail, _own_rng, _passed, _tensor_tuple, _train_student_model

__all__ = ["check_adam_step", "check_build_model"]


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
