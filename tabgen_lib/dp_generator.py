"""A generator with a differential-privacy guarantee: :class:`DPAEDiffusion`.

The course's latent generators (:mod:`tabgen_lib.autoencoder_stage`) learn from real rows in
two places: the **autoencoder** (Stage 1) and the **latent model** (Stage 2), which sees the
real rows' embeddings. Here both train with **DP-SGD** (Abadi et al. 2016), through Opacus's
``GradSampleModule`` (per-sample gradients) and ``DPOptimizer`` (clipping and noise) -- the
operations that :mod:`tabgen_lib.dp` writes out from scratch:

1. every step draws a **Poisson batch**: each of the :math:`n` rows joins with probability
   :math:`q = B / n` (:func:`tabgen_lib.dp.poisson_batch`);
2. each row's gradient is **clipped** to norm :math:`C` (``max_grad_norm``);
3. the clipped gradients are summed, **Gaussian noise** :math:`\\mathcal N(0, \\sigma^2 C^2 I)`
   is added and the sum divided by :math:`B`; Adam takes the step (what Adam does with a
   private gradient is post-processing: it costs no privacy).

Stage 2 is a latent **diffusion** model (the denoiser of
:class:`~tabgen_lib.latent_diffusion.AEDiffusion`): its loss is a sum over rows, one noisy
embedding per row, so it has per-sample gradients. A latent GAN's critic, trained with
DP-SGD on the same embeddings with the same budget, was measured too (insurance,
:math:`\varepsilon = 3`, three seeds): a random forest told its rows from real ones almost
perfectly on every seed, and on some it lost the smokers or the spread of the charges; the
denoiser's rows were harder to detect and more useful (efficacy), and without noise the
two were alike.

**The guarantee.** Both stages use the same :math:`q` and the same noise multiplier
:math:`\\sigma`, so the pipeline is one sampled Gaussian mechanism run
:math:`T = T_1 + T_2` times (``ae_steps + diffusion_steps``). The Rényi DP of the stages
adds up (:func:`tabgen_lib.dp.epsilon_for_stages`), and :math:`\\sigma` is chosen by
:func:`tabgen_lib.dp.noise_for_epsilon` so that the whole run spends at most ``epsilon`` at
:math:`\\delta = 1/n` (or the ``delta`` given). Everything afterwards -- encoding the rows
with the private encoder, sampling, decoding -- is post-processing of private networks
and costs nothing more, **except** what the model reads from the rows directly:

* **The domain.** Rows are encoded by :class:`~tabgen_lib.dp_domain.DomainEncoder`:
  continuous columns scaled linearly from ``[low, high]`` to :math:`[-1, 1]` (clipped),
  discrete columns one-hot over a list of categories. Pass them as ``domain`` from public
  knowledge (a data dictionary: ages 18 to 64). Without ``domain`` they are read from the
  rows (:func:`~tabgen_lib.dp_domain.domain_of`) and are **outside the guarantee**: the
  minimum and maximum of a column are two real people's exact values, a category seen
  once reveals that person, and both appear in the synthetic rows. ``domain_is_public_``
  records which case a model is in.
* Nothing else: no quantiles, no snapping to observed values, no early stopping on real
  validation rows, no standardization of the embeddings (they lie in :math:`[-1, 1]`,
  the encoder's Tanh, and DDIM clips to that box), and no filter of copies of training
  rows (:mod:`tabgen_lib.copy_filter`: it would compare the samples with the members),
  unlike the non-private generators.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> table = pd.DataFrame({"x": rng.normal(size=300).round(2),
...                       "colour": rng.choice(["red", "blue"], size=300)})
>>> domain = {"x": (-4.0, 4.0), "colour": ["blue", "red"]}  # public knowledge
>>> model = DPAEDiffusion(epsilon=3.0, domain=domain, ae_steps=60, diffusion_steps=60,
...                       random_state=0, verbose=False).fit(table, ["colour"])
>>> model.epsilon_ <= 3.0, model.delta_ == 1 / 300, model.domain_is_public_
(True, True, True)
>>> list(model.sample(4).columns)
['x', 'colour']
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from tqdm.auto import tqdm

from . import validation
from .autoencoder_stage import _bar
from .dp import epsilon_for_stages, noise_for_epsilon, poisson_batch
from .dp_domain import DomainEncoder, domain_of
from .latent_diffusion import ddim_sample, linear_schedule
from .models import Autoencoder, Denoiser

__all__ = ["DPAEDiffusion", "domain_of", "train_private"]


# ---------------------------------------------------------------------------- DP-SGD


def train_private(
    module: torch.nn.Module,
    row_losses,
    n_rows: int,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    noise_multiplier: float,
    max_grad_norm: float,
    rng: torch.Generator,
    desc: str = "DP-SGD",
    progress: bool = False,
) -> list:
    """Train ``module`` with DP-SGD (Adam on the private gradient) for ``steps`` steps.

    Every step draws a Poisson batch of the ``n_rows`` rows (sample rate ``batch_size /
    n_rows``) from ``rng`` and calls ``row_losses(rows)``, which returns one loss per row of
    the batch (drawing any noise it needs from ``rng``); Opacus computes the per-row
    gradients of their sum, clips each to ``max_grad_norm``, adds noise of standard
    deviation ``noise_multiplier * max_grad_norm`` (also from ``rng``) and divides by
    ``batch_size``. Afterwards the module is in eval mode and frozen. Returns the mean loss
    of every step (NaN for an empty batch, which adds noise only).
    """
    from opacus import GradSampleModule
    from opacus.optimizers import DPOptimizer

    private = GradSampleModule(module, loss_reduction="sum")  # per-sample gradients by hooks
    optimizer = DPOptimizer(
        torch.optim.Adam(module.parameters(), lr=lr),
        noise_multiplier=noise_multiplier,
        max_grad_norm=max_grad_norm,
        expected_batch_size=batch_size,
        generator=rng,
    )
    losses = []
    private.train()
    with warnings.catch_warnings():
        # Opacus's hooks need the gradient at each layer's output, not at the data
        warnings.filterwarnings("ignore", message="Full backward hook is firing")
        for _ in tqdm(range(steps), desc=desc, **_bar(progress)):
            rows = poisson_batch(n_rows, batch_size / n_rows, rng)
            optimizer.zero_grad()
            loss = row_losses(rows)
            loss.sum().backward()
            optimizer.step()
            losses.append(float(loss.detach().mean()) if len(rows) else math.nan)
    private._close()  # removes Opacus's hooks and per-sample gradients
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return losses


# ---------------------------------------------------------------------------- the model


class DPAEDiffusion(BaseEstimator):
    """Autoencoder + latent diffusion, both trained with DP-SGD: an (epsilon, delta)-DP
    generator with ctgan's ``fit`` / ``sample`` interface.

    A scikit-learn estimator (the constructor only stores its arguments).

    Parameters
    ----------
    epsilon : float or None
        The privacy budget of the whole fit (> 0); the noise multiplier is chosen to spend
        at most this much. ``None``: no noise (clipping only) and no guarantee, the same
        model without privacy, for comparison.
    delta : float or None
        :math:`\\delta` in (0, 1); ``None`` takes :math:`1/n` for :math:`n` training rows.
    domain : dict or None
        ``{column: (low, high)}`` for continuous and ``{column: [categories]}`` for
        discrete columns, from public knowledge; ``None`` reads it from the rows
        (:func:`domain_of`), which is **outside the guarantee** (module docstring).
    max_grad_norm : float
        Clipping norm :math:`C` of every row's gradient.
    batch_size : int
        Expected batch size :math:`B` of the Poisson batches (at most the number of rows).
    ae_steps, diffusion_steps : int
        DP-SGD steps of the autoencoder and of the denoiser (no early stopping).
    ae_lr, diffusion_lr : float
        Adam's learning rates.
    latent_dim, ae_hidden : int, sequence of int
        The autoencoder (:class:`~tabgen_lib.models.Autoencoder`).
    latent_noise : float
        Standard deviation of the noise added to the embeddings while the autoencoder
        trains (its decoder learns to decode imperfect embeddings).
    denoiser_hidden, time_dim, n_timesteps, sampling_steps : ...
        The denoiser (:class:`~tabgen_lib.models.Denoiser`), the :math:`T` steps of the
        forward process and the DDIM steps of sampling, as in
        :class:`~tabgen_lib.latent_diffusion.AEDiffusion`.
    random_state : int or None
        Seeds the initial weights, batches, DP noise and ``sample_rng_``; the caller's
        global random state is never changed.
    verbose : bool
        Progress bars.

    Attributes
    ----------
    epsilon_, delta_ : float
        The privacy spent by the fit (``inf`` without noise) at ``delta_``.
    noise_multiplier_, sample_rate_ : float
        :math:`\\sigma` and :math:`q` of both stages.
    stages_ : list of tuple
        ``(noise_multiplier, sample_rate, steps)`` of each stage, as the accountant saw them.
    encoder_ : DomainEncoder
        Rows to numbers and back on the domain.
    domain_, domain_is_public_, columns_ : dict, bool, list
        The domain used, whether it was given (``True``) or read from the rows, and the
        table's columns.
    autoencoder_, denoiser_, alpha_bar_, history_, sample_rng_ : ...
        The networks, the noise schedule, the per-step losses and the sampling generator.
    """

    def __init__(
        self,
        epsilon: float | None = 3.0,
        delta: float | None = None,
        domain: dict | None = None,
        max_grad_norm: float = 1.0,
        batch_size: int = 128,
        ae_steps: int = 1500,
        diffusion_steps: int = 3000,
        ae_lr: float = 2e-3,
        diffusion_lr: float = 2e-3,
        latent_dim: int = 8,
        ae_hidden=(64,),
        latent_noise: float = 0.05,
        denoiser_hidden=(128, 128),
        time_dim: int = 16,
        n_timesteps: int = 1000,
        sampling_steps: int = 50,
        random_state: int | None = None,
        verbose: bool = True,
    ):
        self.epsilon = epsilon
        self.delta = delta
        self.domain = domain
        self.max_grad_norm = max_grad_norm
        self.batch_size = batch_size
        self.ae_steps = ae_steps
        self.diffusion_steps = diffusion_steps
        self.ae_lr = ae_lr
        self.diffusion_lr = diffusion_lr
        self.latent_dim = latent_dim
        self.ae_hidden = ae_hidden
        self.latent_noise = latent_noise
        self.denoiser_hidden = denoiser_hidden
        self.time_dim = time_dim
        self.n_timesteps = n_timesteps
        self.sampling_steps = sampling_steps
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        if self.epsilon is not None:
            validation.check_float(self.epsilon, "epsilon", min_value=0, include_min=False)
        if self.delta is not None:
            validation.check_float(
                self.delta,
                "delta",
                min_value=0,
                max_value=1,
                include_min=False,
                include_max=False,
            )
        for name in ("max_grad_norm", "ae_lr", "diffusion_lr"):
            validation.positive_float(getattr(self, name), name)
        validation.check_float(self.latent_noise, "latent_noise", min_value=0)
        for name in (
            "batch_size",
            "ae_steps",
            "diffusion_steps",
            "latent_dim",
            "time_dim",
            "n_timesteps",
            "sampling_steps",
        ):
            validation.positive_int(getattr(self, name), name)
        if self.sampling_steps > self.n_timesteps:
            raise ValueError(
                f"sampling_steps={self.sampling_steps} is more than n_timesteps={self.n_timesteps}."
            )
        for name in ("ae_hidden", "denoiser_hidden"):
            widths = getattr(self, name)
            if isinstance(widths, str) or not hasattr(widths, "__iter__") or not list(widths):
                raise TypeError(f"{name} must be a non-empty list of layer widths, e.g. (64,).")
            for i, width in enumerate(widths):
                validation.positive_int(width, f"{name}[{i}]")
        if not isinstance(self.verbose, bool):
            raise TypeError(f"verbose must be True or False, got {self.verbose!r}.")

    # ------------------------------------------------------------------ fit
    def fit(self, data, discrete_columns=()):
        """Train both stages with DP-SGD on ``data``; the privacy spent is in ``epsilon_``.

        Parameters
        ----------
        data : pandas.DataFrame
            The training table (continuous columns numeric and complete).
        discrete_columns : list of column names
            The discrete columns; every other column is continuous.

        Returns
        -------
        self
        """
        self._check_params()
        seed = validation.check_random_state(self.random_state)
        discrete = validation.check_table(data, discrete_columns)
        self.domain_is_public_ = self.domain is not None
        domain = self.domain if self.domain_is_public_ else domain_of(data, discrete)
        self.encoder_ = DomainEncoder(domain, discrete).fit(data)
        self.domain_, self.columns_ = self.encoder_.domain_, self.encoder_.columns_
        x = torch.as_tensor(self.encoder_.transform(data))

        n = len(x)
        batch = min(self.batch_size, n)
        self.delta_ = 1.0 / n if self.delta is None else float(self.delta)
        self.sample_rate_ = batch / n
        total = self.ae_steps + self.diffusion_steps
        self.noise_multiplier_ = (
            0.0
            if self.epsilon is None
            else noise_for_epsilon(self.epsilon, self.delta_, self.sample_rate_, total)
        )
        self.stages_ = [
            (self.noise_multiplier_, self.sample_rate_, self.ae_steps),
            (self.noise_multiplier_, self.sample_rate_, self.diffusion_steps),
        ]
        no_noise = self.noise_multiplier_ == 0  # no privacy at all
        self.epsilon_ = math.inf if no_noise else epsilon_for_stages(self.stages_, self.delta_)

        init_seed, train_seed, sample_seed = np.random.SeedSequence(seed).generate_state(3)
        rng = validation.torch_generator(int(train_seed))
        settings = dict(
            batch_size=batch,
            noise_multiplier=self.noise_multiplier_,
            max_grad_norm=self.max_grad_norm,
            rng=rng,
            progress=self.verbose,
        )
        with validation.forked_torch_rng(int(init_seed)):  # initial weights
            spans = self.encoder_.spans_
            self.autoencoder_ = Autoencoder(spans, self.latent_dim, list(self.ae_hidden))
            self.denoiser_ = Denoiser(self.latent_dim, list(self.denoiser_hidden), 0, self.time_dim)
        self.alpha_bar_ = linear_schedule(self.n_timesteps)

        ae, sigma = self.autoencoder_, self.latent_noise

        def reconstruction_losses(rows):  # L_AE of every row of the batch
            xb = x[rows]
            z = ae.encode(xb)
            z = z + sigma * torch.randn(z.shape, generator=rng)
            mse, ce = ae.row_losses(ae.decode(z), xb)
            return mse + ce

        ae_losses = train_private(
            ae,
            reconstruction_losses,
            n,
            steps=self.ae_steps,
            lr=self.ae_lr,
            desc="Stage 1: DP autoencoder",
            **settings,
        )
        with torch.no_grad():
            z0 = ae.encode(x)  # post-processing of the private encoder
        abar = self.alpha_bar_.float()

        def denoising_losses(rows):  # ||eps - eps_theta(z_t, t)||^2 of every row
            t = torch.randint(0, len(abar), (len(rows),), generator=rng)
            eps = torch.randn(len(rows), self.latent_dim, generator=rng)
            a = abar[t, None]
            z_t = a.sqrt() * z0[rows] + (1 - a).sqrt() * eps
            return ((self.denoiser_(z_t, t + 1) - eps) ** 2).mean(dim=1)

        diffusion_losses = train_private(
            self.denoiser_,
            denoising_losses,
            n,
            steps=self.diffusion_steps,
            lr=self.diffusion_lr,
            desc="Stage 2: DP latent diffusion",
            **settings,
        )
        self.history_ = {"ae_loss": ae_losses, "diffusion_loss": diffusion_losses}
        self.sample_rng_ = validation.torch_generator(int(sample_seed))
        return self

    # ------------------------------------------------------------------ sample
    @torch.no_grad()
    def sample(self, n) -> pd.DataFrame:
        """``n`` synthetic rows: DDIM from noise drawn with ``sample_rng_``, then decoded.

        Successive calls give different rows; the sequence of calls is reproducible.
        """
        validation.check_fitted(self, "sample_rng_")
        n = validation.check_int(n, "n", min_value=1)
        noise = torch.randn(n, self.latent_dim, generator=self.sample_rng_)
        box = torch.ones(self.latent_dim)
        z = ddim_sample(
            self.denoiser_,
            noise,
            None,
            alpha_bar=self.alpha_bar_,
            n_steps=self.sampling_steps,
            low=-box,
            high=box,
        )
        return self.encoder_.inverse_transform(self.autoencoder_.decode(z).numpy())

    def __str__(self) -> str:
        """The guarantee in one line (the repr before ``fit``)."""
        if getattr(self, "sample_rng_", None) is None:
            return repr(self)
        domain = "given" if self.domain_is_public_ else "read from the rows: NOT covered"
        return (
            f"DPAEDiffusion: ({self.epsilon_:.3g}, {self.delta_:.3g})-DP over "
            f"{sum(s[2] for s in self.stages_)} DP-SGD steps (noise multiplier "
            f"{self.noise_multiplier_:.3g}, sample rate {self.sample_rate_:.3g}); domain {domain}"
        )
