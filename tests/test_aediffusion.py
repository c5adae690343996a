"""AEDiffusion: latent DDPM with DDIM sampling (tabgen_lib.latent_diffusion)."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tabgen_lib.checkpoints import same_weights
from tabgen_lib.latent_diffusion import (
    DIFFUSION_EVAL_EVERY,
    AEDiffusion,
    ddim_sample,
    denoising_loss,
    linear_schedule,
    train_denoiser,
    validation_draws,
)
from tabgen_lib.latent_gmm import AEGMM
from tabgen_lib.metrics import detection_auc
from tabgen_lib.models import Denoiser, timestep_embedding
from tabgen_lib.validation import forked_torch_rng

from ._latent_helpers import (
    DISCRETE,
    dependent_table,
    global_states,
    make_table,
    same_states,
    seed_globals,
    total_variation,
    uniform_columns,
)

FAST = dict(
    ae_hidden=(32,),
    latent_dim=8,
    ae_steps=300,
    denoiser_hidden=(32, 32),
    diffusion_steps=100,
    sampling_steps=10,
    batch_size=64,
    random_state=0,
    verbose=False,
)


@pytest.fixture(scope="module")
def table():
    return make_table()


@pytest.fixture(scope="module")
def fitted(table):
    return AEDiffusion(**FAST).fit(table, DISCRETE)


@pytest.fixture(scope="module")
def conditional(table):
    return AEDiffusion(**FAST, conditional_on="label").fit(table, DISCRETE)


# ---------------------------------------------------------------- the mathematics


def test_the_closed_form_jump_matches_the_step_by_step_forward_process():
    """q(z_t | z_0) = N(sqrt(abar_t) z_0, (1 - abar_t) I), checked by noising step by step."""
    big_t = 200
    alpha_bar = linear_schedule(big_t, 1e-4, 0.05)
    betas = torch.linspace(1e-4, 0.05, big_t, dtype=torch.float64)
    assert torch.allclose(alpha_bar, torch.cumprod(1 - betas, 0))
    g = torch.Generator().manual_seed(0)
    z = torch.full((20_000,), 1.5, dtype=torch.float64)
    for t in range(100):  # z_t = sqrt(1 - beta_t) z_{t-1} + sqrt(beta_t) eps
        z = (1 - betas[t]).sqrt() * z + betas[t].sqrt() * torch.randn(len(z), generator=g)
    a = alpha_bar[99]
    assert z.mean().item() == pytest.approx(1.5 * a.sqrt().item(), abs=0.02)
    assert z.var().item() == pytest.approx((1 - a).item(), abs=0.02)
    assert linear_schedule()[-1] < 1e-4  # z_T is noise, whatever z_0 was


def gaussian_oracle(mean, std, alpha_bar):
    """The best noise predictor for 1-d data N(mean, std^2): E[eps | z_t]."""

    def predict(z, t, labels=None):
        a = alpha_bar[t - 1].to(z)[:, None]
        return (1 - a).sqrt() * (z - a.sqrt() * mean) / (a * std**2 + 1 - a)

    return predict


def test_ddim_with_the_exact_noise_predictor_recovers_the_data_distribution():
    alpha_bar = linear_schedule()
    noise = torch.randn(20_000, 1, generator=torch.Generator().manual_seed(0))
    wide = torch.tensor([-100.0]), torch.tensor([100.0])
    oracle = gaussian_oracle(3.0, 0.5, alpha_bar)
    z = ddim_sample(
        oracle, noise, None, alpha_bar=alpha_bar, n_steps=1000, low=wide[0], high=wide[1]
    )
    assert z.mean().item() == pytest.approx(3.0, abs=0.03)
    assert z.std().item() == pytest.approx(0.5, abs=0.01)  # measured 0.501
    # 50 steps: a coarser path, slightly too narrow (measured std 0.474)
    z = ddim_sample(oracle, noise, None, alpha_bar=alpha_bar, n_steps=50, low=wide[0], high=wide[1])
    assert z.mean().item() == pytest.approx(3.0, abs=0.03)
    assert 0.44 < z.std().item() < 0.5
    # a point mass (std 0) is reached exactly, and the clip range is respected
    point = ddim_sample(
        gaussian_oracle(0.7, 0.0, alpha_bar),
        noise[:10],
        None,
        alpha_bar=alpha_bar,
        n_steps=20,
        low=wide[0],
        high=wide[1],
    )
    assert torch.allclose(point, torch.full_like(point, 0.7), atol=1e-4)
    clipped = ddim_sample(
        gaussian_oracle(3.0, 0.5, alpha_bar),
        noise[:500],
        None,
        alpha_bar=alpha_bar,
        n_steps=50,
        low=torch.tensor([-1.0]),
        high=torch.tensor([2.9]),
    )
    assert clipped.max().item() <= 2.9 + 1e-5


def test_training_lowers_the_denoising_loss():
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[-1.5, 0.0], [1.5, 0.0]])
    z0 = centres[torch.randint(0, 2, (512,), generator=g)] + 0.1 * torch.randn(512, 2, generator=g)
    with forked_torch_rng(0):
        net = Denoiser(2, [64, 64], time_dim=16)
    h = train_denoiser(
        net, z0, None, alpha_bar=linear_schedule(), steps=400, lr=2e-3, batch_size=128, rng=g
    )
    assert h["diffusion_step"][-1] == 400 and not net.training
    assert np.mean(h["diffusion_loss"][-10:]) < 0.75 * np.mean(h["diffusion_loss"][:3])


def _two_clusters(n, seed):
    g = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[-1.5, 0.0], [1.5, 0.0]])
    return centres[torch.randint(0, 2, (n,), generator=g)] + 0.3 * torch.randn(n, 2, generator=g)


def test_early_stopping_keeps_the_best_held_out_weights_and_stops():
    """Eight training embeddings, a wide network: it memorises, the held-out loss turns up."""
    z_fit, z_val = _two_clusters(8, 1), _two_clusters(64, 2)
    with forked_torch_rng(0):
        net = Denoiser(2, [128, 128], time_dim=16)
    g = torch.Generator().manual_seed(0)
    h = train_denoiser(
        net,
        z_fit,
        None,
        alpha_bar=linear_schedule(),
        steps=20_000,
        lr=2e-3,
        batch_size=8,
        rng=g,
        z_val=z_val,
        patience=1000,
    )
    val, at = h["diffusion_val"], h["diffusion_val_step"]
    assert at[0] == DIFFUSION_EVAL_EVERY and at[-1] < 20_000  # stopped early
    best = int(np.argmin(val))
    assert at[-1] - at[best] >= 1000 and val[-1] > val[best]
    assert h["diffusion_step"][-1] == at[-1]  # the training loss is logged up to the stop
    # the weights kept are the best measurement's: the draws come first from the generator,
    # so the same seed gives the same draws, and on them the kept network scores the best loss
    draws = validation_draws(z_val, None, 1000, torch.Generator().manual_seed(0))
    assert not net.training
    assert denoising_loss(net, draws, linear_schedule()) == pytest.approx(val[best], rel=1e-5)
    assert min(val) < val[0]


def test_validation_draws_are_fixed_and_cover_every_row():
    z, codes = torch.randn(10, 3), torch.arange(10) % 2
    a = validation_draws(z, codes, 1000, torch.Generator().manual_seed(3))
    b = validation_draws(z, codes, 1000, torch.Generator().manual_seed(3))
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    z0, c, t, eps = a
    assert len(z0) >= 4096 and len(z0) % 10 == 0 and torch.equal(z0[10:20], z)
    assert torch.equal(c[:10], codes) and t.min() >= 0 and t.max() < 1000
    with forked_torch_rng(0):
        net = Denoiser(3, [8], n_labels=2, time_dim=4)
    # the loss of a network that predicts zero noise is the noise's mean square
    with torch.no_grad():
        net.net[-1].weight.zero_()
        net.net[-1].bias.zero_()
    assert denoising_loss(net, a, linear_schedule()) == pytest.approx(float((eps**2).mean()))


def test_timestep_embedding():
    e = timestep_embedding(torch.tensor([1, 2, 900]), 7)
    assert e.shape == (3, 7) and torch.all(e[:, -1] == 0)  # odd size: a zero appended
    assert (e[0] - e[1]).norm() < (e[0] - e[2]).norm()  # nearby steps, nearby vectors


# ---------------------------------------------------------------- the estimator


def test_sample_has_the_training_columns_dtypes_and_categories(table, fitted):
    fake = fitted.sample(200)
    assert list(fake.columns) == list(table.columns) and len(fake) == 200
    assert fake.dtypes.equals(table.dtypes)
    assert set(fake["city"]) <= set(table["city"])
    assert fitted.alpha_bar_.shape == (1000,)
    z = fitted.sample_latent(500)
    assert (z >= fitted.latent_low_ - 1e-5).all() and (z <= fitted.latent_high_ + 1e-5).all()
    assert len(fitted.history_["diffusion_loss"]) == 100


def test_the_denoiser_stops_early_on_the_rows_stage_1_held_out(table, fitted):
    h = fitted.history_
    assert h["diffusion_val_step"] == [100]  # 100 steps: measured after the last one only
    assert fitted.diffusion_best_step_ in h["diffusion_val_step"]
    assert h["diffusion_val"][h["diffusion_val_step"].index(fitted.diffusion_best_step_)] == min(
        h["diffusion_val"]
    )
    for settings in ({"diffusion_patience": None}, {"ae_validation": 0.0}):
        plain = AEDiffusion(**{**FAST, **settings}).fit(table, DISCRETE)
        assert plain.history_["diffusion_val"] == [] and plain.diffusion_best_step_ == 100


def test_aediffusion_is_a_scikit_learn_estimator(table, fitted):
    model = AEDiffusion(sampling_steps=0, random_state=3)
    params = model.get_params()
    assert params["sampling_steps"] == 0 and len(params) == 24
    assert repr(model) == "AEDiffusion(random_state=3, sampling_steps=0)"
    copy = clone(fitted)
    assert not hasattr(copy, "denoiser_")
    copy.fit(table, DISCRETE)
    assert same_weights(copy.denoiser_, fitted.denoiser_)


def test_same_random_state_gives_the_same_samples_and_leaves_the_global_state(table, fitted):
    seed_globals()
    before = global_states()
    again = AEDiffusion(**FAST).fit(table, DISCRETE)
    first = again.sample(50)
    assert fitted.__class__(**FAST).fit(table, DISCRETE).sample(50).equals(first)
    assert not again.sample(50).equals(first)
    assert same_states(global_states(), before)
    other = AEDiffusion(**{**FAST, "random_state": 1}).fit(table, DISCRETE)
    assert not same_weights(other.denoiser_, again.denoiser_)


def test_conditional_model_takes_the_label_as_input(table, conditional):
    assert conditional.denoiser_.n_labels == 2
    assert conditional.denoiser_.net[0].in_features == 8 + 64 + 2
    rows = conditional.sample(50, condition="yes")
    assert (rows["label"] == "yes").all() and rows.dtypes.equals(table.dtypes)
    shares = conditional.sample(2000)["label"].value_counts(normalize=True)
    assert shares["yes"] == pytest.approx(conditional.label_freq_[1].item(), abs=0.04)


def test_save_load_round_trip_continues_the_samples(tmp_path, conditional):
    conditional.sample(5)
    path = conditional.save(tmp_path / "diffusion.pt")
    loaded = AEDiffusion.load(path)
    assert same_weights(loaded.denoiser_, conditional.denoiser_)
    assert torch.equal(loaded.latent_std_, conditional.latent_std_)
    assert loaded.diffusion_best_step_ == conditional.diffusion_best_step_
    assert conditional.history_["diffusion_val"]  # the label codes of held-out rows served
    assert loaded.sample(30).equals(conditional.sample(30))
    with pytest.raises(ValueError, match="not of an AEGMM"):
        AEGMM.load(path)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"diffusion_steps": 0}, ValueError, "diffusion_steps == 0"),
        ({"diffusion_patience": 0}, ValueError, "diffusion_patience == 0"),
        ({"diffusion_patience": 2.5}, TypeError, "diffusion_patience"),
        ({"sampling_steps": 2000}, ValueError, "sampling_steps=2000 is more"),
        ({"sampling_steps": 2.0}, TypeError, "sampling_steps"),
        ({"n_timesteps": "1000"}, TypeError, "n_timesteps"),
        ({"diffusion_lr": 0}, ValueError, "diffusion_lr"),
        ({"beta_start": 0.0}, ValueError, "beta_start"),
        ({"beta_start": 0.1, "beta_end": 0.01}, ValueError, "beta_end"),
        ({"beta_end": 1.0}, ValueError, "beta_end"),
        ({"denoiser_hidden": 64}, TypeError, "denoiser_hidden"),
        ({"time_dim": 0}, ValueError, "time_dim"),
        ({"ae_steps": None}, TypeError, "ae_steps"),
    ],
)
def test_bad_settings(table, kwargs, error, match):
    with pytest.raises(error, match=match):
        AEDiffusion(**{**FAST, **kwargs}).fit(table, DISCRETE)


def test_bad_sample_input(table, fitted):
    with pytest.raises(TypeError, match="n must be"):
        fitted.sample(1.5)
    with pytest.raises(ValueError, match="not conditional"):
        fitted.sample(2, condition="no")
    with pytest.raises(NotFittedError):
        AEDiffusion().sample_latent(2)
    with pytest.raises(ValueError, match="columns this model was fitted on"):
        fitted.reconstruct(table[["age", "score"]])


# ---------------------------------------------------------------- learning


def test_aediffusion_beats_trivial_baselines_on_a_dependent_table():
    real = dependent_table()
    settings = dict(ae_hidden=(64,), latent_dim=4, ae_steps=800, denoiser_hidden=(128, 128))
    model = AEDiffusion(**settings, diffusion_steps=1500, random_state=0, verbose=False)
    rows = model.fit(real, ["c"]).sample(len(real))
    detect = dict(seeds=(0,), n_splits=4)
    auc = detection_auc(real, rows, ["c"], **detect)["mean"]
    auc_uniform = detection_auc(real, uniform_columns(real), ["c"], **detect)["mean"]
    # random states 0-4: detection 0.44-0.52 (fresh real rows 0.51), uniform columns 0.83
    assert auc < 0.6 and auc < auc_uniform - 0.2
    # shares of c: total variation 0.02-0.14 from the real ones; uniform shares: 0.25
    assert total_variation(rows, real) < 0.15 < total_variation(uniform_columns(real), real)
    # mean x given c, real -2, 0, 2; generated -1.96 to -1.52, -0.05 to 0.42, 0.84 to 2.24
    means = rows.groupby("c")["x"].mean()
    assert means["a"] < -1.4 and 1.0 < means["b"] - means["a"] < 3.0 and means["c"] > 0.5


def test_a_spiked_column_is_learnt_as_a_value_block_and_survives_save_load(tmp_path):
    rng = np.random.default_rng(0)
    table = make_table()
    amounts = np.arange(1, 21) * 100  # 20 amounts, about 8 rows each
    table["gain"] = np.where(rng.random(len(table)) < 0.6, 0, rng.choice(amounts, len(table)))
    model = AEDiffusion(**FAST).fit(table, DISCRETE)
    assert model.spike_share == 0.5 and model.transformer_.spikes_ == {"gain": 0}
    assert list(model.transformer_.value_blocks_) == ["gain"]
    assert model.autoencoder_.blocks[-1][1] - model.autoencoder_.blocks[-1][0] == 21
    rows = model.sample(1000)
    assert set(rows["gain"]) <= set(table["gain"]) and (rows["gain"] != 0).any()
    assert 0.3 < (rows["gain"] == 0).mean() < 0.9  # 0.6 in the table; a small, short fit
    model.save(tmp_path / "spiked.pt")
    loaded = AEDiffusion.load(tmp_path / "spiked.pt")
    assert loaded.transformer_.spikes_ == {"gain": 0}
    assert list(loaded.transformer_.value_blocks_) == ["gain"]
    assert loaded.sample(30).equals(model.sample(30))
    plain = AEDiffusion(**{**FAST, "spike_share": None}).fit(table, DISCRETE)
    assert plain.transformer_.spikes_ == {}
    assert (  # one scale gave way to a block of 21 values
        plain.autoencoder_.decoder[-1].out_features
        == model.autoencoder_.decoder[-1].out_features - 20
    )
    with pytest.raises(ValueError, match="spike_share"):
        AEDiffusion(**{**FAST, "spike_share": 0}).fit(table, DISCRETE)


def test_spike_share_changes_nothing_on_a_table_without_a_spike(table):
    spiked = AEDiffusion(**FAST).fit(table, DISCRETE)  # spike_share=0.5, the default
    plain = AEDiffusion(**{**FAST, "spike_share": None}).fit(table, DISCRETE)
    assert spiked.transformer_.spikes_ == {}  # as on insurance and tips: results unchanged
    assert same_weights(plain.denoiser_, spiked.denoiser_)
    assert plain.sample(40).equals(spiked.sample(40))
