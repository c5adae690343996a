"""Checks of chapter 01, *Generative adversarial networks* (``notebooks/01_gans.ipynb``)."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch

from tabgen_lib.models import mlp
from tabgen_lib.validation import forked_torch_rng

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_gan_training_step", "check_mlp_parameter_count"]


@_own_rng
def check_mlp_parameter_count(mlp_parameter_count: Callable) -> None:
    """Check ``mlp_parameter_count(in_features, hidden, out_features) -> int``: the number
    of weights and biases in ``tabgen_lib.models.mlp(in_features, hidden, out_features)``.

    Examples
    --------
    >>> from tabgen_lib.models import mlp
    >>> check_mlp_parameter_count(lambda i, h, o: sum(p.numel() for p in mlp(i, h, o).parameters()))
    Correct! Your counts match the networks' parameters in 5 cases.
    """
    cases = [(1, [16], 1), (1, [32, 32], 1), (2, [8, 4], 3), (3, [], 1), (10, [64, 64, 64], 1)]
    for in_f, hidden, out_f in cases:
        got = _number(
            _call(mlp_parameter_count, "mlp_parameter_count", in_f, list(hidden), out_f),
            "The count",
        )
        want = sum(p.numel() for p in mlp(in_f, hidden, out_f).parameters())
        if got != want:
            widths = [in_f, *hidden, out_f]
            no_bias = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=False))
            hint = (
                " Did you forget the biases (one per output of each layer)?"
                if got == no_bias
                else " Each nn.Linear(a, b) holds a*b weights and b biases."
            )
            _fail(f"mlp({in_f}, {hidden}, {out_f}) has {want} parameters, you said {got:g}.{hint}")
    _passed(f"Your counts match the networks' parameters in {len(cases)} cases.")


def _reference_gan_step(generator, discriminator, g_opt, d_opt, real, z):
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    fake = generator(z).detach()
    real_logits, fake_logits = discriminator(real), discriminator(fake)
    d_loss = bce(real_logits, torch.ones_like(real_logits)) + bce(
        fake_logits, torch.zeros_like(fake_logits)
    )
    d_opt.zero_grad()
    d_loss.backward()
    d_opt.step()
    logits = discriminator(generator(z))
    g_loss = bce(logits, torch.ones_like(logits))
    g_opt.zero_grad()
    g_loss.backward()
    g_opt.step()
    return d_loss.item(), g_loss.item()


def _gan_setup(seed: int):
    """Two identical copies of a small generator, discriminator and their SGD optimizers
    (one for the student, one for the reference), a batch of real samples and noise."""
    gen = torch.Generator().manual_seed(seed)
    with forked_torch_rng(seed):
        generator, discriminator = mlp(2, [8], 1), mlp(1, [8], 1)
    real = 2 + 0.5 * torch.randn(32, 1, generator=gen)
    z = torch.randn(32, 2, generator=gen)
    nets = []
    for _ in range(2):
        g, d = copy.deepcopy(generator), copy.deepcopy(discriminator)
        opts = torch.optim.SGD(g.parameters(), lr=0.1), torch.optim.SGD(d.parameters(), lr=0.1)
        nets.append((g, d, *opts))
    return nets, real, z


def _same_parameters(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(
        torch.allclose(p, q, atol=1e-6) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


@_own_rng
def check_gan_training_step(gan_training_step: Callable) -> None:
    """Check ``gan_training_step(generator, discriminator, g_opt, d_opt, real, z)``: one
    discriminator update, then one generator update through the updated discriminator;
    returns ``(d_loss, g_loss)`` as numbers.

    Examples
    --------
    >>> check_gan_training_step(_reference_gan_step)
    Correct! Both losses and both networks' new parameters match the reference step.
    """
    for seed in (0, 1):
        nets, real, z = _gan_setup(seed)
        (g, d, g_opt, d_opt), (g_ref, d_ref, g_opt_ref, d_opt_ref) = nets
        d_before = [p.detach().clone() for p in d.parameters()]
        g_before = [p.detach().clone() for p in g.parameters()]
        result = _call(
            gan_training_step, "gan_training_step", g, d, g_opt, d_opt, real.clone(), z.clone()
        )
        if not isinstance(result, tuple | list) or len(result) != 2:
            _fail("`gan_training_step` should return two numbers: (d_loss, g_loss).")
        d_loss, g_loss = _number(result[0], "d_loss"), _number(result[1], "g_loss")
        want_d, want_g = _reference_gan_step(g_ref, d_ref, g_opt_ref, d_opt_ref, real, z)
        if all(torch.equal(p, q) for p, q in zip(d.parameters(), d_before, strict=True)):
            _fail("The discriminator did not change: call d_opt.step() after d_loss.backward().")
        if all(torch.equal(p, q) for p, q in zip(g.parameters(), g_before, strict=True)):
            _fail("The generator did not change: call g_opt.step() after g_loss.backward().")
        if not np.isclose(d_loss, want_d, rtol=1e-4, atol=1e-6):
            _fail(
                f"d_loss should be {want_d:.4f}, yours is {d_loss:.4f}. It is the binary "
                "cross-entropy of D(real) against 1 plus that of D(G(z)) against 0 (two means, "
                "added), computed on logits before the discriminator's update."
            )
        if not _same_parameters(d, d_ref):
            _fail(
                "d_loss is right but the discriminator's new parameters are not: clear its "
                "gradients (d_opt.zero_grad()) before d_loss.backward(), then d_opt.step()."
            )
        if not np.isclose(g_loss, want_g, rtol=1e-4, atol=1e-6):
            _fail(
                f"g_loss should be {want_g:.4f}, yours is {g_loss:.4f}. Compute it after the "
                "discriminator's update, with the same z: the cross-entropy of D(G(z)) against "
                "the label 1 ('real'), so the generator is rewarded for fooling D."
            )
        if not _same_parameters(g, g_ref):
            _fail(
                "g_loss is right but the generator's new parameters are not: detach the fake "
                "samples in the discriminator's step (or clear G's gradients with "
                "g_opt.zero_grad() before g_loss.backward())."
            )
    _passed("Both losses and both networks' new parameters match the reference step.")
