"""tabgen_lib.dp_generator (DPAEDiffusion, train_private) and tabgen_lib.dp_domain."""

import copy
import math
import random

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from torch import nn

from tabgen_lib.dp import epsilon_spent, poisson_batch
from tabgen_lib.dp_domain import DomainEncoder, domain_of
from tabgen_lib.dp_generator import DPAEDiffusion, train_private
from tabgen_lib.metrics import detection_auc
from tabgen_lib.privacy import TOY_DISCRETE, toy_population
from tabgen_lib.validation import forked_torch_rng, torch_generator

pytest.importorskip("opacus")

#: Small and fast: a fit takes about a second.
TINY = dict(
    ae_steps=40,
    diffusion_steps=40,
    batch_size=32,
    ae_hidden=(16,),
    latent_dim=4,
    denoiser_hidden=(32,),
    sampling_steps=10,
    verbose=False,
)


@pytest.fixture(scope="module")
def people():
    return toy_population(200, random_state=1)


@pytest.fixture(scope="module")
def domain():
    """Public knowledge about the toy population (wider than any sample of it)."""
    return {
        "age": (10.0, 90.0),
        "bmi": (10.0, 50.0),
        "smoker": ["no", "yes"],
        "region": ["east", "north", "south", "west"],
        "charges": (0.0, 60000.0),
    }


@pytest.fixture(scope="module")
def fitted(people, domain):
    return DPAEDiffusion(epsilon=2.0, domain=domain, random_state=0, **TINY).fit(
        people, TOY_DISCRETE
    )


# ---------------------------------------------------------------------------- the guarantee


def test_epsilon_spent_is_at_most_the_target_and_composes_both_stages(fitted, people):
    assert fitted.delta_ == 1 / len(people)
    assert fitted.sample_rate_ == 32 / len(people)
    assert 1.9 <= fitted.epsilon_ <= 2.0  # the noise spends the budget, not more
    (s1, q1, t1), (s2, q2, t2) = fitted.stages_
    assert (s1, q1, t1, s2, q2, t2) == (fitted.noise_multiplier_, 32 / 200, 40) * 2
    # same noise and sample rate in both stages: one mechanism run for all the steps
    assert fitted.epsilon_ == pytest.approx(epsilon_spent(s1, q1, t1 + t2, fitted.delta_))
    assert fitted.epsilon_ > epsilon_spent(s1, q1, t1, fitted.delta_)  # stage 2 costs too


@pytest.mark.parametrize("epsilon", [0.5, 8.0])
def test_a_smaller_budget_needs_more_noise(people, domain, epsilon):
    model = DPAEDiffusion(epsilon, domain=domain, delta=1e-3, random_state=0, **TINY)
    model.fit(people, TOY_DISCRETE)
    assert model.delta_ == 1e-3 and model.epsilon_ <= epsilon
    assert model.noise_multiplier_ > (3.0 if epsilon == 0.5 else 0.5)
    assert model.noise_multiplier_ < (20.0 if epsilon == 0.5 else 1.5)


def test_without_epsilon_there_is_no_noise_and_no_guarantee(people, domain):
    model = DPAEDiffusion(None, domain=domain, random_state=0, **TINY).fit(people, TOY_DISCRETE)
    assert model.noise_multiplier_ == 0.0 and math.isinf(model.epsilon_)
    assert "(inf, 0.005)-DP" in str(model)


def test_more_noise_costs_utility_on_a_toy(domain):
    """The direction of the privacy-utility trade-off: the same recipe with a small budget
    learns less (higher reconstruction loss) and makes rows that are easier to detect."""
    people = toy_population(400, random_state=3)
    settings = {**TINY, "ae_steps": 150, "diffusion_steps": 150, "batch_size": 64}
    results = {}
    for epsilon in (None, 0.3):
        model = DPAEDiffusion(epsilon, domain=domain, random_state=0, **settings)
        model.fit(people, TOY_DISCRETE)
        fake = model.sample(400)
        detection = detection_auc(people, fake, TOY_DISCRETE, model="lr", seeds=(0,))["mean"]
        results[epsilon] = (np.nanmean(model.history_["ae_loss"][-30:]), detection)
    (loss_free, detect_free), (loss_private, detect_private) = results[None], results[0.3]
    assert loss_private > 1.5 * loss_free
    assert detect_private > detect_free + 0.05


# ---------------------------------------------------------------------------- the domain


def test_public_domain_bounds_the_rows_and_is_recorded(fitted, domain):
    fake = fitted.sample(300)
    assert list(fake.columns) == ["age", "bmi", "smoker", "region", "charges"]
    assert fake["age"].between(*domain["age"]).all()
    assert fake["charges"].between(*domain["charges"]).all()
    assert set(fake["smoker"]) <= {"no", "yes"}
    assert fitted.domain_is_public_ and "domain given" in str(fitted)


def test_domain_read_from_the_rows_is_flagged_as_not_covered(people):
    model = DPAEDiffusion(3.0, random_state=0, **TINY).fit(people, TOY_DISCRETE)
    assert not model.domain_is_public_
    assert model.domain_["age"] == (people["age"].min(), people["age"].max())
    assert "NOT covered" in str(model)


def test_domain_encoder_round_trip_clips_and_keeps_dtypes():
    table = pd.DataFrame({"age": [18, 40, 99], "smoker": ["no", "yes", "no"]})
    encoder = DomainEncoder({"age": (18, 64), "smoker": ["no", "yes"]}, ["smoker"]).fit(table)
    matrix = encoder.transform(table)
    np.testing.assert_allclose(matrix[:, 0], [-1.0, 2 * 22 / 46 - 1, 1.0], rtol=1e-6)
    back = encoder.inverse_transform(matrix)
    assert back["age"].tolist() == [18, 40, 64] and back["age"].dtype == table["age"].dtype
    assert back["smoker"].tolist() == ["no", "yes", "no"]
    assert domain_of(table, ["smoker"]) == {"age": (18.0, 99.0), "smoker": ["no", "yes"]}


def test_decoded_numbers_never_leave_the_bounds():
    """A decoder's output is float32; decoding it in float32 put 1137.011 at 1137.0109."""
    table = pd.DataFrame({"charges": [2000.0, 3000.0]})
    encoder = DomainEncoder({"charges": (1137.011, 63770.42801)}).fit(table)
    edges = encoder.inverse_transform(np.array([[-1.0], [1.0], [-3.0], [5.0]], dtype=np.float32))
    assert edges["charges"].tolist() == [1137.011, 63770.42801, 1137.011, 63770.42801]


@pytest.mark.parametrize(
    "domain, error, message",
    [
        (["age"], TypeError, "domain must be a dict"),
        ({"age": (18, 64)}, ValueError, r"no entry for the column\(s\) \['smoker'\]"),
        ({"age": (64, 18), "smoker": ["no", "yes"]}, ValueError, "low must be below high"),
        ({"age": (18,), "smoker": ["no", "yes"]}, ValueError, r"must be \(low, high\)"),
        ({"age": ("a", 3), "smoker": ["no", "yes"]}, TypeError, "must be an instance of float"),
        ({"age": (18, 64), "smoker": []}, ValueError, "non-empty list of categories"),
        ({"age": (18, 64), "smoker": ["no"]}, ValueError, r"values \['yes'\] that are not"),
    ],
)
def test_bad_domains_are_refused(domain, error, message):
    table = pd.DataFrame({"age": [18, 40], "smoker": ["no", "yes"]})
    encoder = DomainEncoder(domain, ["smoker"])
    with pytest.raises(error, match=message):
        encoder.fit(table).transform(table)


def test_domain_encoder_checks_its_input():
    table = pd.DataFrame({"age": [18, 40], "smoker": ["no", "yes"]})
    encoder = DomainEncoder({"age": (18, 64), "smoker": ["no", "yes"]}, ["smoker"])
    with pytest.raises(NotFittedError):
        encoder.transform(table)
    encoder.fit(table)
    with pytest.raises(TypeError, match="DataFrame"):
        encoder.transform(table.to_numpy())
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['smoker'\]"):
        encoder.transform(table[["age"]])


# ---------------------------------------------------------------------------- the estimator


def test_reproducible_and_leaves_the_global_random_state_alone(people, domain, fitted):
    torch.manual_seed(5)
    np.random.seed(5)
    random.seed(5)
    before = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    again = DPAEDiffusion(epsilon=2.0, domain=domain, random_state=0, **TINY)
    again.fit(people, TOY_DISCRETE)
    first = again.sample(50)
    assert torch.equal(torch.get_rng_state(), before[0])
    assert np.array_equal(np.random.get_state()[1], before[1]) and random.getstate() == before[2]
    twin = clone(fitted).fit(people, TOY_DISCRETE)
    pd.testing.assert_frame_equal(twin.sample(50), first)  # same seed, same calls
    assert not twin.sample(50).equals(first)  # the next call draws new rows


def test_a_scikit_learn_estimator(fitted):
    params = fitted.get_params()
    assert params["epsilon"] == 2.0 and params["random_state"] == 0
    copy_ = clone(fitted)
    assert not hasattr(copy_, "epsilon_") and copy_.get_params() == params
    assert repr(copy_).startswith("DPAEDiffusion(") and str(copy_) == repr(copy_)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epsilon": 0}, ValueError, "epsilon == 0"),
        ({"epsilon": -1.0}, ValueError, "epsilon == -1.0"),
        ({"epsilon": "3"}, TypeError, "epsilon must be an instance of float"),
        ({"delta": 1.0}, ValueError, "delta == 1.0"),
        ({"delta": 0.0}, ValueError, "delta == 0.0"),
        ({"max_grad_norm": 0.0}, ValueError, "max_grad_norm == 0.0"),
        ({"batch_size": 0}, ValueError, "batch_size == 0"),
        ({"ae_steps": 2.5}, TypeError, "ae_steps must be an instance of int"),
        ({"latent_noise": -0.1}, ValueError, "latent_noise == -0.1"),
        ({"ae_hidden": "64"}, TypeError, "ae_hidden must be a non-empty list"),
        ({"denoiser_hidden": [16, 0]}, ValueError, r"denoiser_hidden\[1\] == 0"),
        ({"sampling_steps": 2000}, ValueError, "more than n_timesteps"),
        ({"verbose": 1}, TypeError, "verbose must be True or False"),
        ({"random_state": -1}, ValueError, "random_state == -1"),
    ],
)
def test_bad_settings_are_refused_before_training(people, kwargs, error, message):
    with pytest.raises(error, match=message):
        DPAEDiffusion(**{**TINY, **kwargs}).fit(people, TOY_DISCRETE)


def test_bad_tables_and_calls(people, fitted):
    with pytest.raises(TypeError, match="DataFrame"):
        DPAEDiffusion(**TINY).fit(people.to_numpy(), TOY_DISCRETE)
    with pytest.raises(ValueError, match="not numeric"):
        DPAEDiffusion(**TINY).fit(people, ["smoker"])  # region is text
    with pytest.raises(ValueError, match="empty"):
        DPAEDiffusion(**TINY).fit(people.iloc[:0], TOY_DISCRETE)
    with pytest.raises(NotFittedError):
        DPAEDiffusion(**TINY).sample(5)
    with pytest.raises(ValueError, match="n == 0"):
        fitted.sample(0)


# ---------------------------------------------------------------------------- DP-SGD


def test_train_private_without_noise_or_clipping_is_adam_on_the_mean_loss():
    """With sigma = 0 and a clipping norm no gradient reaches, the private gradient is the
    batch's summed gradient over the expected batch size: Adam on sum(loss) / B."""
    with forked_torch_rng(0):
        model = nn.Linear(3, 1).double()
        x = torch.randn(50, 3, dtype=torch.float64)
        y = x.sum(1, keepdim=True)
    reference = copy.deepcopy(model)

    def losses(rows):
        return ((model(x[rows]) - y[rows]) ** 2).squeeze(1)

    history = train_private(
        model,
        losses,
        50,
        steps=5,
        batch_size=10,
        lr=0.05,
        noise_multiplier=0.0,
        max_grad_norm=1e6,
        rng=torch_generator(3),
    )
    optimizer, rng = torch.optim.Adam(reference.parameters(), lr=0.05), torch_generator(3)
    for _ in range(5):
        rows = poisson_batch(50, 10 / 50, rng)
        optimizer.zero_grad()
        (((reference(x[rows]) - y[rows]) ** 2).sum() / 10).backward()
        optimizer.step()
    for ours, theirs in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-10)
        assert not ours.requires_grad  # frozen afterwards
    assert len(history) == 5 and not hasattr(model.weight, "grad_sample")
