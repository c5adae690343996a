"""Small neural networks shared by the chapters.

- :func:`mlp` -- a multi-layer perceptron (chapters 03 onwards);
- :class:`Autoencoder` -- chapter 09's autoencoder with one decoder head per column type;
- :func:`latent_generator`, :func:`latent_critic` -- the two players of the GAN that
  :class:`~tabgen_lib.aegan.AEGAN` trains in the autoencoder's latent space.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .validation import check_float, check_int

__all__ = ["ACTIVATIONS", "Autoencoder", "latent_critic", "latent_generator", "mlp"]

#: Activation functions by name, for :func:`mlp`.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
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
