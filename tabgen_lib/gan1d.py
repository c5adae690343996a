"""A generative adversarial network in one dimension, and the theory to check it against.

- :class:`GAN1D` -- a small GAN (two :func:`~tabgen_lib.models.mlp`), ``fit`` then ``sample``
- :func:`discriminator_loss`, :func:`generator_loss` -- the two players' losses from logits

The theory it is checked against lives in :mod:`tabgen_lib.gan1d_theory` and is importable
from here too: :class:`GaussianMixture1D` (a target with a known density),
:func:`value_function`, :func:`optimal_discriminator`, :func:`jensen_shannon`,
:func:`kde_density`.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch.nn import functional as F
from tqdm.auto import tqdm

from .gan1d_theory import (
    GaussianMixture1D,
    jensen_shannon,
    kde_density,
    optimal_discriminator,
    value_function,
)
from .models import mlp
from .runtime import get_device
from .validation import (
    as_1d_array,
    check_fitted,
    check_float,
    check_int,
    check_random_state,
    forked_torch_rng,
    positive_float,
    positive_int,
    torch_generator,
)

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
    if not isinstance(kind, str):
        raise TypeError(f"kind must be one of {GENERATOR_LOSSES} (a str), got {kind!r}.")
    if kind == "non_saturating":
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    if kind == "saturating":
        return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    raise ValueError(f"Unknown generator loss {kind!r}; choose from {GENERATOR_LOSSES}.")


# ------------------------------------------------------------------------------ the GAN


class GAN1D(BaseEstimator):
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
    random_state : int, optional
        Seed of everything random in ``fit`` and ``sample``: the initial weights, the noise
        and the data batches, drawn from generators the model owns, so the caller's global
        random state is left alone. The same ``random_state`` gives the same model and the
        same samples; ``None`` draws a fresh seed at every ``fit``.
    device : optional
        Where to train; defaults to :func:`~tabgen_lib.runtime.get_device`.
    seed : int, optional
        Deprecated: the old name of ``random_state``; it still works, with a
        ``FutureWarning``.

    Attributes (after ``fit``)
    --------------------------
    generator_, discriminator_ : torch.nn.Module
    g_optimizer_, d_optimizer_ : torch.optim.Adam
    device_ : torch.device
        Where the networks live.
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
    >>> gan = GAN1D(hidden=(16,), random_state=0, device="cpu")
    >>> gan = gan.fit(target, steps=50, progress=False)
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
        random_state: int | None = None,
        device=None,
        seed="deprecated",
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
        self.random_state = random_state
        self.device = device
        self.seed = seed

    # -- setup -------------------------------------------------------------------------

    def _seed(self) -> int:
        """The seed of this fit: ``random_state``, or the deprecated ``seed``."""
        if isinstance(self.seed, str) and self.seed == "deprecated":
            return check_random_state(self.random_state)
        warnings.warn(
            "GAN1D(seed=...) is deprecated: write GAN1D(random_state=...) instead (same meaning).",
            FutureWarning,
            stacklevel=4,  # the line that called fit
        )
        if self.random_state is not None:
            raise ValueError("Give random_state only (seed is its old name), not both.")
        return check_random_state(self.seed)

    def _validate(self):
        positive_int(self.noise_dim, "noise_dim")
        positive_int(self.batch_size, "batch_size")
        positive_int(self.d_steps, "d_steps")
        positive_float(self.lr, "lr")
        if self.d_lr is not None:
            positive_float(self.d_lr, "d_lr")
        if isinstance(self.hidden, str) or not isinstance(self.hidden, Sequence):
            raise TypeError(
                f"hidden must be a list of layer widths, e.g. (32, 32), got {self.hidden!r}."
            )
        for i, width in enumerate(self.hidden):
            positive_int(width, f"hidden[{i}]")
        if not isinstance(self.loss, str):
            raise TypeError(f"loss must be one of {GENERATOR_LOSSES} (a str), got {self.loss!r}.")
        if self.loss not in GENERATOR_LOSSES:
            raise ValueError(f"Unknown loss {self.loss!r}; choose from {GENERATOR_LOSSES}.")
        if (
            isinstance(self.betas, str)
            or not isinstance(self.betas, Sequence)
            or len(self.betas) != 2
        ):
            raise TypeError(f"betas must be two numbers, e.g. (0.5, 0.999), got {self.betas!r}.")
        for i, beta in enumerate(self.betas):
            check_float(beta, f"betas[{i}]", min_value=0, max_value=1, include_max=False)

    def _build(self):
        self._validate()
        seed = self._seed()
        self.device_ = get_device(self.device)
        # initial weights: PyTorch's global generator, forked and seeded, then restored
        with forked_torch_rng(seed):
            self.generator_ = mlp(self.noise_dim, self.hidden, 1, activation=self.activation)
            self.discriminator_ = mlp(1, self.hidden, 1, activation=self.activation)
        self.generator_.to(self.device_)
        self.discriminator_.to(self.device_)
        # the model's own generators: training noise, snapshot noise, real-data batches
        self.noise_rng_ = torch_generator(seed)
        self.snapshot_rng_ = torch_generator(seed + 1)  # snapshots leave training unchanged
        self.data_rng_ = np.random.default_rng(seed)
        d_lr = self.lr if self.d_lr is None else self.d_lr
        self.g_optimizer_ = torch.optim.Adam(
            self.generator_.parameters(), lr=self.lr, betas=tuple(self.betas), foreach=True
        )
        self.d_optimizer_ = torch.optim.Adam(
            self.discriminator_.parameters(), lr=d_lr, betas=tuple(self.betas), foreach=True
        )

    def _noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        generator = self.noise_rng_ if generator is None else generator
        return torch.randn(n, self.noise_dim, generator=generator).to(self.device_)

    def _real_batch(self, target) -> torch.Tensor:
        if isinstance(target, np.ndarray):
            batch = target[self.data_rng_.integers(0, len(target), size=self.batch_size)]
        else:
            batch = target.sample(self.batch_size, rng=self.data_rng_)
        return torch.as_tensor(batch, dtype=torch.float32).reshape(-1, 1).to(self.device_)

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
        n_snapshot : int
            Samples per snapshot.
        progress : bool
            Show a tqdm progress bar.
        desc : str
            The progress bar's label.
        """
        target = self._check_target(target)
        steps = positive_int(steps, "steps")
        n_snapshot = positive_int(n_snapshot, "n_snapshot")
        if isinstance(snapshot_steps, str) or not isinstance(snapshot_steps, Sequence):
            raise TypeError(f"snapshot_steps must be a list of steps, got {snapshot_steps!r}.")
        snapshot_steps = sorted(
            {
                check_int(s, "each of snapshot_steps", min_value=0, max_value=steps)
                for s in snapshot_steps
            }
        )
        self._build()
        with _few_threads(self.device_):
            self._train(target, steps, snapshot_steps, n_snapshot, progress, desc)
        return self

    def _train(self, target, steps, snapshot_steps, n_snapshot, progress, desc):
        self.history_ = {k: [] for k in ("d_loss", "g_loss", "value", "d_real", "d_fake")}
        self.snapshots_ = {}
        if 0 in snapshot_steps:
            self.snapshots_[0] = self._sample(n_snapshot, self.snapshot_rng_)
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
                self.snapshots_[step] = self._sample(n_snapshot, self.snapshot_rng_)
            if progress and step % 100 == 0:
                bar.set_postfix(d_loss=f"{h['d_loss'][-1]:.3f}", g_loss=f"{h['g_loss'][-1]:.3f}")

    def fit_discriminator(self, target, steps: int = 1000, *, progress: bool = False) -> GAN1D:
        """Train only the discriminator, against the current (frozen) generator.

        This is the inner maximisation of the minimax game: for a fixed generator the
        discriminator approaches :func:`optimal_discriminator`. ``history_`` is left as is.
        """
        check_fitted(self, "generator_")
        target = self._check_target(target)
        steps = positive_int(steps, "steps")
        self.discriminator_.train()
        with _few_threads(self.device_):
            hide = {} if progress else {"disable": True}
            for _ in tqdm(range(steps), desc="D only", mininterval=0.5, **hide):
                self._d_step(target)
        return self

    # -- using the trained model ---------------------------------------------------------

    def sample(self, n: int) -> np.ndarray:
        """Draw ``n`` generated values (a 1-D NumPy array).

        The noise comes from the model's own generator, which continues where training
        left it: two models fitted with the same ``random_state`` give the same samples.
        """
        check_fitted(self, "generator_")
        return self._sample(positive_int(n, "n"), self.noise_rng_)

    def _sample(self, n: int, generator: torch.Generator) -> np.ndarray:
        self.generator_.eval()
        with torch.no_grad():
            return self.generator_(self._noise(n, generator)).cpu().numpy().ravel()

    def discriminate(self, x) -> np.ndarray:
        """The discriminator's probability :math:`D(x)` that each value of ``x`` is real."""
        check_fitted(self, "discriminator_")
        x = torch.as_tensor(as_1d_array(x, "x"), dtype=torch.float32).reshape(-1, 1)
        self.discriminator_.eval()
        with torch.no_grad():
            return torch.sigmoid(self.discriminator_(x.to(self.device_))).cpu().numpy().ravel()

    def copy(self) -> GAN1D:
        """An independent deep copy (e.g. to keep a generator from the middle of training)."""
        return copy.deepcopy(self)
