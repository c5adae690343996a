"""Checks of chapter 11, *Diffusion in the latent space* (``notebooks/11_latent_diffusion.ipynb``):
the forward jump :math:`q(z_t \\mid z_0)`, one DDIM step (against
:func:`tabgen_lib.latent_diffusion.ddim_sample`) and the ideal noise predictor of Gaussian data.

The chapter numbers the steps :math:`t = 1, \\dots, T` as the library does: step ``t`` is
index ``t - 1`` of the tensors ``betas`` and ``alpha_bar``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from tabgen_lib.latent_diffusion import ddim_sample, linear_schedule
from tabgen_lib.models import Denoiser
from tabgen_lib.validation import forked_torch_rng

from ._core import _call, _fail, _own_rng, _passed

__all__ = ["check_ddim_step", "check_forward_noise", "check_ideal_noise"]


def _as_tensor(result, name: str, shape: tuple) -> torch.Tensor:
    """The student's answer as a float64 tensor of ``shape``, or a failure saying why."""
    if not isinstance(result, torch.Tensor):
        _fail(f"`{name}` should return a torch.Tensor, got {type(result).__name__}.")
    if tuple(result.shape) != shape:
        _fail(f"`{name}` should return a tensor of shape {shape}, got {tuple(result.shape)}.")
    if not torch.isfinite(result).all():
        _fail(f"`{name}` returned NaN or infinite values: check the square roots and divisions.")
    return result.detach().double()


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return bool(torch.allclose(a, b, rtol=1e-4, atol=1e-5))


# ------------------------------------------------------------------ warm-up: the forward jump


def _forward(z0, t, eps, alpha_bar):
    a = alpha_bar[t - 1][:, None]
    return a.sqrt() * z0 + (1 - a).sqrt() * eps


@_own_rng
def check_forward_noise(forward_noise: Callable) -> None:
    """Check ``forward_noise(z0, t, eps, betas) -> z_t``: :math:`\\bar\\alpha_t` from the
    betas, then
    :math:`z_t = \\sqrt{\\bar\\alpha_t} z_0 + \\sqrt{1 - \\bar\\alpha_t}\\,\\varepsilon`.

    Examples
    --------
    >>> import torch
    >>> def forward_noise(z0, t, eps, betas):
    ...     a = torch.cumprod(1 - betas, 0)[t - 1][:, None]
    ...     return a.sqrt() * z0 + (1 - a).sqrt() * eps
    >>> check_forward_noise(forward_noise)
    Correct! z_t matches the closed form on 3 schedules, from the first step to the last.
    """
    with forked_torch_rng(11):
        cases = []
        for name, betas in (
            (
                "the linear schedule (T = 1000)",
                torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64),
            ),
            (
                "a short schedule (T = 5)",
                torch.tensor([0.1, 0.2, 0.05, 0.3, 0.5], dtype=torch.float64),
            ),
            ("a constant schedule (T = 50)", torch.full((50,), 0.04, dtype=torch.float64)),
        ):
            n, big_t = 8, len(betas)
            t = torch.randint(1, big_t + 1, (n,))
            t[0], t[-1] = 1, big_t  # the first and the last step
            cases.append(
                (
                    name,
                    torch.randn(n, 3, dtype=torch.float64),
                    t,
                    torch.randn(n, 3, dtype=torch.float64),
                    betas,
                )
            )
    for name, z0, t, eps, betas in cases:
        alpha_bar = torch.cumprod(1 - betas, 0)
        got = _as_tensor(
            _call(
                forward_noise, "forward_noise", z0.clone(), t.clone(), eps.clone(), betas.clone()
            ),
            "forward_noise",
            tuple(z0.shape),
        )
        want = _forward(z0, t, eps, alpha_bar)
        if _close(got, want):
            continue
        one_step = (1 - betas[t - 1])[:, None]
        if _close(got, one_step.sqrt() * z0 + (1 - one_step).sqrt() * eps):
            _fail(
                f"For {name} you applied one step's beta_t only. The jump from z_0 to z_t "
                "composes all t steps: use alpha_bar_t = prod_{s<=t} (1 - beta_s) "
                "(torch.cumprod)."
            )
        shifted = alpha_bar[torch.clamp(t, max=len(betas) - 1)][:, None]
        if _close(got, shifted.sqrt() * z0 + (1 - shifted).sqrt() * eps):
            _fail(
                f"For {name} your z_t is one step off: steps count from 1, so step t is "
                "index t - 1 of alpha_bar."
            )
        a = alpha_bar[t - 1][:, None]
        if _close(got, a * z0 + (1 - a) * eps):
            _fail(
                f"For {name}: alpha_bar_t and 1 - alpha_bar_t are the *variances*; z_t is "
                "sqrt(alpha_bar_t) * z0 + sqrt(1 - alpha_bar_t) * eps."
            )
        _fail(
            f"For {name} and steps {t.tolist()}, your z_t differs from the closed form "
            f"sqrt(alpha_bar_t) * z0 + sqrt(1 - alpha_bar_t) * eps (largest difference "
            f"{(got - want).abs().max().item():.3g})."
        )
    _passed("z_t matches the closed form on 3 schedules, from the first step to the last.")


# ------------------------------------------------------------------ core: one DDIM step


def _ddim_reference(z_t, eps_hat, abar_t, abar_s, low, high, *, clip=True, refit=True):
    z0 = (z_t - (1 - abar_t).sqrt() * eps_hat) / abar_t.sqrt()
    if clip:
        z0 = torch.clamp(z0, low, high)
    eps = (z_t - abar_t.sqrt() * z0) / (1 - abar_t).sqrt() if refit else eps_hat
    return abar_s.sqrt() * z0 + (1 - abar_s).sqrt() * eps


def _step_cases():
    with forked_torch_rng(111):
        z_t = torch.randn(20, 4)
        eps_hat = torch.randn(20, 4)
    low, high = torch.full((4,), -1.5), torch.full((4,), 1.5)
    wide = torch.full((4,), -100.0), torch.full((4,), 100.0)
    return [
        (
            "a step from abar_t = 0.3 to abar_s = 0.6, no clipping needed",
            z_t,
            eps_hat,
            torch.tensor(0.3),
            torch.tensor(0.6),
            *wide,
        ),
        (
            "a step from abar_t = 0.05 to abar_s = 0.4 with z0_hat clipped to [-1.5, 1.5]",
            z_t,
            eps_hat,
            torch.tensor(0.05),
            torch.tensor(0.4),
            low,
            high,
        ),
        (
            "the last step (abar_s = 1)",
            z_t,
            eps_hat,
            torch.tensor(0.9),
            torch.tensor(1.0),
            low,
            high,
        ),
    ]


@_own_rng
def check_ddim_step(ddim_step: Callable) -> None:
    """Check ``ddim_step(z_t, eps_hat, abar_t, abar_s, low, high) -> z_s``: the estimate
    :math:`\\hat z_0` clipped to ``[low, high]``, the noise refitted to it, and the jump to
    :math:`\\bar\\alpha_s`; then a whole sampling run of the student's steps against
    :func:`~tabgen_lib.latent_diffusion.ddim_sample`.

    Examples
    --------
    >>> import torch
    >>> def ddim_step(z_t, eps_hat, abar_t, abar_s, low, high):
    ...     z0 = torch.clamp((z_t - (1 - abar_t).sqrt() * eps_hat) / abar_t.sqrt(), low, high)
    ...     eps = (z_t - abar_t.sqrt() * z0) / (1 - abar_t).sqrt()
    ...     return abar_s.sqrt() * z0 + (1 - abar_s).sqrt() * eps
    >>> check_ddim_step(ddim_step)
    Correct! Your step matches on 3 cases, and 20 of your steps reproduce ddim_sample.
    """
    for name, z_t, eps_hat, abar_t, abar_s, low, high in _step_cases():
        args = (z_t, eps_hat, abar_t, abar_s, low, high)
        got = _as_tensor(
            _call(ddim_step, "ddim_step", *(a.clone() for a in args)), "ddim_step", tuple(z_t.shape)
        )
        want = _ddim_reference(*args).double()
        if _close(got, want):
            continue
        if _close(got, _ddim_reference(*args, clip=False).double()):
            _fail(f"For {name}: clip z0_hat to [low, high] (torch.clamp) before using it.")
        if _close(got, _ddim_reference(*args, refit=False).double()):
            _fail(
                f"For {name}: after clipping, recompute the noise that fits the clipped "
                "z0_hat, eps = (z_t - sqrt(abar_t) z0_hat) / sqrt(1 - abar_t), and put that "
                "noise back at level abar_s."
            )
        if _close(got, _ddim_reference(z_t, eps_hat, abar_t, abar_t, low, high).double()):
            _fail(f"For {name}: the step must jump to the level abar_s, not stay at abar_t.")
        _fail(
            f"For {name} your z_s differs from the DDIM update (largest difference "
            f"{(got - want).abs().max().item():.3g}): z0_hat = (z_t - sqrt(1 - abar_t) "
            "eps_hat) / sqrt(abar_t), clipped; z_s = sqrt(abar_s) z0_hat + sqrt(1 - abar_s) eps."
        )

    # A whole run: the student's steps chained as ddim_sample chains its own.
    alpha_bar = linear_schedule()
    with forked_torch_rng(1111):
        net = Denoiser(latent_dim=3, hidden=[16], time_dim=8).eval()
        noise = torch.randn(50, 3)
    low, high = torch.full((3,), -2.0), torch.full((3,), 2.0)
    n_steps = 20
    want = ddim_sample(net, noise, None, alpha_bar=alpha_bar, n_steps=n_steps, low=low, high=high)
    times = torch.linspace(len(alpha_bar), 1, n_steps).round().long().unique_consecutive().tolist()
    abar = alpha_bar.float()
    z = noise.clone()
    with torch.no_grad():
        for i, t in enumerate(times):
            abar_s = abar[times[i + 1] - 1] if i + 1 < len(times) else torch.tensor(1.0)
            eps_hat = net(z, torch.full((len(z),), t, dtype=torch.long))
            z = _call(ddim_step, "ddim_step", z, eps_hat, abar[t - 1], abar_s, low, high)
            z = _as_tensor(z, "ddim_step", tuple(noise.shape)).float()
    if not torch.allclose(z, want, rtol=1e-3, atol=1e-4):
        _fail(
            f"Each step matched, yet {n_steps} of your steps from pure noise end "
            f"{(z - want).abs().max().item():.3g} away from ddim_sample: does your step change "
            "its inputs in place, or depend on a global?"
        )
    _passed(f"Your step matches on 3 cases, and {n_steps} of your steps reproduce ddim_sample.")


# ------------------------------------------------------------------ challenge: the ideal predictor


def _ideal(z_t, t, alpha_bar, mean, std):
    a = alpha_bar[t - 1][:, None]
    return (1 - a).sqrt() * (z_t - a.sqrt() * mean) / (a * std**2 + 1 - a)


@_own_rng
def check_ideal_noise(ideal_noise: Callable) -> None:
    """Check ``ideal_noise(z_t, t, alpha_bar, mean, std) -> E[eps | z_t]`` for embeddings
    whose coordinates are independent :math:`\\mathcal N(\\mathrm{mean}_j, \\mathrm{std}_j^2)`,
    and that DDIM with it recovers that distribution.

    Examples
    --------
    >>> def ideal_noise(z_t, t, alpha_bar, mean, std):
    ...     a = alpha_bar[t - 1][:, None]
    ...     return (1 - a).sqrt() * (z_t - a.sqrt() * mean) / (a * std**2 + 1 - a)
    >>> check_ideal_noise(ideal_noise)
    Correct! E[eps | z_t] at 3 noise levels, and DDIM with it recovers N(mean, std^2).
    """
    alpha_bar = linear_schedule()
    mean = torch.tensor([0.5, -1.0], dtype=torch.float64)
    std = torch.tensor([0.2, 1.5], dtype=torch.float64)
    with forked_torch_rng(11111):
        z_t = 1.3 * torch.randn(30, 2, dtype=torch.float64)
    for name, step in (("t = 1 (almost no noise)", 1), ("t = 200", 200), ("t = T", 1000)):
        t = torch.full((30,), step, dtype=torch.long)
        got = _as_tensor(
            _call(ideal_noise, "ideal_noise", z_t.clone(), t, alpha_bar, mean, std),
            "ideal_noise",
            (30, 2),
        )
        want = _ideal(z_t, t, alpha_bar, mean, std)
        if _close(got, want):
            continue
        a = alpha_bar[step - 1]
        if _close(got, (1 - a).sqrt() * (z_t - a.sqrt() * mean)):
            _fail(
                f"At {name}: your answer assumes unit-variance data. z_t has variance "
                "abar * std^2 + 1 - abar per coordinate; divide by it."
            )
        if _close(got, (z_t - a.sqrt() * mean) / (1 - a).sqrt()):
            _fail(
                f"At {name}: that is the noise if z_0 were exactly the mean. z_0 has a spread "
                "too: E[eps | z_t] = Cov(eps, z_t) / Var(z_t) * (z_t - E[z_t])."
            )
        _fail(
            f"At {name} your prediction differs from E[eps | z_t] (largest difference "
            f"{(got - want).abs().max().item():.3g}). Hint: eps and z_t are jointly Gaussian; "
            "E[eps | z_t] = Cov(eps, z_t) / Var(z_t) * (z_t - E[z_t])."
        )
    with forked_torch_rng(111111):
        noise = torch.randn(20_000, 2)
    wide = torch.full((2,), -100.0), torch.full((2,), 100.0)

    def predictor(z, t, labels=None):
        return _call(ideal_noise, "ideal_noise", z.double(), t, alpha_bar, mean, std).float()

    z = ddim_sample(
        predictor, noise, None, alpha_bar=alpha_bar, n_steps=200, low=wide[0], high=wide[1]
    )
    if not (
        torch.allclose(z.mean(0).double(), mean, atol=0.05)
        and torch.allclose(z.std(0).double(), std, rtol=0.1)
    ):
        _fail("DDIM with your predictor does not recover N(mean, std^2): check it on arrays.")
    _passed("E[eps | z_t] at 3 noise levels, and DDIM with it recovers N(mean, std^2).")
