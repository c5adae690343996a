"""Checks of the primer, *A PyTorch primer* (``notebooks/00_pytorch_primer.ipynb``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch

from tabgen_lib.validation import forked_torch_rng

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_broadcast_shape", "check_gradient_descent", "check_train_step"]


# ------------------------------------------------------------------- broadcasting


def _shape_or_none(result) -> tuple | None:
    """The student's shape as a tuple of ints, or ``None`` when it is not one."""
    if not isinstance(result, tuple | list):
        return None
    try:
        shape = tuple(int(n) for n in result)
    except (TypeError, ValueError):
        return None
    return shape if all(n == m for n, m in zip(shape, result, strict=True)) else None


def _value_error_returned(fn: Callable) -> Callable:
    """``fn``, returning a ``ValueError`` it raises instead of raising it."""

    def wrapped(a, b):
        try:
            return fn(a, b)
        except ValueError as err:
            return err

    return wrapped


def _broadcast_from_the_left(a: tuple, b: tuple) -> tuple | None:
    """The common mistake: aligning the shapes at their first instead of their last axis."""
    out = []
    for n, m in itertools.zip_longest(a, b, fillvalue=1):
        if n != m and 1 not in (n, m):
            return None
        out.append(max(n, m))
    return tuple(out)


@_own_rng
def check_broadcast_shape(broadcast_shape: Callable) -> None:
    """Check ``broadcast_shape(shape_a, shape_b) -> tuple``: the shape of ``a + b`` for
    tensors of these shapes, or a ``ValueError`` when they cannot be broadcast.

    The rule: align the shapes at their **last** axis; two sizes fit when they are equal or
    one of them is 1 (a missing axis counts as 1), and the result takes the larger size.
    The answers are compared with :func:`torch.broadcast_shapes`.

    Examples
    --------
    >>> def broadcast_shape(a, b):
    ...     n = max(len(a), len(b))
    ...     a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    ...     if any(p != q and 1 not in (p, q) for p, q in zip(a, b)):
    ...         raise ValueError(f"shapes {a} and {b} do not broadcast")
    ...     return tuple(max(p, q) for p, q in zip(a, b))
    >>> check_broadcast_shape(broadcast_shape)
    Correct! Your shapes match torch.broadcast_shapes in 7 cases, and 2 misfits raise ValueError.
    """
    fitting = [
        ((3, 1), (4,)),
        ((8, 1), (8,)),  # a prediction (n, 1) minus a target (n,): an (n, n) table!
        ((2, 3), (2, 3)),
        ((5, 1, 4), (3, 1)),
        ((), (2,)),
        ((1,), (7,)),
        ((6, 1, 1), (1, 5, 2)),
    ]
    answer = broadcast_shape
    if callable(broadcast_shape):
        answer = _value_error_returned(broadcast_shape)
    for a, b in fitting:
        want = tuple(torch.broadcast_shapes(a, b))
        result = _call(answer, "broadcast_shape", a, b)
        left = _broadcast_from_the_left(a, b)
        if isinstance(result, ValueError):
            hint = " Align the shapes at their right end (the last axis)." if left is None else ""
            _fail(f"Shapes {a} and {b} do fit, giving {want}, but yours raised ValueError.{hint}")
        got = _shape_or_none(result)
        if got is None:
            _fail("`broadcast_shape` should return the shape as a tuple of ints, e.g. (3, 4).")
        if got != want:
            hint = (
                " Align the two shapes at their right end (the last axis), not at the left."
                if got == left
                else " Compare the sizes from the last axis backwards; a missing axis is 1."
            )
            _fail(f"For shapes {a} and {b} the result has shape {want}, yours is {got}.{hint}")
    misfits = [((3,), (4,)), ((2, 3), (3, 2))]
    for a, b in misfits:
        try:
            result = answer(a, b)
        except NotImplementedError:
            _fail(
                "`broadcast_shape` is not implemented yet: replace the `...` and the `raise` line."
            )
        except Exception as err:  # noqa: BLE001 - reported to the student
            _fail(
                f"Shapes {a} and {b} cannot be broadcast: raise a ValueError, "
                f"not {type(err).__name__}."
            )
        if not isinstance(result, ValueError):
            _fail(
                f"Shapes {a} and {b} cannot be broadcast, so raise a ValueError "
                f"(you returned {result})."
            )
    _passed(
        f"Your shapes match torch.broadcast_shapes in {len(fitting)} cases, "
        f"and {len(misfits)} misfits raise ValueError."
    )


# ------------------------------------------------------------------ one training step


def _model_and_optimizer(case: str):
    """A small seeded model and its optimizer; the same weights every call."""
    with forked_torch_rng(0):
        if case == "sgd":
            model = torch.nn.Linear(3, 1)
            return model, torch.optim.SGD(model.parameters(), lr=0.1)
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
        return model, torch.optim.Adam(model.parameters(), lr=0.01)


def _reference_step(model, optimizer, loss_fn, x, y, *, zero_grad=True) -> float:
    if zero_grad:
        optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _stale_gradients(model) -> None:
    """Leave gradients in ``.grad``, as an earlier backward pass would (chapter 03)."""
    (model(torch.ones(2, 3)).sum() * 5.0).backward()


def _same_parameters(a, b) -> bool:
    return all(
        torch.allclose(p.detach(), q.detach(), atol=1e-6)
        for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


@_own_rng
def check_train_step(train_step: Callable) -> None:
    """Check ``train_step(model, optimizer, loss_fn, x, y) -> float``: one training step
    (clear the gradients, forward pass, loss, backward pass, optimizer step) that returns
    the loss *before* the step as a Python number.

    Each case starts with stale gradients in ``.grad`` (as after an earlier backward
    pass), so a step that forgets ``optimizer.zero_grad()`` moves the weights wrongly.

    Examples
    --------
    >>> def train_step(model, optimizer, loss_fn, x, y):
    ...     optimizer.zero_grad()
    ...     loss = loss_fn(model(x), y)
    ...     loss.backward()
    ...     optimizer.step()
    ...     return loss.item()
    >>> check_train_step(train_step)
    Correct! Your step gives the loss and the new weights of the reference, with SGD and Adam.
    """
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(16, 3, generator=gen)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    loss_fn = torch.nn.MSELoss()
    for case in ("sgd", "adam"):
        model, optimizer = _model_and_optimizer(case)
        ref_model, ref_optimizer = _model_and_optimizer(case)
        _stale_gradients(model)
        _stale_gradients(ref_model)
        want = _reference_step(ref_model, ref_optimizer, loss_fn, x, y)
        result = _call(train_step, "train_step", model, optimizer, loss_fn, x.clone(), y.clone())
        if isinstance(result, torch.Tensor):
            _fail(
                "Return `loss.item()`, a Python number: a tensor keeps the whole graph of "
                "the step alive."
            )
        got = _number(result, "The returned loss")
        name = type(optimizer).__name__
        if _same_parameters(model, _model_and_optimizer(case)[0]):
            _fail(f"With {name} the weights did not change: call `optimizer.step()` at the end.")
        if not _same_parameters(model, ref_model):
            stale_model, stale_optimizer = _model_and_optimizer(case)
            _stale_gradients(stale_model)
            _reference_step(stale_model, stale_optimizer, loss_fn, x, y, zero_grad=False)
            hint = (
                " The old gradients were added to the new ones: call `optimizer.zero_grad()` "
                "before `loss.backward()`."
                if _same_parameters(model, stale_model)
                else " Do exactly one forward pass, one backward pass and one optimizer step."
            )
            _fail(f"With {name} your step gives other new weights than the reference.{hint}")
        if abs(got - want) > 1e-5 * max(1.0, abs(want)):
            _fail(
                f"With {name} the loss before the step is {want:.4f}, you returned {got:.4f}. "
                "Return the loss computed in this step's forward pass."
            )
    _passed("Your step gives the loss and the new weights of the reference, with SGD and Adam.")


# --------------------------------------------------------- gradient descent by autograd


def _descent_reference(f, x0, lr, steps, *, zero=True) -> torch.Tensor:
    x = x0.clone().requires_grad_(True)
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        if zero:
            x.grad.zero_()
    return x.detach()


def _quadratic(x):
    return ((x - torch.tensor([1.0, -2.0], dtype=x.dtype)) ** 2).sum()


def _stretched(x):
    curvature = torch.tensor([1.0, 10.0, 0.1], dtype=x.dtype)
    return (curvature * (x - 1.0) ** 2).sum()


def _rosenbrock(x):
    return (1 - x[0]) ** 2 + 10 * (x[1] - x[0] ** 2) ** 2


@_own_rng
def check_gradient_descent(gradient_descent: Callable) -> None:
    """Check ``gradient_descent(f, x0, lr, steps) -> tensor``: ``steps`` plain gradient-descent
    steps :math:`x \\leftarrow x - \\alpha \\nabla f(x)` from ``x0``, with the gradient from
    autograd, returning the final ``x`` detached from the graph and leaving ``x0`` unchanged.

    The answers are compared (in float64) with a reference loop on a quadratic, a
    stretched quadratic and a Rosenbrock-type function; for the first the answer is also
    known in closed form, :math:`x_t = c + (1 - 2\\alpha)^t (x_0 - c)`.

    Examples
    --------
    >>> def gradient_descent(f, x0, lr, steps):
    ...     x = x0.clone().requires_grad_(True)
    ...     for _ in range(steps):
    ...         f(x).backward()
    ...         with torch.no_grad():
    ...             x -= lr * x.grad
    ...         x.grad.zero_()
    ...     return x.detach()
    >>> check_gradient_descent(gradient_descent)
    Correct! Your loop matches gradient descent on 3 functions and keeps x0 unchanged.
    """
    dtype = torch.float64
    cases = [
        (_quadratic, torch.zeros(2, dtype=dtype), 0.1, 20),
        (_stretched, torch.zeros(3, dtype=dtype), 0.04, 40),
        (_rosenbrock, torch.tensor([-1.0, 1.0], dtype=dtype), 0.01, 60),
    ]
    for f, x0, lr, steps in cases:
        start = x0.clone()
        result = _call(gradient_descent, "gradient_descent", f, x0, lr, steps)
        if not torch.equal(x0, start) or x0.requires_grad:
            _fail(
                "Your function changed `x0` (its values or its requires_grad): work on a copy, "
                "`x = x0.clone().requires_grad_(True)`."
            )
        if not isinstance(result, torch.Tensor):
            _fail(f"`gradient_descent` should return a tensor, got {type(result).__name__}.")
        if result.requires_grad:
            _fail("Return `x.detach()`: the caller needs the values, not a tensor in a graph.")
        if tuple(result.shape) != tuple(x0.shape):
            _fail(f"The result should have the shape of x0, {tuple(x0.shape)}.")
        want = _descent_reference(f, x0, lr, steps)
        got = result.to(dtype)
        if not torch.allclose(got, want, rtol=1e-6, atol=1e-8):
            if torch.allclose(got, x0):
                hint = " x never moved: update it in place under `torch.no_grad()`."
            elif torch.allclose(got, _descent_reference(f, x0, lr, steps, zero=False)):
                hint = (
                    " The gradients accumulated from step to step: zero `x.grad` after each "
                    "update (`x.grad.zero_()`)."
                )
            elif torch.allclose(got, _descent_reference(f, x0, lr, steps - 1)) or torch.allclose(
                got, _descent_reference(f, x0, lr, steps + 1)
            ):
                hint = f" Take exactly {steps} steps."
            else:
                hint = " Each step is x <- x - lr * grad f(x), with the gradient at the current x."
            _fail(f"After {steps} steps from {x0.tolist()} your x is not the reference's.{hint}")
    _passed(f"Your loop matches gradient descent on {len(cases)} functions and keeps x0 unchanged.")
