"""Exercise checks of the PyTorch primer (notebooks/00_pytorch_primer.ipynb)."""

import pytest
import torch

from tabgen_lib.checks import ExerciseCheckError
from tabgen_lib.checks.ch00_pytorch_primer import (
    _broadcast_from_the_left,
    _descent_reference,
    _quadratic,
    check_broadcast_shape,
    check_gradient_descent,
    check_train_step,
)


def _stub(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- broadcast_shape


def _broadcast_shape(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    if any(p != q and 1 not in (p, q) for p, q in zip(a, b, strict=True)):
        raise ValueError("no broadcast")
    return tuple(max(p, q) for p, q in zip(a, b, strict=True))


def _from_the_left(a, b):
    n = max(len(a), len(b))
    a, b = tuple(a) + (1,) * (n - len(a)), tuple(b) + (1,) * (n - len(b))
    if any(p != q and 1 not in (p, q) for p, q in zip(a, b, strict=True)):
        raise ValueError("no broadcast")
    return tuple(max(p, q) for p, q in zip(a, b, strict=True))


def test_check_broadcast_shape_accepts_a_right_answer(capsys):
    check_broadcast_shape(_broadcast_shape)
    assert capsys.readouterr().out.startswith("Correct! Your shapes match")
    check_broadcast_shape(lambda a, b: list(_broadcast_shape(a, b)))  # a list is a shape too


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_from_the_left, "right end"),
        (lambda a, b: _broadcast_from_the_left(a, b) or _broadcast_shape(a, b), "not at the left"),
        (lambda a, b: tuple(a) or tuple(b), "from the last axis"),
        (lambda a, b: str(_broadcast_shape(a, b)), "tuple of ints"),
        (lambda a, b: (1.5,), "tuple of ints"),
        (lambda a, b: ("a", "b"), "tuple of ints"),
        (lambda a, b: tuple(torch.broadcast_shapes(a, b)), "not RuntimeError"),
        (lambda a, b: (max(len(a), len(b)),), "from the last axis"),
        (_stub, "not implemented yet"),
    ],
)
def test_check_broadcast_shape_explains_mistakes(answer, message):
    with pytest.raises(ExerciseCheckError, match=message):
        check_broadcast_shape(answer)


def test_check_broadcast_shape_wants_a_value_error_for_misfits():
    def no_error(a, b):
        try:
            return _broadcast_shape(a, b)
        except ValueError:
            return ()

    with pytest.raises(ExerciseCheckError, match=r"cannot be broadcast, so raise a ValueError"):
        check_broadcast_shape(no_error)

    def unfinished_misfits(a, b):
        if len(a) == len(b) and a != b and 1 not in a + b:
            raise NotImplementedError
        return _broadcast_shape(a, b)

    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        check_broadcast_shape(unfinished_misfits)
    with pytest.raises(ExerciseCheckError, match="Pass your function"):
        check_broadcast_shape((3, 4))


# ---------------------------------------------------------------- train_step


def _train_step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _no_zero_grad(model, optimizer, loss_fn, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _no_step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss.item()


def _returns_tensor(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _loss_after(model, optimizer, loss_fn, x, y):
    _train_step(model, optimizer, loss_fn, x, y)
    return loss_fn(model(x), y).item()


def _two_steps(model, optimizer, loss_fn, x, y):
    _train_step(model, optimizer, loss_fn, x, y)
    return _train_step(model, optimizer, loss_fn, x, y)


def test_check_train_step_accepts_a_right_answer(capsys):
    check_train_step(_train_step)
    assert "the new weights of the reference" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_no_zero_grad, r"optimizer.zero_grad\(\)"),
        (_no_step, r"optimizer.step\(\)"),
        (_returns_tensor, r"loss.item\(\)"),
        (_loss_after, "loss computed in this step"),
        (_two_steps, "exactly one forward pass"),
        (lambda *args: None, "should be a number, got NoneType"),
        (_stub, "not implemented yet"),
    ],
)
def test_check_train_step_explains_mistakes(answer, message):
    with pytest.raises(ExerciseCheckError, match=message):
        check_train_step(answer)


def test_check_train_step_leaves_the_callers_random_state_alone():
    def noisy_step(model, optimizer, loss_fn, x, y):
        torch.manual_seed(123)  # the student's code may seed and draw; the check forks the RNG
        torch.rand(5)
        return _train_step(model, optimizer, loss_fn, x, y)

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    check_train_step(noisy_step)
    assert torch.equal(torch.rand(3), expected)


# ---------------------------------------------------------------- gradient_descent


def _gradient_descent(f, x0, lr, steps):
    x = x0.clone().requires_grad_(True)
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        x.grad = None
    return x.detach()


def _accumulates(f, x0, lr, steps):
    x = x0.clone().requires_grad_(True)
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
    return x.detach()


def _changes_x0(f, x0, lr, steps):
    x0.requires_grad_(True)
    for _ in range(steps):
        f(x0).backward()
        with torch.no_grad():
            x0 -= lr * x0.grad
        x0.grad = None
    return x0.detach().clone()


def _never_moves(f, x0, lr, steps):
    x = x0.clone().requires_grad_(True)
    for _ in range(steps):
        f(x).backward()
        x.grad = None
    return x.detach()


def test_reference_descent_matches_the_closed_form():
    x0 = torch.zeros(2, dtype=torch.float64)
    closed = torch.tensor([1.0, -2.0], dtype=torch.float64) * (1 - (1 - 2 * 0.1) ** 20)
    assert torch.allclose(_descent_reference(_quadratic, x0, 0.1, 20), closed)
    assert not torch.allclose(_descent_reference(_quadratic, x0, 0.1, 20, zero=False), closed)


def test_check_gradient_descent_accepts_a_right_answer(capsys):
    check_gradient_descent(_gradient_descent)
    assert "keeps x0 unchanged" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_accumulates, "accumulated"),
        (_changes_x0, "changed `x0`"),
        (_never_moves, "never moved"),
        (lambda f, x0, lr, steps: _gradient_descent(f, x0, lr, steps - 1), "exactly"),
        (lambda f, x0, lr, steps: _gradient_descent(f, x0, -lr, steps), "current x"),
        (lambda f, x0, lr, steps: _gradient_descent(f, x0, lr, steps).requires_grad_(), "detach"),
        (lambda f, x0, lr, steps: _gradient_descent(f, x0, lr, steps).tolist(), "return a tensor"),
        (lambda f, x0, lr, steps: _gradient_descent(f, x0, lr, steps)[:1], "shape of x0"),
        (_stub, "not implemented yet"),
    ],
)
def test_check_gradient_descent_explains_mistakes(answer, message):
    with pytest.raises(ExerciseCheckError, match=message):
        check_gradient_descent(answer)
