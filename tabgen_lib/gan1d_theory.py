"""The theory of a GAN in one dimension: a target with a known density, and exact results.

In one dimension every density can be drawn and integrated on a grid, so the results of
GAN theory can be computed exactly and compared with what a trained network
(:class:`tabgen_lib.gan1d.GAN1D`) does:

- :class:`GaussianMixture1D` -- a target distribution with a known density
- :func:`value_function` -- the game's value :math:`V(D, G)` from the discriminator's outputs
- :func:`optimal_discriminator` -- :math:`D^* = p_{data} / (p_{data} + p_g)`
- :func:`jensen_shannon` -- the divergence the game minimises at :math:`D^*`
- :func:`kde_density` -- a density from samples, to compare a generator with the target

Every name is also importable from :mod:`tabgen_lib.gan1d`.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import trapezoid
from scipy.stats import gaussian_kde

from .validation import MAX_SEED, as_1d_array, check_float, check_int, positive_int

__all__ = [
    "GaussianMixture1D",
    "jensen_shannon",
    "kde_density",
    "optimal_discriminator",
    "value_function",
]


def _rng(rng) -> np.random.Generator:
    """A NumPy generator from ``None`` (fresh), a seed, or a generator (used as it is)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(check_int(rng, "rng", min_value=0, max_value=MAX_SEED))
    raise TypeError(f"rng must be None, an integer seed or a numpy Generator, got {rng!r}.")


# ------------------------------------------------------------------------------ target


class GaussianMixture1D:
    """A mixture of normal distributions on the real line: samples and exact density.

    Parameters
    ----------
    means, stds : sequence of float
        Centre and standard deviation (> 0) of each component.
    weights : sequence of float, optional
        Mixing weights (non-negative, normalised to sum to 1); equal by default.

    Examples
    --------
    >>> target = GaussianMixture1D(means=[-2, 2], stds=[0.5, 0.5])
    >>> x = target.sample(1000, rng=0)
    >>> x.shape, bool(abs(x.mean()) < 0.3)
    ((1000,), True)
    >>> round(float(target.pdf(0.0)), 6)  # both components are 4 sd away
    0.000268
    """

    def __init__(self, means=(-2.0, 2.0), stds=(0.5, 0.5), weights=None):
        self.means = as_1d_array(means, "means")
        self.stds = as_1d_array(stds, "stds")
        if len(self.stds) != len(self.means):
            raise ValueError(
                f"means has {len(self.means)} values but stds has {len(self.stds)}: "
                "give one standard deviation per component."
            )
        if (self.stds <= 0).any():
            raise ValueError(f"Every standard deviation must be positive, got {self.stds}.")
        if weights is None:
            weights = np.full(len(self.means), 1.0 / len(self.means))
        weights = as_1d_array(weights, "weights")
        if len(weights) != len(self.means):
            raise ValueError(f"weights has {len(weights)} values, means has {len(self.means)}.")
        if (weights < 0).any() or weights.sum() <= 0:
            raise ValueError("weights must be non-negative and not all zero.")
        self.weights = weights / weights.sum()

    def __repr__(self) -> str:
        return (
            f"GaussianMixture1D(means={self.means.tolist()}, stds={self.stds.tolist()}, "
            f"weights={np.round(self.weights, 4).tolist()})"
        )

    @property
    def mean(self) -> float:
        """The mixture's mean."""
        return float(np.sum(self.weights * self.means))

    @property
    def std(self) -> float:
        """The mixture's standard deviation (within- plus between-component spread)."""
        second = np.sum(self.weights * (self.stds**2 + self.means**2))
        return float(np.sqrt(second - self.mean**2))

    def sample(self, n: int, rng=None) -> np.ndarray:
        """Draw ``n`` values; ``rng`` is a seed or a ``numpy.random.Generator``."""
        n = positive_int(n, "n")
        rng = _rng(rng)
        component = rng.choice(len(self.means), size=n, p=self.weights)
        return rng.normal(self.means[component], self.stds[component])

    def pdf(self, x) -> np.ndarray:
        """The density at each point of ``x`` (same shape as ``x``)."""
        x = np.asarray(as_1d_array(x, "x")).reshape(np.shape(x))
        z = (x[..., None] - self.means) / self.stds
        comp = np.exp(-0.5 * z**2) / (self.stds * np.sqrt(2 * np.pi))
        return np.sum(self.weights * comp, axis=-1)

    def component_shares(self, samples) -> np.ndarray:
        """Share of ``samples`` nearest to each component's mean (a mode-coverage measure).

        A sample counts for the component whose mean is closest in units of that
        component's standard deviation.
        """
        samples = as_1d_array(samples, "samples")
        dist = np.abs(samples[:, None] - self.means) / self.stds
        counts = np.bincount(dist.argmin(axis=1), minlength=len(self.means))
        return counts / len(samples)


# ------------------------------------------------------------------------------ theory


def value_function(d_real, d_fake, *, eps: float = 1e-7) -> float:
    """Monte Carlo estimate of :math:`V(D, G) = E[\\log D(x)] + E[\\log(1 - D(G(z)))]`.

    Parameters
    ----------
    d_real : array-like
        The discriminator's probabilities :math:`D(x)` on real samples.
    d_fake : array-like
        Its probabilities :math:`D(G(z))` on generated samples.
    eps : float
        Probabilities are clipped to ``[eps, 1 - eps]`` so that ``log`` stays finite.

    Examples
    --------
    >>> round(value_function([0.5, 0.5], [0.5]), 4)  # a discriminator that guesses
    -1.3863
    """
    d_real, d_fake = as_1d_array(d_real, "d_real"), as_1d_array(d_fake, "d_fake")
    eps = check_float(eps, "eps", min_value=0, max_value=0.5, include_min=False)
    for name, arr in (("d_real", d_real), ("d_fake", d_fake)):
        if (arr < 0).any() or (arr > 1).any():
            raise ValueError(
                f"{name} must hold probabilities in [0, 1]; apply a sigmoid to logits first."
            )
    d_real = np.clip(d_real, eps, 1 - eps)
    d_fake = np.clip(d_fake, eps, 1 - eps)
    return float(np.mean(np.log(d_real)) + np.mean(np.log1p(-d_fake)))


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """The best discriminator for a fixed generator: :math:`p_{data} / (p_{data} + p_g)`.

    ``p_data`` and ``p_g`` are the two densities evaluated at the same points. Where
    both are zero no sample ever lands, the value does not matter, and 1/2 is returned.

    Examples
    --------
    >>> optimal_discriminator([1.0, 0.3, 0.0, 0.0], [1.0, 0.1, 2.0, 0.0]).round(4).tolist()
    [0.5, 0.75, 0.0, 0.5]
    """
    p, q = as_1d_array(p_data, "p_data"), as_1d_array(p_g, "p_g")
    if p.shape != q.shape:
        raise ValueError(f"p_data has {p.size} values but p_g has {q.size}: they must match.")
    if (p < 0).any() or (q < 0).any():
        raise ValueError("Densities cannot be negative.")
    total = p + q
    return np.divide(p, total, out=np.full_like(p, 0.5), where=total > 0)


def jensen_shannon(p, q, x_grid) -> float:
    """Jensen-Shannon divergence (natural log) of two densities given on a grid.

    :math:`JSD(p\\|q) = \\tfrac12 KL(p\\|m) + \\tfrac12 KL(q\\|m)` with
    :math:`m = (p + q)/2`, integrated with the trapezoid rule. Each density is first
    rescaled to integrate to 1 on the grid, so the result lies in :math:`[0, \\log 2]`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-10, 10, 2001)
    >>> p = np.exp(-0.5 * x**2)
    >>> jensen_shannon(p, p, x)
    0.0
    >>> q = np.exp(-0.5 * (x - 8) ** 2)  # barely overlapping: close to log 2
    >>> round(jensen_shannon(p, q, x), 3)
    0.693
    """
    x = as_1d_array(x_grid, "x_grid")
    p, q = as_1d_array(p, "p"), as_1d_array(q, "q")
    if not (p.size == q.size == x.size):
        raise ValueError(
            f"p, q and x_grid must have the same length, got {p.size}, {q.size}, {x.size}."
        )
    if x.size < 2 or not (np.diff(x) > 0).all():
        raise ValueError("x_grid must be increasing and have at least two points.")
    if (p < 0).any() or (q < 0).any():
        raise ValueError("Densities cannot be negative.")
    p_mass, q_mass = trapezoid(p, x), trapezoid(q, x)
    if p_mass <= 0 or q_mass <= 0:
        raise ValueError("Each density must be positive somewhere on the grid.")
    p, q = p / p_mass, q / q_mass
    m = 0.5 * (p + q)

    def kl_to_m(a):
        ratio = np.divide(a, m, out=np.ones_like(a), where=a > 0)
        return trapezoid(a * np.log(ratio), x)

    jsd = 0.5 * kl_to_m(p) + 0.5 * kl_to_m(q)
    return float(np.clip(jsd, 0.0, np.log(2)))


def kde_density(samples, x_grid, *, bandwidth: float | str | None = None) -> np.ndarray:
    """Estimate a density from samples with a Gaussian kernel and evaluate it on a grid.

    A thin wrapper around :class:`scipy.stats.gaussian_kde` (``bandwidth`` is its
    ``bw_method``: ``None`` for Scott's rule, a number for a fixed factor).

    Examples
    --------
    >>> import numpy as np
    >>> samples = np.random.default_rng(0).normal(size=5000)
    >>> density = kde_density(samples, [0.0])
    >>> bool(abs(density[0] - 1 / np.sqrt(2 * np.pi)) < 0.05)
    True
    """
    samples = as_1d_array(samples, "samples")
    x = as_1d_array(x_grid, "x_grid")
    if samples.size < 2 or np.ptp(samples) == 0:
        raise ValueError(
            "kde_density needs at least two different samples (all samples are equal: "
            "the generator has collapsed to a point, and a density cannot be estimated)."
        )
    return gaussian_kde(samples, bw_method=bandwidth)(x)
