"""train_step and TeachingCTGAN (tabgen_lib.ctgan_steps.synthesizer)."""

import os
import random
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tabgen_lib.ctgan_steps import (
    ConditionalGenerator,
    ConditionSampler,
    CTGANTransformer,
    PackedCritic,
    TeachingCTGAN,
    train_step,
)

from .ctgan_steps_data import insurance_like

# ------------------------------------------------------------------ train_step


def _small_setup(seed=0):
    table = insurance_like(40)
    tt = CTGANTransformer(random_state=0).fit(table, ["smoker", "children"])
    data = tt.transform(table)
    sampler = ConditionSampler(tt, data, random_state=0)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        gen = ConditionalGenerator(8, sampler.cond_dim, tt.output_dim_, hidden=(16,))
        critic = PackedCritic(tt.output_dim_ + sampler.cond_dim, pac=5, hidden=(16,))
    opts = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in (gen, critic)]
    return gen, critic, opts, torch.as_tensor(data, dtype=torch.float32), tt, sampler


def test_train_step_updates_both_players():
    gen, critic, opts, data, tt, sampler = _small_setup()
    before = [[p.detach().clone() for p in m.parameters()] for m in (gen, critic)]
    losses = train_step(
        gen, critic, *opts, data, tt.spans_, sampler, 20, np.random.default_rng(0), 8
    )
    assert set(losses) == {"critic", "penalty", "generator", "conditional"}
    assert all(np.isfinite(v) for v in losses.values())
    assert losses["penalty"] >= 0 and losses["conditional"] > 0
    for model, old in zip((gen, critic), before, strict=True):
        assert any(not torch.equal(p, q) for p, q in zip(model.parameters(), old, strict=True))
    with pytest.raises(ValueError, match="multiple of pac"):
        train_step(gen, critic, *opts, data, tt.spans_, sampler, 21, np.random.default_rng(0), 8)


def test_train_step_is_reproducible_with_its_generators():
    results = []
    for _ in range(2):
        gen, critic, opts, data, tt, sampler = _small_setup(seed=1)
        rng, noise = np.random.default_rng(3), torch.Generator().manual_seed(4)
        with torch.random.fork_rng():
            torch.manual_seed(2)  # the critic's dropout
            steps = [
                train_step(
                    gen, critic, *opts, data, tt.spans_, sampler, 20, rng, 8, noise_generator=noise
                )
                for _ in range(3)
            ]
        results.append(steps)
    assert results[0] == results[1]
    assert results[0][0] != results[0][1]


# ------------------------------------------------------------------ TeachingCTGAN


def _model(**kwargs):
    options = dict(epochs=3, batch_size=20, pac=5, noise_dim=8, generator_dim=(16,))
    options.update(critic_dim=(16,), random_state=0, progress=False)
    options.update(kwargs)
    return TeachingCTGAN(**options)


def test_teaching_ctgan_fit_and_sample():
    table = insurance_like()
    model = _model()
    assert model.fit(table, ["smoker", "children"]) is model
    history = model.loss_history_
    assert list(history.columns) == ["epoch", "critic", "penalty", "generator", "conditional"]
    assert len(history) == 3 and np.isfinite(history.to_numpy()).all()
    assert model.loss_history is history  # the old name
    assert isinstance(model.transformer_, CTGANTransformer)
    assert isinstance(model.generator_, ConditionalGenerator)
    assert isinstance(model.critic_, PackedCritic)
    synthetic = model.sample(45)  # not a multiple of the batch size
    assert synthetic.shape == (45, 4)
    assert synthetic.dtypes.equals(table.dtypes)
    assert set(synthetic["smoker"]) <= {"no", "yes"}
    assert set(synthetic["children"]) <= {0, 1, 2, 5}


def test_teaching_ctgan_is_reproducible_with_a_random_state():
    table = insurance_like()
    a = _model(random_state=7).fit(table, ["smoker"])
    b = _model(random_state=7).fit(table, ["smoker"])
    pd.testing.assert_frame_equal(a.loss_history_, b.loss_history_)
    for p, q in zip(a.generator_.parameters(), b.generator_.parameters(), strict=True):
        assert torch.equal(p, q)
    pd.testing.assert_frame_equal(a.sample(30, random_state=1), a.sample(30, random_state=1))
    assert not a.sample(30, random_state=1).equals(a.sample(30, random_state=2))
    c = _model(random_state=8).fit(table, ["smoker"])
    assert not c.loss_history_.equals(a.loss_history_)


def test_teaching_ctgan_sample_draws_fresh_rows_from_its_own_generators():
    table = insurance_like()
    a = _model(random_state=3).fit(table, ["smoker"])
    first, second = a.sample(30), a.sample(30)
    assert not first.equals(second)  # successive calls give new rows
    b = _model(random_state=3).fit(table, ["smoker"])  # a refit replays the same sequence
    pd.testing.assert_frame_equal(b.sample(30), first)
    pd.testing.assert_frame_equal(b.sample(30), second)
    a.sample(30, random_state=5)  # a seeded call does not move the model's generators
    pd.testing.assert_frame_equal(a.sample(30), b.sample(30))


def test_teaching_ctgan_random_state_none_differs_between_fits():
    table = insurance_like()
    histories = [_model(random_state=None).fit(table, ["smoker"]).loss_history_ for _ in range(2)]
    assert not histories[0].equals(histories[1])


def test_teaching_ctgan_leaves_the_global_random_state_alone():
    table = insurance_like()
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    torch_before, numpy_before = torch.get_rng_state(), np.random.get_state()
    python_before = random.getstate()
    model = _model(random_state=3).fit(table, ["smoker"])
    model.sample(30)
    model.sample(30, random_state=5)
    assert torch.equal(torch.get_rng_state(), torch_before)
    numpy_after = np.random.get_state()
    assert numpy_after[0] == numpy_before[0] and np.array_equal(numpy_after[1], numpy_before[1])
    assert numpy_after[2:] == numpy_before[2:]
    assert random.getstate() == python_before


def test_teaching_ctgan_is_a_scikit_learn_estimator():
    model = _model(random_state=5, epochs=1)
    params = model.get_params()
    assert params["random_state"] == 5 and params["generator_dim"] == (16,)
    assert params["seed"] is None
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    assert not hasattr(copy, "generator_")
    table = insurance_like()
    fitted = clone(model).fit(table, ["smoker"])
    assert not hasattr(model, "generator_")  # fitting the clone leaves the original as it was
    pd.testing.assert_frame_equal(
        fitted.loss_history_, clone(model).fit(table, ["smoker"]).loss_history_
    )
    assert model.set_params(epochs=2) is model and model.epochs == 2
    expected = "TeachingCTGAN(epochs=5, random_state=1)"
    assert repr(TeachingCTGAN(epochs=5, random_state=1)) == expected
    # the constructor stores the settings unchanged and checks nothing (fit does)
    odd = TeachingCTGAN(epochs=0, generator_dim=[8], betas=[0.5, 0.9])
    assert odd.epochs == 0 and odd.generator_dim == [8] and odd.betas == [0.5, 0.9]


def test_teaching_ctgan_seed_is_a_deprecated_alias_of_random_state():
    table = insurance_like()
    with pytest.warns(FutureWarning, match="random_state"):
        old = _model(random_state=None, seed=4).fit(table, ["smoker"])
    new = _model(random_state=4).fit(table, ["smoker"])
    pd.testing.assert_frame_equal(old.loss_history_, new.loss_history_)
    pd.testing.assert_frame_equal(old.sample(20), new.sample(20))
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="disagree"):
        _model(random_state=1, seed=2).fit(table, ["smoker"])


def test_teaching_ctgan_missing_discrete_values_are_a_category():
    table = insurance_like(80)
    table["smoker"] = table["smoker"].where(np.arange(80) % 4 > 0, None)
    model = _model(epochs=2).fit(table, ["smoker"])
    assert pd.isna(model.transformer_.categories_["smoker"][-1])
    synthetic = model.sample(200)
    assert set(synthetic["smoker"].dropna()) <= {"no", "yes"}
    assert synthetic["smoker"].isna().any()  # sampled with its real frequency, 1/4


def test_teaching_ctgan_progress_bar_honours_tqdm_disable():
    # tqdm reads TQDM_DISABLE when it is imported, so run the fit in a fresh interpreter
    script = (
        "import numpy as np, pandas as pd\n"
        "from tabgen_lib.ctgan_steps import TeachingCTGAN\n"
        "t = pd.DataFrame({'x': np.arange(40.0), 'c': ['a', 'b'] * 20})\n"
        "m = TeachingCTGAN(epochs=2, batch_size=20, pac=10, noise_dim=4, generator_dim=(8,),\n"
        "                  critic_dim=(8,), progress=True).fit(t, ['c'])\n"
    )
    env = {**os.environ, "TQDM_DISABLE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "TeachingCTGAN" not in done.stderr  # no progress bar


@pytest.mark.skipif(bool(os.environ.get("TQDM_DISABLE")), reason="TQDM_DISABLE hides the bar")
def test_teaching_ctgan_progress_bar_shows_unless_disabled(capsys):
    table = insurance_like()
    _model(progress=True).fit(table, ["smoker"])
    assert "TeachingCTGAN" in capsys.readouterr().err
    _model(progress=False).fit(table, ["smoker"])
    assert "TeachingCTGAN" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("settings", "error", "match"),
    [
        ({"batch_size": 21}, ValueError, "multiple of pac"),
        ({"epochs": 0}, ValueError, "epochs == 0"),
        ({"epochs": True}, TypeError, "epochs"),
        ({"noise_dim": 2.5}, TypeError, "noise_dim"),
        ({"generator_dim": 16}, TypeError, "generator_dim must be a sequence"),
        ({"critic_dim": (16, 0)}, ValueError, "critic_dim == 0"),
        ({"lr": 0.0}, ValueError, "lr"),
        ({"betas": 0.5}, TypeError, "betas"),
        ({"betas": (0.5, 1.0)}, ValueError, "betas"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay"),
        ({"random_state": -1}, ValueError, "random_state"),
        ({"random_state": 1.5}, TypeError, "random_state"),
    ],
)
def test_teaching_ctgan_checks_its_settings_in_fit(settings, error, match):
    model = _model(**settings)  # storing them never fails
    with pytest.raises(error, match=match):
        model.fit(insurance_like(), ["smoker"])


def test_teaching_ctgan_bad_input():
    table = insurance_like()
    with pytest.raises(ValueError, match="not in the table"):
        _model().fit(table, ["smoker", "sex"])
    with pytest.raises(ValueError, match="missing values"):
        _model().fit(table.assign(bmi=np.nan), ["smoker"])
    with pytest.raises(ValueError, match="empty"):
        _model().fit(table.iloc[:0], ["smoker"])
    with pytest.raises(TypeError, match="DataFrame"):
        _model().fit(table.to_numpy(), ["smoker"])
    with pytest.raises(ValueError, match="at least one discrete"):
        _model().fit(table[["age", "bmi"]], [])
    with pytest.raises(NotFittedError, match="fit"):
        _model().sample(5)
    with pytest.raises(NotFittedError):
        _ = _model().loss_history
    model = _model(epochs=1).fit(table, ["smoker"])
    with pytest.raises(ValueError, match="n == 0"):
        model.sample(0)
    with pytest.raises(TypeError, match="n must be an instance of int"):
        model.sample(2.5)
    with pytest.raises(ValueError, match="random_state"):
        model.sample(2, random_state=-1)
