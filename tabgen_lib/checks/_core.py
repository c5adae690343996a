"""What every chapter's checks share: calling the student's function, reporting, randomness.

- :func:`_call` runs the student's function and turns the usual mistakes (passing the
  result instead of the function, an unfinished stub, an exception) into one clear
  :class:`ExerciseCheckError`.
- :func:`_passed` prints the confirmation; :func:`_fail` raises with the hint.
- :func:`_own_rng` runs a whole check in a fork of PyTorch's CPU random state. Inside, a
  check seeds only with :func:`tabgen_lib.validation.forked_torch_rng` (never
  ``torch.manual_seed``, which would also reseed the CUDA generators), so neither the
  check nor the student's code changes the caller's random numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

from tabgen_lib.validation import forked_torch_rng


class ExerciseCheckError(AssertionError):
    """Raised when an exercise answer is wrong or unfinished; the message says why."""

    __module__ = "tabgen_lib.checks"  # tracebacks show the name a notebook imports


def _own_rng(check: Callable) -> Callable:
    """Run ``check`` inside ``torch.random.fork_rng``: the random numbers that the check
    and the student's code draw (and any seeding) leave the caller's global PyTorch
    state as it was."""

    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        with torch.random.fork_rng(devices=[]):
            return check(*args, **kwargs)

    return wrapper


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
    """The student's answer as one float, or a failure saying what it should have been."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            _fail(f"{what} should be a single number, got a tensor of shape {tuple(value.shape)}.")
        return float(value.detach())
    try:
        return float(value)
    except (TypeError, ValueError):
        _fail(f"{what} should be a number, got {type(value).__name__}.")


def _tensor_tuple(result, name: str, count: int, what: str) -> tuple:
    """The student's answer as a tuple of ``count`` tensors, or a failure naming ``what``."""
    if not isinstance(result, tuple | list) or len(result) != count:
        _fail(f"`{name}` should return {count} tensors: {what}.")
    for item in result:
        if not isinstance(item, torch.Tensor):
            _fail(f"`{name}` should return tensors, got {type(item).__name__}.")
    return tuple(result)


def _train_student_model(build, name, X, y, loss_fn, *, steps, lr=0.01):
    """Build the student's model (seeded), check it maps ``X`` to ``y``'s shape, train it with
    full-batch Adam for ``steps`` steps, and return it in eval mode."""
    with forked_torch_rng(0):
        model = _call(build, name)
        if not isinstance(model, torch.nn.Module):
            _fail(f"`{name}` should return a torch.nn.Module, got {type(model).__name__}.")
        params = list(model.parameters())
        if not params:
            _fail("Your model has no parameters to train: use layers such as nn.Linear.")
        model = model.to("cpu", torch.float32)
        shape_in, shape_out = tuple(X.shape), tuple(y.shape)
        try:
            out = model(X)
        except Exception as err:  # noqa: BLE001 - reported to the student
            _fail(f"Your model failed on an input of shape {shape_in}: {type(err).__name__}: {err}")
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != shape_out:
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            _fail(
                f"For an input of shape {shape_in} the model should output {shape_out}, got {got}."
            )
        optimizer = torch.optim.Adam(params, lr=lr)
        model.train()
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
    model.eval()
    return model
