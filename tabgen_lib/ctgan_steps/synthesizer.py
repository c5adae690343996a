"""One iteration of Algorithm 1 of Xu et al. (2019), and the whole synthesizer.

:func:`train_step` is the loop body, one commented line per line of the paper's algorithm;
:class:`TeachingCTGAN` puts every piece behind ``fit`` / ``sample``, like ``ctgan.CTGAN``.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from tqdm.auto import tqdm

from ..validation import (
    check_fitted,
    check_float,
    check_int,
    check_random_state,
    check_table,
    forked_torch_rng,
    torch_generator,
)
from .losses import conditional_loss, gradient_penalty
from .networks import ConditionalGenerator, PackedCritic, apply_activations
from .sampler import ConditionSampler
from .transformer import CTGANTransformer, OutputSpan

__all__ = ["TeachingCTGAN", "train_step"]


# ------------------------------------------------------------------ one step of Algorithm 1


def train_step(
    generator: ConditionalGenerator,
    critic: PackedCritic,
    g_optimizer: torch.optim.Optimizer,
    c_optimizer: torch.optim.Optimizer,
    encoded: torch.Tensor,
    spans: Sequence[OutputSpan],
    sampler: ConditionSampler,
    batch_size: int,
    rng: np.random.Generator,
    noise_dim: int = 128,
    penalty_weight: float = 10.0,
    noise_generator: torch.Generator | None = None,
) -> dict:
    """One iteration of Algorithm 1 of Xu et al. (2019): a critic update, then a generator
    update. Returns the losses of this step as floats.

    ``encoded`` is the encoded training table (a tensor on the models' device) and
    ``rng`` (a ``numpy.random.Generator``) draws the conditions and the real rows. The
    noise ``z``, the interpolation weights and the Gumbel noise come from
    ``noise_generator`` (a ``torch.Generator`` on that device), or from PyTorch's global
    generator if it is ``None``; the critic's dropout always uses the global one.

    Examples
    --------
    >>> table = pd.DataFrame({"x": np.arange(20.0), "c": ["a", "b"] * 10})
    >>> tt = CTGANTransformer(random_state=0).fit(table, ["c"])
    >>> data = tt.transform(table)
    >>> sampler = ConditionSampler(tt, data)
    >>> gen = ConditionalGenerator(4, sampler.cond_dim, tt.output_dim_, hidden=(8,))
    >>> critic = PackedCritic(tt.output_dim_ + sampler.cond_dim, pac=2, hidden=(8,))
    >>> opts = [torch.optim.Adam(m.parameters()) for m in (gen, critic)]
    >>> losses = train_step(gen, critic, *opts, torch.tensor(data).float(), tt.spans_, sampler,
    ...                     batch_size=4, rng=np.random.default_rng(0), noise_dim=4,
    ...                     noise_generator=torch.Generator().manual_seed(0))
    >>> sorted(losses)
    ['conditional', 'critic', 'generator', 'penalty']
    """
    device = encoded.device
    pac = critic.pac
    if batch_size % pac:
        raise ValueError(f"batch_size ({batch_size}) must be a multiple of pac ({pac}).")
    tensor = lambda a: torch.as_tensor(a, dtype=torch.float32, device=device)  # noqa: E731
    noise = noise_generator

    # --- critic update ---
    # Algorithm 1, lines 1-2: masks and condition vectors (column uniform, log-frequency category)
    cond, mask, columns, categories = sampler.sample_condition(batch_size, rng)
    cond, mask = tensor(cond), tensor(mask)
    # Algorithm 1, line 3: noise z ~ N(0, I)
    z = torch.randn(batch_size, noise_dim, device=device, generator=noise)
    # Algorithm 1, line 4: fake rows from the conditional generator (no generator gradient needed)
    with torch.no_grad():
        fake = apply_activations(generator(z, cond), spans, generator=noise)
    # Algorithm 1, line 5: real rows drawn uniformly among those matching each condition
    real = encoded[torch.as_tensor(sampler.sample_rows(columns, categories, rng), device=device)]
    # Algorithm 1, lines 6-8: append the condition to each row; the critic packs pac rows
    fake_cat = torch.cat([fake, cond], dim=1)
    real_cat = torch.cat([real, cond], dim=1)
    # Algorithm 1, line 9: Wasserstein critic loss L_C = mean C(fake) - mean C(real)
    loss_c = critic(fake_cat).mean() - critic(real_cat).mean()
    # Algorithm 1, lines 10-12: gradient penalty at packed interpolates
    penalty = gradient_penalty(critic, real_cat, fake_cat, pac, penalty_weight, generator=noise)
    # Algorithm 1, line 13: Adam step on the critic with L_C + 10 L_GP
    c_optimizer.zero_grad()
    (loss_c + penalty).backward()
    c_optimizer.step()

    # --- generator update ---
    # Algorithm 1, line 14: regenerate fake rows as in lines 1-7 (fresh conditions and noise)
    cond, mask, _, _ = sampler.sample_condition(batch_size, rng)
    cond, mask = tensor(cond), tensor(mask)
    z = torch.randn(batch_size, noise_dim, device=device, generator=noise)
    raw = generator(z, cond)
    fake = apply_activations(raw, spans, generator=noise)
    # Algorithm 1, line 15: L_G = -mean C(fake packs) + cross-entropy of the conditioned column
    scores = critic(torch.cat([fake, cond], dim=1))
    cross_entropy = conditional_loss(raw, cond, mask, sampler.spans)
    loss_g = -scores.mean() + cross_entropy  # = ctgan_generator_loss(scores, raw, cond, ...)
    # Algorithm 1, line 16: Adam step on the generator
    g_optimizer.zero_grad()
    loss_g.backward()
    g_optimizer.step()
    return {
        "critic": loss_c.item(),
        "penalty": penalty.item(),
        "generator": loss_g.item(),
        "conditional": cross_entropy.item(),
    }


# ------------------------------------------------------------------ the synthesizer


class TeachingCTGAN(BaseEstimator):
    """CTGAN from the pieces of this package, with the interface of ``ctgan.CTGAN``.

    A scikit-learn estimator: the constructor only stores the settings (checked by
    ``fit``), so ``get_params``, ``set_params`` and ``sklearn.base.clone`` work.

    Parameters
    ----------
    epochs : int
        Passes over the data; an epoch is ``max(n_rows // batch_size, 1)`` steps.
    batch_size : int
        Rows per step, a multiple of ``pac``.
    pac : int
        Rows per critic pack.
    noise_dim, generator_dim, critic_dim
        Sizes of ``z`` and of the hidden layers (as ``ctgan``: 128, (256, 256), (256, 256)).
    lr, betas, weight_decay
        Adam settings of both players (as ``ctgan``: 2e-4, (0.5, 0.9), 1e-6).
    random_state : int or None
        Seeds everything random in ``fit`` -- the mixtures, the modes of the encoding,
        the conditions and real rows (``numpy`` generators), the initial weights and
        dropout (PyTorch's global generator, forked so that the caller's state is left
        as it was) and the noise (a ``torch.Generator`` of the model) -- and, with
        ``random_state + 1``, the generators ``sample`` draws from. ``None``: a fresh
        seed at every ``fit``. On a CUDA device the random draws are the same too, but
        some of PyTorch's GPU kernels are not deterministic, so two fits agree to float
        precision only, unless ``torch.use_deterministic_algorithms(True)`` is set (then
        exactly; both measured on an H200).
    device : str or torch.device, optional
        Where the networks live (default: CPU).
    progress : bool
        Show a tqdm bar over the epochs (``False`` hides it; with ``True`` tqdm's own
        settings apply, so ``TQDM_DISABLE=1`` hides it too).
    seed : int, optional
        Deprecated old name of ``random_state``: ``fit`` warns (``FutureWarning``) and
        uses it.

    Attributes
    ----------
    loss_history_ : pandas.DataFrame
        Per epoch, the mean over its steps of the critic loss (without penalty), the
        penalty, the generator loss and its cross-entropy part.
    transformer_ : CTGANTransformer
    sampler_ : ConditionSampler
    generator_ : ConditionalGenerator
    critic_ : PackedCritic
    sample_generator_ : torch.Generator
        The noise generator of ``sample``, seeded with ``random_state + 1`` at ``fit``.
    sample_rng_ : numpy.random.Generator
        The condition generator of ``sample``, seeded with ``random_state + 1`` at ``fit``.

    Examples
    --------
    >>> table = pd.DataFrame({"x": np.arange(40.0), "c": ["a", "b", "b", "b"] * 10})
    >>> model = TeachingCTGAN(epochs=2, batch_size=20, pac=10, random_state=0, progress=False)
    >>> model = model.fit(table, ["c"])
    >>> model.loss_history_.shape
    (2, 5)
    >>> synthetic = model.sample(7)
    >>> synthetic.shape, list(synthetic.dtypes.astype(str))
    ((7, 2), ['float64', 'object'])
    >>> synthetic.equals(model.sample(7))  # each call draws new rows
    False
    """

    def __init__(
        self,
        epochs: int = 300,
        batch_size: int = 500,
        pac: int = 10,
        noise_dim: int = 128,
        generator_dim: Sequence[int] = (256, 256),
        critic_dim: Sequence[int] = (256, 256),
        lr: float = 2e-4,
        betas: tuple = (0.5, 0.9),
        weight_decay: float = 1e-6,
        random_state: int | None = None,
        device=None,
        progress: bool = True,
        seed: int | None = None,
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.pac = pac
        self.noise_dim = noise_dim
        self.generator_dim = generator_dim
        self.critic_dim = critic_dim
        self.lr = lr
        self.betas = betas
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.device = device
        self.progress = progress
        self.seed = seed

    # ------------------------------------------------------------------ settings

    def _check_settings(self) -> None:
        for name in ("epochs", "batch_size", "pac", "noise_dim"):
            check_int(getattr(self, name), name)
        if self.batch_size % self.pac:
            raise ValueError(
                f"batch_size ({self.batch_size}) must be a multiple of pac ({self.pac}): the "
                "critic judges whole packs."
            )
        for name in ("generator_dim", "critic_dim"):
            widths = getattr(self, name)
            if isinstance(widths, str) or not isinstance(widths, Iterable):
                raise TypeError(f"{name} must be a sequence of layer widths, e.g. (256, 256).")
            for width in widths:
                check_int(width, name)
        check_float(self.lr, "lr", min_value=0, include_min=False)
        if isinstance(self.betas, numbers.Number) or len(self.betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, e.g. (0.5, 0.9), got {self.betas}.")
        for beta in self.betas:
            check_float(beta, "betas", min_value=0, max_value=1, include_max=False)
        check_float(self.weight_decay, "weight_decay", min_value=0)

    def _seed(self) -> int:
        """The seed of this fit: ``random_state``, or the deprecated ``seed`` (with a warning)."""
        if self.seed is None:
            return check_random_state(self.random_state)
        warnings.warn(
            "TeachingCTGAN(seed=...) is deprecated: write random_state=... instead.",
            FutureWarning,
            stacklevel=3,
        )
        if self.random_state is not None and self.random_state != self.seed:
            raise ValueError(
                f"seed={self.seed} and random_state={self.random_state} disagree: give only "
                "random_state."
            )
        return check_random_state(self.seed)

    @property
    def _bar(self) -> dict:
        # progress=False hides the bar; otherwise tqdm's own settings apply
        # (TQDM_DISABLE=1 hides it too, e.g. when the book is built).
        return {} if self.progress else {"disable": True}

    # ------------------------------------------------------------------ fit

    def fit(self, data: pd.DataFrame, discrete_columns: Sequence[str] = ()) -> TeachingCTGAN:
        """Encode ``data``, build both networks and run ``epochs`` of Algorithm 1;
        returns ``self``.

        ``discrete_columns`` lists the discrete columns (at least one: CTGAN conditions on
        them); every other column must be numeric and complete.
        """
        self._check_settings()
        discrete = check_table(data, discrete_columns)
        if not discrete:
            raise ValueError(
                "TeachingCTGAN needs at least one discrete column: its conditional vector "
                "picks a category of one. List them in discrete_columns."
            )
        seed = self._seed()
        device = torch.device("cpu" if self.device is None else self.device)
        self.device_ = device
        self.transformer_ = CTGANTransformer(random_state=seed).fit(data, discrete)
        matrix = self.transformer_.transform(data)
        self.sampler_ = ConditionSampler(self.transformer_, matrix, random_state=seed)
        encoded = torch.as_tensor(matrix, dtype=torch.float32, device=device)
        rng = np.random.default_rng(seed)  # conditions and real rows
        noise = torch_generator(seed, device)  # z, interpolation weights, Gumbel noise
        # initial weights and dropout draw from PyTorch's global generator: fork it
        with forked_torch_rng(seed, device):
            self._train(encoded, len(data), rng, noise)
        # sampling draws from generators of its own (seed + 1: not the training noise)
        self.sample_generator_ = torch_generator(seed + 1, device)
        self.sample_rng_ = np.random.default_rng(seed + 1)
        return self

    def _train(self, encoded, n_rows: int, rng, noise) -> None:
        out_dim, cond_dim = self.transformer_.output_dim_, self.sampler_.cond_dim
        generator = ConditionalGenerator(self.noise_dim, cond_dim, out_dim, self.generator_dim)
        critic = PackedCritic(out_dim + cond_dim, self.pac, self.critic_dim)
        generator, critic = generator.to(self.device_), critic.to(self.device_)
        g_opt, c_opt = (
            torch.optim.Adam(
                m.parameters(), lr=self.lr, betas=tuple(self.betas), weight_decay=self.weight_decay
            )
            for m in (generator, critic)
        )
        steps = max(n_rows // self.batch_size, 1)
        history = []
        for epoch in tqdm(range(self.epochs), desc="TeachingCTGAN", **self._bar):
            step_losses = [
                train_step(
                    generator,
                    critic,
                    g_opt,
                    c_opt,
                    encoded,
                    self.transformer_.spans_,
                    self.sampler_,
                    self.batch_size,
                    rng,
                    self.noise_dim,
                    noise_generator=noise,
                )
                for _ in range(steps)
            ]
            history.append({"epoch": epoch, **pd.DataFrame(step_losses).mean().to_dict()})
        self.generator_, self.critic_ = generator, critic
        self.loss_history_ = pd.DataFrame(history)

    @property
    def loss_history(self) -> pd.DataFrame:
        """``loss_history_`` (old name, kept for existing code)."""
        check_fitted(self, "loss_history_")
        return self.loss_history_

    # ------------------------------------------------------------------ sample

    @torch.no_grad()
    def sample(self, n: int, random_state: int | None = None) -> pd.DataFrame:
        """Generate ``n`` rows with the columns and dtypes of the training table.

        Conditions use the real category frequencies. As in ``ctgan``, the generator's
        batch normalisation uses the statistics of each generated batch of
        ``batch_size`` rows.

        By default the noise and the conditions come from the model's own generators
        (``sample_generator_`` and ``sample_rng_``, seeded at ``fit``): each call draws new
        rows, and a refit with the same ``random_state`` replays the same sequence of
        samples. An integer ``random_state`` draws from fresh generators seeded with it
        instead, so the same ``random_state`` gives the same rows. The caller's global
        random state is never touched.
        """
        check_fitted(self, "generator_")
        n = check_int(n, "n")
        if random_state is None:
            rng, noise = self.sample_rng_, self.sample_generator_
        else:
            seed = check_random_state(random_state)
            rng, noise = np.random.default_rng(seed), torch_generator(seed, self.device_)
        batches = []
        for _ in range(-(-n // self.batch_size)):
            cond = self.sampler_.sample_original_condition(self.batch_size, rng)
            cond = torch.as_tensor(cond, device=self.device_)
            z = torch.randn(self.batch_size, self.noise_dim, device=self.device_, generator=noise)
            raw = self.generator_(z, cond)
            encoded = apply_activations(raw, self.transformer_.spans_, generator=noise)
            batches.append(encoded.cpu().numpy())
        return self.transformer_.inverse_transform(np.concatenate(batches)[:n])
