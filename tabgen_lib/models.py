"""Small neural networks shared by the chapters.

- :func:`mlp` -- a multi-layer perceptron (chapters 03 onwards);
- :class:`Autoencoder` -- chapter 09's autoencoder with one decoder head per column type;
- :func:`latent_generator`, :func:`latent_critic` -- the two players of the GAN that
  :class:`~tabgen_lib.aegan.AEGAN` trains in the autoencoder's latent space;
- :func:`timestep_embedding`, :class:`Denoiser` -- the noise-predicting network of
  :class:`~tabgen_lib.latent_diffusion.AEDiffusion`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .validation import check_float, check_int

__all__ = [
    "ACTIVATIONS",
    "Autoencoder",
    "Denoiser",
    "latent_critic",
    "latent_generator",
    "mlp",
    "timestep_embedding",
]

#: Activation functions by name, for :func:`mlp`.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}


def mlp(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    output_activation: str | None = None,
) -> nn.Sequential:
    """Build a multi-layer perceptron: ``Linear -> activation [-> Dropout]`` per hidden layer.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and of the output.
    hidden : sequence of int
        Width of each hidden layer; ``[]`` gives a single linear layer.
    activation : str
        One of :data:`ACTIVATIONS` (``"relu"``, ``"leaky_relu"``, ``"tanh"``, ...).
    dropout : float
        Dropout probability after each hidden activation (0 disables it).
    output_activation : str, optional
        An activation after the last layer (e.g. ``"tanh"``); none by default.

    Wrong types raise a :class:`TypeError`, out-of-range values a :class:`ValueError`.

    Examples
    --------
    >>> mlp(1, [64], 1)
    Sequential(
      (0): Linear(in_features=1, out_features=64, bias=True)
      (1): ReLU()
      (2): Linear(in_features=64, out_features=1, bias=True)
    )
    """
    check_int(in_features, "in_features")
    check_int(out_features, "out_features")
    if isinstance(hidden, str) or not isinstance(hidden, Iterable):
        raise TypeError(f"hidden must be a list of layer widths, e.g. [64, 64], got {hidden!r}.")
    hidden = [check_int(h, f"hidden[{i}]") for i, h in enumerate(hidden)]
    for name, act in (("activation", activation), ("output_activation", output_activation)):
        if act is not None and not isinstance(act, str):
            raise TypeError(f"{name} must be a name (str) from {sorted(ACTIVATIONS)}.")
        if act is not None and act not in ACTIVATIONS:
            raise ValueError(f"Unknown {name} {act!r}; choose from {sorted(ACTIVATIONS)}.")
    check_float(dropout, "dropout", min_value=0, max_value=1, include_max=False)
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden:
        layers += [nn.Linear(width, h), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, out_features))
    if output_activation:
        layers.append(ACTIVATIONS[output_activation]())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """Encoder to a Tanh latent, decoder with a continuous head and per-category logits.

    The input is a row of :class:`~tabgen_lib.transforms.TabularTransformer`'s matrix: the
    :math:`K` continuous columns first (numbers in :math:`[-1, 1]`), then one one-hot block
    per discrete column. The encoder maps it to :math:`z \\in [-1, 1]^d` (a final Tanh), the
    decoder back to one number per continuous column (a linear head) and one logit per
    category. Trained with

    .. math:: L_{AE} = L_{MSE} + L_{CE}, \\qquad
              L_{CE} = \\frac{1}{C} \\sum_{c=1}^{C} \\mathrm{CE}(\\text{logits}_c,
              \\text{category}_c),

    the mean squared error over the continuous columns plus the mean over the :math:`C`
    discrete columns of their cross-entropy.

    A known limit: the continuous head is linear, and for generated embeddings that lie off
    the data it can overshoot :math:`[-1, 1]`; the inverse transform clips such values to
    the observed range, so they pile up at a column's extreme values (chapter 10 measures
    this for ``hours-per-week``). A Tanh head removes the pile-up but, in our runs, lost
    the rare non-zero capital gains entirely, so the linear head stays.

    Parameters
    ----------
    spans : list of ColumnSpan
        The transformer's column layout (continuous columns first, then one-hot blocks).
    latent_dim : int
        Size of the latent vector.
    hidden : sequence of int
        Widths of the encoder's hidden layers (the decoder mirrors them).

    Examples
    --------
    >>> from tabgen_lib.transforms import ColumnSpan
    >>> spans = [ColumnSpan("x", "continuous", 0, 1), ColumnSpan("c", "discrete", 1, 4)]
    >>> ae = Autoencoder(spans, latent_dim=2, hidden=[8])
    >>> ae.n_continuous, ae.blocks
    (1, [(1, 4)])
    >>> ae(torch.zeros(5, 4)).shape
    torch.Size([5, 4])
    """

    def __init__(self, spans, latent_dim: int = 32, hidden=(256, 128)):
        super().__init__()
        self.spans = list(spans)
        self.n_continuous = sum(s.kind == "continuous" for s in self.spans)
        self.blocks = [(s.start, s.end) for s in self.spans if s.kind == "discrete"]
        width = self.spans[-1].end if self.spans else 0
        hidden = list(hidden)
        self.encoder = mlp(width, hidden, latent_dim, output_activation="tanh")
        self.decoder = mlp(latent_dim, hidden[::-1], width)

    @property
    def n_numeric(self) -> int:
        """Old name of ``n_continuous``, kept for existing code."""
        return self.n_continuous

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Raw decoder output: numbers for continuous columns, logits for categories."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def row_losses(self, out: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-row ``(MSE over the continuous columns, mean CE over the discrete ones)``.

        Zeros where the table has no column of that kind.
        """
        k = self.n_continuous
        mse = ((out[:, :k] - x[:, :k]) ** 2).mean(dim=1) if k else x.new_zeros(len(x))
        ce = x.new_zeros(len(x))
        for start, end in self.blocks:
            target = x[:, start:end].argmax(dim=1)
            ce = ce + F.cross_entropy(out[:, start:end], target, reduction="none")
        if self.blocks:
            ce = ce / len(self.blocks)
        return mse, ce

    def losses(self, out: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(L_MSE, L_CE)`` of a decoder output ``out`` against the transformed rows ``x``."""
        mse, ce = self.row_losses(out, x)
        return mse.mean(), ce.mean()


def latent_generator(
    in_features: int, hidden: Sequence[int], out_features: int, batch_norm: bool = True
) -> nn.Sequential:
    """The latent GAN's generator: noise (+ one-hot label) to a fake embedding.

    ``Linear -> [BatchNorm] -> ReLU`` per hidden layer, then ``Linear -> Tanh``: the Tanh
    lets it reach the encoder's range :math:`[-1, 1]^d`, and batch normalisation keeps its
    outputs from collapsing onto a few modes.

    Examples
    --------
    >>> [type(m).__name__ for m in latent_generator(4, [8], 2)]
    ['Linear', 'BatchNorm1d', 'ReLU', 'Linear', 'Tanh']
    """
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


def latent_critic(
    in_features: int, hidden: Sequence[int], pac: int = 1, dropout: float = 0.5
) -> nn.Sequential:
    """The latent GAN's discriminator: a pack of ``pac`` (embedding + label) rows to a logit.

    An :func:`mlp` with LeakyReLU and Dropout whose input is ``pac`` rows of
    ``in_features`` numbers side by side (PacGAN, as in CTGAN): a generator that repeats
    itself is easy to spot in a pack. It outputs a logit; :math:`D = \\sigma(\\text{logit})`.

    Examples
    --------
    >>> latent_critic(3, [8], pac=4)[0]
    Linear(in_features=12, out_features=8, bias=True)
    """
    return mlp(in_features * pac, hidden, 1, activation="leaky_relu", dropout=dropout)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps ``t`` (shape ``(n,)``) into ``dim`` numbers.

    As the positions of a Transformer (Vaswani et al. 2017) and the timesteps of DDPM (Ho et
    al. 2020): with :math:`h = \\lfloor dim / 2 \\rfloor` frequencies
    :math:`\\omega_i = P^{-i/h}` (:math:`P` = ``max_period``),

    .. math:: e(t) = \\big(\\sin(\\omega_0 t), \\dots, \\sin(\\omega_{h-1} t),
              \\cos(\\omega_0 t), \\dots, \\cos(\\omega_{h-1} t)\\big),

    (a zero appended when ``dim`` is odd): nearby steps get similar vectors, and the network
    can read both coarse and fine differences of :math:`t`.

    >>> timestep_embedding(torch.tensor([0, 500]), 4).shape
    torch.Size([2, 4])
    >>> timestep_embedding(torch.tensor([0]), 4).tolist()  # sin(0) = 0, cos(0) = 1
    [[0.0, 0.0, 1.0, 1.0]]
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    args = t.float()[:, None] * freqs[None, :]
    out = torch.cat([torch.sin(args), torch.cos(args)], dim=1)
    return F.pad(out, (0, dim % 2))


class Denoiser(nn.Module):
    """The noise predictor :math:`\\varepsilon_\\theta(z_t, t, y)` of a latent diffusion model.

    An :func:`mlp` with SiLU activations whose input is the noisy embedding :math:`z_t`, the
    :func:`timestep_embedding` of :math:`t` and, for a conditional model, the one-hot label
    :math:`e_y`, side by side; its output, one number per latent coordinate, is its guess of
    the noise :math:`\\varepsilon` that was added.

    Parameters
    ----------
    latent_dim : int
        Size of :math:`z`.
    hidden : sequence of int
        Hidden widths of the MLP.
    n_labels : int
        Labels of a conditional model (0: unconditional).
    time_dim : int
        Size of the timestep embedding.

    Examples
    --------
    >>> net = Denoiser(latent_dim=3, hidden=[16], n_labels=2, time_dim=8)
    >>> net(torch.zeros(5, 3), torch.arange(5), torch.zeros(5, 2)).shape
    torch.Size([5, 3])
    """

    def __init__(self, latent_dim: int, hidden=(256, 256, 256), n_labels: int = 0, time_dim=64):
        super().__init__()
        self.time_dim = check_int(time_dim, "time_dim")
        self.n_labels = check_int(n_labels, "n_labels", min_value=0)
        self.net = mlp(
            latent_dim + time_dim + n_labels, list(hidden), latent_dim, activation="silu"
        )

    def forward(self, z_t: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None):
        parts = [z_t, timestep_embedding(t, self.time_dim)]
        if self.n_labels:
            parts.append(labels)
        return self.net(torch.cat(parts, dim=1))
