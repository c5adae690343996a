"""Packing, the critic, the generator and the losses (tabgen_lib.ctgan_steps.networks/losses)."""

import numpy as np
import pytest
import torch

from tabgen_lib.ctgan_steps import (
    ConditionalGenerator,
    OutputSpan,
    PackedCritic,
    Residual,
    apply_activations,
    conditional_loss,
    ctgan_generator_loss,
    gradient_penalty,
    pack,
)

# ------------------------------------------------------------------ packing and the critic


def test_pack_concatenates_consecutive_rows():
    x = torch.arange(12.0).reshape(6, 2)
    packed = pack(x, 3)
    assert packed.shape == (2, 6)
    assert torch.equal(packed[1], torch.tensor([6.0, 7.0, 8.0, 9.0, 10.0, 11.0]))
    with pytest.raises(ValueError, match="multiple of pac"):
        pack(x, 4)
    with pytest.raises(TypeError, match="2-dimensional"):
        pack(np.zeros((4, 2)), 2)
    with pytest.raises(ValueError, match="pac == 0"):
        pack(x, 0)


def test_packed_critic_scores_packs():
    critic = PackedCritic(input_dim=3, pac=5, hidden=(16, 8))
    assert critic(torch.randn(20, 3)).shape == (4, 1)
    assert critic.net[0].in_features == 15  # one pack of 5 rows of 3 numbers
    with pytest.raises(ValueError, match="multiple of pac"):
        critic(torch.randn(7, 3))
    with pytest.raises(ValueError, match="hidden\\[1\\] == 0"):
        PackedCritic(input_dim=3, hidden=(4, 0))


def test_gradient_penalty_is_zero_for_a_unit_norm_linear_critic():
    gen = torch.Generator().manual_seed(0)
    pac, d = 10, 4
    w = torch.randn(pac * d, generator=gen)
    w = w / w.norm()
    critic = lambda x: pack(x, pac) @ w[:, None]  # noqa: E731
    real, fake = torch.randn(50, d, generator=gen), torch.randn(50, d, generator=gen)
    assert float(gradient_penalty(critic, real, fake, pac)) == pytest.approx(0, abs=1e-10)
    steep = lambda x: pack(x, pac) @ (3 * w[:, None])  # noqa: E731  gradient norm 3
    assert float(gradient_penalty(steep, real, fake, pac)) == pytest.approx(10 * (3 - 1) ** 2)
    assert float(gradient_penalty(steep, real, fake, pac, weight=1.0)) == pytest.approx(4)


def test_gradient_penalty_interpolates_whole_packs_with_its_generator():
    seen = []

    def critic(x):  # records the interpolates; gradient norm 1 per pack
        seen.append(x.detach().clone())
        return pack(x, 2)[:, :1]

    real, fake = torch.ones(6, 3), torch.zeros(6, 3)
    state = torch.get_rng_state()
    first = gradient_penalty(critic, real, fake, pac=2, generator=torch.Generator().manual_seed(1))
    again = gradient_penalty(critic, real, fake, pac=2, generator=torch.Generator().manual_seed(1))
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is not used
    assert float(first) == pytest.approx(0) and float(again) == pytest.approx(0)
    rho = seen[0]  # real = 1 and fake = 0, so each interpolate is its rho
    assert torch.equal(seen[0], seen[1])  # the same generator seed, the same rho
    packs = pack(rho, 2)
    assert torch.equal(packs, packs[:, :1].expand_as(packs))  # one rho per pack
    assert len(set(packs[:, 0].tolist())) == 3  # and different packs differ


def test_gradient_penalty_is_positive_and_differentiable_for_a_network():
    critic = PackedCritic(input_dim=3, pac=5, hidden=(16,))
    gen = torch.Generator().manual_seed(0)
    real, fake = torch.randn(20, 3, generator=gen), torch.randn(20, 3, generator=gen)
    penalty = gradient_penalty(critic, real, fake, pac=5, generator=gen)
    assert float(penalty.detach()) > 0
    penalty.backward()
    assert critic.net[0].weight.grad.abs().sum() > 0  # the penalty trains the critic


def test_gradient_penalty_bad_input():
    critic = PackedCritic(input_dim=2, pac=2, hidden=(4,))
    with pytest.raises(TypeError, match="tensors"):
        gradient_penalty(critic, np.zeros((4, 2)), torch.zeros(4, 2), pac=2)
    with pytest.raises(ValueError, match="same 2-d shape"):
        gradient_penalty(critic, torch.zeros(4, 2), torch.zeros(4, 3), pac=2)
    with pytest.raises(ValueError, match="multiple of pac"):
        gradient_penalty(critic, torch.zeros(5, 2), torch.zeros(5, 2), pac=2)
    with pytest.raises(ValueError, match="weight"):
        gradient_penalty(critic, torch.zeros(4, 2), torch.zeros(4, 2), pac=2, weight=-1.0)


# ------------------------------------------------------------------ generator and its loss

SPANS = [
    OutputSpan("x", 0, 1, "tanh", False),
    OutputSpan("x", 1, 3, "softmax", False),
    OutputSpan("c", 3, 6, "softmax", True),
    OutputSpan("d", 6, 8, "softmax", True),
]


def test_apply_activations():
    gen = torch.Generator().manual_seed(0)
    out = apply_activations(10 * torch.randn(100, 8, generator=gen), SPANS, generator=gen)
    assert out[:, 0].abs().max() <= 1
    for span in SPANS[1:]:
        block = out[:, span.start : span.stop]
        assert torch.allclose(block.sum(dim=1), torch.ones(100))
    # temperature 0.2 makes the Gumbel-softmax nearly one-hot
    assert float(out[:, 3:6].max(dim=1).values.mean()) > 0.9
    # with a generator: the same Gumbel-softmax as the global one, noise from the generator
    raw = 10 * torch.randn(100, 8, generator=gen)
    with torch.random.fork_rng():
        torch.manual_seed(5)
        from_global = apply_activations(raw, SPANS)
    state = torch.get_rng_state()
    from_own = apply_activations(raw, SPANS, generator=torch.Generator().manual_seed(5))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.allclose(from_own, from_global, atol=1e-6)
    with pytest.raises(ValueError, match="cover"):
        apply_activations(torch.zeros(2, 9), SPANS)
    with pytest.raises(ValueError, match="Unknown activation"):
        apply_activations(torch.zeros(2, 1), [OutputSpan("x", 0, 1, "relu", False)])
    with pytest.raises(ValueError, match="tau"):
        apply_activations(torch.zeros(2, 8), SPANS, tau=0)


def test_conditional_loss_only_counts_the_conditioned_column():
    raw = torch.zeros(2, 8)
    raw[0, 3] = 4.0  # row 0: column c, category 0 strongly preferred
    cond = torch.tensor([[1.0, 0, 0, 0, 0], [0, 0, 0, 0, 1.0]])
    mask = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    row0 = -torch.log_softmax(raw[0, 3:6], 0)[0]
    row1 = -torch.log_softmax(raw[1, 6:8], 0)[1]
    loss = conditional_loss(raw, cond, mask, SPANS[2:])
    assert float(loss) == pytest.approx(float(row0 + row1) / 2)
    total = ctgan_generator_loss(torch.tensor([[1.0], [3.0]]), raw, cond, mask, SPANS[2:])
    assert float(total) == pytest.approx(-2.0 + float(loss))
    with pytest.raises(ValueError, match="mask"):
        conditional_loss(raw, cond, mask[:, :1], SPANS[2:])


def test_residual_block_keeps_its_input():
    block = Residual(3, 5)
    x = torch.arange(12.0).reshape(4, 3)
    out = block(x)
    assert out.shape == (4, 8) and torch.equal(out[:, 5:], x)
    assert (out[:, :5] >= 0).all()  # ReLU


def test_conditional_generator_shapes():
    gen = ConditionalGenerator(noise_dim=4, cond_dim=3, output_dim=8, hidden=(5, 6))
    assert gen(torch.randn(10, 4), torch.zeros(10, 3)).shape == (10, 8)
    assert gen.net[-1].in_features == 4 + 3 + 5 + 6  # each residual layer adds its width
    with pytest.raises(ValueError, match="output_dim == 0"):
        ConditionalGenerator(noise_dim=4, cond_dim=3, output_dim=0)
    with pytest.raises(TypeError, match="noise_dim"):
        ConditionalGenerator(noise_dim=4.0, cond_dim=3, output_dim=8)
