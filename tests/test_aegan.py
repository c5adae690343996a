import numpy as np
import pandas as pd
import pytest
import torch

from tabgen_lib.aegan import AEGAN
from tabgen_lib.checkpoints import same_weights

FAST = dict(ae_epochs=3, gan_steps=30, batch_size=64, random_state=0, verbose=False)


def make_table(n=400, seed=0):
    rng = np.random.default_rng(seed)
    label = rng.choice(["no", "yes"], size=n, p=[0.7, 0.3])
    return pd.DataFrame(
        {
            "age": rng.integers(18, 70, size=n) + np.where(label == "yes", 10, 0),
            "score": rng.normal(size=n).round(3),
            "city": rng.choice(["Oslo", "Rome", "Lima"], size=n),
            "label": label,
        }
    )


@pytest.fixture(scope="module")
def table():
    return make_table()


@pytest.fixture(scope="module")
def fitted(table):
    return AEGAN(**FAST).fit(table, ["city", "label"])


@pytest.fixture(scope="module")
def conditional(table):
    return AEGAN(conditional_on="label", **FAST).fit(table, ["city", "label"])


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
    assert model.conditional_on is None


def test_networks_follow_the_specification(fitted):
    assert isinstance(fitted.generator_[-1], torch.nn.Tanh)
    assert isinstance(fitted.autoencoder_.encoder[-1], torch.nn.Tanh)
    kinds = {type(layer) for layer in fitted.discriminator_}
    assert torch.nn.LeakyReLU in kinds and torch.nn.Dropout in kinds
    assert not any(p.requires_grad for p in fitted.autoencoder_.parameters())  # frozen


def test_history_records_both_stages(fitted):
    h = fitted.history_
    assert len(h["ae_mse"]) == len(h["ae_ce"]) == FAST["ae_epochs"]
    assert len(h["step"]) == len(h["d_loss"]) == len(h["g_loss"]) > 0
    assert h["step"][-1] == FAST["gan_steps"]
    assert all(np.isfinite(h[k]).all() for k in h)


def test_same_seed_same_model_and_samples(table, fitted):
    again = AEGAN(**FAST).fit(table, ["city", "label"])
    assert same_weights(again.generator_, fitted.generator_)
    torch.manual_seed(1)
    first = fitted.sample(50)
    torch.manual_seed(1)
    assert fitted.sample(50).equals(first)


def test_random_state_leaves_the_global_generator_alone(table):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    AEGAN(**FAST).fit(table, ["city", "label"])
    assert torch.equal(torch.rand(3), expected)


def test_conditional_sampling_returns_the_label(conditional):
    assert conditional.labels_ == ["no", "yes"]
    for label in ["no", "yes"]:
        rows = conditional.sample(100, condition=label)
        assert len(rows) == 100 and (rows["label"] == label).all()
        assert list(rows.columns) == ["age", "score", "city", "label"]
    assert "label" not in conditional.transformer_.columns_  # the condition is not decoded
    mixed = conditional.sample(300)
    assert set(mixed["label"]) <= {"no", "yes"}


def test_reconstruct_encode_and_reconstruction_error(table, fitted):
    rec = fitted.reconstruct(table)
    assert list(rec.columns) == list(table.columns) and len(rec) == len(table)
    z = fitted.encode(table)
    assert z.shape == (len(table), fitted.latent_dim) and z.abs().max() <= 1
    err = fitted.reconstruction_error(table)
    assert err.shape == (len(table),) and (err >= 0).all()


def test_save_load_round_trip(tmp_path, table, conditional):
    path = conditional.save(tmp_path / "model.pt")
    loaded = AEGAN.load(path)
    assert same_weights(loaded.generator_, conditional.generator_)
    assert same_weights(loaded.autoencoder_, conditional.autoencoder_)
    assert loaded.labels_ == conditional.labels_
    assert loaded.history_ == conditional.history_
    torch.manual_seed(0)
    first = conditional.sample(40, condition="yes")
    torch.manual_seed(0)
    assert loaded.sample(40, condition="yes").equals(first)


def test_load_rejects_corrupted_and_foreign_files(tmp_path, fitted):
    path = fitted.save(tmp_path / "model.pt")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.pt"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        AEGAN.load(bad)
    from tabgen_lib.checkpoints import save_checkpoint

    other = save_checkpoint(tmp_path / "other.pt", models={"net": torch.nn.Linear(2, 1)}, step=0)
    with pytest.raises(ValueError, match="not of an AEGAN"):
        AEGAN.load(other)
    with pytest.raises(FileNotFoundError):
        AEGAN.load(tmp_path / "missing.pt")


@pytest.mark.parametrize(
    ("kwargs", "discrete", "match"),
    [
        ({}, ["town"], "not in the table"),
        ({}, ["city"], "not numeric"),
        ({"conditional_on": "age"}, ["city", "label"], "must be one of the discrete_columns"),
        ({"latent_dim": 0}, ["city", "label"], "latent_dim"),
        ({"batch_size": 1}, ["city", "label"], "batch_size"),
        ({"g_lr": -1.0}, ["city", "label"], "g_lr"),
        ({"dropout": 1.0}, ["city", "label"], "dropout"),
        ({"gan_hidden": ()}, ["city", "label"], "gan_hidden"),
    ],
)
def test_bad_fit_input(table, kwargs, discrete, match):
    with pytest.raises(ValueError, match=match):
        AEGAN(**{**FAST, **kwargs}).fit(table, discrete)


def test_bad_fit_data(table):
    with pytest.raises(ValueError, match="impute"):
        AEGAN(**FAST).fit(
            table.assign(score=np.nan).iloc[:5].assign(score=[1, np.nan, 2, 3, 4]),
            ["city", "label"],
        )
    with pytest.raises(ValueError, match="single value"):
        AEGAN(**FAST).fit(table.assign(score=1.0), ["city", "label"])
    with pytest.raises(TypeError):
        AEGAN(**FAST).fit(table.to_numpy(), ["city"])
    with pytest.raises(TypeError):
        AEGAN(**{**FAST, "conditional_on": ["label"]}).fit(table, ["city", "label"])


def test_bad_sample_and_data_input(table, fitted, conditional):
    for n in (0, -3):
        with pytest.raises(ValueError, match="positive"):
            fitted.sample(n)
    with pytest.raises(TypeError):
        fitted.sample(2.5)
    with pytest.raises(ValueError, match="not conditional"):
        fitted.sample(5, condition="yes")
    with pytest.raises(ValueError, match="never seen"):
        conditional.sample(5, condition="maybe")
    with pytest.raises(ValueError, match="columns this model was fitted on"):
        fitted.reconstruct(table.drop(columns="score"))
    with pytest.raises(TypeError):
        fitted.encode(table.to_numpy())
    with pytest.raises(RuntimeError, match="not fitted"):
        AEGAN().sample(3)
    with pytest.raises(ValueError, match="one label per latent row"):
        conditional.decode(torch.zeros(3, conditional.latent_dim))
    with pytest.raises(ValueError, match="shape"):
        fitted.decode(torch.zeros(3, 2))


def test_conditional_label_must_be_complete_and_not_alone(table):
    with pytest.raises(ValueError, match="missing values"):
        AEGAN(conditional_on="label", **FAST).fit(
            table.assign(label=table["label"].where(table.index > 0)), ["city", "label"]
        )
    with pytest.raises(ValueError, match="besides the label"):
        AEGAN(conditional_on="label", **FAST).fit(table[["label"]], ["label"])


# ---------------------------------------------------------------- devices, RNG, batch size


def test_device_may_be_a_torch_device(tmp_path, table, fitted):
    model = AEGAN(**{**FAST, "gan_steps": 2, "ae_epochs": 1}, device=torch.device("cpu"))
    model.fit(table, ["city", "label"])
    assert model.sample(3).shape == (3, table.shape[1])
    path = fitted.save(tmp_path / "model.pt")
    loaded = AEGAN.load(path, device=torch.device("cpu"))
    assert same_weights(loaded.generator_, fitted.generator_)
    assert AEGAN.load(path, device="cpu").sample(2).shape == (2, table.shape[1])


def test_fit_with_random_state_leaves_the_global_cpu_state_unchanged(table, fitted):
    torch.manual_seed(7)
    before = torch.get_rng_state()
    AEGAN(**{**FAST, "gan_steps": 2, "ae_epochs": 1}).fit(table, ["city", "label"])
    assert torch.equal(torch.get_rng_state(), before)
    # sample() draws from the global generators on purpose (set_seed makes it repeat)
    fitted.sample(5)
    assert not torch.equal(torch.get_rng_state(), before)


def test_fit_forks_the_cuda_generator_it_seeds(monkeypatch):
    """Without a GPU: record which CUDA devices are forked and which generators seeded."""
    from tabgen_lib import aegan as aegan_module

    forked, seeded = [], []

    class FakeFork:
        def __init__(self, devices):
            forked.append(list(devices))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    class FakeGenerator:
        def manual_seed(self, seed):
            seeded.append(seed)

    monkeypatch.setattr(torch.random, "fork_rng", lambda devices: FakeFork(devices))
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "default_generators", (FakeGenerator(), FakeGenerator()))
    cpu_before = torch.get_rng_state()
    with aegan_module._seeded_rng(5, torch.device("cuda", 1)):
        pass
    assert forked == [[1]] and seeded == [5]  # the training GPU: forked and seeded
    with aegan_module._seeded_rng(5, torch.device("cuda")):
        pass
    assert forked[-1] == [0] and seeded == [5, 5]  # "cuda" means the current device
    with aegan_module._seeded_rng(5, torch.device("cpu")):
        pass
    assert forked[-1] == [] and seeded == [5, 5]  # on the CPU no CUDA generator is touched
    torch.set_rng_state(cpu_before)  # the fake fork restored nothing


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_on_cuda_leaves_the_global_cuda_state_unchanged(table):
    torch.cuda.manual_seed(11)
    before = torch.cuda.get_rng_state()
    cpu_before = torch.get_rng_state()
    AEGAN(**{**FAST, "gan_steps": 2, "ae_epochs": 1}, device="cuda").fit(table, ["city", "label"])
    assert torch.equal(torch.cuda.get_rng_state(), before)
    assert torch.equal(torch.get_rng_state(), cpu_before)


def test_batch_size_below_pac_is_rejected_and_batches_are_rounded_down(table):
    with pytest.raises(ValueError, match=r"batch_size=4 .*pac=8"):
        AEGAN(**{**FAST, "batch_size": 4, "pac": 8}).fit(table, ["city", "label"])
    assert AEGAN._batch_rows(batch_size=20, pac=8, n_rows=400) == 16
    assert AEGAN._batch_rows(batch_size=512, pac=8, n_rows=100) == 96
    assert AEGAN._batch_rows(batch_size=8, pac=8, n_rows=400) == 8
