"""The course's three-stage generator: an autoencoder, then a GAN in its latent space.

Stage 1 -- autoencoder. A row, transformed by :class:`~tabgen_lib.transforms.TabularTransformer`
into numbers in :math:`[-1, 1]` and one-hot blocks, goes through an encoder to a latent
vector :math:`z \\in [-1, 1]^d` (a final Tanh) and back through a decoder with one *head per
feature type*: a linear numeric head trained with mean squared error and one softmax head per
categorical column trained with cross-entropy,

.. math:: L_{AE} = L_{MSE} + L_{CE}, \\qquad
          L_{CE} = \\frac{1}{C} \\sum_{c=1}^{C} \\mathrm{CE}(\\text{logits}_c, \\text{category}_c).

After training, encoder and decoder are frozen.

Stage 2 -- GAN in latent space. The encoder maps real rows to real embeddings; a generator
maps noise to fake embeddings (ReLU layers, final Tanh so that it can reach the encoder's
range); a discriminator (LeakyReLU + Dropout) tells them apart with the binary cross-entropy

.. math:: L_D = -[\\log D(z_{real}) + \\log(1 - D(G(\\epsilon)))], \\qquad
          L_G = -\\log D(G(\\epsilon)).

The discriminator learns ``d_lr_factor`` (0.25) times as fast as the generator, and the
generator takes ``k_steps_g`` (3) steps per discriminator step.

Two additions to the course's recipe keep the latent GAN from collapsing onto a few modes
(measured on Adult: without them the generated embeddings spread far less than the real
ones and a detector separates decoded samples from real rows almost perfectly):

- the discriminator judges *packs* of ``pac`` (8) embeddings at once, as in PacGAN and
  CTGAN (chapter 08): a generator that repeats itself is easy to spot in a pack;
- the generator's hidden layers use batch normalisation (``batch_norm=True``).

The autoencoder is trained with a little Gaussian noise (``latent_noise``) added to the
latent vector before decoding, so that the decoder also decodes the generator's slightly
imperfect embeddings into plausible rows.

Conditional variant (``conditional_on="income"``): the one-hot label is concatenated to the
noise (generator input) and to the embedding (discriminator input), so that sampling can ask
for a label. The label column itself is left out of the autoencoder: the embedding describes
the other columns, and a generated row's label is the condition it was generated with (it
cannot contradict it). Whether the *other* columns fit the label is what the discriminator
judges, and what a classifier trained on real rows can measure.

Stage 3 -- sampling. Noise (+ label) -> generator -> decoder -> inverse transform -> a
DataFrame with the training columns, dtypes and categories.

A known limit: the numeric head is linear, and for generated embeddings that lie off the
data it can overshoot :math:`[-1, 1]`; the inverse transform clips such values to the
observed range, so they pile up at a column's extreme values (chapter 10 measures this for
``hours-per-week``). A Tanh head removes the pile-up but, in our runs, lost the rare
non-zero capital gains entirely, so the linear head stays.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> table = pd.DataFrame({"x": rng.normal(size=200).round(2),
...                       "colour": rng.choice(["red", "blue"], size=200)})
>>> model = AEGAN(ae_epochs=2, gan_steps=20, random_state=0, verbose=False)
>>> model = model.fit(table, discrete_columns=["colour"])
>>> fake = model.sample(5)
>>> list(fake.columns), len(fake)
(['x', 'colour'], 5)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from .checkpoints import load_checkpoint, read_checkpoint, save_checkpoint
from .models import mlp
from .runtime import get_device
from .transforms import TabularTransformer, check_table
from .validation import positive_float as _positive_float
from .validation import positive_int as _positive_int

__all__ = ["AEGAN", "Autoencoder"]


@contextmanager
def _seeded_rng(seed: int, device: torch.device) -> Iterator[None]:
    """Seed the generators a fit on ``device`` uses, and restore them afterwards.

    The CPU generator is always forked and seeded; on a CUDA device that device's
    generator too (``"cuda"`` without an index means the current device). No other
    generator is seeded, so the caller's random state is left exactly as it was.
    """
    cuda = []
    if device.type == "cuda":
        cuda = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=cuda):
        torch.random.default_generator.manual_seed(seed)
        for index in cuda:
            torch.cuda.default_generators[index].manual_seed(seed)
        yield


class Autoencoder(nn.Module):
    """Encoder to a Tanh latent, decoder with a numeric head and per-category logits.

    Parameters
    ----------
    spans : list of ColumnSpan
        The transformer's column layout (numeric columns first, then one-hot blocks).
    latent_dim : int
        Size of the latent vector.
    hidden : sequence of int
        Widths of the encoder's hidden layers (the decoder mirrors them).
    """

    def __init__(self, spans, latent_dim: int = 32, hidden=(256, 128)):
        super().__init__()
        self.spans = list(spans)
        self.n_numeric = sum(s.kind == "numeric" for s in self.spans)
        self.blocks = [(s.start, s.end) for s in self.spans if s.kind == "categorical"]
        width = self.spans[-1].end if self.spans else 0
        hidden = list(hidden)
        self.encoder = mlp(width, hidden, latent_dim, output_activation="tanh")
        self.decoder = mlp(latent_dim, hidden[::-1], width)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Raw decoder output: numbers for numeric columns, logits for categories."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def losses(self, out: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(L_MSE, L_CE)`` of a decoder output ``out`` against the transformed rows ``x``."""
        zero = out.new_zeros(())
        mse = (
            F.mse_loss(out[:, : self.n_numeric], x[:, : self.n_numeric]) if self.n_numeric else zero
        )
        ce = zero
        for start, end in self.blocks:
            ce = ce + F.cross_entropy(out[:, start:end], x[:, start:end].argmax(dim=1))
        if self.blocks:
            ce = ce / len(self.blocks)
        return mse, ce


def _generator(
    in_features: int, hidden: list, out_features: int, batch_norm: bool
) -> nn.Sequential:
    """``Linear -> [BatchNorm] -> ReLU`` per hidden layer, then ``Linear -> Tanh``."""
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if batch_norm:
            layers.append(nn.BatchNorm1d(h))
        layers.append(nn.ReLU())
        width = h
    layers += [nn.Linear(width, out_features), nn.Tanh()]
    return nn.Sequential(*layers)


class AEGAN:
    """Autoencoder + latent GAN synthesizer with ctgan's ``fit`` / ``sample`` interface.

    Parameters
    ----------
    latent_dim : int
        Size of the autoencoder's latent space (16-64 works; default 32).
    ae_hidden : tuple of int
        Hidden widths of the encoder (mirrored by the decoder).
    ae_epochs : int
        Passes over the data for Stage 1.
    ae_lr : float
        Adam learning rate of the autoencoder.
    latent_noise : float
        Standard deviation of the Gaussian noise added to latent vectors while training
        the autoencoder (0 disables it).
    noise_dim : int
        Size of the generator's noise input.
    gan_hidden : tuple of int
        Hidden widths of generator and discriminator.
    gan_steps : int
        Number of discriminator updates in Stage 2 (each followed by ``k_steps_g``
        generator updates).
    g_lr : float
        Adam learning rate of the generator.
    batch_norm : bool
        Batch normalisation in the generator's hidden layers.
    d_lr_factor : float
        The discriminator's learning rate is ``d_lr_factor * g_lr``.
    k_steps_g : int
        Generator steps per discriminator step.
    dropout : float
        Dropout in the discriminator.
    pac : int
        Embeddings per discriminator input (PacGAN packing; 1 disables it).
    batch_size : int
        Rows per batch in both stages, at least ``pac``. The batch is cut to the number of
        rows if there are fewer, then rounded down to a multiple of ``pac`` (a
        ``batch_size`` below ``pac`` raises a :class:`ValueError`).
    conditional_on : str, optional
        A discrete column to condition on (conditional GAN); ``None`` for the plain GAN.
    max_snap_values : int
        Passed to :class:`~tabgen_lib.transforms.TabularTransformer`.
    random_state : int, optional
        Seed for weights, batches and noise of :meth:`fit`, which then leaves the global
        generators (CPU and the CUDA device it trains on) as they were; ``None`` uses the
        global generators (e.g. seeded by :func:`tabgen_lib.set_seed`). :meth:`sample`
        always draws from the global generators.
    device : str or torch.device, optional
        Where to train; default :func:`tabgen_lib.get_device` (CUDA when present).
    verbose : bool
        Show progress bars.

    Attributes
    ----------
    history_ : dict of lists
        Per-epoch ``ae_mse``, ``ae_ce``; per-logging-interval ``d_loss``, ``g_loss``,
        ``d_real`` and ``d_fake`` (mean D outputs) and the step they were logged at.
    transformer_ : TabularTransformer
    autoencoder_ : Autoencoder
    generator_, discriminator_ : nn.Module
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

    # ------------------------------------------------------------------ helpers
    def _settings(self) -> dict:
        return {
            "latent_dim": self.latent_dim,
            "ae_hidden": list(self.ae_hidden),
            "ae_epochs": self.ae_epochs,
            "ae_lr": self.ae_lr,
            "latent_noise": self.latent_noise,
            "noise_dim": self.noise_dim,
            "gan_hidden": list(self.gan_hidden),
            "gan_steps": self.gan_steps,
            "g_lr": self.g_lr,
            "batch_norm": self.batch_norm,
            "d_lr_factor": self.d_lr_factor,
            "k_steps_g": self.k_steps_g,
            "dropout": self.dropout,
            "pac": self.pac,
            "batch_size": self.batch_size,
            "conditional_on": self.conditional_on,
            "max_snap_values": self.max_snap_values,
            "random_state": self.random_state,
        }

    def _validate_settings(self) -> None:
        for name in ("latent_dim", "ae_epochs", "noise_dim", "gan_steps", "k_steps_g", "pac"):
            _positive_int(getattr(self, name), name)
        if _positive_int(self.batch_size, "batch_size") < 2:
            raise ValueError("batch_size must be at least 2.")
        if self.batch_size < self.pac:
            raise ValueError(
                f"batch_size={self.batch_size} is smaller than pac={self.pac}: the discriminator "
                "judges packs of pac rows, so a batch needs at least one pack. Use a batch_size "
                "of at least pac (it is rounded down to a multiple of pac) or a smaller pac."
            )
        for name in ("ae_lr", "g_lr", "d_lr_factor"):
            _positive_float(getattr(self, name), name)
        for name in ("ae_hidden", "gan_hidden"):
            widths = list(getattr(self, name))
            if not widths:
                raise ValueError(f"{name} needs at least one hidden layer width.")
            for w in widths:
                _positive_int(w, name)
        if isinstance(self.latent_noise, bool) or not isinstance(self.latent_noise, int | float):
            raise ValueError(f"latent_noise must be a number >= 0, got {self.latent_noise!r}.")
        if self.latent_noise < 0:
            raise ValueError(f"latent_noise must be a number >= 0, got {self.latent_noise!r}.")
        if not isinstance(self.batch_norm, bool):
            raise TypeError(f"batch_norm must be True or False, got {self.batch_norm!r}.")
        if isinstance(self.dropout, bool) or not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}.")
        if self.conditional_on is not None and not isinstance(self.conditional_on, str | int):
            raise TypeError("conditional_on must be a column name or None.")

    @staticmethod
    def _batch_rows(batch_size: int, pac: int, n_rows: int) -> int:
        """Rows per batch: ``batch_size`` cut to ``n_rows``, rounded down to a multiple of
        ``pac`` (both ``batch_size`` and ``n_rows`` are at least ``pac``)."""
        return min(batch_size, n_rows) // pac * pac

    def _build(self) -> None:
        tf = self.transformer_
        self.autoencoder_ = Autoencoder(tf.spans_, self.latent_dim, self.ae_hidden)
        n_labels = len(self.labels_)
        self.generator_ = _generator(
            self.noise_dim + n_labels, list(self.gan_hidden), self.latent_dim, self.batch_norm
        )
        self.discriminator_ = mlp(
            (self.latent_dim + n_labels) * self.pac,
            list(self.gan_hidden),
            1,
            activation="leaky_relu",
            dropout=self.dropout,
        )
        device = self._device
        for net in (self.autoencoder_, self.generator_, self.discriminator_):
            net.to(device)

    @property
    def _bar(self) -> dict:
        # verbose=False hides the progress bars; otherwise tqdm's own settings apply
        # (TQDM_DISABLE=1 hides them too, e.g. when the book is built).
        return {} if self.verbose else {"disable": True}

    def _check_fitted(self) -> None:
        if not hasattr(self, "generator_"):
            raise RuntimeError(
                "This AEGAN is not fitted yet: call fit(data, discrete_columns) first."
            )

    def _critic(self, embeddings: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """D's logits for packs of ``pac`` consecutive (embedding, label) rows."""
        rows = torch.cat([embeddings, cond], dim=1)
        return self.discriminator_(rows.reshape(len(rows) // self.pac, -1))

    def _label_onehot(self, codes: torch.Tensor) -> torch.Tensor:
        return F.one_hot(codes, len(self.labels_)).float()

    # ------------------------------------------------------------------ fit
    def fit(self, data, discrete_columns=()) -> AEGAN:
        """Train Stage 1 (autoencoder) and Stage 2 (latent GAN) on ``data``.

        Parameters
        ----------
        data : pandas.DataFrame
            The training table. Numeric columns must not contain NaN (impute or drop
            first); categorical columns may (NaN is then a category of its own).
        discrete_columns : list of column names
            The categorical columns; every other column must be numeric.

        Returns
        -------
        self
        """
        self._validate_settings()
        data, discrete = check_table(data, discrete_columns)
        if self.conditional_on is not None and self.conditional_on not in discrete:
            raise ValueError(
                f"conditional_on={self.conditional_on!r} must be one of the discrete_columns "
                f"{discrete}: a conditional GAN needs a categorical label."
            )
        self._device = get_device(self.device) if self.device is not None else get_device()
        if self.random_state is None:
            self._fit(data, discrete)
        else:
            with _seeded_rng(int(self.random_state), self._device):
                self._fit(data, discrete)
        return self

    def _fit(self, data: pd.DataFrame, discrete: list) -> None:
        device = self._device
        self.columns_ = list(data.columns)
        label = self.conditional_on
        if label is not None:
            if data[label].isna().any():
                raise ValueError(
                    f"The label column {label!r} has missing values: drop those rows or fill "
                    "them with a category of their own before fitting a conditional model."
                )
            self.label_dtype_ = str(data[label].dtype)
            self.labels_ = sorted(data[label].unique().tolist(), key=lambda v: (str(type(v)), v))
            codes_np = data[label].map({v: i for i, v in enumerate(self.labels_)}).to_numpy()
            codes = torch.as_tensor(codes_np, dtype=torch.long, device=device)
            self.label_freq_ = torch.bincount(codes.cpu(), minlength=len(self.labels_)).float()
            self.label_freq_ /= len(data)
            features = data.drop(columns=[label])
            if features.shape[1] == 0:
                raise ValueError("A conditional model needs at least one column besides the label.")
        else:
            self.labels_, codes, self.label_freq_ = [], None, torch.ones(0)
            features = data
        self.transformer_ = TabularTransformer(max_snap_values=self.max_snap_values)
        self.transformer_.fit(features, [c for c in discrete if c != label])
        x = torch.as_tensor(self.transformer_.transform(features), device=device)
        n = len(x)
        if n < self.pac:
            raise ValueError(
                f"data has {n} rows; the discriminator packs pac={self.pac} rows: "
                "use more rows or a smaller pac."
            )
        batch = self._batch_rows(self.batch_size, self.pac, n)
        self._build()
        self.history_ = {
            k: [] for k in ("ae_mse", "ae_ce", "step", "d_loss", "g_loss", "d_real", "d_fake")
        }

        # Stage 1: the autoencoder.
        ae = self.autoencoder_
        opt = torch.optim.Adam(ae.parameters(), lr=self.ae_lr)
        ae.train()
        for _ in tqdm(range(self.ae_epochs), desc="Stage 1: autoencoder", **self._bar):
            order = torch.randperm(n, device=device)
            mse_sum = ce_sum = 0.0
            batches = 0
            for i in range(0, n - batch + 1, batch):
                xb = x[order[i : i + batch]]
                z = ae.encode(xb)
                if self.latent_noise:
                    z = z + self.latent_noise * torch.randn_like(z)
                mse, ce = ae.losses(ae.decode(z), xb)
                loss = mse + ce
                opt.zero_grad()
                loss.backward()
                opt.step()
                mse_sum += mse.item()
                ce_sum += ce.item()
                batches += 1
            self.history_["ae_mse"].append(mse_sum / batches)
            self.history_["ae_ce"].append(ce_sum / batches)
        ae.eval()
        for p in ae.parameters():
            p.requires_grad_(False)
        with torch.no_grad():
            z_real = torch.cat([ae.encode(x[i : i + 4096]) for i in range(0, n, 4096)])

        # Stage 2: the GAN in latent space.
        G, D = self.generator_, self.discriminator_
        opt_g = torch.optim.Adam(G.parameters(), lr=self.g_lr, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(
            D.parameters(), lr=self.g_lr * self.d_lr_factor, betas=(0.5, 0.999)
        )
        bce = nn.BCEWithLogitsLoss()
        ones = torch.ones(batch // self.pac, 1, device=device)
        zeros = torch.zeros(batch // self.pac, 1, device=device)
        log_every = max(1, self.gan_steps // 100)
        running = {"d_loss": 0.0, "g_loss": 0.0, "d_real": 0.0, "d_fake": 0.0}
        G.train()
        D.train()
        for step in tqdm(range(1, self.gan_steps + 1), desc="Stage 2: latent GAN", **self._bar):
            idx = torch.randint(0, n, (batch,), device=device)
            real = z_real[idx]
            cond = self._label_onehot(codes[idx]) if codes is not None else real[:, :0]
            noise = torch.randn(batch, self.noise_dim, device=device)
            with torch.no_grad():
                fake = G(torch.cat([noise, cond], dim=1))
            d_real = self._critic(real, cond)
            d_fake = self._critic(fake, cond)
            d_loss = bce(d_real, ones) + bce(d_fake, zeros)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            for _ in range(self.k_steps_g):
                if codes is not None:
                    cond = self._label_onehot(codes[torch.randint(0, n, (batch,), device=device)])
                noise = torch.randn(batch, self.noise_dim, device=device)
                g_loss = bce(self._critic(G(torch.cat([noise, cond], dim=1)), cond), ones)
                opt_g.zero_grad()
                g_loss.backward()
                opt_g.step()
            running["d_loss"] += d_loss.item()
            running["g_loss"] += g_loss.item()
            running["d_real"] += torch.sigmoid(d_real).mean().item()
            running["d_fake"] += torch.sigmoid(d_fake).mean().item()
            if step % log_every == 0 or step == self.gan_steps:
                count = log_every if step % log_every == 0 else step % log_every
                self.history_["step"].append(step)
                for key in running:
                    self.history_[key].append(running[key] / count)
                    running[key] = 0.0
        G.eval()
        D.eval()

    # ------------------------------------------------------------------ sample
    def _check_n(self, n) -> int:
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise TypeError(f"n must be an integer number of rows, got {type(n).__name__}.")
        if n < 1:
            raise ValueError(f"n must be a positive number of rows, got {n}.")
        return int(n)

    def _label_codes(self, n: int, condition) -> torch.Tensor | None:
        if not self.labels_:
            if condition is not None:
                raise ValueError(
                    "This model is not conditional: build it with AEGAN(conditional_on=<column>) "
                    "to sample with a condition."
                )
            return None
        if condition is None:
            return torch.multinomial(self.label_freq_, n, replacement=True)
        if condition not in self.labels_:
            raise ValueError(
                f"condition={condition!r} was never seen in column {self.conditional_on!r} during "
                f"training; choose one of {self.labels_}."
            )
        return torch.full((n,), self.labels_.index(condition), dtype=torch.long)

    def _generate(self, n, condition) -> tuple[torch.Tensor, torch.Tensor | None]:
        n = self._check_n(n)
        codes = self._label_codes(n, condition)
        device = self._device
        parts = [torch.randn(n, self.noise_dim, device=device)]
        if codes is not None:
            codes = codes.to(device)
            parts.append(self._label_onehot(codes))
        with torch.no_grad():
            return self.generator_(torch.cat(parts, dim=1)), codes

    def sample_latent(self, n, condition=None) -> torch.Tensor:
        """Stage 2 output only: ``n`` generated latent vectors (on the model's device)."""
        self._check_fitted()
        return self._generate(n, condition)[0]

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels=None) -> pd.DataFrame:
        """Stage 3 from a latent matrix: decoder, then inverse transform to a DataFrame.

        A conditional model also needs the ``labels`` of the rows (a sequence of label
        values, one per row): the label column is the condition, not decoded.
        """
        self._check_fitted()
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be a tensor of shape (n, {self.latent_dim}).")
        z = z.to(self._device)
        out = torch.cat([self.autoencoder_.decode(z[i : i + 8192]) for i in range(0, len(z), 8192)])
        frame = self.transformer_.inverse_transform(out.cpu().numpy())
        if not self.labels_:
            return frame
        if labels is None or len(labels) != len(z):
            raise ValueError("A conditional model's decode needs one label per latent row.")
        label = self.conditional_on
        frame.insert(self.columns_.index(label), label, pd.Series(list(labels)))
        try:
            frame[label] = frame[label].astype(self.label_dtype_)
        except (TypeError, ValueError):  # pragma: no cover - exotic label dtypes
            pass
        return frame

    def sample(self, n, condition=None) -> pd.DataFrame:
        """Generate ``n`` rows (all with label ``condition`` if given, for a conditional model).

        A conditional model without ``condition`` draws labels with their training shares.
        """
        self._check_fitted()
        z, codes = self._generate(n, condition)
        labels = None if codes is None else [self.labels_[i] for i in codes.tolist()]
        return self.decode(z, labels)

    def _features(self, data) -> torch.Tensor:
        self._check_columns(data)
        if self.labels_:
            data = data.drop(columns=[self.conditional_on])
        return torch.as_tensor(self.transformer_.transform(data), device=self._device)

    @torch.no_grad()
    def reconstruct(self, data) -> pd.DataFrame:
        """Encode and decode real rows (the autoencoder alone): a ceiling for the GAN stage."""
        self._check_fitted()
        z = self.encode(data)
        labels = data[self.conditional_on].tolist() if self.labels_ else None
        return self.decode(z, labels)

    def encode(self, data) -> torch.Tensor:
        """The frozen encoder's latent vectors of real rows."""
        self._check_fitted()
        x = self._features(data)
        with torch.no_grad():
            return torch.cat(
                [self.autoencoder_.encode(x[i : i + 8192]) for i in range(0, len(x), 8192)]
            )

    @torch.no_grad()
    def reconstruction_error(self, data) -> np.ndarray:
        """Per-row autoencoder loss (MSE over numeric columns + mean cross-entropy).

        Rows unlike the training data reconstruct badly, so this is an anomaly score.
        """
        self._check_fitted()
        x = self._features(data)
        ae = self.autoencoder_
        out = ae(x)
        k = ae.n_numeric
        error = ((out[:, :k] - x[:, :k]) ** 2).mean(dim=1) if k else x.new_zeros(len(x))
        if ae.blocks:
            ce = sum(
                F.cross_entropy(out[:, s:e], x[:, s:e].argmax(dim=1), reduction="none")
                for s, e in ae.blocks
            )
            error = error + ce / len(ae.blocks)
        return error.cpu().numpy()

    def _check_columns(self, data) -> None:
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
        expected = self.columns_
        if list(data.columns) != expected:
            missing = [c for c in expected if c not in data.columns]
            extra = [c for c in data.columns if c not in expected]
            raise ValueError(
                "data does not have the columns this model was fitted on "
                f"(missing {missing}, unexpected {extra}); expected {expected} in this order."
            )

    # ------------------------------------------------------------------ save / load
    def save(self, path) -> Path:
        """Write the fitted model to one file (weights + plain data, no pickled code)."""
        self._check_fitted()
        extra = {
            "kind": "AEGAN",
            "settings": self._settings(),
            "transformer": self.transformer_.get_state(),
            "columns": list(self.columns_),
            "labels": list(self.labels_),
            "label_dtype": getattr(self, "label_dtype_", ""),
            "label_freq": self.label_freq_.tolist(),
            "history": {k: list(v) for k, v in self.history_.items()},
        }
        return save_checkpoint(
            path,
            models={
                "autoencoder": self.autoencoder_,
                "generator": self.generator_,
                "discriminator": self.discriminator_,
            },
            step=self.gan_steps,
            extra=extra,
        )

    @classmethod
    def load(cls, path, device=None) -> AEGAN:
        """Read a model written by :meth:`save` (``torch.load(weights_only=True)`` underneath).

        ``device`` (``"cpu"``, ``"cuda"``, a :class:`torch.device` or ``None`` for
        :func:`tabgen_lib.get_device`'s choice) is where the loaded model runs.
        """
        extra = read_checkpoint(path)["extra"]
        if not isinstance(extra, dict) or extra.get("kind") != "AEGAN":
            raise ValueError(f"{path} is a checkpoint, but not of an AEGAN model.")
        resolved = get_device(device) if device is not None else get_device()
        try:
            model = cls(**extra["settings"], device=device)
            model._device = resolved
            model.transformer_ = TabularTransformer.from_state(extra["transformer"])
            model.columns_ = list(extra["columns"])
            model.labels_ = list(extra["labels"])
            model.label_dtype_ = extra["label_dtype"]
            model.label_freq_ = torch.tensor(extra["label_freq"], dtype=torch.float32)
            model.history_ = {k: list(v) for k, v in extra["history"].items()}
            model._build()
        except (KeyError, TypeError) as err:
            raise ValueError(
                f"{path} holds an AEGAN saved by an incompatible version of tabgen_lib "
                f"({type(err).__name__}: {err}); fit and save the model again."
            ) from err
        load_checkpoint(
            path,
            models={
                "autoencoder": model.autoencoder_,
                "generator": model.generator_,
                "discriminator": model.discriminator_,
            },
            restore_rng=False,
        )
        for net in (model.autoencoder_, model.generator_, model.discriminator_):
            net.eval()
        for p in model.autoencoder_.parameters():
            p.requires_grad_(False)
        return model
