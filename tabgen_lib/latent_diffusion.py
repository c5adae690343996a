"""Diffusion in the autoencoder's latent space: DDPM training, DDIM sampling (:class:`AEDiffusion`).

Stage 1 is :class:`~tabgen_lib.aegan.AEGAN`'s autoencoder (:mod:`tabgen_lib.autoencoder_stage`);
Stage 2 learns the distribution of the embeddings :math:`z_0 = \\mathrm{enc}(x)` of the
training rows by *denoising* (Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic
Models"), standardized per coordinate first (mean 0, variance 1, the scale the noise has).

**Forward process.** Noise is added in :math:`T` small steps with variances
:math:`\\beta_1 < \\dots < \\beta_T` (linear from :math:`10^{-4}` to :math:`0.02`,
:math:`T = 1000`):

.. math:: q(z_t \\mid z_{t-1}) = \\mathcal N\\big(z_t;\\ \\sqrt{1 - \\beta_t}\\, z_{t-1},\\
          \\beta_t I\\big).

With :math:`\\alpha_t = 1 - \\beta_t` and :math:`\\bar\\alpha_t = \\prod_{s \\le t} \\alpha_s`,
composing Gaussians gives the jump from :math:`z_0` to any step in closed form: if
:math:`z_{t-1} = \\sqrt{\\bar\\alpha_{t-1}} z_0 + \\sqrt{1 - \\bar\\alpha_{t-1}}\\,
\\varepsilon'`, then :math:`z_t = \\sqrt{\\alpha_t \\bar\\alpha_{t-1}} z_0 +
\\sqrt{\\alpha_t (1 - \\bar\\alpha_{t-1})}\\, \\varepsilon' + \\sqrt{1 - \\alpha_t}\\,
\\varepsilon''`, and the two independent noises add up to one of variance
:math:`\\alpha_t - \\bar\\alpha_t + 1 - \\alpha_t = 1 - \\bar\\alpha_t`. So

.. math:: q(z_t \\mid z_0) = \\mathcal N\\big(z_t;\\ \\sqrt{\\bar\\alpha_t}\\, z_0,\\
          (1 - \\bar\\alpha_t) I\\big), \\qquad
          z_t = \\sqrt{\\bar\\alpha_t}\\, z_0 + \\sqrt{1 - \\bar\\alpha_t}\\, \\varepsilon,
          \\quad \\varepsilon \\sim \\mathcal N(0, I).

At :math:`t = T`, :math:`\\bar\\alpha_T \\approx 4 \\cdot 10^{-5}`: :math:`z_T` is
pure noise, whatever :math:`z_0` was.

**Training objective.** The reverse steps :math:`p_\\theta(z_{t-1} \\mid z_t)` are Gaussians
whose mean is written through a network :math:`\\varepsilon_\\theta` that predicts the noise
in :math:`z_t`. The variational bound on :math:`-\\log p_\\theta(z_0)` is a sum of KL
divergences between Gaussians, each a weighted squared error
:math:`\\|\\varepsilon - \\varepsilon_\\theta(z_t, t)\\|^2`; dropping the weights (Ho et al.'s
*simplified* loss, which trained better) leaves

.. math:: L_{simple} = \\mathbb E_{t \\sim U\\{1..T\\},\\ z_0,\\ \\varepsilon}
          \\big\\| \\varepsilon - \\varepsilon_\\theta\\big(\\sqrt{\\bar\\alpha_t} z_0 +
          \\sqrt{1 - \\bar\\alpha_t}\\, \\varepsilon,\\ t\\big) \\big\\|^2:

pick a random step, noise a batch of embeddings in one jump, and regress the noise
(:func:`train_denoiser`; the network is :class:`~tabgen_lib.models.Denoiser`).

**How long to train.** The budget follows the data, as Stage 1's does: at most
``diffusion_steps`` (10,000) Adam steps, with early stopping on the rows Stage 1 held out
(``diffusion_patience``; :func:`train_denoiser`). Measured with the loss every 250 steps
(one seed per table): on the 131 tips rows it fits, the held-out loss is lowest near step
4,000 and then rises; on the low-noise steps (:math:`t < 100`) it ends 30 % above its
minimum at step 10,000 while the training loss there nearly halves -- the denoiser learns
those rows by heart. On the insurance table (about 900 rows fitted) and on Adult the
held-out loss still falls at step 10,000, and the last weights are kept. Early stopping
bounds the overfitting of the loss, not memorisation as a whole: in the benchmark (three
seeds) the distance attack's AUC against the AE-Diffusion fell from 0.593 to 0.568 on tips
and from 0.577 to 0.570 on insurance, still above that against unseen real rows (0.498
and 0.509).

**The learning rate** (``diffusion_lr``) trades fidelity against memorisation. On Adult's
training split cut 80/20 (the tuning split of :mod:`tabgen_lib.autoencoder_stage`, never
the test rows), seeds 0 and 1, 1e-3 gives a detection AUC of 0.691 / 0.659 and a
gradient-boosting efficacy of 0.976 / 0.973; 2e-3 gives 0.680 / 0.647 and 0.976 / 0.975;
4e-3 gives 0.682 / 0.634 and 0.980 / 0.978, at the same cost in time. Run through the
benchmark with 4e-3 (Adult: seeds 0 and 1; the small tables: three seeds), Adult's
detection AUC fell by about 0.01 but its gradient-boosting efficacy did not rise (0.974
and 0.972, against 0.979 and 0.971 with 1e-3), while the denoiser learnt the small
tables' rows faster: on tips it stopped after 3,250-4,750 steps, the distance attack's
AUC rose from 0.568 to 0.599, and one synthetic row of 146 copied a training row (seed
2); on insurance the attack's AUC rose from 0.570 to 0.592. Hence ``diffusion_lr=1e-3``.

**Sampling with DDIM** (Song, Meng & Ermon 2021). From :math:`z_t` the network's noise
estimate gives an estimate of the clean embedding, inverting the closed form,

.. math:: \\hat z_0 = \\frac{z_t - \\sqrt{1 - \\bar\\alpha_t}\\, \\varepsilon_\\theta(z_t, t)}
          {\\sqrt{\\bar\\alpha_t}},

and the deterministic DDIM update (:math:`\\eta = 0`) jumps to an earlier step :math:`s < t`
by putting the *same* noise back at that step's level:

.. math:: z_s = \\sqrt{\\bar\\alpha_s}\\, \\hat z_0 + \\sqrt{1 - \\bar\\alpha_s}\\,
          \\varepsilon_\\theta(z_t, t).

Since the model was trained on the marginals :math:`q(z_t \\mid z_0)` only, the steps need
not be consecutive: ``sampling_steps`` (50) evenly spaced steps from :math:`T` to 1 suffice,
and the last update (:math:`\\bar\\alpha_0 = 1`) returns :math:`\\hat z_0`. Here
:math:`\\hat z_0` is clipped to the range of the training embeddings at every step (the
noise estimate recomputed to match), and the result is un-standardized and decoded.

**Conditional model** (``conditional_on="income"``): the one-hot label is a third input of
the denoiser, :math:`\\varepsilon_\\theta(z_t, t, y)`, and the label column is left out of
the autoencoder as in :class:`~tabgen_lib.aegan.AEGAN` (no classifier-free guidance).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> table = pd.DataFrame({"x": rng.normal(size=200).round(2),
...                       "colour": rng.choice(["red", "blue"], size=200)})
>>> small = dict(ae_hidden=[32], denoiser_hidden=[32], ae_steps=50, diffusion_steps=50,
...              sampling_steps=10, verbose=False)
>>> model = AEDiffusion(**small, random_state=0).fit(table, ["colour"])
>>> fake = model.sample(5)
>>> list(fake.columns), len(fake)
(['x', 'colour'], 5)
>>> again = AEDiffusion(**small, random_state=0).fit(table, ["colour"])
>>> again.sample(5).equals(fake), again.sample(5).equals(fake)  # same seed, then a new draw
(True, False)
"""

from __future__ import annotations

import copy
import math

import torch
from torch.nn import functional as F
from tqdm.auto import tqdm

from . import validation
from .aegan_labels import one_hot
from .autoencoder_stage import _bar
from .latent_base import LatentModel, check_widths
from .models import Denoiser

__all__ = [
    "DIFFUSION_EVAL_EVERY",
    "AEDiffusion",
    "ddim_sample",
    "denoising_loss",
    "linear_schedule",
    "train_denoiser",
    "validation_draws",
]


def linear_schedule(
    n_timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02
) -> torch.Tensor:
    """:math:`\\bar\\alpha_t = \\prod_{s \\le t} (1 - \\beta_s)` for a linear schedule of
    :math:`\\beta` (Ho et al. 2020), as a float64 tensor; index ``t - 1`` holds step ``t``.

    >>> alpha_bar = linear_schedule()
    >>> len(alpha_bar), round(float(alpha_bar[0]), 4), float(alpha_bar[-1]) < 1e-4
    (1000, 0.9999, True)
    """
    betas = torch.linspace(beta_start, beta_end, n_timesteps, dtype=torch.float64)
    return torch.cumprod(1.0 - betas, dim=0)


def _labels(codes, rows, n_labels: int, like: torch.Tensor) -> torch.Tensor | None:
    return None if codes is None else one_hot(codes[rows], n_labels).to(like)


#: Adam steps between two measurements of the denoiser's held-out loss.
DIFFUSION_EVAL_EVERY = 250
#: At least this many (row, step, noise) draws make up the held-out loss.
VALIDATION_DRAWS = 4096


def validation_draws(
    z_val: torch.Tensor, codes_val, n_timesteps: int, rng: torch.Generator
) -> tuple:
    """Fixed draws for the held-out denoising loss: ``(z0, codes, t, eps)``.

    Each held-out embedding is repeated until there are at least :data:`VALIDATION_DRAWS`
    rows, and every repeat gets its own step ``t`` (0-based) and noise, drawn once from
    ``rng``: the same draws at every measurement, so that a change of the loss is the
    network's, not the dice's.

    >>> z0, codes, t, eps = validation_draws(torch.zeros(100, 3), None, 1000,
    ...                                      torch.Generator().manual_seed(0))
    >>> z0.shape, codes, t.shape, bool(t.max() < 1000)
    (torch.Size([4100, 3]), None, torch.Size([4100]), True)
    """
    repeats = -(-VALIDATION_DRAWS // len(z_val))
    z0 = z_val.repeat(repeats, 1)
    codes = None if codes_val is None else codes_val.repeat(repeats)
    t = torch.randint(0, n_timesteps, (len(z0),), generator=rng, device=z0.device)
    eps = torch.randn(z0.shape, generator=rng, device=z0.device)
    return z0, codes, t, eps


@torch.no_grad()
def denoising_loss(denoiser, draws: tuple, alpha_bar: torch.Tensor) -> float:
    """:math:`L_{simple}` of ``denoiser`` on fixed ``draws`` (:func:`validation_draws`)."""
    z0, codes, t, eps = draws
    n_labels = getattr(denoiser, "n_labels", 0)
    a = alpha_bar.to(z0.device, torch.float32)[t, None]
    z_t = a.sqrt() * z0 + (1 - a).sqrt() * eps
    labels = None if codes is None else one_hot(codes, n_labels).to(z0)
    total = 0.0
    for rows in torch.arange(len(z0), device=z0.device).split(8192):
        pred = denoiser(z_t[rows], t[rows] + 1, None if labels is None else labels[rows])
        total += float(((pred - eps[rows]) ** 2).sum())
    return total / eps.numel()


def train_denoiser(
    denoiser,
    z0: torch.Tensor,
    codes: torch.Tensor | None,
    *,
    alpha_bar: torch.Tensor,
    steps: int,
    lr: float,
    batch_size: int,
    rng: torch.Generator,
    z_val: torch.Tensor | None = None,
    codes_val: torch.Tensor | None = None,
    patience: int | None = None,
    progress: bool = False,
) -> dict:
    """Train ``denoiser`` on the (standardized) embeddings ``z0`` with the simplified loss.

    Each of at most ``steps`` Adam steps (learning rate ``lr``, decayed linearly to 0 over
    the ``steps``) draws ``batch_size`` rows, a step :math:`t` and a noise
    :math:`\\varepsilon` per row, forms :math:`z_t = \\sqrt{\\bar\\alpha_t} z_0 +
    \\sqrt{1 - \\bar\\alpha_t}\\, \\varepsilon` and minimises
    :math:`\\|\\varepsilon - \\varepsilon_\\theta(z_t, t, y)\\|^2` (``codes``: the rows'
    label codes, ``None`` for an unconditional model).

    **Early stopping**, as for the autoencoder: with held-out embeddings ``z_val`` (and
    their ``codes_val``), every :data:`DIFFUSION_EVAL_EVERY` steps (and after the last) the
    same loss is measured on them with fixed draws (:func:`validation_draws`); the weights
    of the best measurement are kept, and training stops once ``patience`` steps passed
    without a better one (``None``: never early). Without ``z_val`` the last weights are
    kept.

    Returns ``{"diffusion_step", "diffusion_loss", "diffusion_val_step", "diffusion_val"}``:
    about 100 points of the training loss, each the mean since the previous one, and the
    held-out loss at each measurement (empty without ``z_val``). The denoiser ends in eval
    mode.
    """
    n, device = len(z0), z0.device
    n_labels = getattr(denoiser, "n_labels", 0)
    abar = alpha_bar.to(device, torch.float32)
    opt = torch.optim.Adam(denoiser.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 1.0 - i / steps)
    history: dict[str, list] = {
        "diffusion_step": [],
        "diffusion_loss": [],
        "diffusion_val_step": [],
        "diffusion_val": [],
    }
    held_out = z_val is not None and len(z_val) > 0
    draws = validation_draws(z_val, codes_val, len(abar), rng) if held_out else None
    best, best_state, best_step = math.inf, None, 0
    log_every, running, count = max(1, steps // 100), 0.0, 0
    denoiser.train()
    for step in tqdm(range(1, steps + 1), desc="Stage 2: latent diffusion", **_bar(progress)):
        rows = torch.randint(0, n, (min(batch_size, n),), generator=rng, device=device)
        t = torch.randint(0, len(abar), (len(rows),), generator=rng, device=device)
        eps = torch.randn(len(rows), z0.shape[1], generator=rng, device=device)
        a = abar[t, None]
        z_t = a.sqrt() * z0[rows] + (1 - a).sqrt() * eps
        loss = F.mse_loss(denoiser(z_t, t + 1, _labels(codes, rows, n_labels, z0)), eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        running, count = running + loss.item(), count + 1
        if step % log_every == 0 or step == steps:
            history["diffusion_step"].append(step)
            history["diffusion_loss"].append(running / count)
            running, count = 0.0, 0
        if not held_out or (step % DIFFUSION_EVAL_EVERY and step != steps):
            continue
        denoiser.eval()
        val = denoising_loss(denoiser, draws, abar)
        denoiser.train()
        history["diffusion_val_step"].append(step)
        history["diffusion_val"].append(val)
        if val < best:
            best, best_state, best_step = val, copy.deepcopy(denoiser.state_dict()), step
        if patience is not None and step - best_step >= patience:
            if count:  # the steps since the last point of the training loss
                history["diffusion_step"].append(step)
                history["diffusion_loss"].append(running / count)
            break
    if best_state is not None:
        denoiser.load_state_dict(best_state)
    denoiser.eval()
    return history


@torch.no_grad()
def ddim_sample(
    denoiser,
    noise: torch.Tensor,
    labels: torch.Tensor | None,
    *,
    alpha_bar: torch.Tensor,
    n_steps: int,
    low: torch.Tensor,
    high: torch.Tensor,
) -> torch.Tensor:
    """Deterministic DDIM sampling (:math:`\\eta = 0`) from ``noise`` = :math:`z_T` in
    ``n_steps`` evenly spaced steps; :math:`\\hat z_0` clipped to ``[low, high]`` each step.

    ``labels``: one-hot labels of the rows (``None`` for an unconditional denoiser).
    """
    big_t = len(alpha_bar)
    times = torch.linspace(big_t, 1, n_steps).round().long().unique_consecutive().tolist()
    abar = alpha_bar.to(noise.device, torch.float32)
    z = noise
    for i, t in enumerate(times):
        a_t = abar[t - 1]
        a_s = abar[times[i + 1] - 1] if i + 1 < len(times) else torch.ones_like(a_t)
        steps = torch.full((len(z),), t, device=z.device, dtype=torch.long)
        eps = denoiser(z, steps, labels)
        z0 = torch.clamp((z - (1 - a_t).sqrt() * eps) / a_t.sqrt(), low, high)
        eps = (z - a_t.sqrt() * z0) / (1 - a_t).sqrt()  # the noise that fits the clipped z0
        z = a_s.sqrt() * z0 + (1 - a_s).sqrt() * eps
    return z


class AEDiffusion(LatentModel):
    """Autoencoder + latent DDPM synthesizer with ctgan's ``fit`` / ``sample`` interface.

    A scikit-learn estimator (the constructor only stores its arguments). Stage 1 and its
    settings are :class:`~tabgen_lib.aegan.AEGAN`'s; Stage 2 is a denoising diffusion
    model of the embeddings (module docstring).

    Parameters
    ----------
    diffusion_steps : int
        At most this many Adam steps of the denoiser (a budget in steps, as the
        autoencoder's).
    diffusion_patience : int or None
        Early stopping of the denoiser: the rows Stage 1 held out (``ae_validation``) are
        held out of Stage 2 as well, their denoising loss is measured every
        :data:`DIFFUSION_EVAL_EVERY` steps, the best weights are kept, and training stops
        after ``diffusion_patience`` steps without a better loss. ``None`` (or
        ``ae_validation=0``): the denoiser learns from all rows for ``diffusion_steps``.
    diffusion_lr : float
        The denoiser's initial learning rate, decayed linearly to 0 (module docstring:
        what a larger one does).
    denoiser_hidden : sequence of int
        Hidden widths of the denoiser's MLP.
    time_dim : int
        Size of the sinusoidal timestep embedding.
    n_timesteps : int
        :math:`T`, the steps of the forward process (linear :math:`\\beta` from
        ``beta_start`` to ``beta_end``).
    beta_start, beta_end : float
        The first and last noise variance, ``0 < beta_start <= beta_end < 1``.
    sampling_steps : int
        DDIM steps per sample, at most ``n_timesteps``.
    latent_dim, ae_hidden, ae_steps, ae_patience, ae_validation, ae_lr, latent_noise, \
batch_size, max_snap_values, device, verbose
        Stage 1 (``batch_size`` also for Stage 2), as in :class:`~tabgen_lib.aegan.AEGAN`,
        but with a smaller, noisier latent space by default (16 and 0.1, measured in
        :mod:`tabgen_lib.autoencoder_stage`).
    spike_share : float or None
        Stage 1's encoding of spiked columns (Adult's zero capital gains and losses) as a
        flag plus a scale of their other values, or as a value block when they have many
        values, each repeated, as in :class:`~tabgen_lib.latent_gmm.AEGMM`; ``None``: one
        quantile scale per column.
    reject_copies : bool
        Never return a copy of a training row, as in :class:`~tabgen_lib.aegan.AEGAN`.
    conditional_on : str, optional
        A discrete column to condition on: the label is an input of the denoiser.
    random_state : int, optional
        Seeds the initial weights, the training batches, steps and noise and
        ``sample_rng_``; ``None`` takes a fresh seed at every fit. The caller's global
        random state is never changed.

    Attributes
    ----------
    denoiser_ : Denoiser
        The noise predictor (:class:`~tabgen_lib.models.Denoiser`).
    alpha_bar_ : torch.Tensor
        :math:`\\bar\\alpha_1, \\dots, \\bar\\alpha_T` (:func:`linear_schedule`).
    latent_mean_, latent_std_ : torch.Tensor
        Per coordinate, the mean and standard deviation of the training embeddings (the
        diffusion model works on standardized embeddings).
    history_ : dict of lists
        Stage 1's (see :class:`~tabgen_lib.aegan.AEGAN`), plus Stage 2's training loss
        (``diffusion_step``, ``diffusion_loss``) and held-out loss (``diffusion_val_step``,
        ``diffusion_val``; :func:`train_denoiser`).
    diffusion_best_step_ : int
        The step whose denoiser weights were kept.
    autoencoder_, transformer_, columns_, device_, latent_low_, latent_high_, labels_, \
label_freq_, label_dtype_, ae_best_step_, sample_rng_, copy_fingerprints_, copies_rejected_
        As in :class:`~tabgen_lib.aegan.AEGAN`.
    """

    def __init__(
        self,
        diffusion_steps: int = 10_000,
        diffusion_patience: int | None = 2000,
        diffusion_lr: float = 1e-3,
        denoiser_hidden=(256, 256, 256),
        time_dim: int = 64,
        n_timesteps: int = 1000,
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        sampling_steps: int = 50,
        latent_dim: int = 16,
        ae_hidden=(256, 128),
        ae_steps: int = 4000,
        ae_patience: int = 500,
        ae_validation: float = 0.1,
        ae_lr: float = 1e-3,
        latent_noise: float = 0.1,
        batch_size: int = 512,
        conditional_on: str | None = None,
        max_snap_values: int = 256,
        spike_share: float | None = 0.5,
        reject_copies: bool = True,
        random_state: int | None = None,
        device=None,
        verbose: bool = True,
    ):
        self.diffusion_steps = diffusion_steps
        self.diffusion_patience = diffusion_patience
        self.diffusion_lr = diffusion_lr
        self.denoiser_hidden = denoiser_hidden
        self.time_dim = time_dim
        self.n_timesteps = n_timesteps
        self.beta_start = beta_start
        self.beta_end = beta_end
        self.sampling_steps = sampling_steps
        self.latent_dim = latent_dim
        self.ae_hidden = ae_hidden
        self.ae_steps = ae_steps
        self.ae_patience = ae_patience
        self.ae_validation = ae_validation
        self.ae_lr = ae_lr
        self.latent_noise = latent_noise
        self.batch_size = batch_size
        self.conditional_on = conditional_on
        self.max_snap_values = max_snap_values
        self.spike_share = spike_share
        self.reject_copies = reject_copies
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def _check_params(self) -> None:
        self._check_stage1_params()
        for name in ("diffusion_steps", "time_dim", "n_timesteps", "sampling_steps"):
            validation.check_int(getattr(self, name), name, min_value=1)
        if self.sampling_steps > self.n_timesteps:
            raise ValueError(
                f"sampling_steps={self.sampling_steps} is more than n_timesteps="
                f"{self.n_timesteps}: DDIM visits a subset of the training steps."
            )
        if self.diffusion_patience is not None:
            validation.check_int(self.diffusion_patience, "diffusion_patience", min_value=1)
        validation.check_float(self.diffusion_lr, "diffusion_lr", min_value=0, include_min=False)
        validation.check_float(
            self.beta_start, "beta_start", min_value=0, max_value=1, include_min=False
        )
        validation.check_float(
            self.beta_end, "beta_end", min_value=self.beta_start, max_value=1, include_max=False
        )
        check_widths(self.denoiser_hidden, "denoiser_hidden")

    def _build(self) -> None:
        self._build_autoencoder()
        self.alpha_bar_ = linear_schedule(self.n_timesteps, self.beta_start, self.beta_end)
        self.denoiser_ = Denoiser(
            self.latent_dim, list(self.denoiser_hidden), len(self.labels_), self.time_dim
        ).to(self.device_)

    def _networks(self) -> dict:
        return {"autoencoder": self.autoencoder_, "denoiser": self.denoiser_}

    def _fit_latent(self, z, codes, rng, val_rows=None) -> dict:
        """Stage 2: the denoiser on the standardized embeddings of the training rows.

        With ``diffusion_patience`` set and rows held out by Stage 1 (``val_rows``), those
        rows are held out here too, for early stopping; otherwise all rows are learnt.
        """
        self.latent_mean_ = z.mean(dim=0)
        self.latent_std_ = z.std(dim=0, unbiased=False).clamp_min(1e-6)
        z = (z - self.latent_mean_) / self.latent_std_
        early = self.diffusion_patience is not None and val_rows is not None and len(val_rows)
        held = torch.zeros(len(z), dtype=torch.bool, device=z.device)
        if early:
            held[val_rows] = True
        history = train_denoiser(
            self.denoiser_,
            z[~held],
            None if codes is None else codes[~held],
            alpha_bar=self.alpha_bar_,
            steps=self.diffusion_steps,
            lr=self.diffusion_lr,
            batch_size=self.batch_size,
            rng=rng,
            z_val=z[held] if early else None,
            codes_val=None if codes is None or not early else codes[held],
            patience=self.diffusion_patience,
            progress=self.verbose,
        )
        val = history["diffusion_val"]
        self.diffusion_best_step_ = int(
            history["diffusion_val_step"][val.index(min(val))]
            if val
            else history["diffusion_step"][-1]
        )
        return history

    def _generate(self, n: int, codes) -> torch.Tensor:
        """``n`` embeddings: DDIM from noise drawn with ``sample_rng_``, un-standardized."""
        noise = torch.randn(n, self.latent_dim, generator=self.sample_rng_).to(self.device_)
        labels = None if codes is None else one_hot(codes, len(self.labels_)).to(self.device_)
        mean, std = self.latent_mean_, self.latent_std_
        z = ddim_sample(
            self.denoiser_,
            noise,
            labels,
            alpha_bar=self.alpha_bar_,
            n_steps=self.sampling_steps,
            low=(self.latent_low_ - mean) / std,
            high=(self.latent_high_ - mean) / std,
        )
        return z * std + mean

    def _latent_state(self) -> dict:
        return {
            "mean": self.latent_mean_.cpu(),
            "std": self.latent_std_.cpu(),
            "best_step": self.diffusion_best_step_,
        }

    def _set_latent_state(self, state: dict) -> None:
        self.latent_mean_ = state["mean"].to(self.device_)
        self.latent_std_ = state["std"].to(self.device_)
        self.diffusion_best_step_ = state.get("best_step")  # absent from older checkpoints
