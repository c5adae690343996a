"""Checks of chapter 03, *Backpropagation* (``notebooks/03_backpropagation.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import _call, _fail, _own_rng, _passed, _tensor_tuple

__all__ = ["check_bce_logits_grad", "check_linear_relu_backward"]


@_own_rng
def check_linear_relu_backward(linear_relu_backward: Callable) -> None:
    """Check ``linear_relu_backward(x, W, b, grad_out) -> (grad_x, grad_W, grad_b)``.

    The layer is ``out = relu(x @ W.T + b)`` with ``x`` of shape ``(n, d_in)``, ``W`` of
    shape ``(d_out, d_in)`` and ``b`` of shape ``(d_out,)``; ``grad_out`` is
    :math:`\\partial L / \\partial \\text{out}`.  The answer is compared with
    ``torch.autograd`` in float64.

    Examples
    --------
    >>> def linear_relu_backward(x, W, b, grad_out):
    ...     grad_z = grad_out * (x @ W.T + b > 0)
    ...     return grad_z @ W, grad_z.T @ x, grad_z.sum(0)
    >>> check_linear_relu_backward(linear_relu_backward)
    Correct! grad_x, grad_W and grad_b match torch.autograd on 3 layers.
    """
    gen = torch.Generator().manual_seed(3)
    for n, d_in, d_out in [(1, 2, 3), (5, 3, 4), (16, 7, 5)]:
        x = torch.randn(n, d_in, generator=gen, dtype=torch.float64)
        W = torch.randn(d_out, d_in, generator=gen, dtype=torch.float64)
        b = torch.randn(d_out, generator=gen, dtype=torch.float64)
        grad_out = torch.randn(n, d_out, generator=gen, dtype=torch.float64)
        leaves = [t.clone().requires_grad_(True) for t in (x, W, b)]
        out = torch.relu(leaves[0] @ leaves[1].T + leaves[2])
        want = torch.autograd.grad(out, leaves, grad_out)
        result = _call(
            linear_relu_backward,
            "linear_relu_backward",
            x.clone(),
            W.clone(),
            b.clone(),
            grad_out.clone(),
        )
        got = _tensor_tuple(result, "linear_relu_backward", 3, "(grad_x, grad_W, grad_b)")
        mask = (x @ W.T + b > 0).to(x.dtype)
        for label, g, w, source in zip(
            ("grad_x", "grad_W", "grad_b"), got, want, (x, W, b), strict=True
        ):
            if tuple(g.shape) != tuple(source.shape):
                _fail(
                    f"{label} should have the shape of {label[5:]}, {tuple(source.shape)}, "
                    f"got {tuple(g.shape)}. Each gradient has the shape of what it differentiates."
                )
            if not torch.allclose(g.detach().to(torch.float64), w, atol=1e-8):
                unmasked = {
                    "grad_x": grad_out @ W,
                    "grad_W": grad_out.T @ x,
                    "grad_b": grad_out.sum(0),
                }[label]
                hint = (
                    " Did you forget the ReLU? Multiply grad_out by (x @ W.T + b > 0) first."
                    if torch.allclose(g.detach().to(torch.float64), unmasked, atol=1e-8)
                    and not torch.equal(mask, torch.ones_like(mask))
                    else " Use the chain rule: grad_z = grad_out * relu'(z), then "
                    "grad_x = grad_z @ W, grad_W = grad_z.T @ x, grad_b = grad_z summed over rows."
                )
                _fail(
                    f"{label} differs from torch.autograd for a layer of shape "
                    f"({d_out}, {d_in}) on {n} rows.{hint}"
                )
    _passed("grad_x, grad_W and grad_b match torch.autograd on 3 layers.")


@_own_rng
def check_bce_logits_grad(bce_logits_grad: Callable) -> None:
    """Check ``bce_logits_grad(logits, targets) -> dL/dlogits`` for the mean binary
    cross-entropy on logits, ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Examples
    --------
    >>> check_bce_logits_grad(lambda s, t: (torch.sigmoid(s) - t) / s.numel())
    Correct! Your gradient matches torch.autograd on 3 cases: (sigmoid(s) - t) / n.
    """
    gen = torch.Generator().manual_seed(5)
    cases = [
        (torch.tensor([0.0]), torch.tensor([1.0])),
        (torch.tensor([2.0, -1.0, 0.5, -3.0]), torch.tensor([1.0, 0.0, 0.0, 1.0])),
        (3 * torch.randn(40, 1, generator=gen), torch.randint(0, 2, (40, 1), generator=gen)),
    ]
    for logits, targets in cases:
        logits = logits.to(torch.float64)
        targets = targets.to(torch.float64)
        leaf = logits.clone().requires_grad_(True)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(leaf, targets)
        (want,) = torch.autograd.grad(loss, leaf)
        got = _call(bce_logits_grad, "bce_logits_grad", logits.clone(), targets.clone())
        if not isinstance(got, torch.Tensor):
            _fail(f"`bce_logits_grad` should return a tensor, got {type(got).__name__}.")
        if tuple(got.shape) != tuple(logits.shape):
            _fail(
                f"The gradient should have the shape of the logits, {tuple(logits.shape)}, "
                f"got {tuple(got.shape)}."
            )
        got = got.detach().to(torch.float64)
        if not torch.allclose(got, want, atol=1e-8):
            n = logits.numel()
            if n > 1 and torch.allclose(got, want * n, atol=1e-8):
                hint = " The loss is a mean: divide by the number of logits."
            elif torch.allclose(got, -want, atol=1e-8):
                hint = " The sign is flipped: the gradient is sigmoid(s) - t, not t - sigmoid(s)."
            else:
                hint = " Differentiate -[t log sigmoid(s) + (1 - t) log(1 - sigmoid(s))] in s."
            _fail(f"For logits {logits.reshape(-1)[:4].tolist()}... the gradient is wrong.{hint}")
    _passed("Your gradient matches torch.autograd on 3 cases: (sigmoid(s) - t) / n.")
