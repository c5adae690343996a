"""AEGMM: the autoencoder + Gaussian mixture baseline (tabgen_lib.latent_gmm)."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tabgen_lib.aegan import AEGAN
from tabgen_lib.checkpoints import same_weights, save_checkpoint
from tabgen_lib.latent_gmm import AEGMM, BIC_CANDIDATES, fit_mixture
from tabgen_lib.metrics import detection_auc

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
    ae_hidden=(32,), latent_dim=8, ae_steps=300, batch_size=64, random_state=0, verbose=False
)


@pytest.fixture(scope="module")
def table():
    return make_table()


@pytest.fixture(scope="module")
def fitted(table):
    return AEGMM(**FAST).fit(table, DISCRETE)


@pytest.fixture(scope="module")
def conditional(table):
    return AEGMM(**FAST, conditional_on="label").fit(table, DISCRETE)


def test_sample_has_the_training_columns_dtypes_and_categories(table, fitted):
    fake = fitted.sample(300)
    assert list(fake.columns) == list(table.columns) and len(fake) == 300
    assert fake.dtypes.equals(table.dtypes)
    assert set(fake["city"]) <= set(table["city"])
    assert fake["age"].between(table["age"].min(), table["age"].max()).all()


def test_samples_are_clipped_to_the_range_of_the_training_embeddings(table, fitted):
    z = fitted.sample_latent(2000).double()
    low, high = fitted.latent_low_.double(), fitted.latent_high_.double()
    assert (z >= low).all() and (z <= high).all()
    assert torch.equal(low, fitted.encode(table).min(dim=0).values.double())
    # a Gaussian's tails reach past the range: some draws were clipped onto its edges
    assert ((z == low) | (z == high)).any()


def test_the_mixture_follows_the_bic_and_its_parameters(fitted):
    k = fitted.n_components_[0]
    history = fitted.history_
    assert k in BIC_CANDIDATES and history["bic_k"][int(np.argmin(history["bic"]))] == k
    # 400 rows, latent_dim 8: candidates with k * 9 <= 400 rows, i.e. up to 20 (not 50)
    assert history["bic_k"] == [1, 2, 5, 10, 20]
    mixture = fitted.mixtures_[0]
    assert mixture["weights"].sum().item() == pytest.approx(1.0)
    chol = mixture["cholesky"]
    assert chol.shape == (k, 8, 8) and torch.allclose(chol, chol.tril())


def test_fit_mixture_finds_two_clusters_and_honours_a_fixed_number():
    rng = np.random.default_rng(0)
    z = np.r_[rng.normal(-2, 0.3, (150, 3)), rng.normal(2, 0.3, (150, 3))]
    mixture, bic = fit_mixture(z, "bic", (1, 2, 5, 10, 100), seed=0)
    assert mixture.n_components == 2 and list(bic) == [1, 2, 5, 10]  # 100 * 4 > 300 rows
    assert bic[2] < bic[1] and bic[2] < bic[5]
    assert fit_mixture(z, 3, BIC_CANDIDATES, seed=0)[0].n_components == 3
    assert fit_mixture(z[:2], 5, BIC_CANDIDATES, seed=0)[0].n_components == 2  # cut to the rows


def test_a_fixed_number_of_components(table):
    model = AEGMM(**{**FAST, "n_components": 3}).fit(table, DISCRETE)
    assert model.n_components_ == [3] and model.history_["bic_k"] == [3]


# ---------------------------------------------------------------- scikit-learn estimator


def test_aegmm_is_a_scikit_learn_estimator(table, fitted):
    model = AEGMM(n_components=-1, random_state=3)  # not checked before fit
    params = model.get_params()
    assert params["n_components"] == -1 and params["random_state"] == 3 and len(params) == 17
    assert params["spike_share"] == 0.5  # as the AE-Diffusion's; the AE-GAN's is None
    assert repr(model) == "AEGMM(n_components=-1, random_state=3)"
    copy = clone(fitted)
    assert not hasattr(copy, "mixtures_")
    with pytest.raises(NotFittedError):
        copy.sample(3)
    copy.fit(table, DISCRETE)
    assert same_weights(copy.autoencoder_, fitted.autoencoder_)
    assert torch.equal(copy.mixtures_[0]["means"], fitted.mixtures_[0]["means"])


# ---------------------------------------------------------------- randomness


def test_same_random_state_gives_the_same_samples_and_leaves_the_global_state(table, fitted):
    seed_globals()
    before = global_states()
    again = AEGMM(**FAST).fit(table, DISCRETE)
    reference = AEGMM(**FAST).fit(table, DISCRETE)
    first = again.sample(50)
    assert reference.sample(50).equals(first)
    second = again.sample(50)
    assert reference.sample(50).equals(second) and not second.equals(first)
    assert same_states(global_states(), before)
    other = AEGMM(**{**FAST, "random_state": 1}).fit(table, DISCRETE)
    assert not other.sample(50).equals(AEGMM(**FAST).fit(table, DISCRETE).sample(50))


# ---------------------------------------------------------------- conditional model


def test_conditional_model_has_one_mixture_per_label(table, conditional):
    assert conditional.labels_ == ["no", "yes"] and len(conditional.mixtures_) == 2
    assert "label" not in conditional.transformer_.columns_
    rows = conditional.sample(200, condition="yes")
    assert (rows["label"] == "yes").all() and rows.dtypes.equals(table.dtypes)
    # the label moves age by 10 years in the real rows; the mixtures keep most of it
    gap = rows["age"].mean() - conditional.sample(200, condition="no")["age"].mean()
    assert gap > 5  # measured 9.6; real 10
    shares = conditional.sample(3000)["label"].value_counts(normalize=True)
    assert shares["yes"] == pytest.approx(conditional.label_freq_[1].item(), abs=0.04)


# ---------------------------------------------------------------- save / load


def test_save_load_round_trip_continues_the_samples(tmp_path, table, conditional):
    conditional.sample(10)
    path = conditional.save(tmp_path / "gmm.pt")
    before = global_states()
    loaded = AEGMM.load(path)
    assert same_states(global_states(), before)
    assert same_weights(loaded.autoencoder_, conditional.autoencoder_)
    assert loaded.n_components_ == conditional.n_components_
    assert loaded.get_params() == {**conditional.get_params(), "device": None}
    assert loaded.history_ == conditional.history_
    assert loaded.sample(40, condition="no").equals(conditional.sample(40, condition="no"))
    assert loaded.sample(40).equals(conditional.sample(40))


def test_load_refuses_other_models_and_foreign_files(tmp_path, table, fitted):
    path = fitted.save(tmp_path / "gmm.pt")
    with pytest.raises(ValueError, match="not of an AEGAN"):
        AEGAN.load(path)
    gan = AEGAN(
        ae_hidden=[8],
        gan_hidden=[8],
        ae_steps=2,
        gan_steps=2,
        batch_size=16,
        random_state=0,
        verbose=False,
    ).fit(table, DISCRETE)
    with pytest.raises(ValueError, match="not of an AEGMM"):
        AEGMM.load(gan.save(tmp_path / "gan.pt"))
    broken = save_checkpoint(
        tmp_path / "old.pt",
        models={"autoencoder": torch.nn.Linear(2, 1)},
        step=0,
        extra={"kind": "AEGMM", "params": {}},
    )
    with pytest.raises(ValueError, match="incompatible version"):
        AEGMM.load(broken)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_components": "aic"}, ValueError, "bic"),
        ({"n_components": 0}, ValueError, "n_components == 0"),
        ({"n_components": 2.5}, TypeError, "n_components"),
        ({"n_components": None}, TypeError, "n_components"),
        ({"candidates": ()}, ValueError, "candidates is empty"),
        ({"candidates": "12"}, TypeError, "candidates"),
        ({"candidates": (1, 0)}, ValueError, r"candidates\[1\]"),
        ({"ae_steps": 0}, ValueError, "ae_steps == 0"),
        ({"ae_patience": 1.5}, TypeError, "ae_patience"),
        ({"ae_validation": 0.5}, ValueError, "ae_validation"),
        ({"ae_validation": -0.1}, ValueError, "ae_validation"),
        ({"ae_hidden": ()}, ValueError, "ae_hidden"),
        ({"batch_size": 1}, ValueError, "batch_size"),
        ({"latent_noise": -1}, ValueError, "latent_noise"),
        ({"verbose": 1}, TypeError, "verbose"),
        ({"conditional_on": "age"}, ValueError, "discrete_columns"),
        ({"conditional_on": 1.5}, TypeError, "conditional_on"),
        ({"random_state": "0"}, TypeError, "random_state"),
    ],
)
def test_bad_settings(table, kwargs, error, match):
    with pytest.raises(error, match=match):
        AEGMM(**{**FAST, **kwargs}).fit(table, DISCRETE)


def test_bad_data_and_sample_input(table, fitted, conditional):
    with pytest.raises(TypeError, match="DataFrame"):
        AEGMM(**FAST).fit(table.to_numpy(), DISCRETE)
    with pytest.raises(ValueError, match="not numeric"):
        AEGMM(**FAST).fit(table, ["label"])
    with pytest.raises(ValueError, match="n == 0"):
        fitted.sample(0)
    with pytest.raises(ValueError, match="not conditional"):
        fitted.sample(3, condition="yes")
    with pytest.raises(ValueError, match="never seen"):
        conditional.sample(3, condition="maybe")
    with pytest.raises(ValueError, match="shape"):
        fitted.decode(torch.zeros(2, 3))
    for method, args in (("sample", (3,)), ("encode", (table,)), ("save", ("x.pt",))):
        with pytest.raises(NotFittedError, match="not fitted"):
            getattr(AEGMM(), method)(*args)


# ---------------------------------------------------------------- learning


def test_aegmm_beats_trivial_baselines_on_a_dependent_table():
    real = dependent_table()
    model = AEGMM(ae_hidden=(64,), latent_dim=4, ae_steps=800, random_state=0, verbose=False)
    rows = model.fit(real, ["c"]).sample(len(real))
    detect = dict(seeds=(0,), n_splits=4)
    auc = detection_auc(real, rows, ["c"], **detect)["mean"]
    auc_uniform = detection_auc(real, uniform_columns(real), ["c"], **detect)["mean"]
    # random states 0-4: detection 0.41-0.45 (fresh real rows: 0.51; below 0.5 because x has
    # 3 decimals and rows repeat, see below), uniform columns 0.83
    assert auc < 0.6 and auc < auc_uniform - 0.2
    # shares of c: total variation 0.007-0.042 from the real ones; uniform shares: 0.25
    assert total_variation(rows, real) < 0.06 < total_variation(uniform_columns(real), real)
    # the dependence: mean x given c, real -2, 0, 2; generated -2.04 to -1.96, -0.12 to 0.09
    # and 2.03 to 2.11
    means = rows.groupby("c")["x"].mean()
    assert means["a"] < -1.8 and 1.5 < means["b"] - means["a"] < 2.5 and means["c"] > 1.8
    # x has 3 decimals, so even fresh real rows repeat training rows by chance (36 of 400);
    # the generated rows no more often (18-27)
    fresh = dependent_table(seed=5)
    copies = {
        name: len(frame.merge(real.drop_duplicates(), on=["x", "c"]))
        for name, frame in (("generated", rows), ("fresh", fresh))
    }
    assert copies["generated"] <= copies["fresh"]
