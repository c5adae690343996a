"""Exercise checks: tell a student, in plain words, whether an answer is right.

A check takes the student's function (or value), tries it on inputs where the right
answer is known, and either prints a short confirmation or raises
:class:`ExerciseCheckError` saying what went wrong.  An unfinished exercise (a stub that
raises ``NotImplementedError``) fails with a reminder instead of a traceback.

Checks are grouped by chapter; each notebook imports ``from tabgen_lib import checks``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

__all__ = ["ExerciseCheckError", "check_mse", "check_least_squares", "check_fit_line"]


class ExerciseCheckError(AssertionError):
    """Raised when an exercise answer is wrong or unfinished; the message says why."""


def _passed(message: str) -> None:
    print(f"Correct! {message}")


def _fail(message: str):
    raise ExerciseCheckError(message)


def _call(fn: Callable, name: str, *args):
    """Call the student's function, turning the usual mistakes into clear messages."""
    if not callable(fn):
        _fail(f"Pass your function itself to the check (e.g. `{name}`), not its result.")
    try:
        return fn(*args)
    except NotImplementedError:
        _fail(f"`{name}` is not implemented yet: replace the `...` and the `raise` line.")
    except Exception as err:  # noqa: BLE001 - we report any error to the student
        _fail(f"`{name}` raised {type(err).__name__}: {err}")


def _number(value, what: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            _fail(f"{what} should be a single number, got a tensor of shape {tuple(value.shape)}.")
        return float(value.detach())
    try:
        return float(value)
    except (TypeError, ValueError):
        _fail(f"{what} should be a number, got {type(value).__name__}.")


# ---------------------------------------------------------------- chapter 04: linear regression


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


def check_fit_line(fit_line: Callable, *, tol: float = 0.05) -> None:
    """Check ``fit_line(x, y) -> torch.nn.Linear``: a trained model recovering w and b.

    The check builds data with known ``w = 0.7`` and ``b = 0.3`` (plus a little noise)
    and accepts the model when both learned numbers are within ``tol``.
    """
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


# ---------------------------------------------------------------- chapter 02: the minimax game


# ---------------------------------------------------------------- chapter 03: backpropagation


# ---------------------------------------------------------------- chapter 05: fitting a sine curve


# ---------------------------------------------------------------- chapter 06: classifying circles
