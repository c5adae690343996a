import random

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tabgen_lib import aegan as aegan_module
from tabgen_lib.aegan import AEGAN, Autoencoder
from tabgen_lib.aegan_training import batch_rows
from tabgen_lib.checkpoints import same_weights, save_checkpoint
from tabgen_lib.models import Autoencoder as ModelsAutoencoder

from ._latent_helpers import DISCRETE, global_states, make_table, same_states

# small networks and few steps: the tests check the mechanics, test_aegan_learning the learning
FAST = {
    "ae_hidden": (32,),
    "gan_hidden": (32,),
    "ae_steps": 20,
    "gan_steps": 30,
    "batch_size": 64,
    "random_state": 0,
    "verbose": False,
}
TINY = {**FAST, "ae_steps": 2, "gan_steps": 2}


@pytest.fixture(scope="module")
def table():
    return make_table()


@pytest.fixture(scope="module")
def fitted(table):
    return AEGAN(**FAST).fit(table, DISCRETE)


@pytest.fixture(scope="module")
def conditional(table):
    return AEGAN(conditional_on="label", **FAST).fit(table, DISCRETE)


def test_sample_has_the_training_columns_dtypes_and_categories(table, fitted):
    fake = fitted.sample(200)
    assert list(fake.columns) == list(table.columns)
    assert fake.dtypes.equals(table.dtypes)
    assert set(fake["city"]) <= set(table["city"])
    assert fake["age"].between(table["age"].min(), table["age"].max()).all()
    assert len(fake) == 200


def test_defaults_follow_the_course_specification():
    model = AEGAN()
    assert (model.latent_dim, model.d_lr_factor, model.k_steps_g, model.dropout) == (
        32,
        0.25,
        3,
        0.5,
    )
    assert model.conditional_on is None and model.random_state is None


def test_networks_follow_the_specification(fitted):
    assert isinstance(fitted.generator_[-1], torch.nn.Tanh)
    assert isinstance(fitted.autoencoder_.encoder[-1], torch.nn.Tanh)
    kinds = {type(layer) for layer in fitted.discriminator_}
    assert torch.nn.LeakyReLU in kinds and torch.nn.Dropout in kinds
    assert fitted.discriminator_[0].in_features == fitted.latent_dim * fitted.pac
    assert not any(p.requires_grad for p in fitted.autoencoder_.parameters())  # frozen
    assert not fitted.generator_.training and not fitted.discriminator_.training
    assert Autoencoder is ModelsAutoencoder  # the old import path still works


def test_history_records_both_stages(fitted):
    h = fitted.history_
    assert len(h["ae_mse"]) == len(h["ae_ce"]) == len(h["ae_val"]) == len(h["ae_step"]) > 0
    assert h["ae_step"][-1] == FAST["ae_steps"] and fitted.ae_best_step_ in h["ae_step"]
    assert len(h["step"]) == len(h["d_loss"]) == len(h["g_loss"]) > 0
    assert h["step"][-1] == FAST["gan_steps"]
    assert all(np.isfinite(h[k]).all() for k in h)


# ---------------------------------------------------------------- scikit-learn estimator


def test_aegan_is_a_scikit_learn_estimator():
    hidden = [16, 8]
    model = AEGAN(ae_hidden=hidden, latent_dim=-1, random_state=3)  # not checked before fit
    assert model.ae_hidden is hidden and model.latent_dim == -1  # stored unchanged
    params = model.get_params()
    assert params["random_state"] == 3 and params["device"] is None and len(params) == 25
    assert params["spike_share"] is None  # the AE-GAN chapters were measured without flags
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    assert repr(model) == "AEGAN(ae_hidden=[16, 8], latent_dim=-1, random_state=3)"
    assert model.set_params(latent_dim=4) is model and model.latent_dim == 4
    assert not hasattr(model, "_settings")


def test_a_clone_of_a_fitted_model_is_unfitted_and_refits_to_the_same_model(table, fitted):
    copy = clone(fitted)
    assert not hasattr(copy, "generator_")
    with pytest.raises(NotFittedError):
        copy.sample(3)
    copy.fit(table, DISCRETE)
    assert same_weights(copy.generator_, fitted.generator_)


# ---------------------------------------------------------------- randomness


def test_same_random_state_gives_the_same_model_and_the_same_samples(table, fitted):
    again = AEGAN(**FAST).fit(table, DISCRETE)
    assert same_weights(again.generator_, fitted.generator_)
    assert same_weights(again.autoencoder_, fitted.autoencoder_)
    reference = AEGAN(**FAST).fit(table, DISCRETE)
    torch.manual_seed(1)  # the global seed plays no part in sampling
    first = again.sample(50)
    torch.manual_seed(2)
    assert reference.sample(50).equals(first)
    second = again.sample(50)
    assert reference.sample(50).equals(second)  # the second samples agree too
    assert not second.equals(first)  # ... and differ from the first
    assert torch.equal(again.sample_latent(20), reference.sample_latent(20))


def test_different_random_states_and_none_give_different_models(table):
    a = AEGAN(**{**TINY, "random_state": 1}).fit(table, DISCRETE)
    b = AEGAN(**{**TINY, "random_state": 2}).fit(table, DISCRETE)
    assert not same_weights(a.generator_, b.generator_)
    torch.manual_seed(0)
    c = AEGAN(**{**TINY, "random_state": None}).fit(table, DISCRETE)
    torch.manual_seed(0)  # None: a fresh seed per fit, whatever the global state
    d = AEGAN(**{**TINY, "random_state": None}).fit(table, DISCRETE)
    assert not same_weights(c.generator_, d.generator_)
    assert c.random_state is None  # stored as given


def test_fit_and_sample_leave_the_global_random_state_alone(table, conditional):
    torch.manual_seed(7)
    np.random.seed(7)
    random.seed(7)
    before = global_states()
    AEGAN(**TINY).fit(table, DISCRETE)
    AEGAN(**{**TINY, "random_state": None}).fit(table, DISCRETE)
    assert same_states(global_states(), before)
    conditional.sample(20)  # draws labels and noise
    conditional.sample(20, condition="yes")
    conditional.sample_latent(5)
    conditional.reconstruct(table.head(20))
    assert same_states(global_states(), before)


def test_fit_forks_the_global_generator_of_its_device(monkeypatch, table):
    """fit seeds the global generators only inside validation.forked_torch_rng."""
    calls = []
    real_fork = aegan_module.validation.forked_torch_rng

    def recording_fork(seed, device="cpu"):
        calls.append((seed, torch.device(device)))
        return real_fork(seed, device)

    monkeypatch.setattr(aegan_module.validation, "forked_torch_rng", recording_fork)
    AEGAN(**TINY, device="cpu").fit(table, DISCRETE)
    assert len(calls) == 1 and calls[0][1] == torch.device("cpu")
    assert isinstance(calls[0][0], int) and calls[0][0] != TINY["random_state"]


# ---------------------------------------------------------------- conditional model


def test_conditional_model_layout(table, conditional):
    assert conditional.labels_ == ["no", "yes"]
    assert conditional.label_freq_.tolist() == pytest.approx(
        table["label"].value_counts(normalize=True).sort_index().tolist()
    )
    assert "label" not in conditional.transformer_.columns_  # the condition is not decoded
    rows = conditional.sample(30, condition="yes")
    assert list(rows.columns) == list(table.columns) and rows.dtypes.equals(table.dtypes)
    assert (rows["label"] == "yes").all()


def test_unconditioned_samples_of_a_conditional_model_follow_the_label_shares(conditional):
    shares = conditional.sample(3000)["label"].value_counts(normalize=True)
    expected = dict(zip(conditional.labels_, conditional.label_freq_.tolist(), strict=True))
    assert shares["yes"] == pytest.approx(expected["yes"], abs=0.04)


# ---------------------------------------------------------------- real rows, save / load


def test_reconstruct_encode_and_reconstruction_error(table, fitted):
    rec = fitted.reconstruct(table)
    assert list(rec.columns) == list(table.columns) and len(rec) == len(table)
    z = fitted.encode(table)
    assert z.shape == (len(table), fitted.latent_dim) and z.abs().max() <= 1
    err = fitted.reconstruction_error(table)
    assert err.shape == (len(table),) and (err >= 0).all()
    x = torch.as_tensor(fitted.transformer_.transform(table), device=fitted.device_)
    mse, ce = fitted.autoencoder_.losses(fitted.autoencoder_(x), x)
    assert err.mean() == pytest.approx(float(mse + ce), rel=1e-5)  # the training loss per row


def test_save_load_round_trip_continues_the_samples(tmp_path, table, conditional):
    conditional.sample(10)  # the stream has moved on before saving
    path = conditional.save(tmp_path / "model.pt")
    before = global_states()
    loaded = AEGAN.load(path)
    assert same_states(global_states(), before)  # loading draws nothing from the caller
    assert same_weights(loaded.generator_, conditional.generator_)
    assert same_weights(loaded.autoencoder_, conditional.autoencoder_)
    assert loaded.labels_ == conditional.labels_
    assert loaded.history_ == conditional.history_
    assert loaded.get_params() == {**conditional.get_params(), "device": None}
    assert loaded.sample(40, condition="yes").equals(conditional.sample(40, condition="yes"))
    assert loaded.sample(40).equals(conditional.sample(40))


def test_load_rejects_corrupted_foreign_and_incompatible_files(tmp_path, fitted):
    path = fitted.save(tmp_path / "model.pt")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.pt"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        AEGAN.load(bad)
    other = save_checkpoint(tmp_path / "other.pt", models={"net": torch.nn.Linear(2, 1)}, step=0)
    with pytest.raises(ValueError, match="not of an AEGAN"):
        AEGAN.load(other)
    old = save_checkpoint(
        tmp_path / "old.pt",
        models={"net": torch.nn.Linear(2, 1)},
        step=0,
        extra={"kind": "AEGAN", "settings": {"latent_dim": 4}},  # an older file layout
    )
    with pytest.raises(ValueError, match="incompatible version"):
        AEGAN.load(old)
    with pytest.raises(FileNotFoundError):
        AEGAN.load(tmp_path / "missing.pt")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "discrete", "error", "match"),
    [
        ({}, ["town"], ValueError, "not in the table"),
        ({}, ["city"], ValueError, "not numeric"),
        ({}, "city", TypeError, "single string"),
        ({"conditional_on": "age"}, DISCRETE, ValueError, "must be one of the discrete_columns"),
        ({"conditional_on": ["label"]}, DISCRETE, TypeError, "conditional_on"),
        ({"latent_dim": 0}, DISCRETE, ValueError, "latent_dim == 0"),
        ({"latent_dim": 2.0}, DISCRETE, TypeError, "latent_dim"),
        ({"gan_steps": "10"}, DISCRETE, TypeError, "gan_steps"),
        ({"batch_size": 1}, DISCRETE, ValueError, "batch_size"),
        ({"g_lr": -1.0}, DISCRETE, ValueError, "g_lr"),
        ({"ae_lr": "fast"}, DISCRETE, TypeError, "ae_lr"),
        ({"latent_noise": -0.1}, DISCRETE, ValueError, "latent_noise"),
        ({"dropout": 1.0}, DISCRETE, ValueError, "dropout"),
        ({"dropout": None}, DISCRETE, TypeError, "dropout"),
        ({"gan_hidden": ()}, DISCRETE, ValueError, "gan_hidden"),
        ({"ae_hidden": 32}, DISCRETE, TypeError, "ae_hidden"),
        ({"ae_hidden": (32, 0)}, DISCRETE, ValueError, r"ae_hidden\[1\]"),
        ({"batch_norm": 1}, DISCRETE, TypeError, "batch_norm"),
        ({"verbose": "yes"}, DISCRETE, TypeError, "verbose"),
        ({"max_snap_values": -1}, DISCRETE, ValueError, "max_snap_values"),
        ({"random_state": -1}, DISCRETE, ValueError, "random_state"),
        ({"random_state": 1.5}, DISCRETE, TypeError, "random_state"),
        ({"device": 3}, DISCRETE, TypeError, "torch.device or None"),
    ],
)
def test_bad_fit_input(table, kwargs, discrete, error, match):
    with pytest.raises(error, match=match):
        AEGAN(**{**FAST, **kwargs}).fit(table, discrete)


def test_bad_fit_data(table):
    with pytest.raises(ValueError, match="missing values in continuous"):
        AEGAN(**FAST).fit(table.head(5).assign(score=[1, np.nan, 2, 3, 4]), DISCRETE)
    with pytest.raises(ValueError, match="single value"):
        AEGAN(**FAST).fit(table.assign(score=1.0), DISCRETE)
    with pytest.raises(TypeError, match="DataFrame"):
        AEGAN(**FAST).fit(table.to_numpy(), ["city"])
    with pytest.raises(ValueError, match=r"data has 6 rows.*pac=8"):
        AEGAN(**FAST).fit(table.head(6), DISCRETE)


def test_bad_sample_and_data_input(table, fitted, conditional):
    with pytest.raises(ValueError, match="n == 0"):
        fitted.sample(0)
    with pytest.raises(ValueError, match="n == -3"):
        fitted.sample_latent(-3)
    with pytest.raises(TypeError, match="n must be an instance of int"):
        fitted.sample(2.5)
    with pytest.raises(ValueError, match="not conditional"):
        fitted.sample(5, condition="yes")
    with pytest.raises(ValueError, match="never seen"):
        conditional.sample(5, condition="maybe")
    with pytest.raises(ValueError, match="columns this model was fitted on"):
        fitted.reconstruct(table.drop(columns="score"))
    with pytest.raises(TypeError):
        fitted.encode(table.to_numpy())
    for method, args in (("sample", (3,)), ("encode", (table,)), ("decode", (torch.zeros(1, 2),))):
        with pytest.raises(NotFittedError, match="not fitted"):
            getattr(AEGAN(), method)(*args)
    with pytest.raises(NotFittedError):
        AEGAN().save("never.pt")
    with pytest.raises(ValueError, match="one label per latent row"):
        conditional.decode(torch.zeros(3, conditional.latent_dim))
    with pytest.raises(ValueError, match="shape"):
        fitted.decode(torch.zeros(3, 2))


def test_conditional_label_must_be_complete_and_not_alone(table):
    with pytest.raises(ValueError, match="missing values"):
        AEGAN(conditional_on="label", **FAST).fit(
            table.assign(label=table["label"].where(table.index > 0)), DISCRETE
        )
    with pytest.raises(ValueError, match="besides the label"):
        AEGAN(conditional_on="label", **FAST).fit(table[["label"]], ["label"])


# ---------------------------------------------------------------- devices, batch size


def test_device_may_be_a_torch_device(tmp_path, table, fitted):
    model = AEGAN(**TINY, device=torch.device("cpu")).fit(table, DISCRETE)
    assert model.device_ == torch.device("cpu")
    assert model.sample(3).shape == (3, table.shape[1])
    path = model.save(tmp_path / "model.pt")  # the device is stored as text
    loaded = AEGAN.load(path, device=torch.device("cpu"))
    assert same_weights(loaded.generator_, model.generator_)
    assert AEGAN.load(path, device="cpu").sample(2).shape == (2, table.shape[1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_and_sample_on_cuda_leave_the_global_state_alone_and_repeat(table):
    torch.cuda.manual_seed(11)
    before, cpu_before = torch.cuda.get_rng_state(), torch.get_rng_state()
    a = AEGAN(**TINY, device="cuda").fit(table, DISCRETE)
    b = AEGAN(**TINY, device="cuda").fit(table, DISCRETE)
    first = a.sample(30)
    assert b.sample(30).equals(first) and not a.sample(30).equals(first)
    assert a.sample_latent(4).device.type == "cuda"
    assert torch.equal(torch.cuda.get_rng_state(), before)
    assert torch.equal(torch.get_rng_state(), cpu_before)


def test_batch_size_below_pac_is_rejected_and_batches_are_rounded_down(table):
    with pytest.raises(ValueError, match=r"batch_size=4 .*pac=8"):
        AEGAN(**{**FAST, "batch_size": 4, "pac": 8}).fit(table, DISCRETE)
    assert batch_rows(batch_size=20, pac=8, n_rows=400) == 16
    assert batch_rows(batch_size=512, pac=8, n_rows=100) == 96
    assert batch_rows(batch_size=8, pac=8, n_rows=400) == 8
