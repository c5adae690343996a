"""Checks of chapter 08, *How CTGAN works* (``notebooks/08_how_ctgan_works.ipynb``).

The exercises name the student's functions ``my_log_frequency_probabilities``, ``my_pack``
and ``my_gradient_penalty``: the chapter imports the library's functions of the same
names without the prefix, and an exercise must not replace them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from tabgen_lib.validation import forked_torch_rng

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_gradient_penalty", "check_log_frequency_probabilities", "check_pack"]


def _as_float_array(value, what: str) -> np.ndarray:
    """The student's answer as a flat float array (NaN and inf kept: the hints use them)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        _fail(f"{what} should be numbers (an array, list or tensor), got {type(value).__name__}.")


@_own_rng
def check_log_frequency_probabilities(log_frequency_probabilities: Callable) -> None:
    """Check ``my_log_frequency_probabilities(counts) -> probabilities``: the probability of
    each category is ``log(count + 1)`` divided by the sum of these over all categories.

    Examples
    --------
    >>> import numpy as np
    >>> def my_log_frequency_probabilities(counts):
    ...     weights = np.log(np.asarray(counts, dtype=float) + 1)
    ...     return weights / weights.sum()
    >>> check_log_frequency_probabilities(my_log_frequency_probabilities)
    Correct! Your probabilities match log(count + 1), normalised, on 3 columns.
    """
    for counts in ([99, 9], [574, 324, 240, 157, 25, 18], [500, 30, 3, 0]):
        counts = np.asarray(counts)
        got = _as_float_array(
            _call(log_frequency_probabilities, "my_log_frequency_probabilities", counts.copy()),
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


@_own_rng
def check_pack(pack: Callable) -> None:
    """Check ``my_pack(x, pac) -> tensor``: rows ``(n, d)`` become ``(n / pac, pac * d)``, each
    new row ``pac`` consecutive rows side by side; ``ValueError`` when ``n`` is not a
    multiple of ``pac``.

    Examples
    --------
    >>> def my_pack(x, pac):
    ...     if x.shape[0] % pac:
    ...         raise ValueError("the number of rows must be a multiple of pac")
    ...     return x.reshape(x.shape[0] // pac, pac * x.shape[1])
    >>> check_pack(my_pack)
    Correct! Your packing matches on 3 cases and refuses a batch that does not divide.
    """
    x = torch.arange(24.0).reshape(6, 4)
    for pac in (3, 1, 6):
        got = _call(pack, "my_pack", x.clone(), pac)
        if not isinstance(got, torch.Tensor):
            _fail(f"`my_pack` should return a torch tensor, got {type(got).__name__}.")
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
        _fail("`my_pack` is not implemented yet: replace the `...` and the `raise` line.")
    except Exception as err:  # noqa: BLE001 - we report any error to the student
        _fail(f"For 5 rows and pac=2 raise ValueError, not {type(err).__name__}.")
    else:
        _fail("5 rows cannot be packed by 2: `my_pack` should raise a ValueError.")
    _passed("Your packing matches on 3 cases and refuses a batch that does not divide.")


@_own_rng
def check_gradient_penalty(gradient_penalty: Callable) -> None:
    """Check ``my_gradient_penalty(critic, real, fake, pac) -> scalar tensor``: the WGAN-GP
    penalty ``10 * mean_k (||grad critic(x_k)|| - 1)^2`` with one interpolation weight per
    pack and the norm over the whole pack, kept differentiable.

    Examples
    --------
    >>> import torch
    >>> def my_gradient_penalty(critic, real, fake, pac):
    ...     n, d = real.shape
    ...     rho = torch.rand(n // pac, 1, 1).expand(n // pac, pac, d).reshape(n, d)
    ...     mixed = (rho * real + (1 - rho) * fake).detach().requires_grad_(True)
    ...     grad, = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    ...     return 10 * ((grad.reshape(n // pac, pac * d).norm(dim=1) - 1) ** 2).mean()
    >>> check_gradient_penalty(my_gradient_penalty)
    Correct! Your penalty is right for 3 linear critics, per pack, on interpolates, differentiable.
    """

    def penalty(critic, real, fake, pac):
        return _call(gradient_penalty, "my_gradient_penalty", critic, real, fake, pac)

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
    # the student's penalty draws from the global generator: seed it for a repeatable check
    with forked_torch_rng(0):
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
