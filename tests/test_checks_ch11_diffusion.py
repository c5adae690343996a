"""Exercise checks of chapter 11 (diffusion in the latent space): forward jump, DDIM step,
ideal noise predictor."""

import pytest
import torch

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError
from tabgen_lib.latent_diffusion import ddim_sample, linear_schedule
from tabgen_lib.models import Denoiser
from tabgen_lib.validation import forked_torch_rng

from ._checks_helpers import assert_keeps_random_state, stub

# ---------------------------------------------------------------- warm-up: forward_noise


def forward_noise(z0, t, eps, betas):
    a = torch.cumprod(1 - betas, 0)[t - 1][:, None]
    return a.sqrt() * z0 + (1 - a).sqrt() * eps


def test_forward_noise_accepts_a_correct_answer(capsys):
    checks.check_forward_noise(forward_noise)
    assert capsys.readouterr().out.startswith("Correct!")


def test_forward_noise_matches_the_library_schedule():
    # the warm-up's formula is the library's: linear_schedule is the cumulative product
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    assert torch.allclose(torch.cumprod(1 - betas, 0), linear_schedule())


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (
            lambda z0, t, eps, b: (
                (1 - b[t - 1])[:, None].sqrt() * z0 + b[t - 1][:, None].sqrt() * eps
            ),
            "one step's beta_t only",
        ),
        (
            lambda z0, t, eps, b: forward_noise(z0, torch.clamp(t + 1, max=len(b)), eps, b),
            "one step off",
        ),
        (
            lambda z0, t, eps, b: (lambda a: a * z0 + (1 - a) * eps)(
                torch.cumprod(1 - b, 0)[t - 1][:, None]
            ),
            "variances",
        ),
        (lambda z0, t, eps, b: forward_noise(z0, t, eps, b)[:, 0], "shape"),
        (lambda z0, t, eps, b: [1.0], "torch.Tensor"),
        (lambda z0, t, eps, b: forward_noise(z0, t, eps, b) + 0.01, "differs from the closed form"),
        (stub, "not implemented yet"),
    ],
)
def test_forward_noise_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseCheckError, match=match):
        checks.check_forward_noise(wrong)


# ---------------------------------------------------------------- core: ddim_step


def ddim_step(z_t, eps_hat, abar_t, abar_s, low, high):
    z0 = torch.clamp((z_t - (1 - abar_t).sqrt() * eps_hat) / abar_t.sqrt(), low, high)
    eps = (z_t - abar_t.sqrt() * z0) / (1 - abar_t).sqrt()
    return abar_s.sqrt() * z0 + (1 - abar_s).sqrt() * eps


def test_ddim_step_accepts_a_correct_answer(capsys):
    checks.check_ddim_step(ddim_step)
    assert "reproduce ddim_sample" in capsys.readouterr().out


def test_chained_reference_steps_are_the_library_sampler():
    """What the check relies on: ddim_sample is these steps chained (here 7 of them)."""
    alpha_bar = linear_schedule(300)
    with forked_torch_rng(0):
        net = Denoiser(2, [8], time_dim=4).eval()
        noise = torch.randn(10, 2)
    low, high = torch.full((2,), -0.5), torch.full((2,), 0.5)
    want = ddim_sample(net, noise, None, alpha_bar=alpha_bar, n_steps=7, low=low, high=high)
    times = torch.linspace(300, 1, 7).round().long().tolist()
    abar, z = alpha_bar.float(), noise
    with torch.no_grad():
        for i, t in enumerate(times):
            abar_s = abar[times[i + 1] - 1] if i + 1 < len(times) else torch.tensor(1.0)
            z = ddim_step(z, net(z, torch.full((10,), t)), abar[t - 1], abar_s, low, high)
    assert torch.allclose(z, want, atol=1e-6)


def _no_clip(z_t, eps_hat, abar_t, abar_s, low, high):
    z0 = (z_t - (1 - abar_t).sqrt() * eps_hat) / abar_t.sqrt()
    return abar_s.sqrt() * z0 + (1 - abar_s).sqrt() * eps_hat


def _no_refit(z_t, eps_hat, abar_t, abar_s, low, high):
    z0 = torch.clamp((z_t - (1 - abar_t).sqrt() * eps_hat) / abar_t.sqrt(), low, high)
    return abar_s.sqrt() * z0 + (1 - abar_s).sqrt() * eps_hat


def _in_place_once():
    calls = []

    def step(z_t, eps_hat, abar_t, abar_s, low, high):
        calls.append(1)
        out = ddim_step(z_t, eps_hat, abar_t, abar_s, low, high)
        return out if len(calls) != 6 else out + 0.5  # right on the cases, wrong in a run

    return step


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (_no_clip, "clip z0_hat"),
        (_no_refit, "recompute the noise"),
        (lambda z, e, at, a_s, lo, hi: ddim_step(z, e, at, at, lo, hi), "jump to the level abar_s"),
        (
            lambda z, e, at, a_s, lo, hi: ddim_step(z, e, at, a_s, lo, hi) * 1.1,
            "differs from the DDIM",
        ),
        (_in_place_once(), "reproduce|away from ddim_sample"),
        (lambda z, e, at, a_s, lo, hi: z[:1], "shape"),
        (lambda z, e, at, a_s, lo, hi: z / 0.0, "NaN or infinite"),
        (stub, "not implemented yet"),
    ],
)
def test_ddim_step_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseCheckError, match=match):
        checks.check_ddim_step(wrong)


# ---------------------------------------------------------------- challenge: ideal_noise


def ideal_noise(z_t, t, alpha_bar, mean, std):
    a = alpha_bar[t - 1][:, None]
    return (1 - a).sqrt() * (z_t - a.sqrt() * mean) / (a * std**2 + 1 - a)


def test_ideal_noise_accepts_a_correct_answer(capsys):
    checks.check_ideal_noise(ideal_noise)
    assert capsys.readouterr().out.startswith("Correct!")


def test_ideal_noise_is_the_conditional_mean_by_monte_carlo():
    """E[eps | z_t] by regression on simulated pairs equals the closed form."""
    alpha_bar = linear_schedule()
    g = torch.Generator().manual_seed(0)
    z0 = 0.5 + 0.2 * torch.randn(200_000, 1, generator=g, dtype=torch.float64)
    eps = torch.randn(200_000, 1, generator=g, dtype=torch.float64)
    t = torch.full((200_000,), 300)
    a = alpha_bar[299]
    z_t = a.sqrt() * z0 + (1 - a).sqrt() * eps
    slope = ((z_t - z_t.mean()) * (eps - eps.mean())).mean() / z_t.var()
    exact = ideal_noise(z_t[:5], t[:5], alpha_bar, torch.tensor(0.5), torch.tensor(0.2))
    fitted = slope * (z_t[:5] - z_t.mean())
    assert torch.allclose(exact, fitted, atol=0.01)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (
            lambda z, t, ab, m, s: (lambda a: (1 - a).sqrt() * (z - a.sqrt() * m))(
                ab[t - 1][:, None]
            ),
            "unit-variance",
        ),
        (
            lambda z, t, ab, m, s: (lambda a: (z - a.sqrt() * m) / (1 - a).sqrt())(
                ab[t - 1][:, None]
            ),
            "exactly the mean",
        ),
        (lambda z, t, ab, m, s: ideal_noise(z, t, ab, m, s) * 0.9, "differs from E"),
        (stub, "not implemented yet"),
    ],
)
def test_ideal_noise_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseCheckError, match=match):
        checks.check_ideal_noise(wrong)


def test_checks_leave_the_random_state_alone(monkeypatch):
    def run():
        checks.check_forward_noise(forward_noise)
        checks.check_ddim_step(ddim_step)
        checks.check_ideal_noise(ideal_noise)

    assert_keeps_random_state(monkeypatch, run)
