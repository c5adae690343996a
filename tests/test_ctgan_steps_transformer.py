"""ModeNormalizer and CTGANTransformer (tabgen_lib.ctgan_steps.transformer)."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tabgen_lib.ctgan_steps import CTGANTransformer, ModeNormalizer

from .ctgan_steps_data import bimodal, insurance_like

# ------------------------------------------------------------------ ModeNormalizer


def test_mode_normalizer_finds_the_modes_and_encodes():
    norm = ModeNormalizer(random_state=0).fit(bimodal())
    assert norm.n_modes == 2
    assert np.allclose(np.sort(norm.means_), [0, 20], atol=0.5)
    assert np.isclose(norm.weights_.sum(), 1, atol=0.02)
    encoded = norm.transform(bimodal(seed=1))
    assert encoded.shape == (400, 3)
    assert np.abs(encoded[:, 0]).max() <= 0.99
    assert np.array_equal(encoded[:, 1:].sum(axis=1), np.ones(400))
    assert set(np.unique(encoded[:, 1:])) == {0.0, 1.0}


def test_mode_normalizer_alpha_is_the_scaled_distance_to_the_mode_mean():
    norm = ModeNormalizer(random_state=0).fit(bimodal())
    k = int(np.argmax(norm.means_))
    value = norm.means_[k] + 2 * norm.stds_[k]
    encoded = norm.transform([value], rng=0)
    assert encoded[0, 1 + k] == 1
    assert np.isclose(encoded[0, 0], 0.5)


def test_mode_normalizer_round_trip_and_clipping():
    values = bimodal()
    norm = ModeNormalizer(random_state=0).fit(values)
    back = norm.inverse_transform(norm.transform(values))
    assert np.allclose(back, values)
    far = norm.transform([1000.0])
    assert np.isclose(far[0, 0], 0.99)
    assert norm.inverse_transform(far)[0] < 1000


def test_mode_normalizer_samples_the_mode_from_the_posterior():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(-3, 1, 500), rng.normal(3, 1, 500)])
    norm = ModeNormalizer(random_state=0).fit(values)
    probs = norm.mode_probabilities([0.0])[0]
    encoded = norm.transform(np.zeros(4000), rng=1)
    share = encoded[:, 1:].mean(axis=0)
    assert np.allclose(share, probs, atol=0.03)
    assert probs.min() > 0.2  # a value between the modes is ambiguous, so both modes occur


def _two_equal_modes():
    return np.concatenate([np.linspace(-4, -2, 100), np.linspace(2, 4, 100)])


def test_mode_normalizer_is_reproducible_and_draws_from_its_own_generator():
    values = _two_equal_modes()
    a = ModeNormalizer(random_state=3).fit(values)
    b = ModeNormalizer(random_state=3).fit(values)
    assert np.array_equal(a.means_, b.means_)
    middle = np.zeros(300)  # halfway between the modes: the drawn modes vary
    first, second = a.transform(middle), a.transform(middle)
    assert not np.array_equal(first, second)  # the own generator moves on
    assert np.array_equal(b.transform(middle), first)  # a refit replays the same sequence
    assert np.array_equal(b.transform(middle), second)
    assert np.array_equal(a.transform(middle, rng=5), b.transform(middle, rng=5))
    gen = np.random.default_rng(5)
    assert np.array_equal(a.transform(middle, rng=gen), a.transform(middle, rng=5))


def test_mode_normalizer_random_state_none_differs_between_fits():
    middle, values = np.zeros(300), _two_equal_modes()
    encodings = {ModeNormalizer().fit(values).transform(middle).tobytes() for _ in range(3)}
    assert len(encodings) > 1


def test_mode_normalizer_is_a_scikit_learn_estimator():
    norm = ModeNormalizer(max_modes=4, random_state=1)
    assert norm.get_params() == {"max_modes": 4, "weight_threshold": 0.005, "random_state": 1}
    copy = clone(norm.fit(bimodal()))
    assert copy.get_params() == norm.get_params() and not hasattr(copy, "means_")
    assert repr(norm) == "ModeNormalizer(max_modes=4, random_state=1)"


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
    for method in ("transform", "mode_probabilities", "inverse_transform"):
        with pytest.raises(NotFittedError, match="fit"):
            getattr(ModeNormalizer(), method)([[1.0, 1.0]])
    with pytest.raises(NotFittedError):
        _ = ModeNormalizer().n_modes
    with pytest.raises(ValueError, match="max_modes == 0"):
        ModeNormalizer(max_modes=0).fit(bimodal())
    with pytest.raises(TypeError, match="max_modes"):
        ModeNormalizer(max_modes=2.5).fit(bimodal())
    with pytest.raises(ValueError, match="weight_threshold"):
        ModeNormalizer(weight_threshold=1.5).fit(bimodal())
    with pytest.raises(ValueError, match="random_state"):
        ModeNormalizer(random_state=-1).fit(bimodal())
    norm = ModeNormalizer(random_state=0).fit(bimodal())
    with pytest.raises(ValueError, match="shape"):
        norm.inverse_transform(np.zeros((2, 7)))
    with pytest.raises(TypeError):
        norm.transform([1.0], rng="seed")


# ------------------------------------------------------------------ CTGANTransformer


def test_ctgan_transformer_layout_and_round_trip():
    table = insurance_like()
    tt = CTGANTransformer(random_state=0).fit(table, ["smoker", "children"])
    kinds = [(s.column, s.activation, s.discrete) for s in tt.spans_]
    assert kinds[0] == ("age", "tanh", False) and kinds[1] == ("age", "softmax", False)
    assert kinds[-2:] == [("smoker", "softmax", True), ("children", "softmax", True)]
    assert [s.column for s in tt.discrete_spans] == ["smoker", "children"]
    assert tt.spans_[-1].stop == tt.output_dim_
    assert tt.spans == tt.spans_ and tt.output_dim == tt.output_dim_  # the old names
    assert tt.categories_["children"] == [0, 1, 2, 5]
    encoded = tt.transform(table)
    assert encoded.shape == (len(table), tt.output_dim_)
    back = tt.inverse_transform(encoded)
    assert list(back.columns) == list(table.columns)
    assert back.dtypes.equals(table.dtypes)
    pd.testing.assert_frame_equal(back, table, check_exact=False, rtol=1e-9)
    back_t = tt.inverse_transform(torch.as_tensor(encoded))
    pd.testing.assert_frame_equal(back_t, back)


def test_ctgan_transformer_is_reproducible():
    table = insurance_like(200)
    a = CTGANTransformer(random_state=4).fit(table, ["smoker"])
    b = CTGANTransformer(random_state=4).fit(table, ["smoker"])
    first = a.transform(table)
    assert np.array_equal(first, b.transform(table))
    assert np.array_equal(a.transform(table), b.transform(table))  # the second calls too
    assert np.array_equal(a.transform(table, rng=1), b.transform(table, rng=1))
    assert clone(a).get_params() == {"max_modes": 10, "random_state": 4, "weight_threshold": 0.005}


def test_ctgan_transformer_decodes_soft_one_hot_blocks():
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["b", "a", "c"]})
    tt = CTGANTransformer(random_state=0).fit(table, ["c"])
    encoded = tt.transform(table)
    soft = encoded.copy()
    c_span = tt.discrete_spans[0]
    soft[:, c_span.start : c_span.stop] = 0.1 + 0.5 * encoded[:, c_span.start : c_span.stop]
    assert tt.inverse_transform(soft)["c"].tolist() == ["b", "a", "c"]


def test_ctgan_transformer_mixed_type_categories():
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", 1, "a", 1]})
    tt = CTGANTransformer(random_state=0).fit(table, ["c"])
    assert tt.inverse_transform(tt.transform(table))["c"].tolist() == ["a", 1, "a", 1]


def test_ctgan_transformer_missing_discrete_values_are_a_category():
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "c": ["a", None, "b", np.nan, "a"]})
    tt = CTGANTransformer(random_state=0).fit(table, ["c"])
    assert tt.categories_["c"][:2] == ["a", "b"] and pd.isna(tt.categories_["c"][2])
    encoded = tt.transform(table)
    span = tt.discrete_spans[0]
    assert encoded[:, span.start : span.stop].argmax(axis=1).tolist() == [0, 2, 1, 2, 0]
    back = tt.inverse_transform(encoded)["c"]
    assert back.isna().tolist() == [False, True, False, True, False]
    assert back.dropna().tolist() == ["a", "b", "a"]


def test_ctgan_transformer_ignores_extra_columns_in_transform():
    table = insurance_like()
    tt = CTGANTransformer(random_state=0).fit(table, ["smoker"])
    extra = table.assign(note="text")[["note", *table.columns]]
    assert np.array_equal(tt.transform(extra, rng=0), tt.transform(table, rng=0))


def test_ctgan_transformer_bad_input():
    table = insurance_like()
    with pytest.raises(TypeError, match="DataFrame"):
        CTGANTransformer().fit(table.to_numpy(), ["smoker"])
    with pytest.raises(ValueError, match="empty"):
        CTGANTransformer().fit(table.iloc[:0], ["smoker"])
    with pytest.raises(ValueError, match="not in the table"):
        CTGANTransformer().fit(table, ["smoker", "sex"])
    with pytest.raises(TypeError, match="list of column names"):
        CTGANTransformer().fit(table, "smoker")
    with pytest.raises(ValueError, match="missing values in continuous"):
        CTGANTransformer().fit(table.assign(bmi=np.nan), ["smoker"])
    with pytest.raises(ValueError, match="not numeric"):
        CTGANTransformer().fit(table, ["children"])
    with pytest.raises(NotFittedError, match="fit"):
        CTGANTransformer().transform(table)
    with pytest.raises(NotFittedError, match="fit"):
        CTGANTransformer().inverse_transform(np.zeros((2, 3)))
    for name in ("discrete_spans", "spans", "output_dim"):
        with pytest.raises(NotFittedError):
            getattr(CTGANTransformer(), name)
    tt = CTGANTransformer(random_state=0).fit(table, ["smoker"])
    with pytest.raises(ValueError, match="not seen in fit: \\['maybe'\\]"):
        tt.transform(table.assign(smoker="maybe"))
    with pytest.raises(ValueError, match="lacks the column"):
        tt.transform(table.drop(columns="bmi"))
    with pytest.raises(TypeError, match="DataFrame"):
        tt.transform(table.to_numpy())
    with pytest.raises(ValueError, match="shape"):
        tt.inverse_transform(np.zeros((2, 3)))
