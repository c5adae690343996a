"""Exercise checks of chapter 01 (generative adversarial networks)."""

import pytest
import torch

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def _count(i, h, o):
    widths = [i, *h, o]
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=False))


def test_check_mlp_parameter_count(capsys):
    checks.check_mlp_parameter_count(_count)
    assert (
        capsys.readouterr().out
        == "Correct! Your counts match the networks' parameters in 5 cases.\n"
    )
    with pytest.raises(ExerciseCheckError, match="forget the biases"):
        checks.check_mlp_parameter_count(
            lambda i, h, o: sum(a * b for a, b in zip([i, *h], [*h, o], strict=False))
        )
    with pytest.raises(ExerciseCheckError, match=r"has 49 parameters, you said 1\. .*a\*b weights"):
        checks.check_mlp_parameter_count(lambda i, h, o: 1)
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_mlp_parameter_count(lambda i, h, o: "many")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_mlp_parameter_count(stub)


def _bce(logits, label):
    return torch.nn.functional.binary_cross_entropy_with_logits(
        logits, torch.full_like(logits, label)
    )


def _step(*, detach=True, d_step=True, g_step=True, saturating=False, sum_d=True, d_zero=True):
    def step(generator, discriminator, g_opt, d_opt, real, z):
        fake = generator(z)
        fake_d = fake.detach() if detach else fake
        d_loss = _bce(discriminator(real), 1) + _bce(discriminator(fake_d), 0)
        if not sum_d:
            d_loss = d_loss / 2
        if d_zero:
            d_opt.zero_grad()
        d_loss.backward()
        if d_step:
            d_opt.step()
        logits = discriminator(generator(z))
        g_loss = -_bce(logits, 0) if saturating else _bce(logits, 1)
        if detach:
            g_opt.zero_grad()
        g_loss.backward()
        if g_step:
            g_opt.step()
        return d_loss.item(), g_loss.item()

    return step


def test_check_gan_training_step(capsys):
    checks.check_gan_training_step(_step())
    assert capsys.readouterr().out.startswith("Correct! Both losses")
    with pytest.raises(ExerciseCheckError, match="discriminator did not change"):
        checks.check_gan_training_step(_step(d_step=False))
    with pytest.raises(ExerciseCheckError, match="generator did not change"):
        checks.check_gan_training_step(_step(g_step=False))
    with pytest.raises(ExerciseCheckError, match="d_loss should be"):
        checks.check_gan_training_step(_step(sum_d=False))
    with pytest.raises(ExerciseCheckError, match="g_loss should be"):
        checks.check_gan_training_step(_step(saturating=True))
    with pytest.raises(ExerciseCheckError, match="detach"):
        checks.check_gan_training_step(_step(detach=False))
    with pytest.raises(ExerciseCheckError, match="two numbers"):
        checks.check_gan_training_step(lambda *args: 1.0)
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_gan_training_step(stub)


def test_check_gan_training_step_finds_gradients_left_from_before():
    def step(generator, discriminator, g_opt, d_opt, real, z):
        for p in discriminator.parameters():  # a stale gradient that zero_grad would clear
            p.grad = torch.ones_like(p)
        return _step(d_zero=False)(generator, discriminator, g_opt, d_opt, real, z)

    with pytest.raises(ExerciseCheckError, match=r"d_opt.zero_grad\(\)"):
        checks.check_gan_training_step(step)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_mlp_parameter_count(_count)  # builds networks: draws random weights
        checks.check_gan_training_step(_step())  # seeds its networks

    assert_keeps_random_state(monkeypatch, run)
