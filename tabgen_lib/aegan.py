"""The course's three-stage generator: an autoencoder, then a GAN in its latent space.

Stage 1 -- autoencoder (:func:`~tabgen_lib.aegan_training.train_autoencoder`). A row,
transformed by :class:`~tabgen_lib.transforms.TabularTransformer` into numbers in
:math:`[-1, 1]` and one-hot blocks, goes through an encoder to :math:`z \\in [-1, 1]^d` (a
final Tanh) and back through a decoder with one head per column type
(:class:`~tabgen_lib.models.Autoencoder`): a linear head for the continuous columns (mean
squared error) and one softmax head per discrete column (cross-entropy),

.. math:: L_{AE} = L_{MSE} + L_{CE}, \\qquad
          L_{CE} = \\frac{1}{C} \\sum_{c=1}^{C} \\mathrm{CE}(\\text{logits}_c, \\text{category}_c),

with a little Gaussian noise (``latent_noise``) added to :math:`z` before decoding, so that
the decoder also decodes the generator's slightly imperfect embeddings. Then it is frozen.

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
>>> small = dict(ae_hidden=[32], gan_hidden=[32], ae_epochs=2, gan_steps=20, verbose=False)
>>> model = AEGAN(**small, random_state=0).fit(table, discrete_columns=["colour"])
>>> fake = model.sample(5)
>>> list(fake.columns), len(fake)
(['x', 'colour'], 5)
>>> again = AEGAN(**small, random_state=0).fit(table, discrete_columns=["colour"])
>>> again.sample(5).equals(fake), again.sample(5).equals(fake)  # same seed, then a new draw
(True, False)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator

from . import validation
from .aegan_checkpoint import load_aegan, save_aegan
from .aegan_labels import condition_codes, insert_labels, one_hot, split_label
from .aegan_training import batch_rows, train_autoencoder, train_latent_gan
from .models import Autoencoder, latent_critic, latent_generator
from .runtime import get_device
from .transforms import TabularTransformer, check_table

__all__ = ["AEGAN", "Autoencoder"]  # Autoencoder lives in tabgen_lib.models


class AEGAN(BaseEstimator):
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
    ae_epochs : int
        Passes over the data in Stage 1.
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
        there are fewer, then rounded down to a multiple of ``pac``.
    conditional_on : str, optional
        A discrete column to condition on (conditional GAN); ``None`` for the plain GAN.
    max_snap_values : int
        Passed to :class:`~tabgen_lib.transforms.TabularTransformer`.
    random_state : int, optional
        Seeds, through three independent seeds, the initial weights and dropout (PyTorch's
        global generator, forked by :func:`~tabgen_lib.validation.forked_torch_rng`), the
        batches and noise of training, and ``sample_rng_``: two models fitted with the same
        ``random_state`` on the same data give the same samples, call after call. ``None``
        takes a fresh seed at every fit. The caller's global random state (NumPy, PyTorch on
        CPU and CUDA) is never changed.
    device : str or torch.device, optional
        Where to train; default :func:`tabgen_lib.get_device` (CUDA when present).
    verbose : bool
        Show progress bars.

    Attributes
    ----------
    history_ : dict of lists
        Per-epoch ``ae_mse``, ``ae_ce``; per-logging-interval ``d_loss``, ``g_loss``,
        ``d_real`` and ``d_fake`` (mean D outputs) and the ``step`` they were logged at.
    transformer_ : TabularTransformer
        Fitted on the columns the autoencoder models (all but the label).
    autoencoder_, generator_, discriminator_ : nn.Module
        The networks (:mod:`tabgen_lib.models`).
    columns_, device_ : list, torch.device
        The training table's columns, in order; where the networks live.
    labels_, label_freq_, label_dtype_ : list, torch.Tensor, dtype
        A conditional model's labels (sorted), their shares of the training rows and the
        label column's dtype; ``[]``, an empty tensor and ``None`` for a plain model.
    sample_rng_ : torch.Generator
        What :meth:`sample` and :meth:`sample_latent` draw labels and noise from; on the CPU,
        so a model samples the same rows on every device. :meth:`save` keeps its state:
        a loaded model continues the saved model's stream of samples.
    """

    def __init__(
        self,
        latent_dim: int = 32,
        ae_hidden=(256, 128),
        ae_epochs: int = 20,
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
        random_state: int | None = None,
        device=None,
        verbose: bool = True,
    ):
        self.latent_dim = latent_dim
        self.ae_hidden = ae_hidden
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
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        """TypeError for a setting of the wrong type, ValueError for one out of range."""
        for name in ("latent_dim", "ae_epochs", "noise_dim", "gan_steps", "k_steps_g", "pac"):
            validation.check_int(getattr(self, name), name, min_value=1)
        validation.check_int(self.batch_size, "batch_size", min_value=2)
        validation.check_int(self.max_snap_values, "max_snap_values", min_value=0)
        if self.batch_size < self.pac:
            raise ValueError(
                f"batch_size={self.batch_size} is smaller than pac={self.pac}: the discriminator "
                "judges packs of pac rows, so a batch needs at least one pack. Use a batch_size "
                "of at least pac (it is rounded down to a multiple of pac) or a smaller pac."
            )
        for name in ("ae_lr", "g_lr", "d_lr_factor"):
            validation.check_float(getattr(self, name), name, min_value=0, include_min=False)
        validation.check_float(self.latent_noise, "latent_noise", min_value=0)
        validation.check_float(self.dropout, "dropout", min_value=0, max_value=1, include_max=False)
        for name in ("ae_hidden", "gan_hidden"):
            widths = getattr(self, name)
            if isinstance(widths, str) or not hasattr(widths, "__iter__"):
                raise TypeError(f"{name} must be a list of layer widths, e.g. (256, 128).")
            if not list(widths):
                raise ValueError(f"{name} needs at least one hidden layer width.")
            for i, width in enumerate(widths):
                validation.check_int(width, f"{name}[{i}]", min_value=1)
        for name in ("batch_norm", "verbose"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        if self.conditional_on is not None and not isinstance(self.conditional_on, str | int):
            raise TypeError("conditional_on must be a column name or None.")

    def fit(self, data, discrete_columns=()) -> AEGAN:
        """Train Stage 1 (autoencoder) and Stage 2 (latent GAN) on ``data``.

        Parameters
        ----------
        data : pandas.DataFrame
            The training table. Continuous columns must not contain NaN (impute or drop
            first); discrete columns may (NaN is then a category of its own).
        discrete_columns : list of column names
            The discrete columns; every other column must be numeric.

        Returns
        -------
        self
        """
        self._check_params()
        seed = validation.check_random_state(self.random_state)
        data, discrete = check_table(data, discrete_columns)
        label = self.conditional_on
        if label is not None and label not in discrete:
            raise ValueError(
                f"conditional_on={label!r} must be one of the discrete_columns "
                f"{discrete}: a conditional GAN needs a discrete label."
            )
        if len(data) < self.pac:
            raise ValueError(
                f"data has {len(data)} rows; the discriminator packs pac={self.pac} rows: "
                "use more rows or a smaller pac."
            )
        device = get_device(self.device)
        features, self.labels_, codes, self.label_freq_, self.label_dtype_ = split_label(
            data, label
        )
        self.columns_ = list(data.columns)
        self.device_ = device
        self.transformer_ = TabularTransformer(max_snap_values=self.max_snap_values)
        self.transformer_.fit(features, [c for c in discrete if c != label])
        x = torch.as_tensor(self.transformer_.transform(features), device=device)
        batch = batch_rows(self.batch_size, self.pac, len(x))

        init_seed, train_seed, sample_seed = np.random.SeedSequence(seed).generate_state(3)
        rng = validation.torch_generator(int(train_seed), device)
        codes = None if codes is None else codes.to(device)
        with validation.forked_torch_rng(int(init_seed), device):  # initial weights and dropout
            self._build()
            ae_history = train_autoencoder(
                self.autoencoder_,
                x,
                epochs=self.ae_epochs,
                lr=self.ae_lr,
                batch_size=batch,
                latent_noise=self.latent_noise,
                rng=rng,
                progress=self.verbose,
            )
            with torch.no_grad():
                z_real = torch.cat([self.autoencoder_.encode(xb) for xb in x.split(4096)])
            gan_history = train_latent_gan(
                self.generator_,
                self.discriminator_,
                z_real,
                codes,
                n_labels=len(self.labels_),
                noise_dim=self.noise_dim,
                steps=self.gan_steps,
                lr=self.g_lr,
                d_lr_factor=self.d_lr_factor,
                k_steps_g=self.k_steps_g,
                pac=self.pac,
                batch_size=batch,
                rng=rng,
                progress=self.verbose,
            )
        self.history_ = {**ae_history, **gan_history}
        self.sample_rng_ = validation.torch_generator(int(sample_seed))
        return self

    def _build(self) -> None:
        """The three networks, on ``device_`` (their weights drawn from the global RNG)."""
        n_labels = len(self.labels_)
        self.autoencoder_ = Autoencoder(self.transformer_.spans_, self.latent_dim, self.ae_hidden)
        self.generator_ = latent_generator(
            self.noise_dim + n_labels, list(self.gan_hidden), self.latent_dim, self.batch_norm
        )
        self.discriminator_ = latent_critic(
            self.latent_dim + n_labels, list(self.gan_hidden), self.pac, self.dropout
        )
        for net in (self.autoencoder_, self.generator_, self.discriminator_):
            net.to(self.device_)

    # ------------------------------------------------------------------ sample
    def _generate(self, n, condition) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``n`` fake embeddings and their label codes, from noise drawn with ``sample_rng_``."""
        validation.check_fitted(self, "generator_")
        n = validation.check_int(n, "n", min_value=1)
        rng = self.sample_rng_
        codes = condition_codes(
            n, condition, self.labels_, self.label_freq_, rng, self.conditional_on
        )
        parts = [torch.randn(n, self.noise_dim, generator=rng)]
        if codes is not None:
            parts.append(one_hot(codes, len(self.labels_)))
        with torch.no_grad():
            return self.generator_(torch.cat(parts, dim=1).to(self.device_)), codes

    def sample_latent(self, n, condition=None) -> torch.Tensor:
        """Stage 2 output only: ``n`` generated latent vectors (on the model's device)."""
        return self._generate(n, condition)[0]

    def sample(self, n, condition=None) -> pd.DataFrame:
        """Generate ``n`` rows (all with label ``condition`` if given, for a conditional model).

        A conditional model without ``condition`` draws labels with their training shares.
        Successive calls give different rows; the sequence of calls is reproducible (see
        ``random_state``).
        """
        z, codes = self._generate(n, condition)
        labels = None if codes is None else [self.labels_[i] for i in codes.tolist()]
        return self.decode(z, labels)

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels=None) -> pd.DataFrame:
        """Stage 3 from a latent matrix: decoder, then inverse transform to a DataFrame.

        A conditional model also needs the ``labels`` of the rows (a sequence of label
        values, one per row): the label column is the condition, not decoded.
        """
        validation.check_fitted(self, "generator_")
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be a tensor of shape (n, {self.latent_dim}).")
        z = z.to(self.device_)
        out = torch.cat([self.autoencoder_.decode(zb) for zb in z.split(8192)])
        frame = self.transformer_.inverse_transform(out.cpu().numpy())
        if not self.labels_:
            return frame
        label = self.conditional_on
        return insert_labels(frame, label, self.columns_.index(label), labels, self.label_dtype_)

    # ------------------------------------------------------------------ real rows
    def _features(self, data) -> torch.Tensor:
        validation.check_fitted(self, "generator_")
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
        if list(data.columns) != self.columns_:
            missing = [c for c in self.columns_ if c not in data.columns]
            extra = [c for c in data.columns if c not in self.columns_]
            raise ValueError(
                "data does not have the columns this model was fitted on "
                f"(missing {missing}, unexpected {extra}); expected {self.columns_} in this order."
            )
        if self.labels_:
            data = data.drop(columns=[self.conditional_on])
        return torch.as_tensor(self.transformer_.transform(data), device=self.device_)

    @torch.no_grad()
    def encode(self, data) -> torch.Tensor:
        """The frozen encoder's latent vectors of real rows."""
        x = self._features(data)
        return torch.cat([self.autoencoder_.encode(xb) for xb in x.split(8192)])

    def reconstruct(self, data) -> pd.DataFrame:
        """Encode and decode real rows (the autoencoder alone): a ceiling for the GAN stage."""
        z = self.encode(data)
        labels = data[self.conditional_on].tolist() if self.labels_ else None
        return self.decode(z, labels)

    @torch.no_grad()
    def reconstruction_error(self, data) -> np.ndarray:
        """Per-row autoencoder loss: MSE over the continuous columns + mean cross-entropy.

        Rows unlike the training data reconstruct badly, so this is an anomaly score.
        """
        x = self._features(data)
        mse, ce = self.autoencoder_.row_losses(self.autoencoder_(x), x)
        return (mse + ce).cpu().numpy()

    # ------------------------------------------------------------------ save / load
    # One file of weights and plain data; a loaded model samples on where the saved one
    # stopped. AEGAN.load(path, device=None); see tabgen_lib.aegan_checkpoint.
    save = save_aegan
    load = classmethod(load_aegan)
