"""A generative adversarial network in one dimension, and the theory to check it against.

In one dimension every density can be drawn and integrated on a grid, so the results of
GAN theory -- the optimal discriminator, the value of the game at the optimum, the
Jensen-Shannon divergence -- can be computed exactly and compared with what a trained
network does.

- :class:`GaussianMixture1D` -- a target distribution with a known density
- :class:`GAN1D` -- a small GAN (two :func:`~tabgen_lib.models.mlp`), ``fit`` then ``sample``
- :func:`discriminator_loss`, :func:`generator_loss` -- the two players' losses from logits
- :func:`value_function` -- the game's value :math:`V(D, G)` from the discriminator's outputs
- :func:`optimal_discriminator`, :func:`jensen_shannon`, :func:`kde_density` -- the theory
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
import torch
from scipy.integrate import trapezoid
from scipy.stats import gaussian_kde
from torch.nn import functional as F
from tqdm.auto import tqdm

from .models import mlp
from .runtime import get_device
from .validation import as_1d_array
from .validation import positive_float as _positive_float
from .validation import positive_int as _positive_int

__all__ = [
    "GAN1D",
    "GaussianMixture1D",
    "discriminator_loss",
    "generator_loss",
    "jensen_shannon",
    "kde_density",
    "optimal_discriminator",
    "value_function",
]

GENERATOR_LOSSES = ("non_saturating", "saturating")


# ------------------------------------------------------------------------------ helpers


def _rng(rng) -> np.random.Generator:
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"rng must be None, an integer seed or a numpy Generator, got {rng!r}.")


@contextmanager
def _few_threads(device: torch.device):
    """Run tiny networks on one CPU thread: on a busy machine that is several times faster
    than splitting each small matrix product across threads. The setting is restored."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
        n = _positive_int(n, "n")
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


# ------------------------------------------------------------------------------ losses


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss, :math:`-V`: binary cross-entropy with real = 1, fake = 0.

    Both inputs are logits (before the sigmoid); the result is
    ``-(mean log D(x) + mean log(1 - D(G(z))))``.

    Examples
    --------
    >>> import torch
    >>> round(float(discriminator_loss(torch.zeros(4), torch.zeros(4))), 4)  # log 4
    1.3863
    """
    ones, zeros = torch.ones_like(real_logits), torch.zeros_like(fake_logits)
    return F.binary_cross_entropy_with_logits(
        real_logits, ones
    ) + F.binary_cross_entropy_with_logits(fake_logits, zeros)


def generator_loss(fake_logits: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """The generator's loss from the discriminator's logits on generated samples.

    ``"saturating"`` minimises :math:`E[\\log(1 - D(G(z)))]`, the generator's own term of
    the value function. ``"non_saturating"`` minimises :math:`-E[\\log D(G(z))]`, which has
    the same fixed point but strong gradients when ``D(G(z))`` is near 0
    (Goodfellow et al., 2014).

    Examples
    --------
    >>> import torch
    >>> logits = torch.tensor([-5.0])  # D is sure the sample is fake
    >>> round(float(generator_loss(logits, "saturating")), 4)
    -0.0067
    >>> round(float(generator_loss(logits, "non_saturating")), 4)
    5.0067
    """
    if kind == "non_saturating":
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    if kind == "saturating":
        return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    raise ValueError(f"Unknown generator loss {kind!r}; choose from {GENERATOR_LOSSES}.")


# ------------------------------------------------------------------------------ the GAN


class GAN1D:
    """A small GAN for one-dimensional data, in scikit-learn style: set up, ``fit``, ``sample``.

    The generator maps ``noise_dim`` standard-normal numbers to one value; the
    discriminator maps one value to a logit. Both are :func:`~tabgen_lib.models.mlp`
    networks trained with Adam. Each training step first updates the discriminator
    ``d_steps`` times on a batch of real and a batch of generated samples, then updates
    the generator once through the (updated) discriminator.

    Parameters
    ----------
    noise_dim : int
        Size of the noise vector :math:`z`.
    hidden : sequence of int
        Hidden layer widths of both networks.
    lr, d_lr : float
        Learning rates of the generator and the discriminator (``d_lr`` defaults to ``lr``).
    loss : {"non_saturating", "saturating"}
        The generator's loss, see :func:`generator_loss`.
    batch_size : int
        Real and generated samples per step (each).
    d_steps : int
        Discriminator updates per generator update.
    activation : str
        Hidden activation, a key of :data:`tabgen_lib.models.ACTIVATIONS`.
    betas : (float, float)
        Adam's moment coefficients; ``(0.5, 0.999)`` is the usual choice for GANs.
    seed : int, optional
        Makes ``fit`` reproducible (initial weights, noise and data batches) without
        touching the global random state. ``None`` draws a seed from PyTorch's global
        generator, so :func:`~tabgen_lib.runtime.set_seed` governs it.
    device : optional
        Where to train; defaults to :func:`~tabgen_lib.runtime.get_device`.

    Attributes (after ``fit``)
    --------------------------
    generator_, discriminator_ : torch.nn.Module
    history_ : dict of lists
        Per step: ``"d_loss"``, ``"g_loss"``, ``"value"`` (the minibatch estimate of
        :math:`V(D, G)` on the discriminator's last batch, i.e. ``-d_loss``), ``"d_real"``
        and ``"d_fake"`` (mean :math:`D` on the real and on the generated batch).
    snapshots_ : dict of int -> ndarray
        Generated samples recorded after the steps listed in ``fit(snapshot_steps=...)``
        (step 0 is the untrained generator).

    Examples
    --------
    >>> target = GaussianMixture1D(means=[0.0], stds=[1.0])
    >>> gan = GAN1D(hidden=(16,), seed=0, device="cpu").fit(target, steps=50, progress=False)
    >>> gan.sample(5).shape, len(gan.history_["value"])
    ((5,), 50)
    """

    def __init__(
        self,
        noise_dim: int = 1,
        hidden: Sequence[int] = (32, 32),
        lr: float = 1e-3,
        d_lr: float | None = None,
        loss: str = "non_saturating",
        batch_size: int = 256,
        d_steps: int = 1,
        activation: str = "leaky_relu",
        betas: tuple[float, float] = (0.5, 0.999),
        seed: int | None = None,
        device=None,
    ):
        self.noise_dim = noise_dim
        self.hidden = hidden
        self.lr = lr
        self.d_lr = d_lr
        self.loss = loss
        self.batch_size = batch_size
        self.d_steps = d_steps
        self.activation = activation
        self.betas = betas
        self.seed = seed
        self.device = device

    def __repr__(self) -> str:
        return (
            f"GAN1D(noise_dim={self.noise_dim}, hidden={tuple(self.hidden)}, lr={self.lr}, "
            f"d_lr={self.d_lr}, loss={self.loss!r}, batch_size={self.batch_size}, "
            f"d_steps={self.d_steps}, seed={self.seed})"
        )

    # -- setup -------------------------------------------------------------------------

    def _validate(self):
        _positive_int(self.noise_dim, "noise_dim")
        _positive_int(self.batch_size, "batch_size")
        _positive_int(self.d_steps, "d_steps")
        _positive_float(self.lr, "lr")
        if self.d_lr is not None:
            _positive_float(self.d_lr, "d_lr")
        if self.loss not in GENERATOR_LOSSES:
            raise ValueError(f"Unknown loss {self.loss!r}; choose from {GENERATOR_LOSSES}.")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0
        ):
            raise ValueError(f"seed must be a non-negative integer or None, got {self.seed!r}.")

    def _build(self):
        self._validate()
        seed = self.seed if self.seed is not None else int(torch.randint(0, 2**31 - 1, ()))
        self._device = get_device() if self.device is None else torch.device(self.device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.generator_ = mlp(self.noise_dim, self.hidden, 1, activation=self.activation).to(
                self._device
            )
            self.discriminator_ = mlp(1, self.hidden, 1, activation=self.activation).to(
                self._device
            )
        self._noise_gen = torch.Generator().manual_seed(seed)
        # snapshots draw their own noise, so recording them leaves training unchanged
        self._snapshot_gen = torch.Generator().manual_seed(seed + 1)
        self._data_rng = np.random.default_rng(seed)
        d_lr = self.lr if self.d_lr is None else self.d_lr
        self.g_optimizer_ = torch.optim.Adam(
            self.generator_.parameters(), lr=self.lr, betas=self.betas, foreach=True
        )
        self.d_optimizer_ = torch.optim.Adam(
            self.discriminator_.parameters(), lr=d_lr, betas=self.betas, foreach=True
        )

    def _noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        generator = self._noise_gen if generator is None else generator
        return torch.randn(n, self.noise_dim, generator=generator).to(self._device)

    def _real_batch(self, target) -> torch.Tensor:
        if isinstance(target, np.ndarray):
            batch = target[self._data_rng.integers(0, len(target), size=self.batch_size)]
        else:
            batch = target.sample(self.batch_size, rng=self._data_rng)
        return torch.as_tensor(batch, dtype=torch.float32).reshape(-1, 1).to(self._device)

    @staticmethod
    def _check_target(target):
        if hasattr(target, "sample") and callable(target.sample):
            return target
        if isinstance(target, str | bytes) or not hasattr(target, "__len__"):
            raise TypeError(
                "target must be an object with a sample(n, rng) method "
                "(e.g. GaussianMixture1D) or an array of real 1-D values."
            )
        data = as_1d_array(target, "target")
        if data.size < 2:
            raise ValueError("target needs at least two real values.")
        return data

    def _check_fitted(self):
        if not hasattr(self, "generator_"):
            raise RuntimeError("This GAN1D is not fitted yet: call fit(target) first.")

    # -- training ----------------------------------------------------------------------

    def _d_step(self, target):
        real = self._real_batch(target)
        with torch.no_grad():
            fake = self.generator_(self._noise(self.batch_size))
        real_logits, fake_logits = self.discriminator_(real), self.discriminator_(fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        self.d_optimizer_.zero_grad()
        d_loss.backward()
        self.d_optimizer_.step()
        return d_loss, real_logits, fake_logits

    def fit(
        self,
        target,
        steps: int = 2000,
        *,
        snapshot_steps: Sequence[int] = (),
        n_snapshot: int = 2000,
        progress: bool = True,
        desc: str = "GAN training",
    ) -> GAN1D:
        """Train both networks for ``steps`` steps; return ``self``.

        Parameters
        ----------
        target : GaussianMixture1D, any object with ``sample(n, rng)``, or array-like
            The real data: fresh batches are drawn from a distribution, or resampled
            (with replacement) from an array of values.
        steps : int
            Number of training steps (one generator update each).
        snapshot_steps : sequence of int
            After which steps to record ``n_snapshot`` generated samples in
            ``snapshots_`` (0 records the untrained generator). Snapshots draw their
            noise from a generator of their own, so they do not change the training.
        progress : bool
            Show a tqdm progress bar.
        """
        target = self._check_target(target)
        steps = _positive_int(steps, "steps")
        n_snapshot = _positive_int(n_snapshot, "n_snapshot")
        snapshot_steps = sorted({int(s) for s in snapshot_steps})
        if any(s < 0 or s > steps for s in snapshot_steps):
            raise ValueError(f"snapshot_steps must lie between 0 and steps={steps}.")
        self._build()
        with _few_threads(self._device):
            self._train(target, steps, snapshot_steps, n_snapshot, progress, desc)
        return self

    def _train(self, target, steps, snapshot_steps, n_snapshot, progress, desc):
        self.history_ = {k: [] for k in ("d_loss", "g_loss", "value", "d_real", "d_fake")}
        self.snapshots_ = {}
        if 0 in snapshot_steps:
            self.snapshots_[0] = self._sample(n_snapshot, self._snapshot_gen)
        # progress=False hides the bar; otherwise tqdm's own settings apply (TQDM_DISABLE=1)
        hide = {} if progress else {"disable": True}
        bar = tqdm(range(1, steps + 1), desc=desc, mininterval=0.5, **hide)
        for step in bar:
            self.generator_.train()
            self.discriminator_.train()
            for _ in range(self.d_steps):
                d_loss, real_logits, fake_logits = self._d_step(target)
            fake_logits_g = self.discriminator_(self.generator_(self._noise(self.batch_size)))
            g_loss = generator_loss(fake_logits_g, self.loss)
            self.g_optimizer_.zero_grad()
            g_loss.backward()
            self.g_optimizer_.step()

            h = self.history_
            h["d_loss"].append(d_loss.item())
            h["g_loss"].append(g_loss.item())
            h["value"].append(-d_loss.item())
            h["d_real"].append(torch.sigmoid(real_logits).mean().item())
            h["d_fake"].append(torch.sigmoid(fake_logits).mean().item())
            if step in snapshot_steps:
                self.snapshots_[step] = self._sample(n_snapshot, self._snapshot_gen)
            if progress and step % 100 == 0:
                bar.set_postfix(d_loss=f"{h['d_loss'][-1]:.3f}", g_loss=f"{h['g_loss'][-1]:.3f}")

    def fit_discriminator(self, target, steps: int = 1000, *, progress: bool = False) -> GAN1D:
        """Train only the discriminator, against the current (frozen) generator.

        This is the inner maximisation of the minimax game: for a fixed generator the
        discriminator approaches :func:`optimal_discriminator`. ``history_`` is left as is.
        """
        self._check_fitted()
        target = self._check_target(target)
        steps = _positive_int(steps, "steps")
        self.discriminator_.train()
        with _few_threads(self._device):
            hide = {} if progress else {"disable": True}
            for _ in tqdm(range(steps), desc="D only", mininterval=0.5, **hide):
                self._d_step(target)
        return self

    # -- using the trained model ---------------------------------------------------------

    def sample(self, n: int) -> np.ndarray:
        """Draw ``n`` generated values (a 1-D NumPy array)."""
        self._check_fitted()
        return self._sample(_positive_int(n, "n"), self._noise_gen)

    def _sample(self, n: int, generator: torch.Generator) -> np.ndarray:
        self.generator_.eval()
        with torch.no_grad():
            return self.generator_(self._noise(n, generator)).cpu().numpy().ravel()

    def discriminate(self, x) -> np.ndarray:
        """The discriminator's probability :math:`D(x)` that each value of ``x`` is real."""
        self._check_fitted()
        x = torch.as_tensor(as_1d_array(x, "x"), dtype=torch.float32).reshape(-1, 1)
        self.discriminator_.eval()
        with torch.no_grad():
            return torch.sigmoid(self.discriminator_(x.to(self._device))).cpu().numpy().ravel()

    def copy(self) -> GAN1D:
        """An independent deep copy (e.g. to keep a generator from the middle of training)."""
        return copy.deepcopy(self)
