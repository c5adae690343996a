"""ModeNormalizer against rdt's ClusterBasedNormalizer, which the ctgan package uses.

The hand-written ModeNormalizer is the lesson; this checks that it follows the same
conventions as the field's implementation (rdt 2.0): the same Bayesian Gaussian mixture
settings, the same significant modes, ``alpha = (x - mu) / (4 sigma)`` clipped to
``[-0.99, 0.99]``, and the same decoding.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from tabgen_lib.ctgan_steps import ModeNormalizer

rdt_numerical = pytest.importorskip("rdt.transformers.numerical")


def _column(modes: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    parts = [rng.normal(-5, 1, 1000), rng.normal(5, 0.5, 1000), rng.normal(20, 2, 1000)]
    return np.concatenate(parts[:modes])


def _fit_both(values):
    reference = rdt_numerical.ClusterBasedNormalizer(max_clusters=10, weight_threshold=0.005)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdt's own deprecation and convergence warnings
        reference.fit(pd.DataFrame({"x": values}), "x")
    # rdt seeds its mixture with a fixed seed of its own; use the same one, so that the two
    # mixtures start alike (with only 100 iterations, the start decides whether a mode is
    # split in two -- for either implementation)
    seed = int(reference._bgm_transformer.random_state)
    ours = ModeNormalizer(max_modes=10, weight_threshold=0.005, random_state=seed).fit(values)
    return reference, ours


@pytest.mark.parametrize("modes", [2, 3])
def test_the_same_significant_modes_as_rdt(modes):
    values = _column(modes)
    reference, ours = _fit_both(values)
    mixture, kept = reference._bgm_transformer, reference.valid_component_indicator
    assert ours.n_modes == kept.sum() == modes
    order, ref_order = np.argsort(ours.means_), np.argsort(mixture.means_.ravel()[kept])
    ref_means = mixture.means_.ravel()[kept][ref_order]
    ref_stds = np.sqrt(mixture.covariances_.ravel())[kept][ref_order]
    assert np.allclose(ours.means_[order], ref_means, atol=1e-6)
    assert np.allclose(ours.stds_[order], ref_stds, atol=1e-6)
    assert np.allclose(ours.means_[order], [-5, 5, 20][:modes], atol=0.15)  # the true modes


@pytest.mark.parametrize("modes", [2, 3])
def test_the_same_normalised_values_as_rdt(modes):
    values = _column(modes)
    reference, ours = _fit_both(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = reference.transform(pd.DataFrame({"x": values}))
    ref_alpha, ref_mode = out["x.normalized"].to_numpy(), out["x.component"].to_numpy()
    encoded = ours.transform(values, rng=0)
    alpha, mode = encoded[:, 0], encoded[:, 1:].argmax(axis=1)
    # both draw a value's mode from its posterior: compare where the posterior is ~1
    sure = ours.mode_probabilities(values).max(axis=1) > 0.999
    assert sure.mean() > 0.9
    same = sure & (mode == ref_mode)
    assert same.sum() > 0.995 * sure.sum()  # near one mode, both pick it
    k = mode[same]
    expected = (values[same] - ours.means_[k]) / (4 * ours.stds_[k])
    assert np.allclose(alpha[same], np.clip(expected, -0.99, 0.99), atol=1e-9)
    assert np.allclose(ref_alpha[same], alpha[same], atol=1e-9)
    # and rdt decodes our (alpha, mode) pairs to the values our inverse_transform gives
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decoded = reference.reverse_transform(
            pd.DataFrame({"x.normalized": alpha, "x.component": mode.astype(float)})
        )["x"].to_numpy()
    assert np.allclose(decoded, ours.inverse_transform(encoded), atol=1e-9)
