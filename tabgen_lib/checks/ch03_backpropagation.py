"""Checks of chapter 03, *Backpropagation* (``notebooks/03_backpropagation.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from tabgen_lib.validation import forked_torch_rng

from ._core import _call, _fail, _number, _own_rng, _passed, _tensor_tuple

__all__ = ["check_bce_logits_grad", "check_detach_effect", "check_linear_relu_backward"]


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


def _d_loss_grad_in_g(G, D, real, z) -> torch.Tensor:
    """The reference: the gradient (flat) that D's loss on ``G(z)`` leaves in G."""
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    G.zero_grad(set_to_none=True)
    D.zero_grad(set_to_none=True)
    real_logits, fake_logits = D(real), D(G(z))
    loss = bce(real_logits, torch.ones_like(real_logits)) + bce(
        fake_logits, torch.zeros_like(fake_logits)
    )
    loss.backward()
    return torch.cat([p.grad.reshape(-1) for p in G.parameters()])


@_own_rng
def check_detach_effect(detach_effect: Callable) -> None:
    """Check ``detach_effect(G, D, real, z) -> (with_detach, without_detach)``: the norm of
    the gradient that the discriminator's loss leaves in the *generator's* ``.grad``, once
    computed on ``G(z).detach()`` and once on ``G(z)``.

    The discriminator's loss is the binary cross-entropy on logits, real labelled 1 and fake
    0 (each term a mean, the two added). Both measurements must start from cleared
    gradients (the check hands over networks whose ``.grad`` still holds old values) and
    must not change any parameter.

    Examples
    --------
    >>> import torch
    >>> from torch.nn import functional as F
    >>> def detach_effect(G, D, real, z):
    ...     norms = []
    ...     for fake in (G(z).detach(), G(z)):
    ...         G.zero_grad(set_to_none=True)
    ...         D.zero_grad(set_to_none=True)
    ...         r, f = D(real), D(fake)
    ...         loss = (F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
    ...                 + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)))
    ...         loss.backward()
    ...         grads = [p.grad.reshape(-1) for p in G.parameters() if p.grad is not None]
    ...         norms.append(float(torch.cat(grads).norm()) if grads else 0.0)
    ...     return tuple(norms)
    >>> check_detach_effect(detach_effect)  # doctest: +ELLIPSIS
    Correct! With detach no gradient of D's loss reaches G; without it, a gradient of norm ...
    """
    name = "detach_effect"
    for seed in (0, 1):
        with forked_torch_rng(seed):
            G = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
            D = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
            real, z = torch.randn(16, 2) + 1.0, torch.randn(16, 3)
        leak = _d_loss_grad_in_g(G, D, real, z)
        want = float(leak.norm())
        for p in G.parameters():  # stale gradients, as a G step would leave them
            p.grad = torch.ones_like(p)
        before = [p.detach().clone() for p in [*G.parameters(), *D.parameters()]]
        result = _call(detach_effect, name, G, D, real.clone(), z.clone())
        if not isinstance(result, tuple | list) or len(result) != 2:
            _fail(f"`{name}` should return two numbers: (with_detach, without_detach).")
        with_detach = _number(result[0], "with_detach")
        without = _number(result[1], "without_detach")
        after = [p.detach() for p in [*G.parameters(), *D.parameters()]]
        if any(not torch.equal(a, b) for a, b in zip(after, before, strict=True)):
            _fail("Measure only: no parameter may change (call no optimizer step).")
        stale = float(torch.ones_like(leak).norm())
        accumulated = (float((leak + 1).norm()), 2 * want)
        if with_detach > 1e-12:
            hint = (
                " Clear G's gradients first (G.zero_grad()): they still held old values."
                if abs(with_detach - stale) < 1e-4
                else " Compute the fake batch as G(z).detach() for the first number."
            )
            _fail(
                f"With the fakes detached, no gradient may reach G, yours {with_detach:.4g}.{hint}"
            )
        if abs(without - want) <= 1e-5 * max(1.0, want):
            continue
        if without < 1e-12:
            hint = " For the second number do not detach: pass G(z) itself to D."
        elif any(abs(without - a) < 1e-4 * max(1.0, a) for a in accumulated):
            hint = (
                " Clear G's gradients before the backward pass: backward() adds to what "
                "is already in .grad."
            )
        else:
            hint = (
                " Use D's loss: BCE(D(real), 1) + BCE(D(fake), 0), each a mean; take the "
                "norm over all of G's gradient entries."
            )
        _fail(f"Without detach the gradient in G has norm {want:.5f}, yours {without:.5f}.{hint}")
    _passed(
        f"With detach no gradient of D's loss reaches G; without it, a gradient of norm "
        f"{want:.3f} lands in G.grad."
    )
