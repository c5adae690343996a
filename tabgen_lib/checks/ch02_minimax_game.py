"""Checks of chapter 02, *The minimax game* (``notebooks/02_minimax_game.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_optimal_discriminator", "check_value_function"]


@_own_rng
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


@_own_rng
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
