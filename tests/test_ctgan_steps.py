"""The teaching implementation of CTGAN (tabgen_lib.ctgan_steps)."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from tabgen_lib.ctgan_steps import (
    ConditionalGenerator,
    ConditionSampler,
    ModeNormalizer,
    PackedCritic,
    Span,
    TableTransformer,
    TeachingCTGAN,
    apply_activations,
    conditional_loss,
    generator_loss,
    gradient_penalty,
    log_frequency_probabilities,
    pack,
    train_step,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Small networks train much faster on one thread than with threads fighting for cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _bimodal(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, 1, n // 2), rng.normal(20, 2, n // 2)])


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 65, n),
            "bmi": rng.normal(30, 5, n),
            "smoker": rng.choice(["no", "yes"], n, p=[0.8, 0.2]),
            "children": rng.choice([0, 1, 2, 5], n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )


# ------------------------------------------------------------------ ModeNormalizer


def test_mode_normalizer_finds_the_modes_and_encodes():
    norm = ModeNormalizer().fit(_bimodal())
    assert norm.n_modes == 2
    assert np.allclose(np.sort(norm.means_), [0, 20], atol=0.5)
    assert np.isclose(norm.weights_.sum(), 1, atol=0.02)
    encoded = norm.transform(_bimodal(seed=1), rng=0)
    assert encoded.shape == (400, 3)
    assert np.abs(encoded[:, 0]).max() <= 0.99
    assert np.array_equal(encoded[:, 1:].sum(axis=1), np.ones(400))
    assert set(np.unique(encoded[:, 1:])) == {0.0, 1.0}


def test_mode_normalizer_alpha_is_the_scaled_distance_to_the_mode_mean():
    norm = ModeNormalizer().fit(_bimodal())
    k = int(np.argmax(norm.means_))
    value = norm.means_[k] + 2 * norm.stds_[k]
    encoded = norm.transform([value], rng=0)
    assert encoded[0, 1 + k] == 1
    assert np.isclose(encoded[0, 0], 0.5)


def test_mode_normalizer_round_trip_and_clipping():
    values = _bimodal()
    norm = ModeNormalizer().fit(values)
    back = norm.inverse_transform(norm.transform(values, rng=0))
    assert np.allclose(back, values)
    far = norm.transform([1000.0], rng=0)
    assert np.isclose(far[0, 0], 0.99)
    assert norm.inverse_transform(far)[0] < 1000


def test_mode_normalizer_samples_the_mode_from_the_posterior():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(-3, 1, 500), rng.normal(3, 1, 500)])
    norm = ModeNormalizer().fit(values)
    probs = norm.mode_probabilities([0.0])[0]
    encoded = norm.transform(np.zeros(4000), rng=1)
    share = encoded[:, 1:].mean(axis=0)
    assert np.allclose(share, probs, atol=0.03)
    assert probs.min() > 0.2  # a value between the modes is ambiguous, so both modes occur


def test_mode_normalizer_is_deterministic_with_a_seed():
    values = _bimodal()
    a = ModeNormalizer(random_state=3).fit(values)
    b = ModeNormalizer(random_state=3).fit(values)
    assert np.array_equal(a.means_, b.means_)
    assert np.array_equal(a.transform(values, rng=5), b.transform(values, rng=5))
    gen = np.random.default_rng(5)
    assert np.array_equal(a.transform(values, rng=gen).shape, (400, 1 + a.n_modes))


def test_mode_normalizer_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        ModeNormalizer().fit([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="empty"):
        ModeNormalizer().fit([])
    with pytest.raises(ValueError, match="infinite"):
        ModeNormalizer().fit([1.0, np.inf])
    with pytest.raises(ValueError, match="at least 2"):
        ModeNormalizer().fit([1.0])
    with pytest.raises(TypeError):
        ModeNormalizer().fit("abc")
    with pytest.raises(RuntimeError, match="fit"):
        ModeNormalizer().transform([1.0])
    with pytest.raises(ValueError, match="positive"):
        ModeNormalizer(max_modes=0)
    with pytest.raises(TypeError):
        ModeNormalizer(max_modes=2.5)
    with pytest.raises(ValueError, match="weight_threshold"):
        ModeNormalizer(weight_threshold=1.5)
    norm = ModeNormalizer().fit(_bimodal())
    with pytest.raises(ValueError, match="shape"):
        norm.inverse_transform(np.zeros((2, 7)))
    with pytest.raises(TypeError, match="rng"):
        norm.transform([1.0], rng="seed")


# ------------------------------------------------------------------ TableTransformer


def test_table_transformer_layout_and_round_trip():
    table = _table()
    tt = TableTransformer().fit(table, ["smoker", "children"])
    kinds = [(s.column, s.activation, s.discrete) for s in tt.spans]
    assert kinds[0] == ("age", "tanh", False) and kinds[1] == ("age", "softmax", False)
    assert kinds[-2:] == [("smoker", "softmax", True), ("children", "softmax", True)]
    assert [s.column for s in tt.discrete_spans] == ["smoker", "children"]
    assert tt.spans[-1].stop == tt.output_dim
    assert tt.categories_["children"] == [0, 1, 2, 5]
    encoded = tt.transform(table, rng=0)
    assert encoded.shape == (len(table), tt.output_dim)
    back = tt.inverse_transform(encoded)
    assert list(back.columns) == list(table.columns)
    assert back.dtypes.equals(table.dtypes)
    pd.testing.assert_frame_equal(back, table, check_exact=False, rtol=1e-9)
    back_t = tt.inverse_transform(torch.as_tensor(encoded))
    pd.testing.assert_frame_equal(back_t, back)


def test_table_transformer_decodes_soft_one_hot_blocks():
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["b", "a", "c"]})
    tt = TableTransformer().fit(table, ["c"])
    encoded = tt.transform(table, rng=0)
    soft = encoded.copy()
    c_span = tt.discrete_spans[0]
    soft[:, c_span.start : c_span.stop] = 0.1 + 0.5 * encoded[:, c_span.start : c_span.stop]
    assert tt.inverse_transform(soft)["c"].tolist() == ["b", "a", "c"]


def test_table_transformer_mixed_type_categories():
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", 1, "a", 1]})
    tt = TableTransformer().fit(table, ["c"])
    assert tt.inverse_transform(tt.transform(table, rng=0))["c"].tolist() == ["a", 1, "a", 1]


def test_table_transformer_bad_input():
    table = _table()
    with pytest.raises(TypeError, match="DataFrame"):
        TableTransformer().fit(table.to_numpy(), ["smoker"])
    with pytest.raises(ValueError, match="empty"):
        TableTransformer().fit(table.iloc[:0], ["smoker"])
    with pytest.raises(ValueError, match="Unknown discrete column"):
        TableTransformer().fit(table, ["smoker", "sex"])
    with pytest.raises(TypeError, match="list of column names"):
        TableTransformer().fit(table, "smoker")
    with pytest.raises(ValueError, match="NaN"):
        TableTransformer().fit(table.assign(bmi=np.nan), ["smoker"])
    with pytest.raises(TypeError, match="not numeric"):
        TableTransformer().fit(table, ["children"])
    with pytest.raises(RuntimeError, match="fit"):
        TableTransformer().transform(table)
    with pytest.raises(RuntimeError, match="fit"):
        _ = TableTransformer().discrete_spans
    tt = TableTransformer().fit(table, ["smoker"])
    with pytest.raises(ValueError, match="not seen in fit"):
        tt.transform(table.assign(smoker="maybe"))
    with pytest.raises(ValueError, match="lacks the column"):
        tt.transform(table.drop(columns="bmi"))
    with pytest.raises(ValueError, match="shape"):
        tt.inverse_transform(np.zeros((2, 3)))


# ------------------------------------------------------------------ conditional vector


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


def _sampler(table=None, discrete=("smoker", "children")):
    table = _table(400) if table is None else table
    tt = TableTransformer().fit(table, list(discrete))
    return table, tt, ConditionSampler(tt, tt.transform(table, rng=0))


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


def test_condition_sampler_is_deterministic_and_validates():
    _, tt, sampler = _sampler()
    a = sampler.sample_condition(50, rng=3)
    b = sampler.sample_condition(50, rng=3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="positive"):
        sampler.sample_condition(0)
    with pytest.raises(TypeError, match="TableTransformer"):
        ConditionSampler("not a transformer", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        ConditionSampler(tt, np.zeros((2, 2)))
    continuous = TableTransformer().fit(_table()[["age", "bmi"]], [])
    with pytest.raises(ValueError, match="at least one discrete"):
        ConditionSampler(continuous, np.zeros((2, continuous.output_dim)))


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
    with pytest.raises(ValueError, match="positive"):
        pack(x, 0)


def test_packed_critic_scores_packs():
    critic = PackedCritic(input_dim=3, pac=5, hidden=(16, 8))
    assert critic(torch.randn(20, 3)).shape == (4, 1)
    with pytest.raises(ValueError, match="multiple of pac"):
        critic(torch.randn(7, 3))


def test_gradient_penalty_is_zero_for_a_unit_norm_linear_critic():
    torch.manual_seed(0)
    pac, d = 10, 4
    w = torch.randn(pac * d)
    w = w / w.norm()
    critic = lambda x: pack(x, pac) @ w[:, None]  # noqa: E731
    real, fake = torch.randn(50, d), torch.randn(50, d)
    assert float(gradient_penalty(critic, real, fake, pac)) == pytest.approx(0, abs=1e-10)
    steep = lambda x: pack(x, pac) @ (3 * w[:, None])  # noqa: E731  gradient norm 3
    assert float(gradient_penalty(steep, real, fake, pac)) == pytest.approx(10 * (3 - 1) ** 2)
    assert float(gradient_penalty(steep, real, fake, pac, weight=1.0)) == pytest.approx(4)


def test_gradient_penalty_is_positive_and_differentiable_for_a_network():
    torch.manual_seed(0)
    critic = PackedCritic(input_dim=3, pac=5, hidden=(16,))
    penalty = gradient_penalty(critic, torch.randn(20, 3), torch.randn(20, 3), pac=5)
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


# ------------------------------------------------------------------ generator and its loss

SPANS = [
    Span("x", 0, 1, "tanh", False),
    Span("x", 1, 3, "softmax", False),
    Span("c", 3, 6, "softmax", True),
    Span("d", 6, 8, "softmax", True),
]


def test_apply_activations():
    torch.manual_seed(0)
    out = apply_activations(10 * torch.randn(100, 8), SPANS)
    assert out[:, 0].abs().max() <= 1
    for span in SPANS[1:]:
        block = out[:, span.start : span.stop]
        assert torch.allclose(block.sum(dim=1), torch.ones(100))
    # temperature 0.2 makes the Gumbel-softmax nearly one-hot
    assert float(out[:, 3:6].max(dim=1).values.mean()) > 0.9
    # with a generator: the same Gumbel-softmax as the global one, noise from the generator
    raw = 10 * torch.randn(100, 8)
    torch.manual_seed(5)
    from_global = apply_activations(raw, SPANS)
    state = torch.get_rng_state()
    from_own = apply_activations(raw, SPANS, generator=torch.Generator().manual_seed(5))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.allclose(from_own, from_global, atol=1e-6)
    with pytest.raises(ValueError, match="cover"):
        apply_activations(torch.zeros(2, 9), SPANS)
    with pytest.raises(ValueError, match="Unknown activation"):
        apply_activations(torch.zeros(2, 1), [Span("x", 0, 1, "relu", False)])


def test_conditional_loss_only_counts_the_conditioned_column():
    raw = torch.zeros(2, 8)
    raw[0, 3] = 4.0  # row 0: column c, category 0 strongly preferred
    cond = torch.tensor([[1.0, 0, 0, 0, 0], [0, 0, 0, 0, 1.0]])
    mask = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    row0 = -torch.log_softmax(raw[0, 3:6], 0)[0]
    row1 = -torch.log_softmax(raw[1, 6:8], 0)[1]
    loss = conditional_loss(raw, cond, mask, SPANS[2:])
    assert float(loss) == pytest.approx(float(row0 + row1) / 2)
    total = generator_loss(torch.tensor([[1.0], [3.0]]), raw, cond, mask, SPANS[2:])
    assert float(total) == pytest.approx(-2.0 + float(loss))
    with pytest.raises(ValueError, match="mask"):
        conditional_loss(raw, cond, mask[:, :1], SPANS[2:])


def test_conditional_generator_shapes():
    gen = ConditionalGenerator(noise_dim=4, cond_dim=3, output_dim=8, hidden=(5, 6))
    assert gen(torch.randn(10, 4), torch.zeros(10, 3)).shape == (10, 8)


# ------------------------------------------------------------------ train_step and TeachingCTGAN


def _small_setup(seed=0):
    torch.manual_seed(seed)
    table, tt, sampler = _sampler(_table(40))
    gen = ConditionalGenerator(8, sampler.cond_dim, tt.output_dim, hidden=(16,))
    critic = PackedCritic(tt.output_dim + sampler.cond_dim, pac=5, hidden=(16,))
    opts = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in (gen, critic)]
    data = torch.as_tensor(tt.transform(table, rng=0), dtype=torch.float32)
    return gen, critic, opts, data, tt, sampler


def test_train_step_updates_both_players():
    gen, critic, opts, data, tt, sampler = _small_setup()
    before = [[p.detach().clone() for p in m.parameters()] for m in (gen, critic)]
    losses = train_step(
        gen, critic, *opts, data, tt.spans, sampler, 20, np.random.default_rng(0), 8
    )
    assert set(losses) == {"critic", "penalty", "generator", "conditional"}
    assert all(np.isfinite(v) for v in losses.values())
    assert losses["penalty"] >= 0 and losses["conditional"] > 0
    for model, old in zip((gen, critic), before, strict=True):
        assert any(not torch.equal(p, q) for p, q in zip(model.parameters(), old, strict=True))
    with pytest.raises(ValueError, match="multiple of pac"):
        train_step(gen, critic, *opts, data, tt.spans, sampler, 21, np.random.default_rng(0), 8)


def test_train_step_is_deterministic():
    results = []
    for _ in range(2):
        gen, critic, opts, data, tt, sampler = _small_setup(seed=1)
        torch.manual_seed(2)
        rng = np.random.default_rng(3)
        results.append(
            [train_step(gen, critic, *opts, data, tt.spans, sampler, 20, rng, 8) for _ in range(3)]
        )
    assert results[0] == results[1]


def _model(**kwargs):
    options = dict(epochs=3, batch_size=20, pac=5, noise_dim=8, generator_dim=(16,))
    options.update(critic_dim=(16,), seed=0, progress=False)
    options.update(kwargs)
    return TeachingCTGAN(**options)


def test_teaching_ctgan_fit_and_sample():
    table = _table()
    model = _model().fit(table, ["smoker", "children"])
    history = model.loss_history
    assert list(history.columns) == ["epoch", "critic", "penalty", "generator", "conditional"]
    assert len(history) == 3 and np.isfinite(history.to_numpy()).all()
    synthetic = model.sample(45)  # not a multiple of the batch size
    assert synthetic.shape == (45, 4)
    assert synthetic.dtypes.equals(table.dtypes)
    assert set(synthetic["smoker"]) <= {"no", "yes"}
    assert set(synthetic["children"]) <= {0, 1, 2, 5}


def test_teaching_ctgan_is_deterministic_with_a_seed():
    table = _table()
    a = _model(seed=7).fit(table, ["smoker"])
    b = _model(seed=7).fit(table, ["smoker"])
    pd.testing.assert_frame_equal(a.loss_history, b.loss_history)
    pd.testing.assert_frame_equal(a.sample(30), b.sample(30))
    pd.testing.assert_frame_equal(a.sample(30, seed=1), a.sample(30, seed=1))
    assert not a.sample(30, seed=1).equals(a.sample(30, seed=2))
    c = _model(seed=8).fit(table, ["smoker"])
    assert not c.loss_history.equals(a.loss_history)


def test_teaching_ctgan_sample_draws_fresh_rows_from_its_own_generator():
    table = _table()
    a = _model(seed=3).fit(table, ["smoker"])
    first, second = a.sample(30), a.sample(30)
    assert not first.equals(second)  # consecutive calls give new rows
    b = _model(seed=3).fit(table, ["smoker"])  # a refit replays the same sequence
    pd.testing.assert_frame_equal(b.sample(30), first)
    pd.testing.assert_frame_equal(b.sample(30), second)


def test_teaching_ctgan_leaves_the_global_random_state_alone():
    table = _table()
    torch.manual_seed(123)
    np.random.seed(123)
    torch_before, numpy_before = torch.get_rng_state(), np.random.get_state()
    model = _model(seed=3).fit(table, ["smoker"])
    model.sample(30)
    model.sample(30, seed=5)
    assert torch.equal(torch.get_rng_state(), torch_before)
    numpy_after = np.random.get_state()
    assert numpy_after[0] == numpy_before[0] and np.array_equal(numpy_after[1], numpy_before[1])
    assert numpy_after[2:] == numpy_before[2:]


def test_teaching_ctgan_progress_bar_honours_tqdm_disable(tmp_path):
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


def test_teaching_ctgan_bad_input():
    table = _table()
    with pytest.raises(ValueError, match="multiple of pac"):
        TeachingCTGAN(batch_size=505, pac=10)
    with pytest.raises(ValueError, match="positive"):
        TeachingCTGAN(epochs=0)
    with pytest.raises(TypeError, match="integer"):
        TeachingCTGAN(epochs=True)
    with pytest.raises(ValueError, match="Unknown discrete column"):
        _model().fit(table, ["smoker", "sex"])
    with pytest.raises(ValueError, match="NaN"):
        _model().fit(table.assign(bmi=np.nan), ["smoker"])
    with pytest.raises(ValueError, match="empty"):
        _model().fit(table.iloc[:0], ["smoker"])
    with pytest.raises(ValueError, match="at least one discrete"):
        _model().fit(table[["age", "bmi"]], [])
    with pytest.raises(RuntimeError, match="fit"):
        _model().sample(5)
    model = _model(epochs=1).fit(table, ["smoker"])
    with pytest.raises(ValueError, match="positive"):
        model.sample(0)
    with pytest.raises(TypeError, match="integer"):
        model.sample(2.5)
