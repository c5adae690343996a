"""The conditional vector and training-by-sampling (tabgen_lib.ctgan_steps.sampler)."""

import numpy as np
import pytest

from tabgen_lib.ctgan_steps import ConditionSampler, CTGANTransformer, log_frequency_probabilities

from .ctgan_steps_data import insurance_like


def test_log_frequency_probabilities():
    p = log_frequency_probabilities([99, 9, 0])
    assert np.allclose(p, np.log([100, 10, 1]) / np.log(1000))
    assert np.isclose(p.sum(), 1)
    with pytest.raises(ValueError, match="negative"):
        log_frequency_probabilities([3, -1])
    with pytest.raises(ValueError, match="all zero"):
        log_frequency_probabilities([0, 0])
    with pytest.raises(ValueError, match="empty"):
        log_frequency_probabilities([])


def _sampler(table=None, discrete=("smoker", "children"), random_state=None):
    table = insurance_like(400) if table is None else table
    tt = CTGANTransformer(random_state=0).fit(table, list(discrete))
    return table, tt, ConditionSampler(tt, tt.transform(table), random_state=random_state)


def test_condition_frequencies_follow_log_frequency():
    table, tt, sampler = _sampler()
    n = 60000
    cond, mask, columns, categories = sampler.sample_condition(n, rng=0)
    assert np.allclose(np.bincount(columns) / n, [0.5, 0.5], atol=0.01)  # column uniform
    for col, name in enumerate(["smoker", "children"]):
        counts = table[name].value_counts().reindex(tt.categories_[name]).to_numpy()
        want = log_frequency_probabilities(counts)
        got = np.bincount(categories[columns == col], minlength=len(want)) / (columns == col).sum()
        assert np.allclose(got, want, atol=0.015), (name, got, want)
        raw = counts / counts.sum()
        assert got[np.argmin(raw)] > 1.5 * raw.min()  # the rarest category is boosted
    # the condition vector and the mask agree with the drawn column and category
    assert np.array_equal(mask.argmax(axis=1), columns)
    assert np.array_equal(cond.argmax(axis=1), sampler.offsets[columns] + categories)
    assert np.array_equal(cond.sum(axis=1), np.ones(n)) and cond.shape[1] == sampler.cond_dim


def test_original_conditions_follow_real_frequencies():
    table, tt, sampler = _sampler()
    cond = sampler.sample_original_condition(40000, rng=0)
    smoker = cond[:, :2]
    picked = smoker.sum(axis=1) == 1
    share_yes = smoker[picked, 1].mean()
    assert np.isclose(share_yes, (table["smoker"] == "yes").mean(), atol=0.015)


def test_training_by_sampling_draws_rows_with_the_category():
    table, tt, sampler = _sampler()
    _, _, columns, categories = sampler.sample_condition(500, rng=1)
    rows = sampler.sample_rows(columns, categories, rng=2)
    for col, cat, row in zip(columns, categories, rows, strict=True):
        name = ["smoker", "children"][col]
        assert table[name].iloc[row] == tt.categories_[name][cat]


def test_condition_sampler_is_reproducible_with_its_own_generator():
    _, _, sampler = _sampler()
    a = sampler.sample_condition(50, rng=3)
    b = sampler.sample_condition(50, rng=np.random.default_rng(3))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    own = [_sampler(random_state=7)[2] for _ in range(2)]
    first = [s.sample_condition(50)[0] for s in own]
    second = [s.sample_condition(50)[0] for s in own]
    assert np.array_equal(first[0], first[1]) and np.array_equal(second[0], second[1])
    assert not np.array_equal(first[0], second[0])  # the own generator moves on
    rows = [s.sample_rows([0] * 20, [0] * 20) for s in own]
    assert np.array_equal(rows[0], rows[1])


def test_condition_sampler_validates():
    _, tt, sampler = _sampler()
    with pytest.raises(ValueError, match="batch_size == 0"):
        sampler.sample_condition(0)
    with pytest.raises(TypeError, match="batch_size"):
        sampler.sample_original_condition(2.5)
    with pytest.raises(TypeError, match="CTGANTransformer"):
        ConditionSampler("not a transformer", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        ConditionSampler(tt, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="random_state"):
        ConditionSampler(tt, tt.transform(insurance_like(400)), random_state=-3)
    continuous = CTGANTransformer(random_state=0).fit(insurance_like()[["age", "bmi"]], [])
    with pytest.raises(ValueError, match="at least one discrete"):
        ConditionSampler(continuous, np.zeros((2, continuous.output_dim_)))
