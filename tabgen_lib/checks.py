"""Exercise checks: tell a student, in plain words, whether an answer is right.

A check takes the student's function (or value), tries it on inputs where the right
answer is known, and either prints a short confirmation or raises
:class:`ExerciseCheckError` saying what went wrong.  An unfinished exercise (a stub that
raises ``NotImplementedError``) fails with a reminder instead of a traceback.

Checks are grouped by chapter; each notebook imports ``from tabgen_lib import checks``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import torch

__all__ = [
    "ExerciseCheckError",
    "check_mse",
    "check_least_squares",
    "check_fit_line",
    "check_mlp_parameter_count",
    "check_gan_training_step",
    "check_value_function",
    "check_optimal_discriminator",
    "check_linear_relu_backward",
    "check_bce_logits_grad",
    "check_build_model",
    "check_adam_step",
    "check_build_classifier",
    "check_collapse_linears",
    "check_exact_copy_share",
    "check_correlation_difference",
    "check_log_frequency_probabilities",
    "check_pack",
    "check_gradient_penalty",
    "check_efficacy_ratio",
    "check_smallest_good_latent",
    "check_label_share",
    "check_balancing_plan",
    "check_load_weights",
    "check_resume",
]


class ExerciseCheckError(AssertionError):
    """Raised when an exercise answer is wrong or unfinished; the message says why."""


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


def _train_student_model(build, name, X, y, loss_fn, *, steps, lr=0.01):
    """Build the student's model (seeded), check it maps ``X`` to ``y``'s shape, train it with
    full-batch Adam for ``steps`` steps, and return it in eval mode."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
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


# ---------------------------------------------------------------- chapter 01: GANs


def check_mlp_parameter_count(mlp_parameter_count: Callable) -> None:
    """Check ``mlp_parameter_count(in_features, hidden, out_features) -> int``: the number
    of weights and biases in ``tabgen_lib.models.mlp(in_features, hidden, out_features)``.

    Examples
    --------
    >>> from tabgen_lib.models import mlp
    >>> check_mlp_parameter_count(lambda i, h, o: sum(p.numel() for p in mlp(i, h, o).parameters()))
    Correct! Your counts match the networks' parameters in 5 cases.
    """
    from .models import mlp

    cases = [(1, [16], 1), (1, [32, 32], 1), (2, [8, 4], 3), (3, [], 1), (10, [64, 64, 64], 1)]
    for in_f, hidden, out_f in cases:
        got = _number(
            _call(mlp_parameter_count, "mlp_parameter_count", in_f, list(hidden), out_f),
            "The count",
        )
        want = sum(p.numel() for p in mlp(in_f, hidden, out_f).parameters())
        if got != want:
            widths = [in_f, *hidden, out_f]
            no_bias = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=False))
            hint = (
                " Did you forget the biases (one per output of each layer)?"
                if got == no_bias
                else " Each nn.Linear(a, b) holds a*b weights and b biases."
            )
            _fail(f"mlp({in_f}, {hidden}, {out_f}) has {want} parameters, you said {got:g}.{hint}")
    _passed(f"Your counts match the networks' parameters in {len(cases)} cases.")


def _reference_gan_step(generator, discriminator, g_opt, d_opt, real, z):
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    fake = generator(z).detach()
    real_logits, fake_logits = discriminator(real), discriminator(fake)
    d_loss = bce(real_logits, torch.ones_like(real_logits)) + bce(
        fake_logits, torch.zeros_like(fake_logits)
    )
    d_opt.zero_grad()
    d_loss.backward()
    d_opt.step()
    logits = discriminator(generator(z))
    g_loss = bce(logits, torch.ones_like(logits))
    g_opt.zero_grad()
    g_loss.backward()
    g_opt.step()
    return d_loss.item(), g_loss.item()


def _gan_setup(seed: int):
    import copy

    from .models import mlp

    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        generator, discriminator = mlp(2, [8], 1), mlp(1, [8], 1)
    real = 2 + 0.5 * torch.randn(32, 1, generator=gen)
    z = torch.randn(32, 2, generator=gen)
    nets = []
    for _ in range(2):
        g, d = copy.deepcopy(generator), copy.deepcopy(discriminator)
        opts = torch.optim.SGD(g.parameters(), lr=0.1), torch.optim.SGD(d.parameters(), lr=0.1)
        nets.append((g, d, *opts))
    return nets, real, z


def _same_parameters(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(
        torch.allclose(p, q, atol=1e-6) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


def check_gan_training_step(gan_training_step: Callable) -> None:
    """Check ``gan_training_step(generator, discriminator, g_opt, d_opt, real, z)``: one
    discriminator update, then one generator update through the updated discriminator;
    returns ``(d_loss, g_loss)`` as numbers.

    Examples
    --------
    >>> check_gan_training_step(_reference_gan_step)
    Correct! Both losses and both networks' new parameters match the reference step.
    """
    for seed in (0, 1):
        nets, real, z = _gan_setup(seed)
        (g, d, g_opt, d_opt), (g_ref, d_ref, g_opt_ref, d_opt_ref) = nets
        d_before = [p.detach().clone() for p in d.parameters()]
        g_before = [p.detach().clone() for p in g.parameters()]
        result = _call(
            gan_training_step, "gan_training_step", g, d, g_opt, d_opt, real.clone(), z.clone()
        )
        if not isinstance(result, tuple | list) or len(result) != 2:
            _fail("`gan_training_step` should return two numbers: (d_loss, g_loss).")
        d_loss, g_loss = _number(result[0], "d_loss"), _number(result[1], "g_loss")
        want_d, want_g = _reference_gan_step(g_ref, d_ref, g_opt_ref, d_opt_ref, real, z)
        if all(torch.equal(p, q) for p, q in zip(d.parameters(), d_before, strict=True)):
            _fail("The discriminator did not change: call d_opt.step() after d_loss.backward().")
        if all(torch.equal(p, q) for p, q in zip(g.parameters(), g_before, strict=True)):
            _fail("The generator did not change: call g_opt.step() after g_loss.backward().")
        if not np.isclose(d_loss, want_d, rtol=1e-4, atol=1e-6):
            _fail(
                f"d_loss should be {want_d:.4f}, yours is {d_loss:.4f}. It is the binary "
                "cross-entropy of D(real) against 1 plus that of D(G(z)) against 0 (two means, "
                "added), computed on logits before the discriminator's update."
            )
        if not _same_parameters(d, d_ref):
            _fail(
                "d_loss is right but the discriminator's new parameters are not: clear its "
                "gradients (d_opt.zero_grad()) before d_loss.backward(), then d_opt.step()."
            )
        if not np.isclose(g_loss, want_g, rtol=1e-4, atol=1e-6):
            _fail(
                f"g_loss should be {want_g:.4f}, yours is {g_loss:.4f}. Compute it after the "
                "discriminator's update, with the same z: the cross-entropy of D(G(z)) against "
                "the label 1 ('real'), so the generator is rewarded for fooling D."
            )
        if not _same_parameters(g, g_ref):
            _fail(
                "g_loss is right but the generator's new parameters are not: detach the fake "
                "samples in the discriminator's step (or clear G's gradients with "
                "g_opt.zero_grad() before g_loss.backward())."
            )
    _passed("Both losses and both networks' new parameters match the reference step.")


# ---------------------------------------------------------------- chapter 02: the minimax game


def check_value_function(value_function: Callable) -> None:
    """Check ``value_function(d_real, d_fake) -> float``: the estimate of
    ``V(D, G) = mean(log D(x)) + mean(log(1 - D(G(z))))`` from the discriminator's
    probabilities on real (``d_real``) and generated (``d_fake``) samples.

    Examples
    --------
    >>> import numpy as np
    >>> check_value_function(lambda r, f: np.mean(np.log(r)) + np.mean(np.log(1 - f)))
    Correct! Your V(D, G) is right in 3 cases, including -log 4 for D = 1/2.
    """
    rng = np.random.default_rng(2)
    cases = [
        (np.full(4, 0.5), np.full(3, 0.5)),
        (np.array([0.9, 0.8, 0.95]), np.array([0.1, 0.3])),
        (rng.uniform(0.05, 0.95, 100), rng.uniform(0.05, 0.95, 60)),
    ]
    for d_real, d_fake in cases:
        got = _number(_call(value_function, "value_function", d_real.copy(), d_fake.copy()), "V")
        want = float(np.mean(np.log(d_real)) + np.mean(np.log1p(-d_fake)))
        if not np.isclose(got, want, rtol=1e-5, atol=1e-6):
            if np.isclose(got, -want, rtol=1e-5):
                hint = " The sign is flipped: V is the sum of the two log terms (it is <= 0)."
            elif np.isclose(got, np.mean(np.log(d_real)) + np.mean(np.log(d_fake)), rtol=1e-5):
                hint = " The fake term is log(1 - D(G(z))), not log D(G(z))."
            else:
                hint = " Average each term over its own samples, then add the two averages."
            _fail(f"V should be {want:.4f} here, yours is {got:.4f}.{hint}")
    _passed("Your V(D, G) is right in 3 cases, including -log 4 for D = 1/2.")


def _normal_pdf(mean: float, std: float) -> Callable:
    def pdf(x):
        x = np.asarray(x, dtype=float)
        return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))

    return pdf


def check_optimal_discriminator(optimal_discriminator: Callable) -> None:
    """Check ``optimal_discriminator(p_data, p_g, x) -> array``: the best discriminator
    ``p_data(x) / (p_data(x) + p_g(x))`` on the grid ``x``, for two density functions.

    Examples
    --------
    >>> check_optimal_discriminator(lambda p, q, x: p(x) / (p(x) + q(x)))
    Correct! Your D* is right on 3 pairs of densities (and is 1/2 where they agree).
    """
    x = np.linspace(-4.0, 5.0, 91)
    mixture = _normal_pdf(-1.0, 0.5)
    cases = [
        (_normal_pdf(0.0, 1.0), _normal_pdf(1.0, 1.0)),
        (_normal_pdf(0.5, 2.0), _normal_pdf(0.5, 2.0)),
        (lambda t: 0.5 * mixture(t) + 0.5 * _normal_pdf(2.0, 0.7)(t), _normal_pdf(0.0, 1.5)),
    ]
    for p_data, p_g in cases:
        got = _call(optimal_discriminator, "optimal_discriminator", p_data, p_g, x.copy())
        try:
            got = np.asarray(
                got.detach().cpu() if isinstance(got, torch.Tensor) else got, dtype=float
            )
        except (TypeError, ValueError):
            _fail(f"`optimal_discriminator` should return an array, got {type(got).__name__}.")
        if got.shape != x.shape:
            _fail(f"Return one value per point of x: expected shape {x.shape}, got {got.shape}.")
        p, q = p_data(x), p_g(x)
        want = p / (p + q)
        if not np.allclose(got, want, atol=1e-6):
            hint = (
                " You swapped the densities: D* is large where the real data is likely."
                if np.allclose(got, q / (p + q), atol=1e-6)
                else " D*(x) = p_data(x) / (p_data(x) + p_g(x)), point by point."
            )
            worst = int(np.argmax(np.abs(got - want)))
            _fail(
                f"At x = {x[worst]:.2f}, D* should be {want[worst]:.4f}, yours is "
                f"{got[worst]:.4f}.{hint}"
            )
    _passed("Your D* is right on 3 pairs of densities (and is 1/2 where they agree).")


# ---------------------------------------------------------------- chapter 03: backpropagation


def _tensor_tuple(result, name: str, count: int, what: str) -> tuple:
    if not isinstance(result, tuple | list) or len(result) != count:
        _fail(f"`{name}` should return {count} tensors: {what}.")
    for item in result:
        if not isinstance(item, torch.Tensor):
            _fail(f"`{name}` should return tensors, got {type(item).__name__}.")
    return tuple(result)


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


# ---------------------------------------------------------------- chapter 05: fitting a sine curve


def check_build_model(build_model: Callable, *, steps: int = 1500, threshold: float = 0.01) -> None:
    """Check ``build_model() -> nn.Module``: a network that can fit ``sin x`` on ``[0, 2π]``.

    The check builds your model (seeded, so the result is reproducible), trains it with
    Adam (learning rate 0.01) for ``steps`` full-batch steps on 100 points of
    ``y = sin x`` and accepts it when the final MSE is below ``threshold``.

    Examples
    --------
    >>> from torch import nn
    >>> check_build_model(lambda: nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 1)))
    ... # doctest: +ELLIPSIS
    Correct! After 1500 Adam steps your model reaches MSE = ... (threshold 0.01).
    """
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


# ---------------------------------------------------------------- chapter 06: classifying circles


def check_build_classifier(
    build_classifier: Callable, *, epochs: int = 500, threshold: float = 0.9
) -> None:
    """Check ``build_classifier() -> nn.Module``: a model that separates two circles.

    The check draws fresh ``make_circles`` data (1000 points, noise 0.03, factor 0.7),
    builds your model (seeded), trains it with Adam (learning rate 0.01, full batch,
    ``BCEWithLogitsLoss``) for ``epochs`` epochs on 80 % of the points and accepts it
    when its accuracy on the other 20 % is at least ``threshold``.  The model must map
    ``(n, 2)`` inputs to ``(n, 1)`` logits.

    Examples
    --------
    >>> from torch import nn
    >>> def build_classifier():
    ...     return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
    ...                          nn.Linear(16, 1))
    >>> check_build_classifier(build_classifier)  # doctest: +ELLIPSIS
    Correct! Test accuracy ... after 500 epochs of Adam (threshold 0.9).
    """
    from sklearn.datasets import make_circles
    from sklearn.model_selection import train_test_split

    from .metrics import binary_accuracy

    X, y = make_circles(n_samples=1000, noise=0.03, factor=0.7, random_state=123)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=123)
    X_tr, X_te = (torch.tensor(a, dtype=torch.float32) for a in (X_tr, X_te))
    y_tr, y_te = (torch.tensor(a, dtype=torch.float32).unsqueeze(1) for a in (y_tr, y_te))
    model = _train_student_model(
        build_classifier, "build_classifier", X_tr, y_tr, torch.nn.BCEWithLogitsLoss(), steps=epochs
    )
    with torch.no_grad():
        accuracy = binary_accuracy(model(X_te), y_te)
    if accuracy < threshold:
        _fail(
            f"Test accuracy {accuracy:.3f} is below {threshold}. A model without non-linear "
            "activations draws a straight boundary: add hidden layers with nn.ReLU() between "
            "the nn.Linear layers, and output raw logits (no sigmoid at the end)."
        )
    _passed(f"Test accuracy {accuracy:.3f} after {epochs} epochs of Adam (threshold {threshold}).")


def check_collapse_linears(collapse_linears: Callable) -> None:
    """Check ``collapse_linears(layers) -> nn.Linear``: one layer equal to a stack of
    ``nn.Linear`` layers applied one after another (with no activation between them).

    Examples
    --------
    >>> import torch
    >>> def collapse_linears(layers):
    ...     W, b = layers[0].weight, layers[0].bias
    ...     for layer in layers[1:]:
    ...         W, b = layer.weight @ W, layer.weight @ b + layer.bias
    ...     single = torch.nn.Linear(W.shape[1], W.shape[0])
    ...     with torch.no_grad():
    ...         single.weight.copy_(W); single.bias.copy_(b)
    ...     return single
    >>> check_collapse_linears(collapse_linears)
    Correct! One nn.Linear reproduces stacks of 2 and 3 linear layers.
    """
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(20, 2, generator=gen)
    with torch.random.fork_rng():
        torch.manual_seed(6)
        stacks = [
            [torch.nn.Linear(2, 5), torch.nn.Linear(5, 1)],
            [torch.nn.Linear(2, 8), torch.nn.Linear(8, 3), torch.nn.Linear(3, 1)],
        ]
    for layers in stacks:
        with torch.no_grad():
            want = torch.nn.Sequential(*layers)(x)
        single = _call(collapse_linears, "collapse_linears", list(layers))
        if not isinstance(single, torch.nn.Linear):
            _fail(f"`collapse_linears` should return an nn.Linear, got {type(single).__name__}.")
        if (single.in_features, single.out_features) != (2, 1):
            _fail(
                f"The single layer should map 2 inputs to 1 output, got "
                f"nn.Linear({single.in_features}, {single.out_features})."
            )
        with torch.no_grad():
            got = single(x)
            weight = layers[0].weight
            for layer in layers[1:]:
                weight = layer.weight @ weight
        if not torch.allclose(got, want, atol=1e-5):
            if torch.allclose(single.weight.detach(), weight, atol=1e-5):
                hint = " The weight is right; each later layer also transforms the earlier bias: "
                hint += "b = W2 @ b1 + b2."
            else:
                hint = " The weights multiply right to left: W = W_last @ ... @ W_first."
            _fail(f"Your layer differs from the stack of {len(layers)} layers.{hint}")
    _passed("One nn.Linear reproduces stacks of 2 and 3 linear layers.")


# -------------------------------------------------------------- chapter 07: CTGAN on insurance data


def _copy_share_cases():
    import pandas as pd

    real = pd.DataFrame(
        {
            "age": [19, 33, 33, 52, 60],
            "smoker": ["yes", "no", "no", "no", "yes"],
            "bmi": [27.9, 22.7, 29.0, 30.8, 25.8],
        }
    )
    copies = pd.DataFrame(  # other column order, ages as floats; rows 0, 1 and 3 are copies
        {
            "bmi": [22.7, 22.7, 30.0, 27.9, 22.7],
            "smoker": ["no", "no", "no", "yes", "yes"],
            "age": [33.0, 33.0, 52.0, 19.0, 33.0],
        }
    )
    none = real.assign(bmi=real["bmi"] + 0.01)
    return [(copies, real, 0.6), (none, real, 0.0), (real, real, 1.0)]


def check_exact_copy_share(exact_copy_share: Callable) -> None:
    """Check ``exact_copy_share(synthetic, real) -> float``: the share of synthetic rows
    identical to some real row (columns matched by name, ``3 == 3.0``).

    Examples
    --------
    >>> def exact_copy_share(synthetic, real):
    ...     synthetic = synthetic[real.columns].astype(real.dtypes.to_dict())
    ...     real_rows = set(real.itertuples(index=False))
    ...     copies = sum(row in real_rows for row in synthetic.itertuples(index=False))
    ...     return copies / len(synthetic)
    >>> check_exact_copy_share(exact_copy_share)
    Correct! Your share matches on 3 pairs of tables (copies, no copies, identical tables).
    """
    for synthetic, real, want in _copy_share_cases():
        got = _number(
            _call(exact_copy_share, "exact_copy_share", synthetic.copy(), real.copy()),
            "The share of copies",
        )
        if np.isclose(got, want * len(synthetic)) and want > 0 and not np.isclose(got, want):
            _fail(f"You returned the number of copies ({got:g}); divide by the number of rows.")
        if not np.isclose(got, want, atol=1e-9):
            hint = ""
            if want > 0 and got == 0:
                hint = (
                    " Are the columns in the same order in both tables? Select "
                    "synthetic[real.columns] before comparing rows."
                )
            _fail(f"For this pair of tables the share should be {want:g}, yours is {got:g}.{hint}")
    _passed("Your share matches on 3 pairs of tables (copies, no copies, identical tables).")


def check_correlation_difference(correlation_difference: Callable) -> None:
    """Check ``correlation_difference(real, synthetic, columns) -> float``: the mean, over
    all pairs of two different columns, of the absolute difference between the Pearson
    correlations in the real and in the synthetic table.

    Examples
    --------
    >>> import numpy as np
    >>> def correlation_difference(real, synthetic, columns):
    ...     diff = (real[columns].corr() - synthetic[columns].corr()).abs().to_numpy()
    ...     return float(diff[np.triu_indices(len(columns), k=1)].mean())
    >>> check_correlation_difference(correlation_difference)
    Correct! Your correlation difference matches on 2 pairs of tables.
    """
    import pandas as pd

    rng = np.random.default_rng(7)
    x = rng.normal(size=300)
    real = pd.DataFrame(
        {"a": x, "b": x + rng.normal(0, 0.5, 300), "c": rng.normal(size=300), "d": ["u"] * 300}
    )
    y = rng.normal(size=300)
    fake = pd.DataFrame(
        {"a": y, "b": -y + rng.normal(0, 1.0, 300), "c": y + rng.normal(size=300), "d": ["v"] * 300}
    )
    for columns in (["a", "b", "c"], ["a", "b"]):
        real_corr, fake_corr = real[columns].corr().to_numpy(), fake[columns].corr().to_numpy()
        upper = np.triu_indices(len(columns), k=1)
        want = float(np.abs(real_corr - fake_corr)[upper].mean())
        got = _number(
            _call(
                correlation_difference, "correlation_difference", real.copy(), fake.copy(), columns
            ),
            "The correlation difference",
        )
        if np.isclose(got, want, rtol=1e-6):
            continue
        k = len(columns)
        hint = ""
        if np.isclose(got, want * (k - 1) / k, rtol=1e-6):
            hint = " Leave out the diagonal: a column's correlation with itself is always 1."
        elif np.isclose(abs(got), abs(float((real_corr - fake_corr)[upper].mean())), rtol=1e-6):
            hint = " Take the absolute value of each difference before averaging."
        _fail(
            f"For columns {columns} the correlation difference should be {want:.4f}, "
            f"yours is {got:.4f}.{hint}"
        )
    _passed("Your correlation difference matches on 2 pairs of tables.")


# ---------------------------------------------------------------- chapter 08: how CTGAN works


def _as_float_array(value, what: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        _fail(f"{what} should be numbers (an array, list or tensor), got {type(value).__name__}.")


def check_log_frequency_probabilities(log_frequency_probabilities: Callable) -> None:
    """Check ``log_frequency_probabilities(counts) -> probabilities``: the probability of
    each category is ``log(count + 1)`` divided by the sum of these over all categories.

    Examples
    --------
    >>> import numpy as np
    >>> def log_frequency_probabilities(counts):
    ...     weights = np.log(np.asarray(counts, dtype=float) + 1)
    ...     return weights / weights.sum()
    >>> check_log_frequency_probabilities(log_frequency_probabilities)
    Correct! Your probabilities match log(count + 1), normalised, on 3 columns.
    """
    for counts in ([99, 9], [574, 324, 240, 157, 25, 18], [500, 30, 3, 0]):
        counts = np.asarray(counts)
        got = _as_float_array(
            _call(log_frequency_probabilities, "log_frequency_probabilities", counts.copy()),
            "The probabilities",
        )
        want = np.log(counts + 1) / np.log(counts + 1).sum()
        if got.shape != want.shape:
            _fail(
                f"For {len(counts)} categories return {len(counts)} probabilities, got {got.size}."
            )
        if np.allclose(got, want, atol=1e-9):
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            no_plus_one = np.log(counts) / np.log(counts).sum()
        hint = ""
        if np.allclose(got, counts / counts.sum()):
            hint = " These are the raw shares: take log(count + 1) before normalising."
        elif not np.all(np.isfinite(got)) or np.allclose(got, no_plus_one):
            hint = " Add 1 before the logarithm: log(0) is -inf for a category that never occurs."
        elif not np.isclose(got.sum(), 1):
            hint = " Divide by the sum so that the probabilities add up to 1."
        _fail(
            f"For counts {counts.tolist()} expected {np.round(want, 4)}, "
            f"got {np.round(got, 4)}.{hint}"
        )
    _passed("Your probabilities match log(count + 1), normalised, on 3 columns.")


def check_pack(pack: Callable) -> None:
    """Check ``pack(x, pac) -> tensor``: rows ``(n, d)`` become ``(n / pac, pac * d)``, each
    new row ``pac`` consecutive rows side by side; ``ValueError`` when ``n`` is not a
    multiple of ``pac``.

    Examples
    --------
    >>> def pack(x, pac):
    ...     if x.shape[0] % pac:
    ...         raise ValueError("the number of rows must be a multiple of pac")
    ...     return x.reshape(x.shape[0] // pac, pac * x.shape[1])
    >>> check_pack(pack)
    Correct! Your packing matches on 3 cases and refuses a batch that does not divide.
    """
    x = torch.arange(24.0).reshape(6, 4)
    for pac in (3, 1, 6):
        got = _call(pack, "pack", x.clone(), pac)
        if not isinstance(got, torch.Tensor):
            _fail(f"`pack` should return a torch tensor, got {type(got).__name__}.")
        want = x.reshape(6 // pac, 4 * pac)
        if tuple(got.shape) != tuple(want.shape):
            _fail(
                f"With 6 rows of 4 numbers and pac={pac} the result should have shape "
                f"{tuple(want.shape)}, yours has {tuple(got.shape)}."
            )
        if not torch.equal(got.to(want.dtype), want):
            _fail(
                f"With pac={pac} the shape is right but the numbers are not: each packed row must "
                "be pac consecutive rows side by side (row 0, then row 1, ...). Hint: x.reshape."
            )
    try:
        pack(torch.zeros(5, 2), 2)
    except ValueError:
        pass
    except NotImplementedError:
        _fail("`pack` is not implemented yet: replace the `...` and the `raise` line.")
    except Exception as err:  # noqa: BLE001 - we report any error to the student
        _fail(f"For 5 rows and pac=2 raise ValueError, not {type(err).__name__}.")
    else:
        _fail("5 rows cannot be packed by 2: `pack` should raise a ValueError.")
    _passed("Your packing matches on 3 cases and refuses a batch that does not divide.")


@_own_rng
def check_gradient_penalty(gradient_penalty: Callable) -> None:
    """Check ``gradient_penalty(critic, real, fake, pac) -> scalar tensor``: the WGAN-GP
    penalty ``10 * mean_k (||grad critic(x_k)|| - 1)^2`` with one interpolation weight per
    pack and the norm over the whole pack, kept differentiable.

    Examples
    --------
    >>> import torch
    >>> def gradient_penalty(critic, real, fake, pac):
    ...     n, d = real.shape
    ...     rho = torch.rand(n // pac, 1, 1).expand(n // pac, pac, d).reshape(n, d)
    ...     mixed = (rho * real + (1 - rho) * fake).detach().requires_grad_(True)
    ...     grad, = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    ...     return 10 * ((grad.reshape(n // pac, pac * d).norm(dim=1) - 1) ** 2).mean()
    >>> check_gradient_penalty(gradient_penalty)
    Correct! Your penalty is right for 3 linear critics, per pack, on interpolates, differentiable.
    """

    def penalty(critic, real, fake, pac):
        return _call(gradient_penalty, "gradient_penalty", critic, real, fake, pac)

    pac, d = 5, 3
    gen = torch.Generator().manual_seed(8)
    real, fake = torch.randn(40, d, generator=gen), torch.randn(40, d, generator=gen)
    w = torch.randn(pac * d, 1, generator=gen)
    w = w / w.norm()
    for scale in (1.0, 3.0, 0.5):
        weights = scale * w
        got = _number(
            penalty(lambda x, v=weights: x.reshape(-1, pac * d) @ v, real, fake, pac), "The penalty"
        )
        want = 10 * (scale - 1) ** 2
        if np.isclose(got, want, rtol=1e-4, atol=1e-5):
            continue
        hint = ""
        if scale == 1.0:
            hint = (
                " Take the gradient's norm over the whole pack (pac * d numbers), not row by"
                " row: reshape the gradient to (n // pac, pac * d) first."
            )
        elif np.isclose(got, want / 10, rtol=1e-4):
            hint = " Multiply by the penalty weight lambda = 10."
        elif np.isclose(got, 10 * (scale**2 - 1) ** 2, rtol=1e-4):
            hint = " Use the norm of the gradient, not its square."
        _fail(
            f"For a linear critic with gradient norm {scale:g} the penalty is "
            f"10 * ({scale:g} - 1)^2 = {want:g}, yours is {got:.4f}.{hint}"
        )
    # differentiable: for C(x) = <W, packed x>, penalty = 10 (|W| - 1)^2, dW = 20 (|W| - 1) W / |W|
    layer = torch.nn.Linear(pac * d, 1)
    with torch.no_grad():
        layer.weight.copy_(2 * w.T)
    out = penalty(lambda x: layer(x.reshape(-1, pac * d)), real, fake, pac)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        _fail(
            "The penalty must stay differentiable: call torch.autograd.grad with "
            "create_graph=True and use torch operations only."
        )
    out.backward()
    if layer.weight.grad is None or not torch.allclose(layer.weight.grad, 20 * w.T, atol=1e-4):
        _fail(
            "The penalty's gradient with respect to the critic's weights is wrong: "
            "use create_graph=True so that the critic can be trained on the penalty."
        )
    # interpolation: real pack u, fake pack -u, |u| = 1 -> the norm is |2 rho - 1| ~ U(0, 1),
    # so with one rho per pack the mean penalty is 10 * E[(V - 1)^2] = 10 / 3
    u = torch.randn(2000, pac * d, generator=gen)
    u = (u / u.norm(dim=1, keepdim=True)).reshape(-1, d)
    # the student's penalty draws from the global generator: seed it for a repeatable
    # check (@_own_rng restores the student's random state afterwards)
    torch.manual_seed(0)
    got = _number(
        penalty(lambda x: 0.5 * (x.reshape(-1, pac * d) ** 2).sum(1, keepdim=True), u, -u, pac),
        "The penalty",
    )
    if not abs(got - 10 / 3) < 0.3:
        hint = ""
        if got < 0.01:
            hint = " Evaluate the critic's gradient at random interpolates between real and fake."
        elif 1.0 < got < 2.6:
            hint = " Draw one interpolation weight per pack, shared by the pac rows of the pack."
        else:
            hint = " Draw a fresh interpolation weight for each pack, uniformly in [0, 1]."
        _fail(
            f"On interpolates of packs u and -u the mean penalty should be near 10/3 = 3.33, "
            f"yours is {got:.3f}.{hint}"
        )
    _passed(
        "Your penalty is right for 3 linear critics, per pack, on interpolates, differentiable."
    )


# ----------------------------------------------------------- chapter 09: autoencoder + GAN on Adult


def _raises_value_error(fn: Callable, name: str, *args) -> bool:
    """True if ``fn(*args)`` raises a ValueError; other errors are reported to the student."""
    try:
        fn(*args)
    except NotImplementedError:
        _fail(f"`{name}` is not implemented yet: replace the `...` and the `raise` line.")
    except ValueError:
        return True
    except Exception as err:  # noqa: BLE001 - we report any error to the student
        _fail(f"`{name}{args}` raised {type(err).__name__}: {err}; expected a ValueError.")
    return False


def check_efficacy_ratio(efficacy_ratio: Callable) -> None:
    """Check ``efficacy_ratio(auc_synthetic, auc_real) -> float``: the ratio
    ``auc_synthetic / auc_real``, with a ``ValueError`` for an AUC outside ``[0, 1]`` and
    for ``auc_real <= 0.5`` (a real-data model no better than chance is no yardstick).

    Examples
    --------
    >>> def efficacy_ratio(auc_synthetic, auc_real):
    ...     for value in (auc_synthetic, auc_real):
    ...         if not 0.0 <= value <= 1.0:
    ...             raise ValueError("an AUC lies in [0, 1]")
    ...     if auc_real <= 0.5:
    ...         raise ValueError("the real model must beat chance")
    ...     return auc_synthetic / auc_real
    >>> check_efficacy_ratio(efficacy_ratio)
    Correct! Your ratio is right on 4 pairs and refuses 5 invalid ones.
    """
    for auc_synthetic, auc_real in ((0.8, 0.9), (0.9, 0.9), (0.5, 0.91), (0.95, 0.6)):
        got = _number(_call(efficacy_ratio, "efficacy_ratio", auc_synthetic, auc_real), "The ratio")
        want = auc_synthetic / auc_real
        if not np.isclose(got, want, rtol=1e-9, atol=1e-12):
            hint = ""
            if np.isclose(got, auc_real / auc_synthetic):
                hint = " You divided the other way round: synthetic over real."
            elif np.isclose(got, auc_synthetic - auc_real):
                hint = " That is a difference; the ratio divides."
            _fail(
                f"efficacy_ratio({auc_synthetic}, {auc_real}) should be {want:.4f}, "
                f"got {got:.4f}.{hint}"
            )
    invalid = [(1.2, 0.9), (-0.1, 0.9), (0.8, 1.5), (0.4, 0.5), (0.6, 0.3)]
    for auc_synthetic, auc_real in invalid:
        if not _raises_value_error(efficacy_ratio, "efficacy_ratio", auc_synthetic, auc_real):
            why = (
                "an AUC must lie between 0 and 1"
                if not (0 <= auc_synthetic <= 1 and 0 <= auc_real <= 1)
                else "the real-data model is no better than chance (auc_real <= 0.5)"
            )
            _fail(f"efficacy_ratio({auc_synthetic}, {auc_real}) should raise a ValueError: {why}.")
    _passed("Your ratio is right on 4 pairs and refuses 5 invalid ones.")


def check_smallest_good_latent(smallest_good_latent: Callable) -> None:
    """Check ``smallest_good_latent(scores, tolerance) -> int``: the smallest latent size
    whose score is at least ``max(scores.values()) - tolerance``, with a ``ValueError``
    for an empty ``scores`` or a negative ``tolerance``.

    Examples
    --------
    >>> def smallest_good_latent(scores, tolerance=0.01):
    ...     if not scores:
    ...         raise ValueError("no scores")
    ...     if tolerance < 0:
    ...         raise ValueError("tolerance must be >= 0")
    ...     best = max(scores.values())
    ...     return min(d for d, s in scores.items() if s >= best - tolerance)
    >>> check_smallest_good_latent(smallest_good_latent)
    Correct! You pick the smallest latent size within the tolerance in 5 cases.
    """
    cases = [
        ({8: 0.90, 16: 0.95, 32: 0.97, 64: 0.975}, 0.01, 32),
        ({64: 0.975, 8: 0.90, 32: 0.97, 16: 0.95}, 0.01, 32),
        ({8: 0.90, 16: 0.95, 32: 0.97, 64: 0.975}, 0.0, 64),
        ({8: 0.90, 16: 0.95, 32: 0.97, 64: 0.975}, 0.1, 8),
        ({4: 0.80, 8: 0.99, 16: 0.98, 32: 0.985}, 0.005, 8),
    ]
    for scores, tolerance, want in cases:
        got = _call(smallest_good_latent, "smallest_good_latent", dict(scores), tolerance)
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            _fail(f"Return a latent size (an int, a key of scores), got {got!r}.")
        if got != want:
            best_key = max(scores, key=scores.get)
            hint = ""
            if got == best_key:
                hint = (
                    " That is the best size; the task asks for the smallest one within tolerance."
                )
            elif got == min(scores):
                hint = " That is the smallest size overall; its score must be within tolerance."
            _fail(
                f"For scores {scores} and tolerance {tolerance} the answer is {want}, "
                f"got {got}.{hint}"
            )
    for scores, tolerance in (({}, 0.01), ({8: 0.9, 16: 0.95}, -0.01)):
        if not _raises_value_error(smallest_good_latent, "smallest_good_latent", scores, tolerance):
            what = "empty scores" if not scores else "a negative tolerance"
            _fail(f"smallest_good_latent should raise a ValueError for {what}.")
    _passed("You pick the smallest latent size within the tolerance in 5 cases.")


# ---------------------------------------------------------------- chapter 10: conditional GAN


def check_label_share(label_share: Callable) -> None:
    """Check ``label_share(table, column, label) -> float``: the share (between 0 and 1) of
    rows of ``table`` whose ``column`` equals ``label``; missing values never match.

    Examples
    --------
    >>> def label_share(table, column, label):
    ...     return float((table[column] == label).mean())
    >>> check_label_share(label_share)
    Correct! Your share matches on 4 tables (mixed labels, none, all, missing values).
    """
    import pandas as pd

    cases = [
        (
            pd.DataFrame(
                {"age": [30, 41, 52, 25, 60], "income": ["<=50K", ">50K", ">50K", "<=50K", ">50K"]}
            ),
            ">50K",
            0.6,
        ),
        (pd.DataFrame({"income": ["<=50K"] * 4}), ">50K", 0.0),
        (pd.DataFrame({"income": pd.Categorical([">50K"] * 3)}), ">50K", 1.0),
        (pd.DataFrame({"income": [">50K", None, "<=50K", None]}), ">50K", 0.25),
    ]
    for table, label, want in cases:
        got = _number(
            _call(label_share, "label_share", table.copy(), "income", label),
            "The share of rows with the label",
        )
        if want > 0 and np.isclose(got, want * len(table)) and not np.isclose(got, want):
            _fail(f"You returned the number of rows ({got:g}); divide by the number of rows.")
        if not np.isclose(got, want, atol=1e-9):
            hint = ""
            if np.isclose(got, 1 - want):
                hint = " You counted the rows that do NOT have the label."
            elif table["income"].isna().any() and np.isclose(got, 1 / 2):
                hint = " Divide by all rows, including those with a missing label."
            _fail(
                f"For {len(table)} rows with labels {table['income'].tolist()} the share of "
                f"{label!r} should be {want:g}, yours is {got:g}.{hint}"
            )
    _passed("Your share matches on 4 tables (mixed labels, none, all, missing values).")


def check_balancing_plan(balancing_plan: Callable) -> None:
    """Check ``balancing_plan(counts) -> dict``: for class counts ``{label: count}``, the
    number of synthetic rows to add to each class so that every class has as many rows as
    the largest one (0 for the largest class).

    Examples
    --------
    >>> def balancing_plan(counts):
    ...     largest = max(counts.values())
    ...     return {label: largest - count for label, count in counts.items()}
    >>> check_balancing_plan(balancing_plan)
    Correct! Your plan balances 4 sets of class counts, with 0 rows for the largest class.
    """
    cases = [
        {"<=50K": 22720, ">50K": 784},
        {"normal": 900, "dos": 80, "probe": 15},
        {"a": 5, "b": 5},
        {"only": 42},
    ]
    for counts in cases:
        got = _call(balancing_plan, "balancing_plan", dict(counts))
        largest = max(counts.values())
        want = {label: largest - count for label, count in counts.items()}
        if hasattr(got, "to_dict"):  # a pandas Series is fine too
            got = got.to_dict()
        if not isinstance(got, dict):
            _fail(
                "balancing_plan should return a dict {label: rows to add}, "
                f"got {type(got).__name__}."
            )
        if set(got) != set(counts):
            _fail(
                f"For counts {counts} the plan should have one entry per class {sorted(counts)}, "
                f"yours has {sorted(map(str, got))}."
            )
        values = {label: _number(got[label], f"The rows to add for {label!r}") for label in counts}
        if any(v < 0 for v in values.values()):
            _fail(
                f"For counts {counts} your plan {values} has negative entries: you cannot remove "
                "rows by sampling; fill every class up to the LARGEST class."
            )
        if values != want:
            hint = ""
            if all(np.isclose(values[k], largest) for k in counts if counts[k] < largest):
                hint = " Subtract the rows a class already has."
            _fail(f"For counts {counts} the plan should be {want}, yours is {values}.{hint}")
    _passed("Your plan balances 4 sets of class counts, with 0 rows for the largest class.")


# ---------------------------------------------------------------- chapter 11: legacy GAN code

_SIDE_EFFECTS: list[str] = []


def _record_side_effect(what: str) -> str:
    """Called only if a check's booby-trapped file is unpickled without ``weights_only``."""
    _SIDE_EFFECTS.append(what)
    return what


class _BoobyTrap:
    def __reduce__(self):
        return (_record_side_effect, ("code from the file ran",))


def check_load_weights(load_weights: Callable) -> None:
    """Check ``load_weights(path) -> dict``: loads a saved state dict onto the CPU and
    refuses a file that would run code (``torch.load(..., weights_only=True)``).

    Examples
    --------
    >>> import torch
    >>> check_load_weights(lambda path: torch.load(path, map_location="cpu", weights_only=True))
    Correct! The state dict loads; the booby-trapped file was refused, unexecuted.
    """
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        honest, trap = Path(tmp) / "honest.pt", Path(tmp) / "trap.pt"
        net = torch.nn.Linear(3, 2)
        torch.save(net.state_dict(), honest)
        state = _call(load_weights, "load_weights", honest)
        if not isinstance(state, dict) or set(state) != {"weight", "bias"}:
            _fail("`load_weights` should return the state dict: {'weight': ..., 'bias': ...}.")
        for key, value in net.state_dict().items():
            if not isinstance(state[key], torch.Tensor) or not torch.equal(state[key], value):
                _fail(f"The loaded {key!r} differs from the saved one: return torch.load's result.")
            if state[key].device.type != "cpu":
                _fail("Load onto the CPU: pass map_location='cpu'.")
        torch.save({"weight": torch.ones(2), "bias": _BoobyTrap()}, trap)
        _SIDE_EFFECTS.clear()
        try:
            load_weights(trap)
        except NotImplementedError:
            _fail("`load_weights` is not implemented yet: replace the `...` and the `raise` line.")
        except Exception:  # noqa: BLE001 - refusing the file is the right answer
            if not _SIDE_EFFECTS:
                _passed("The state dict loads; the booby-trapped file was refused, unexecuted.")
                return
        _SIDE_EFFECTS.clear()
        _fail(
            "Loading the booby-trapped file ran code stored in it. Pass weights_only=True to "
            "torch.load so that only tensors and plain data are accepted."
        )


def _resume_setup(seed: int):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 1)
        )
    return model, torch.optim.Adam(model.parameters(), lr=0.01)


def _resume_train(model, optimizer, steps: int) -> None:
    model.train()
    for _ in range(steps):
        x = torch.randn(32, 3)
        loss = ((model(x) - x.sum(1, keepdim=True)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def check_resume(resume: Callable) -> None:
    """Check ``resume(path, model, optimizer) -> int`` for checkpoints saved as
    ``{"model": ..., "optimizer": ..., "step": ..., "rng": torch.get_rng_state()}``:
    continuing after it must equal an uninterrupted run exactly.

    Examples
    --------
    >>> import torch
    >>> def resume(path, model, optimizer):
    ...     state = torch.load(path, weights_only=True)
    ...     model.load_state_dict(state["model"])
    ...     optimizer.load_state_dict(state["optimizer"])
    ...     torch.set_rng_state(state["rng"])
    ...     return int(state["step"])
    >>> check_resume(resume)
    Correct! Model, optimizer and RNG restored: the resumed run equals the uninterrupted one.
    """
    import tempfile
    from pathlib import Path

    with torch.random.fork_rng(devices=[]), tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ckpt.pt"
        torch.manual_seed(0)
        ref, ref_opt = _resume_setup(1)
        _resume_train(ref, ref_opt, 10)
        torch.manual_seed(0)
        model, opt = _resume_setup(1)
        _resume_train(model, opt, 5)
        saved = {k: v.clone() for k, v in model.state_dict().items()}
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 5}
        torch.save({**state, "rng": torch.get_rng_state()}, path)
        torch.manual_seed(123)  # the random state moves on before the resume
        fresh, fresh_opt = _resume_setup(2)
        step = _call(resume, "resume", path, fresh, fresh_opt)
        if isinstance(step, bool) or not isinstance(step, int) or step != 5:
            _fail(f"`resume` should return the saved step as an int (5), got {step!r}.")
        if any(not torch.equal(v, saved[k]) for k, v in fresh.state_dict().items()):
            _fail("The model's weights were not restored: call model.load_state_dict(...).")
        if not fresh_opt.state:
            _fail(
                "The optimizer's state was not restored: Adam's moment estimates start again "
                "from zero. Call optimizer.load_state_dict(...)."
            )
        _resume_train(fresh, fresh_opt, 5)
        pairs = zip(fresh.parameters(), ref.parameters(), strict=True)
        if any(not torch.equal(a, b) for a, b in pairs):
            _fail(
                "Weights and optimizer are restored, but the continued run differs from the "
                "uninterrupted one: restore the random state with torch.set_rng_state(...)."
            )
    _passed("Model, optimizer and RNG restored: the resumed run equals the uninterrupted one.")
