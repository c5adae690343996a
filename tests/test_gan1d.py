"""tabgen_lib.gan1d: the theory functions, the target, the 1-D GAN; plot_gan_architecture;
and the exercise checks of chapters 01 and 02."""

import numpy as np
import pytest
import torch
from scipy.integrate import trapezoid
from scipy.special import xlogy

from tabgen_lib.gan1d import (
    GAN1D,
    GaussianMixture1D,
    discriminator_loss,
    generator_loss,
    jensen_shannon,
    kde_density,
    optimal_discriminator,
    value_function,
)
from tabgen_lib.plots import plot_gan_architecture

LOG4 = np.log(4.0)
GRID = np.linspace(-8, 8, 3201)


def _normal(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


# ------------------------------------------------------------------------ the target


def test_mixture_pdf_integrates_to_one_and_matches_samples():
    target = GaussianMixture1D(means=[-2, 1], stds=[0.5, 1.0], weights=[1, 3])
    assert np.isclose(trapezoid(target.pdf(GRID), GRID), 1.0, atol=1e-6)
    assert target.pdf(np.zeros((2, 3))).shape == (2, 3)
    x = target.sample(20_000, rng=0)
    assert abs(x.mean() - target.mean) < 0.05 and abs(x.std() - target.std) < 0.05
    assert np.isclose(target.mean, 0.25 * -2 + 0.75 * 1)
    assert np.allclose(target.component_shares(x), [0.25, 0.75], atol=0.02)
    assert "GaussianMixture1D" in repr(target)


def test_mixture_sampling_is_reproducible():
    target = GaussianMixture1D()
    assert np.array_equal(target.sample(10, rng=3), target.sample(10, rng=3))
    assert not np.array_equal(target.sample(10), target.sample(10))  # None: a fresh seed
    gen = np.random.default_rng(1)
    assert not np.array_equal(target.sample(10, rng=gen), target.sample(10, rng=gen))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(means=[0, 1], stds=[1]), ValueError, "one standard deviation"),
        (dict(means=[0], stds=[0]), ValueError, "positive"),
        (dict(means=[0, 1], stds=[1, 1], weights=[1]), ValueError, "weights has 1"),
        (dict(means=[0, 1], stds=[1, 1], weights=[-1, 2]), ValueError, "non-negative"),
        (dict(means="ab", stds=[1]), TypeError, "numbers"),
        (dict(means=[], stds=[]), ValueError, "empty"),
        (dict(means=[np.nan], stds=[1]), ValueError, "NaN"),
    ],
)
def test_mixture_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        GaussianMixture1D(**kwargs)


def test_mixture_sample_bad_inputs():
    target = GaussianMixture1D()
    with pytest.raises(ValueError, match="must be >= 1"):
        target.sample(0)
    with pytest.raises(TypeError, match="int"):
        target.sample(2.0)
    with pytest.raises(TypeError, match="rng"):
        target.sample(5, rng="seed")
    with pytest.raises(TypeError, match="rng"):
        target.sample(5, rng=True)
    with pytest.raises(ValueError, match="rng == -1"):
        target.sample(5, rng=-1)
    with pytest.raises(TypeError):
        target.pdf(None)


# ------------------------------------------------------------------------ theory


def test_value_function():
    assert np.isclose(value_function([0.5] * 3, [0.5] * 7), -LOG4)
    assert np.isclose(value_function(torch.tensor([0.9]), np.array([0.1])), 2 * np.log(0.9))
    assert value_function([1.0], [0.0]) <= 0  # clipped, finite
    assert np.isfinite(value_function([0.0], [1.0]))
    with pytest.raises(ValueError, match="probabilities"):
        value_function([1.5], [0.5])
    with pytest.raises(ValueError, match="empty"):
        value_function([], [0.5])
    with pytest.raises(ValueError, match="eps == 0.0"):
        value_function([0.5], [0.5], eps=0.0)
    with pytest.raises(TypeError, match="eps must be an instance of float"):
        value_function([0.5], [0.5], eps="small")


def test_optimal_discriminator():
    p = _normal(GRID, 0, 1)
    assert np.allclose(optimal_discriminator(p, p), 0.5)
    d = optimal_discriminator(p, _normal(GRID, 1, 1))
    # for two unit-variance normals, D* is a sigmoid of a linear function: 1/(1+e^(x-1/2))
    inner = np.abs(GRID) < 5
    assert np.allclose(d[inner], 1 / (1 + np.exp(GRID[inner] - 0.5)))
    assert optimal_discriminator([0.0], [0.0])[0] == 0.5
    with pytest.raises(ValueError, match="must match"):
        optimal_discriminator([1, 2], [1])
    with pytest.raises(ValueError, match="negative"):
        optimal_discriminator([-1], [1])


def test_value_at_optimal_discriminator_is_minus_log4_plus_2_jsd():
    p = GaussianMixture1D().pdf(GRID)
    for q in (_normal(GRID, 0, 1.5), _normal(GRID, 3, 0.4), p):
        d = optimal_discriminator(p, q)
        # log(1 - D*) as log(q / (p + q)): 1 - D* would round to 0 where q << p
        one_minus_d = np.divide(q, p + q, out=np.full_like(q, 0.5), where=(p + q) > 0)
        assert np.allclose(one_minus_d, 1 - d)
        integrand = xlogy(p, d) + xlogy(q, one_minus_d)
        v_star = trapezoid(integrand, GRID)
        assert np.isclose(v_star, -LOG4 + 2 * jensen_shannon(p, q, GRID), atol=1e-4)


def test_jensen_shannon_properties():
    p, q = _normal(GRID, 0, 1), _normal(GRID, 1, 2)
    assert jensen_shannon(p, p, GRID) == 0.0
    assert np.isclose(jensen_shannon(p, q, GRID), jensen_shannon(q, p, GRID))
    assert 0 < jensen_shannon(p, q, GRID) < np.log(2)
    far = jensen_shannon(_normal(GRID, -5, 0.3), _normal(GRID, 5, 0.3), GRID)
    assert np.isclose(far, np.log(2), atol=1e-6)
    # unnormalised densities are rescaled first
    assert np.isclose(jensen_shannon(3 * p, q, GRID), jensen_shannon(p, q, GRID))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([1, 1], [1, 1], [0, 1, 2]), "same length"),
        (([1, 1], [1, 1], [1, 0]), "increasing"),
        (([-1, 1], [1, 1], [0, 1]), "negative"),
        (([0, 0], [1, 1], [0, 1]), "positive somewhere"),
    ],
)
def test_jensen_shannon_bad_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        jensen_shannon(*args)


def test_kde_density():
    samples = np.random.default_rng(0).normal(size=20_000)
    est = kde_density(samples, GRID)
    assert np.isclose(trapezoid(est, GRID), 1.0, atol=1e-3)
    assert np.max(np.abs(est - _normal(GRID, 0, 1))) < 0.03
    with pytest.raises(ValueError, match="collapsed"):
        kde_density(np.ones(10), GRID)


def test_losses_from_logits():
    zeros = torch.zeros(5)
    assert np.isclose(discriminator_loss(zeros, zeros).item(), LOG4)
    # the discriminator's loss is -V
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5])
    v = value_function(torch.sigmoid(real), torch.sigmoid(fake))
    assert np.isclose(discriminator_loss(real, fake).item(), -v, atol=1e-6)
    logits = torch.tensor([-3.0, 0.0, 3.0], requires_grad=True)
    generator_loss(logits, "saturating").backward()
    assert torch.allclose(logits.grad, -torch.sigmoid(logits.detach()) / 3)
    logits.grad = None
    generator_loss(logits).backward()
    assert torch.allclose(logits.grad, -(1 - torch.sigmoid(logits.detach())) / 3)
    with pytest.raises(ValueError, match="Unknown generator loss"):
        generator_loss(logits, "wasserstein")
    with pytest.raises(TypeError, match="kind must be one of"):
        generator_loss(logits, None)


# ------------------------------------------------------------------------ the GAN


def test_gan_training_moves_pg_towards_pdata():
    target = GaussianMixture1D()
    gan = GAN1D(noise_dim=2, hidden=(32, 32), random_state=0, device="cpu")
    gan.fit(target, steps=600, snapshot_steps=[0, 600], n_snapshot=3000, progress=False)
    x = np.linspace(-6, 6, 1201)
    before = jensen_shannon(target.pdf(x), kde_density(gan.snapshots_[0], x), x)
    after = jensen_shannon(target.pdf(x), kde_density(gan.snapshots_[600], x), x)
    assert before > 0.4 and after < 0.15 and after < before / 3
    assert set(gan.history_) == {"d_loss", "g_loss", "value", "d_real", "d_fake"}
    assert all(len(v) == 600 for v in gan.history_.values())
    assert np.allclose(gan.history_["value"], -np.array(gan.history_["d_loss"]))
    d = gan.discriminate(x)
    assert d.shape == x.shape and ((d >= 0) & (d <= 1)).all()
    assert "GAN1D" in repr(gan)


def test_gan_is_deterministic_with_a_random_state_and_leaves_global_state():
    target = GaussianMixture1D()
    torch.manual_seed(123)
    state = torch.get_rng_state()
    threads = torch.get_num_threads()
    runs = [
        GAN1D(hidden=(8,), random_state=5, device="cpu").fit(target, steps=20, progress=False)
        for _ in range(2)
    ]
    assert runs[0].history_ == runs[1].history_
    assert np.array_equal(runs[0].sample(50), runs[1].sample(50))
    assert torch.equal(torch.get_rng_state(), state), "a seeded GAN leaves torch's RNG alone"
    assert torch.get_num_threads() == threads
    other = GAN1D(hidden=(8,), random_state=6, device="cpu").fit(target, steps=20, progress=False)
    assert other.history_ != runs[0].history_


def test_gan_without_random_state_differs_and_leaves_global_state():
    target = GaussianMixture1D()
    histories = []
    for _ in range(2):
        torch.manual_seed(9)
        np.random.seed(9)
        state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
        histories.append(
            GAN1D(hidden=(8,), device="cpu").fit(target, steps=5, progress=False).history_
        )
        assert torch.equal(torch.get_rng_state(), state)
        assert np.array_equal(np.random.get_state()[1], np_state)
    assert histories[0] != histories[1]  # a fresh seed each fit, whatever the global one


def test_gan_seed_is_a_deprecated_alias_of_random_state():
    target = GaussianMixture1D()
    new = GAN1D(hidden=(8,), random_state=4, device="cpu").fit(target, steps=5, progress=False)
    old = GAN1D(hidden=(8,), seed=4, device="cpu")
    with pytest.warns(FutureWarning, match=r"GAN1D\(random_state=\.\.\.\)") as caught:
        old.fit(target, steps=5, progress=False)
    assert caught[0].filename == __file__  # points at the caller's line
    assert old.history_ == new.history_
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="not both"):
        GAN1D(seed=4, random_state=4, device="cpu").fit(target, steps=1, progress=False)


def test_gan_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    gan = GAN1D(hidden=(8,), lr=2e-3, random_state=7)
    params = gan.get_params()
    assert params["hidden"] == (8,) and params["random_state"] == 7 and params["lr"] == 2e-3
    twin = clone(gan)
    assert twin.get_params() == params and twin is not gan
    assert repr(gan) == "GAN1D(hidden=(8,), lr=0.002, random_state=7)"
    assert gan.set_params(d_steps=3).d_steps == 3
    assert not hasattr(gan, "generator_")  # the constructor only stores its arguments


def test_gan_on_an_array_of_data_and_discriminator_only_training():
    data = np.random.default_rng(0).normal(3.0, 0.5, size=500)
    gan = GAN1D(hidden=(16,), loss="saturating", d_steps=2, random_state=1, device="cpu")
    gan.fit(list(data), steps=30, progress=False)
    before = gan.history_["d_loss"][-1]
    copy = gan.copy()
    grid = np.linspace(-4, 6, 21)
    d_before = gan.discriminate(grid)
    gan.fit_discriminator(data, steps=200)
    assert len(gan.history_["d_loss"]) == 30  # fit_discriminator keeps the history
    assert np.isfinite(before)
    # far from the data, a trained D says "fake"
    assert gan.discriminate([3.0])[0] > gan.discriminate([-3.0])[0]
    # the copy is independent: training the original's D left the copy's D as it was
    assert not np.allclose(gan.discriminate(grid), d_before)
    np.testing.assert_array_equal(copy.discriminate(grid), d_before)
    assert copy.generator_ is not gan.generator_


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(noise_dim=0), "noise_dim"),
        (dict(batch_size=0), "batch_size"),
        (dict(d_steps=0), "d_steps"),
        (dict(lr=0), "lr"),
        (dict(d_lr=-1.0), "d_lr"),
        (dict(loss="minimax"), "Unknown loss"),
        (dict(random_state=-1), "random_state == -1"),
        (dict(hidden=[0]), r"hidden\[0\] == 0"),
        (dict(betas=(0.5, 1.0)), r"betas\[1\] == 1.0"),
    ],
)
def test_gan_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GAN1D(device="cpu", **kwargs).fit(GaussianMixture1D(), steps=1, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(batch_size=1.5), "batch_size must be an instance of int"),
        (dict(lr="fast"), "lr must be an instance of float"),
        (dict(hidden=32), "hidden must be a list"),
        (dict(hidden=[8.0]), r"hidden\[0\] must be an instance of int"),
        (dict(loss=None), "loss must be one of"),
        (dict(betas=0.5), "betas must be two numbers"),
        (dict(random_state=1.0), "random_state must be an instance of int"),
        (dict(device=0), "prefer must be"),
    ],
)
def test_gan_settings_of_the_wrong_type(kwargs, match):
    with pytest.raises(TypeError, match=match):
        GAN1D(**{"device": "cpu", **kwargs}).fit(GaussianMixture1D(), steps=1, progress=False)


def test_gan_bad_fit_arguments_and_unfitted_use():
    from sklearn.exceptions import NotFittedError

    gan = GAN1D(hidden=(4,), device="cpu")
    with pytest.raises(NotFittedError, match="not fitted"):
        gan.sample(3)
    with pytest.raises(NotFittedError, match="not fitted"):
        gan.fit_discriminator(GaussianMixture1D())
    with pytest.raises(NotFittedError, match="not fitted"):
        gan.discriminate([0.0])
    with pytest.raises(TypeError, match="sample"):
        gan.fit(42, steps=1)
    with pytest.raises(TypeError, match="sample"):
        gan.fit("data", steps=1)
    with pytest.raises(ValueError, match="two real values"):
        gan.fit([1.0], steps=1)
    with pytest.raises(ValueError, match="steps == 0"):
        gan.fit(GaussianMixture1D(), steps=0)
    with pytest.raises(ValueError, match="each of snapshot_steps == 6, must be <= 5"):
        gan.fit(GaussianMixture1D(), steps=5, snapshot_steps=[6])
    with pytest.raises(TypeError, match="snapshot_steps must be a list"):
        gan.fit(GaussianMixture1D(), steps=5, snapshot_steps=5)
    with pytest.raises(TypeError, match="each of snapshot_steps"):
        gan.fit(GaussianMixture1D(), steps=5, snapshot_steps=[2.5])
    assert not hasattr(gan, "generator_")  # nothing was fitted


# ------------------------------------------------------------------------ the diagram


def test_plot_gan_architecture():
    ax = plot_gan_architecture()
    assert ax.get_title() == "Architecture of a GAN"
    assert not ax.axison
    texts = " ".join(t.get_text() for t in ax.texts)
    for word in ("Generator", "Discriminator", "noise", "real sample", "fake sample"):
        assert word in texts
    import matplotlib.pyplot as plt

    _, own = plt.subplots()
    assert plot_gan_architecture(ax=own) is own


def test_snapshots_do_not_change_the_trained_model():
    target = GaussianMixture1D()
    plain = GAN1D(hidden=(8,), random_state=3, device="cpu").fit(target, steps=30, progress=False)
    watched = GAN1D(hidden=(8,), random_state=3, device="cpu").fit(
        target, steps=30, snapshot_steps=[0, 10, 30], n_snapshot=50, progress=False
    )
    assert sorted(watched.snapshots_) == [0, 10, 30]
    assert plain.history_ == watched.history_
    for a, b in zip(
        plain.generator_.state_dict().values(),
        watched.generator_.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(a, b)
    assert np.array_equal(plain.sample(20), watched.sample(20))
