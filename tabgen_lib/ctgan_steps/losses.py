"""CTGAN's losses: WGAN-GP for the critic, Wasserstein plus cross-entropy for the generator.

The critic :math:`C` minimises the Wasserstein loss with a gradient penalty
(Gulrajani et al., 2017) taken at *packed* interpolates of real and fake rows,

.. math:: L_C = \\overline{C(\\text{fake})} - \\overline{C(\\text{real})}
          + \\lambda \\, \\overline{(\\lVert \\nabla C(\\hat x) \\rVert - 1)^2},
          \\qquad \\lambda = 10;

the generator minimises

.. math:: L_G = -\\overline{C(\\text{fake})} + H(\\text{condition}, \\text{generated column}),

the second term a cross-entropy that makes it honour the condition vector.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.nn import functional as F

from ..validation import check_float, check_int
from .networks import pack
from .transformer import OutputSpan

__all__ = ["conditional_loss", "ctgan_generator_loss", "gradient_penalty"]


def gradient_penalty(
    critic,
    real: torch.Tensor,
    fake: torch.Tensor,
    pac: int = 10,
    weight: float = 10.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty ``weight * mean_k (||grad C(x_k)|| - 1)^2`` at packed interpolates.

    One ``rho ~ U(0, 1)`` per pack mixes the real and fake pack,
    ``x_k = rho_k real_k + (1 - rho_k) fake_k``; the gradient norm is taken over the whole
    packed input of ``pac * d`` numbers. The result keeps its graph, so it can be
    back-propagated into the critic.

    Parameters
    ----------
    critic : callable
        Maps ``(n, d)`` rows to ``(n / pac, 1)`` scores (e.g. :class:`PackedCritic`).
    real, fake : torch.Tensor
        Same shape ``(n, d)``, ``n`` a multiple of ``pac``.
    pac, weight : int, float
        Rows per pack and the penalty weight :math:`\\lambda`.
    generator : torch.Generator, optional
        Draws ``rho``; PyTorch's global generator if ``None``.

    Examples
    --------
    >>> w = torch.tensor([0.6, 0.8])  # unit norm: the gradient norm is 1 everywhere
    >>> critic = lambda x: pack(x, 2) @ w[:, None]
    >>> float(gradient_penalty(critic, torch.zeros(4, 1), torch.ones(4, 1), pac=2))
    0.0
    """
    pac = check_int(pac, "pac")
    weight = check_float(weight, "weight", min_value=0)
    if not isinstance(real, torch.Tensor) or not isinstance(fake, torch.Tensor):
        raise TypeError("real and fake must be torch tensors.")
    if real.shape != fake.shape or real.ndim != 2:
        raise ValueError(f"real and fake need the same 2-d shape, got {real.shape}, {fake.shape}.")
    if real.shape[0] % pac:
        raise ValueError(f"The number of rows ({real.shape[0]}) must be a multiple of pac ({pac}).")
    n, d = real.shape
    rho = torch.rand(n // pac, 1, 1, device=real.device, generator=generator)
    rho = rho.expand(n // pac, pac, d).reshape(n, d)
    mixed = (rho * real.detach() + (1 - rho) * fake.detach()).requires_grad_(True)
    scores = critic(mixed)
    (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = pack(grads, pac).norm(dim=1)
    return weight * ((norms - 1) ** 2).mean()


def conditional_loss(raw, cond, mask, discrete_spans: Sequence[OutputSpan]) -> torch.Tensor:
    """Cross-entropy between the generated logits of the conditioned column and the
    requested category, averaged over the batch (the other columns are masked out).

    Examples
    --------
    >>> spans = [OutputSpan("c", 0, 2, "softmax", True)]
    >>> cond, mask = torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0]])
    >>> good = conditional_loss(torch.tensor([[5.0, -5.0]]), cond, mask, spans)
    >>> bad = conditional_loss(torch.tensor([[-5.0, 5.0]]), cond, mask, spans)
    >>> bool(good < 0.001 < 9 < bad)
    True
    """
    if mask.shape[1] != len(discrete_spans):
        raise ValueError("mask needs one column per discrete span.")
    losses, offset = [], 0
    for span in discrete_spans:
        width = span.stop - span.start
        target = cond[:, offset : offset + width].argmax(dim=1)
        logits = raw[:, span.start : span.stop]
        losses.append(F.cross_entropy(logits, target, reduction="none"))
        offset += width
    return (torch.stack(losses, dim=1) * mask).sum() / raw.shape[0]


def ctgan_generator_loss(critic_fake, raw, cond, mask, discrete_spans) -> torch.Tensor:
    """CTGAN's generator loss ``-mean C(fake packs) + conditional_loss``: fool the critic and
    honour the condition.

    Not to be confused with :func:`tabgen_lib.gan1d.generator_loss`, the loss of chapter 02's
    1-D GAN (a binary cross-entropy on the discriminator's logits, no condition).

    Examples
    --------
    >>> spans = [OutputSpan("c", 0, 2, "softmax", True)]
    >>> loss = ctgan_generator_loss(torch.tensor([[2.0]]), torch.tensor([[5.0, -5.0]]),
    ...                             torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0]]), spans)
    >>> round(float(loss), 3)
    -2.0
    """
    return -critic_fake.mean() + conditional_loss(raw, cond, mask, discrete_spans)
