"""Checks of chapter 02, *The minimax game* (``notebooks/02_minimax_game.ipynb``).

The chapter's exercises: the optimal discriminator against a collapsed generator
(:func:`check_collapsed_dstar`), the optimal discriminator when real and fake samples are
not equally common (:func:`check_weighted_optimal_discriminator`) and the value of the game
there (:func:`check_weighted_value_at_optimum`). :func:`check_value_function` and
:func:`check_optimal_discriminator` check the chapter's earlier exercises, kept for the
student notebooks that still call them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = [
    "check_collapsed_dstar",
    "check_optimal_discriminator",
    "check_value_function",
    "check_weighted_optimal_discriminator",
    "check_weighted_value_at_optimum",
]


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


def _array(value, name: str, shape: tuple) -> np.ndarray:
    """The student's answer as a float array of ``shape``, or a failure saying why not."""
    try:
        value = np.asarray(
            value.detach().cpu() if isinstance(value, torch.Tensor) else value, dtype=float
        )
    except (TypeError, ValueError):
        _fail(f"`{name}` should return an array, got {type(value).__name__}.")
    if value.shape != shape:
        _fail(f"Return one value per point of x: expected shape {shape}, got {value.shape}.")
    return value


@_own_rng
def check_collapsed_dstar(collapsed_dstar: Callable) -> None:
    r"""Check ``collapsed_dstar(real_share, width_ratio) -> float``: the optimal discriminator
    at the centre of a mode that holds ``real_share`` of the real data, when the generator
    puts *all* its samples into that mode, as a normal with the mode's centre and
    ``width_ratio`` times its standard deviation.

    At the centre :math:`p_{data} = w\,\varphi(0)/\sigma` and
    :math:`p_g = \varphi(0)/(s\sigma)`, so :math:`D^* = w s / (w s + 1)`: :math:`1/3` for
    half the data and the same width, less for a narrower generator.

    Examples
    --------
    >>> check_collapsed_dstar(lambda w, s: w * s / (w * s + 1))
    Correct! D* at a collapsed mode is w s / (w s + 1): 1/3 for half the data at the same width.
    """
    for w, s in [(0.5, 1.0), (0.5, 0.5), (0.25, 1.0), (1.0, 1.0), (0.5, 2.0), (0.3, 0.2)]:
        got = _number(_call(collapsed_dstar, "collapsed_dstar", w, s), "D*")
        want = w * s / (w * s + 1)
        if np.isclose(got, want, atol=1e-9):
            continue
        if np.isclose(got, w / (w + 1)) and s != 1:
            hint = (
                " The generator's width matters: its density at the centre is "
                "phi(0) / (width_ratio * sigma), higher for a narrower generator."
            )
        elif np.isclose(got, 1 - want):
            hint = " That is 1 - D*: D* is the probability that a sample found there is real."
        elif np.isclose(got, 0.5):
            hint = " D* is 1/2 only where p_data = p_g; here the generator has all its mass."
        else:
            hint = (
                " Evaluate both densities at the mode's centre and use D* = p_data / "
                "(p_data + p_g); the factors phi(0) / sigma cancel."
            )
        _fail(f"For real_share={w} and width_ratio={s}, D* is {want:.4f}, yours {got:.4f}.{hint}")
    _passed("D* at a collapsed mode is w s / (w s + 1): 1/3 for half the data at the same width.")


@_own_rng
def check_weighted_optimal_discriminator(weighted_optimal_discriminator: Callable) -> None:
    r"""Check ``weighted_optimal_discriminator(p_data, p_g, x, pi) -> array``: the best
    discriminator when a share ``pi`` of its training samples is real and ``1 - pi`` fake,
    :math:`D^*_\pi = \pi p_{data} / (\pi p_{data} + (1 - \pi) p_g)`.

    The answer is compared with the formula for three pairs of densities and three
    proportions, and with a logistic regression trained on 30,000 real and 10,000 fake
    samples of two normals with equal variances (whose exact log-odds are linear in x, so
    the classifier can represent :math:`D^*_\pi`).

    Examples
    --------
    >>> def weighted_optimal_discriminator(p_data, p_g, x, pi):
    ...     return pi * p_data(x) / (pi * p_data(x) + (1 - pi) * p_g(x))
    >>> check_weighted_optimal_discriminator(weighted_optimal_discriminator)  # doctest: +ELLIPSIS
    Correct! Your D*_pi matches the formula for 9 cases and a discriminator trained on 3:1 ...
    """
    from sklearn.linear_model import LogisticRegression

    x = np.linspace(-4.0, 5.0, 91)
    pairs = [
        (_normal_pdf(0.0, 1.0), _normal_pdf(1.0, 1.0)),
        (_normal_pdf(0.5, 2.0), _normal_pdf(0.5, 2.0)),
        (_normal_pdf(-1.0, 0.5), _normal_pdf(0.0, 1.5)),
    ]
    for p_data, p_g in pairs:
        p, q = p_data(x), p_g(x)
        for pi in (0.5, 0.75, 0.2):
            got = _array(
                _call(
                    weighted_optimal_discriminator,
                    "weighted_optimal_discriminator",
                    p_data,
                    p_g,
                    x.copy(),
                    pi,
                ),
                "weighted_optimal_discriminator",
                x.shape,
            )
            want = pi * p / (pi * p + (1 - pi) * q)
            if np.allclose(got, want, atol=1e-6):
                continue
            if np.allclose(got, p / (p + q), atol=1e-6):
                hint = (
                    " That is D* for equal proportions: weight each density by how often its "
                    "samples are shown, pi for real and 1 - pi for fake."
                )
            elif np.allclose(got, (1 - pi) * p / ((1 - pi) * p + pi * q), atol=1e-6):
                hint = " pi is the share of *real* samples: it multiplies p_data."
            elif np.allclose(got, 1 - want, atol=1e-6):
                hint = " You computed P(fake): D* is large where real data is likely."
            else:
                hint = " Maximise pi p log D + (1 - pi) q log(1 - D) point by point."
            worst = int(np.argmax(np.abs(got - want)))
            _fail(
                f"With pi = {pi}, at x = {x[worst]:.2f} D* should be {want[worst]:.4f}, yours "
                f"is {got[worst]:.4f}.{hint}"
            )
    # a trained discriminator: 3 real samples for every fake one
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0.0, 1.0, 30_000), rng.normal(1.0, 1.0, 10_000)
    features = np.concatenate([real, fake]).reshape(-1, 1)
    labels = np.concatenate([np.ones(len(real)), np.zeros(len(fake))])
    trained = LogisticRegression(C=1e6).fit(features, labels)
    grid = np.linspace(-2.0, 3.0, 51)  # where the samples are
    learned = trained.predict_proba(grid.reshape(-1, 1))[:, 1]
    formula = _array(
        _call(
            weighted_optimal_discriminator,
            "weighted_optimal_discriminator",
            _normal_pdf(0.0, 1.0),
            _normal_pdf(1.0, 1.0),
            grid.copy(),
            0.75,
        ),
        "weighted_optimal_discriminator",
        grid.shape,
    )
    gap = float(np.abs(learned - formula).max())
    if gap > 0.03:  # pragma: no cover - only if the formula cases above were too lenient
        _fail(f"A trained discriminator differs from your D*_pi by {gap:.3f}.")
    _passed(
        "Your D*_pi matches the formula for 9 cases and a discriminator trained on 3:1 "
        f"data (largest gap {gap:.3f})."
    )


@_own_rng
def check_weighted_value_at_optimum(weighted_value_at_optimum: Callable) -> None:
    r"""Check ``weighted_value_at_optimum(p_data, p_g, x, pi) -> float``: the value
    :math:`\pi \int p_{data} \log D^*_\pi + (1 - \pi) \int p_g \log(1 - D^*_\pi)` of
    the weighted game at its best discriminator, integrated with the trapezoid rule on the
    grid ``x`` (points where a density is 0 add nothing).

    For :math:`p_g = p_{data}` it is :math:`\pi\log\pi + (1-\pi)\log(1-\pi)`, the
    generator's minimum; for densities that do not overlap it is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.integrate import trapezoid
    >>> def weighted_value_at_optimum(p_data, p_g, x, pi):
    ...     p, q = p_data(x), p_g(x)
    ...     d = pi * p / (pi * p + (1 - pi) * q)
    ...     with np.errstate(divide="ignore", invalid="ignore"):
    ...         real = np.where(p > 0, p * np.log(d), 0.0)
    ...         fake = np.where(q > 0, q * np.log(1 - d), 0.0)
    ...     return pi * trapezoid(real, x) + (1 - pi) * trapezoid(fake, x)
    >>> check_weighted_value_at_optimum(weighted_value_at_optimum)
    Correct! Your value is right in 5 cases; at p_g = p_data it is pi log pi + (1 - pi) log(1 - pi).
    """
    from scipy.integrate import trapezoid

    x = np.linspace(-15.0, 15.0, 6001)
    cases = [
        (_normal_pdf(0.0, 1.0), _normal_pdf(0.0, 1.0), 0.5),
        (_normal_pdf(0.0, 1.0), _normal_pdf(0.0, 1.0), 0.8),
        (_normal_pdf(0.0, 1.0), _normal_pdf(1.0, 1.0), 0.5),
        (_normal_pdf(-1.0, 0.5), _normal_pdf(0.0, 1.5), 0.3),
        (_normal_pdf(-8.0, 0.5), _normal_pdf(8.0, 0.5), 0.6),
    ]
    for p_data, p_g, pi in cases:
        p, q = p_data(x), p_g(x)
        d = pi * p / (pi * p + (1 - pi) * q)
        with np.errstate(divide="ignore", invalid="ignore"):
            real = trapezoid(np.where(p > 0, p * np.log(d), 0.0), x)
            fake = trapezoid(np.where(q > 0, q * np.log(1 - d), 0.0), x)
        want = pi * real + (1 - pi) * fake
        got = _number(
            _call(
                weighted_value_at_optimum, "weighted_value_at_optimum", p_data, p_g, x.copy(), pi
            ),
            "The value",
        )
        if np.isclose(got, want, atol=1e-6):
            continue
        if np.isclose(got, real + fake, atol=1e-6):
            hint = " Weight the two integrals by pi and 1 - pi."
        elif not np.isfinite(got):
            hint = " Where a density is 0 its term is 0 (0 log 0 = 0): use np.where."
        else:
            hint = " Use D*_pi = pi p / (pi p + (1 - pi) q) inside the logarithms."
        _fail(f"With pi = {pi} the value should be {want:.5f}, yours is {got:.5f}.{hint}")
    _passed(
        "Your value is right in 5 cases; at p_g = p_data it is pi log pi + (1 - pi) log(1 - pi)."
    )
