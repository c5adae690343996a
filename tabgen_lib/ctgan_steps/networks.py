"""CTGAN's two networks: the packed critic and the conditional generator.

- :func:`pack` and :class:`PackedCritic` -- PacGAN (Lin et al., 2018): the critic judges
  ``pac`` rows at once, so a generator that repeats itself is easy to spot;
- :class:`Residual` and :class:`ConditionalGenerator` -- the generator
  :math:`h_{i+1} = h_i \\oplus \\mathrm{ReLU}(\\mathrm{BN}(\\mathrm{FC}(h_i)))`;
- :func:`apply_activations` -- ``tanh`` on each ``alpha``, Gumbel-softmax on each one-hot
  block, which turns the generator's raw output into an encoded row.

The layer choices are those of the ``ctgan`` package (``Discriminator``, ``Residual``,
``Generator`` and ``CTGAN._apply_activate``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..validation import check_float, check_int
from .transformer import OutputSpan

__all__ = ["ConditionalGenerator", "PackedCritic", "Residual", "apply_activations", "pack"]


# ------------------------------------------------------------------ packing and the critic


def pack(x: torch.Tensor, pac: int) -> torch.Tensor:
    """PacGAN packing: rows ``(n, d)`` to ``(n / pac, pac * d)``, each new row the
    concatenation of ``pac`` consecutive rows.

    Examples
    --------
    >>> x = torch.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])
    >>> pack(x, 2)
    tensor([[0., 1., 2., 3.],
            [4., 5., 6., 7.]])
    """
    pac = check_int(pac, "pac")
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise TypeError("x must be a 2-dimensional torch tensor (rows, features).")
    if x.shape[0] % pac:
        raise ValueError(f"The number of rows ({x.shape[0]}) must be a multiple of pac ({pac}).")
    return x.reshape(x.shape[0] // pac, pac * x.shape[1])


def _widths(hidden, name: str) -> list[int]:
    return [check_int(width, f"{name}[{i}]") for i, width in enumerate(hidden)]


class PackedCritic(nn.Module):
    """The CTGAN critic: packs ``pac`` rows, then ``Linear -> LeakyReLU(0.2) -> Dropout(0.5)``
    per hidden layer and a final ``Linear`` to one score per pack.

    Examples
    --------
    >>> critic = PackedCritic(input_dim=3, pac=2, hidden=(8,))
    >>> critic(torch.zeros(6, 3)).shape  # 6 rows -> 3 packs
    torch.Size([3, 1])
    """

    def __init__(self, input_dim: int, pac: int = 10, hidden: Sequence[int] = (256, 256)):
        super().__init__()
        self.pac = check_int(pac, "pac")
        dim = check_int(input_dim, "input_dim") * self.pac
        layers = []
        for width in _widths(hidden, "hidden"):
            layers += [nn.Linear(dim, width), nn.LeakyReLU(0.2), nn.Dropout(0.5)]
            dim = width
        self.net = nn.Sequential(*layers, nn.Linear(dim, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(pack(x, self.pac))


# ------------------------------------------------------------------ the generator


class Residual(nn.Module):
    """One generator layer: ``h -> ReLU(BN(FC(h))) ⊕ h`` (the input is passed on too).

    Examples
    --------
    >>> Residual(3, 5)(torch.zeros(4, 3)).shape  # 5 new features, then the 3 inputs
    torch.Size([4, 8])
    """

    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.fc, self.bn = nn.Linear(in_dim, out_dim), nn.BatchNorm1d(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


class ConditionalGenerator(nn.Module):
    """The CTGAN generator: input ``z ⊕ cond``, residual layers
    ``h_{i+1} = h_i ⊕ ReLU(BN(FC(h_i)))``, then a linear layer to the raw (pre-activation)
    encoded row.

    Examples
    --------
    >>> gen = ConditionalGenerator(noise_dim=4, cond_dim=2, output_dim=5, hidden=(8, 8))
    >>> gen(torch.randn(3, 4), torch.zeros(3, 2)).shape
    torch.Size([3, 5])
    """

    def __init__(self, noise_dim: int, cond_dim: int, output_dim: int, hidden=(256, 256)):
        super().__init__()
        dim = check_int(noise_dim, "noise_dim") + check_int(cond_dim, "cond_dim", min_value=0)
        layers = []
        for width in _widths(hidden, "hidden"):
            layers.append(Residual(dim, width))
            dim += width
        self.net = nn.Sequential(*layers, nn.Linear(dim, check_int(output_dim, "output_dim")))

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, cond], dim=1))


def apply_activations(
    raw: torch.Tensor,
    spans: Sequence[OutputSpan],
    tau: float = 0.2,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``tanh`` on each ``alpha`` span, Gumbel-softmax (temperature ``tau``) on each one-hot
    span: the generator's raw output becomes an encoded row.

    The Gumbel-softmax of logits :math:`l` is :math:`\\mathrm{softmax}((l + g) / \\tau)` with
    :math:`g = -\\log E`, :math:`E \\sim \\mathrm{Exp}(1)`; the noise comes from ``generator``
    when given, else from PyTorch's global generator (as
    ``torch.nn.functional.gumbel_softmax``, the same formula).

    Examples
    --------
    >>> spans = [OutputSpan("x", 0, 1, "tanh", False), OutputSpan("x", 1, 3, "softmax", False)]
    >>> out = apply_activations(torch.tensor([[10.0, 0.0, 0.0]]), spans)
    >>> round(float(out[0, 0]), 4), round(float(out[0, 1:].sum()), 4)
    (1.0, 1.0)
    """
    tau = check_float(tau, "tau", min_value=0, include_min=False)
    if not spans or spans[-1].stop != raw.shape[1]:
        raise ValueError("spans must cover all columns of raw (use transformer.spans_).")
    parts = []
    for span in spans:
        block = raw[:, span.start : span.stop]
        if span.activation == "tanh":
            parts.append(torch.tanh(block))
        elif span.activation == "softmax":
            if generator is None:
                parts.append(F.gumbel_softmax(block, tau=tau, hard=False))
            else:  # the same formula as gumbel_softmax, with noise from `generator`
                gumbels = -torch.empty_like(block).exponential_(generator=generator).log()
                parts.append(((block + gumbels) / tau).softmax(dim=1))
        else:
            raise ValueError(f"Unknown activation {span.activation!r}.")
    return torch.cat(parts, dim=1)
