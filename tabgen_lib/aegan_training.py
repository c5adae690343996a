"""The two training stages of :class:`~tabgen_lib.aegan.AEGAN`, one function each.

Both take the networks, the data as tensors, their settings and a
:class:`torch.Generator` for every random draw they make (batches, noise), and return
their loss history. Dropout and weight initialisation draw from PyTorch's global
generator: :meth:`AEGAN.fit <tabgen_lib.aegan.AEGAN.fit>` runs the stages inside
:func:`tabgen_lib.validation.forked_torch_rng`, so the caller's random state is left alone.

- :func:`train_autoencoder` -- Stage 1, the autoencoder on the transformed rows (shared by
  every latent generator, so it lives in :mod:`tabgen_lib.autoencoder_stage`; imported
  here for existing code);
- :func:`train_latent_gan` -- Stage 2, a (conditional) GAN on the frozen encoder's embeddings.

Examples
--------
>>> from tabgen_lib.models import Autoencoder, latent_critic, latent_generator
>>> from tabgen_lib.transforms import ColumnSpan
>>> rng = torch.Generator().manual_seed(0)
>>> x = torch.rand(64, 1, generator=rng) * 2 - 1
>>> ae = Autoencoder([ColumnSpan("x", "continuous", 0, 1)], latent_dim=2, hidden=[8])
>>> h = train_autoencoder(ae, x, steps=120, lr=1e-2, batch_size=16, latent_noise=0.0, rng=rng)
>>> h["ae_step"]
[50, 100, 120]
>>> G, D = latent_generator(4, [8], 2), latent_critic(2, [8], pac=4)
>>> h = train_latent_gan(G, D, ae.encode(x), None, n_labels=0, noise_dim=4, steps=5,
...                      lr=1e-3, d_lr_factor=0.25, k_steps_g=1, pac=4, batch_size=16, rng=rng)
>>> h["step"]
[1, 2, 3, 4, 5]
"""

from __future__ import annotations

import torch
from torch import nn
from tqdm.auto import tqdm

from .aegan_labels import one_hot
from .autoencoder_stage import _bar, train_autoencoder

__all__ = ["batch_rows", "critic_logits", "train_autoencoder", "train_latent_gan"]


def batch_rows(batch_size: int, pac: int, n_rows: int) -> int:
    """Rows per batch: ``batch_size`` cut to ``n_rows``, rounded down to a multiple of
    ``pac`` (both ``batch_size`` and ``n_rows`` are at least ``pac``).

    >>> batch_rows(batch_size=512, pac=8, n_rows=100)
    96
    """
    return min(batch_size, n_rows) // pac * pac


def critic_logits(critic: nn.Module, embeddings: torch.Tensor, cond: torch.Tensor, pac: int):
    """The critic's logits for packs of ``pac`` consecutive (embedding, one-hot label) rows."""
    rows = torch.cat([embeddings, cond], dim=1)
    return critic(rows.reshape(len(rows) // pac, -1))


def train_latent_gan(
    generator: nn.Module,
    critic: nn.Module,
    z_real: torch.Tensor,
    codes: torch.Tensor | None,
    *,
    n_labels: int,
    noise_dim: int,
    steps: int,
    lr: float,
    d_lr_factor: float,
    k_steps_g: int,
    pac: int,
    batch_size: int,
    rng: torch.Generator,
    progress: bool = False,
) -> dict:
    """Stage 2: a GAN whose real samples are the embeddings ``z_real`` of the real rows.

    The generator :math:`G` maps noise :math:`\\epsilon \\sim \\mathcal N(0, I)` (and, for a
    conditional GAN, the one-hot label :math:`e_y` of a random real row; ``codes`` are the
    rows' label codes, ``None`` for a plain GAN) to a fake embedding; the critic :math:`D`
    sees packs of ``pac`` (embedding, label) rows (:func:`critic_logits`). Per step, one
    discriminator update on a batch of real rows and fakes, then ``k_steps_g`` generator
    updates, with the binary cross-entropy

    .. math:: L_D = -[\\log D(z_{real}, e_y) + \\log(1 - D(G(\\epsilon, e_y), e_y))], \\qquad
              L_G = -\\log D(G(\\epsilon, e_y), e_y).

    Adam with :math:`\\beta = (0.5, 0.999)`; the generator learns with ``lr``, the critic
    with ``d_lr_factor * lr``. Both end in eval mode.

    Returns ``{"step", "d_loss", "g_loss", "d_real", "d_fake"}``: about 100 logged points,
    each the mean over the steps since the last one (``d_real``, ``d_fake``: mean
    :math:`D` on real and fake embeddings).
    """
    device = z_real.device
    n = len(z_real)
    batch = batch_rows(batch_size, pac, n)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(critic.parameters(), lr=lr * d_lr_factor, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    ones = torch.ones(batch // pac, 1, device=device)
    zeros = torch.zeros(batch // pac, 1, device=device)

    def random_rows() -> torch.Tensor:
        return torch.randint(0, n, (batch,), generator=rng, device=device)

    def condition(rows: torch.Tensor) -> torch.Tensor:
        return one_hot(codes[rows], n_labels) if codes is not None else z_real[rows, :0]

    def fake(cond: torch.Tensor) -> torch.Tensor:
        noise = torch.randn(len(cond), noise_dim, generator=rng, device=device)
        return generator(torch.cat([noise, cond], dim=1))

    history: dict[str, list] = {k: [] for k in ("step", "d_loss", "g_loss", "d_real", "d_fake")}
    running = dict.fromkeys(("d_loss", "g_loss", "d_real", "d_fake"), 0.0)
    log_every = max(1, steps // 100)
    generator.train()
    critic.train()
    for step in tqdm(range(1, steps + 1), desc="Stage 2: latent GAN", **_bar(progress)):
        rows = random_rows()
        real, cond = z_real[rows], condition(rows)
        with torch.no_grad():
            fake_z = fake(cond)
        d_real = critic_logits(critic, real, cond, pac)
        d_fake = critic_logits(critic, fake_z, cond, pac)
        d_loss = bce(d_real, ones) + bce(d_fake, zeros)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        for _ in range(k_steps_g):
            cond = condition(random_rows())
            g_loss = bce(critic_logits(critic, fake(cond), cond, pac), ones)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
        running["d_loss"] += d_loss.item()
        running["g_loss"] += g_loss.item()
        running["d_real"] += torch.sigmoid(d_real).mean().item()
        running["d_fake"] += torch.sigmoid(d_fake).mean().item()
        if step % log_every == 0 or step == steps:
            count = log_every if step % log_every == 0 else step % log_every
            history["step"].append(step)
            for key in running:
                history[key].append(running[key] / count)
                running[key] = 0.0
    generator.eval()
    critic.eval()
    return history
