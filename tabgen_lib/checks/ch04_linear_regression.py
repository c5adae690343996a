"""Checks of chapter 04, *Linear regression with PyTorch*
(``notebooks/04_linear_regression.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from tabgen_lib.validation import check_float

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_fit_line", "check_l1_step", "check_least_squares", "check_mse"]


@_own_rng
def check_mse(mse: Callable) -> None:
    """Check ``mse(y_pred, y_true)``: the mean of squared differences, as a scalar tensor
    that gradients can flow through.

    Examples
    --------
    >>> check_mse(lambda p, t: ((p - t) ** 2).mean())
    Correct! Your MSE matches torch.nn.MSELoss on 3 test cases and is differentiable.
    """
    gen = torch.Generator().manual_seed(4)
    cases = [
        (torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])),
        (torch.tensor([[0.0], [1.0]]), torch.tensor([[2.0], [-1.0]])),
        (torch.randn(50, 1, generator=gen), torch.randn(50, 1, generator=gen)),
    ]
    for pred, target in cases:
        pred = pred.clone().requires_grad_(True)
        out = _call(mse, "mse", pred, target)
        if not isinstance(out, torch.Tensor):
            _fail(f"`mse` should return a torch tensor, got {type(out).__name__}.")
        got = _number(out, "The MSE")
        want = float(torch.nn.functional.mse_loss(pred.detach(), target))
        if not np.isclose(got, want, rtol=1e-5, atol=1e-6):
            hint = " Did you forget to square?" if got < want else ""
            _fail(f"For this input the MSE should be {want:.4f}, yours is {got:.4f}.{hint}")
        if not out.requires_grad:
            _fail("Your MSE does not keep the gradient: use torch operations, not .item().")
    _passed("Your MSE matches torch.nn.MSELoss on 3 test cases and is differentiable.")


@_own_rng
def check_least_squares(least_squares: Callable) -> None:
    """Check ``least_squares(x, y) -> (w, b)``: the closed-form fit of ``y ≈ w·x + b``.

    Examples
    --------
    >>> import numpy as np
    >>> check_least_squares(lambda x, y: tuple(np.polyfit(x, y, 1)))
    Correct! w and b match the least-squares solution on 2 data sets.
    """
    rng = np.random.default_rng(7)
    cases = [np.linspace(0, 1, 30), rng.uniform(-3, 5, size=200)]
    for i, x in enumerate(cases):
        y = (0.7 - 1.5 * i) * x + 0.3 + rng.normal(0, 0.1, size=x.shape)
        result = _call(least_squares, "least_squares", x.copy(), y.copy())
        if not isinstance(result, tuple | list) or len(result) != 2:
            _fail("`least_squares` should return two numbers: (w, b).")
        w = _number(result[0], "w")
        b = _number(result[1], "b")
        w_true, b_true = np.polyfit(x, y, 1)
        if not (np.isclose(w, w_true, atol=1e-6) and np.isclose(b, b_true, atol=1e-6)):
            _fail(
                f"Expected w={w_true:.4f}, b={b_true:.4f}, got w={w:.4f}, b={b:.4f}. "
                "Hint: w = cov(x, y) / var(x) and b = mean(y) - w * mean(x)."
            )
    _passed("w and b match the least-squares solution on 2 data sets.")


@_own_rng
def check_fit_line(fit_line: Callable, *, tol: float = 0.05) -> None:
    """Check ``fit_line(x, y) -> torch.nn.Linear``: a trained model recovering w and b.

    The check builds data with known ``w = 0.7`` and ``b = 0.3`` (plus a little noise)
    and accepts the model when both learned numbers are within ``tol`` (a positive
    number). Your function draws its initial weights from your own random state, which
    the check leaves as it was.

    Examples
    --------
    >>> import torch
    >>> def fit_line(x, y):
    ...     model = torch.nn.Linear(1, 1)
    ...     opt = torch.optim.SGD(model.parameters(), lr=0.5)
    ...     for _ in range(1000):
    ...         opt.zero_grad()
    ...         torch.nn.functional.mse_loss(model(x), y).backward()
    ...         opt.step()
    ...     return model
    >>> check_fit_line(fit_line)  # doctest: +ELLIPSIS
    Correct! Learned w=..., b=... (true 0.7 and 0.3, tolerance 0.05).
    """
    tol = check_float(tol, "tol", min_value=0, include_min=False)
    gen = torch.Generator().manual_seed(11)
    x = torch.rand(100, 1, generator=gen)
    y = 0.7 * x + 0.3 + 0.01 * torch.randn(100, 1, generator=gen)
    model = _call(fit_line, "fit_line", x, y)
    if not isinstance(model, torch.nn.Linear):
        _fail(f"`fit_line` should return the trained nn.Linear, got {type(model).__name__}.")
    w, b = float(model.weight.detach().reshape(-1)[0]), float(model.bias.detach().reshape(-1)[0])
    if abs(w - 0.7) > tol or abs(b - 0.3) > tol:
        _fail(
            f"The model learned w={w:.3f}, b={b:.3f}; the data was made with w=0.7, b=0.3. "
            "Train for more epochs or use a larger learning rate."
        )
    _passed(f"Learned w={w:.3f}, b={b:.3f} (true 0.7 and 0.3, tolerance {tol}).")


@_own_rng
def check_l1_step(l1_step: Callable) -> None:
    """Check ``l1_step(w, b, x, y, lr) -> (new_w, new_b)``: one step of gradient descent on
    the L1 loss ``mean(|w x + b - y|)`` of a line, with the gradient derived by hand:
    ``dL/dw = mean(sign(r) x)`` and ``dL/db = mean(sign(r))`` for the residuals
    ``r = w x + b - y``. The answer is compared with ``torch.autograd`` and
    ``torch.optim.SGD`` on 4 data sets.

    Examples
    --------
    >>> import numpy as np
    >>> def l1_step(w, b, x, y, lr):
    ...     sign = np.sign(w * x + b - y)
    ...     return w - lr * np.mean(sign * x), b - lr * np.mean(sign)
    >>> check_l1_step(l1_step)
    Correct! Your L1 step matches SGD on 4 data sets; b moved by lr * mean(sign(r)), at most lr.
    """
    rng = np.random.default_rng(3)
    x_line = rng.uniform(0, 1, 80)
    cases = [
        (0.2, -0.1, x_line, 0.7 * x_line + 0.3 + rng.normal(0, 0.02, 80), 0.1),  # all above
        (0.69, 0.31, x_line, 0.7 * x_line + 0.3 + rng.normal(0, 0.02, 80), 0.1),  # mixed
        (1.0, 0.0, rng.uniform(-2, 2, 7), rng.normal(0, 1, 7), 0.5),
        (-0.5, 2.0, rng.uniform(0, 3, 40), rng.uniform(0, 3, 40), 0.01),
    ]
    for w, b, x, y, lr in cases:
        params = torch.tensor([w, b], dtype=torch.float64, requires_grad=True)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        torch.mean(torch.abs(params[0] * xt + params[1] - yt)).backward()
        torch.optim.SGD([params], lr=lr).step()
        want_w, want_b = params.detach().tolist()
        result = _call(l1_step, "l1_step", w, b, x.copy(), y.copy(), lr)
        if not isinstance(result, tuple | list) or len(result) != 2:
            _fail("`l1_step` should return two numbers: (new_w, new_b).")
        got_w, got_b = _number(result[0], "new_w"), _number(result[1], "new_b")
        if np.isclose(got_w, want_w, atol=1e-9) and np.isclose(got_b, want_b, atol=1e-9):
            continue
        r = w * x + b - y
        sign = np.sign(r)
        if np.isclose(got_b, b - lr * 2 * np.mean(r)):
            hint = " That is the MSE's gradient: for L1 each residual contributes only its sign."
        elif np.isclose(got_b, b + lr * np.mean(sign)):
            hint = " Step *against* the gradient: subtract lr times it."
        elif np.isclose(got_b, b - lr * np.sum(sign)):
            hint = " The loss is a mean: divide the sum of the signs by n."
        elif np.isclose(got_b, want_b) and np.isclose(got_w, w - lr * np.mean(sign)):
            hint = " dL/dw carries the factor x: mean(sign(r) * x)."
        else:
            hint = " With r = w x + b - y: dL/dw = mean(sign(r) x), dL/db = mean(sign(r))."
        _fail(
            f"For w={w}, b={b}, lr={lr} on {len(x)} points expected new w={want_w:.5f}, "
            f"b={want_b:.5f}; got w={got_w:.5f}, b={got_b:.5f}.{hint}"
        )
    _passed("Your L1 step matches SGD on 4 data sets; b moved by lr * mean(sign(r)), at most lr.")
