"""tabgen_lib.dp: DP-SGD from scratch against Opacus 1.6, and the accountant helpers."""

import copy
import itertools
import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from tabgen_lib.dp import (
    DPTrainingResult,
    clip_and_sum,
    dp_sgd_step,
    epsilon_for_stages,
    epsilon_spent,
    noise_for_epsilon,
    per_sample_gradients,
    poisson_batch,
    train_dp_sgd,
)
from tabgen_lib.validation import forked_torch_rng, torch_generator

opacus = pytest.importorskip("opacus")
from opacus import GradSampleModule, PrivacyEngine  # noqa: E402
from opacus.accountants import RDPAccountant  # noqa: E402
from opacus.accountants.utils import get_noise_multiplier  # noqa: E402
from opacus.optimizers import DPOptimizer  # noqa: E402
from opacus.utils.uniform_sampler import UniformWithReplacementSampler  # noqa: E402

LR, CLIP, N, BATCH = 0.2, 0.5, 64, 16


@pytest.fixture(autouse=True)
def _quiet_opacus():
    """Opacus warns about hooks and about the search range of alpha; not our concern here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.fixture
def problem():
    """A tiny regression network in float64 (so 'identical' means to 1e-12) and its data."""
    with forked_torch_rng(0):
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()
        x = torch.randn(N, 3, dtype=torch.float64)
        y = x.sum(1, keepdim=True) + 0.1 * torch.randn(N, 1, dtype=torch.float64)
    return model, x, y


def assert_same_parameters(ours: nn.Module, theirs: nn.Module, start: nn.Module):
    for a, b, s in zip(ours.parameters(), theirs.parameters(), start.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
        assert not torch.allclose(a, s)  # the parameters did move


# ---------------------------------------------------------------------------- the step


def test_per_sample_gradients_equal_a_loop_of_backward(problem):
    model, x, y = problem
    grads, losses = per_sample_gradients(model, nn.MSELoss(), x[:5], y[:5])
    for i in range(5):
        model.zero_grad()
        loss = nn.MSELoss()(model(x[i : i + 1]), y[i : i + 1])
        loss.backward()
        assert losses[i].item() == pytest.approx(loss.item())
        for name, p in model.named_parameters():
            torch.testing.assert_close(grads[name][i], p.grad, rtol=0, atol=1e-12)


def test_clip_and_sum_by_hand():
    grads = {"a": torch.tensor([[3.0], [0.0]]), "b": torch.tensor([[4.0, 0.0], [0.3, 0.4]])}
    summed = clip_and_sum(grads, max_grad_norm=1.0)
    # sample 0 has norm 5 (over both parameters): scaled by 1/5; sample 1 norm 0.5: kept
    torch.testing.assert_close(summed["a"], torch.tensor([0.6]), atol=1e-6, rtol=0)
    torch.testing.assert_close(summed["b"], torch.tensor([0.8 + 0.3, 0.4]), atol=1e-6, rtol=0)


def test_poisson_batches_equal_opacus_sampler():
    sampler = UniformWithReplacementSampler(
        num_samples=50, sample_rate=0.2, generator=torch_generator(11), steps=5
    )
    ours = torch_generator(11)
    for theirs in sampler:
        assert poisson_batch(50, 0.2, ours).tolist() == theirs


@pytest.mark.parametrize("noise_multiplier", [0.0, 1.3])
def test_training_equals_opacus_step_for_step(problem, noise_multiplier):
    """Same batches (Poisson, same generator), same clipping, same noise generator ->
    the same parameters as Opacus's GradSampleModule + DPOptimizer after 6 steps."""
    model, x, y = problem
    grads, _ = per_sample_gradients(model, nn.MSELoss(), x, y)
    norms = torch.cat([g.flatten(1) for g in grads.values()], dim=1).norm(dim=1)
    assert (norms > CLIP).any() and (norms < CLIP).any()  # clipping matters, for some rows
    ours = copy.deepcopy(model)
    result = train_dp_sgd(
        ours, nn.MSELoss(), x, y, batch_size=BATCH, steps=6, lr=LR, max_grad_norm=CLIP,
        noise_multiplier=noise_multiplier, random_state=7,
    )  # fmt: skip

    theirs = GradSampleModule(copy.deepcopy(model))
    optimizer = DPOptimizer(
        torch.optim.SGD(theirs.parameters(), lr=LR), noise_multiplier=noise_multiplier,
        max_grad_norm=CLIP, expected_batch_size=BATCH, generator=torch_generator(7 + 1),
    )  # fmt: skip
    sampler = UniformWithReplacementSampler(
        num_samples=N, sample_rate=BATCH / N, generator=torch_generator(7), steps=6
    )
    sizes = []
    for batch in sampler:
        optimizer.zero_grad()
        nn.MSELoss()(theirs(x[batch]), y[batch]).backward()
        optimizer.step()
        sizes.append(len(batch))
    assert_same_parameters(ours, theirs._module, model)
    assert result.batch_sizes == sizes


@pytest.mark.parametrize("noise_multiplier", [0.0, 0.8])
def test_step_equals_opacus_privacy_engine(problem, noise_multiplier):
    """The high-level path: PrivacyEngine.make_private on fixed batches (no Poisson
    sampling here, so the batches are known), with Opacus's noise generator."""
    model, x, y = problem
    ours, base = copy.deepcopy(model), copy.deepcopy(model)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=BATCH, shuffle=False
    )
    engine = PrivacyEngine()
    private, optimizer, private_loader = engine.make_private(
        module=base, optimizer=torch.optim.SGD(base.parameters(), lr=LR), data_loader=loader,
        noise_multiplier=noise_multiplier, max_grad_norm=CLIP, poisson_sampling=False,
        noise_generator=torch_generator(3),
    )  # fmt: skip
    noise = torch_generator(3)
    for xb, yb in private_loader:
        optimizer.zero_grad()
        nn.MSELoss()(private(xb), yb).backward()
        optimizer.step()
        dp_sgd_step(
            ours, nn.MSELoss(), xb, yb, lr=LR, max_grad_norm=CLIP,
            noise_multiplier=noise_multiplier, expected_batch_size=BATCH, generator=noise,
        )  # fmt: skip
    assert_same_parameters(ours, private._module, model)


def test_empty_batch_adds_only_noise(problem):
    model, x, y = problem
    still, noisy = copy.deepcopy(model), copy.deepcopy(model)
    kwargs = {"lr": LR, "max_grad_norm": CLIP, "expected_batch_size": BATCH}
    loss = dp_sgd_step(
        still, nn.MSELoss(), x[:0], y[:0], noise_multiplier=0.0, generator=None, **kwargs
    )
    assert math.isnan(loss)
    for a, b in zip(still.parameters(), model.parameters(), strict=True):
        assert torch.equal(a, b)
    dp_sgd_step(
        noisy, nn.MSELoss(), x[:0], y[:0], noise_multiplier=1.0, generator=torch_generator(0),
        **kwargs,
    )  # fmt: skip
    moved = torch.cat(
        [(a - b).flatten() for a, b in zip(noisy.parameters(), model.parameters(), strict=True)]
    )
    # each coordinate moved by lr * N(0, (sigma C)^2) / B: standard deviation 0.00625
    assert 0.003 < moved.std().item() < 0.01


def test_training_learns_reproducible_and_leaves_global_rng_alone(problem):
    model, x, y = problem
    before = torch.random.get_rng_state()
    runs = []
    for seed in (5, 5, 6):
        trained = copy.deepcopy(model)
        result = train_dp_sgd(
            trained, nn.MSELoss(), x, y, batch_size=BATCH, steps=60, lr=0.5,
            noise_multiplier=0.5, delta=1e-5, random_state=seed,
        )  # fmt: skip
        runs.append((trained, result))
    assert torch.equal(before, torch.random.get_rng_state())
    (first, r1), (again, r2), (other, _) = runs
    for a, b in zip(first.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(next(first.parameters()), next(other.parameters()))
    assert r1.losses == r2.losses
    assert np.mean(r1.losses[-10:]) < 0.3 * np.mean(r1.losses[:3])  # it learned
    assert isinstance(r1, DPTrainingResult) and r1.sample_rate == BATCH / N
    assert r1.epsilon == pytest.approx(epsilon_spent(0.5, BATCH / N, 60, 1e-5))
    assert str(r1).startswith("DP-SGD: 60 steps, sample rate 0.25, noise multiplier 0.5")
    assert "epsilon" not in str(
        train_dp_sgd(copy.deepcopy(model), nn.MSELoss(), x, y, batch_size=8, steps=1)
    )


def test_training_with_dropout_is_reproducible_and_leaves_global_rng_alone(problem):
    _, x, y = problem
    with forked_torch_rng(1):
        model = nn.Sequential(nn.Linear(3, 16), nn.Dropout(0.5), nn.Linear(16, 1)).double()
    before = torch.random.get_rng_state()
    trained = []
    for _ in range(2):
        copy_ = copy.deepcopy(model)
        train_dp_sgd(copy_, nn.MSELoss(), x, y, batch_size=BATCH, steps=5, random_state=2)
        trained.append(torch.cat([p.flatten() for p in copy_.parameters()]))
    assert torch.equal(before, torch.random.get_rng_state())
    assert torch.equal(trained[0], trained[1])
    # dropout differs from sample to sample inside the batch (vmap randomness="different")
    grads, _ = per_sample_gradients(model, nn.MSELoss(), x[:1].repeat(4, 1), y[:1].repeat(4, 1))
    assert not torch.equal(grads["0.weight"][0], grads["0.weight"][1])


def test_training_rejects_bad_input(problem):
    model, x, y = problem

    def run(**changes):
        kwargs = {"batch_size": BATCH, "steps": 2} | changes
        args = [kwargs.pop(k, v) for k, v in (("model", model), ("loss", nn.MSELoss()))]
        inputs, targets = kwargs.pop("inputs", x), kwargs.pop("targets", y)
        return train_dp_sgd(*args, inputs, targets, **kwargs)

    with pytest.raises(ValueError, match="max_grad_norm == 0"):
        run(max_grad_norm=0.0)
    with pytest.raises(ValueError, match="noise_multiplier == -1"):
        run(noise_multiplier=-1.0)
    with pytest.raises(ValueError, match="delta == 1"):
        run(delta=1.0)
    with pytest.raises(ValueError, match="batch_size == 65"):
        run(batch_size=N + 1)
    with pytest.raises(ValueError, match="steps == 0"):
        run(steps=0)
    with pytest.raises(ValueError, match="lr == 0"):
        run(lr=0)
    with pytest.raises(ValueError, match="inputs has 64 rows and targets 3"):
        run(targets=y[:3])
    with pytest.raises(TypeError, match="steps must be an instance of int"):
        run(steps=2.0)
    with pytest.raises(TypeError, match="noise_multiplier must be an instance of float"):
        run(noise_multiplier="1")
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        run(model="mlp")
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        run(loss="mse")
    with pytest.raises(TypeError, match="inputs must be a torch.Tensor"):
        run(inputs=x.numpy())
    frozen = copy.deepcopy(model).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        run(model=frozen)
    with pytest.raises(ValueError, match="expected_batch_size == 0"):
        dp_sgd_step(
            model, nn.MSELoss(), x, y, lr=LR, max_grad_norm=CLIP, noise_multiplier=1.0,
            expected_batch_size=0, generator=torch_generator(0),
        )  # fmt: skip
    with pytest.raises(ValueError, match="generator is None"):
        dp_sgd_step(
            model, nn.MSELoss(), x, y, lr=LR, max_grad_norm=CLIP, noise_multiplier=1.0,
            expected_batch_size=BATCH, generator=None,
        )  # fmt: skip


# ---------------------------------------------------------------------------- accounting


@pytest.mark.parametrize(
    ("sigma", "q", "steps", "delta"), [(1.0, 0.01, 1000, 1e-5), (0.7, 0.25, 40, 1e-3)]
)
def test_epsilon_equals_opacus_accountant(sigma, q, steps, delta):
    accountant = RDPAccountant()
    for _ in range(steps):  # the way Opacus counts during training: one step at a time
        accountant.step(noise_multiplier=sigma, sample_rate=q)
    assert epsilon_spent(sigma, q, steps, delta) == pytest.approx(
        accountant.get_epsilon(delta), rel=1e-12
    )


def test_epsilon_without_sampling_is_the_gaussian_formula():
    """q = 1: RDP(alpha) = steps * alpha / (2 sigma^2), converted as in the module docstring."""
    sigma, steps, delta = 3.0, 10, 1e-5
    alphas = np.array(RDPAccountant.DEFAULT_ALPHAS)
    rdp = steps * alphas / (2 * sigma**2)
    eps = rdp + np.log((alphas - 1) / alphas) - (np.log(delta) + np.log(alphas)) / (alphas - 1)
    assert epsilon_spent(sigma, 1.0, steps, delta) == pytest.approx(eps.min(), rel=1e-9)


def test_epsilon_is_monotone():
    noise = [epsilon_spent(s, 0.02, 500, 1e-5) for s in (0.6, 0.8, 1.0, 1.5, 3.0)]
    assert all(a > b for a, b in itertools.pairwise(noise))
    steps = [epsilon_spent(1.0, 0.02, t, 1e-5) for t in (10, 100, 500, 2000)]
    assert all(a < b for a, b in itertools.pairwise(steps))
    assert epsilon_spent(0.0, 0.02, 10, 1e-5) == math.inf  # no noise, no privacy


def test_composition_of_stages_is_between_max_and_sum():
    first, second = (1.0, 0.01, 1000), (2.0, 0.05, 300)
    both = epsilon_for_stages([first, second], delta=1e-5)
    alone = [epsilon_spent(*stage, delta=1e-5) for stage in (first, second)]
    assert max(alone) < both < sum(alone)
    accountant = RDPAccountant()
    accountant.history = [first, second]
    assert both == pytest.approx(accountant.get_epsilon(1e-5), rel=1e-12)
    # one stage split in two is the same stage
    split = epsilon_for_stages([(1.0, 0.01, 400), (1.0, 0.01, 600)], delta=1e-5)
    assert split == pytest.approx(alone[0], rel=1e-9)


def test_noise_for_epsilon_inverts_epsilon_and_equals_opacus():
    sigma = noise_for_epsilon(3.0, 1e-5, 0.02, 500)
    assert sigma == get_noise_multiplier(
        target_epsilon=3.0, target_delta=1e-5, sample_rate=0.02, steps=500, accountant="rdp"
    )
    assert 3.0 - 0.01 <= epsilon_spent(sigma, 0.02, 500, 1e-5) <= 3.0
    assert noise_for_epsilon(1.0, 1e-5, 0.02, 500) > sigma  # less epsilon, more noise


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: epsilon_spent(1.0, 0.01, 100, 0.0), ValueError, "delta == 0"),
        (lambda: epsilon_spent(1.0, 0.01, 100, 1.0), ValueError, "delta == 1"),
        (lambda: epsilon_spent(-0.5, 0.01, 100, 1e-5), ValueError, "noise_multiplier == -0.5"),
        (lambda: epsilon_spent(1.0, 0.0, 100, 1e-5), ValueError, "sample_rate == 0"),
        (lambda: epsilon_spent(1.0, 1.5, 100, 1e-5), ValueError, "sample_rate == 1.5"),
        (lambda: epsilon_spent(1.0, 0.01, 0, 1e-5), ValueError, "steps == 0"),
        (lambda: epsilon_spent(1.0, 0.01, 10.5, 1e-5), TypeError, "steps must be an instance"),
        (lambda: epsilon_spent("1", 0.01, 10, 1e-5), TypeError, "noise_multiplier must be"),
        (lambda: noise_for_epsilon(0.0, 1e-5, 0.01, 100), ValueError, "epsilon == 0"),
        (lambda: noise_for_epsilon(-1.0, 1e-5, 0.01, 100), ValueError, "epsilon == -1"),
        (lambda: noise_for_epsilon(1.0, 2.0, 0.01, 100), ValueError, "delta == 2"),
        (lambda: noise_for_epsilon(None, 1e-5, 0.01, 100), TypeError, "epsilon must be"),
        (lambda: epsilon_for_stages([], 1e-5), ValueError, "stages is empty"),
        (lambda: epsilon_for_stages((1.0, 0.01, 10), 1e-5), TypeError, "a stage is"),
        (lambda: epsilon_for_stages("stages", 1e-5), TypeError, "stages must be a list"),
        (lambda: epsilon_for_stages([(1.0, 0.01)], 1e-5), TypeError, "a stage is"),
    ],
)
def test_accountant_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
