"""The course's three-stage generator: an autoencoder, then a GAN in its latent space.

Stage 1 -- autoencoder (:func:`~tabgen_lib.autoencoder_stage.train_autoencoder`, shared with
:class:`~tabgen_lib.latent_gmm.AEGMM` and :class:`~tabgen_lib.latent_diffusion.AEDiffusion`
through :class:`~tabgen_lib.latent_base.LatentModel`). A row, transformed by
:class:`~tabgen_lib.transforms.TabularTransformer` into numbers in :math:`[-1, 1]` and
one-hot blocks, goes through an encoder to :math:`z \\in [-1, 1]^d` (a final Tanh) and back
through a decoder with one head per column type (:class:`~tabgen_lib.models.Autoencoder`):
a linear head for the continuous columns (mean squared error) and one softmax head per
discrete column (cross-entropy),

.. math:: L_{AE} = L_{MSE} + L_{CE}, \\qquad
          L_{CE} = \\frac{1}{C} \\sum_{c=1}^{C} \\mathrm{CE}(\\text{logits}_c, \\text{category}_c),

with a little Gaussian noise (``latent_noise``) added to :math:`z` before decoding, so that
the decoder also decodes the generator's slightly imperfect embeddings. It trains for at
most ``ae_steps`` optimizer steps and stops early when the loss of held-out rows has not
improved for ``ae_patience`` steps (the budget follows the data, not an epoch count); then
it is frozen.

Stage 2 -- GAN in latent space (:func:`~tabgen_lib.aegan_training.train_latent_gan`). A
generator maps noise to fake embeddings (ReLU layers, final Tanh to reach the encoder's
range); a discriminator (LeakyReLU + Dropout) tells them from the real rows' embeddings:

.. math:: L_D = -[\\log D(z_{real}) + \\log(1 - D(G(\\epsilon)))], \\qquad
          L_G = -\\log D(G(\\epsilon)).

The discriminator learns ``d_lr_factor`` (0.25) times as fast as the generator, which takes
``k_steps_g`` (3) steps per discriminator step. Two additions keep the latent GAN from
collapsing onto a few modes (measured on Adult: without them the generated embeddings
spread far less than the real ones and a detector separates decoded samples from real rows
almost perfectly): the discriminator judges *packs* of ``pac`` (8) embeddings, as in PacGAN
and CTGAN (chapter 08), and the generator's hidden layers use batch normalisation.

Conditional variant (``conditional_on="income"``, :mod:`~tabgen_lib.aegan_labels`): the
one-hot label is concatenated to the noise and to the embedding, so that sampling can ask
for a label. The label column is left out of the autoencoder: a generated row's label is
the condition it was generated with; whether the *other* columns fit it is what the
discriminator judges, and what a classifier trained on real rows can measure.

Stage 3 -- sampling. Noise (+ label) -> generator -> decoder -> inverse transform -> a
DataFrame with the training columns, dtypes and categories (the linear continuous head's
known limit is described in :class:`~tabgen_lib.models.Autoencoder`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> table = pd.DataFrame({"x": rng.normal(size=200).round(2),
...                       "colour": rng.choice(["red", "blue"], size=200)})
>>> small = dict(ae_hidden=[32], gan_hidden=[32], ae_steps=20, gan_steps=20, verbose=False)
>>> model = AEGAN(**small, random_state=0).fit(table, discrete_columns=["colour"])
>>> fake = model.sample(5)
>>> list(fake.columns), len(fake)
(['x', 'colour'], 5)
>>> again = AEGAN(**small, random_state=0).fit(table, discrete_columns=["colour"])
>>> again.sample(5).equals(fake), again.sample(5).equals(fake)  # same seed, then a new draw
(True, False)
"""

from __future__ import annotations

import torch

from . import validation
from .aegan_labels import one_hot
from .aegan_training import batch_rows, train_latent_gan
from .latent_base import LatentModel, check_widths
from .models import Autoencoder, latent_critic, latent_generator

__all__ = ["AEGAN", "Autoencoder"]  # Autoencoder lives in tabgen_lib.models


class AEGAN(LatentModel):
    """Autoencoder + latent GAN synthesizer with ctgan's ``fit`` / ``sample`` interface.

    A scikit-learn estimator: the constructor only stores its arguments (``get_params``,
    ``set_params``, ``sklearn.base.clone`` and ``repr`` work); ``fit`` checks them.

    Parameters
    ----------
    latent_dim : int
        Size of the autoencoder's latent space (16-64 works; default 32).
    ae_hidden, gan_hidden : sequence of int
        Hidden widths of the encoder (mirrored by the decoder); of generator and
        discriminator.
    ae_steps : int
        At most this many optimizer steps in Stage 1 (see ``ae_patience``).
    ae_patience : int
        Stage 1 stops when the loss of the held-out rows has not improved for this many
        steps, and keeps the best weights.
    ae_validation : float
        Share of the rows held out of Stage 1 to measure that loss, in ``[0, 0.5)`` (0: no
        early stopping, all ``ae_steps`` steps). Stage 2 learns from all rows.
    ae_epochs : int, optional
        Deprecated (``FutureWarning``): the old epoch budget, converted to ``ae_steps``.
    ae_lr, g_lr : float
        Adam learning rates of the autoencoder and of the generator.
    latent_noise : float
        Standard deviation of the Gaussian noise added to latent vectors in Stage 1 (0: none).
    noise_dim : int
        Size of the generator's noise input.
    gan_steps, k_steps_g : int
        Discriminator updates in Stage 2; generator updates after each of them.
    batch_norm : bool
        Batch normalisation in the generator's hidden layers.
    d_lr_factor : float
        The discriminator's learning rate is ``d_lr_factor * g_lr``.
    dropout : float
        Dropout in the discriminator, in ``[0, 1)``.
    pac : int
        Embeddings per discriminator input (PacGAN packing; 1 disables it).
    batch_size : int
        Rows per batch in both stages, at least ``pac`` and 2; cut to the number of rows if
        there are fewer (in Stage 2 then rounded down to a multiple of ``pac``).
    conditional_on : str, optional
        A discrete column to condition on (conditional GAN); ``None`` for the plain GAN.
    max_snap_values : int
        Passed to :class:`~tabgen_lib.transforms.TabularTransformer`.
    spike_share : float or None
        Passed to :class:`~tabgen_lib.transforms.TabularTransformer` (``None``, the default:
        one quantile scale per continuous column). :class:`~tabgen_lib.latent_gmm.AEGMM` and
        :class:`~tabgen_lib.latent_diffusion.AEDiffusion` use 0.5, which encodes Adult's
        capital gains and losses as value blocks; the AE-GAN chapters were measured without.
    reject_copies : bool
        Redraw every sampled row that is identical to a training row, so that ``sample``
        never returns one (:mod:`tabgen_lib.copy_filter`; the model then keeps a 64-bit
        fingerprint of each training row). ``False``: no fingerprints, no filter.
    random_state : int, optional
        Seeds, through three independent seeds, the initial weights and dropout (PyTorch's
        global generator, forked by :func:`~tabgen_lib.validation.forked_torch_rng`), the
        validation rows, batches and noise of training, and ``sample_rng_``: two models
        fitted with the same ``random_state`` on the same data give the same samples, call
        after call. ``None`` takes a fresh seed at every fit. The caller's global random
        state (NumPy, PyTorch on CPU and CUDA) is never changed.
    device : str or torch.device, optional
        Where to train; default :func:`tabgen_lib.get_device` (CUDA when present).
    verbose : bool
        Show progress bars.

    Attributes
    ----------
    history_ : dict of lists
        Stage 1 every 50 steps: ``ae_step``, the training losses ``ae_mse`` and ``ae_ce``
        and the validation loss ``ae_val``; Stage 2 per logging interval: ``d_loss``,
        ``g_loss``, ``d_real`` and ``d_fake`` (mean D outputs) and the ``step``.
    ae_best_step_ : int
        The Stage 1 step whose weights were kept.
    transformer_ : TabularTransformer
        Fitted on the columns the autoencoder models (all but the label).
    autoencoder_, generator_, discriminator_ : nn.Module
        The networks (:mod:`tabgen_lib.models`).
    columns_, device_ : list, torch.device
        The training table's columns, in order; where the networks live.
    latent_low_, latent_high_ : torch.Tensor
        Per coordinate, the smallest and largest embedding of the training rows.
    labels_, label_freq_, label_dtype_ : list, torch.Tensor, dtype
        A conditional model's labels (sorted), their shares of the training rows and the
        label column's dtype; ``[]``, an empty tensor and ``None`` for a plain model.
    sample_rng_ : torch.Generator
        What :meth:`sample` and :meth:`sample_latent` draw labels and noise from; on the CPU,
        so a model samples the same rows on every device. :meth:`save` keeps its state:
        a loaded model continues the saved model's stream of samples.
    copy_fingerprints_ : numpy.ndarray of uint64 or None
        The sorted 64-bit fingerprints of the training rows (:mod:`tabgen_lib.copy_filter`);
        ``None`` without ``reject_copies``. They identify the training rows: share samples,
        not the fitted model.
    copies_rejected_ : int
        How many sampled rows were copies of a training row and were redrawn, over all the
        calls to :meth:`sample` since ``fit``.
    """

    def __init__(
        self,
        latent_dim: int = 32,
        ae_hidden=(256, 128),
        ae_steps: int = 4000,
        ae_patience: int = 500,
        ae_validation: float = 0.1,
        ae_epochs: int | None = None,
        ae_lr: float = 1e-3,
        latent_noise: float = 0.05,
        noise_dim: int = 64,
        gan_hidden=(256, 256),
        gan_steps: int = 1500,
        g_lr: float = 1e-3,
        batch_norm: bool = True,
        d_lr_factor: float = 0.25,
        k_steps_g: int = 3,
        dropout: float = 0.5,
        pac: int = 8,
        batch_size: int = 512,
        conditional_on: str | None = None,
        max_snap_values: int = 256,
        spike_share: float | None = None,
        reject_copies: bool = True,
        random_state: int | None = None,
        device=None,
        verbose: bool = True,
    ):
        self.latent_dim = latent_dim
        self.ae_hidden = ae_hidden
        self.ae_steps = ae_steps
        self.ae_patience = ae_patience
        self.ae_validation = ae_validation
        self.ae_epochs = ae_epochs
        self.ae_lr = ae_lr
        self.latent_noise = latent_noise
        self.noise_dim = noise_dim
        self.gan_hidden = gan_hidden
        self.gan_steps = gan_steps
        self.g_lr = g_lr
        self.batch_norm = batch_norm
        self.d_lr_factor = d_lr_factor
        self.k_steps_g = k_steps_g
        self.dropout = dropout
        self.pac = pac
        self.batch_size = batch_size
        self.conditional_on = conditional_on
        self.max_snap_values = max_snap_values
        self.spike_share = spike_share
        self.reject_copies = reject_copies
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        """TypeError for a setting of the wrong type, ValueError for one out of range."""
        self._check_stage1_params()
        for name in ("noise_dim", "gan_steps", "k_steps_g", "pac"):
            validation.check_int(getattr(self, name), name, min_value=1)
        if self.batch_size < self.pac:
            raise ValueError(
                f"batch_size={self.batch_size} is smaller than pac={self.pac}: the discriminator "
                "judges packs of pac rows, so a batch needs at least one pack. Use a batch_size "
                "of at least pac (it is rounded down to a multiple of pac) or a smaller pac."
            )
        for name in ("g_lr", "d_lr_factor"):
            validation.check_float(getattr(self, name), name, min_value=0, include_min=False)
        validation.check_float(self.dropout, "dropout", min_value=0, max_value=1, include_max=False)
        check_widths(self.gan_hidden, "gan_hidden")
        if not isinstance(self.batch_norm, bool):
            raise TypeError(f"batch_norm must be True or False, got {self.batch_norm!r}.")

    def _check_rows(self, n_rows: int) -> None:
        if n_rows < self.pac:
            raise ValueError(
                f"data has {n_rows} rows; the discriminator packs pac={self.pac} rows: "
                "use more rows or a smaller pac."
            )

    def _build(self) -> None:
        """The three networks, on ``device_`` (their weights drawn from the global RNG)."""
        n_labels = len(self.labels_)
        self._build_autoencoder()
        self.generator_ = latent_generator(
            self.noise_dim + n_labels, list(self.gan_hidden), self.latent_dim, self.batch_norm
        ).to(self.device_)
        self.discriminator_ = latent_critic(
            self.latent_dim + n_labels, list(self.gan_hidden), self.pac, self.dropout
        ).to(self.device_)

    def _networks(self) -> dict:
        return {
            "autoencoder": self.autoencoder_,
            "generator": self.generator_,
            "discriminator": self.discriminator_,
        }

    def _fit_latent(self, z, codes, rng, val_rows=None) -> dict:
        """Stage 2: the latent GAN on the embeddings ``z`` of all training rows."""
        return train_latent_gan(
            self.generator_,
            self.discriminator_,
            z,
            codes,
            n_labels=len(self.labels_),
            noise_dim=self.noise_dim,
            steps=self.gan_steps,
            lr=self.g_lr,
            d_lr_factor=self.d_lr_factor,
            k_steps_g=self.k_steps_g,
            pac=self.pac,
            batch_size=batch_rows(self.batch_size, self.pac, len(z)),
            rng=rng,
            progress=self.verbose,
        )

    # ------------------------------------------------------------------ sample
    @torch.no_grad()
    def _generate(self, n: int, codes) -> torch.Tensor:
        """``n`` fake embeddings of rows with label ``codes``, from noise of ``sample_rng_``."""
        parts = [torch.randn(n, self.noise_dim, generator=self.sample_rng_)]
        if codes is not None:
            parts.append(one_hot(codes, len(self.labels_)))
        return self.generator_(torch.cat(parts, dim=1).to(self.device_))
